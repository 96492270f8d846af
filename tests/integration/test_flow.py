#!/usr/bin/env python3
"""Enrollment and login, end to end, with the default Argon2id parameters:
invite -> accept -> home -> logout -> login; wrong passwords; used, expired,
revoked and unknown invitations; security headers; Japanese pages; restart."""

import os
import re
import secrets

from harness import check, eq, main

SLUG = "acme"
PW = "correct horse battery staple"


def setup(s):
    s.d = s.daemon(fast_hash=False)  # one suite runs the production defaults
    s.d.create_tenant(SLUG, "Acme Corp")
    s.d.start()


def message_of(resp):
    """The user-visible message of a page: <main> without the CSRF token."""
    m = re.search(r"<main>(.*)</main>", resp.text, re.S)
    body = m.group(1) if m else resp.text
    return re.sub(r'name="csrf" value="[^"]*"', "", body)


def test_invite_accept_home_logout_login(s):
    d = s.d
    url = d.invite(SLUG, "alice@acme.example", "admin")
    check(url.startswith(d.public_url + "/t/acme/invite/"), "invitation URL %r" % url)
    c = d.client()
    page = c.get(d.path_of(url))
    eq(page.status, 200, "invitation page")
    check("alice@acme.example" in page.text, "invitation page names the invitee")
    check(page.csrf(), "invitation form has a csrf field")
    for f in ("name", "password", "password2"):
        check('name="%s"' % f in page.text, "invitation form has field %s" % f)
    r = c.post(d.path_of(url), form={"csrf": page.csrf(), "name": "Alice Example",
                                     "password": PW, "password2": PW})
    eq(r.status, 303, "accept status")
    eq(r.location, "/t/acme/", "accept redirects home")
    check("sekisho_s_acme" in c.cookies, "accepting logs the user in")
    home = c.get("/t/acme/")
    eq(home.status, 200, "home status")
    check("Alice Example" in home.text and "alice@acme.example" in home.text,
          "home shows the user's name and e-mail")
    old_cookie = c.cookies["sekisho_s_acme"]
    r = c.post("/t/acme/logout", form={"csrf": home.csrf()})
    eq(r.status, 303, "logout status")
    check(r.location.startswith("/t/acme/login"), "logout goes to the login page")
    check("sekisho_s_acme" not in c.cookies, "logout clears the session cookie")
    r = c.get("/t/acme/")
    eq(r.status, 303, "home after logout")
    check(r.location.startswith("/t/acme/login"), "home after logout redirects to login")
    # The old cookie is dead on the server too, not only in the browser.
    r = c.get("/t/acme/", headers={"Cookie": "sekisho_s_acme=" + old_cookie})
    eq(r.status, 303, "replayed session cookie after logout")
    c2 = d.client()
    r = d.login(c2, SLUG, "alice@acme.example", PW)
    eq(r.status, 303, "login status")
    eq(r.location, "/t/acme/", "login redirects home")
    eq(c2.get("/t/acme/").status, 200, "home after login")
    actions = [a["action"] for a in d.audit(SLUG)]
    for want in ("tenant.created", "user.invited", "invitation.accepted", "logout",
                 "login.success"):
        check(want in actions, "audit has %s (has %s)" % (want, actions))
    s.state["alice_cookie"] = c2.cookies["sekisho_s_acme"]


def test_session_cookie_is_httponly_and_samesite_safe(s):
    d = s.d
    c = d.client()
    page = c.get("/t/acme/login")
    r = c.post("/t/acme/login", form={"csrf": page.csrf(), "email": "alice@acme.example",
                                      "password": PW})
    eq(r.status, 303, "login status")
    sc = [v for v in r.header_all("Set-Cookie") if v.startswith("sekisho_s_acme=")]
    eq(len(sc), 1, "one session cookie set")
    attrs = [a.strip().lower() for a in sc[0].split(";")[1:]]
    check("httponly" in attrs, "session cookie is HttpOnly: %r" % sc[0])
    check("path=/" in attrs, "session cookie has Path=/: %r" % sc[0])
    check("samesite=strict" not in attrs, "SameSite=Strict would break SAML POST binding")
    token = sc[0].split(";")[0].split("=", 1)[1]
    check(re.fullmatch(r"[A-Za-z0-9_-]{43}", token), "session token is 256-bit base64url")
    # Only its SHA-256 is stored.
    n = d.psql("SELECT count(*) FROM sessions WHERE token_hash = sha256('%s'::bytea)" % token,
               superuser=True)
    eq(n, ["1"], "session stored as SHA-256 of the cookie")


