#!/usr/bin/env python3
"""
Prometheus metrics: GET /metrics in the text exposition format 0.0.4, on
the metrics_listen listener when it is set (the main listener then answers
404) or on the main listener; the text parses (our own parser and Debian's
promtool); logins, requests and audit events move the counters by exactly
what was done; tenant labels only with metrics_tenant_labels; a bad
metrics_listen and a port in use stop the start with one clear line; and a
real Prometheus scrapes a running Sekisho and answers a query with the
number of logins done.
"""

import http.client
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import saml_util  # noqa: E402
import test_mfa as mfa  # noqa: E402 - its TOTP helpers
import test_saml_sso as sso  # noqa: E402 - reading an answer page
from policy_util import Api  # noqa: E402
from harness import check, eq  # noqa: E402

SLUG = "metrics"
PASSWORD = "metrics-Password-12345"
CTYPE = "text/plain; version=0.0.4; charset=utf-8"

NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_RE = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE_RE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)$" % NAME_RE)


def parse(text):
    """The exposition text as {(name, ((label, value), ...)): float}, checking
    the format on the way: HELP and TYPE once per metric and before its
    samples, known types, well-formed labels, numeric values, no duplicate
    series, histogram buckets cumulative up to +Inf == _count."""
    eq(text.endswith("\n"), True, "the text ends with a newline")
    types, helps, out = {}, set(), {}
    for ln in text.split("\n")[:-1]:
        if ln.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.+)$" % NAME_RE, ln)
            check(m, "comment line %r" % ln)
            kind, name, rest = m.groups()
            if kind == "HELP":
                check(name not in helps, "HELP twice for %s" % name)
                helps.add(name)
            else:
                check(name not in types, "TYPE twice for %s" % name)
                check(rest in ("counter", "gauge", "histogram", "summary", "untyped"),
                      "type %r" % rest)
                types[name] = rest
            continue
        m = SAMPLE_RE.match(ln)
        check(m, "sample line %r" % ln)
        name, labels, value = m.groups()
        base = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == "histogram":
                base = name[:-len(suffix)]
        check(base in types and base in helps, "no TYPE/HELP before %r" % ln)
        pairs = []
        if labels:
            pos = 0
            while pos < len(labels):
                lm = re.compile(LABEL_RE).match(labels, pos)
                check(lm, "labels of %r" % ln)
                pairs.append((lm.group(1), lm.group(2)))
                pos = lm.end()
                if pos < len(labels):
                    check(labels[pos] == ",", "label separator in %r" % ln)
                    pos += 1
        v = float(value)  # raises on anything that is not a number
        check(not math.isnan(v), "NaN in %r" % ln)
        key = (name, tuple(pairs))
        check(key not in out, "series twice: %r" % ln)
        out[key] = v
    # Histograms: cumulative buckets, +Inf equal to _count.
    for name, t in types.items():
        if t != "histogram":
            continue
        series = {}
        for (n, labels), v in out.items():
            if n == name + "_bucket":
                rest = tuple(p for p in labels if p[0] != "le")
                le = dict(labels)["le"]
                series.setdefault(rest, []).append((float(le), v))
        for rest, buckets in series.items():
            buckets.sort()
            vals = [v for _, v in buckets]
            eq(vals, sorted(vals), "buckets of %s%r are cumulative" % (name, rest))
            eq(buckets[-1][0], float("inf"), "last bucket is +Inf")
            eq(buckets[-1][1], out[(name + "_count", rest)], "+Inf bucket == _count")
    return out, types


def value(samples, name, **labels):
    return samples.get((name, tuple(labels.items())), 0.0)


