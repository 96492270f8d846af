#!/usr/bin/env python3
"""Tenant isolation, in the application and in PostgreSQL itself: a user of
tenant A cannot log in at B, an API token of A sees nothing of B, and SQL run
as the application role under A's tenant setting can neither read nor write
B's rows."""

from harness import TestFailure, check, eq, main

PW = "isolation passphrase 42"


def setup(s):
    d = s.d = s.daemon()
    d.create_tenant("alpha", "Alpha Inc")
    d.create_tenant("beta", "Beta Ltd")
    d.start()
    s.a_client = d.enroll("alpha", "ann@alpha.example", PW, role="admin", name="Ann")
    s.b_client = d.enroll("beta", "ben@beta.example", PW, role="admin", name="Ben")
    d.invite("beta", "pending@beta.example")
    s.a_token = d.token("alpha", "alpha-ci")
    s.b_token = d.token("beta", "beta-ci")
    s.a_id = d.tenant_id("alpha")
    s.b_id = d.tenant_id("beta")


def test_user_of_a_cannot_log_in_at_b(s):
    d = s.d
    r = d.login(d.client(), "beta", "ann@alpha.example", PW)
    eq(r.status, 401, "A's user at B")
    eq(d.login(d.client(), "alpha", "ann@alpha.example", PW).status, 303, "A's user at A")


def test_session_of_a_is_no_session_at_b(s):
    d = s.d
    tok = s.a_client.cookies["sekisho_s_alpha"]
    c = d.client()
    r = c.get("/t/beta/", headers={"Cookie": "sekisho_s_beta=" + tok})
    eq(r.status, 303, "A's session cookie presented to B")
    check(r.location.startswith("/t/beta/login"), "redirected to B's login")
    r = c.get("/t/beta/api/v1/users", headers={"Cookie": "sekisho_s_beta=" + tok})
    eq(r.status, 401, "A's session at B's API")


def test_api_token_of_a_gets_401_at_b(s):
    d = s.d
    c = d.client()
    auth = {"Authorization": "Bearer " + s.a_token}
    eq(c.get("/t/beta/api/v1/users", headers=auth).status, 401, "users")
    eq(c.get("/t/beta/api/v1/audit", headers=auth).status, 401, "audit")
    eq(c.get("/t/beta/api/v1/audit?format=csv", headers=auth).status, 401, "audit csv")
    r = c.post("/t/beta/api/v1/invitations", headers=auth,
               json={"email": "intruder@alpha.example", "role": "admin"})
    eq(r.status, 401, "invitation")
    eq(d.psql("SELECT count(*) FROM users WHERE email = 'intruder@alpha.example'",
              superuser=True), ["0"], "no user created at B")


def test_api_token_of_a_sees_only_a(s):
    d = s.d
    c = d.client()
    auth = {"Authorization": "Bearer " + s.a_token}
    r = c.get("/t/alpha/api/v1/users", headers=auth)
    eq(r.status, 200, "users status")
    emails = sorted(u["email"] for u in r.json())
    eq(emails, ["ann@alpha.example"], "A's users")
    r = c.get("/t/alpha/api/v1/audit", headers=auth)
    eq(r.status, 200, "audit status")
    text = r.text
    check("beta" not in text and "ben@" not in text, "A's audit mentions nothing of B")
    check(len(r.json()["events"]) >= 3, "A's audit has A's events")
    csv = c.get("/t/alpha/api/v1/audit?format=csv", headers=auth)
    eq(csv.status, 200, "csv status")
    check("beta" not in csv.text and "ben@" not in csv.text, "A's CSV has nothing of B")


def _in_tenant(s, tenant_id, sql, **kw):
    return s.d.psql("BEGIN; SET LOCAL sekisho.tenant = '%d'; %s; COMMIT;" % (tenant_id, sql),
                    **kw)


