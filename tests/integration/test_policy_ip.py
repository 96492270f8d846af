#!/usr/bin/env python3
"""
IP restriction (issue 3).  The daemon runs with SEKISHO_TRUSTED_PROXIES=
127.0.0.1/32, so each client's X-Forwarded-For is its address.  ip.allow and
ip.admin_allow with IPv4 and IPv6 CIDRs are checked at login, on every page
and API call; administrators (session and API token) are held to both lists,
ordinary users to allow only.  Denials show the client's address and are
audited as access.denied_ip.  A second daemon without trusted proxies shows
that X-Forwarded-For from an untrusted peer is ignored.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, q, session_api, sql_super,  # noqa: E402
                         xff_client)

SLUG = "ipr"
DESK = "203.0.113.5"  # where the test's API token talks from; in both lists
V4_USER = "192.0.2.10"       # in allow only
V4_ADMIN = "192.0.2.200"     # in allow and admin_allow
V4_OUT = "198.51.100.1"      # in neither
V6_USER = "2001:db8:1::5"    # in allow only
V6_ADMIN = "2001:db8:1:ff::9"  # in both
V6_OUT = "2001:db8:2::5"     # in neither

POLICY = {"ip": {"allow": ["192.0.2.0/24", "2001:db8:1::/48", DESK + "/32"],
                 "admin_allow": ["192.0.2.128/25", "2001:db8:1:ff::/64", DESK + "/32"]}}

USER = "worker@ipr.example"
ADMIN = "chief@ipr.example"


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": "127.0.0.1/32"})
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.api.extra = {"X-Forwarded-For": DESK}
    d.enroll(SLUG, USER, PW, name="Worker")
    d.enroll(SLUG, ADMIN, PW, role="admin", name="Chief")
    s.api.set_policy(POLICY)


def login_from(s, addr, email, lang=None):
    c = xff_client(s.d, addr, lang=lang)
    r = s.d.login(c, SLUG, email, PW)
    return c, r


def denied_page(r, addr, what):
    eq(r.status, 403, "%s: status" % what)
    check(addr in r.text, "%s: the denial page does not show %s" % (what, addr))
    check("Access denied" in r.text or "アクセスが拒否されました" in r.text,
          "%s: not the access-denied page: %r" % (what, r.text[:200]))


def denied_ips(s):
    return sql_super(s.d, "SELECT a.source_ip FROM audit_events a JOIN tenants t ON "
                          "t.id = a.tenant_id WHERE t.slug = %s AND a.action = "
                          "'access.denied_ip' ORDER BY a.seq" % q(SLUG))


def test_user_login_allowed_and_denied_v4_v6(s):
    for addr in [V4_USER, V6_USER, V4_ADMIN, V6_ADMIN]:
        c, r = login_from(s, addr, USER)
        eq(r.status, 303, "user login from %s" % addr)
        eq(c.get("/t/%s/" % SLUG).status, 200, "user home from %s" % addr)
    for addr in [V4_OUT, V6_OUT]:
        n = len(denied_ips(s))
        c = xff_client(s.d, addr)
        # The login form itself is already refused; post the login anyway.
        denied_page(c.get("/t/%s/login" % SLUG), addr, "login page from %s" % addr)
        r = c.post("/t/%s/login" % SLUG, form={"csrf": "x", "email": USER, "password": PW})
        denied_page(r, addr, "user login POST from %s" % addr)
        check(len(denied_ips(s)) > n, "access.denied_ip not audited for %s" % addr)
        eq(denied_ips(s)[-1], addr, "access.denied_ip source address")


def test_login_page_itself_refused(s):
    r = xff_client(s.d, V4_OUT).get("/t/%s/login" % SLUG)
    denied_page(r, V4_OUT, "GET login from a denied address")
    r = xff_client(s.d, V6_OUT, lang="ja").get("/t/%s/login" % SLUG)
    denied_page(r, V6_OUT, "GET login from a denied IPv6 address (ja)")
    check("組織のポリシーにより" in r.text, "Japanese denial message missing")


def test_every_page_and_api_checked(s):
    c, r = login_from(s, V4_USER, USER)
    eq(r.status, 303, "user login from an allowed address")
    cookies = dict(c.cookies)
    # The same session from a denied address: every page refuses.
    for addr in [V4_OUT, V6_OUT]:
        moved = xff_client(s.d, addr)
        moved.cookies = dict(cookies)
        for path in ["/", "/password", "/reset", "/login", "/api/v1/users", "/api/v1/policy",
                     "/sessions/1/end"]:
            method = "POST" if path.endswith("/end") else "GET"
            r = moved.request(method, "/t/%s%s" % (SLUG, path))
            eq(r.status, 403, "%s %s from %s with a valid session" % (method, path, addr))
            if "/api/" not in path:
                check(addr in r.text, "denial page of %s does not show %s" % (path, addr))
    # Back at an allowed address the session still works.
    back = xff_client(s.d, V6_USER)
    back.cookies = dict(cookies)
    eq(back.get("/t/%s/" % SLUG).status, 200, "home from another allowed address")


def test_api_token_held_to_both_lists(s):
    for addr, want in [(DESK, 200), (V4_ADMIN, 200), (V6_ADMIN, 200), (V4_USER, 403),
                       (V6_USER, 403), (V4_OUT, 403), (V6_OUT, 403)]:
        r = s.api.get("/users", headers={"X-Forwarded-For": addr})
        eq(r.status, want, "API token from %s" % addr)
        if want == 403:
            check("ip_denied" in r.text, "API denial body %r" % r.text[:100])
    eq(denied_ips(s)[-1], V6_OUT, "access.denied_ip for the token")


def test_admin_held_to_both_lists(s):
    # At login: in allow but not admin_allow is refused for an administrator.
    for addr in [V4_USER, V6_USER]:
        c, r = login_from(s, addr, ADMIN)
        denied_page(r, addr, "admin login from %s (allow only)" % addr)
    for addr in [V4_ADMIN, V6_ADMIN]:
        c, r = login_from(s, addr, ADMIN)
        eq(r.status, 303, "admin login from %s" % addr)
    # A session opened at an admin address, used from an allow-only address.
    c, r = login_from(s, V4_ADMIN, ADMIN)
    eq(r.status, 303, "admin login")
    eq(session_api(s.d, c, SLUG, "GET", "/users").status, 200, "admin API from an admin address")
    moved = xff_client(s.d, V4_USER)
    moved.cookies = dict(c.cookies)
    r = moved.get("/t/%s/" % SLUG)
    denied_page(r, V4_USER, "admin home from an allow-only address")
    r = moved.get("/t/%s/admin/" % SLUG)
    eq(r.status, 403, "admin console from an allow-only address")
    r = moved.get("/t/%s/api/v1/users" % SLUG)
    eq(r.status, 403, "admin API (session) from an allow-only address")
    # Ordinary users only need allow.
    c, r = login_from(s, V6_USER, USER)
    eq(r.status, 303, "user login from an allow-only IPv6 address")
    eq(c.get("/t/%s/" % SLUG).status, 200, "user home from an allow-only address")


def test_empty_lists_allow_everyone(s):
    s.api.set_policy({"ip": {"allow": [], "admin_allow": []}})
    try:
        for addr in [V4_OUT, V6_OUT, "10.1.2.3"]:
            c, r = login_from(s, addr, ADMIN)
            eq(r.status, 303, "admin login from %s with empty lists" % addr)
        r = s.d.client().get("/t/%s/login" % SLUG)
        eq(r.status, 200, "login page from 127.0.0.1 with empty lists")
    finally:
        s.api.set_policy(POLICY)


def test_denials_audited_with_address(s):
    n = audit_count(s.d, SLUG, "access.denied_ip")
    xff_client(s.d, "198.51.100.77").get("/t/%s/reset" % SLUG)
    eq(audit_count(s.d, SLUG, "access.denied_ip"), n + 1, "access.denied_ip count")
    ev = s.d.audit(SLUG, "access.denied_ip")[-1]
    eq(ev["ip"], "198.51.100.77", "access.denied_ip source_ip")
    eq(ev["result"], "failure", "access.denied_ip result")


def test_xff_from_untrusted_peer_ignored(s):
    d2 = s.daemon()  # no trusted proxies
    d2.start()
    d2.create_tenant("ipr2")
    api = Api(d2, "ipr2")
    d2.enroll("ipr2", USER, PW)
    api.set_policy({"ip": {"allow": ["127.0.0.1/32"]}})
    # A spoofed header naming a denied address changes nothing.
    c = xff_client(d2, V4_OUT)
    r = d2.login(c, "ipr2", USER, PW)
    eq(r.status, 303, "login with a spoofed X-Forwarded-For (ignored)")
    ev = d2.audit("ipr2", "login.success")[-1]
    eq(ev["ip"], "127.0.0.1", "source_ip of a login with an untrusted X-Forwarded-For")
    # A spoofed header naming an allowed address does not open the door.
    sql_super(d2, "UPDATE tenants SET policy = jsonb_set(policy::jsonb, '{ip}', "
                  "'{\"allow\": [\"192.0.2.0/24\"], \"admin_allow\": []}')::%s WHERE slug = 'ipr2'"
              % sql_super(d2, "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                              "attrelid = 'tenants'::regclass AND attname = 'policy'")[0])
    # A change made behind the daemon's back reaches it by the database's
    # notification: wait until the peer itself is refused (at most 5 s).
    deadline = time.time() + 5
    while d2.client().get("/t/ipr2/login").status != 403 and time.time() < deadline:
        time.sleep(0.05)
    r = xff_client(d2, V4_USER).get("/t/ipr2/login")
    eq(r.status, 403, "spoofed allowed X-Forwarded-For from an untrusted peer")
    check("127.0.0.1" in r.text, "denial page shows the peer address 127.0.0.1")
    eq(d2.audit("ipr2", "access.denied_ip")[-1]["ip"], "127.0.0.1", "audited address")


TESTS = [test_user_login_allowed_and_denied_v4_v6, test_login_page_itself_refused,
         test_every_page_and_api_checked, test_api_token_held_to_both_lists,
         test_admin_held_to_both_lists, test_empty_lists_allow_everyone,
         test_denials_audited_with_address, test_xff_from_untrusted_peer_ignored]

if __name__ == "__main__":
    harness.main("policy_ip", TESTS, setup)
