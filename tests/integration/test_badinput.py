#!/usr/bin/env python3
"""Bad input, each item of the Foundation issue's list: oversized bodies and
headers, malformed cookies, invalid UTF-8, overlong e-mails and names, unknown
tenants, wrong CSRF tokens, SQL metacharacters, Host/X-Forwarded-Host trying
to change e-mailed links, off-site rd values, X-Forwarded-For from untrusted
peers.  The daemon answers each with a 4xx (never a 5xx) and keeps running."""

import os
import re
import secrets
import urllib.parse

from harness import check, eq, main

SLUG = "bad"
PW = "bad input passphrase"
EVIL_RD = ["//evil.example", "/\\evil.example", "https:evil.example", "javascript:alert(1)",
           "https://evil.example/", "http://evil.example", "/%2Fevil.example",
           "/%5Cevil.example", "/\t/evil.example", " //evil.example", "\\\\evil.example",
           "//evil.example/t/bad/", "/\\/evil.example", "data:text/html,x", "evil.example",
           "\u3000//evil.example", "/\r\n//evil.example"]
SQL = ["' OR 1=1 --", "\"; DROP TABLE users; --", "'); DELETE FROM users; --",
       "admin@bad.example' --", "%' OR '1'='1", "\\'; SELECT pg_sleep(5); --"]


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": "127.0.0.1/32"})
    d.create_tenant(SLUG, "Bad Input Ltd")
    d.start()
    s.user = d.enroll(SLUG, "user@bad.example", PW, role="admin", name="Normal User")
    s.token = d.token(SLUG, "bad-ci")


def no_5xx(r, what):
    check(r.status < 500, "%s: server error %d" % (what, r.status))
    return r


def test_oversized_body_is_413(s):
    d = s.d
    c = d.client()
    page = c.get("/t/bad/login")
    big = {"csrf": page.csrf(), "email": "user@bad.example", "password": "x" * (70 * 1024)}
    eq(c.post("/t/bad/login", form=big).status, 413, "70 KiB login form")
    r = d.client().post("/t/bad/api/v1/invitations", headers={"Authorization": "Bearer " +
                                                               s.token},
                        json={"email": "big@bad.example", "pad": "y" * (80 * 1024)})
    eq(r.status, 413, "80 KiB JSON body")
    r = d.client().post("/t/bad/login", body=b"a" * (1024 * 1024),
                        headers={"Content-Type": "application/octet-stream"})
    eq(r.status, 413, "1 MiB body of another type")
    eq(d.client().get("/healthz").status, 200, "alive")


def test_oversized_form_field_is_refused(s):
    c = s.d.client()
    page = c.get("/t/bad/login")
    r = c.post("/t/bad/login", form={"csrf": page.csrf(), "email": "e" * 20000 + "@bad.example",
                                     "password": "x"})
    check(r.status in (400, 413), "20 KB field: %d" % r.status)
    many = "&".join("f%d=1" % i for i in range(500))
    r = c.post("/t/bad/login", form="csrf=%s&%s" % (page.csrf(), many))
    check(r.status in (400, 413), "500 fields: %d" % r.status)


def test_oversized_headers_are_413(s):
    d = s.d
    eq(d.client().get("/t/bad/login", headers={"X-Big": "h" * (20 * 1024)}).status, 413,
       "one 20 KiB header")
    many = {"X-Many-%d" % i: "v" * 100 for i in range(200)}
    eq(d.client().get("/t/bad/login", headers=many).status, 413, "200 headers of 100 bytes")
    eq(d.client().get("/t/bad/login", headers={"Cookie": "a=" + "c" * (20 * 1024)}).status,
       413, "a 20 KiB cookie")
    r = d.client().get("/t/bad/login?rd=/" + "u" * 9000)
    check(r.status in (413, 414), "a 9 KB URI: %d" % r.status)
    eq(d.client().get("/healthz").status, 200, "alive")


