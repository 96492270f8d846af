#!/usr/bin/env python3
"""
The gateway behind real reverse proxies (issue 11, "Tests"): Debian's nginx
(auth_request to Sekisho over a keep-alive upstream, error_page 401 to the
tenant's login with rd, auth_request_set + proxy_set_header handing the
identity to the app) and Debian's Caddy 2.6 (forward_auth with copy_headers,
a handle_response redirecting 401s to the login), each in front of a
trivial upstream (an nginx server block that echoes the identity headers it
receives and which area of the site the proxy routed to).

Through each proxy, as a browser would (one cookie jar for host 127.0.0.1):
no session -> the tenant's login with rd -> login (and a TOTP code where
the policy requires it) -> back to the app, which sees X-Sekisho-User;
identity headers sent by the client never reach the app; a user is refused
the admin area (role) and every spelling of a path that the proxy routes to
it; a Host header naming another registered app's port changes nothing; an
address outside the allow list is refused; expired sessions and logout send
the browser to the login again; a database outage answers no 2xx; and the
proxy keeps its connections to Sekisho alive.

Each proxy names the app's origin itself (nginx: X-Original-URL with the
origin written in the server block; Caddy: X-Forwarded-Host pinned with
header_up) rather than trusting the client's Host header.
"""

import os
import re
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import Client, check, eq, free_port  # noqa: E402
from gateway_util import add_app, random_token, session_cookie, wait_for  # noqa: E402
from policy_util import Api, PW, logout, sql_super  # noqa: E402
from proxies import Caddy, Nginx  # noqa: E402
from test_mfa import at_step, enrol_signed_in, steady  # noqa: E402

P = "gwp"   # password only
M = "gwm"   # mfa.require all
JP_NAME = "佐藤 花子"
TRUSTED = "127.0.0.1/32"


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": TRUSTED})
    d.start()
    d.create_tenant(P)
    d.create_tenant(M)
    s.sp = d.port
    s.pu = free_port()                         # the echoing upstream (nginx)
    s.port = {"nginx": free_port(), "caddy": free_port()}          # tenant P
    s.mport = {"nginx": free_port(), "caddy": free_port()}         # tenant M
    s.po = free_port()  # an app of P that no proxy serves here, open to users
    for name in ("nginx", "caddy"):
        origin = "http://127.0.0.1:%d" % s.port[name]
        add_app(d, P, "Portal %s" % name, origin, ("user", "admin"))
        add_app(d, P, "Admin %s" % name, origin + "/admin", ("admin",))
        add_app(d, M, "MFA %s" % name, "http://127.0.0.1:%d" % s.mport[name], ("user", "admin"))
    add_app(d, P, "Open", "http://127.0.0.1:%d" % s.po, ("user", "admin"))
    # Tenant M registers P's origins as its own apps too (any tenant's
    # administrator can): only the proxy's choice of tenant keeps them apart.
    for name in ("nginx", "caddy"):
        add_app(d, M, "Copy of P %s" % name, "http://127.0.0.1:%d" % s.port[name],
                ("user", "admin"))
    s.api = {P: Api(d, P), M: Api(d, M)}
    s.user = d.enroll(P, "user@gwp.example", PW, name=JP_NAME)
    s.admin = d.enroll(P, "admin@gwp.example", PW, role="admin", name="Admin")
    # Users of M with TOTP, enrolled before the policy requires it.
    s.mfa = {}
    for name in ("nginx", "caddy"):
        email = "mfa-%s@gwm.example" % name
        c = d.enroll(M, email, PW, name="MFA %s" % name)
        secret, _, _ = enrol_signed_in(s, M, c, offset=-1)
        s.mfa[name] = (email, secret)
        s.state["m-session-" + name] = c.cookies[session_cookie(M)]
    s.api[M].set_policy({"mfa": {"require": "all"}})
    s.nginx = Nginx(d.dir, nginx_conf(s), [s.pu, s.port["nginx"], s.mport["nginx"]])
    s.caddy = Caddy(d.dir, caddy_conf(s), [s.port["caddy"], s.mport["caddy"]])
    s.proxies = {"nginx": s.nginx, "caddy": s.caddy}


