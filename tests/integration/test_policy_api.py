#!/usr/bin/env python3
"""
Policy document API (issue 3): GET returns the default document (README, Admin API); PUT
validates every field (type, range, CIDR syntax, unknown keys, cross-field
rules) and answers 400 naming the first bad field, 413 past 64 KiB, and
changes nothing on a refusal; a valid PUT is audited as policy.updated with
the before and after values.
"""

import json as jsonlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api, audit_details, session_api, PW  # noqa: E402

SLUG = "polapi"

DEFAULTS = {
    "password": {"min_length": 8, "max_length": 64, "require_upper": False,
                 "require_lower": False, "require_digit": False, "require_symbol": False,
                 "min_classes": 0, "history": 0, "expiry_days": 0,
                 "change_at_first_login": True, "min_score": 2},
    "lockout": {"max_failures": 5, "unlock_after_seconds": 0},
    "session": {"idle_timeout_seconds": 10800, "absolute_timeout_seconds": 43200,
                "concurrent": "allow"},
    "mfa": {"require": "off", "client_cert": "off"},
    "ip": {"allow": [], "admin_allow": []},
    "audit": {"retention_days": 396, "timezone": "Asia/Tokyo"},
    "saml": {"want_signed_requests": False},
}

# (document, field the answer must name)
BAD = [
    # wrong types
    ({"password": {"min_length": "8"}}, "password.min_length"),
    ({"password": {"min_length": 8.0}}, "password.min_length"),
    ({"password": {"min_length": None}}, "password.min_length"),
    ({"password": {"min_length": True}}, "password.min_length"),
    ({"password": {"max_length": [64]}}, "password.max_length"),
    ({"password": {"require_upper": 1}}, "password.require_upper"),
    ({"password": {"require_lower": "true"}}, "password.require_lower"),
    ({"password": {"require_digit": None}}, "password.require_digit"),
    ({"password": {"require_symbol": 0}}, "password.require_symbol"),
    ({"password": {"min_classes": "2"}}, "password.min_classes"),
    ({"password": {"history": 1.5}}, "password.history"),
    ({"password": {"expiry_days": "30"}}, "password.expiry_days"),
    ({"password": {"change_at_first_login": "yes"}}, "password.change_at_first_login"),
    ({"password": {"min_score": -1}}, "password.min_score"),
    ({"password": {"min_score": 5}}, "password.min_score"),
    ({"password": {"min_score": "2"}}, "password.min_score"),
    ({"lockout": {"max_failures": "5"}}, "lockout.max_failures"),
    ({"lockout": {"unlock_after_seconds": {}}}, "lockout.unlock_after_seconds"),
    ({"session": {"idle_timeout_seconds": "600"}}, "session.idle_timeout_seconds"),
    ({"session": {"absolute_timeout_seconds": 4e4}}, "session.absolute_timeout_seconds"),
    ({"session": {"concurrent": 1}}, "session.concurrent"),
    ({"mfa": {"require": True}}, "mfa.require"),
    ({"mfa": {"client_cert": None}}, "mfa.client_cert"),
    ({"ip": {"allow": "10.0.0.0/8"}}, "ip.allow"),
    ({"ip": {"admin_allow": {"a": "10.0.0.0/8"}}}, "ip.admin_allow"),
    ({"ip": {"allow": [5]}}, "ip.allow[0]"),
    ({"audit": {"retention_days": "396"}}, "audit.retention_days"),
    ({"audit": {"timezone": 9}}, "audit.timezone"),
    # a section that is not an object
    ({"password": 8}, "password"),
    ({"lockout": []}, "lockout"),
    ({"ip": None}, "ip"),
    # out of range (both sides of every bound)
    ({"password": {"min_length": 7}}, "password.min_length"),
    ({"password": {"min_length": 65}}, "password.min_length"),
    ({"password": {"min_length": -8}}, "password.min_length"),
    ({"password": {"max_length": 129}}, "password.max_length"),
    ({"password": {"max_length": 7}}, "password.max_length"),
    ({"password": {"min_classes": -1}}, "password.min_classes"),
    ({"password": {"min_classes": 5}}, "password.min_classes"),
    ({"password": {"history": -1}}, "password.history"),
    ({"password": {"history": 25}}, "password.history"),
    ({"password": {"expiry_days": -1}}, "password.expiry_days"),
    ({"password": {"expiry_days": 1000}}, "password.expiry_days"),
    ({"lockout": {"max_failures": -1}}, "lockout.max_failures"),
    ({"lockout": {"max_failures": 101}}, "lockout.max_failures"),
    ({"lockout": {"unlock_after_seconds": -1}}, "lockout.unlock_after_seconds"),
    ({"lockout": {"unlock_after_seconds": 31536001}}, "lockout.unlock_after_seconds"),
    ({"lockout": {"max_failures": 2 ** 32 + 5}}, "lockout.max_failures"),
    ({"session": {"idle_timeout_seconds": 59}}, "session.idle_timeout_seconds"),
    ({"session": {"idle_timeout_seconds": 2592001}}, "session.idle_timeout_seconds"),
    ({"session": {"absolute_timeout_seconds": 31536001}}, "session.absolute_timeout_seconds"),
    ({"session": {"concurrent": "maybe"}}, "session.concurrent"),
    ({"session": {"concurrent": "ALLOW"}}, "session.concurrent"),
    ({"mfa": {"require": "sometimes"}}, "mfa.require"),
    ({"mfa": {"client_cert": "yes"}}, "mfa.client_cert"),
    ({"audit": {"retention_days": 0}}, "audit.retention_days"),
    ({"audit": {"retention_days": 3651}}, "audit.retention_days"),
    ({"audit": {"timezone": "Mars/Olympus_Mons"}}, "audit.timezone"),
    ({"audit": {"timezone": "../../../etc/passwd"}}, "audit.timezone"),
    ({"audit": {"timezone": ""}}, "audit.timezone"),
    # cross-field rules
    ({"password": {"min_length": 20, "max_length": 19}}, "password.max_length"),
    ({"password": {"min_length": 65, "max_length": 128}}, "password.min_length"),
    ({"password": {"max_length": 30, "min_length": 40}}, "password.max_length"),
    ({"session": {"idle_timeout_seconds": 3600, "absolute_timeout_seconds": 3599}},
     "session.absolute_timeout_seconds"),
    ({"session": {"idle_timeout_seconds": 50000}}, "session.absolute_timeout_seconds"),
    # malformed CIDRs, IPv4 and IPv6
    ({"ip": {"allow": ["10.0.0.0/33"]}}, "ip.allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/8", "999.1.1.1/8"]}}, "ip.allow[1]"),
    ({"ip": {"allow": ["10.0.0.0/8", "192.0.2.0/24", "not-an-address"]}}, "ip.allow[2]"),
    ({"ip": {"allow": ["10.0.0/8"]}}, "ip.allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/-1"]}}, "ip.allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/"]}}, "ip.allow[0]"),
    ({"ip": {"allow": [""]}}, "ip.allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/8 "]}}, "ip.allow[0]"),
    ({"ip": {"admin_allow": ["2001:db8::/129"]}}, "ip.admin_allow[0]"),
    ({"ip": {"admin_allow": ["2001:db8:::1/64"]}}, "ip.admin_allow[0]"),
    ({"ip": {"admin_allow": ["2001:db8::g/64"]}}, "ip.admin_allow[0]"),
    ({"ip": {"admin_allow": ["fe80::1%eth0/64"]}}, "ip.admin_allow[0]"),
    ({"ip": {"allow": ["10.0.0.0/8", None]}}, "ip.allow[1]"),
    ({"ip": {"allow": ["10.0.0.0/8"] * 257}}, "ip.allow"),
    # unknown keys, top level and nested
    ({"bogus": {}}, "bogus"),
    ({"passwords": {"min_length": 10}}, "passwords"),
    ({"password": {"min_lenght": 10}}, "password.min_lenght"),
    ({"lockout": {"max_failures": 3, "extra": 1}}, "lockout.extra"),
    ({"ip": {"deny": ["10.0.0.0/8"]}}, "ip.deny"),
    ({"session": {"concurrent": "allow", "Concurrent": "allow"}}, "session.Concurrent"),
    # the first bad field is named, even when later ones are bad too
    ({"password": {"min_length": 7, "max_length": 500}}, "password.min_length"),
    ({"lockout": {"max_failures": 3}, "session": {"concurrent": "x"}, "mfa": {"require": 1}},
     "session.concurrent"),
]


