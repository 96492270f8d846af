#!/usr/bin/env python3
"""
Audit log export (issue 3): GET /api/v1/audit as JSON and CSV (format=csv or
Accept: text/csv) with filters (action prefix, exact action, actor, from/to),
CSV content matching the JSON, and formula-injection safety: a cell starting
with = + - @ is prefixed with a single quote.
"""

import csv
import io
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api, PW, session_api  # noqa: E402

SLUG = "aud"
ADMIN = "auditor@aud.example"
EVIL_TOKENS = ["=HYPERLINK(\"http://x.example\",\"click\")", "+SUM(1,2)", "-2+3", "@SUM(A1)",
               "=cmd|' /C calc'!A0"]
EVIL_EMAILS = ["=1+2@aud.example", "+plus@aud.example", "-minus@aud.example"]
HEADER = ["seq", "time", "time_utc", "actor", "role", "source_ip", "action", "target", "result",
          "detail"]


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.admin = d.enroll(SLUG, ADMIN, PW, role="admin", name="=Auditor+Name")
    s.t0 = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2))
    for name in EVIL_TOKENS:
        d.token(SLUG, name)
    for e in EVIL_EMAILS:
        r = session_api(d, s.admin, SLUG, "POST", "/invitations", json={"email": e})
        eq(r.status, 201, "invite %s (%s)" % (e, r.text[:100]))
    d.login(d.client(), SLUG, ADMIN, "Wrong-Password-1")


def get_csv(s, accept=False, **params):
    qs = urllib.parse.urlencode(params)
    if accept:
        r = s.api.get("/audit" + ("?" + qs if qs else ""), headers={"Accept": "text/csv"})
    else:
        r = s.api.get("/audit?" + urllib.parse.urlencode(dict(params, format="csv")))
    eq(r.status, 200, "CSV export %r status (%s)" % (params, r.text[:200]))
    check((r.header("Content-Type") or "").startswith("text/csv"),
          "CSV Content-Type %r" % r.header("Content-Type"))
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8"), newline="")))
    eq(rows[0], HEADER, "CSV header")
    return [dict(zip(HEADER, row)) for row in rows[1:]]


def get_json(s, **params):
    qs = urllib.parse.urlencode(params)
    return s.api.get("/audit" + ("?" + qs if qs else "")).json()


def test_csv_matches_json(s):
    rows = get_csv(s)
    j = get_json(s)
    eq(len(rows), len(j["events"]), "CSV rows vs JSON events")
    eq(len(rows), j["total"], "CSV rows vs JSON total")
    for row, ev in zip(rows, j["events"]):
        eq(int(row["seq"]), ev["seq"], "seq")
        eq(row["action"], ev["action"], "action of seq %d" % ev["seq"])
    eq(get_csv(s, accept=True), rows, "Accept: text/csv gives the same export")


def test_formula_injection_prefixed(s):
    rows = get_csv(s)
    bad = []
    for row in rows:
        for k, v in row.items():
            if v and v[0] in "=+-@":
                bad.append("%s=%r" % (k, v))
    check(not bad, "cells starting with a formula character: %s" % bad[:5])
    targets = [r["target"] for r in rows if r["action"] == "token.created"]
    for name in EVIL_TOKENS:
        check("'" + name in targets, "token name %r not exported as %r (targets: %r)"
              % (name, "'" + name, targets))
    invited = [r["target"] for r in rows if r["action"] == "user.invited"]
    for e in EVIL_EMAILS:
        check("'" + e in invited, "invited %r not exported as %r" % (e, "'" + e))
    # The JSON view keeps the real values.
    j_targets = [e["target"] for e in get_json(s, action="token.created")["events"]]
    for name in EVIL_TOKENS:
        check(name in j_targets, "JSON target %r" % name)


def test_filter_action_prefix_and_exact(s):
    rows = get_csv(s, action="token")
    check(rows, "no rows for action=token")
    check(all(r["action"].startswith("token.") or r["action"] == "token" for r in rows),
          "action=token rows: %r" % sorted(set(r["action"] for r in rows)))
    eq(len(rows), len(EVIL_TOKENS) + 1, "token.created rows (ours + the API token)")
    rows = get_csv(s, action="user.invited")
    eq(sorted(r["target"].lstrip("'") for r in rows),
       sorted(EVIL_EMAILS + [ADMIN]), "user.invited targets")
    rows = get_csv(s, action="login")
    acts = set(r["action"] for r in rows)
    check(acts and acts <= {"login.success", "login.failure", "login.locked"},
          "action=login rows: %r" % acts)
    check("login.failure" in acts, "login.failure missing from action=login")
    # A prefix must end at a dot: "tok" matches nothing.
    eq(get_csv(s, action="tok"), [], "action=tok")


def test_filter_actor(s):
    rows = get_csv(s, actor=ADMIN)
    check(rows, "no rows for the admin actor")
    check(all(r["actor"] == ADMIN for r in rows), "actor filter leaked other actors")
    check(any(r["action"] == "user.invited" for r in rows), "admin's invitations missing")
    eq(get_csv(s, actor="nobody@aud.example"), [], "unknown actor")
    both = get_csv(s, actor=ADMIN, action="user.invited")
    eq(len(both), len(EVIL_EMAILS), "actor + action filter")


def test_filter_time_range(s):
    everything = get_csv(s)
    future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    past = "2000-01-01T00:00:00Z"
    eq(get_csv(s, **{"from": future}), [], "from in the future")
    eq(get_csv(s, to=past), [], "to in the past")
    eq(len(get_csv(s, **{"from": past, "to": future})), len(everything), "from past to future")
    # Events from setup onwards vs before: the tenant creation precedes t0.
    later = get_csv(s, **{"from": s.t0})
    check(later, "no rows from t0 on")
    check(all(r["time_utc"] >= s.t0[:19] for r in later), "rows before from")
    first = everything[-1]["time_utc"]
    eq(len(get_csv(s, to=first)), 0, "to = time of the first event (exclusive)")


def test_bad_filters(s):
    for params in [{"from": "yesterday"}, {"to": "2024-13-45"}, {"limit": "0"},
                   {"limit": "abc"}, {"offset": "-1"}, {"action": "x" * 100}]:
        r = s.api.get("/audit?" + urllib.parse.urlencode(dict(params, format="csv")))
        eq(r.status, 400, "audit export with %r (%s)" % (params, r.text[:100]))


def test_non_admin_cannot_export(s):
    c = s.d.client()
    r = c.get("/t/%s/api/v1/audit?format=csv" % SLUG)
    eq(r.status, 401, "anonymous export")
    u = s.d.enroll(SLUG, "reader@aud.example", PW)
    eq(u.get("/t/%s/api/v1/audit?format=csv" % SLUG).status, 403, "user export")
    eq(u.get("/t/%s/admin/audit.csv" % SLUG).status, 403, "user console export")


TESTS = [test_csv_matches_json, test_formula_injection_prefixed,
         test_filter_action_prefix_and_exact, test_filter_actor, test_filter_time_range,
         test_bad_filters, test_non_admin_cannot_export]

if __name__ == "__main__":
    harness.main("lifecycle_audit", TESTS, setup)