# --------------------------------------------------------------------------
# configurations

ECHO = ('"area=$http_x_area user=$http_x_sekisho_user role=$http_x_sekisho_role '
        'name=$http_x_sekisho_name tenant=$http_x_sekisho_tenant '
        'expires=$http_x_sekisho_session_expires uri=$request_uri\\n"')

NGINX_IDENTITY = """\
      auth_request /_sekisho;
      auth_request_set $sk_user $upstream_http_x_sekisho_user;
      auth_request_set $sk_name $upstream_http_x_sekisho_name;
      auth_request_set $sk_role $upstream_http_x_sekisho_role;
      auth_request_set $sk_tenant $upstream_http_x_sekisho_tenant;
      auth_request_set $sk_expires $upstream_http_x_sekisho_session_expires;
      proxy_set_header X-Sekisho-User $sk_user;
      proxy_set_header X-Sekisho-Name $sk_name;
      proxy_set_header X-Sekisho-Role $sk_role;
      proxy_set_header X-Sekisho-Tenant $sk_tenant;
      proxy_set_header X-Sekisho-Session-Expires $sk_expires;
      error_page 401 = @login;
      proxy_pass http://127.0.0.1:{pu};
"""

NGINX_SERVER = """\
  server {{
    listen 127.0.0.1:{port};
    location = /_sekisho {{
      internal;
      proxy_pass http://sekisho/gateway/auth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL "http://127.0.0.1:{port}$request_uri";
      proxy_set_header X-Sekisho-Tenant {slug};
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }}
    location @login {{
      return 302 "http://127.0.0.1:{sp}/t/{slug}/login?rd=$scheme://$http_host$request_uri";
    }}
    location / {{
{ident}      proxy_set_header X-Area portal;
    }}
    location /admin/ {{
{ident}      proxy_set_header X-Area admin;
    }}
  }}
"""


def nginx_conf(s):
    ident = NGINX_IDENTITY.format(pu=s.pu)
    out = ["  upstream sekisho {\n    server 127.0.0.1:%d;\n    keepalive 8;\n  }\n" % s.sp,
           "  server {\n    listen 127.0.0.1:%d;\n    location / { return 200 %s; }\n  }\n"
           % (s.pu, ECHO)]
    for port, slug in ((s.port["nginx"], P), (s.mport["nginx"], M)):
        out.append(NGINX_SERVER.format(port=port, slug=slug, sp=s.sp, ident=ident))
    return "".join(out)


CADDY_AUTH = """\
		forward_auth 127.0.0.1:{sp} {{
			uri /gateway/auth?tenant={slug}
			header_up X-Forwarded-Host 127.0.0.1:{port}
			copy_headers X-Sekisho-User X-Sekisho-Name X-Sekisho-Role X-Sekisho-Tenant X-Sekisho-Session-Expires
			@unauth status 401
			handle_response @unauth {{
				redir http://127.0.0.1:{sp}/t/{slug}/login?rd={{scheme}}://{{hostport}}{{uri}} 302
			}}
		}}
"""

CADDY_SITE = """\
http://127.0.0.1:{port} {{
	@admin path /admin/*
	handle @admin {{
{auth}		reverse_proxy 127.0.0.1:{pu} {{
			header_up X-Area admin
		}}
	}}
	handle {{
{auth}		reverse_proxy 127.0.0.1:{pu} {{
			header_up X-Area portal
		}}
	}}
}}
"""


def caddy_conf(s):
    out = []
    for port, slug in ((s.port["caddy"], P), (s.mport["caddy"], M)):
        auth = CADDY_AUTH.format(sp=s.sp, slug=slug, port=port)
        out.append(CADDY_SITE.format(port=port, pu=s.pu, auth=auth))
    return "".join(out)


# --------------------------------------------------------------------------
# a browser


