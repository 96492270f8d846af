"""
Helpers shared by the gateway suites (issue 11): registering an app, asking
/gateway/auth the way a reverse proxy does, raw requests with repeated or
oddly named headers, and the gateway.denied audit records.
"""

import http.client
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import Response, check, eq  # noqa: E402,F401
from policy_util import audit_details, q, sql_super  # noqa: E402

GATEWAY = "/gateway/auth"
IDENTITY = ["X-Sekisho-User", "X-Sekisho-Name", "X-Sekisho-Role", "X-Sekisho-Tenant",
            "X-Sekisho-Session-Expires"]


def add_app(d, slug, name, url, roles=("user", "admin")):
    """Register an app of tenant slug behind the gateway: url in normal form
    ("https://host[:port]/prefix", lower case, no default port, no trailing
    slash), roles a subset of ("user", "admin").

    The JSON API (POST /t/{slug}/api/v1/apps) is not in this tree yet: the
    row is written by SQL as the superuser, which fires the same trigger
    (every node reloads the tenant's snapshot).  Switch this one function
    to the API when it lands."""
    stored = ",".join(r for r in ("user", "admin") if r in roles)
    sql_super(d, "INSERT INTO apps (tenant_id, name, url, roles) VALUES "
                 "((SELECT id FROM tenants WHERE slug = %s), %s, %s, %s)" %
              (q(slug), q(name), q(url), q(stored)))


def session_cookie(slug):
    return "sekisho_s_%s" % slug


def flow_cookie(slug):
    return "sekisho_f_%s" % slug


def random_token():
    """A well-formed session cookie value (43 base64url characters) that no
    session has."""
    t = secrets.token_urlsafe(32)
    check(len(t) == 43, "token_urlsafe length")
    return t


def raw(port, method, path, headers, body=None, source=None, timeout=30):
    """One request with headers as a list of (name, value) pairs, sent as
    given (repeated names, odd names, bytes values); returns a Response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        names = {k.lower() for k, _ in headers}
        conn.putrequest(method, path, skip_host="host" in names, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def ask(port, tenant=None, url=None, token=None, slug=None, xff=None, extra=None,
        method="GET", body=None, source=None, query=None, cookie=None):
    """Ask the gateway as a proxy would: tenant in X-Sekisho-Tenant (or in
    ?tenant= with query), the original URL in X-Original-URL, the session
    token as slug's cookie (slug defaults to tenant), the client's address
    in X-Forwarded-For.  extra: more (name, value) pairs."""
    h = []
    if tenant is not None:
        h.append(("X-Sekisho-Tenant", tenant))
    if url is not None:
        h.append(("X-Original-URL", url))
    if xff is not None:
        h.append(("X-Forwarded-For", xff))
    if cookie is not None:
        h.append(("Cookie", cookie))
    elif token is not None:
        h.append(("Cookie", "%s=%s" % (session_cookie(slug or tenant), token)))
    h += list(extra or [])
    path = GATEWAY + ("?" + query if query else "")
    return raw(port, method, path, h, body=body, source=source)


def identity(r):
    """The identity headers of an answer, {name: [values]} (only those present)."""
    out = {}
    for name in IDENTITY:
        v = r.header_all(name)
        if v:
            out[name] = v
    return out


def no_identity(r, what):
    eq(identity(r), {}, "%s: identity headers in a refusal" % what)


def status_of(r):
    return r.status


def denied(d, slug, email):
    """gateway.denied details of tenant slug whose target is email."""
    return audit_details(d, slug, "gateway.denied", email)


def wait_for(fn, want, seconds=5.0, step=0.02):
    """Poll fn() until it returns want (or seconds pass); returns
    (last value, elapsed seconds)."""
    t0 = time.time()
    got = fn()
    while got != want and time.time() - t0 < seconds:
        time.sleep(step)
        got = fn()
    return got, time.time() - t0