def test_malformed_cookies_are_no_session(s):
    d = s.d
    cookies = ["sekisho_s_bad=garbage", "sekisho_s_bad=" + "A" * 43,
               "sekisho_s_bad=" + "A" * 4000, "sekisho_s_bad=%00%ff<script>",
               "=;;;=;=; sekisho_s_bad", "sekisho_s_bad", "sekisho_s_bad=\xff\xfe\xfd",
               "sekisho_s_bad=" + secrets.token_urlsafe(32) + "; sekisho_s_bad=x",
               "sekisho_s_bad=\"quoted\"", "sekisho_csrf=\x01\x02; sekisho_s_bad=../../",
               ";" * 500, "sekisho_s_bad=" + "é" * 40]
    for ck in cookies:
        c = d.client()
        r = no_5xx(c.get("/t/bad/", headers={"Cookie": ck}), "cookie %r" % ck[:30])
        eq(r.status, 303, "home with cookie %r" % ck[:30])
        check(r.location.startswith("/t/bad/login"), "redirect to login")
        r = no_5xx(c.get("/t/bad/login", headers={"Cookie": ck}), "login page")
        eq(r.status, 200, "login page with cookie %r" % ck[:30])
        r = no_5xx(c.get("/t/bad/api/v1/users", headers={"Cookie": ck}), "api")
        eq(r.status, 401, "API with cookie %r" % ck[:30])
    # A garbage CSRF cookie is replaced, and the fresh form works.
    c = d.client()
    c.cookies["sekisho_csrf"] = "garbage!"
    r = d.login(c, SLUG, "user@bad.example", PW)
    eq(r.status, 303, "login after a garbage csrf cookie")


def test_invalid_utf8_in_form_fields_is_400(s):
    d = s.d
    for field, raw in (("email", "%FF%FEuser@bad.example"), ("password", "%C3%28"),
                       ("email", "%ED%A0%80@bad.example"), ("password", "%F8%88%80%80%80"),
                       ("email", "%C0%AF@bad.example"), ("password", "abc%"),
                       ("email", "user%00@bad.example")):
        c = d.client()
        page = c.get("/t/bad/login")
        other = "password=x" if field == "email" else "email=user%40bad.example"
        r = c.post("/t/bad/login", form="csrf=%s&%s=%s&%s" % (page.csrf(), field, raw, other))
        eq(r.status, 400, "%s=%s" % (field, raw))
    url = d.invite(SLUG, "utf8@bad.example")
    c = d.client()
    page = c.get(d.path_of(url))
    r = c.post(d.path_of(url), form="csrf=%s&name=%%C3%%28bad&password=%s&password2=%s" %
               (page.csrf(), urllib.parse.quote(PW), urllib.parse.quote(PW)))
    eq(r.status, 400, "invalid UTF-8 name")
    r = c.post(d.path_of(url), form=b"csrf=" + page.csrf().encode() +
               b"&name=\xff\xfe&password=a&password2=a")
    eq(r.status, 400, "raw invalid UTF-8 bytes")
    eq(d.psql("SELECT status FROM users WHERE email = 'utf8@bad.example'", superuser=True),
       ["invited"], "invitation still open")


def test_overlong_email_and_name_are_refused(s):
    d = s.d
    for email in ("a" * 300 + "@bad.example", "u@" + "d" * 250 + ".example",
                  "x" * 3000 + "@bad.example"):
        r = d.login(d.client(), SLUG, email, PW)
        check(r.status in (400, 401), "overlong e-mail (%d chars): %d" % (len(email), r.status))
    r = d.login(d.client(), SLUG, "victim2@bad.example", "p" * 3000)
    check(r.status in (400, 401), "3000-byte password: %d" % r.status)
    url = d.invite(SLUG, "longname@bad.example")
    for name in ("n" * 101, "名" * 101, "n" * 4000, " ", "\t", "a\nb"):
        c = d.client()
        r = d.accept(c, url, name, PW)
        check(r.status in (400, 413), "name of %d chars: %d" % (len(name), r.status))
        check("sekisho_s_bad" not in c.cookies, "no session")
    r = d.client().post("/t/bad/api/v1/invitations", headers={"Authorization": "Bearer " +
                                                              s.token},
                        json={"email": "l" * 300 + "@bad.example"})
    eq(r.status, 400, "overlong e-mail in the API")
    eq(d.accept(d.client(), url, "名" * 100, PW).status, 303, "100 characters are fine")