def setup(s):
    d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.d = d
    s.api = Api(d, SLUG)


def test_get_returns_default_document(s):
    r = s.api.get("/policy")
    eq(r.status, 200, "GET /policy status")
    check((r.header("Content-Type") or "").startswith("application/json"),
          "Content-Type %r" % r.header("Content-Type"))
    eq(r.json(), DEFAULTS, "default policy document")


def _refused(s, body, want_status, want_field, what, content_type="application/json"):
    before = s.api.policy()
    r = s.api.put("/policy", body=body, headers={"Content-Type": content_type})
    eq(r.status, want_status, "%s: status (%s)" % (what, r.text[:200]))
    try:
        answer = r.json()
    except ValueError:
        raise harness.TestFailure("%s: answer is not JSON: %r" % (what, r.text[:200]))
    check("error" in answer, "%s: no error in %r" % (what, answer))
    if want_field is not None:
        eq(answer.get("field"), want_field, "%s: field named" % what)
    eq(s.api.policy(), before, "%s: policy after a refused PUT" % what)


def test_put_bad_fields_named_and_nothing_changes(s):
    # Start from a non-default document so "unchanged" is not "reset".
    s.api.set_policy({"lockout": {"max_failures": 7}, "password": {"min_length": 10}})
    s.base = s.api.policy()
    n_audit = len(audit_details(s.d, SLUG, "policy.updated"))
    fails = []
    for doc, field in BAD:
        try:
            _refused(s, jsonlib.dumps(doc), 400, field, jsonlib.dumps(doc)[:80])
        except harness.TestFailure as e:
            fails.append(str(e))
    check(not fails, "%d of %d bad documents mishandled: %s" % (len(fails), len(BAD),
                                                                 " | ".join(fails[:6])))
    eq(s.api.policy(), s.base, "policy after all refused PUTs")
    eq(len(audit_details(s.d, SLUG, "policy.updated")), n_audit,
       "policy.updated events written by refused PUTs")


