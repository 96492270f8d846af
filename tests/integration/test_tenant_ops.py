#!/usr/bin/env python3
"""
The end of a tenant's contract (issue 13, item 5): `sekisho tenant terminate`
refuses the tenant at every entrance at once, on every node (browser
sessions, the login form, API tokens, the console, SAML, the gateway with
401); `tenant restore` undoes it before the purge date; `tenant export`
hands the users and the verifiable audit log back; the purge (the daemon's
job, or `tenant purge`) leaves no row of the tenant in any table that has a
tenant_id column (found from information_schema, so a future table cannot
be missed), and the operator log records each step and still verifies.
"""

import csv
import hashlib
import io
import json
import os
import re
import stat
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import TestFailure, check, eq  # noqa: E402
from gateway_util import add_app, ask, session_cookie, wait_for  # noqa: E402
from policy_util import Api, PW, logged_in, q, sql_super  # noqa: E402
import saml_util  # noqa: E402
from saml_util import SP  # noqa: E402

SLUG = "acme"      # terminated, exported, restored, terminated again and purged
KEEP = "keep"      # a neighbour whose rows must survive every purge
RACE = "race"      # purged while logins hammer it
LATE = "late"      # purged by the daemon's own job
TRUSTED = "127.0.0.1/32"
APP = "https://app.acme.test"
KEEP_APP = "https://app.keep.test"
AT_ONCE = 0.5
ADMIN = "admin@acme.example"
USER = "user@acme.example"


def one_line_error(r, what, *words):
    """r failed with exactly one line on stderr containing every word."""
    check(r.returncode != 0, "%s: exit status 0 (stdout %r)" % (what, r.stdout[-200:]))
    lines = r.stderr.strip().splitlines()
    eq(len(lines), 1, "%s: lines on stderr (%r)" % (what, r.stderr[-400:]))
    for w in words:
        check(w in lines[0], "%s: %r not in %r" % (what, w, lines[0]))
    return lines[0]


def tenant_tables(d):
    """Every base table of the schema with a tenant_id column."""
    return d.psql("SELECT c.table_name FROM information_schema.columns c JOIN "
                  "information_schema.tables t ON t.table_schema = c.table_schema AND "
                  "t.table_name = c.table_name WHERE c.table_schema = 'public' AND "
                  "c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE' "
                  "ORDER BY 1", superuser=True)


def rows_of(d, tenant_id):
    """{table: rows of tenant_id} over every table with a tenant_id column,
    read as the superuser (no row-level security)."""
    tables = tenant_tables(d)
    check(len(tables) >= 19, "tables with tenant_id: %r" % tables)
    sql = " UNION ALL ".join("SELECT %s, count(*) FROM %s WHERE tenant_id = %d" %
                             (q(t), t, tenant_id) for t in tables)
    return {t: int(n) for t, n in (line.split("|") for line in d.psql(sql, superuser=True))}


def oplog(d, action, target=None):
    where = "action = %s" % q(action) + (" AND target = %s" % q(target) if target else "")
    rows = d.psql("SELECT seq, result, detail FROM operator_events WHERE %s ORDER BY seq" %
                  where, superuser=True)
    return [(int(r.split("|", 2)[0]), r.split("|", 2)[1], json.loads(r.split("|", 2)[2]))
            for r in rows]


def listing(d):
    """tenant list as {slug: (state, created, purge)} and its header."""
    out = d.cli_ok("tenant", "list").stdout.splitlines()
    got = {}
    for line in out[1:]:
        f = line.split()
        got[f[0]] = (f[1], f[2], f[3])
    return out[0].split(), got


def gw(d, token, slug=SLUG, url=APP + "/"):
    return ask(d.port, slug, url, token)


def sso_get(s, d, client, slug=SLUG):
    _, xml = s.sp.authn_request(d.public_url + "/t/%s/saml/sso" % slug)
    return client.get("/t/%s/saml/sso?%s" % (slug, s.sp.redirect_query(xml)))