def test_unknown_tenant_is_404(s):
    d = s.d
    auth = {"Authorization": "Bearer " + s.token}
    for path in ("/t/nope/login", "/t/nope/", "/t/nope/invite/" + secrets.token_urlsafe(32),
                 "/t/bad'--/login", "/t/" + "x" * 300 + "/login", "/t/BAD/login",
                 "/t/%2e%2e/login", "/nope", "/t/"):
        r = d.client().get(path)
        eq(r.status, 404, "GET %s" % path[:40])
    r = d.client().get("/t/nope/api/v1/users", headers=auth)
    eq(r.status, 404, "API of an unknown tenant")
    check(r.header("Content-Type").startswith("application/json"), "JSON 404 for the API")
    c = d.client()
    page = c.get("/t/bad/login")
    r = c.post("/t/nope/login", form={"csrf": page.csrf(), "email": "user@bad.example",
                                      "password": PW})
    eq(r.status, 404, "POST login at an unknown tenant")


def test_wrong_or_missing_csrf_is_403(s):
    d = s.d
    c = d.client()
    c.get("/t/bad/login")
    form = {"email": "user@bad.example", "password": PW}
    eq(c.post("/t/bad/login", form=form).status, 403, "no csrf")
    eq(c.post("/t/bad/login", form=dict(form, csrf="")).status, 403, "empty csrf")
    eq(c.post("/t/bad/login", form=dict(form, csrf="A" * 43)).status, 403, "wrong csrf")
    other = d.client().get("/t/bad/login").csrf()
    eq(c.post("/t/bad/login", form=dict(form, csrf=other)).status, 403, "another client's csrf")
    check("sekisho_s_bad" not in c.cookies, "no session")
    # Logout and invitation acceptance too.
    home = s.user.get("/t/bad/")
    eq(s.user.post("/t/bad/logout", form={"csrf": "x"}).status, 403, "logout with a wrong csrf")
    eq(s.user.get("/t/bad/").status, 200, "session survives a forged logout")
    del home
    url = d.invite(SLUG, "csrf@bad.example")
    c2 = d.client()
    c2.get(d.path_of(url))
    r = c2.post(d.path_of(url), form={"name": "X", "password": PW, "password2": PW})
    eq(r.status, 403, "invitation without csrf")
    eq(d.accept(d.client(), url, "Csrf Person", PW).status, 303, "invitation still usable")


def test_sql_metacharacters_are_data(s):
    d = s.d
    d.enroll(SLUG, "victim@bad.example", PW)
    before = d.psql("SELECT count(*) FROM users", superuser=True)
    for v in SQL:
        r = d.login(d.client(), SLUG, v, PW)
        eq(no_5xx(r, "email %r" % v).status, 401, "login email %r" % v)
        # (another account: these failures would lock user@ out)
        r = d.login(d.client(), SLUG, "victim@bad.example", v)
        eq(r.status, 401, "login password %r" % v)
    auth = {"Authorization": "Bearer " + s.token}
    for v in SQL:
        q = urllib.parse.quote(v, safe="")
        for path in ("/users?q=" + q, "/audit?actor=" + q, "/audit?action=" + q):
            r = d.client().get("/t/bad/api/v1" + path, headers=auth)
            check(r.status in (200, 400), "GET %s: %d" % (path, r.status))
        r = d.client().get("/t/bad/api/v1/users?q=" + q, headers=auth)
        eq(r.json(), [], "search %r matches nothing" % v)
        r = d.client().get("/t/%s/login" % urllib.parse.quote(v, safe=""))
        eq(r.status, 404, "tenant slug %r" % v)
    r = d.client().post("/t/bad/api/v1/invitations", headers=auth,
                        json={"email": "o'brien@bad.example"})
    eq(r.status, 201, "apostrophe in an e-mail address is data")
    name = "Robert'); DROP TABLE users; --"
    c = d.client()
    eq(d.accept(c, r.json()["url"], name, PW).status, 303, "accept with a SQL-ish name")
    home = c.get("/t/bad/")
    check("Robert&#39;); DROP TABLE users; --" in home.text, "name shown as text")
    eq(d.login(d.client(), SLUG, "o'brien@bad.example", PW).status, 303, "o'brien logs in")
    d.cli_ok("tenant", "create", "sqlname", "--name", "'; DROP TABLE tenants; --")
    check("sqlname" in d.cli_ok("tenant", "list").stdout, "tenant with a SQL-ish name")
    after = d.psql("SELECT count(*) FROM users", superuser=True)
    eq(int(after[0]), int(before[0]) + 1, "users table intact (one user added)")


