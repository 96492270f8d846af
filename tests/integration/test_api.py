#!/usr/bin/env python3
"""The admin JSON API (users, invitations, audit as JSON and CSV) and the
audit log itself: every event recorded with its fields, the hash chain
verified by `sekisho audit verify`, tampering detected."""

import calendar
import re
import time

from harness import check, eq, main

PW = "application programming passphrase"


def setup(s):
    d = s.d = s.daemon()
    d.create_tenant("api", "API Tenant")
    d.start()
    s.admin = d.enroll("api", "root@api.example", PW, role="admin", name="Root Admin")
    s.token = d.token("api", "ci")
    s.auth = {"Authorization": "Bearer " + s.token}


def api(s, method, path, **kw):
    headers = dict(s.auth)
    headers.update(kw.pop("headers", {}))
    return s.d.client().request(method, "/t/api/api/v1" + path, headers=headers, **kw)


def test_users_list_has_the_documented_fields(s):
    s.d.invite("api", "waiting@api.example")
    r = api(s, "GET", "/users")
    eq(r.status, 200, "status")
    check(r.header("Content-Type").startswith("application/json"), "JSON content type")
    users = {u["email"]: u for u in r.json()}
    for u in users.values():
        eq(sorted(u), sorted(["email", "name", "role", "status", "mfa", "last_login"]),
           "fields of a user")
    a, w = users["root@api.example"], users["waiting@api.example"]
    eq((a["name"], a["role"], a["status"], a["mfa"]), ("Root Admin", "admin", "active", False),
       "active admin")
    check(isinstance(a["last_login"], str) and a["last_login"].endswith("Z"),
          "last_login UTC: %r" % a["last_login"])
    eq((w["role"], w["status"], w["last_login"]), ("user", "invited", None), "invited user")


def test_api_without_credentials_is_401(s):
    c = s.d.client()
    eq(c.get("/t/api/api/v1/users").status, 401, "no credentials")
    for bad in ("Bearer nope", "Bearer " + "A" * 43, "Basic dXNlcjpwYXNz", "Bearer ",
                "Bearer " + s.token + "x"):
        r = c.get("/t/api/api/v1/users", headers={"Authorization": bad})
        eq(r.status, 401, "Authorization %r" % bad[:20])
        check(r.header("Content-Type").startswith("application/json"), "JSON error")