def setup(s):
    env = {"SEKISHO_TRUSTED_PROXIES": TRUSTED}
    a = s.a = s.daemon(env=env)
    a.start()
    for slug in (SLUG, KEEP, RACE):
        a.create_tenant(slug)
    add_app(a, SLUG, "App", APP)
    add_app(a, KEEP, "Keep App", KEEP_APP)
    s.api = Api(a, SLUG)
    s.keep_api = Api(a, KEEP)
    # An SP for SSO, and an answered request (saml_seen, nameids, session SPs).
    s.sp = SP()
    r = s.api.post("/sps?name=Wiki", body=s.sp.metadata,
                   headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "register the SP (%s)" % r.text[:200])
    s.admin = a.enroll(SLUG, ADMIN, PW, role="admin", name="Admin")
    s.user = a.enroll(SLUG, USER, PW, name="=HYPERLINK(\"x\")")
    s.keep_user = a.enroll(KEEP, "user@keep.example", PW)
    a.enroll(RACE, "user@race.example", PW)
    eq(sso_get(s, a, s.user).status, 200, "SSO answered before")
    a.invite(SLUG, "pending@acme.example")
    s.id = a.tenant_id(SLUG)
    s.keep_id = a.tenant_id(KEEP)
    s.keep_rows = rows_of(a, s.keep_id)
    # Node B: the same data directory (and cluster), its own caches.
    b = s.b = harness.Daemon(name="tenant-b", env=dict(env, SEKISHO_DATA_DIR=a.data))
    b.data = a.data
    b.start()


def entrances(s, d, token, admin_token):
    """The status of each entrance of tenant SLUG on node d."""
    c = d.client()
    c.cookies[session_cookie(SLUG)] = token
    adm = d.client()
    adm.cookies[session_cookie(SLUG)] = admin_token
    return {
        "home (session)": c.get("/t/%s/" % SLUG).status,
        "login form": d.client().get("/t/%s/login" % SLUG).status,
        "login post": d.client().post("/t/%s/login" % SLUG,
                                      form={"email": USER, "password": PW}).status,
        "api token": s.api.call("GET", "/users", client=d.client()).status,
        "console": adm.get("/t/%s/admin/" % SLUG).status,
        "saml metadata": d.client().get("/t/%s/saml/metadata" % SLUG).status,
        "saml sso": sso_get(s, d, c).status,
        "saml init": c.get("/t/%s/saml/init?sp=1" % SLUG).status,
        "gateway": gw(d, token).status,
    }