def test_sql_under_a_setting_reads_no_rows_of_b(s):
    d = s.d
    for table in ("users", "invitations", "sessions", "api_tokens", "audit_events",
                  "audit_heads"):
        total = int(d.psql("SELECT count(*) FROM %s WHERE tenant_id = %d" % (table, s.b_id),
                           superuser=True)[0])
        check(total > 0, "B has rows in %s (superuser sees %d)" % (table, total))
        seen = _in_tenant(s, s.a_id, "SELECT count(*) FROM %s WHERE tenant_id = %d" %
                          (table, s.b_id))
        eq(seen[-1], "0", "rows of B in %s visible under A's setting" % table)
        own = _in_tenant(s, s.a_id, "SELECT count(*) FROM %s" % table)
        check(int(own[-1]) > 0, "A's own rows in %s are visible" % table)
    t = _in_tenant(s, s.a_id, "SELECT slug FROM tenants ORDER BY slug")
    eq(t[-1:], ["alpha"], "tenants visible under A's setting")


def test_sql_without_tenant_setting_reads_no_rows(s):
    d = s.d
    for table in ("users", "sessions", "audit_events"):
        eq(d.psql("SELECT count(*) FROM %s" % table), ["0"], "%s without a setting" % table)


def test_app_role_is_neither_superuser_nor_bypassrls(s):
    eq(s.d.psql("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"),
       ["f|f"], "sekisho role attributes")


def test_sql_under_a_setting_cannot_write_rows_of_b(s):
    d = s.d
    r = _in_tenant(s, s.a_id, "INSERT INTO users (tenant_id, email, role, status) VALUES "
                   "(%d, 'planted@beta.example', 'admin', 'active')" % s.b_id, check_ok=False)
    check(d.last_psql.returncode != 0, "insert with B's tenant_id under A's setting succeeded")
    check("row-level security" in d.last_psql.stderr, "refused by RLS: %s" %
          d.last_psql.stderr.strip())
    _in_tenant(s, s.a_id, "UPDATE users SET name = 'pwned' WHERE tenant_id = %d" % s.b_id)
    _in_tenant(s, s.a_id, "DELETE FROM sessions WHERE tenant_id = %d" % s.b_id)
    eq(d.psql("SELECT count(*) FROM users WHERE name = 'pwned'", superuser=True), ["0"],
       "B's users not updated")
    check(int(d.psql("SELECT count(*) FROM sessions WHERE tenant_id = %d" % s.b_id,
                     superuser=True)[0]) > 0, "B's sessions not deleted")
    eq(d.psql("SELECT count(*) FROM users WHERE email = 'planted@beta.example'",
              superuser=True), ["0"], "nothing planted")
    del r


def test_b_still_works_after_the_attempts(s):
    d = s.d
    eq(d.login(d.client(), "beta", "ben@beta.example", PW).status, 303, "B's user logs in")
    r = d.client().get("/t/beta/api/v1/users", headers={"Authorization": "Bearer " + s.b_token})
    eq(r.status, 200, "B's token at B")
    eq(sorted(u["email"] for u in r.json()), ["ben@beta.example", "pending@beta.example"],
       "B's users")
    for slug in ("alpha", "beta"):
        r = d.cli("audit", "verify", slug)
        if r.returncode != 0:
            raise TestFailure("audit verify %s: %s" % (slug, r.stderr.strip()))


if __name__ == "__main__":
    main("isolation", [
        test_user_of_a_cannot_log_in_at_b,
        test_session_of_a_is_no_session_at_b,
        test_api_token_of_a_gets_401_at_b,
        test_api_token_of_a_sees_only_a,
        test_sql_under_a_setting_reads_no_rows_of_b,
        test_sql_without_tenant_setting_reads_no_rows,
        test_app_role_is_neither_superuser_nor_bypassrls,
        test_sql_under_a_setting_cannot_write_rows_of_b,
        test_b_still_works_after_the_attempts,
    ], setup)
