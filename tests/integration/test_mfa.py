#!/usr/bin/env python3
"""
Two-step verification on the login flow (issue 10, sections 1 and 2 and "Bad
input"; client certificates are not tested here): enrolment forced by
mfa.require with the QR code decoded by zbarimg and the otpauth:// URI
checked, a pending login refused by every authenticated page and API call,
TOTP codes computed by Debian's oathtool (window +-1, each step once, the
enrolling step spent, replays across browsers and in parallel, older steps
after newer ones), malformed codes, lockout on the second factor's own
counter (the answer while locked identical to a wrong code's), recovery
codes (once, in parallel, normalised, per user, regenerated), the
administrator's reset (API and console), turning TOTP off, misused flow
cookies (other tenant, expired, garbage) and tenant isolation.  Also: a lock,
suspension or forced logout ends every pending login of the user; the
enrolment page of a browser that still holds another user's session belongs
to the pending login; a signed-in user cannot swap the authenticator without
a current code; rd survives the second step only when safe.

Time steps: every user has its own "last step used", so each test works with
fresh users and codes for the steps around one base step (oathtool -N);
steady() waits (a few seconds at most) when a step is about to end so that
a code for the previous step is still inside the server's window.
"""

import html
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, audit_details, change_password, q, session_csrf,  # noqa: E402
                         sql_super, tenant_where, user_field)

A = "mfa"     # main tenant (its name is the issuer of the otpauth URI)
A_NAME = "MFA Corp"
B = "mfb"     # another tenant
L = "mfl"     # lockout tenant: max_failures 3
STEP = 30
WRONG_MSG = ("The code is not correct, or it was already used. Wait for the next code and "
             "try again.")
RC_RE = re.compile(r"^[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}$")


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_THREADS": "16"})
    d.start()
    d.create_tenant(A, A_NAME)
    d.create_tenant(B, "Other Corp")
    d.create_tenant(L, "Lock Corp")
    s.api = {A: Api(d, A), B: Api(d, B), L: Api(d, L)}
    # Wrong codes count: keep the limit out of the way except on L.
    for slug in (A, B):
        s.api[slug].set_policy({"lockout": {"max_failures": 50, "unlock_after_seconds": 0},
                                "mfa": {"require": "off"}})
    s.api[L].set_policy({"lockout": {"max_failures": 3, "unlock_after_seconds": 0},
                         "mfa": {"require": "off"}})


# --------------------------------------------------------------------------
# helpers


def flow_cookie(slug):
    return "sekisho_f_%s" % slug


def session_cookie(slug):
    return "sekisho_s_%s" % slug