def test_put_not_json(s):
    cases = [
        ("not json", "plain text"),
        ("", "empty body"),
        ("[]", "array"),
        ("42", "number"),
        ('"password"', "string"),
        ("{\"password\": {\"min_length\": 10}", "truncated"),
        ("{\"password\": {\"min_length\": 10}} x", "trailing garbage"),
        ("{'password': {'min_length': 10}}", "single quotes"),
        ("{\"password\": {\"min_length\": 10,}}", "trailing comma"),
        ("{\"password\": {\"min_length\": 010}}", "leading zero"),
        (b"{\"audit\": {\"timezone\": \"Asia/\xff\"}}", "invalid UTF-8"),
        ("{\"password\": {\"min_length\": 10}}\x00", "NUL byte"),
        ("{\"a\":" * 40 + "1" + "}" * 40, "deep nesting"),
    ]
    fails = []
    for body, what in cases:
        try:
            _refused(s, body, 400, None, what)
        except harness.TestFailure as e:
            fails.append(str(e))
    check(not fails, " | ".join(fails))


def test_put_too_large_413(s):
    pad = " " * (70 * 1024)
    body = '{"password": {"min_length": 12}}' + pad
    _refused(s, body, 413, None, "70 KB body")
    # Just over the 64 KiB limit, too.
    body = '{"password": {"min_length": 12}' + " " * (64 * 1024) + "}"
    _refused(s, body, 413, None, "64 KiB + 32 bytes body")