class Browser:
    """One cookie jar for host 127.0.0.1 (cookies ignore ports), no automatic
    redirects, optionally from another source address."""

    def __init__(self, source=None):
        self.source = source
        self.jar = {}

    def client(self, port):
        c = Client(port, source=self.source)
        c.cookies = self.jar
        return c

    def get(self, url, headers=None):
        u = urllib.parse.urlsplit(url)
        check(u.hostname == "127.0.0.1", "URL %r is not on 127.0.0.1" % url)
        path = u.path + ("?" + u.query if u.query else "")
        return self.client(u.port).get(path, headers=headers)

    def post(self, url, form):
        u = urllib.parse.urlsplit(url)
        path = u.path + ("?" + u.query if u.query else "")
        return self.client(u.port).post(path, form=form)


def app_url(s, name, path, mfa=False):
    return "http://127.0.0.1:%d%s" % ((s.mport if mfa else s.port)[name], path)


def echo(r):
    """The upstream's echo as a dict (area, user, role, name, tenant, expires, uri)."""
    m = re.match(r"area=(\S*) user=(\S*) role=(\S*) name=(\S*) tenant=(\S*) expires=(\S*) "
                 r"uri=(.*)$", r.text.strip())
    check(m, "not the upstream's answer: %d %r" % (r.status, r.text[:200]))
    keys = ("area", "user", "role", "name", "tenant", "expires", "uri")
    return dict(zip(keys, m.groups()))


def to_login(s, r, slug, rd, what):
    """r sends the browser to slug's login with rd."""
    eq(r.status, 302, "%s: status (%s)" % (what, r.text[:150]))
    loc = r.location or ""
    u = urllib.parse.urlsplit(loc)
    eq("%s://%s:%s%s" % (u.scheme, u.hostname, u.port, u.path),
       "http://127.0.0.1:%d/t/%s/login" % (s.sp, slug), "%s: login URL" % what)
    got = urllib.parse.parse_qs(u.query).get("rd")
    eq(got, [rd] if rd else got, "%s: rd" % what)
    return loc


def sign_in(s, b, loc, email, slug, totp_secret=None):
    """Follow the login URL loc in browser b: password (and code); returns
    the final redirect's Location."""
    page = b.get(loc)
    eq(page.status, 200, "login page through the redirect")
    rd = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query).get("rd", [None])[0]
    check(rd is None or 'name="rd"' in page.text, "the login page dropped rd %r" % rd)
    form = {"csrf": page.csrf(), "email": email, "password": PW}
    if rd is not None:
        form["rd"] = rd
    r = b.post("http://127.0.0.1:%d/t/%s/login" % (s.sp, slug), form)
    eq(r.status, 303, "login POST (%s)" % r.text[:200])
    if totp_secret:
        eq(r.location, "/t/%s/login/mfa" % slug, "after the password: the code step")
        check(session_cookie(slug) not in b.jar, "a session before the second factor")
        s.state["pending"] = dict(b.jar)
        step = steady(5)
        page = b.get("http://127.0.0.1:%d/t/%s/login/mfa" % (s.sp, slug))
        eq(page.status, 200, "code page")
        r = b.post("http://127.0.0.1:%d/t/%s/login/mfa" % (s.sp, slug),
                   {"csrf": page.csrf(), "code": at_step(totp_secret, step)})
        eq(r.status, 303, "code POST (%s)" % r.text[:200])
    check(session_cookie(slug) in b.jar, "no session cookie after the login")
    return r.location


# --------------------------------------------------------------------------
# tests (each for nginx and Caddy)