def totp(secret, at=None):
    """oathtool's code for secret at unix time at (now when None)."""
    argv = ["oathtool", "--totp", "-b", secret]
    if at is not None:
        argv += ["-N", "@%d" % int(at)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    eq(r.returncode, 0, "oathtool exit status (%s)" % r.stderr.strip())
    code = r.stdout.strip()
    check(re.fullmatch(r"\d{6}", code), "oathtool printed %r" % code)
    return code


def at_step(secret, step):
    return totp(secret, step * STEP + 1)


def steady(margin=5.0):
    """The current step, with at least margin seconds left in it (sleeps
    into the next step otherwise)."""
    t = time.time()
    left = STEP - (t % STEP)
    if left < margin:
        time.sleep(left + 0.3)
        t = time.time()
    return int(t // STEP)


def wrong_code(secret, base):
    """A well-formed code that no step near base accepts."""
    near = {at_step(secret, base + k) for k in range(-3, 5)}
    for cand in ("000000", "111111", "123456", "999999", "424242", "271828"):
        if cand not in near:
            return cand
    raise harness.TestFailure("no wrong code found")


def users_seq(s):
    s.state["n"] = s.state.get("n", 0) + 1
    return s.state["n"]


def new_user(s, slug, local, role="user"):
    """An active user with a session (created while its role needs no MFA)."""
    email = "%s-%d@%s.example" % (local, users_seq(s), slug)
    c = s.d.enroll(slug, email, PW, role=role, name=local)
    check(session_cookie(slug) in c.cookies, "no session after accepting the invitation of %s"
          % email)
    return email, c


def enrol_info(page):
    """(secret, otpauth URI, svg) of an enrolment page."""
    m = re.search(r'<input[^>]*\bid="secret"[^>]*\bvalue="([^"]*)"', page.text)
    check(m, "no input#secret with a value on the enrolment page: %s" % page.text[:300])
    secret = html.unescape(m.group(1))
    m = re.search(r'<a\b[^>]*\bid="otpauth"[^>]*\bhref="([^"]*)"', page.text)
    check(m, "no a#otpauth with an href on the enrolment page")
    uri = html.unescape(m.group(1))
    m = re.search(r'<div class="qr" id="qr">\s*(<svg\b.*?</svg>)\s*</div>', page.text, re.S)
    check(m, "no svg inside #qr on the enrolment page")
    return secret, uri, m.group(1)


def recovery_codes(resp):
    m = re.search(r'<ul[^>]*\bid="recovery-codes"[^>]*>(.*?)</ul>', resp.text, re.S)
    check(m, "no ul#recovery-codes (status %d): %s" % (resp.status, resp.text[:300]))
    return [html.unescape(x) for x in re.findall(r"<li><code>([^<]*)</code></li>", m.group(1))]


def check_codes(codes, what):
    eq(len(codes), 10, "%s: number of recovery codes" % what)
    eq(len(set(codes)), 10, "%s: distinct recovery codes" % what)
    for c in codes:
        check(RC_RE.match(c), "%s: recovery code %r is not xxxx-xxxx-xxxx" % (what, c))


def enrol_signed_in(s, slug, c, offset=-1):
    """Set up TOTP as a signed-in user, confirming with the code of
    (current step + offset).  Returns (secret, recovery codes, base step)."""
    page = c.get("/t/%s/mfa/totp" % slug)
    eq(page.status, 200, "enrolment page status (%s)" % page.text[:200])
    secret, _, _ = enrol_info(page)
    base = steady(6)
    r = c.post("/t/%s/mfa/totp" % slug,
               form={"csrf": page.csrf(), "code": at_step(secret, base + offset)})
    eq(r.status, 200, "enrolment confirmation status (%s)" % r.text[:300])
    codes = recovery_codes(r)
    check_codes(codes, "enrolment")
    return secret, codes, base


def pw_login(s, slug, email, password=PW, rd=None, client=None):
    """GET the login page (keeping its CSRF token on the client as .tok), POST it."""
    c = client or s.d.client()
    path = "/t/%s/login" % slug
    if rd is not None:
        path += "?rd=" + urllib.parse.quote(rd, safe="")
    page = c.get(path)
    eq(page.status, 200, "login page status")
    c.tok = page.csrf()
    form = {"csrf": c.tok, "email": email, "password": password}
    if rd is not None:
        form["rd"] = rd
    return c, c.post("/t/%s/login" % slug, form=form)


def no_session_set(r, slug, what):
    bad = [v for v in r.header_all("Set-Cookie") if v.startswith(session_cookie(slug) + "=") and
           "max-age=0" not in v.lower()]
    check(not bad, "%s: a session cookie was set: %r" % (what, bad))


def pending(s, slug, email, rd=None, client=None, step="login/mfa"):
    """A login whose password was right and that now waits for step."""
    c, r = pw_login(s, slug, email, rd=rd, client=client)
    eq(r.status, 303, "password step of %s (%s)" % (email, r.text[:200]))
    eq(r.location, "/t/%s/%s" % (slug, step), "password step of %s: Location" % email)
    check(flow_cookie(slug) in c.cookies, "password step of %s: no flow cookie" % email)
    check(session_cookie(slug) not in c.cookies, "password step of %s: a session cookie" % email)
    no_session_set(r, slug, "password step of %s" % email)
    return c


def send_code(c, slug, code, tok=None):
    return c.post("/t/%s/login/mfa" % slug, form={"csrf": tok or c.tok, "code": code})


def signed_in_by(r, c, slug, what, to=None):
    """r finished the login: 303 (to `to` or home), session cookie, flow cookie gone."""
    eq(r.status, 303, "%s: status (%s)" % (what, r.text[:200]))
    eq(r.location, to or "/t/%s/" % slug, "%s: Location" % what)
    check(session_cookie(slug) in c.cookies, "%s: no session cookie" % what)
    check(flow_cookie(slug) not in c.cookies, "%s: flow cookie still set" % what)
    home = c.get("/t/%s/" % slug)
    eq(home.status, 200, "%s: home page with the new session" % what)
    return home


def refused_code(r, c, slug, what):
    """r is the answer to a refused code: 401, the generic error, no session."""
    eq(r.status, 401, "%s: status (%s)" % (what, r.text[:200]))
    eq(error_of(r), WRONG_MSG, "%s: error message" % what)
    check(session_cookie(slug) not in c.cookies, "%s: a session cookie" % what)
    no_session_set(r, slug, what)


def visible(resp):
    """The page's text without tags (addresses are split by <wbr> and spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", resp.text))


def visible_diff(r1, r2):
    """None when both pages read the same (CSRF token aside), else the first
    differing stretch of visible text of each."""
    a = visible_csrfless(r1)
    b = visible_csrfless(r2)
    if a == b:
        return None
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (a[max(0, i - 40):i + 60], b[max(0, i - 40):i + 60])


def visible_csrfless(resp):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", strip_csrf(resp.text))))


def error_of(resp):
    m = re.search(r'<p\b[^>]*\bid="error"[^>]*>(.*?)</p>', resp.text, re.S)
    return html.unescape(m.group(1)).strip() if m else None


def strip_csrf(text):
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', text)


def mfa_of(s, slug, email):
    u = s.api[slug].user(email)
    check(u is not None, "GET /users has no %s" % email)
    return u["mfa"]


def failure_reasons(s, slug, email):
    return [x.get("reason") for x in audit_details(s.d, slug, "mfa.totp.failure", email)]


def last_login_methods(s, slug, email):
    rows = audit_details(s.d, slug, "login.success", email)
    check(rows, "no login.success for %s" % email)
    return rows[-1].get("methods")


def last_amr(s, slug, email):
    rows = sql_super(s.d, "SELECT s.amr FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.email = %s AND u.%s ORDER BY s.id DESC LIMIT 1" %
                     (q(email), tenant_where(slug)))
    check(rows, "no session row for %s" % email)
    return rows[0]


def live_flows(s, slug, email):
    return int(sql_super(s.d, "SELECT count(*) FROM login_flows f JOIN users u ON "
                         "u.id = f.user_id WHERE u.email = %s AND u.%s AND f.ended_at IS NULL "
                         "AND f.expires_at > now()" % (q(email), tenant_where(slug)))[0])


def counters(s, slug, email):
    """(failed_count, mfa_failed_count, locked)."""
    row = user_field(s.d, slug, email, "failed_count || '|' || mfa_failed_count || '|' || "
                     "(locked_at IS NOT NULL)")
    f, m, lk = row.split("|")
    return int(f), int(m), lk in ("t", "true")


def recovery_left(s, c, slug):
    r = c.get("/t/%s/" % slug)
    eq(r.status, 200, "home page status")
    m = re.search(r'<p id="recovery-left">([^<]*)</p>', r.text)
    check(m, "no #recovery-left on the home page")
    n = re.findall(r"\d+", m.group(1))
    check(n, "#recovery-left has no number: %r" % m.group(1))
    return int(n[-1])


def parallel(fns):
    """Run fns at once (a barrier lines them up); their results in order."""
    out = [None] * len(fns)
    bar = threading.Barrier(len(fns))

    def run(i):
        try:
            bar.wait(timeout=30)
            out[i] = fns[i]()
        except Exception as e:  # noqa: BLE001
            out[i] = e

    ts = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    for o in out:
        if isinstance(o, Exception):
            raise o
    return out


def healthy(s):
    r = s.d.client().get("/healthz")
    eq(r.status, 200, "healthz")
    check(s.d.alive(), "daemon died")


def qr_decode(svg):
    """zbarimg's reading of the page's SVG QR code, rasterised here (the
    SVG is one path of "M x y h n v1 h-n z" runs on a white rect)."""
    m = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    check(m, "QR svg without a viewBox")
    w, h = int(m.group(1)), int(m.group(2))
    d = re.search(r'<path\b[^>]*\bd="([^"]*)"', svg)
    check(d, "QR svg without a path")
    grid = [[255] * w for _ in range(h)]
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z", d.group(1))
    check(runs, "QR path has no runs")
    for x, y, n, _ in runs:
        for i in range(int(n)):
            grid[int(y)][int(x) + i] = 0
    scale = 6
    data = b"".join(bytes(v for v in row for _ in range(scale)) * scale for row in grid)
    with tempfile.NamedTemporaryFile(suffix=".pgm", delete=False) as f:
        f.write(b"P5 %d %d 255\n" % (w * scale, h * scale) + data)
        path = f.name
    try:
        r = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True, timeout=30)
    finally:
        os.unlink(path)
    eq(r.returncode, 0, "zbarimg exit status (%s)" % r.stderr.decode(errors="replace")[:200])
    return r.stdout.decode("utf-8").strip()


def check_uri(uri, secret, issuer, account):
    u = urllib.parse.urlsplit(uri)
    eq(u.scheme, "otpauth", "URI scheme")
    eq(u.netloc, "totp", "URI type")
    eq(urllib.parse.unquote(u.path), "/%s:%s" % (issuer, account), "URI label")
    qs = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    for k in qs:
        eq(len(qs[k]), 1, "URI parameter %s given once" % k)
    params = {k: v[0] for k, v in qs.items()}
    eq(params, {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": "6",
                "period": "30"}, "URI parameters")


# --------------------------------------------------------------------------
# 1. enrolment when the policy requires it


def test_enrolment_required_by_policy(s):
    d, api = s.d, s.api[A]
    email, _ = new_user(s, A, "adm", role="admin")
    api.set_policy({"mfa": {"require": "admins"}})
    eq(api.policy()["mfa"]["require"], "admins", "mfa.require after PUT")
    eq(mfa_of(s, A, email), False, "mfa of a new admin")
    c = pending(s, A, email, step="mfa/totp")
    page = c.get("/t/%s/mfa/totp" % A)
    eq(page.status, 200, "enrolment page status")
    check('id="mfa-required"' in page.text, "no notice that the policy requires MFA")
    secret, uri, svg = enrol_info(page)
    check(re.fullmatch(r"[A-Z2-7]{32}", secret), "secret %r is not 160 bits of base32" % secret)
    check_uri(uri, secret, A_NAME, email)
    eq(qr_decode(svg), uri, "the QR code's content")
    again = c.get("/t/%s/mfa/totp" % A)
    eq(enrol_info(again)[0], secret, "secret offered on a reload of the enrolment page")

    # While pending nothing authenticated is reachable.
    hash_before = user_field(d, A, email, "password_hash")
    tok = c.tok
    ft = c.cookies[flow_cookie(A)]
    e = urllib.parse.quote(email)
    for path in ["/", "/password", "/admin", "/admin/", "/admin/users", "/admin/users/" + e,
                 "/admin/users/%s/reset-mfa" % e, "/admin/policy", "/admin/audit",
                 "/admin/audit.csv", "/admin/invitations"]:
        r = c.get("/t/%s%s" % (A, path))
        check(r.status in (302, 303) and (r.location or "").startswith("/t/%s/login" % A),
              "pending GET %s: %d %s" % (path, r.status, r.location))
    for path, form in [("/password", {"current": PW, "password": "Other-Pass-Word-42",
                                      "password2": "Other-Pass-Word-42"}),
                       ("/mfa/recovery", {}), ("/mfa/totp/delete", {"code": "123456"}),
                       ("/admin/invite", {"email": "x@mfa.example", "role": "admin"}),
                       ("/admin/users/%s/reset-mfa" % e, {}), ("/sessions/1/end", {}),
                       ("/admin/policy", {})]:
        form = dict(form, csrf=tok)
        r = c.post("/t/%s%s" % (A, path), form=form)
        check(r.status in (302, 303) and (r.location or "").startswith("/t/%s/login" % A),
              "pending POST %s: %d %s" % (path, r.status, r.location))
    for method, path in [("GET", "/users"), ("GET", "/policy"), ("GET", "/audit"),
                         ("POST", "/users/%s/reset-mfa" % e), ("POST", "/invitations")]:
        r = c.request(method, "/t/%s/api/v1%s" % (A, path), json={} if method == "POST" else None,
                      headers={"X-CSRF-Token": tok})
        eq(r.status, 401, "pending %s /api/v1%s status" % (method, path))
    # The flow's token is no session token, and no bearer token either.
    other = d.client()
    other.cookies[session_cookie(A)] = ft
    r = other.get("/t/%s/" % A)
    check(r.status in (302, 303) and r.location.startswith("/t/%s/login" % A),
          "flow token as the session cookie: %d %s" % (r.status, r.location))
    eq(other.get("/t/%s/api/v1/users" % A).status, 401, "flow token as session cookie: API")
    r = d.client().get("/t/%s/api/v1/users" % A, headers={"Authorization": "Bearer " + ft})
    eq(r.status, 401, "flow token as a bearer token")
    eq(d.client().get("/t/%s/login/mfa" % A, headers={
        "Cookie": "%s=%s" % (flow_cookie(A), ft)}).status, 303,
        "the enrolment flow at the code page (goes back to login)")
    eq(mfa_of(s, A, email), False, "mfa while enrolment is pending")
    eq(user_field(d, A, email, "password_hash"), hash_before,
       "password hash after the pending POST /password")

    # A wrong code enrols nothing and keeps the same candidate.
    base = steady(6)
    r = c.post("/t/%s/mfa/totp" % A, form={"csrf": tok, "code": wrong_code(secret, base)})
    eq(r.status, 400, "wrong enrolment code status")
    eq(error_of(r), WRONG_MSG, "wrong enrolment code message")
    eq(enrol_info(r)[0], secret, "secret offered after a wrong code")
    eq(mfa_of(s, A, email), False, "mfa after a wrong enrolment code")
    check(session_cookie(A) not in c.cookies, "a session after a wrong enrolment code")

    code = at_step(secret, base)
    r = c.post("/t/%s/mfa/totp" % A, form={"csrf": tok, "code": code})
    eq(r.status, 200, "enrolment confirmation status (%s)" % r.text[:300])
    codes = recovery_codes(r)
    check_codes(codes, "enrolment")
    m = re.search(r'<a\b[^>]*\bid="continue"[^>]*\bhref="([^"]*)"', r.text)
    check(m, "no a#continue on the recovery codes page")
    eq(html.unescape(m.group(1)), "/t/%s/" % A, "Continue link")
    check(session_cookie(A) in c.cookies, "no session cookie with the recovery codes")
    check(flow_cookie(A) not in c.cookies, "flow cookie still set after enrolment")
    eq(c.get("/t/%s/" % A).status, 200, "home page after enrolment")
    eq(c.get("/t/%s/admin/" % A).status, 200, "console after enrolment")
    eq(mfa_of(s, A, email), "totp", "mfa after enrolment")
    eq(audit_count(d, A, "mfa.totp.enrolled", email), 1, "mfa.totp.enrolled events")
    eq(last_login_methods(s, A, email), ["pwd", "otp"], "login.success methods")
    eq(last_amr(s, A, email), "pwd otp", "the session's amr")
    eq(live_flows(s, A, email), 0, "live flows after enrolment")

    # The confirming code is spent: the next login cannot use it.
    c2 = pending(s, A, email)
    refused_code(send_code(c2, A, code), c2, A, "the enrolling code at the next login")
    eq(failure_reasons(s, A, email)[-1], "replayed", "reason of the reused enrolling code")
    signed_in_by(send_code(c2, A, at_step(secret, base + 1)), c2, A, "the next step's code")
    s.state["admin"] = (email, c, secret)


def test_invitation_of_an_admin_goes_to_enrolment(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email = "inv-%d@%s.example" % (users_seq(s), A)
    c = d.client()
    r = d.accept(c, d.invite(A, email, "admin"), "Invited", PW)
    eq(r.status, 303, "accepting an admin invitation (%s)" % r.text[:200])
    eq(r.location, "/t/%s/mfa/totp" % A, "accepting an admin invitation: Location")
    check(session_cookie(A) not in c.cookies, "a session before enrolment")
    check(flow_cookie(A) in c.cookies, "no flow cookie after accepting")
    page = c.get("/t/%s/mfa/totp" % A)
    eq(page.status, 200, "enrolment page")
    secret = enrol_info(page)[0]
    base = steady(6)
    r = c.post("/t/%s/mfa/totp" % A, form={"csrf": page.csrf(), "code": at_step(secret, base)})
    eq(r.status, 200, "enrolment after the invitation")
    check_codes(recovery_codes(r), "enrolment after the invitation")
    eq(c.get("/t/%s/admin/" % A).status, 200, "console after enrolling")
    eq(last_login_methods(s, A, email), ["pwd", "otp"], "methods of the invited admin's login")


def test_abandoned_enrolment_enrols_nothing(s):
    api = s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c = new_user(s, A, "aband")
    page = c.get("/t/%s/mfa/totp" % A)
    eq(page.status, 200, "enrolment page")
    secret = enrol_info(page)[0]
    # A wrong code as a signed-in user: 400, still nothing.
    base = steady(4)
    r = c.post("/t/%s/mfa/totp" % A, form={"csrf": page.csrf(), "code": wrong_code(secret, base)})
    eq(r.status, 400, "wrong code at a signed-in enrolment")
    eq(mfa_of(s, A, email), False, "mfa after an abandoned enrolment")
    home = c.get("/t/%s/" % A)
    check('id="mfa-setup"' in home.text, "home page does not offer set-up")
    check('id="recovery-left"' not in home.text, "home page shows recovery codes without TOTP")
    # The next login asks for no code, and the candidate's code is worthless.
    c2, r = pw_login(s, A, email)
    eq(r.status, 303, "login after an abandoned enrolment")
    eq(r.location, "/t/%s/" % A, "login after an abandoned enrolment: Location")
    check(session_cookie(A) in c2.cookies, "no session after an abandoned enrolment")


# --------------------------------------------------------------------------
# 2. login with TOTP


def test_login_with_totp(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "totp")
    secret, _, base = enrol_signed_in(s, A, c0, offset=-1)
    eq(audit_count(d, A, "mfa.totp.enrolled", email), 1, "mfa.totp.enrolled events")

    c = pending(s, A, email)
    page = c.get("/t/%s/login/mfa" % A)
    eq(page.status, 200, "code page status")
    check(re.search(r'<form method="post" action="/t/%s/login/mfa">' % A, page.text),
          "code page has no form posting to /login/mfa")
    check(re.search(r'<input\b[^>]*\bname="code"', page.text), "code page has no code field")
    # The page names nobody: the answer to a wrong code must not change
    # when the account locks (lock_answer_same_as_before_lock).
    check(email not in visible(page), "code page names the user")
    check(page.csrf(), "code page has no CSRF token")
    r = send_code(c, A, wrong_code(secret, base), tok=page.csrf())
    refused_code(r, c, A, "wrong code")
    eq(failure_reasons(s, A, email), ["wrong_code"], "mfa.totp.failure reasons")
    eq(counters(s, A, email)[1], 1, "mfa_failed_count after a wrong code")
    # The pending login survives a wrong code.
    cur = at_step(secret, base)
    signed_in_by(send_code(c, A, cur), c, A, "right code")
    eq(last_login_methods(s, A, email), ["pwd", "otp"], "login.success methods")
    eq(counters(s, A, email)[1], 0, "mfa_failed_count after a right code")

    # The same code from a second browser in the same step: refused.
    c2 = pending(s, A, email)
    refused_code(send_code(c2, A, cur), c2, A, "replayed code")
    eq(failure_reasons(s, A, email)[-1], "replayed", "reason of a replayed code")
    # The continuation survives the second step.
    rd = "/t/%s/admin/" % A
    c3 = pending(s, A, email, rd=rd)
    signed_in_by(send_code(c3, A, at_step(secret, base + 1)), c3, A, "code with rd", to=rd)
    # An older step after a newer one: refused.
    c4 = pending(s, A, email)
    refused_code(send_code(c4, A, cur), c4, A, "older step after a newer one")
    eq(failure_reasons(s, A, email)[-1], "replayed", "reason of an older step")
    refused_code(send_code(c4, A, at_step(secret, base - 1)), c4, A, "the enrolling step")
    # Far past and far future: wrong.
    for k in (-40, -2, 3, 40):
        code = at_step(secret, base + k)
        if code in {at_step(secret, base + j) for j in (-1, 0, 1, 2)}:
            continue
        refused_code(send_code(c4, A, code), c4, A, "code of step %+d" % k)
        eq(failure_reasons(s, A, email)[-1], "wrong_code", "reason for step %+d" % k)


def test_parallel_same_code(s):
    api = s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "race")
    secret, _, base = enrol_signed_in(s, A, c0, offset=-1)
    for k in (0, 1):
        clients = [pending(s, A, email) for _ in range(6)]
        code = at_step(secret, base + k)
        rs = parallel([(lambda c=c: send_code(c, A, code)) for c in clients])
        eq(sorted(r.status for r in rs), [303] + [401] * 5,
           "statuses of 6 parallel uses of one code (step %+d)" % k)
        winners = [c for c in clients if session_cookie(A) in c.cookies]
        eq(len(winners), 1, "sessions made by 6 parallel uses of one code")
    eq(audit_count(s.d, A, "login.success", email), 2 + 1, "login.success events")


# --------------------------------------------------------------------------
# 3. malformed codes


def test_malformed_codes(s):
    api = s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "bad")
    secret, _, base = enrol_signed_in(s, A, c0, offset=-1)
    c = pending(s, A, email)
    bad = ["12345", "1234567", "12345a", "\uff11\uff12\uff13\uff14\uff15\uff16", " 123456",
           "123456 ", "", "-123456", "+12345", "12 456", "１2345６", "0x1234", "１" * 40,
           "1" * 1000, "\u0661\u0662\u0663\u0664\u0665\u0666", "12345\t"]
    cur = at_step(secret, base)
    # Also the right code with junk around it (its step must stay unspent).
    bad += [" " + cur, cur + " ", cur + "0", cur[:5], "\uff10" + cur[1:] if cur[0] == "0"
            else cur[:5] + "x"]
    bodies = set()
    for code in bad:
        r = send_code(c, A, code)
        refused_code(r, c, A, "code %r" % code)
        bodies.add(strip_csrf(r.text))
    eq(len(bodies), 1, "distinct answers to malformed codes")
    reasons = failure_reasons(s, A, email)
    eq(len(reasons), len(bad), "mfa.totp.failure events for malformed codes")
    eq(set(reasons), {"malformed"}, "reasons of malformed codes")
    # A missing field is just as wrong.
    r = c.post("/t/%s/login/mfa" % A, form={"csrf": c.tok})
    refused_code(r, c, A, "no code field")
    healthy(s)
    eq(counters(s, A, email)[1], len(bad) + 1, "mfa_failed_count after the malformed codes")
    # The pending login is still alive and the step unspent.
    signed_in_by(send_code(c, A, cur), c, A, "right code after malformed ones")


# --------------------------------------------------------------------------
# 4. lockout on the second factor's counter


def test_lockout_by_codes(s):
    d, api = s.d, s.api[L]
    email, c0 = new_user(s, L, "lock")
    secret, _, base = enrol_signed_in(s, L, c0, offset=-1)
    c = pending(s, L, email)
    wrong = wrong_code(secret, base)
    answers = []
    for i in range(3):
        r = send_code(c, L, wrong)
        refused_code(r, c, L, "wrong code %d" % (i + 1))
        answers.append(r)
    f, m, locked = counters(s, L, email)
    check(locked, "account not locked after 3 wrong codes")
    eq(f, 0, "password failed_count after wrong codes")
    eq(s.api[L].user(email)["status"], "locked", "status after 3 wrong codes")
    eq(audit_details(d, L, "login.locked", email), [{"counter": "second_factor"}],
       "login.locked events")
    eq(live_flows(s, L, email), 0, "live flows after the lock")
    # The right code now gets exactly a wrong code's answer, and no session.
    right = send_code(c, L, at_step(secret, base))
    wrong_again = send_code(c, L, wrong)
    refused_code(right, c, L, "right code while locked")
    eq(strip_csrf(right.text), strip_csrf(wrong_again.text),
       "answer to the right code vs a wrong code, while locked")
    eq(error_of(right), error_of(answers[0]), "message: right code while locked vs wrong code")
    # A fresh password step is refused too (the account is locked).
    _, r = pw_login(s, L, email)
    eq(r.status, 401, "right password while locked")
    eq(counters(s, L, email)[1], 3, "mfa_failed_count stops at the lock")
    # Unlocked by an administrator: the counters start again; the step unspent.
    api.op(email, "unlock")
    eq(counters(s, L, email), (0, 0, False), "counters after unlock")
    c2 = pending(s, L, email)
    signed_in_by(send_code(c2, L, at_step(secret, base)), c2, L, "right code after unlock")


def test_lock_answer_same_as_before_lock(s):
    """Nothing in the answer tells a code guesser that the account just
    locked: the page after the lock equals the page before it."""
    email, c0 = new_user(s, L, "lockpage")
    secret, _, base = enrol_signed_in(s, L, c0, offset=-1)
    c = pending(s, L, email)
    wrong = wrong_code(secret, base)
    answers = [send_code(c, L, wrong) for _ in range(4)]
    check(counters(s, L, email)[2], "account not locked")
    for i in range(1, 4):
        eq(answers[i].status, answers[0].status, "status of wrong code %d" % (i + 1))
        eq(visible_diff(answers[i], answers[0]), None,
           "answer to wrong code %d (after %d wrong) vs wrong code 1" % (i + 1, i))


def test_code_and_password_counters_separate(s):
    d = s.d
    email, c0 = new_user(s, L, "sep")
    secret, _, base = enrol_signed_in(s, L, c0, offset=-1)
    # Two wrong passwords, then the right one: a pending login.
    for _ in range(2):
        _, r = pw_login(s, L, email, "Wrong-Password-99")
        eq(r.status, 401, "wrong password")
    c = pending(s, L, email)
    f_before = counters(s, L, email)[0]
    wrong = wrong_code(secret, base)
    for i in range(2):
        refused_code(send_code(c, L, wrong), c, L, "wrong code %d" % (i + 1))
    f, m, locked = counters(s, L, email)
    eq((f, m, locked), (f_before, 2, False),
       "(failed_count, mfa_failed_count, locked) after 2 wrong passwords and 2 wrong codes")
    signed_in_by(send_code(c, L, at_step(secret, base)), c, L, "right code after 2 wrong")
    eq(counters(s, L, email), (0, 0, False), "counters after the login")
    eq(audit_count(d, L, "login.locked", email), 0, "login.locked events")
    # Two wrong codes, then wrong passwords: the password counter alone locks at 3.
    c = pending(s, L, email)
    for i in range(2):
        refused_code(send_code(c, L, wrong), c, L, "wrong code %d (second round)" % (i + 1))
    _, r = pw_login(s, L, email, "Wrong-Password-99")
    eq(r.status, 401, "wrong password after 2 wrong codes")
    eq(counters(s, L, email), (1, 2, False), "counters after 2 wrong codes and 1 wrong password")


def test_parallel_wrong_codes_all_count(s):
    d = s.d
    # Below the limit every one counts...
    email, c0 = new_user(s, A, "pwrong")
    secret, _, base = enrol_signed_in(s, A, c0, offset=-1)
    wrong = wrong_code(secret, base)
    clients = [pending(s, A, email) for _ in range(8)]
    rs = parallel([(lambda c=c: send_code(c, A, wrong)) for c in clients])
    eq([r.status for r in rs], [401] * 8, "statuses of 8 parallel wrong codes")
    eq(counters(s, A, email)[1], 8, "mfa_failed_count after 8 parallel wrong codes")
    eq(len(failure_reasons(s, A, email)), 8, "mfa.totp.failure events")
    # ... and at the limit exactly one locks.
    email, c0 = new_user(s, L, "plock")
    secret, _, base = enrol_signed_in(s, L, c0, offset=-1)
    wrong = wrong_code(secret, base)
    clients = [pending(s, L, email) for _ in range(8)]
    rs = parallel([(lambda c=c: send_code(c, L, wrong)) for c in clients])
    eq([r.status for r in rs], [401] * 8, "statuses of 8 parallel wrong codes (limit 3)")
    f, m, locked = counters(s, L, email)
    check(locked, "not locked after 8 parallel wrong codes")
    eq(m, 3, "mfa_failed_count at the limit")
    eq(audit_details(d, L, "login.locked", email), [{"counter": "second_factor"}],
       "login.locked events after the parallel wrong codes")
    healthy(s)


def test_lock_ends_every_pending_login(s):
    """The lock ends the user's pending logins, not only the one that
    reached the limit: after an administrator unlocks the account, a
    pending login from before the lock must not resume guessing."""
    email, c0 = new_user(s, L, "lockall")
    secret, _, base = enrol_signed_in(s, L, c0, offset=-1)
    wrong = wrong_code(secret, base)
    guesser = pending(s, L, email)
    other = pending(s, L, email)
    for i in range(3):
        refused_code(send_code(guesser, L, wrong), guesser, L, "wrong code %d" % (i + 1))
    check(counters(s, L, email)[2], "account not locked after 3 wrong codes")
    live = live_flows(s, L, email)
    s.api[L].op(email, "unlock")
    tok, ft = other.tok, other.cookies[flow_cookie(L)]
    page = other.get("/t/%s/login/mfa" % L)
    other.cookies[flow_cookie(L)] = ft
    r = send_code(other, L, at_step(secret, base), tok=tok)
    eq((live, page.status, r.status, session_cookie(L) in other.cookies), (0, 303, 401, False),
       "(live pending logins after the lock, code page status after unlock, status of the "
       "right code after unlock, signed in) for a pending login from before the lock")


def test_suspend_and_force_logout_end_pending_logins(s):
    """Suspending a user, or ending all their sessions, also ends their
    pending logins: resuming them later must not let a password proven
    before finish signing in."""
    api = s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    found = []
    for op, undo in (("suspend", "resume"), ("logout", None)):
        email, c0 = new_user(s, A, "end" + op)
        _, codes, _ = enrol_signed_in(s, A, c0)
        c = pending(s, A, email)
        api.op(email, op)
        if op == "suspend":
            refused_code(send_code(c, A, codes[0]), c, A, "code while suspended")
        if undo:
            api.op(email, undo)
        r = send_code(c, A, codes[1])
        if r.status != 401 or session_cookie(A) in c.cookies:
            found.append("after %s%s the pending login from before signed in (%d)" %
                         (op, "+" + undo if undo else "", r.status))
    check(not found, "; ".join(found))


def test_enrolment_page_belongs_to_the_pending_login(s):
    """A browser still signed in as P signs in as X, who must enrol: the
    enrolment page and its confirmation are X's, not P's."""
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "off"}})
    x_email, _ = new_user(s, A, "enrx", role="admin")
    p_email, pc = new_user(s, A, "enrp")
    api.set_policy({"mfa": {"require": "admins"}})
    r = pc.post("/t/%s/login" % A, form={"csrf": session_csrf(d, pc, A), "email": x_email,
                                         "password": PW})
    eq((r.status, r.location), (303, "/t/%s/mfa/totp" % A), "X's password step in P's browser")
    page = pc.get("/t/%s/mfa/totp" % A)
    eq(page.status, 200, "enrolment page")
    secret, uri, _ = enrol_info(page)
    label = urllib.parse.unquote(urllib.parse.urlsplit(uri).path)
    eq(label, "/%s:%s" % (A_NAME, x_email), "account named by the enrolment page's URI")
    base = steady(4)
    r = pc.post("/t/%s/mfa/totp" % A, form={"csrf": page.csrf(), "code": at_step(secret, base)})
    eq(r.status, 200, "enrolment confirmation")
    eq((mfa_of(s, A, x_email), mfa_of(s, A, p_email)), ("totp", False),
       "(X's mfa, P's mfa) after confirming")


def test_candidate_secret_never_shown_to_another_browser(s):
    """Two pending logins of one user that must enrol (the user's, and an
    attacker's with the password): each sees its own candidate, and only
    the browser that was shown a secret can confirm it."""
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "off"}})
    email, _ = new_user(s, A, "cand", role="admin")
    api.set_policy({"mfa": {"require": "admins"}})
    u = pending(s, A, email, step="mfa/totp")
    page_u = u.get("/t/%s/mfa/totp" % A)
    secret_u, _, _ = enrol_info(page_u)
    eq(enrol_info(u.get("/t/%s/mfa/totp" % A))[0], secret_u, "the same browser again")
    x = pending(s, A, email, step="mfa/totp")
    page_x = x.get("/t/%s/mfa/totp" % A)
    secret_x, _, _ = enrol_info(page_x)
    check(secret_x != secret_u, "a second browser was shown the first one's secret")
    # The second browser's candidate replaced the first one's: a code of
    # the first secret enrols nothing, in either browser.
    base = steady(4)
    r = u.post("/t/%s/mfa/totp" % A, form={"csrf": page_u.csrf(), "code": at_step(secret_u, base)})
    eq(r.status, 400, "confirming a replaced candidate")
    r = x.post("/t/%s/mfa/totp" % A, form={"csrf": page_x.csrf(), "code": at_step(secret_u, base)})
    eq(r.status, 400, "confirming another browser's secret")
    eq(mfa_of(s, A, email), False, "mfa after the refused confirmations")
    # (Showing u its page again gave u a candidate of its own, replacing
    # x's: whoever asked last holds the only live one, never a shared one.)
    page_x = x.get("/t/%s/mfa/totp" % A)
    secret_x2, _, _ = enrol_info(page_x)
    check(secret_x2 not in (secret_u, secret_x), "a candidate shown twice to different browsers")
    r = x.post("/t/%s/mfa/totp" % A, form={"csrf": page_x.csrf(), "code": at_step(secret_x2, base)})
    eq(r.status, 200, "confirming its own candidate")
    eq(mfa_of(s, A, email), "totp", "mfa after the confirmation")


def test_password_change_ends_pending_logins(s):
    """A pending login that proved the old password dies when the user
    changes it."""
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "off"}})
    email, c = new_user(s, A, "pwchg", role="admin")
    api.set_policy({"mfa": {"require": "admins"}})
    x = pending(s, A, email, step="mfa/totp")
    eq(live_flows(s, A, email), 1, "pending logins before the change")
    r = change_password(d, c, A, PW, "Another-Pass-Word-93")
    eq(r.status, 303, "password change (%s)" % r.text[:200])
    eq(live_flows(s, A, email), 0, "pending logins after the change")
    r = x.get("/t/%s/mfa/totp" % A)
    check(r.status in (302, 303) and "/login" in (r.location or ""),
          "the pending login after the change: %d %r" % (r.status, r.location))
    api.set_policy({"mfa": {"require": "off"}})


def test_signed_in_user_cannot_replace_totp_without_a_code(s):
    """The enrolment page sends a user who has TOTP home (turning it off
    takes a current code); posting to it must not set up a new app either."""
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c = new_user(s, A, "repl")
    secret, codes, base = enrol_signed_in(s, A, c, offset=-1)
    r = c.get("/t/%s/mfa/totp" % A)
    eq((r.status, r.location), (303, "/t/%s/" % A), "enrolment page with TOTP on")
    tok = session_csrf(d, c, A)
    r = c.post("/t/%s/mfa/totp" % A, form={"csrf": tok, "code": "000000"})
    offered = 'id="secret"' in r.text
    if offered:
        new_secret = enrol_info(r)[0]
        c.post("/t/%s/mfa/totp" % A, form={"csrf": tok, "code": at_step(new_secret, steady(3))})
    eq(audit_count(d, A, "mfa.totp.enrolled", email), 1,
       "mfa.totp.enrolled events (a new secret was %s)" % ("offered" if offered else "not offered"))
    c2 = pending(s, A, email)
    signed_in_by(send_code(c2, A, codes[0]), c2, A, "the first set's recovery code")


def test_unsafe_continuations(s):
    """rd survives the second step only when it is a safe same-site path."""
    api = s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "rd")
    _, codes, _ = enrol_signed_in(s, A, c0)
    cases = [("https://evil.example/", "/t/%s/" % A), ("//evil.example/x", "/t/%s/" % A),
             ("/t/%s/password" % A, "/t/%s/password" % A), ("javascript:alert(1)", "/t/%s/" % A)]
    for i, (rd, want) in enumerate(cases):
        c, r = pw_login(s, A, email, rd=rd)
        eq((r.status, r.location), (303, "/t/%s/login/mfa" % A), "password step with rd %r" % rd)
        r = send_code(c, A, codes[i])
        eq((r.status, r.location), (303, want), "second step with rd %r" % rd)


# --------------------------------------------------------------------------
# 5. recovery codes


def test_recovery_codes(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "rec")
    secret, codes, base = enrol_signed_in(s, A, c0)
    eq(recovery_left(s, c0, A), 10, "recovery codes left after enrolment")

    c = pending(s, A, email)
    home = signed_in_by(send_code(c, A, codes[0]), c, A, "recovery code")
    eq(last_login_methods(s, A, email), ["pwd", "rec"], "login.success methods")
    eq(last_amr(s, A, email), "pwd rec", "the session's amr")
    eq(audit_count(d, A, "mfa.recovery.used", email), 1, "mfa.recovery.used events")
    check('id="recovery-left"' in home.text, "no #recovery-left on the home page")
    eq(recovery_left(s, c, A), 9, "recovery codes left after one use")

    c2 = pending(s, A, email)
    refused_code(send_code(c2, A, codes[0]), c2, A, "a used recovery code")
    eq(failure_reasons(s, A, email)[-1], "wrong_recovery_code", "reason of a used recovery code")
    # Normalised: upper case, no dashes, spaces around.
    signed_in_by(send_code(c2, A, codes[1].upper().replace("-", "")), c2, A,
                 "recovery code in upper case without dashes")
    c3 = pending(s, A, email)
    signed_in_by(send_code(c3, A, "  %s  " % codes[2].upper()), c3, A,
                 "recovery code in upper case with spaces around")
    eq(recovery_left(s, c3, A), 7, "recovery codes left after three uses")
    # Misshapen recovery codes are refused (and spend nothing).
    c4 = pending(s, A, email)
    for bad in [codes[3][:-1], codes[3] + "x", codes[3].replace("-", "--"),
                "-" + codes[3], codes[3].replace("-", " ")]:
        refused_code(send_code(c4, A, bad), c4, A, "recovery code as %r" % bad)
    eq(recovery_left(s, c3, A), 7, "recovery codes left after misshapen ones")

    # Two parallel uses of one code: exactly one wins.
    clients = [pending(s, A, email) for _ in range(5)]
    rs = parallel([(lambda c=c: send_code(c, A, codes[3])) for c in clients])
    eq(sorted(r.status for r in rs), [303] + [401] * 4, "5 parallel uses of one recovery code")
    eq(recovery_left(s, c3, A), 6, "recovery codes left after the race")
    eq(audit_count(d, A, "mfa.recovery.used", email), 4, "mfa.recovery.used events")

    # Another user's recovery code is worthless here, and stays valid for its owner.
    email2, cb = new_user(s, A, "rec2")
    _, codes2, _ = enrol_signed_in(s, A, cb)
    cx = pending(s, A, email2)
    refused_code(send_code(cx, A, codes[4]), cx, A, "user A's recovery code at B's login")
    signed_in_by(send_code(c4, A, codes[4]), c4, A, "user A's code by A after B tried it")
    signed_in_by(send_code(cx, A, codes2[0]), cx, A, "B's own recovery code")

    # Regenerate: a new set, the old one dead.
    r = c0.post("/t/%s/mfa/recovery" % A, form={"csrf": "nope"})
    eq(r.status, 403, "regenerating without the CSRF token")
    eq(recovery_left(s, c0, A), 5, "recovery codes left after a refused regeneration")
    home = c0.get("/t/%s/" % A)
    m = re.search(r'<form method="post" action="/t/%s/mfa/recovery">' % A, home.text)
    check(m, "home page has no form for new recovery codes")
    # A session alone mints nothing: a current code of the app is needed,
    # and a recovery code is neither accepted nor spent here.
    r = c0.post("/t/%s/mfa/recovery" % A, form={"csrf": session_csrf(d, c0, A)})
    eq(r.status, 400, "regenerating without a code")
    r = c0.post("/t/%s/mfa/recovery" % A, form={"csrf": session_csrf(d, c0, A),
                                                 "code": codes[5]})
    eq(r.status, 400, "regenerating with a recovery code")
    eq(recovery_left(s, c0, A), 5, "recovery codes left after refused regenerations")
    eq(audit_count(d, A, "mfa.recovery.regenerated", email), 0, "regenerations so far")
    # The next step's code (the enrolment spent step base): TOTP works next
    # to the recovery codes.
    r = c0.post("/t/%s/mfa/recovery" % A, form={"csrf": session_csrf(d, c0, A),
                                                 "code": at_step(secret, base + 1)})
    eq(r.status, 200, "regenerating recovery codes")
    new = recovery_codes(r)
    check_codes(new, "regenerated")
    eq(set(new) & set(codes), set(), "codes common to the old and new sets")
    eq(audit_count(d, A, "mfa.recovery.regenerated", email), 1, "mfa.recovery.regenerated")
    eq(recovery_left(s, c0, A), 10, "recovery codes left after regenerating")
    c5 = pending(s, A, email)
    for old in codes[5:]:
        refused_code(send_code(c5, A, old), c5, A, "an old recovery code after regenerating")
    signed_in_by(send_code(c5, A, new[9]), c5, A, "a new recovery code")
    eq(recovery_left(s, c5, A), 9, "recovery codes left after using a new one")


# --------------------------------------------------------------------------
# 6. administrator's reset


def test_admin_reset_api(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "reset")
    secret, codes, base = enrol_signed_in(s, A, c0, offset=-1)
    eq(mfa_of(s, A, email), "totp", "mfa before the reset")
    p = pending(s, A, email)
    eq(live_flows(s, A, email), 1, "live flows before the reset")
    r = api.post("/users/%s/reset-mfa" % email)
    eq(r.status, 200, "POST reset-mfa (%s)" % r.text[:200])
    eq(mfa_of(s, A, email), False, "mfa after the reset")
    eq(audit_count(d, A, "mfa.reset", email), 1, "mfa.reset events")
    eq(live_flows(s, A, email), 0, "live flows after the reset")
    # The pending login is over: a valid (old) code and a recovery code do nothing.
    refused_code(send_code(p, A, at_step(secret, base)), p, A, "code on a reset pending login")
    refused_code(send_code(p, A, codes[0]), p, A, "recovery code on a reset pending login")
    r = p.get("/t/%s/login/mfa" % A)
    check(r.status in (302, 303) and r.location == "/t/%s/login" % A,
          "code page of a reset pending login: %d %s" % (r.status, r.location))
    # The user (not required) now signs in with the password alone.
    c1, r = pw_login(s, A, email)
    eq((r.status, r.location), (303, "/t/%s/" % A), "login after the reset")
    # Enrolled again: the old secret's codes and old recovery codes stay dead.
    secret2, codes2, base2 = enrol_signed_in(s, A, c1, offset=-1)
    check(secret2 != secret, "the same secret after a reset")
    c2 = pending(s, A, email)
    for old in [at_step(secret, base2), at_step(secret, base2 + 1), codes[1], codes[9]]:
        if old in (at_step(secret2, base2), at_step(secret2, base2 + 1)):
            continue
        refused_code(send_code(c2, A, old), c2, A, "old factor %r after a reset" % old)
    signed_in_by(send_code(c2, A, codes2[0]), c2, A, "new recovery code after a reset")
    # Unknown user, and another tenant's user: 404, nothing audited.
    eq(api.post("/users/nobody@mfa.example/reset-mfa").status, 404, "reset-mfa of nobody")
    other = "reset-other@%s.example" % B
    d.enroll(B, other, PW)
    eq(api.post("/users/%s/reset-mfa" % other).status, 404, "reset-mfa of another tenant's user")
    eq(audit_count(d, B, "mfa.reset"), 0, "mfa.reset events in the other tenant")


def test_admin_reset_required_goes_to_enrolment(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "all"}})
    try:
        email = "rreq-%d@%s.example" % (users_seq(s), A)
        c = d.client()
        r = d.accept(c, d.invite(A, email, "user"), "Req", PW)
        eq((r.status, r.location), (303, "/t/%s/mfa/totp" % A), "accepting under require all")
        page = c.get("/t/%s/mfa/totp" % A)
        secret = enrol_info(page)[0]
        base = steady(6)
        r = c.post("/t/%s/mfa/totp" % A, form={"csrf": page.csrf(), "code": at_step(secret, base)})
        eq(r.status, 200, "enrolment under require all")
        eq(api.post("/users/%s/reset-mfa" % email).status, 200, "reset-mfa")
        c2 = pending(s, A, email, step="mfa/totp")
        page = c2.get("/t/%s/mfa/totp" % A)
        eq(page.status, 200, "enrolment page after the reset")
        secret2 = enrol_info(page)[0]
        check(secret2 != secret, "the old secret offered again after a reset")
        r = c2.post("/t/%s/mfa/totp" % A,
                    form={"csrf": c2.tok, "code": at_step(secret2, base + 1)})
        eq(r.status, 200, "enrolment after the reset (%s)" % r.text[:200])
        check(session_cookie(A) in c2.cookies, "no session after enrolling again")
        eq(mfa_of(s, A, email), "totp", "mfa after enrolling again")
        # Required: removing it is refused (409), the code not even looked at.
        home = c2.get("/t/%s/" % A)
        check('id="mfa-remove"' not in home.text, "home page offers removal while required")
        r = c2.post("/t/%s/mfa/totp/delete" % A,
                    form={"csrf": session_csrf(d, c2, A), "code": at_step(secret2, base + 2)})
        eq(r.status, 409, "removal while required")
        eq(mfa_of(s, A, email), "totp", "mfa after a refused removal")
        eq(audit_count(d, A, "mfa.totp.removed", email), 0, "mfa.totp.removed events")
    finally:
        api.set_policy({"mfa": {"require": "admins"}})


def test_admin_reset_console(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "off"}})
    admin, ac = new_user(s, A, "cadm", role="admin")
    email, c0 = new_user(s, A, "creset")
    enrol_signed_in(s, A, c0)
    before = audit_count(d, A, "mfa.reset")
    path = "/t/%s/admin/users/%s/reset-mfa" % (A, email)
    user_page = ac.get("/t/%s/admin/users/%s" % (A, email))
    eq(user_page.status, 200, "console user page")
    check('data-action="reset-mfa"' in user_page.text,
          "the user page has no reset link for an enrolled user")
    r = ac.get(path)
    eq(r.status, 200, "confirmation page status")
    check('id="confirm"' in r.text and email in visible(r),
          "confirmation page does not name the user")
    m = re.search(r'<form method="post" action="([^"]*)"', r.text)
    check(m, "no form on the confirmation page")
    action = html.unescape(m.group(1))
    check(urllib.parse.unquote(action) == path, "confirmation form posts to %r" % action)
    eq(mfa_of(s, A, email), "totp", "mfa after the confirmation GET")
    eq(audit_count(d, A, "mfa.reset"), before, "mfa.reset events after the GET")
    r2 = ac.post(action, form={"back": "/t/%s/admin/users" % A})
    eq(r2.status, 403, "POST reset-mfa without CSRF")
    eq(mfa_of(s, A, email), "totp", "mfa after a POST without CSRF")
    r2 = ac.post(action, form={"csrf": r.csrf(), "back": "/t/%s/admin/users" % A})
    eq(r2.status, 303, "POST reset-mfa (%s)" % r2.text[:200])
    eq(mfa_of(s, A, email), False, "mfa after the console reset")
    rows = d.audit(A, "mfa.reset")
    eq((rows[-1]["actor"], rows[-1]["target"]), (admin, email), "mfa.reset actor and target")
    # A plain user cannot reset anyone.
    email2, c2 = new_user(s, A, "creset2")
    enrol_signed_in(s, A, c2)
    r = c0.post("/t/%s/admin/users/%s/reset-mfa" % (A, email2),
                form={"csrf": session_csrf(d, c0, A)})
    eq(r.status, 403, "a plain user's POST reset-mfa")
    eq(mfa_of(s, A, email2), "totp", "mfa after a plain user's reset attempt")


# --------------------------------------------------------------------------
# 7. removal by the user


def test_removal(s):
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c = new_user(s, A, "rm")
    secret, codes, base = enrol_signed_in(s, A, c, offset=-1)
    home = c.get("/t/%s/" % A)
    check('id="mfa-remove"' in home.text, "home page offers no removal")
    tok = session_csrf(d, c, A)
    wrong = wrong_code(secret, base)
    r = c.post("/t/%s/mfa/totp/delete" % A, form={"csrf": tok, "code": wrong})
    eq(r.status, 400, "removal with a wrong code")
    eq(mfa_of(s, A, email), "totp", "mfa after a wrong removal code")
    eq(counters(s, A, email)[1], 1, "mfa_failed_count after a wrong removal code")
    eq(failure_reasons(s, A, email), ["wrong_code"], "mfa.totp.failure after a wrong removal code")
    r = c.post("/t/%s/mfa/totp/delete" % A, form={"code": at_step(secret, base)})
    eq(r.status, 403, "removal without CSRF")
    eq(mfa_of(s, A, email), "totp", "mfa after removal without CSRF")
    r = c.post("/t/%s/mfa/totp/delete" % A, form={"csrf": tok, "code": at_step(secret, base)})
    eq(r.status, 303, "removal with a valid code (%s)" % r.text[:200])
    eq(r.location, "/t/%s/?done=mfa_removed" % A, "Location after removal")
    eq(mfa_of(s, A, email), False, "mfa after removal")
    eq(audit_count(d, A, "mfa.totp.removed", email), 1, "mfa.totp.removed events")
    eq(sql_super(d, "SELECT count(*) FROM mfa_recovery_codes r JOIN users u ON u.id = "
                 "r.user_id WHERE u.email = %s" % q(email)), ["0"],
       "recovery codes stored after removal")
    home = c.get("/t/%s/" % A)
    check('id="mfa-setup"' in home.text, "home page does not offer set-up after removal")
    c2, r = pw_login(s, A, email)
    eq((r.status, r.location), (303, "/t/%s/" % A), "login after removal needs no code")
    # Codes from before the removal are dead once enrolled again.
    secret2, _, base2 = enrol_signed_in(s, A, c2, offset=-1)
    c3 = pending(s, A, email)
    refused_code(send_code(c3, A, codes[1]), c3, A, "recovery code from before the removal")
    old = at_step(secret, base2 + 1)
    if old != at_step(secret2, base2 + 1):
        refused_code(send_code(c3, A, old), c3, A, "old secret's code after re-enrolling")

    # Required of an administrator: 409, whatever the code.
    admin, ac = s.state.get("admin", (None, None, None))[:2]
    if admin is None:
        raise harness.TestFailure("needs test_enrolment_required_by_policy's administrator")
    r = ac.post("/t/%s/mfa/totp/delete" % A,
                form={"csrf": session_csrf(d, ac, A), "code": "000000"})
    eq(r.status, 409, "removal while required")
    eq(mfa_of(s, A, admin), "totp", "admin's mfa after a refused removal")


def test_removal_with_recovery_code_spends_nothing(s):
    """A recovery code does not turn TOTP off, and refusing it must not
    spend it (the user still has it for a lost phone)."""
    d, api = s.d, s.api[A]
    api.set_policy({"mfa": {"require": "admins"}})
    email, c = new_user(s, A, "rmrec")
    _, codes, _ = enrol_signed_in(s, A, c)
    r = c.post("/t/%s/mfa/totp/delete" % A,
               form={"csrf": session_csrf(d, c, A), "code": codes[0]})
    eq(r.status, 400, "removal with a recovery code")
    eq(mfa_of(s, A, email), "totp", "mfa after a recovery code at removal")
    eq(recovery_left(s, c, A), 10, "recovery codes left after one was refused at removal")
    c2 = pending(s, A, email)
    signed_in_by(send_code(c2, A, codes[0]), c2, A,
                 "the recovery code refused at removal, at login")


# --------------------------------------------------------------------------
# 8. flow cookie misuse


def back_to_login(r, slug, what):
    check(r.status in (302, 303) and (r.location or "").split("?")[0] == "/t/%s/login" % slug,
          "%s: %d %s" % (what, r.status, r.location))


def test_flow_cookie_of_another_tenant(s):
    d = s.d
    s.api[A].set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "xflow")
    secret, _, base = enrol_signed_in(s, A, c0, offset=-1)
    ca = pending(s, A, email)
    ft = ca.cookies[flow_cookie(A)]
    cb = d.client()
    page = cb.get("/t/%s/login" % B)
    cb.cookies[flow_cookie(B)] = ft
    back_to_login(cb.get("/t/%s/login/mfa" % B), B, "A's flow at B's code page")
    cb.cookies[flow_cookie(B)] = ft
    back_to_login(cb.get("/t/%s/mfa/totp" % B), B, "A's flow at B's enrolment page")
    cb.cookies[flow_cookie(B)] = ft
    r = send_code(cb, B, at_step(secret, base), tok=page.csrf())
    check(r.status in (401, 302, 303), "A's flow and code at B: status %d" % r.status)
    check(session_cookie(B) not in cb.cookies, "A's flow made a session at B")
    no_session_set(r, B, "A's flow at B")
    cb.cookies[flow_cookie(B)] = ft
    r = cb.post("/t/%s/mfa/totp" % B, form={"csrf": page.csrf(), "code": at_step(secret, base)})
    check(r.status in (400, 401, 302, 303), "A's flow at B's enrolment: status %d" % r.status)
    check(session_cookie(B) not in cb.cookies, "A's flow made a session at B's enrolment")
    # The code was not spent by B's attempt: A's pending login still takes it.
    signed_in_by(send_code(ca, A, at_step(secret, base)), ca, A, "A's code at A after B")
    eq(audit_count(d, B, "mfa.totp.failure"), 0, "mfa.totp.failure events in B")


def test_expired_and_garbage_flows(s):
    d = s.d
    s.api[A].set_policy({"mfa": {"require": "admins"}})
    email, c0 = new_user(s, A, "expflow")
    secret, codes, base = enrol_signed_in(s, A, c0, offset=-1)
    c = pending(s, A, email)
    rows = sql_super(d, "SELECT extract(epoch FROM f.expires_at - f.created_at)::int FROM "
                     "login_flows f JOIN users u ON u.id = f.user_id WHERE u.email = %s AND "
                     "f.ended_at IS NULL" % q(email))
    eq(len(rows), 1, "live flows of the user")
    check(590 <= int(rows[0]) <= 610, "flow lifetime %s s (want about 600)" % rows[0])
    sql_super(d, "UPDATE login_flows SET expires_at = now() - interval '1 second' WHERE "
              "user_id = (SELECT id FROM users WHERE email = %s) AND ended_at IS NULL" % q(email))
    ft = c.cookies[flow_cookie(A)]
    r = c.get("/t/%s/login/mfa" % A)
    back_to_login(r, A, "code page of an expired flow")
    check(any(v.startswith(flow_cookie(A) + "=;") or "max-age=0" in v.lower()
              for v in r.header_all("Set-Cookie") if v.startswith(flow_cookie(A))),
          "the expired flow's cookie is not cleared")
    c.cookies[flow_cookie(A)] = ft
    refused_code(send_code(c, A, at_step(secret, base)), c, A, "right code on an expired flow")
    refused_code(send_code(c, A, codes[0]), c, A, "recovery code on an expired flow")
    c.cookies[flow_cookie(A)] = ft
    back_to_login(c.get("/t/%s/mfa/totp" % A), A, "enrolment page with an expired flow")
    eq(audit_count(d, A, "mfa.totp.failure", email), 0, "failures counted on an expired flow")
    # Nothing was spent by the expired flow.
    c2 = pending(s, A, email)
    signed_in_by(send_code(c2, A, codes[0]), c2, A, "recovery code after the expired flow")
    c3 = pending(s, A, email)
    signed_in_by(send_code(c3, A, at_step(secret, base)), c3, A, "code after the expired flow")

    # Garbage, none and random well-formed tokens.
    for value in ["garbage", "x" * 3000, "%00", "Zm9v;bar", ft[:-1] + ("A" if ft[-1] != "A"
                                                                       else "B"),
                  "\u00e9\u00e9", ft + ft]:
        g = d.client()
        page = g.get("/t/%s/login" % A)
        g.cookies[flow_cookie(A)] = value
        r = g.get("/t/%s/login/mfa" % A)
        back_to_login(r, A, "code page with flow cookie %r" % value[:20])
        g.cookies[flow_cookie(A)] = value
        r = send_code(g, A, "123456", tok=page.csrf())
        check(r.status in (401, 302, 303), "POST code with flow cookie %r: %d" %
              (value[:20], r.status))
        check(session_cookie(A) not in g.cookies, "a session from flow cookie %r" % value[:20])
        g.cookies[flow_cookie(A)] = value
        back_to_login(g.get("/t/%s/mfa/totp" % A), A, "enrolment with flow cookie %r"
                      % value[:20])
        g.cookies[flow_cookie(A)] = value
        r = g.post("/t/%s/mfa/totp" % A, form={"csrf": page.csrf(), "code": "123456"})
        check(r.status in (302, 303, 400, 401), "POST enrolment with flow cookie %r: %d" %
              (value[:20], r.status))
    g = d.client()
    back_to_login(g.get("/t/%s/login/mfa" % A), A, "code page without a flow cookie")
    back_to_login(g.get("/t/%s/mfa/totp" % A), A, "enrolment page without a flow cookie")
    healthy(s)


# --------------------------------------------------------------------------
# 9. tenant isolation


def test_tenant_isolation(s):
    d = s.d
    for slug in (A, B):
        s.api[slug].set_policy({"mfa": {"require": "admins"}})
    email = "twin-%d@iso.example" % users_seq(s)
    ca0 = d.enroll(A, email, PW)
    cb0 = d.enroll(B, email, PW)
    sa, codes_a, base = enrol_signed_in(s, A, ca0, offset=-1)
    sb, codes_b, _ = enrol_signed_in(s, B, cb0, offset=-1)
    check(sa != sb, "the twins have the same secret")
    eq(mfa_of(s, B, email), "totp", "B's twin enrolled")
    cb = pending(s, B, email)
    for code in codes_a[:3] + [at_step(sa, base), at_step(sa, base + 1)]:
        if code in (at_step(sb, base), at_step(sb, base + 1)):
            continue
        refused_code(send_code(cb, B, code), cb, B, "A's factor %r at B" % code)
    # A's recovery codes and steps were not spent by B's attempts.
    ca = pending(s, A, email)
    signed_in_by(send_code(ca, A, codes_a[0]), ca, A, "A's recovery code at A")
    ca = pending(s, A, email)
    signed_in_by(send_code(ca, A, at_step(sa, base)), ca, A, "A's code at A")
    # A reset in A leaves B's twin alone.
    eq(s.api[A].post("/users/%s/reset-mfa" % email).status, 200, "reset of A's twin")
    eq(mfa_of(s, B, email), "totp", "B's twin after A's reset")
    signed_in_by(send_code(cb, B, codes_b[0]), cb, B, "B's recovery code after A's reset")
    # A's sealed secret copied into B's twin's row does not open there
    # (the tenant and user are the associated data).
    c1, r = pw_login(s, A, email)
    eq(r.status, 303, "A's twin signs in after the reset")
    sa2, _, base2 = enrol_signed_in(s, A, c1, offset=-1)
    sql_super(d, "UPDATE users SET totp_secret = (SELECT u.totp_secret FROM users u WHERE "
              "u.email = %s AND u.tenant_id = (SELECT id FROM tenants WHERE slug = %s)) "
              "WHERE email = %s AND %s" % (q(email), q(A), q(email), tenant_where(B)))
    cb2 = pending(s, B, email)
    r = send_code(cb2, B, at_step(sa2, base2 + 1))
    check(r.status in (401, 503), "a copied sealed secret at B: status %d" % r.status)
    check(session_cookie(B) not in cb2.cookies, "a copied sealed secret made a session at B")
    no_session_set(r, B, "copied sealed secret")
    healthy(s)


TESTS = [test_enrolment_required_by_policy, test_invitation_of_an_admin_goes_to_enrolment,
         test_abandoned_enrolment_enrols_nothing, test_login_with_totp, test_parallel_same_code,
         test_malformed_codes, test_lockout_by_codes, test_lock_answer_same_as_before_lock,
         test_code_and_password_counters_separate, test_parallel_wrong_codes_all_count,
         test_lock_ends_every_pending_login, test_suspend_and_force_logout_end_pending_logins,
         test_enrolment_page_belongs_to_the_pending_login,
         test_candidate_secret_never_shown_to_another_browser,
         test_password_change_ends_pending_logins,
         test_signed_in_user_cannot_replace_totp_without_a_code, test_unsafe_continuations,
         test_recovery_codes, test_admin_reset_api, test_admin_reset_required_goes_to_enrolment,
         test_admin_reset_console, test_removal, test_removal_with_recovery_code_spends_nothing,
         test_flow_cookie_of_another_tenant,
         test_expired_and_garbage_flows, test_tenant_isolation]

if __name__ == "__main__":
    harness.main("mfa", TESTS, setup)