def scrape(port, path="/metrics"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode("utf-8")
    ctype = r.getheader("Content-Type")
    c.close()
    return r.status, ctype, body


def metrics(s, port=None):
    st, ctype, body = scrape(port or s.mport)
    eq(st, 200, "GET /metrics status")
    eq(ctype, CTYPE, "Content-Type")
    samples, types = parse(body)
    return samples, types, body


def login_ok(s, d, slug, email, password):
    r = d.login(d.client(), slug, email, password)
    eq(r.status, 303, "login status (%s)" % r.text[:200])


def login_bad(s, d, slug, email):
    r = d.login(d.client(), slug, email, "wrong-" + PASSWORD)
    check(r.status != 303, "a wrong password must not log in")


def setup(s):
    s.mport = harness.free_port()
    a = s.a = s.daemon(env={"SEKISHO_METRICS_LISTEN": "127.0.0.1:%d" % s.mport})
    a.start()
    a.create_tenant(SLUG)
    a.enroll(SLUG, "user@metrics.example", PASSWORD)
    s.state["logins_ok"] = 0


def test_text_parses_and_promtool_accepts_it(s):
    samples, types, body = metrics(s)
    for name, t in (("sekisho_build_info", "gauge"), ("sekisho_start_time_seconds", "gauge"),
                    ("sekisho_http_requests_total", "counter"),
                    ("sekisho_http_request_duration_seconds", "histogram"),
                    ("sekisho_logins_total", "counter"), ("sekisho_mfa_total", "counter"),
                    ("sekisho_saml_total", "counter"),
                    ("sekisho_gateway_decisions_total", "counter"),
                    ("sekisho_hash_queue_depth", "gauge"),
                    ("sekisho_hash_workers_busy", "gauge"), ("sekisho_db_connections", "gauge"),
                    ("sekisho_db_errors_total", "counter"), ("sekisho_sessions_cached", "gauge"),
                    ("sekisho_audit_events_total", "counter"),
                    ("sekisho_backup_last_time_seconds", "gauge"),
                    ("sekisho_backup_last_success", "gauge")):
        eq(types.get(name), t, "TYPE of %s" % name)
    build = [k for k in samples if k[0] == "sekisho_build_info"]
    eq(len(build), 1, "one build_info series")
    check(re.match(r"^\d+\.\d+\.\d+", dict(build[0][1])["version"]), "version %r" % build)
    start = value(samples, "sekisho_start_time_seconds")
    check(time.time() - 3600 < start <= time.time(), "start time %r" % start)
    check(value(samples, "sekisho_db_connections") >= 1, "a database connection is open")
    # No backup is recorded yet: 0 and 0, said in the help text.
    eq(value(samples, "sekisho_backup_last_time_seconds"), 0.0, "no backup time")
    eq(value(samples, "sekisho_backup_last_success"), 0.0, "no backup success")
    check("no backup recorded" in body, "the help says what 0 means")
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                       text=True, timeout=60)
    eq(r.returncode, 0, "promtool check metrics (%s%s)" % (r.stdout, r.stderr))


def test_logins_move_the_counters_by_what_was_done(s):
    a = s.a
    before, _, _ = metrics(s)
    audit_before = int(a.psql("SELECT count(*) FROM audit_events", superuser=True)[0])
    for _ in range(2):
        login_ok(s, a, SLUG, "user@metrics.example", PASSWORD)
        s.state["logins_ok"] += 1
    for _ in range(3):
        login_bad(s, a, SLUG, "user@metrics.example")
    login_bad(s, a, SLUG, "nobody@metrics.example")
    after, _, _ = metrics(s)
    audit_after = int(a.psql("SELECT count(*) FROM audit_events", superuser=True)[0])

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    eq(delta("sekisho_logins_total", result="success"), 2.0, "successful logins")
    eq(delta("sekisho_logins_total", result="failure"), 4.0, "failed logins")
    eq(delta("sekisho_logins_total", result="locked"), 0.0, "locked logins")
    # Six login pages (GET, 200) and six POSTs: two 303, four refusals.
    eq(delta("sekisho_http_requests_total", **{"class": "login", "code": "303"}), 2.0,
       "login requests answered 303")
    gets = delta("sekisho_http_requests_total", **{"class": "login", "code": "200"})
    posts = sum(v - value(before, n, **dict(k)) for (n, k), v in after.items()
                if n == "sekisho_http_requests_total" and dict(k)["class"] == "login")
    eq(posts, 12.0, "login-class requests (%r GETs answered 200)" % gets)
    eq(delta("sekisho_http_request_duration_seconds_count", **{"class": "login"}), 12.0,
       "login-class latency observations")
    check(delta("sekisho_http_request_duration_seconds_sum", **{"class": "login"}) > 0,
          "login latency sum grows")
    # Every audit event the logins wrote, and committed, counted once.
    eq(delta("sekisho_audit_events_total"), float(audit_after - audit_before),
       "audit events counted vs rows written")
    check(audit_after - audit_before >= 6, "the logins were audited")
    check(value(after, "sekisho_sessions_cached") >= 0, "sessions cached")