def round_trip(s, name):
    b = Browser()
    target = app_url(s, name, "/some/page?x=1")
    loc = to_login(s, b.get(target), P, target, "%s: no session" % name)
    to_login(s, b.get(app_url(s, name, "/y"), headers={
        "Cookie": "%s=%s" % (session_cookie(P), random_token())}), P, None,
        "%s: unknown cookie" % name)
    back = sign_in(s, b, loc, "user@gwp.example", P)
    eq(back, target, "%s: the login sends the browser back to the app" % name)
    r = b.get(back)
    eq(r.status, 200, "%s: the app after the login (%s)" % (name, r.text[:200]))
    e = echo(r)
    eq((e["area"], e["user"], e["role"], e["tenant"], e["uri"]),
       ("portal", "user@gwp.example", "user", P, "/some/page?x=1"),
       "%s: what the app sees" % name)
    eq(urllib.parse.unquote(e["name"]), JP_NAME, "%s: X-Sekisho-Name decoded" % name)
    check(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", e["expires"]),
          "%s: X-Sekisho-Session-Expires %r" % (name, e["expires"]))
    s.state["browser-" + name] = b


def test_nginx_login_round_trip(s):
    round_trip(s, "nginx")


def test_caddy_login_round_trip(s):
    round_trip(s, "caddy")


def mfa_round_trip(s, name):
    b = Browser()
    email, secret = s.mfa[name]
    target = app_url(s, name, "/mfa/app?q=2", mfa=True)
    loc = to_login(s, b.get(target), M, target, "%s: no session (MFA tenant)" % name)
    back = sign_in(s, b, loc, email, M, totp_secret=secret)
    eq(back, target, "%s: back to the app after the code" % name)
    r = b.get(back)
    eq(r.status, 200, "%s: the app after password and code (%s)" % (name, r.text[:200]))
    e = echo(r)
    eq((e["user"], e["tenant"], e["uri"]), (email, M, "/mfa/app?q=2"), "%s: what the app sees"
       % name)
    # The pending login (password done, no code yet) never passed.
    pend = Browser()
    pend.jar.update(s.state["pending"])
    to_login(s, pend.get(target), M, target, "%s: a pending login at the app" % name)


def test_nginx_login_with_totp(s):
    mfa_round_trip(s, "nginx")


def test_caddy_login_with_totp(s):
    mfa_round_trip(s, "caddy")


def browser_of(s, name, who="user"):
    key = "browser-%s-%s" % (name, who)
    if key not in s.state:
        b = Browser()
        c = s.user if who == "user" else s.admin
        b.jar[session_cookie(P)] = c.cookies[session_cookie(P)]
        s.state[key] = b
    return s.state[key]


def identity_not_forwarded(s, name):
    b = browser_of(s, name)
    r = b.get(app_url(s, name, "/x"), headers={
        "X-Sekisho-User": "evil@evil.example", "X-Sekisho-Role": "admin",
        "X-Sekisho-Name": "Evil", "X-Sekisho-Session-Expires": "2099-01-01T00:00:00Z"})
    eq(r.status, 200, "%s: status" % name)
    e = echo(r)
    eq((e["user"], e["role"], e["tenant"]), ("user@gwp.example", "user", P),
       "%s: identity the app sees when the client sent its own" % name)
    eq(urllib.parse.unquote(e["name"]), JP_NAME, "%s: name" % name)
    # Without a session nothing reaches the app, whatever the client says.
    r = Browser().get(app_url(s, name, "/x"), headers={"X-Sekisho-User": "user@gwp.example"})
    eq(r.status, 302, "%s: no session, forged X-Sekisho-User" % name)


def test_nginx_identity_headers_from_the_client_never_reach_the_app(s):
    identity_not_forwarded(s, "nginx")


def test_caddy_identity_headers_from_the_client_never_reach_the_app(s):
    identity_not_forwarded(s, "caddy")


