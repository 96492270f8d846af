#!/usr/bin/env python3
"""
Guessing tokens (issue 6, defect 4): a lookup of an unknown invitation or
reset link, or an unknown API token, counts against the source address like a failed login (same
window and limit, 429 beyond it), the operator's log names the probing
address in a few lines rather than one per probe, and no audit event is
written per probe.
"""

import os
import re
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import PW, audit_count, outbox_links  # noqa: E402

SLUG = "probes"
LIMIT = 30  # ip_max_failures (the default)


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_IP_MAX_FAILURES": str(LIMIT)})
    d.start()
    d.create_tenant(SLUG)


def fake_token():
    return secrets.token_urlsafe(32)  # 43 characters, like a real one


def probe_lines(d, ip):
    return [ln for ln in d.log_text().splitlines()
            if "unknown" in ln and "link from %s " % ip in ln]


def audit_total(d):
    return int(d.psql("SELECT count(*) FROM audit_events a JOIN tenants t ON t.id = a.tenant_id "
                      "WHERE t.slug = '%s'" % SLUG, superuser=True)[0])


def test_forty_invitation_probes_end_in_429(s):
    d = s.d
    ip = "127.0.0.2"
    c = d.client(source=ip)
    events = audit_total(d)
    statuses = []
    for i in range(40):
        tok = fake_token() if i % 4 else "short-" + str(i)  # malformed ones count too
        statuses.append(c.get("/t/%s/invite/%s" % (SLUG, tok)).status)
    eq(statuses[:LIMIT], [404] * LIMIT, "answers to the first %d probes" % LIMIT)
    eq(statuses[LIMIT:], [429] * (40 - LIMIT), "answers beyond the limit")
    check("Too many attempts" in c.get("/t/%s/invite/%s" % (SLUG, fake_token())).text,
          "the 429 page does not say why")
    # A real link from the blocked address waits too; from another it works.
    url = d.invite(SLUG, "probed@probes.example")
    path = d.path_of(url)
    eq(c.get(path).status, 429, "a valid link from the blocked address")
    eq(d.client(source="127.0.0.3").get(path).status, 200, "the same link from elsewhere")
    # The same counter as logins: the address cannot log in either.
    r = c.get("/t/%s/login" % SLUG)
    r = c.post("/t/%s/login" % SLUG, form={"csrf": r.csrf(), "email": "x@probes.example",
                                             "password": "whatever-it-is"})
    eq(r.status, 429, "login from the probing address")
    # The operator sees the prober, in a few lines, not forty.
    lines = probe_lines(d, ip)
    check(1 <= len(lines) <= 3, "log lines naming %s: %d" % (ip, len(lines)))
    check(any("invitation" in ln for ln in lines), "log line does not say what was probed")
    eq(audit_total(d) - events, 1, "audit events written (only the invitation itself)")


def test_reset_link_probes_count_and_end_in_429(s):
    d = s.d
    ip = "127.0.0.4"
    c = d.client(source=ip)
    events = audit_total(d)
    form = c.get("/t/%s/reset" % SLUG)  # any form: the CSRF token for the POSTs
    eq(form.status, 200, "the reset request page")
    csrf = form.csrf()
    statuses = [c.get("/t/%s/reset/%s" % (SLUG, fake_token())).status]
    for i in range(39):
        if i % 2:
            statuses.append(c.get("/t/%s/reset/%s" % (SLUG, fake_token())).status)
        else:
            # POSTs count as well.
            r = c.post("/t/%s/reset/%s" % (SLUG, fake_token()),
                       form={"csrf": csrf, "password": PW, "password2": PW})
            statuses.append(r.status)
    eq(statuses[:LIMIT], [404] * LIMIT, "answers to the first %d probes" % LIMIT)
    eq(statuses[LIMIT:], [429] * (40 - LIMIT), "answers beyond the limit")
    lines = probe_lines(d, ip)
    check(1 <= len(lines) <= 3, "log lines naming %s: %d" % (ip, len(lines)))
    eq(audit_total(d), events, "audit events written by probes")


def test_a_used_link_counts_as_a_probe_but_a_good_one_does_not(s):
    d = s.d
    ip = "127.0.0.5"
    c = d.client(source=ip)
    url = d.invite(SLUG, "counted@probes.example")
    path = d.path_of(url)
    for _ in range(LIMIT + 5):
        eq(c.get(path).status, 200, "an open invitation link, viewed again and again")
    r = d.accept(c, url, "Counted", PW)
    eq(r.status, 303, "accepting it")
    statuses = [d.client(source=ip).get(path).status for _ in range(LIMIT + 1)]
    eq(statuses[:LIMIT], [404] * LIMIT, "the used link, looked up again")
    eq(statuses[LIMIT], 429, "the used link beyond the limit")
    eq(audit_count(d, SLUG, "invitation.accepted", "counted@probes.example"), 1,
       "invitation.accepted")
    check(not outbox_links(d, "reset"), "no reset mail")


def test_unknown_api_tokens_count_and_end_in_429(s):
    d = s.d
    ip = "127.0.0.6"
    good = d.token(SLUG, "probe-test")
    statuses = []
    for i in range(40):
        bad = fake_token() if i % 3 else "not-even-a-token"
        r = d.client(source=ip).get("/t/%s/api/v1/users" % SLUG,
                                    headers={"Authorization": "Bearer " + bad})
        statuses.append(r.status)
    eq(statuses[:LIMIT], [401] * LIMIT, "answers to the first %d unknown tokens" % LIMIT)
    eq(statuses[LIMIT:], [429] * (40 - LIMIT), "answers beyond the limit")
    r = d.client(source=ip).get("/t/%s/api/v1/users" % SLUG,
                                headers={"Authorization": "Bearer " + good})
    eq(r.status, 429, "a valid token from the blocked address")
    eq(r.json().get("error"), "rate_limited", "error code")
    r = d.client(source="127.0.0.7").get("/t/%s/api/v1/users" % SLUG,
                                         headers={"Authorization": "Bearer " + good})
    eq(r.status, 200, "the valid token from elsewhere")
    lines = probe_lines(d, ip)
    check(1 <= len(lines) <= 3 and all("API token" in ln for ln in lines),
          "log lines naming %s: %r" % (ip, lines))


TESTS = [test_forty_invitation_probes_end_in_429, test_reset_link_probes_count_and_end_in_429,
         test_a_used_link_counts_as_a_probe_but_a_good_one_does_not,
         test_unknown_api_tokens_count_and_end_in_429]

if __name__ == "__main__":
    harness.main("probes", TESTS, setup)