def test_probes_and_404s_are_counted_by_class(s):
    before, _, _ = metrics(s)
    c = s.a.client()
    eq(c.get("/t/%s/no-such-page" % SLUG).status, 404, "unknown page")
    eq(c.get("/healthz").status, 200, "healthz")
    eq(c.get("/static/sekisho.css").status, 200, "stylesheet")
    # The gateway asked by a client that is no trusted proxy: a refusal.
    eq(c.get("/gateway/auth").status, 403, "gateway from an untrusted peer")
    after, _, _ = metrics(s)
    eq(value(after, "sekisho_gateway_decisions_total", result="deny") -
       value(before, "sekisho_gateway_decisions_total", result="deny"), 1.0,
       "the gateway's refusal counted")
    eq(value(after, "sekisho_http_requests_total", **{"class": "gateway", "code": "403"}) -
       value(before, "sekisho_http_requests_total", **{"class": "gateway", "code": "403"}), 1.0,
       "the gateway request counted as class gateway")
    eq(value(after, "sekisho_http_requests_total", **{"class": "other", "code": "404"}) -
       value(before, "sekisho_http_requests_total", **{"class": "other", "code": "404"}), 1.0,
       "a 404 counted as class other")
    eq(value(after, "sekisho_http_requests_total", **{"class": "static", "code": "200"}) -
       value(before, "sekisho_http_requests_total", **{"class": "static", "code": "200"}), 1.0,
       "the stylesheet counted as class static")
    # The scrape before this one counts as a probe too.
    check(value(after, "sekisho_http_requests_total", **{"class": "probe", "code": "200"}) >=
          value(before, "sekisho_http_requests_total", **{"class": "probe", "code": "200"}) + 2,
          "healthz and the scrape counted as probes")
    # No raw path ever becomes a label.
    classes = {dict(k)["class"] for (n, k) in after if n == "sekisho_http_requests_total"}
    check(classes <= {"login", "mfa", "password", "page", "admin", "api", "saml", "gateway",
                      "static", "probe", "other"}, "classes %r" % classes)


def test_second_factor_steps_are_counted(s):
    s.d = s.a  # test_mfa's helpers drive s.d
    email = "totp@metrics.example"
    c = s.a.enroll(SLUG, email, mfa.PW)
    secret, _, base = mfa.enrol_signed_in(s, SLUG, c)
    before, _, _ = metrics(s)
    c = mfa.pending(s, SLUG, email)
    r = mfa.send_code(c, SLUG, mfa.wrong_code(secret, base))
    check(r.status != 303, "a wrong code must not finish the login")
    r = mfa.send_code(c, SLUG, mfa.at_step(secret, mfa.steady(3)))
    eq(r.status, 303, "the right code finishes the login (%s)" % r.text[:200])
    after, _, _ = metrics(s)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    eq(delta("sekisho_logins_total", result="mfa_required"), 1.0, "password right, TOTP next")
    eq(delta("sekisho_logins_total", result="success"), 0.0, "no session by the password")
    eq(delta("sekisho_mfa_total", result="failure"), 1.0, "wrong codes")
    eq(delta("sekisho_mfa_total", result="success"), 1.0, "right codes")
    eq(delta("sekisho_http_requests_total", **{"class": "mfa", "code": "303"}), 1.0,
       "the finishing POST counted as class mfa")


def test_saml_messages_are_counted(s):
    a = s.a
    s.sp = saml_util.SP()
    fmt = "<NameIDFormat>%s</NameIDFormat>" % saml_util.FMT["email"]
    s.sp.metadata = s.sp.metadata.replace(b"<AssertionConsumerService",
                                          fmt.encode() + b"<AssertionConsumerService", 1)
    r = Api(a, SLUG).post("/sps?name=Wiki", body=s.sp.metadata,
                          headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "register the SP (%s)" % r.text[:200])
    email = "user@metrics.example"
    c = a.client()
    eq(a.login(c, SLUG, email, PASSWORD).status, 303, "login")
    s.state["logins_ok"] += 1
    before, _, _ = metrics(s)
    base = a.public_url + "/t/%s/saml/" % SLUG
    _, xml = s.sp.authn_request(base + "sso", fmt="email")
    page = c.get("/t/%s/saml/sso?%s" % (SLUG, s.sp.redirect_query(xml)))
    resp, _ = sso.response_of(s, page)
    si = re.search(r'SessionIndex="([^"]+)"', resp).group(1)
    # Unsigned: refused; signed: the session ends.
    _, lxml = s.sp.logout_request(base + "slo", email, si, fmt="email")
    eq(c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(lxml, sign=False))).status, 400,
       "unsigned logout")
    _, lxml = s.sp.logout_request(base + "slo", email, si, fmt="email")
    r = c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(lxml)))
    check(r.status in (302, 303), "signed logout answered by redirect (%d)" % r.status)
    after, _, _ = metrics(s)

    def delta(kind, result):
        return (value(after, "sekisho_saml_total", kind=kind, result=result) -
                value(before, "sekisho_saml_total", kind=kind, result=result))

    eq(delta("sso", "success"), 1.0, "assertions issued")
    eq(delta("sso", "refused"), 0.0, "sign-ons refused")
    eq(delta("slo", "refused"), 1.0, "logouts refused")
    eq(delta("slo", "success"), 1.0, "logouts done")