def test_html_is_escaped(s):
    d = s.d
    url = d.invite(SLUG, "xss@bad.example")
    c = d.client()
    eq(d.accept(c, url, "<script>alert(1)</script>\"'&", PW).status, 303, "accept")
    home = c.get("/t/bad/")
    check("<script>alert(1)" not in home.text, "name not injected into HTML")
    check("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;" in home.text, "escaped")
    r = d.login(d.client(), SLUG, "\"><script>x</script>@bad.example", "x")
    check("<script>x</script>" not in r.text, "echoed e-mail escaped")


def _offsite(loc):
    if loc is None:
        return False
    if not loc.startswith("/") or loc[1:2] in ("/", "\\"):
        return True
    if any(ord(ch) < 0x21 or ord(ch) > 0x7e for ch in loc):
        return True
    return urllib.parse.urlsplit(loc).netloc != ""


def test_rd_never_leads_off_site(s):
    d = s.d
    for rd in EVIL_RD:
        c = d.client()
        page = c.get("/t/bad/login?rd=" + urllib.parse.quote(rd, safe=""))
        eq(page.status, 200, "login page with rd %r" % rd)
        check("evil" not in page.text and "javascript:" not in page.text,
              "rd %r not carried in the form" % rd)
        r = c.post("/t/bad/login", form={"csrf": page.csrf(), "email": "user@bad.example",
                                         "password": PW, "rd": rd})
        eq(r.status, 303, "login with rd %r" % rd)
        check(not _offsite(r.location), "rd %r gave Location %r" % (rd, r.location))
        eq(r.location, "/t/bad/", "rd %r falls back to home" % rd)
        r = c.get("/t/bad/login?rd=" + urllib.parse.quote(rd, safe=""))
        eq(r.status, 303, "logged-in login page with rd %r" % rd)
        check(not _offsite(r.location), "rd %r gave Location %r (GET)" % (rd, r.location))
    c = d.client()
    r = d.login(c, SLUG, "user@bad.example", PW, rd="/t/bad/?tab=sessions")
    eq(r.location, "/t/bad/?tab=sessions", "a same-site path is kept")


def test_host_headers_do_not_change_emailed_links(s):
    d = s.d
    auth = {"Authorization": "Bearer " + s.token}
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example;proto=https",
            "X-Original-URL": "https://evil.example/", "X-Forwarded-Prefix": "/evil"}
    n_before = len(d.outbox())
    r = d.client().post("/t/bad/api/v1/invitations", headers=dict(auth, **evil),
                        json={"email": "hosty@bad.example"})
    eq(r.status, 201, "status")
    url = r.json()["url"]
    check(url.startswith(d.public_url + "/t/bad/invite/"), "API url %r" % url)
    mails = d.outbox()
    check(len(mails) > n_before, "an invitation e-mail was written to the outbox")
    with open(mails[-1], "rb") as f:
        eml = f.read().decode("utf-8", "replace")
    check("hosty@bad.example" in eml, "newest e-mail is for the invitee")
    check("evil" not in eml, "no trace of the forged host in the e-mail")
    links = re.findall(r"https?://[^\s<>\"]+", eml)
    check(links and all(u.startswith(d.public_url + "/") for u in links),
          "every link starts with public_url: %r" % links)
    r = d.client().get("/t/bad/", headers=evil)
    check(not _offsite(r.location), "redirect Location %r" % r.location)