def test_put_boundaries_accepted(s):
    ok = [
        {"password": {"min_length": 8, "max_length": 8}},
        {"password": {"min_length": 64, "max_length": 128}},
        {"password": {"min_length": 8, "max_length": 64, "min_classes": 4, "history": 24,
                      "expiry_days": 999}},
        {"password": {"min_classes": 0, "history": 0, "expiry_days": 0}},
        {"lockout": {"max_failures": 0, "unlock_after_seconds": 0}},
        {"lockout": {"max_failures": 100, "unlock_after_seconds": 31536000}},
        {"session": {"idle_timeout_seconds": 60, "absolute_timeout_seconds": 60}},
        {"session": {"idle_timeout_seconds": 2592000, "absolute_timeout_seconds": 31536000}},
        {"audit": {"retention_days": 1}},
        {"audit": {"retention_days": 3650, "timezone": "UTC"}},
    ]
    for doc in ok:
        got = s.api.set_policy(doc)
        for sec, fields in doc.items():
            for k, v in fields.items():
                eq(got[sec][k], v, "%s.%s after PUT %s" % (sec, k, jsonlib.dumps(doc)))


def test_put_valid_changes_and_is_audited(s):
    before = s.api.policy()
    doc = {
        "password": {"min_length": 12, "max_length": 100, "require_upper": True,
                     "require_lower": True, "require_digit": True, "require_symbol": False,
                     "min_classes": 3, "history": 5, "expiry_days": 90,
                     "change_at_first_login": False, "min_score": 3},
        "lockout": {"max_failures": 10, "unlock_after_seconds": 900},
        "session": {"idle_timeout_seconds": 1800, "absolute_timeout_seconds": 28800,
                    "concurrent": "end_old"},
        "mfa": {"require": "admins", "client_cert": "off"},
        "ip": {"allow": ["0.0.0.0/0", "::/0"], "admin_allow": ["127.0.0.0/8", "::1/128"]},
        "audit": {"retention_days": 400, "timezone": "Europe/Paris"},
        "saml": {"want_signed_requests": True},
    }
    r = s.api.put("/policy", json=doc)
    eq(r.status, 200, "valid PUT status (%s)" % r.text[:300])
    eq(r.json(), doc, "PUT answer")
    eq(s.api.policy(), doc, "GET after a valid PUT")
    det = audit_details(s.d, SLUG, "policy.updated")
    check(det, "no policy.updated event")
    eq(det[-1].get("before"), before, "policy.updated detail.before")
    eq(det[-1].get("after"), doc, "policy.updated detail.after")
    ev = s.d.audit(SLUG, "policy.updated")[-1]
    check(ev["actor"].startswith("token:"), "policy.updated actor %r" % ev["actor"])
    eq(ev["result"], "success", "policy.updated result")
    s.api.set_policy(DEFAULTS)


def test_put_partial_merges(s):
    before = s.api.policy()
    got = s.api.set_policy({"lockout": {"max_failures": 3}})
    want = jsonlib.loads(jsonlib.dumps(before))
    want["lockout"]["max_failures"] = 3
    eq(got, want, "partial PUT merged over the stored document")
    eq(s.api.policy(), want, "GET after a partial PUT")
    # An empty object is a valid no-op document.
    eq(s.api.set_policy({}), want, "PUT {}")