def test_metrics_only_on_the_metrics_listener(s):
    a = s.a
    # The main listener does not show them when metrics_listen is set.
    st, _, body = scrape(a.port)
    eq(st, 404, "main listener /metrics")
    check("sekisho_" not in body, "no metrics text on the main listener")
    # The metrics listener shows them and the probes, and nothing else.
    eq(scrape(s.mport, "/healthz")[0], 200, "metrics listener /healthz")
    eq(scrape(s.mport, "/readyz")[0], 200, "metrics listener /readyz")
    for path in ("/t/%s/login" % SLUG, "/", "/static/sekisho.css", "/gateway/auth",
                 "/metrics/", "/metrics?x=1/../t"):
        st = scrape(s.mport, path)[0]
        if path.startswith("/metrics?"):
            eq(st, 200, "query string ignored on %s" % path)
        else:
            eq(st, 404, "metrics listener %s" % path)
    c = http.client.HTTPConnection("127.0.0.1", s.mport, timeout=30)
    c.request("POST", "/metrics", body=b"x", headers={"Content-Type": "text/plain"})
    r = c.getresponse()
    r.read()
    eq(r.status, 405, "POST /metrics")
    c.close()


def test_tenant_labels_absent_by_default(s):
    _, _, body = metrics(s)
    check("tenant=" not in body, "no tenant label by default")
    check(SLUG not in body, "no tenant's name in the text by default")


def test_bad_metrics_listen_is_refused_with_one_line(s):
    for v in ("localhost:9100", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", ":9100",
              "[::1:9100", "127.0.0.1:91x"):
        r = s.a.cli("tenant", "list", env={"SEKISHO_METRICS_LISTEN": v})
        check(r.returncode != 0, "metrics_listen %r refused" % v)
        lines = r.stderr.strip().splitlines()
        eq(len(lines), 1, "one line for %r: %r" % (v, r.stderr))
        check("METRICS_LISTEN" in lines[0].upper(), "the line names the key: %r" % lines[0])
    r = s.a.cli("tenant", "list", env={"SEKISHO_METRICS_TENANT_LABELS": "maybe"})
    check(r.returncode != 0 and "METRICS_TENANT_LABELS" in r.stderr.upper(),
          "a bad metrics_tenant_labels named: %r" % r.stderr)


def test_port_in_use_stops_the_start_clearly(s):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    b = s.b = s.daemon(env={"SEKISHO_METRICS_TENANT_LABELS": "true"})
    env = dict(b.env)
    env["SEKISHO_METRICS_LISTEN"] = "127.0.0.1:%d" % port
    try:
        r = subprocess.run([b.bin, "serve"], env=env, cwd=b.dir, capture_output=True,
                           text=True, timeout=180)
    finally:
        busy.close()
    check(r.returncode != 0, "the daemon refused to start")
    check(re.search(r"metrics_listen: cannot listen on 127\.0\.0\.1:%d: Address already in use"
                    % port, r.stderr), "the reason names key, address and cause: %r" %
          r.stderr[-500:])
    check(not b.cluster_running(), "the embedded cluster was stopped again")
    # The main listener's port is free again: the daemon starts normally.
    b.start()