def test_x_forwarded_for_only_from_trusted_proxies(s):
    d = s.d

    def failure_ip(source, xff, email):
        c = d.client(source=source)
        page = c.get("/t/bad/login")
        c.post("/t/bad/login", form={"csrf": page.csrf(), "email": email, "password": "nope"},
               headers={"X-Forwarded-For": xff})
        rows = [a for a in d.audit(SLUG, "login.failure") if a["target"] == email]
        eq(len(rows), 1, "one failure for %s" % email)
        return rows[0]["ip"]

    eq(failure_ip("127.0.0.1", "203.0.113.7", "xff1@bad.example"), "203.0.113.7",
       "XFF from the trusted proxy")
    eq(failure_ip("127.0.0.1", "198.51.100.1, 203.0.113.8", "xff2@bad.example"),
       "203.0.113.8", "rightmost untrusted element of the chain")
    eq(failure_ip("127.0.0.2", "203.0.113.9", "xff3@bad.example"), "127.0.0.2",
       "XFF from an untrusted peer is ignored")
    # An unreadable chain names nobody, never the trusted proxy itself.
    eq(failure_ip("127.0.0.1", "not an address", "xff4@bad.example"), "::",
       "garbage XFF")


def test_odd_requests_never_give_5xx(s):
    d = s.d
    auth = {"Authorization": "Bearer " + s.token}
    eq(d.client().request("PUT", "/t/bad/login").status, 405, "PUT on the login page")
    eq(d.client().request("DELETE", "/t/bad/api/v1/users", headers=auth).status, 405,
       "DELETE on users")
    for path in ("/t/bad/%ff", "/t/bad/login/../../etc/passwd", "/t/bad//login",
                 "/t/bad/invite/", "/t/bad/invite/%00", "/t/bad/invite/" + "x" * 5000,
                 "/static/../../etc/passwd", "/t/bad/login?rd=%ff%fe", "/t/bad/login?%%%"):
        r = d.client().get(path)
        check(400 <= r.status < 500 or r.status in (200, 303), "GET %s: %d" %
              (path[:40], r.status))
    c = d.client()
    page = c.get("/t/bad/login")
    r = c.post("/t/bad/login", body="csrf=%s&email=a&email=b&password=x" % page.csrf(),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    no_5xx(r, "duplicate fields")
    r = c.post("/t/bad/login", body=b"\x00\x01\x02",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    no_5xx(r, "binary body")
    r = d.client().post("/t/bad/api/v1/invitations", headers=dict(auth, **{
        "Content-Type": "application/x-www-form-urlencoded"}), body="email=a%40b.example")
    eq(r.status, 400, "form body on the JSON API")


def test_daemon_still_alive(s):
    d = s.d
    check(d.alive(), "daemon process exited")
    eq(d.client().get("/healthz").status, 200, "healthz")
    eq(d.client().get("/readyz").status, 200, "readyz")
    eq(d.login(d.client(), SLUG, "user@bad.example", PW).status, 303, "login still works")
    r = d.cli("audit", "verify", SLUG)
    eq(r.returncode, 0, "audit chain intact (%s)" % r.stderr.strip())


if __name__ == "__main__":
    main("badinput", [
        test_oversized_body_is_413,
        test_oversized_form_field_is_refused,
        test_oversized_headers_are_413,
        test_malformed_cookies_are_no_session,
        test_invalid_utf8_in_form_fields_is_400,
        test_overlong_email_and_name_are_refused,
        test_unknown_tenant_is_404,
        test_wrong_or_missing_csrf_is_403,
        test_sql_metacharacters_are_data,
        test_html_is_escaped,
        test_rd_never_leads_off_site,
        test_host_headers_do_not_change_emailed_links,
        test_x_forwarded_for_only_from_trusted_proxies,
        test_odd_requests_never_give_5xx,
        test_daemon_still_alive,
    ], setup)