def steering(s, name):
    """What the gateway decides from (the original URL, the tenant) is the
    proxy's to say: the same headers sent by the client must not decide."""
    b = browser_of(s, name)
    portal = app_url(s, name, "/x")
    leaks = []
    for what, h in [
            ("X-Original-URL", {"X-Original-URL": portal}),
            ("X-Forwarded-Proto/Host/Uri", {"X-Forwarded-Proto": "http", "X-Forwarded-Uri": "/x",
                                            "X-Forwarded-Host": "127.0.0.1:%d" % s.port[name]}),
            ("X-Forwarded-Uri", {"X-Forwarded-Uri": "/x"}),
            ("X-Original-URL of the open app", {"X-Original-URL": "http://127.0.0.1:%d/admin/x"
                                                % s.po})]:
        r = b.get(app_url(s, name, "/admin/x"), headers=h)
        if r.status == 200 and "area=admin" in r.text:
            leaks.append("a user reached the admin area by sending %s" % what)
    # Another tenant's user, whose tenant registered this origin as its own
    # app, names their tenant: they must not get in.
    m = Browser()
    m.jar[session_cookie(M)] = s.state["m-session-" + name]
    eq(m.get(app_url(s, name, "/x", mfa=True)).status, 200,
       "%s: the user of tenant %s at their own app" % (name, M))
    for what, h in [("X-Sekisho-Tenant", {"X-Sekisho-Tenant": M}),
                    ("X-Sekisho-Tenant and X-Original-URL", {"X-Sekisho-Tenant": M,
                                                             "X-Original-URL": portal})]:
        r = m.get(app_url(s, name, "/admin/x"), headers=h)
        if 200 <= r.status < 300:
            leaks.append("a user of tenant %s got into tenant %s's app by sending %s: %d %s" %
                         (M, P, what, r.status, r.text.strip()[:70]))
    check(not leaks, "%s: %s" % (name, "; ".join(leaks)))


def test_nginx_client_headers_cannot_steer_the_gateway(s):
    steering(s, "nginx")


def test_caddy_client_headers_cannot_steer_the_gateway(s):
    steering(s, "caddy")


def role(s, name):
    user, admin = browser_of(s, name), browser_of(s, name, "admin")
    r = user.get(app_url(s, name, "/admin/settings"))
    eq(r.status, 403, "%s: a user at the admin area" % name)
    check("area=" not in r.text, "%s: the upstream answered a refused request" % name)
    r = admin.get(app_url(s, name, "/admin/settings"))
    eq(r.status, 200, "%s: an admin at the admin area" % name)
    eq((echo(r)["area"], echo(r)["user"], echo(r)["role"]), ("admin", "admin@gwp.example",
                                                            "admin"), "%s: admin area" % name)
    eq(user.get(app_url(s, name, "/x")).status, 200, "%s: the user at the portal" % name)


def test_nginx_role_not_allowed(s):
    role(s, "nginx")


def test_caddy_role_not_allowed(s):
    role(s, "caddy")


TRICKS = ["/admin/", "/admin/x", "/x/../admin/", "/%61dmin/", "/%61dmin/x", "//admin/",
          "/./admin/", "/x/%2e%2e/admin/", "/x/.%2E/admin/", "/admin;x/", "/x;/../admin/",
          "/x/..%2fadmin/", "/x%2f..%2fadmin/", "/admin%2f", "/x#/../admin/", "/x?/../admin/",
          "/admin/..;/x", "/admin/..;/", "/admin/x/..;/..;/x", "/admin/.;/x", "/ADMIN/",
          "/admin//x", "/admin\\x", "/x\\..\\admin\\"]


def path_tricks(s, name):
    """No spelling of a path that the proxy routes to the admin area is let
    through for a user."""
    b = browser_of(s, name)
    leaks = []
    for path in TRICKS:
        try:
            r = b.get(app_url(s, name, path))
        except OSError:  # a proxy may drop a request line it does not take
            continue
        if r.status == 200 and "area=admin" in r.text:
            leaks.append("%s -> %s" % (path, r.text.strip()[:80]))
    check(not leaks, "%s: a user reached the admin area: %s" % (name, "; ".join(leaks)))


def test_nginx_path_tricks_never_reach_the_admin_area(s):
    path_tricks(s, "nginx")


def test_caddy_path_tricks_never_reach_the_admin_area(s):
    path_tricks(s, "caddy")