def test_wrong_password_401_same_message_as_unknown_user_and_audited(s):
    d = s.d
    c = d.client()
    wrong = d.login(c, SLUG, "alice@acme.example", "not the password")
    eq(wrong.status, 401, "wrong password status")
    unknown = d.login(d.client(), SLUG, "nobody@acme.example", "not the password")
    eq(unknown.status, 401, "unknown user status")
    ew = re.search(r'id="error"[^>]*>([^<]*)<', wrong.text)
    eu = re.search(r'id="error"[^>]*>([^<]*)<', unknown.text)
    check(ew and eu, "both pages show an error")
    eq(ew.group(1), eu.group(1), "same message for wrong password and unknown user")
    check("sekisho_s_acme" not in c.cookies, "no session after a failed login")
    fails = d.audit(SLUG, "login.failure")
    targets = [f["target"] for f in fails]
    check("alice@acme.example" in targets, "login.failure audited for the known user")
    check("nobody@acme.example" in targets, "login.failure audited for the unknown user")
    check(all(f["result"] != "success" for f in fails), "failure rows are not success")


def _daemon_cpu_seconds(d):
    """CPU time (user + system) the daemon process has used so far."""
    with open("/proc/%d/stat" % d.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_unknown_user_costs_as_much_work_as_known_user(s):
    # Not a timer: the daemon's own CPU time, which other processes' load does
    # not change.  An unknown address must cost an Argon2id verification like
    # a known one (a dummy hash), else failed logins would tell them apart.
    d = s.d
    d.enroll(SLUG, "timing@acme.example", PW)

    def cpu_for(emails):
        c = d.client()
        pages = [c.get("/t/acme/login") for _ in emails]
        t0 = _daemon_cpu_seconds(d)
        for page, email in zip(pages, emails):
            r = c.post("/t/acme/login", form={"csrf": page.csrf(), "email": email,
                                              "password": "wrong password 1"})
            eq(r.status, 401, "status")
        return _daemon_cpu_seconds(d) - t0

    n = 10
    known = cpu_for(["timing@acme.example"] * n)
    unknown = cpu_for(["ghost-%d@acme.example" % i for i in range(n)])
    check(known > 0.05, "known-user logins used only %.3f s of CPU: is Argon2id running?" % known)
    check(unknown >= 0.5 * known, "unknown users cost %.3f s of CPU vs %.3f s for a known user: "
          "no dummy verification" % (unknown, known))


def _invalid_invitation_page(s, path, what):
    d = s.d
    c = d.client()
    r = c.get(path)
    eq(r.status, 404, "%s: GET status" % what)
    page = c.get("/t/acme/login")
    r2 = c.post(path, form={"csrf": page.csrf(), "name": "Mallory", "password": PW,
                            "password2": PW})
    eq(r2.status, 404, "%s: POST status" % what)
    check("sekisho_s_acme" not in c.cookies, "%s: no session" % what)
    if "invalid_page" not in s.state:
        s.state["invalid_page"] = message_of(r)
    eq(message_of(r), s.state["invalid_page"], "%s: same page as the others" % what)
    return r


def test_unknown_invitation_gets_the_invalid_page(s):
    r = _invalid_invitation_page(s, "/t/acme/invite/" + secrets.token_urlsafe(32), "unknown")
    check(len(message_of(r)) > 40, "the page explains itself")
    _invalid_invitation_page(s, "/t/acme/invite/not-a-token", "malformed")


def test_used_invitation_gets_the_same_page_and_changes_nothing(s):
    d = s.d
    url = d.invite(SLUG, "bob@acme.example")
    c = d.client()
    eq(d.accept(c, url, "Bob", PW).status, 303, "first accept")
    before = d.psql("SELECT name, password_hash, status FROM users WHERE "
                    "email = 'bob@acme.example'", superuser=True)
    _invalid_invitation_page(s, d.path_of(url), "used")
    after = d.psql("SELECT name, password_hash, status FROM users WHERE "
                   "email = 'bob@acme.example'", superuser=True)
    eq(after, before, "user row unchanged")
    eq(d.login(d.client(), SLUG, "bob@acme.example", PW).status, 303, "old password still works")


def test_expired_invitation_gets_the_same_page_and_changes_nothing(s):
    d = s.d
    url = d.invite(SLUG, "carol@acme.example")
    d.psql("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE user_id = "
           "(SELECT id FROM users WHERE email = 'carol@acme.example')", superuser=True)
    _invalid_invitation_page(s, d.path_of(url), "expired")
    eq(d.psql("SELECT status, password_hash IS NULL FROM users WHERE "
              "email = 'carol@acme.example'", superuser=True), ["invited|t"], "user unchanged")


def test_revoked_invitation_gets_the_same_page_and_changes_nothing(s):
    d = s.d
    first = d.invite(SLUG, "dave@acme.example")
    second = d.invite(SLUG, "dave@acme.example")  # a re-invitation revokes the first link
    _invalid_invitation_page(s, d.path_of(first), "replaced")
    d.psql("UPDATE invitations SET revoked_at = now() WHERE user_id = "
           "(SELECT id FROM users WHERE email = 'dave@acme.example') AND revoked_at IS NULL",
           superuser=True)
    _invalid_invitation_page(s, d.path_of(second), "revoked")
    eq(d.psql("SELECT status FROM users WHERE email = 'dave@acme.example'", superuser=True),
       ["invited"], "user still invited")


def test_invitation_of_another_tenant_is_not_accepted_here(s):
    d = s.d
    d.create_tenant("other")
    url = d.invite("other", "erin@other.example")
    token = url.rsplit("/", 1)[1]
    _invalid_invitation_page(s, "/t/acme/invite/" + token, "other tenant's token")


def test_pages_carry_security_headers(s):
    d = s.d
    c = d.client()
    c.cookies["sekisho_s_acme"] = s.state.get("alice_cookie", "x")
    pages = [c.get("/t/acme/login"), c.get("/t/acme/"), d.client().get("/t/acme/login"),
             d.client().get("/t/acme/invite/" + secrets.token_urlsafe(32)),
             d.client().get("/t/nope/login")]
    for p in pages:
        csp = p.header("Content-Security-Policy") or ""
        check("frame-ancestors 'none'" in csp, "CSP with frame-ancestors 'none' (%d)" % p.status)
        check("script-src" not in csp or "'unsafe-inline'" not in csp, "no unsafe-inline")
        eq(p.header("Cache-Control"), "no-store", "Cache-Control")
        eq(p.header("X-Frame-Options"), "DENY", "X-Frame-Options")
        eq(p.header("X-Content-Type-Options"), "nosniff", "X-Content-Type-Options")
    eq(pages[1].status, 200, "home with the session cookie")


def test_csrf_cookie_is_httponly(s):
    r = s.d.client().get("/t/acme/login")
    sc = [v for v in r.header_all("Set-Cookie") if v.startswith("sekisho_csrf=")]
    check(sc and "httponly" in sc[0].lower(), "csrf pre-session cookie is HttpOnly")


def test_japanese_pages_with_accept_language_ja(s):
    d = s.d
    ja = d.client(lang="ja,en;q=0.5").get("/t/acme/login")
    eq(ja.status, 200, "status")
    check('<html lang="ja"' in ja.text, "html lang=ja")
    check("ログイン" in ja.text, "Japanese sign-in title")
    en = d.client(lang="en-US,en;q=0.9,ja;q=0.1").get("/t/acme/login")
    check('<html lang="en"' in en.text and "Sign in" in en.text, "English when preferred")
    dflt = d.client().get("/t/acme/login")
    check('<html lang="en"' in dflt.text, "English without Accept-Language")
    bad = d.client(lang="ja;q=abc,,;;,=" + "x" * 500).get("/t/acme/login")
    eq(bad.status, 200, "malformed Accept-Language still serves the page")
    inv = d.client(lang="ja").get("/t/acme/invite/" + secrets.token_urlsafe(32))
    check('<html lang="ja"' in inv.text, "error pages are translated too")
    fail = d.login(d.client(lang="ja"), SLUG, "alice@acme.example", "nope nope nope")
    eq(fail.status, 401, "status")
    check(re.search(r'id="error"[^>]*>[^<]*[\u3040-\u30ff\u4e00-\u9fff]', fail.text),
          "login error in Japanese")


def test_password_stored_as_argon2id_with_configured_parameters(s):
    h = s.d.psql("SELECT password_hash FROM users WHERE email = 'alice@acme.example'",
                 superuser=True)[0]
    check(h.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), "default PHC parameters: %r" % h[:40])