def test_terminate_blocks_every_entrance_at_once_on_both_nodes(s):
    a, b = s.a, s.b
    token = s.user.cookies[session_cookie(SLUG)]
    admin_token = s.admin.cookies[session_cookie(SLUG)]
    for d in (a, b):  # both nodes serve (and cache) the tenant and the sessions
        before = entrances(s, d, token, admin_token)
        for k in ("home (session)", "login form", "api token", "console", "saml metadata",
                  "saml sso", "gateway"):
            eq(before[k], 200, "%s before, node %s" % (k, "AB"[d is b]))
    r = a.cli_ok("tenant", "terminate", SLUG, "--purge-after-days", "7")
    check(re.search(r"terminated; its data is purged after \d{4}-\d\d-\d\dT", r.stdout),
          "terminate says when: %r" % r.stdout)
    t0 = time.time()
    want = {k: 404 for k in entrances(s, a, token, admin_token)}
    want["gateway"] = 401
    for d in (a, b):
        got, _ = wait_for(lambda: entrances(s, d, token, admin_token), want, AT_ONCE)
        eq(got, want, "entrances after terminate, node %s" % "AB"[d is b])
    check(time.time() - t0 < 5, "refused at once")
    # A fresh, well-formed cookie too (not only the cached ones).
    eq(gw(b, "A" * 43).status, 401, "gateway, unknown cookie of the terminated tenant")
    eq(gw(a, token, slug="nosuch").status, 403, "an unknown tenant stays 403 at the gateway")
    # The database: every session and pending login ended, invitations revoked.
    live = a.psql("SELECT count(*) FROM sessions WHERE tenant_id = %d AND ended_at IS NULL" %
                  s.id, superuser=True)
    eq(live, ["0"], "live sessions after terminate")
    eq(a.psql("SELECT count(*) FROM invitations WHERE tenant_id = %d AND used_at IS NULL AND "
              "revoked_at IS NULL" % s.id, superuser=True), ["0"], "open invitations")
    eq(a.psql("SELECT status, purge_after > now() + interval '6 days 23 hours' FROM tenants "
              "WHERE id = %d" % s.id, superuser=True), ["terminated|t"], "row")
    # Audited for the tenant and in the operator log.
    eq(len(a.audit(SLUG, "tenant.terminated")), 1, "tenant.terminated in the tenant's log")
    ev = oplog(a, "tenant.terminated", SLUG)
    eq(len(ev), 1, "tenant.terminated in the operator log")
    check(ev[0][2].get("purge_after", "").startswith(time.strftime(
        "%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))), "detail: %r" % ev[0][2])
    check(ev[0][2].get("sessions_ended", 0) >= 2, "sessions ended counted: %r" % ev[0][2])
    # tenant list: state and purge date; the neighbour untouched.
    head, got = listing(a)
    eq(head, ["SLUG", "STATE", "CREATED", "PURGE", "NAME"], "tenant list header")
    eq(got[SLUG][0], "terminated", "state of %s" % SLUG)
    check(got[SLUG][2].startswith(ev[0][2]["purge_after"][:16]), "purge date %r" % (got[SLUG],))
    eq(got[KEEP][0], "active", "the neighbour is active")
    eq(got[KEEP][2], "-", "the neighbour has no purge date")
    eq(gw(a, s.keep_user.cookies[session_cookie(KEEP)], slug=KEEP, url=KEEP_APP).status, 200,
       "the neighbour's session still passes")
    # The operator's commands that let someone in refuse it too.
    for args in [("invite", SLUG, "late@ops.example"), ("token", "create", SLUG, "--name", "x")]:
        r = a.cli(*args)
        check(r.returncode != 0 and ("no such tenant \"%s\"" % SLUG) in r.stderr,
              "%s refused for a terminated tenant: %r" % (args[0], r.stderr[-200:]))
    eq(a.psql("SELECT count(*) FROM invitations WHERE tenant_id = %d AND used_at IS NULL AND "
              "revoked_at IS NULL" % s.id, superuser=True), ["0"], "no invitation made")


def test_terminate_refuses_bad_input_and_changes_nothing(s):
    a = s.a
    before = a.psql("SELECT status, purge_after FROM tenants ORDER BY id", superuser=True)
    n_op = a.psql("SELECT count(*) FROM operator_events", superuser=True)
    one_line_error(a.cli("tenant", "terminate", SLUG), "twice", "already terminated",
                   "purge after")
    one_line_error(a.cli("tenant", "terminate", "nosuch"), "unknown", "no such tenant")
    one_line_error(a.cli("tenant", "terminate", "Bad_Slug!"), "invalid slug", "no such tenant")
    one_line_error(a.cli("tenant", "terminate"), "no slug", "SLUG missing")
    for bad in ("-1", "3651", "99999999999999999999", "abc", "", "7days", "1.5", "+3", " 3"):
        one_line_error(a.cli("tenant", "terminate", KEEP, "--purge-after-days", bad),
                       "days %r" % bad, "--purge-after-days", "0 to 3650")
    one_line_error(a.cli("tenant", "terminate", KEEP, "--purge-after-days"), "days missing",
                   "unexpected argument")
    one_line_error(a.cli("tenant", "terminate", KEEP, "extra"), "extra arg", "unexpected")
    for cmd in ("restore", "purge"):
        one_line_error(a.cli("tenant", cmd, "nosuch"), cmd + " unknown", "no such tenant")
        one_line_error(a.cli("tenant", cmd), cmd + " no slug", "SLUG missing")
        one_line_error(a.cli("tenant", cmd, KEEP, "x"), cmd + " extra", "unexpected")
    one_line_error(a.cli("tenant", "restore", KEEP), "restore active", "not terminated")
    one_line_error(a.cli("tenant", "purge", KEEP), "purge active", "active",
                   "terminate it first")
    one_line_error(a.cli("tenant", "purge", SLUG), "purge before the date",
                   "may not be purged before")
    eq(a.psql("SELECT status, purge_after FROM tenants ORDER BY id", superuser=True), before,
       "tenants unchanged by refused commands")
    eq(a.psql("SELECT count(*) FROM operator_events", superuser=True), n_op,
       "nothing in the operator log for refused commands")
    check(a.alive() and s.b.alive(), "both nodes alive")


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def chain_ok(doc):
    """Re-hash audit.json's events as idp_audit_hash does."""
    prev = bytes(32)
    for e in doc["events"]:
        eq(e["prev_hash"], prev.hex(), "prev_hash of #%d" % e["seq"])
        h = hashlib.sha256(b"sekisho-audit-v1" + prev)
        for v in (str(doc["tenant_id"]), str(e["seq"]), e["at"], e["actor"], e["role"],
                  e["source_ip"], e["action"], e["target"], e["result"], e["detail"]):
            b = v.encode("utf-8")
            h.update(struct.pack(">I", len(b)) + b)
        eq(h.hexdigest(), e["hash"], "hash of #%d recomputed from audit.json" % e["seq"])
        prev = h.digest()


def test_export_writes_users_and_a_verifiable_audit_log(s):
    a = s.a
    out = os.path.join(a.dir, "export", "acme")
    os.makedirs(os.path.dirname(out))
    r = a.cli_ok("tenant", "export", SLUG, out)
    check("exported" in r.stdout, "says what it did: %r" % r.stdout)
    eq(stat.S_IMODE(os.stat(out).st_mode), 0o700, "DIR made 0700")
    files = sorted(os.listdir(out))
    eq(files, ["audit.csv", "audit.json", "users.csv", "users.json"], "files")
    for f in files:
        eq(stat.S_IMODE(os.stat(os.path.join(out, f)).st_mode), 0o600, "%s mode" % f)
    n_users = int(a.psql("SELECT count(*) FROM users WHERE tenant_id = %d" % s.id,
                         superuser=True)[0])
    n_events = int(a.psql("SELECT count(*) FROM audit_events WHERE tenant_id = %d" % s.id,
                          superuser=True)[0])
    check(n_users >= 3 and n_events >= 5, "something to export")
    rows = read_csv(os.path.join(out, "users.csv"))
    eq(rows[0], ["email", "name", "role", "status", "mfa", "created", "last_login"],
       "users.csv header")
    eq(len(rows) - 1, n_users, "users.csv rows")
    by_email = {r[0]: r for r in rows[1:]}
    eq(by_email[ADMIN][2], "admin", "admin's role")
    eq(by_email["pending@acme.example"][3], "invited", "invited user's status")
    eq(by_email[USER][1], "'=HYPERLINK(\"x\")", "a formula-like name is defused")
    users = json.load(open(os.path.join(out, "users.json")))
    eq(users["tenant"], SLUG, "users.json tenant")
    eq(len(users["users"]), n_users, "users.json users")
    eq(sorted(users["users"][0]),
       ["created", "email", "last_login", "mfa", "name", "role", "status"], "users.json keys")
    eq({u["email"]: u["name"] for u in users["users"]}[USER], "=HYPERLINK(\"x\")",
       "JSON keeps the name as it is")
    text = open(os.path.join(out, "users.json")).read() + open(os.path.join(out,
                                                                            "users.csv")).read()
    hashes = a.psql("SELECT password_hash FROM users WHERE tenant_id = %d AND password_hash "
                    "IS NOT NULL" % s.id, superuser=True)
    check(hashes, "users have hashes")
    for h in hashes:
        check(h not in text and h.split("$")[-1] not in text, "a password hash in the export")
    check("$argon2" not in text and "hash" not in text and "totp_secret" not in text,
          "no secret column in the users' files")
    audit = json.load(open(os.path.join(out, "audit.json")))
    eq(len(audit["events"]), n_events, "audit.json events")
    eq(audit["tenant_id"], s.id, "audit.json tenant_id")
    chain_ok(audit)
    acsv = read_csv(os.path.join(out, "audit.csv"))
    eq(acsv[0][:3] + acsv[0][-2:], ["seq", "time_utc", "actor", "prev_hash", "hash"],
       "audit.csv header")
    eq(len(acsv) - 1, n_events, "audit.csv rows")
    eq([r[-1] for r in acsv[1:]], [e["hash"] for e in audit["events"]], "CSV hashes = JSON")
    check(any(r[5] == "tenant.terminated" for r in acsv[1:]), "the termination is in it")
    ev = oplog(a, "tenant.exported", SLUG)
    eq(len(ev), 1, "tenant.exported in the operator log")
    eq(ev[0][2], {"users": n_users, "events": n_events}, "its detail")
    # Never over existing files, and nothing half-written.
    before = {f: open(os.path.join(out, f), "rb").read() for f in files}
    one_line_error(a.cli("tenant", "export", SLUG, out), "again", "exists", "not overwritten")
    eq({f: open(os.path.join(out, f), "rb").read() for f in files}, before, "files unchanged")
    other = os.path.join(a.dir, "export", "partial")
    os.makedirs(other)
    open(os.path.join(other, "audit.json"), "w").write("mine")
    one_line_error(a.cli("tenant", "export", SLUG, other), "one file exists", "audit.json",
                   "exists")
    eq(sorted(os.listdir(other)), ["audit.json"], "nothing else written beside it")
    eq(open(os.path.join(other, "audit.json")).read(), "mine", "the existing file kept")
    missing = os.path.join(a.dir, "export", "nope")
    one_line_error(a.cli("tenant", "export", "nosuch", missing), "unknown", "no such tenant")
    check(not os.path.exists(missing), "no directory made for an unknown tenant")
    one_line_error(a.cli("tenant", "export", SLUG), "no DIR", "SLUG and DIR required")
    one_line_error(a.cli("tenant", "export", SLUG, "/proc/nope/x"), "unwritable", "/proc/nope")
    eq(len(oplog(a, "tenant.exported", SLUG)), 1, "refused exports are not recorded")
    # An active tenant exports too.
    a.cli_ok("tenant", "export", KEEP, os.path.join(a.dir, "export", "keep"))


def test_restore_brings_the_tenant_back(s):
    a, b = s.a, s.b
    a.cli_ok("tenant", "restore", SLUG)
    for d in (a, b):
        got, _ = wait_for(lambda: d.client().get("/t/%s/login" % SLUG).status, 200, AT_ONCE)
        eq(got, 200, "login form after restore, node %s" % "AB"[d is b])
    c = a.client()
    eq(a.login(c, SLUG, USER, PW).status, 303, "the user logs in again")
    check(logged_in(a, c, SLUG), "home page with the new session")
    token = c.cookies[session_cookie(SLUG)]
    eq(gw(a, token).status, 200, "gateway, node A")
    eq(gw(b, token).status, 200, "gateway, node B")
    eq(s.api.get("/users").status, 200, "the API token works again")
    eq(a.client().get("/t/%s/saml/metadata" % SLUG).status, 200, "metadata again")
    eq(sso_get(s, a, c).status, 200, "SSO again")
    eq(listing(a)[1][SLUG][0], "active", "listed active")
    eq(a.psql("SELECT terminated_at IS NULL AND purge_after IS NULL FROM tenants WHERE id = %d"
              % s.id, superuser=True), ["t"], "dates cleared")
    eq(len(oplog(a, "tenant.restored", SLUG)), 1, "tenant.restored in the operator log")
    eq(len(a.audit(SLUG, "tenant.restored")), 1, "and in the tenant's log")
    a.cli_ok("audit", "verify", SLUG)
    s.user = c


def past_date(d, tenant_id):
    sql_super(d, "UPDATE tenants SET purge_after = now() - interval '1 second', terminated_at "
                 "= now() - interval '1 hour' WHERE id = %d" % tenant_id)


def purged_by_daemon(d, slug):
    """True when the daemons' job (every minute on every node) purged slug."""
    return [e for e in oplog(d, "tenant.purged", slug)
            if d.psql("SELECT actor_role FROM operator_events WHERE seq = %d" % e[0],
                      superuser=True) == ["daemon"]] != []


def purge_now(d, slug):
    """sekisho tenant purge slug, which the daemons' job may beat by a
    moment (the date has passed): returns the CLI's result or None then."""
    r = d.cli("tenant", "purge", slug)
    if r.returncode and "no such tenant" in r.stderr and purged_by_daemon(d, slug):
        print("  (%s purged by the daemon's job first)" % slug, flush=True)
        return None
    eq(r.returncode, 0, "tenant purge %s (%s)" % (slug, r.stderr.strip()))
    return r


def test_restore_after_the_date_is_refused(s):
    """Past the date, restore refuses.  The daemons purge what is past its
    date within a minute, so the check runs on a fresh tenant each time
    until the daemon did not come first."""
    a = s.a
    for i in range(4):
        slug = "gone%d" % i
        a.create_tenant(slug)
        a.cli_ok("tenant", "terminate", slug, "--purge-after-days", "1")
        past_date(a, a.tenant_id(slug))
        r = a.cli("tenant", "restore", slug)
        if "no such tenant" in r.stderr and purged_by_daemon(a, slug):
            continue
        one_line_error(r, "after the date", "has passed", "can no longer be restored")
        eq(listing(a)[1][slug][0], "terminated", "still terminated")
        return
    raise TestFailure("the daemon purged first four times running")


def test_purge_removes_every_row_and_keeps_the_neighbour(s):
    a = s.a
    a.cli_ok("tenant", "terminate", SLUG, "--purge-after-days", "1")
    before = rows_of(a, s.id)
    for t in ("users", "sessions", "audit_events", "audit_heads", "saml_keys",
              "service_providers", "saml_seen", "saml_nameids", "saml_session_sps", "apps",
              "api_tokens", "invitations"):
        check(before.get(t, 0) > 0, "%s has rows of the tenant before the purge (%r)" %
              (t, before))
    past_date(a, s.id)
    r = purge_now(a, SLUG)
    check(r is None or re.search(r"purged: \d+ rows deleted", r.stdout),
          "says so: %r" % (r and r.stdout))
    after = rows_of(a, s.id)
    eq({t: n for t, n in after.items() if n}, {}, "rows of the purged tenant left")
    eq(a.psql("SELECT count(*) FROM tenants WHERE id = %d OR slug = %s" % (s.id, q(SLUG)),
              superuser=True), ["0"], "the tenant row")
    keep = rows_of(a, s.keep_id)
    check(keep["audit_events"] >= s.keep_rows["audit_events"], "the neighbour's audit log kept")
    del keep["audit_events"], keep["audit_heads"]
    eq(keep, {t: n for t, n in s.keep_rows.items() if t not in ("audit_events", "audit_heads")},
       "the neighbour's rows")
    ev = oplog(a, "tenant.purged", SLUG)
    eq(len(ev), 1, "tenant.purged in the operator log")
    d = ev[0][2]
    eq((d["slug"], d["id"]), (SLUG, s.id), "detail names the tenant")
    for t in ("users", "sessions", "audit_events", "service_providers"):
        eq(d["rows"].get(t), before[t], "rows deleted from %s per the detail" % t)
    eq(d["total"], sum(before.values()) + 1, "total (with the tenant row)")
    check(SLUG not in listing(a)[1], "no longer listed")
    one_line_error(a.cli("tenant", "purge", SLUG), "purged twice", "no such tenant")
    one_line_error(a.cli("tenant", "restore", SLUG), "restore purged", "no such tenant")
    eq(len(oplog(a, "tenant.purged", SLUG)), 1, "a second purge records nothing")
    for d_ in (a, s.b):
        eq(d_.client().get("/t/%s/login" % SLUG).status, 404, "purged tenant's login page")
        eq(gw(d_, "A" * 43).status, 403, "purged tenant at the gateway: unknown")
    r = a.cli_ok("audit", "verify", "--operator")
    check("intact" in r.stdout, r.stdout)
    a.cli_ok("audit", "verify", KEEP)


def test_purge_racing_logins(s):
    """Logins hammer RACE on both nodes while it is terminated and purged:
    no crash, no live session after the termination, no row after the purge."""
    a, b = s.a, s.b
    rid = a.tenant_id(RACE)
    stop = threading.Event()
    statuses, errors = {}, []
    lock = threading.Lock()

    def count(k):
        with lock:
            statuses[k] = statuses.get(k, 0) + 1

    def hammer(d):
        while not stop.is_set():
            try:
                c = d.client()
                page = c.get("/t/%s/login" % RACE)
                count(("page", page.status))
                if page.status == 200:
                    r = c.post("/t/%s/login" % RACE, form={
                        "csrf": page.csrf(), "email": "user@race.example", "password": PW})
                    count(("login", r.status))
                g = ask(d.port, RACE, "https://x.race.test/",
                        c.cookies.get(session_cookie(RACE)) or "A" * 43)
                count(("gateway", g.status))
            except Exception as e:  # noqa: BLE001 - a dropped connection is a failure
                errors.append(repr(e))
                return

    threads = [threading.Thread(target=hammer, args=(d,)) for d in (a, b, a, b)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        a.cli_ok("tenant", "terminate", RACE, "--purge-after-days", "0")
        time.sleep(0.3)
        eq(a.psql("SELECT count(*) FROM sessions WHERE tenant_id = %d AND ended_at IS NULL" %
                  rid, superuser=True), ["0"], "live sessions after terminate, logins running")
        time.sleep(0.5)
        purge_now(a, RACE)
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    eq(errors, [], "requests that failed outright")
    print("  (statuses during the race: %r)" % sorted(statuses.items()), flush=True)
    check(statuses.get(("login", 303), 0) > 0, "logins succeeded before: %r" % statuses)
    check(statuses.get(("page", 404), 0) > 0, "and were refused after: %r" % statuses)
    # A login whose form was read before the termination and whose session
    # would be made after it is refused by the database: the tenant is gone
    # for it too, not a server error.
    bad = {k: n for k, n in statuses.items() if k[1] >= 500}
    eq(bad, {}, "server errors during the race")
    check(a.alive() and b.alive(), "both nodes alive")
    eq({t: n for t, n in rows_of(a, rid).items() if n}, {}, "rows left after the race")


def test_concurrent_purges_purge_once(s):
    a = s.a
    a.create_tenant("twice")
    a.enroll("twice", "u@twice.example", PW)
    a.cli_ok("tenant", "terminate", "twice", "--purge-after-days", "1")
    past_date(a, a.tenant_id("twice"))
    env = dict(a.env)
    procs = [subprocess.Popen([a.bin, "tenant", "purge", "twice"], env=env, cwd=a.dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    rcs = sorted(p.returncode for p in procs)
    if rcs == [1, 1, 1] and purged_by_daemon(a, "twice"):
        print("  (the daemon's job came first)", flush=True)
    else:
        eq(rcs, [0, 1, 1], "one purge succeeds (%r)" % outs)
    for (o, e), p in zip(outs, procs):
        if p.returncode:
            check("no such tenant" in e, "the others find nothing: %r" % e)
    eq(len(oplog(a, "tenant.purged", "twice")), 1, "one tenant.purged event")


def test_daemon_purges_when_the_date_passes(s):
    """The daemon's job (at start, then every minute) purges a tenant past
    its date; a third node's start runs it at once."""
    a = s.a
    a.create_tenant(LATE)
    a.enroll(LATE, "u@late.example", PW)
    lid = a.tenant_id(LATE)
    a.cli_ok("tenant", "terminate", LATE, "--purge-after-days", "0")
    c = harness.Daemon(name="tenant-c", env={"SEKISHO_DATA_DIR": a.data,
                                             "SEKISHO_TRUSTED_PROXIES": TRUSTED})
    c.data = a.data
    c.start()
    try:
        got, t = wait_for(lambda: a.psql("SELECT count(*) FROM tenants WHERE id = %d" % lid,
                                         superuser=True), ["0"], 30, 0.2)
        eq(got, ["0"], "purged by the daemon")
    finally:
        c.stop_as_second_node()
    eq({t_: n for t_, n in rows_of(a, lid).items() if n}, {}, "rows left")
    ev = oplog(a, "tenant.purged", LATE)
    eq(len(ev), 1, "one tenant.purged event though every node runs the job")
    eq(a.psql("SELECT actor_role FROM operator_events WHERE seq = %d" % ev[0][0],
              superuser=True), ["daemon"], "by the daemon")


def test_operator_log_intact_and_nodes_stop(s):
    r = s.a.cli_ok("audit", "verify", "--operator")
    check("intact" in r.stdout, r.stdout)
    s.b.stop_as_second_node()
    check(s.a.alive(), "node A alive")


TESTS = [
    test_terminate_blocks_every_entrance_at_once_on_both_nodes,
    test_terminate_refuses_bad_input_and_changes_nothing,
    test_export_writes_users_and_a_verifiable_audit_log,
    test_restore_brings_the_tenant_back,
    test_restore_after_the_date_is_refused,
    test_purge_removes_every_row_and_keeps_the_neighbour,
    test_purge_racing_logins,
    test_concurrent_purges_purge_once,
    test_daemon_purges_when_the_date_passes,
    test_operator_log_intact_and_nodes_stop,
]

if __name__ == "__main__":
    harness.main("tenant_ops", TESTS, setup)