def test_tenant_labels_when_enabled_on_the_main_listener(s):
    b = s.b
    b.create_tenant("acme")
    b.create_tenant("beta")
    b.enroll("acme", "ann@acme.example", PASSWORD)
    login_ok(s, b, "acme", "ann@acme.example", PASSWORD)
    login_bad(s, b, "acme", "ann@acme.example")
    login_bad(s, b, "beta", "bob@beta.example")
    login_bad(s, b, "beta", "bob@beta.example")
    samples, _, body = metrics(s, port=b.port)  # no metrics_listen: the main listener
    eq(value(samples, "sekisho_logins_total", tenant="acme", result="success"), 1.0,
       "acme's successful logins")
    eq(value(samples, "sekisho_logins_total", tenant="acme", result="failure"), 1.0,
       "acme's failed logins")
    eq(value(samples, "sekisho_logins_total", tenant="beta", result="failure"), 2.0,
       "beta's failed logins")
    check(("sekisho_logins_total", (("result", "failure"),)) not in samples,
          "no unlabelled series beside the tenants' (sums would count twice)")
    check("tenant=" not in "".join(ln for ln in body.splitlines()
                                   if ln.startswith("sekisho_http_")),
          "HTTP series carry no tenant")
    r = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True,
                       text=True, timeout=60)
    eq(r.returncode, 0, "promtool check metrics (%s%s)" % (r.stdout, r.stderr))


def prom_query(port, q):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/api/v1/query?" + urllib.parse.urlencode({"query": q}))
    r = c.getresponse()
    body = r.read()
    c.close()
    eq(r.status, 200, "Prometheus query %r status (%r)" % (q, body[:200]))
    doc = json.loads(body)
    eq(doc.get("status"), "success", "Prometheus query %r" % q)
    return doc["data"]["result"]


def test_a_real_prometheus_scrapes_and_answers(s):
    prom = shutil.which("prometheus") or "/usr/bin/prometheus"
    check(os.access(prom, os.X_OK), "Debian's prometheus is installed (scripts/deps)")
    # One more successful login so the value is not the trivial one.
    login_ok(s, s.a, SLUG, "user@metrics.example", PASSWORD)
    s.state["logins_ok"] += 1
    want = s.state["logins_ok"]
    d = tempfile.mkdtemp(prefix="sekisho-prom-", dir="/tmp")
    pport = harness.free_port()
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: sekisho\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % s.mport)
    log = open(os.path.join(d, "prometheus.log"), "wb")
    p = subprocess.Popen([prom, "--config.file=" + os.path.join(d, "prometheus.yml"),
                          "--storage.tsdb.path=" + os.path.join(d, "data"),
                          "--web.listen-address=127.0.0.1:%d" % pport],
                         stdout=log, stderr=subprocess.STDOUT, cwd=d)
    ok = False
    try:
        got = up = None
        deadline = time.time() + 90
        while time.time() < deadline:
            check(p.poll() is None, "prometheus exited: %s" % open(
                os.path.join(d, "prometheus.log")).read()[-500:])
            try:
                up = prom_query(pport, 'up{job="sekisho"}')
                got = prom_query(pport, 'sum(sekisho_logins_total{result="success"})')
            except (OSError, harness.TestFailure):
                time.sleep(0.5)
                continue
            if up and got and float(got[0]["value"][1]) == want:
                break
            time.sleep(0.5)
        check(up and up[0]["value"][1] == "1", "Prometheus says the target is up: %r" % up)
        check(got, "Prometheus has sekisho_logins_total")
        eq(float(got[0]["value"][1]), float(want), "logins Prometheus reports")
        # The series it stored are ours, with their labels.
        failures = prom_query(pport, 'sekisho_logins_total{result="failure"}')
        eq(len(failures), 1, "one failure series")
        eq(failures[0]["metric"].get("job"), "sekisho", "job label")
        hist = prom_query(pport, 'sekisho_http_request_duration_seconds_count{class="login"}')
        check(hist and float(hist[0]["value"][1]) >= 1, "the histogram reached Prometheus")
        ok = True
    finally:
        p.terminate()
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        if ok:
            shutil.rmtree(d, ignore_errors=True)
        else:
            print("  (prometheus files kept in %s)" % d, flush=True)


TESTS = [
    test_text_parses_and_promtool_accepts_it,
    test_logins_move_the_counters_by_what_was_done,
    test_probes_and_404s_are_counted_by_class,
    test_second_factor_steps_are_counted,
    test_saml_messages_are_counted,
    test_metrics_only_on_the_metrics_listener,
    test_tenant_labels_absent_by_default,
    test_bad_metrics_listen_is_refused_with_one_line,
    test_port_in_use_stops_the_start_clearly,
    test_tenant_labels_when_enabled_on_the_main_listener,
    test_a_real_prometheus_scrapes_and_answers,
]

if __name__ == "__main__":
    harness.main("metrics", TESTS, setup)