def test_ipv6_and_ipv4_cidrs_round_trip(s):
    # 127.0.0.0/8 stays in both lists: the test talks from 127.0.0.1.
    got = s.api.set_policy({"ip": {"allow": ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32",
                                             "::1/128", "127.0.0.0/8"],
                                   "admin_allow": ["203.0.113.0/24", "2001:db8:1::/48",
                                                   "127.0.0.1/32"]}})
    eq(got["ip"]["allow"], ["10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "::1/128",
                            "127.0.0.0/8"], "ip.allow after PUT")
    eq(got["ip"]["admin_allow"], ["203.0.113.0/24", "2001:db8:1::/48", "127.0.0.1/32"],
       "ip.admin_allow after PUT")
    s.api.set_policy({"ip": {"allow": [], "admin_allow": []}})


def test_put_with_admin_session_needs_csrf(s):
    d = s.d
    c = d.enroll(SLUG, "boss@polapi.example", PW, role="admin", name="Boss")
    before = s.api.policy()
    r = c.request("PUT", "/t/%s/api/v1/policy" % SLUG, json={"lockout": {"max_failures": 4}})
    eq(r.status, 403, "PUT with an admin session but no X-CSRF-Token (%s)" % r.text[:200])
    r = c.request("PUT", "/t/%s/api/v1/policy" % SLUG, json={"lockout": {"max_failures": 4}},
                  headers={"X-CSRF-Token": "A" * 43})
    eq(r.status, 403, "PUT with a wrong X-CSRF-Token")
    eq(s.api.policy(), before, "policy after CSRF refusals")
    r = session_api(d, c, SLUG, "PUT", "/policy", json={"lockout": {"max_failures": 4}})
    eq(r.status, 200, "PUT with an admin session and X-CSRF-Token (%s)" % r.text[:200])
    eq(s.api.policy()["lockout"]["max_failures"], 4, "max_failures after session PUT")
    ev = d.audit(SLUG, "policy.updated")[-1]
    eq(ev["actor"], "boss@polapi.example", "policy.updated actor for a session PUT")
    r = c.get("/t/%s/api/v1/policy" % SLUG)
    eq(r.status, 200, "GET /policy with an admin session")


def test_put_by_user_or_anonymous_refused(s):
    d = s.d
    before = s.api.policy()
    u = d.enroll(SLUG, "worker@polapi.example", PW, role="user", name="Worker")
    r = session_api(d, u, SLUG, "PUT", "/policy", json={"lockout": {"max_failures": 1}})
    eq(r.status, 403, "PUT /policy by a non-administrator")
    r = u.get("/t/%s/api/v1/policy" % SLUG)
    eq(r.status, 403, "GET /policy by a non-administrator")
    r = d.client().request("PUT", "/t/%s/api/v1/policy" % SLUG,
                           json={"lockout": {"max_failures": 1}})
    eq(r.status, 401, "PUT /policy without credentials")
    r = d.client().request("PUT", "/t/%s/api/v1/policy" % SLUG,
                           json={"lockout": {"max_failures": 1}},
                           headers={"Authorization": "Bearer " + "x" * 43})
    eq(r.status, 401, "PUT /policy with an unknown token")
    # Another tenant's token does not open this tenant.
    d.create_tenant("polapi2")
    other = Api(d, "polapi2")
    r = d.client().request("PUT", "/t/%s/api/v1/policy" % SLUG,
                           json={"lockout": {"max_failures": 1}},
                           headers={"Authorization": "Bearer " + other.token})
    eq(r.status, 401, "PUT /policy with another tenant's token")
    eq(s.api.policy(), before, "policy after refused callers")


TESTS = [test_get_returns_default_document, test_put_bad_fields_named_and_nothing_changes,
         test_put_not_json, test_put_too_large_413, test_put_boundaries_accepted,
         test_put_valid_changes_and_is_audited, test_put_partial_merges,
         test_ipv6_and_ipv4_cidrs_round_trip, test_put_with_admin_session_needs_csrf,
         test_put_by_user_or_anonymous_refused]

if __name__ == "__main__":
    harness.main("policy_api", TESTS, setup)