def host_header(s, name):
    """A Host header naming another registered app (another port, open to
    users) does not change which app the gateway judges."""
    b = browser_of(s, name)
    for host in ("127.0.0.1:%d" % s.po, "127.0.0.1", "127.0.0.1:80", "localhost:%d" % s.po):
        r = b.get(app_url(s, name, "/admin/x"), headers={"Host": host})
        check(not (r.status == 200 and "area=admin" in r.text),
              "%s: Host %s let a user into the admin area: %s" % (name, host, r.text[:100]))


def test_nginx_host_header_cannot_choose_another_app(s):
    host_header(s, "nginx")


def test_caddy_host_header_cannot_choose_another_app(s):
    host_header(s, "caddy")


def ip_allowlist(s, name):
    api = s.api[P]
    api.set_policy({"ip": {"allow": ["127.0.0.1/32"]}})
    try:
        here = browser_of(s, name)
        eq(here.get(app_url(s, name, "/x")).status, 200, "%s: from 127.0.0.1 (allowed)" % name)
        away = Browser(source="127.0.0.2")
        away.jar.update(here.jar)
        r = away.get(app_url(s, name, "/x"))
        eq(r.status, 403, "%s: the same session from 127.0.0.2" % name)
        check("area=" not in r.text, "%s: the upstream answered" % name)
        r = away.get(app_url(s, name, "/x"), headers={"X-Forwarded-For": "127.0.0.1",
                                                      "X-Real-IP": "127.0.0.1"})
        eq(r.status, 403, "%s: from 127.0.0.2 claiming 127.0.0.1 in X-Forwarded-For" % name)
    finally:
        api.set_policy({"ip": {"allow": []}})
    eq(Browser(source="127.0.0.2").get(app_url(s, name, "/x"), headers={
        "Cookie": "%s=%s" % (session_cookie(P), browser_of(s, name).jar[session_cookie(P)])
    }).status, 200, "%s: from 127.0.0.2 once the list is lifted" % name)


def test_nginx_address_outside_the_allow_list(s):
    ip_allowlist(s, "nginx")


def test_caddy_address_outside_the_allow_list(s):
    ip_allowlist(s, "caddy")


def new_session(s):
    c = s.d.client()
    eq(s.d.login(c, P, "user@gwp.example", PW).status, 303, "login")
    return c.cookies[session_cookie(P)]


def expiry(s, name):
    """Idle and absolute timeouts (stored times moved back on sessions the
    gateway has not seen): the browser goes to the login again."""
    for what, sql in (("idle 4 h", "last_seen_at = now() - interval '4 hours'"),
                      ("created 13 h ago", "created_at = now() - interval '13 hours'")):
        tok = new_session(s)
        sql_super(s.d, "UPDATE sessions SET %s WHERE token_hash = sha256(convert_to('%s', "
                       "'UTF8'))" % (sql, tok))
        b = Browser()
        b.jar[session_cookie(P)] = tok
        target = app_url(s, name, "/after/%s" % what.split()[0])
        to_login(s, b.get(target), P, target, "%s: %s" % (name, what))


def test_nginx_idle_and_absolute_expiry(s):
    expiry(s, "nginx")


def test_caddy_idle_and_absolute_expiry(s):
    expiry(s, "caddy")


def after_logout(s, name):
    b = Browser()
    tok = b.jar[session_cookie(P)] = new_session(s)
    eq(b.get(app_url(s, name, "/x")).status, 200, "%s: before logout" % name)
    c = b.client(s.sp)
    r = logout(s.d, c, P)
    eq(r.status, 303, "logout")
    check(session_cookie(P) not in b.jar, "the logout left the session cookie")
    target = app_url(s, name, "/x")
    to_login(s, b.get(target), P, target, "%s: after logout" % name)
    # The old cookie, kept by someone: refused too.
    old = Browser()
    old.jar[session_cookie(P)] = tok
    to_login(s, old.get(target), P, target, "%s: the logged-out cookie" % name)


def test_nginx_logout(s):
    after_logout(s, "nginx")