def test_restart_keeps_data_and_rehashes_on_new_parameters(s):
    d = s.d
    d.stop()  # exit 0 and the embedded cluster stopped, or this fails
    d.env.update({"SEKISHO_ARGON2_MEMORY_KIB": "8192", "SEKISHO_ARGON2_ITERATIONS": "1"})
    d.start()
    c = d.client()
    r = d.login(c, SLUG, "alice@acme.example", PW)
    eq(r.status, 303, "login after restart")
    home = c.get("/t/acme/")
    eq(home.status, 200, "home after restart")
    check("Alice Example" in home.text, "name kept across restart")
    h = d.psql("SELECT password_hash FROM users WHERE email = 'alice@acme.example'",
               superuser=True)[0]
    check(h.startswith("$argon2id$v=19$m=8192,t=1,p=1$"),
          "hash upgraded to the new parameters at login: %r" % h[:40])
    eq(d.login(d.client(), SLUG, "alice@acme.example", PW).status, 303, "login after rehash")
    r = d.cli("audit", "verify", SLUG)
    eq(r.returncode, 0, "audit chain intact after restart (%s)" % r.stderr.strip())


if __name__ == "__main__":
    main("flow", [
        test_invite_accept_home_logout_login,
        test_session_cookie_is_httponly_and_samesite_safe,
        test_wrong_password_401_same_message_as_unknown_user_and_audited,
        test_unknown_user_costs_as_much_work_as_known_user,
        test_unknown_invitation_gets_the_invalid_page,
        test_used_invitation_gets_the_same_page_and_changes_nothing,
        test_expired_invitation_gets_the_same_page_and_changes_nothing,
        test_revoked_invitation_gets_the_same_page_and_changes_nothing,
        test_invitation_of_another_tenant_is_not_accepted_here,
        test_pages_carry_security_headers,
        test_csrf_cookie_is_httponly,
        test_japanese_pages_with_accept_language_ja,
        test_password_stored_as_argon2id_with_configured_parameters,
        test_restart_keeps_data_and_rehashes_on_new_parameters,
    ], setup)