def test_post_invitation_answers_201_with_url_and_expiry(s):
    d = s.d
    t0 = time.time()
    r = api(s, "POST", "/invitations", json={"email": "New.Person@api.example", "role": "user"})
    eq(r.status, 201, "status (%s)" % r.text)
    j = r.json()
    eq(sorted(j), ["expires_at", "url"], "keys")
    check(j["url"].startswith(d.public_url + "/t/api/invite/"), "url %r" % j["url"])
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z", j["expires_at"])
    check(m, "expires_at ISO 8601 UTC: %r" % j["expires_at"])
    exp = calendar.timegm(time.strptime(j["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    check(abs(exp - (t0 + 72 * 3600)) < 120, "default validity 72 h (%r)" % j["expires_at"])
    c = d.client()
    eq(d.accept(c, j["url"], "New Person", PW).status, 303, "the API's URL works")
    eq(d.login(d.client(), "api", "new.person@api.example", PW).status, 303,
       "e-mail matched case-insensitively")
    inv = d.audit("api", "user.invited")
    check(any(a["target"] == "new.person@api.example" and a["actor"] != "" for a in inv),
          "user.invited audited with an actor")


def test_post_invitation_defaults_role_to_user(s):
    r = api(s, "POST", "/invitations", json={"email": "norole@api.example"})
    eq(r.status, 201, "status")
    eq(s.d.psql("SELECT role FROM users WHERE email = 'norole@api.example'", superuser=True),
       ["user"], "role")


def test_post_invitation_for_an_active_user_is_409(s):
    r = api(s, "POST", "/invitations", json={"email": "root@api.example", "role": "user"})
    eq(r.status, 409, "status")


def test_malformed_json_is_400(s):
    for body in (b"", b"{", b"not json", b"[]", b'"x"', b'{"email": "a@b.example"} trailing',
                 b'{"email": "a@b.example",}', b"\xff\xfe{}", b"{'email': 'a@b.example'}",
                 b"null", b"[" * 5000 + b"]" * 5000):
        r = api(s, "POST", "/invitations", body=body,
                headers={"Content-Type": "application/json"})
        eq(r.status, 400, "body %r" % body[:30])
        check("error" in r.json(), "JSON error object")


def test_unknown_keys_and_wrong_types_are_400_naming_the_field(s):
    cases = [({"email": "k@api.example", "role": "user", "admin": True}, "admin"),
             ({"email": 5, "role": "user"}, "email"),
             ({"email": ["x@api.example"]}, "email"),
             ({"email": None}, "email"),
             ({"email": "k@api.example", "role": 1}, "role"),
             ({"email": "k@api.example", "role": "root"}, "role"),
             ({"email": "k@api.example", "role": None}, "role"),
             ({"email": "not an email"}, "email"),
             ({"role": "user"}, "email")]
    for body, field in cases:
        r = api(s, "POST", "/invitations", json=body)
        eq(r.status, 400, "body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    eq(s.d.psql("SELECT count(*) FROM users WHERE email = 'k@api.example'", superuser=True),
       ["0"], "nothing created")


def test_nul_in_any_string_field_is_400_naming_it(s):
    """json-c keeps "\\u0000" inside a string whose C view ends there: every
    string of every API body is taken with its length, and a NUL anywhere
    (value or key) is refused, naming the field, with nothing changed."""
    d = s.d
    inv = [({"email": "nul1@api.example\0", "role": "user"}, "email"),
           ({"email": "nul2@api.example\0.evil", "role": "user"}, "email"),
           ({"email": "\0", "role": "user"}, "email"),
           ({"email": "nul3@api.example", "role": "admin\0x"}, "role"),
           ({"email": "nul4@api.example", "role": "user\0"}, "role"),
           ({"email": "nul5@api.example", "role\0x": "admin"}, "key"),
           ({"email\0": "nul6@api.example"}, "key")]
    for body, field in inv:
        r = api(s, "POST", "/invitations", json=body)
        eq(r.status, 400, "invitation body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    eq(d.psql("SELECT count(*) FROM users WHERE email LIKE 'nul%'", superuser=True), ["0"],
       "no invitation created")
    # A temporary password with a NUL must not become its prefix.
    d.enroll("api", "nulpw@api.example", PW, name="Nul Pw")
    for body, field in [({"password": "abc\0def-long-enough-1"}, "password"),
                        ({"password": "Plum-Tree-Quiet-77\0"}, "password"),
                        ({"password\0x": "Plum-Tree-Quiet-77"}, "key")]:
        r = api(s, "POST", "/users/nulpw@api.example/password", json=body)
        eq(r.status, 400, "password body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    c = d.client()
    eq(d.login(c, "api", "nulpw@api.example", PW).status, 303, "old password still works")
    eq(d.psql("SELECT count(*) FROM audit_events WHERE action = 'user.password_set' AND "
              "target = 'nulpw@api.example'", superuser=True), ["0"], "no password_set event")
    # Every string field of the policy document.
    before = api(s, "GET", "/policy").json()
    pol = [({"session": {"concurrent": "allow\0"}}, "session.concurrent"),
           ({"mfa": {"require": "off\0x"}}, "mfa.require"),
           ({"mfa": {"client_cert": "\0off"}}, "mfa.client_cert"),
           ({"ip": {"allow": ["10.0.0.0/8\0"]}}, "ip.allow[0]"),
           ({"ip": {"admin_allow": ["127.0.0.1/32", "10.0.0.1\0"]}}, "ip.admin_allow[1]"),
           ({"audit": {"timezone": "UTC\0"}}, "audit.timezone"),
           ({"password": {"min_length\0x": 30}}, "key")]
    for body, field in pol:
        r = api(s, "PUT", "/policy", json=body)
        eq(r.status, 400, "policy body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    eq(api(s, "GET", "/policy").json(), before, "policy after refused documents")
    # The same cut through a percent-encoded NUL in the path or the query.
    for method, path in [("DELETE", "/users/nulpw@api.example%00junk"),
                         ("POST", "/users/nulpw@api.example%00/suspend"),
                         ("GET", "/users?q=nulpw%00x"),
                         ("GET", "/audit?actor=nulpw@api.example%00")]:
        r = api(s, method, path)
        eq(r.status, 400, "%s %s" % (method, path))
    eq(d.psql("SELECT status FROM users WHERE email = 'nulpw@api.example'", superuser=True),
       ["active"], "the user named before the NUL is untouched")


def test_admin_session_needs_the_csrf_header(s):
    d = s.d
    home = s.admin.get("/t/api/")
    eq(home.status, 200, "admin home")
    body = {"email": "viasession@api.example"}
    r = s.admin.post("/t/api/api/v1/invitations", json=body)
    eq(r.status, 403, "session without X-CSRF-Token")
    r = s.admin.post("/t/api/api/v1/invitations", json=body,
                     headers={"X-CSRF-Token": "A" * 43})
    eq(r.status, 403, "session with a wrong X-CSRF-Token")
    r = s.admin.post("/t/api/api/v1/invitations", json=body,
                     headers={"X-CSRF-Token": home.csrf()})
    eq(r.status, 201, "session with the right X-CSRF-Token")
    eq(s.admin.get("/t/api/api/v1/users").status, 200, "GET with an admin session")
    user = d.enroll("api", "plain@api.example", PW)
    eq(user.get("/t/api/api/v1/users").status, 403, "a non-admin session")


def test_audit_json_has_every_event_with_its_fields(s):
    d = s.d
    d.login(d.client(), "api", "root@api.example", "wrong password here")
    c = d.client()
    d.login(c, "api", "root@api.example", PW)
    c.post("/t/api/logout", form={"csrf": c.get("/t/api/").csrf()})
    r = api(s, "GET", "/audit")
    eq(r.status, 200, "status")
    j = r.json()
    events = j["events"]
    check(j["total"] >= len(events) > 0, "total and events")
    actions = {e["action"] for e in events}
    for want in ("tenant.created", "user.invited", "invitation.accepted", "login.success",
                 "login.failure", "logout", "token.created"):
        check(want in actions, "audit has %s (%s)" % (want, sorted(actions)))
    for e in events:
        for k in ("seq", "at", "actor", "role", "source_ip", "action", "target", "result",
                  "detail"):
            check(k in e, "event field %s" % k)
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", e["at"]),
              "time in UTC: %r" % e["at"])
    ok = [e for e in events if e["action"] == "login.success"][-1]
    eq((ok["actor"], ok["role"], ok["source_ip"], ok["result"]),
       ("root@api.example", "admin", "127.0.0.1", "success"), "login.success fields")
    fail = [e for e in events if e["action"] == "login.failure"][-1]
    eq(fail["target"], "root@api.example", "login.failure target")
    check(fail["result"] != "success", "login.failure result")
    r = api(s, "GET", "/audit?action=login")
    eq({e["action"] for e in r.json()["events"]} - {"login.success", "login.failure"}, set(),
       "action filter by prefix")
    eq(api(s, "GET", "/audit?limit=abc").status, 400, "bad limit")
    r = api(s, "GET", "/audit?from=yesterday")
    eq(r.status, 400, "bad from")


def test_audit_csv_neutralises_formula_injection(s):
    for email in ("=cmd@x.example", "+sum@x.example", "-exec@x.example"):
        r = api(s, "POST", "/invitations", json={"email": email})
        eq(r.status, 201, "invite %s (%s)" % (email, r.text))
    d = s.d
    d.login(d.client(), "api", "@at@x.example", PW)  # target starting with '@'
    for how in ({"path": "/audit?format=csv"}, {"path": "/audit", "headers":
                                                 {"Accept": "text/csv"}}):
        r = api(s, "GET", how["path"], headers=how.get("headers", {}))
        eq(r.status, 200, "status")
        check(r.header("Content-Type").startswith("text/csv"), "CSV content type")
        lines = r.text.split("\r\n")
        check(lines[0].startswith("seq,"), "header line %r" % lines[0])
        cells = [c for ln in lines[1:] for c in _csv_cells(ln)]
        for email in ("=cmd@x.example", "+sum@x.example", "-exec@x.example", "@at@x.example"):
            check("'" + email in cells, "%s prefixed with a quote" % email)
        for c in cells:
            check(not c or c[0] not in "=+-@", "cell starting with a formula character: %r" % c)


def _csv_cells(line):
    import csv
    return next(csv.reader([line])) if line else []


def test_audit_verify_passes(s):
    r = s.d.cli("audit", "verify", "api")
    eq(r.returncode, 0, "verify status (%s)" % r.stderr.strip())
    check("intact" in r.stdout, "verify output %r" % r.stdout)


def test_app_role_cannot_change_audit_rows(s):
    d = s.d
    tid = d.tenant_id("api")
    d.psql("BEGIN; SET LOCAL sekisho.tenant = '%d'; UPDATE audit_events SET result = 'x'; "
           "COMMIT;" % tid, check_ok=False)
    check(d.last_psql.returncode != 0, "UPDATE of audit rows by the application role succeeded")


def test_audit_verify_fails_after_tampering(s):
    d = s.d
    d.psql("BEGIN; ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update; "
           "UPDATE audit_events SET target = 'someone-else@api.example' WHERE seq = 2 AND "
           "tenant_id = (SELECT id FROM tenants WHERE slug = 'api'); "
           "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update; COMMIT;",
           superuser=True)
    r = d.cli("audit", "verify", "api")
    check(r.returncode != 0, "verify passed after a row was changed")
    check("2" in r.stderr, "names the event: %r" % r.stderr)


def test_audit_verify_fails_after_deleting_a_row(s):
    d = s.d
    d.create_tenant("api2")
    d.cli_ok("invite", "api2", "one@api2.example")
    d.cli_ok("invite", "api2", "two@api2.example")
    d.cli_ok("audit", "verify", "api2")
    d.psql("DELETE FROM audit_events WHERE seq = 2 AND tenant_id = "
           "(SELECT id FROM tenants WHERE slug = 'api2')", superuser=True)
    r = d.cli("audit", "verify", "api2")
    check(r.returncode != 0, "verify passed after a row was deleted")


if __name__ == "__main__":
    main("api", [
        test_users_list_has_the_documented_fields,
        test_api_without_credentials_is_401,
        test_post_invitation_answers_201_with_url_and_expiry,
        test_post_invitation_defaults_role_to_user,
        test_post_invitation_for_an_active_user_is_409,
        test_malformed_json_is_400,
        test_unknown_keys_and_wrong_types_are_400_naming_the_field,
        test_nul_in_any_string_field_is_400_naming_it,
        test_admin_session_needs_the_csrf_header,
        test_audit_json_has_every_event_with_its_fields,
        test_audit_csv_neutralises_formula_injection,
        test_audit_verify_passes,
        test_app_role_cannot_change_audit_rows,
        test_audit_verify_fails_after_tampering,
        test_audit_verify_fails_after_deleting_a_row,
    ], setup)