def test_caddy_logout(s):
    after_logout(s, "caddy")


def sockets(s):
    """(state, local, peer, process) of the TCP sockets to or from Sekisho's port."""
    out = subprocess.run(["ss", "-Htanp", "( sport = :%d or dport = :%d )" % (s.sp, s.sp)],
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 5:
            rows.append((f[0], f[3], f[4], " ".join(f[5:])))
    return rows


def test_keepalive_to_sekisho(s):
    """nginx (upstream keepalive) and Caddy reuse their connections to
    Sekisho: a burst of 60 requests through each closes (almost) none and
    leaves each proxy with a few established connections."""
    b, bc = browser_of(s, "nginx"), browser_of(s, "caddy")
    eq(b.get(app_url(s, "nginx", "/k")).status, 200, "nginx")
    eq(bc.get(app_url(s, "caddy", "/k")).status, 200, "caddy")
    closed_before = {(x[1], x[2]) for x in sockets(s) if x[0] == "TIME-WAIT"}
    for _ in range(60):
        eq(b.get(app_url(s, "nginx", "/k")).status, 200, "nginx burst")
        eq(bc.get(app_url(s, "caddy", "/k")).status, 200, "caddy burst")
    now = sockets(s)
    closed = [x for x in now if x[0] == "TIME-WAIT" and (x[1], x[2]) not in closed_before]
    check(len(closed) <= 4, "%d connections to Sekisho were closed during 120 requests through "
          "the proxies: %r" % (len(closed), closed[:5]))
    for name, proxy in s.proxies.items():
        mine = [x for x in now if x[0] == "ESTAB" and "pid=%d," % proxy.proc.pid in x[3]
                and x[2].endswith(":%d" % s.sp)]
        check(1 <= len(mine) <= 8, "%s holds %d connections to Sekisho after a burst of 60" %
              (name, len(mine)))


def test_database_down_no_2xx_through_the_proxies(s):
    d = s.d
    d.pg_stop()
    try:
        time.sleep(2.0)
        for name in ("nginx", "caddy"):
            r = browser_of(s, name).get(app_url(s, name, "/x"))
            check(not 200 <= r.status < 300, "%s: %d with the database down" % (name, r.status))
            check("area=" not in r.text, "%s: the upstream answered" % name)
    finally:
        d.pg_start()
    for name in ("nginx", "caddy"):
        got, t = wait_for(lambda: browser_of(s, name).get(app_url(s, name, "/x")).status, 200,
                          15.0, 0.2)
        eq(got, 200, "%s: the app after the database came back (%.1f s)" % (name, t))


def test_proxies_still_running(s):
    for name, p in s.proxies.items():
        check(p.alive(), "%s died: %s" % (name, p.errors()))
        p.stop()


TESTS = [
    test_nginx_login_round_trip,
    test_caddy_login_round_trip,
    test_nginx_login_with_totp,
    test_caddy_login_with_totp,
    test_nginx_identity_headers_from_the_client_never_reach_the_app,
    test_caddy_identity_headers_from_the_client_never_reach_the_app,
    test_nginx_client_headers_cannot_steer_the_gateway,
    test_caddy_client_headers_cannot_steer_the_gateway,
    test_nginx_role_not_allowed,
    test_caddy_role_not_allowed,
    test_nginx_path_tricks_never_reach_the_admin_area,
    test_caddy_path_tricks_never_reach_the_admin_area,
    test_nginx_host_header_cannot_choose_another_app,
    test_caddy_host_header_cannot_choose_another_app,
    test_nginx_address_outside_the_allow_list,
    test_caddy_address_outside_the_allow_list,
    test_nginx_idle_and_absolute_expiry,
    test_caddy_idle_and_absolute_expiry,
    test_nginx_logout,
    test_caddy_logout,
    test_keepalive_to_sekisho,
    test_database_down_no_2xx_through_the_proxies,
    test_proxies_still_running,
]

if __name__ == "__main__":
    harness.main("gateway_proxy", TESTS, setup)
