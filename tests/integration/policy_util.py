"""
Helpers shared by the policy, lifecycle and session suites (issue 3), on top
of harness.py: the admin API with a bearer token or an administrator's
session, policy changes, users in a known state, and the superuser SQL that
moves stored times back to test timeouts and expiries.
"""

import html
import json as jsonlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import check, eq, TestFailure  # noqa: E402,F401

# Passwords that pass the default policy (8..64, no classes required).
PW = "Plum-Tree-Quiet-7"
PW2 = "Cedar-River-Calm-8"
PW3 = "Maple-Stone-Brisk-9"


def q(s):
    """SQL string literal."""
    return "'" + str(s).replace("'", "''") + "'"


class Api:
    """The tenant's admin JSON API with a bearer token."""

    def __init__(self, d, slug, token=None):
        self.d = d
        self.slug = slug
        self.token = token or d.token(slug, "tests-%s" % slug)
        self.extra = {}  # headers for every call (e.g. X-Forwarded-For)

    def call(self, method, path, json=None, body=None, headers=None, client=None):
        h = {"Authorization": "Bearer " + self.token}
        h.update(self.extra)
        if headers:
            h.update(headers)
        c = client or self.d.client()
        return c.request(method, "/t/%s/api/v1%s" % (self.slug, path), json=json, body=body,
                         headers=h)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.call("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def policy(self):
        r = self.get("/policy")
        eq(r.status, 200, "GET /policy status (%s)" % r.text[:200])
        return r.json()

    def set_policy(self, doc):
        r = self.put("/policy", json=doc)
        eq(r.status, 200, "PUT /policy %s status (%s)" % (jsonlib.dumps(doc), r.text[:200]))
        return r.json()

    def users(self):
        r = self.get("/users")
        eq(r.status, 200, "GET /users status")
        return {u["email"]: u for u in r.json()}

    def user(self, email):
        return self.users().get(email)

    def op(self, email, op, want=200):
        r = self.post("/users/%s/%s" % (email, op))
        eq(r.status, want, "POST /users/%s/%s status (%s)" % (email, op, r.text[:200]))
        return r

    def invite(self, email, role="user"):
        r = self.post("/invitations", json={"email": email, "role": role})
        eq(r.status, 201, "POST /invitations status (%s)" % r.text[:200])
        return r.json()["url"]

    def audit(self, **params):
        qs = "&".join("%s=%s" % kv for kv in params.items())
        r = self.get("/audit" + ("?" + qs if qs else ""))
        eq(r.status, 200, "GET /audit status (%s)" % r.text[:200])
        return r.json()["events"]


def session_csrf(d, client, slug):
    """The CSRF token bound to client's session (read from /password's form)."""
    r = client.get("/t/%s/password" % slug)
    eq(r.status, 200, "password page status (to read the CSRF token)")
    tok = r.csrf()
    check(tok, "no CSRF token on the password page")
    return tok


def session_api(d, client, slug, method, path, json=None, csrf=True):
    """Call the admin API with client's session cookie (and X-CSRF-Token)."""
    h = {}
    if csrf and method not in ("GET", "HEAD"):
        h["X-CSRF-Token"] = session_csrf(d, client, slug)
    return client.request(method, "/t/%s/api/v1%s" % (slug, path), json=json, headers=h)


def login_ok(d, client, slug, email, password):
    r = d.login(client, slug, email, password)
    eq(r.status, 303, "login of %s status (%s)" % (email, r.text[:200]))
    return r


def logged_in(d, client, slug):
    """True when client's session opens the home page."""
    r = client.get("/t/%s/" % slug)
    if r.status == 200:
        return True
    check(r.status in (302, 303), "home page status %d" % r.status)
    return False


def change_password(d, client, slug, current, new, new2=None):
    page = client.get("/t/%s/password" % slug)
    eq(page.status, 200, "password page status")
    return client.post("/t/%s/password" % slug,
                       form={"csrf": page.csrf(), "current": current, "password": new,
                             "password2": new if new2 is None else new2})


def rules_of(resp):
    """The data-rule bits listed on a page, as a set of ints."""
    return set(int(x) for x in re.findall(r'<li data-rule="(\d+)">', resp.text))


def rule_texts(resp):
    return [html.unescape(t) for t in re.findall(r'<li data-rule="\d+">([^<]*)</li>', resp.text)]


# Bits of idp/password.h.
TOO_SHORT, TOO_LONG, NEED_UPPER, NEED_LOWER, NEED_DIGIT, NEED_SYMBOL = 1, 2, 4, 8, 16, 32
FEW_CLASSES, HAS_EMAIL, BLOCKLISTED, REUSED, MISMATCH, BAD_UTF8 = 64, 128, 256, 512, 1024, 2048
GUESSABLE, HINT_COMMON, HINT_KEYBOARD, HINT_DATE, HINT_REPEAT, HINT_PERSONAL = \
    4096, 8192, 16384, 32768, 65536, 131072


def sql_super(d, sql):
    return d.psql(sql, superuser=True)


def tenant_where(slug):
    return "tenant_id = (SELECT id FROM tenants WHERE slug = %s)" % q(slug)


def user_field(d, slug, email, col):
    rows = sql_super(d, "SELECT %s FROM users WHERE email = %s AND %s" %
                     (col, q(email), tenant_where(slug)))
    return rows[0] if rows else None


def audit_count(d, slug, action, target=None):
    where = "a.action = %s" % q(action)
    if target is not None:
        where += " AND a.target = %s" % q(target)
    return int(sql_super(d, "SELECT count(*) FROM audit_events a JOIN tenants t ON "
                         "t.id = a.tenant_id WHERE t.slug = %s AND %s" % (q(slug), where))[0])


def audit_details(d, slug, action, target=None):
    where = "a.action = %s" % q(action)
    if target is not None:
        where += " AND a.target = %s" % q(target)
    rows = sql_super(d, "SELECT a.detail::text FROM audit_events a JOIN tenants t ON "
                     "t.id = a.tenant_id WHERE t.slug = %s AND %s ORDER BY a.seq" %
                     (q(slug), where))
    return [jsonlib.loads(r) for r in rows]


def last_audit(d, slug, action):
    rows = d.audit(slug, action)
    return rows[-1] if rows else None


def outbox_links(d, kind="reset"):
    """Every /t/... link of the given kind in the outbox, oldest first."""
    links = []
    for p in d.outbox():
        with open(p, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        # Mails may be quoted-printable: undo soft breaks and =XX escapes.
        if "quoted-printable" in text.lower():
            import quopri
            text = quopri.decodestring(text.encode()).decode("utf-8", "replace")
        for m in re.finditer(re.escape(d.public_url) + r"/t/[^\s\"<>]*/%s/[A-Za-z0-9_\-]+" % kind,
                             text):
            links.append(m.group(0))
    return links


def fresh_tenant(d, slug, admin_email=None, admin_pw=PW):
    """A tenant with an API token and (optionally) an administrator session."""
    d.create_tenant(slug)
    api = Api(d, slug)
    admin = None
    if admin_email:
        admin = d.enroll(slug, admin_email, admin_pw, role="admin", name="Admin")
    return api, admin


def xff_client(d, addr, lang=None):
    """A client whose every request says X-Forwarded-For: addr (the daemon
    honours it only when 127.0.0.1 is a trusted proxy)."""
    from harness import Client

    class XffClient(Client):
        def request(self, method, path, headers=None, **kw):
            h = {"X-Forwarded-For": addr}
            if headers:
                h.update(headers)
            return Client.request(self, method, path, headers=h, **kw)

    return XffClient(d.port, lang=lang)


def error_text(resp):
    """The login page's error paragraph (what the user is told)."""
    m = re.search(r'<p class="error" role="alert" id="error">(.*?)</p>', resp.text, re.S)
    return html.unescape(m.group(1)) if m else None


def hdr_client(d, headers, lang=None):
    """A client that adds headers (e.g. User-Agent, X-Forwarded-For) to every request."""
    from harness import Client

    class HdrClient(Client):
        def request(self, method, path, headers=None, **kw):
            h = dict(self.extra)
            if headers:
                h.update(headers)
            return Client.request(self, method, path, headers=h, **kw)

    c = HdrClient(d.port, lang=lang)
    c.extra = dict(headers)
    return c


def logout(d, client, slug):
    tok = session_csrf(d, client, slug)
    return client.post("/t/%s/logout" % slug, form={"csrf": tok})


def session_rows(resp):
    """(id, [cell texts]) of each row of table#sessions on the home page."""
    m = re.search(r'<table class="list" id="sessions">(.*?)</table>', resp.text, re.S)
    if not m:
        return None
    rows = []
    for rm in re.finditer(r'<tr data-session="(\d+)">(.*?)</tr>', m.group(1), re.S):
        cells = [html.unescape(re.sub(r"<[^>]*>", "", c)).strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", rm.group(2), re.S)]
        rows.append((int(rm.group(1)), cells))
    return rows
