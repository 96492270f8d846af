#!/usr/bin/env python3
"""
SAML single sign-on with a real service provider (issue 12): Debian's
Apache 2 with mod_auth_mellon, unmodified (tests/integration/mellon.py),
against the daemon.  Two SPs ("wiki" and "crm", each its own Apache on its
own port) are registered from the metadata mellon_create_metadata made.

A Browser here is a scripted browser: one harness.Client (cookie jar) per
host:port, redirects followed across Sekisho and Apache, and auto-POST forms
(SAMLResponse / SAMLRequest, RelayState) submitted the way a browser does:
a form-urlencoded POST to the form's action.  Nothing is mocked: mellon
checks the Response (signature, encryption, audience, recipient,
InResponseTo and its cookie) and shows what it accepted on /protected/.

Covered: SP-initiated login with password and TOTP (attributes by basic and
URI names, a signed and encrypted Response), a second SP and a second visit
riding the Sekisho session, IdP-initiated login, persistent NameIDs (stable,
pairwise, opaque), single logout started at the SP and at Sekisho, refusals
(role not allowed for the SP, suspended user, address outside the tenant's
allow list, tampered or unsigned AuthnRequests), and Apache stopping
cleanly.  The NameID after an e-mail change is not tested: no API or console
route changes a user's e-mail address.
"""

import base64
import html.parser
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import TestFailure, check, eq  # noqa: E402
from mellon import Mellon, parse_env  # noqa: E402
from policy_util import PW, Api, audit_count  # noqa: E402
from test_mfa import enrol_signed_in, steady, totp  # noqa: E402

SLUG = "mellon"
REDIRECTS = (301, 302, 303, 307, 308)
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
OUTSIDE = "198.51.100.7"   # not in the allow list of ip_outside_the_allow_list...
INSIDE = "192.0.2.9"       # in it


# --------------------------------------------------------------------------
# A scripted browser


class Forms(html.parser.HTMLParser):
    """Every <form> of a page: action, method, id and its named fields."""

    def __init__(self, text):
        html.parser.HTMLParser.__init__(self, convert_charrefs=True)
        self.forms = []
        self._cur = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._cur = {"action": a.get("action") or "", "id": a.get("id"),
                         "method": (a.get("method") or "get").lower(), "fields": {}}
            self.forms.append(self._cur)
        elif tag in ("input", "textarea") and self._cur is not None and a.get("name"):
            if (a.get("type") or "text").lower() not in ("submit", "button", "reset", "image"):
                self._cur["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._cur = None


class Browser:
    """Cookie jars per host:port; follows redirects; submits forms."""

    def __init__(self, name="browser"):
        self.name = name
        self.jars = {}
        self.headers = {}   # port -> headers added to every request to it
        self.history = []   # "METHOD URL -> status [Location]", shortened
        self.visits = []    # (method, full URL, status)

    def jar(self, port):
        if port not in self.jars:
            self.jars[port] = harness.Client(port)
        return self.jars[port]

    def request(self, method, url, form=None):
        u = urllib.parse.urlsplit(url)
        check(u.scheme == "http" and u.hostname == "127.0.0.1" and u.port,
              "%s: the browser was sent to %r" % (self.name, url))
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        r = self.jar(u.port).request(method, path, form=form,
                                     headers=dict(self.headers.get(u.port, {})))
        self.history.append("%s %s -> %d%s" % (method, _cut(url), r.status,
                                                " " + _cut(r.location) if r.location else ""))
        self.visits.append((method, url, r.status))
        return r

    def get(self, url):
        return self.request("GET", url)

    def follow(self, r, url, hops=25):
        """Follow r's redirects; returns (final response, its URL)."""
        method, form = "GET", None
        while r.status in REDIRECTS:
            check(r.location, "%s: %d without Location at %s" % (self.name, r.status, url))
            hops -= 1
            check(hops > 0, "%s: redirect loop: %s" % (self.name, self.trail()))
            url = urllib.parse.urljoin(url, r.location)
            if r.status not in (307, 308):
                method, form = "GET", None
            r = self.request(method, url, form=form)
        return r, url

    def go(self, url):
        return self.follow(self.get(url), url)

    def submit(self, form, page_url, values=None):
        """POST (or GET) form as a browser would; follows the redirects."""
        fields = dict(form["fields"])
        fields.update(values or {})
        action = urllib.parse.urljoin(page_url, form["action"] or page_url)
        if form["method"] == "post":
            r = self.request("POST", action, form=fields)
        else:
            sep = "&" if "?" in action else "?"
            r = self.request("GET", action + sep + urllib.parse.urlencode(fields))
        return self.follow(r, action)

    def trail(self, n=6):
        return " | ".join(self.history[-n:])


def _cut(u, n=140):
    return u if len(u) <= n else u[:n] + "..."


def saml_form(r):
    """The auto-POST form of a page (one with SAMLResponse or SAMLRequest), or None."""
    if r.status != 200:
        return None
    for f in Forms(r.text).forms:
        if "SAMLResponse" in f["fields"] or "SAMLRequest" in f["fields"]:
            return f
    return None


def form_with(r, field):
    for f in Forms(r.text).forms:
        if field in f["fields"]:
            return f
    return None


def query(url):
    """The decoded query parameters of url (one value each)."""
    return {k: v[0] for k, v in
            urllib.parse.parse_qs(urllib.parse.urlsplit(url).query,
                                  keep_blank_values=True).items()}


def raw_query(url):
    """The query's name=value pairs as sent (still URL-encoded), in order."""
    q = urllib.parse.urlsplit(url).query
    return [tuple(p.split("=", 1)) for p in q.split("&") if p]


def redirect_xml(url, param):
    """The SAML message of a Redirect-binding URL (base64 of raw DEFLATE)."""
    v = query(url).get(param)
    check(v, "no %s in %s" % (param, _cut(url)))
    try:
        return zlib.decompress(base64.b64decode(v), -15).decode("utf-8")
    except Exception as e:  # noqa: BLE001
        raise TestFailure("%s of %s is not DEFLATE+base64: %s" % (param, _cut(url), e)) from None


def post_xml(value):
    try:
        return base64.b64decode(value).decode("utf-8")
    except Exception as e:  # noqa: BLE001
        raise TestFailure("a posted SAML message is not base64 of UTF-8: %s" % e) from None


def attr(xml, elem, name):
    """Attribute `name` of the first element whose local name is elem."""
    m = re.search(r"<(?:\w+:)?%s\b[^>]*?\s%s=\"([^\"]*)\"" % (elem, name), xml)
    return m.group(1) if m else None


def text_of(xml, elem):
    m = re.search(r"<(?:\w+:)?%s\b[^>]*>([^<]*)</(?:\w+:)?%s>" % (elem, elem), xml)
    return m.group(1) if m else None


def has_elem(xml, elem):
    return re.search(r"<(?:\w+:)?%s\b" % elem, xml) is not None


def nameid_format(env):
    """The Format of the NameID in the assertion mellon accepted (from
    MELLON_SESSION, Lasso's session dump, base64: it holds the decrypted
    assertion)."""
    try:
        dump = base64.b64decode(env.get("MELLON_SESSION", "")).decode("utf-8")
    except Exception as e:  # noqa: BLE001
        raise TestFailure("MELLON_SESSION is not base64: %s" % e) from None
    check(has_elem(dump, "NameID"), "no NameID in mellon's session dump: %r" % dump[:300])
    return attr(dump, "NameID", "Format")


def idp_cert_file(s):
    """Sekisho's (first, active) signing certificate from its metadata, as PEM."""
    path = os.path.join(s.d.dir, "idp-signing.pem")
    if not os.path.exists(path):
        with open(s.sp.idp_md_file) as f:
            md = f.read()
        m = re.search(r"<ds:X509Certificate>([^<]+)</ds:X509Certificate>", md)
        check(m, "no certificate in Sekisho's metadata")
        b64 = "".join(m.group(1).split())
        with open(path, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\n")
            f.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)))
            f.write("\n-----END CERTIFICATE-----\n")
    return path


def verify_redirect_signature(url, cert_file, what):
    """Check the Redirect binding's Signature over SAMLxxx=..&RelayState=..&
    SigAlg=.. (as sent) with the certificate, using openssl."""
    pairs = raw_query(url)
    names = [k for k, _ in pairs]
    check("SigAlg" in names and "Signature" in names, "%s: no SigAlg/Signature in %s" %
          (what, _cut(url)))
    signed = "&".join("%s=%s" % (k, v) for k, v in pairs
                      if k in ("SAMLRequest", "SAMLResponse", "RelayState", "SigAlg"))
    eq(query(url)["SigAlg"], RSA_SHA256, "%s: SigAlg" % what)
    sig = base64.b64decode(query(url)["Signature"])
    with tempfile.TemporaryDirectory(prefix="sekisho-sig.") as t:
        pub, data, sfile = (os.path.join(t, n) for n in ("pub.pem", "data", "sig"))
        r = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", cert_file],
                           capture_output=True, timeout=30)
        eq(r.returncode, 0, "openssl x509 -pubkey (%s)" % r.stderr[:200])
        with open(pub, "wb") as f:
            f.write(r.stdout)
        with open(data, "wb") as f:
            f.write(signed.encode())
        with open(sfile, "wb") as f:
            f.write(sig)
        r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", pub, "-signature", sfile,
                            data], capture_output=True, text=True, timeout=30)
        eq(r.returncode, 0, "%s: openssl says the Redirect signature is wrong (%s)" %
           (what, (r.stdout + r.stderr).strip()))


# --------------------------------------------------------------------------
# Set-up


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": "127.0.0.1/32"})
    d.start()
    d.create_tenant(SLUG, "Mellon Works")
    s.api = Api(d, SLUG)
    s.api.set_policy({"lockout": {"max_failures": 100, "unlock_after_seconds": 0},
                      "mfa": {"require": "off"}})
    s.idp = "%s/t/%s/saml/metadata" % (d.public_url, SLUG)
    s.sso_url = "%s/t/%s/saml/sso" % (d.public_url, SLUG)
    s.slo_url = "%s/t/%s/saml/slo" % (d.public_url, SLUG)
    s.login_path = "/t/%s/login" % SLUG
    s.sps = []
    s.sp = Mellon(d.dir, d.public_url, SLUG, name="wiki")
    s.sp2 = Mellon(d.dir, d.public_url, SLUG, name="crm")
    s.sp_ids = {}
    for sp, name in ((s.sp, "Wiki"), (s.sp2, "CRM")):
        r = s.api.post("/sps?name=%s" % name, body=sp.metadata(),
                       headers={"Content-Type": "application/samlmetadata+xml"})
        eq(r.status, 201, "registering %s's metadata (%s)" % (name, r.text[:300]))
        s.sp_ids[sp.name] = r.json()["id"]
        s.sps.append(sp)
        sp.start()
    s.admin_email = "chief@mellon.example"
    d.enroll(SLUG, s.admin_email, PW, role="admin", name="Chief Admin")


def new_user(s, local, role="user", name=None):
    """An active user; returns (email, Browser holding their Sekisho session)."""
    s.state["n"] = s.state.get("n", 0) + 1
    email = "%s-%d@mellon.example" % (local, s.state["n"])
    c = s.d.enroll(SLUG, email, PW, role=role, name=name or local.capitalize() + " Tester")
    b = Browser(email)
    b.jar(s.d.port).cookies.update(c.cookies)
    check(("sekisho_s_%s" % SLUG) in c.cookies, "no session after the invitation of %s" % email)
    return email, b


def session_cookie(b, s):
    return b.jar(s.d.port).cookies.get("sekisho_s_%s" % SLUG)


def assertions(s):
    return audit_count(s.d, SLUG, "saml.assertion")


def refusals(s):
    return audit_count(s.d, SLUG, "saml.refused")


# --------------------------------------------------------------------------
# Flows


def to_idp(s, b, sp, path="/protected/"):
    """GET path at the SP and follow it (mellon's /mellon/login) up to the
    redirect to Sekisho's SSO URL, which is returned, not requested."""
    url = sp.url(path)
    for _ in range(4):
        r = b.get(url)
        check(r.status in REDIRECTS, "GET %s at %s: status %d, expected a redirect to the "
              "IdP (%s)" % (url, sp.name, r.status, r.text[:200]))
        nxt = urllib.parse.urljoin(url, r.location)
        if nxt.startswith(s.sso_url + "?"):
            return nxt
        check(nxt.startswith(sp.base + "/"), "%s sent the browser to %s, not to %s" %
              (sp.name, nxt, s.sso_url))
        url = nxt
    raise TestFailure("%s: no redirect to %s (%s)" % (sp.name, s.sso_url, b.trail()))


def at_sekisho_login(s, url, r):
    return (r.status == 200 and urllib.parse.urlsplit(url).path == s.login_path and
            form_with(r, "password") is not None)


def through(s, b, r, url, sp, email=None, password=PW, secret=None):
    """From (r, url) on, act as the user would until the SP's protected page:
    fill Sekisho's login form and code page, submit auto-POST forms.  Returns
    (response, url, steps taken).  Fails naming the page it stopped at."""
    steps = []
    for _ in range(8):
        path = urllib.parse.urlsplit(url).path
        if url.startswith(sp.base + "/protected/") and r.status == 200:
            return r, url, steps
        if at_sekisho_login(s, url, r):
            check(email, "the login page came although the browser had a Sekisho session "
                  "(%s)" % b.trail())
            steps.append("login")
            r, url = b.submit(form_with(r, "password"), url,
                              {"email": email, "password": password})
        elif path == s.login_path + "/mfa" and r.status == 200 and form_with(r, "code"):
            check(secret, "the code page came for a user without TOTP")
            steps.append("mfa")
            steady(3)
            r, url = b.submit(form_with(r, "code"), url, {"code": totp(secret)})
        elif saml_form(r):
            steps.append("saml_form")
            f = saml_form(r)
            check("SAMLResponse" in f["fields"], "a SAMLRequest form on the way to %s" % sp.name)
            eq(urllib.parse.urljoin(url, f["action"]), sp.acs, "action of the SAMLResponse form")
            r, url = b.submit(f, url)
        else:
            raise TestFailure("stopped at %s (status %d: %s) after %s; trail: %s" %
                              (_cut(url), r.status, re.sub(r"\s+", " ", r.text[:160]),
                               steps or "nothing", b.trail()))
    raise TestFailure("no protected page after %s (%s)" % (steps, b.trail()))


def sp_login(s, b, sp, email=None, password=PW, secret=None):
    """The whole SP-initiated login; returns (MELLON_* env of /protected/, steps)."""
    sso = to_idp(s, b, sp)
    r, url = b.go(sso)
    r, url, steps = through(s, b, r, url, sp, email, password, secret)
    env = parse_env(r.text)
    check(env.get("MELLON_NAME_ID"), "%s shows no MELLON_NAME_ID: %r" % (sp.name, r.text[:300]))
    return env, steps


def protected_redirects_to_idp(s, b, sp, what):
    """/protected/ at sp is no longer served: mellon sends the browser to the IdP."""
    r = b.get(sp.url("/protected/"))
    check(r.status in REDIRECTS, "%s: /protected/ at %s answered %d, expected a redirect "
          "(no mellon session)" % (what, sp.name, r.status))
    to_idp(s, b, sp)


def signed_out_at_sekisho(s, b, old_cookie, what):
    """Neither the browser nor a replay of its old session cookie gets the home page."""
    r = b.get("%s/t/%s/" % (s.d.public_url, SLUG))
    check(r.status in REDIRECTS and "/t/%s/login" % SLUG in (r.location or ""),
          "%s: Sekisho's home page answered %d (%s), expected a redirect to the login" %
          (what, r.status, r.location))
    c = s.d.client()
    c.cookies["sekisho_s_%s" % SLUG] = old_cookie
    r = c.get("/t/%s/" % SLUG)
    check(r.status in REDIRECTS and "/t/%s/login" % SLUG in (r.location or ""),
          "%s: the old session cookie still opens the home page (%d)" % (what, r.status))


def no_assertion_issued(s, b, r, url, what, email=None):
    """Follow the browser from (r, url) as far as it goes (login included,
    when email is given): nowhere may a SAMLResponse form appear.  Returns
    the last response."""
    for _ in range(4):
        check(saml_form(r) is None, "%s: a SAMLResponse form was issued (%s)" % (what, b.trail()))
        if email and at_sekisho_login(s, url, r):
            r, url = b.submit(form_with(r, "password"), url, {"email": email, "password": PW})
            email = None
            continue
        break
    check(saml_form(r) is None, "%s: a SAMLResponse form was issued (%s)" % (what, b.trail()))
    return r, url


# --------------------------------------------------------------------------
# What works without the SSO endpoint: Apache, metadata, the AuthnRequest


def test_sps_are_registered_from_mellons_metadata(s):
    sps = {x["entity_id"]: x for x in s.api.get("/sps").json()}
    for sp in (s.sp, s.sp2):
        check(sp.entity_id in sps, "%s not in the list: %s" % (sp.entity_id, list(sps)))
        x = sps[sp.entity_id]
        eq((x["nameid_format"], x["sign"], x["encrypt"], x["attributes"]),
           ("persistent", "both", True, ["email", "name", "role"]),
           "%s's settings" % sp.name)
    md = s.sp.metadata().decode()
    check('AuthnRequestsSigned="true"' in md, "mellon's metadata asks for signed requests")


def test_apache_serves_its_pages(s):
    b = Browser()
    r = b.get(s.sp.url("/"))
    eq(r.status, 200, "the public page")
    check('id="public"' in r.text, "the public page's content: %r" % r.text[:100])
    r = b.get(s.sp.url("/mellon/metadata"))
    eq(r.status, 200, "mellon's metadata endpoint")
    check('entityID="%s"' % s.sp.entity_id in r.text, "mellon serves another entity ID")
    r = b.get(s.sp.url("/protected/index.cgi"))
    check(r.status in REDIRECTS, "the CGI script itself is protected too (%d)" % r.status)
    check(s.sp.alive() and s.sp2.alive(), "an Apache died")


def test_protected_page_sends_a_signed_authn_request(s):
    b = Browser()
    sso = to_idp(s, b, s.sp)
    q = query(sso)
    eq(sorted(q), ["RelayState", "SAMLRequest", "SigAlg", "Signature"], "parameters")
    eq(q["RelayState"], s.sp.url("/protected/"), "RelayState (mellon's return URL)")
    check(s.sp.cookie in b.jar(s.sp.port).cookies, "mellon set no cookie-test cookie (%s)" %
          b.jar(s.sp.port).cookies)
    verify_redirect_signature(sso, s.sp.cert_file, "AuthnRequest")
    xml = redirect_xml(sso, "SAMLRequest")
    check(has_elem(xml, "AuthnRequest"), "not an AuthnRequest: %s" % xml[:200])
    eq(text_of(xml, "Issuer"), s.sp.entity_id, "Issuer")
    eq(attr(xml, "AuthnRequest", "Destination"), s.sso_url, "Destination")
    eq(attr(xml, "AuthnRequest", "AssertionConsumerServiceURL"), s.sp.acs, "ACS URL")
    check(attr(xml, "AuthnRequest", "ID"), "no ID")
    # The rest is what mellon asks for (see the report to the implementer).
    eq(attr(xml, "AuthnRequest", "ForceAuthn"), "false", "ForceAuthn")
    eq(attr(xml, "AuthnRequest", "IsPassive"), "false", "IsPassive")
    eq(attr(xml, "NameIDPolicy", "AllowCreate"), "true", "NameIDPolicy AllowCreate")


# --------------------------------------------------------------------------
# Logins


def test_sp_initiated_login_with_totp_reaches_the_protected_page(s):
    d, sp = s.d, s.sp
    email, b0 = new_user(s, "alice", name="Alice Lindqvist")
    secret, _, _ = enrol_signed_in(s, SLUG, b0.jar(d.port), offset=-1)
    n_assert = assertions(s)
    b = Browser("alice")
    sso = to_idp(s, b, sp)
    req = redirect_xml(sso, "SAMLRequest")
    # No Sekisho session: to the login page, with a way back to the request.
    r = b.get(sso)
    check(r.status in (302, 303), "SSO without a session: status %d, expected a redirect to "
          "the login page (%s)" % (r.status, re.sub(r"\s+", " ", r.text[:150])))
    login_url = urllib.parse.urljoin(sso, r.location)
    eq(urllib.parse.urlsplit(login_url).path, s.login_path, "SSO redirect target")
    rd = query(login_url).get("rd", "")
    check(rd.startswith("/t/%s/saml/sso?resume=" % SLUG), "rd %r does not resume the SSO" % rd)
    page = b.get(login_url)
    eq(page.status, 200, "login page")
    f = form_with(page, "password")
    check(f and f["fields"].get("rd") == rd, "the login form does not carry rd")
    r = b.request("POST", urllib.parse.urljoin(login_url, f["action"]),
                  form=dict(f["fields"], email=email, password=PW))
    eq((r.status, r.location), (303, s.login_path + "/mfa"), "password step")
    page = b.get(d.public_url + s.login_path + "/mfa")
    f = form_with(page, "code")
    check(f, "no code form (%d)" % page.status)
    steady(3)
    r = b.request("POST", urllib.parse.urljoin(d.public_url + s.login_path, f["action"]),
                  form=dict(f["fields"], code=totp(secret)))
    eq((r.status, r.location), (303, rd), "code step: back to the SSO continuation")
    check(session_cookie(b, s), "no Sekisho session after the code")
    r, url = b.follow(r, d.public_url + s.login_path + "/mfa")
    f = saml_form(r)
    check(f, "the continuation gave no SAMLResponse form (status %d: %s)" %
          (r.status, r.text[:200]))
    eq(f["method"], "post", "form method")
    eq(urllib.parse.urljoin(url, f["action"]), sp.acs, "form action (the SP's ACS)")
    eq(f["fields"].get("RelayState"), query(sso)["RelayState"], "RelayState sent back")
    resp = post_xml(f["fields"]["SAMLResponse"])
    check(has_elem(resp, "Response"), "not a Response: %s" % resp[:200])
    eq(attr(resp, "Response", "Destination"), sp.acs, "Response Destination")
    eq(attr(resp, "Response", "InResponseTo"), attr(req, "AuthnRequest", "ID"), "InResponseTo")
    eq(text_of(resp, "Issuer"), s.idp, "Response Issuer")
    check("urn:oasis:names:tc:SAML:2.0:status:Success" in resp, "status is not Success")
    check(has_elem(resp, "Signature"), "the Response is not signed (sign: both)")
    check(has_elem(resp, "EncryptedAssertion") and not has_elem(resp, "Assertion"),
          "the assertion is not encrypted (encrypt: on)")
    r, url = b.submit(f, url)
    check(url.startswith(sp.url("/protected/")) and r.status == 200,
          "after the ACS: %s %d (%s; mellon: %s)" % (url, r.status, b.trail(3),
                                                     sp.error_log()[-600:]))
    env = parse_env(r.text)
    eq(env.get("MELLON_email"), email, "MELLON_email")
    eq(env.get("MELLON_mail"), email, "MELLON_mail (urn:oid:0.9.2342.19200300.100.1.3)")
    eq(env.get("MELLON_name"), "Alice Lindqvist", "MELLON_name")
    eq(env.get("MELLON_displayName"), "Alice Lindqvist",
       "MELLON_displayName (urn:oid:2.16.840.1.113730.3.1.241)")
    eq(env.get("MELLON_role"), "user", "MELLON_role")
    eq(env.get("MELLON_IDP"), s.idp, "MELLON_IDP")
    nid = env.get("MELLON_NAME_ID", "")
    check(nid and env.get("REMOTE_USER") == nid, "REMOTE_USER %r, NAME_ID %r" %
          (env.get("REMOTE_USER"), nid))
    eq(nameid_format(env), PERSISTENT, "NameID Format of the assertion")
    eq(assertions(s) - n_assert, 1, "saml.assertion audited once")


def test_second_visit_uses_the_existing_session(s):
    email, b = new_user(s, "bob")
    env, steps = sp_login(s, b, s.sp)
    eq(env.get("MELLON_email"), email, "first SP, with a Sekisho session")
    eq(steps, ["saml_form"], "with a session the SSO answers the form at once")
    # The SP's own session: no trip to Sekisho.
    n = len(b.history)
    r = b.get(s.sp.url("/protected/"))
    eq(r.status, 200, "second visit of the same SP")
    eq(len(b.history) - n, 1, "requests of the second visit")
    # Another SP: the Sekisho session answers at once again.
    env2, steps = sp_login(s, b, s.sp2)
    eq((env2.get("MELLON_email"), steps), (email, ["saml_form"]), "second SP")
    # The SP forgot its session (cookie gone): signed in again without a login page.
    b.jar(s.sp.port).cookies.clear()
    env3, steps = sp_login(s, b, s.sp)
    eq((env3.get("MELLON_email"), steps), (email, ["saml_form"]), "after mellon's cookie is gone")
    check(not any(("/t/%s/login" % SLUG) in h for h in b.history),
          "a login page was shown: %s" % b.trail(20))


def test_idp_initiated_login(s):
    email, b = new_user(s, "carol")
    init = "%s/t/%s/saml/init?sp=%s" % (s.d.public_url, SLUG,
                                         urllib.parse.quote(s.sp.entity_id, safe=""))
    n = assertions(s)
    r, url = b.go(init)
    f = saml_form(r)
    check(f, "IdP-initiated: no SAMLResponse form (status %d: %s)" % (r.status, r.text[:200]))
    eq(urllib.parse.urljoin(url, f["action"]), s.sp.acs, "form action")
    resp = post_xml(f["fields"]["SAMLResponse"])
    eq(attr(resp, "Response", "InResponseTo"), None, "InResponseTo of an unsolicited Response")
    check(f["fields"].get("RelayState", "") in ("", "/protected/", s.sp.url("/protected/")),
          "RelayState %r" % f["fields"].get("RelayState"))
    r, url = b.submit(f, url)
    check(url.startswith(s.sp.url("/protected/")) and r.status == 200,
          "after the ACS: %s %d (mellon: %s)" % (url, r.status, s.sp.error_log()[-600:]))
    eq(parse_env(r.text).get("MELLON_email"), email, "MELLON_email")
    eq(assertions(s) - n, 1, "saml.assertion audited")
    # Without a session: to the login page first, no form.
    b2 = Browser("anonymous")
    r = b2.get(init)
    check(r.status in (302, 303) and s.login_path in (r.location or ""),
          "IdP-initiated without a session: %d %s" % (r.status, r.location))
    # An SP that is not registered: no form.
    r, _ = b.go("%s/t/%s/saml/init?sp=%s" % (s.d.public_url, SLUG,
                                              urllib.parse.quote("http://127.0.0.1:9/x", safe="")))
    check(400 <= r.status < 500 and saml_form(r) is None,
          "IdP-initiated for an unknown SP: %d" % r.status)


def test_persistent_nameid_is_stable_and_pairwise(s):
    email, b1 = new_user(s, "dave")
    env1, _ = sp_login(s, b1, s.sp)
    n1 = env1["MELLON_NAME_ID"]
    # Another browser, a new password login: the same NameID at the same SP.
    b2 = Browser("dave-2")
    env2, steps = sp_login(s, b2, s.sp, email=email)
    eq(steps, ["login", "saml_form"], "second browser's steps")
    eq(env2["MELLON_NAME_ID"], n1, "NameID at the same SP after a new login")
    # Another SP: another NameID.
    env3, _ = sp_login(s, b2, s.sp2)
    n3 = env3["MELLON_NAME_ID"]
    check(n3 != n1, "the same NameID %r at two SPs" % n1)
    env4, _ = sp_login(s, Browser("dave-3"), s.sp2, email=email)
    eq(env4["MELLON_NAME_ID"], n3, "NameID at the second SP after a new login")
    # Another user: another NameID.
    _, b5 = new_user(s, "erin")
    n5 = sp_login(s, b5, s.sp)[0]["MELLON_NAME_ID"]
    check(n5 not in (n1, n3), "another user got %r" % n5)
    # Opaque: nothing of the address or the user's number, not short.
    local = email.split("@")[0]
    for nid in (n1, n3):
        check(len(nid) >= 16, "NameID %r is short" % nid)
        check(local not in nid and "mellon.example" not in nid, "NameID %r shows the address" % nid)
        check(not re.fullmatch(r"\d+", nid), "NameID %r is a number" % nid)
    for env in (env1, env3):
        eq(nameid_format(env), PERSISTENT, "NameID Format")


# --------------------------------------------------------------------------
# Logout


def test_slo_from_the_sp_ends_both_sessions(s):
    email, b = new_user(s, "frank")
    env, _ = sp_login(s, b, s.sp)
    old = session_cookie(b, s)
    r = b.get(s.sp.url("/mellon/logout?ReturnTo=/"))
    check(r.status in REDIRECTS, "mellon's logout: %d" % r.status)
    slo = urllib.parse.urljoin(s.sp.url("/"), r.location)
    check(slo.startswith(s.slo_url + "?"), "mellon's logout went to %s" % slo)
    verify_redirect_signature(slo, s.sp.cert_file, "LogoutRequest")
    xml = redirect_xml(slo, "SAMLRequest")
    eq(text_of(xml, "NameID"), env["MELLON_NAME_ID"], "NameID of the LogoutRequest")
    eq(query(slo).get("RelayState"), "/", "RelayState of the LogoutRequest")
    # Sekisho ends its session and answers mellon's endpoint.
    r = b.get(slo)
    check(r.status in (302, 303), "Sekisho's SLO: %d (%s)" % (r.status, r.text[:200]))
    back = urllib.parse.urljoin(slo, r.location)
    check(back.startswith(s.sp.slo + "?"), "the LogoutResponse went to %s" % _cut(back))
    verify_redirect_signature(back, idp_cert_file(s), "LogoutResponse")
    xml = redirect_xml(back, "SAMLResponse")
    check(has_elem(xml, "LogoutResponse"), "not a LogoutResponse")
    eq(text_of(xml, "Issuer"), s.idp, "Issuer of the LogoutResponse")
    check("urn:oasis:names:tc:SAML:2.0:status:Success" in xml, "LogoutResponse not Success")
    eq(query(back).get("RelayState"), "/", "RelayState sent back (mellon needs it)")
    r, url = b.go(back)
    eq((url, r.status), (s.sp.url("/"), 200), "mellon's ReturnTo after the logout")
    signed_out_at_sekisho(s, b, old, "after SLO from the SP")
    protected_redirects_to_idp(s, b, s.sp, "after SLO from the SP")
    r, url = b.go(to_idp(s, b, s.sp))
    check(at_sekisho_login(s, url, r), "after SLO the SSO must ask for a login again "
          "(%s)" % b.trail(3))


def test_logout_at_sekisho_logs_out_of_the_sp(s):
    d = s.d
    email, b = new_user(s, "gina")
    nids = {s.sp.name: sp_login(s, b, s.sp)[0]["MELLON_NAME_ID"],
            s.sp2.name: sp_login(s, b, s.sp2)[0]["MELLON_NAME_ID"]}
    old = session_cookie(b, s)
    home = b.get("%s/t/%s/" % (d.public_url, SLUG))
    eq(home.status, 200, "home page")
    f = [x for x in Forms(home.text).forms if x["action"].endswith("/logout")]
    check(f, "no logout form on the home page")
    n = len(b.history)
    r, url = b.submit(f[0], "%s/t/%s/" % (d.public_url, SLUG))
    trail = b.history[n:]
    eq((urllib.parse.urlsplit(url).path, query(url).get("logged_out"), r.status),
       (s.login_path, "1", 200), "where the logout ends (%s)" % " | ".join(trail))
    visits = b.visits[n:]
    for sp in (s.sp, s.sp2):
        reqs = [u for m, u, _ in visits if m == "GET" and u.startswith(sp.slo + "?SAMLRequest=")]
        eq(len(reqs), 1, "LogoutRequests sent to %s (%s)" % (sp.name, " | ".join(trail)))
        verify_redirect_signature(reqs[0], idp_cert_file(s), "LogoutRequest to %s" % sp.name)
        xml = redirect_xml(reqs[0], "SAMLRequest")
        eq(text_of(xml, "NameID"), nids[sp.name], "NameID of the LogoutRequest to %s" % sp.name)
        eq(attr(xml, "LogoutRequest", "Destination"), sp.slo, "Destination at %s" % sp.name)
    check(any(h.startswith("GET " + s.slo_url[:60]) and "SAMLResponse=" in h for h in trail),
          "no LogoutResponse came back to Sekisho: %s" % " | ".join(trail))
    signed_out_at_sekisho(s, b, old, "after logging out at Sekisho")
    for sp in (s.sp, s.sp2):
        protected_redirects_to_idp(s, b, sp, "after logging out at Sekisho")


# --------------------------------------------------------------------------
# Refusals


def test_refused_role_gets_no_assertion(s):
    sid = s.sp_ids[s.sp.name]
    email, b = new_user(s, "henry")
    r = s.api.put("/sps/%d" % sid, json={"roles": ["admin"]})
    eq(r.status, 200, "PUT /sps/%d roles (%s)" % (sid, r.text[:200]))
    try:
        eq(r.json().get("roles"), ["admin"], "roles after the change")
        n_ref, n_ok = refusals(s), assertions(s)
        r, url = b.go(to_idp(s, b, s.sp))
        no_assertion_issued(s, b, r, url, "user role at an admins-only SP")
        eq(r.status, 403, "answer to a user whose role may not use the SP")
        eq(refusals(s) - n_ref, 1, "saml.refused audited")
        eq(assertions(s), n_ok, "no saml.assertion")
        # An administrator is let through (the refusal was the role's).
        ba = Browser("admin")
        env, _ = sp_login(s, ba, s.sp, email=s.admin_email)
        eq((env.get("MELLON_email"), env.get("MELLON_role")), (s.admin_email, "admin"),
           "the administrator at the admins-only SP")
    finally:
        s.api.put("/sps/%d" % sid, json={"roles": ["user", "admin"]})


def test_suspended_user_gets_no_assertion(s):
    email, b = new_user(s, "ivan")
    sp_login(s, b, s.sp)
    r = s.api.post("/users/%s/suspend" % email)
    eq(r.status, 200, "suspend (%s)" % r.text[:200])
    n_ok = assertions(s)
    b.jar(s.sp.port).cookies.clear()
    r, url = b.go(to_idp(s, b, s.sp))
    no_assertion_issued(s, b, r, url, "suspended user", email=email)
    # A fresh browser and the right password: still nothing.
    b2 = Browser("ivan-2")
    r, url = b2.go(to_idp(s, b2, s.sp))
    no_assertion_issued(s, b2, r, url, "suspended user, new login", email=email)
    eq(assertions(s), n_ok, "no saml.assertion for a suspended user")


def test_ip_outside_the_allow_list_gets_no_assertion(s):
    email, b = new_user(s, "judy")
    s.api.set_policy({"ip": {"allow": ["127.0.0.1/32", "192.0.2.0/24"]}})
    try:
        n_ref, n_ok = refusals(s), assertions(s)
        denied = audit_count(s.d, SLUG, "access.denied_ip")
        sso = to_idp(s, b, s.sp)
        b.headers[s.d.port] = {"X-Forwarded-For": OUTSIDE}
        r, url = b.go(sso)
        no_assertion_issued(s, b, r, url, "SSO from %s" % OUTSIDE)
        eq(r.status, 403, "SSO from an address outside the allow list")
        check(refusals(s) > n_ref or audit_count(s.d, SLUG, "access.denied_ip") > denied,
              "neither saml.refused nor access.denied_ip audited")
        eq(assertions(s), n_ok, "no saml.assertion")
        # The same browser from an allowed address gets through.
        b.headers[s.d.port] = {"X-Forwarded-For": INSIDE}
        env, _ = sp_login(s, b, s.sp)
        eq(env.get("MELLON_email"), email, "SSO from %s" % INSIDE)
    finally:
        s.api.set_policy({"ip": {"allow": [], "admin_allow": []}})


def test_tampered_or_unsigned_authn_request_is_refused(s):
    email, b = new_user(s, "kate")
    sso = to_idp(s, b, s.sp)
    pairs = raw_query(sso)

    def url_of(ps):
        return s.sso_url + "?" + "&".join("%s=%s" % kv for kv in ps)

    def swap(name, value):
        return [(k, value if k == name else v) for k, v in pairs]

    sig = dict(pairs)["Signature"]
    bad_sig = urllib.parse.unquote(sig)
    bad_sig = urllib.parse.quote(("A" if bad_sig[0] != "A" else "B") + bad_sig[1:], safe="")
    cases = {
        "signature changed": url_of(swap("Signature", bad_sig)),
        "RelayState changed": url_of(swap("RelayState", urllib.parse.quote(
            s.sp.url("/elsewhere/"), safe=""))),
        "unsigned": url_of([kv for kv in pairs if kv[0] not in ("SigAlg", "Signature")]),
        "no SAMLRequest": url_of([kv for kv in pairs if kv[0] != "SAMLRequest"]),
    }
    n_ok = assertions(s)
    for what, url in cases.items():
        r, u = b.go(url)
        no_assertion_issued(s, b, r, u, what)
        check(400 <= r.status < 500, "%s: status %d" % (what, r.status))
    eq(assertions(s), n_ok, "no saml.assertion for a bad request")
    # The request as mellon made it is fine (the refusals were the changes').
    r, u = b.go(sso)
    check(saml_form(r), "the untouched AuthnRequest got no form (%d)" % r.status)


# --------------------------------------------------------------------------
# Apache


def test_apache_stops_cleanly(s):
    for sp in s.sps:
        pid = sp.proc.pid if sp.proc else None
        check(pid and sp.alive(), "%s's Apache is not running before the stop" % sp.name)
        rc = sp.stop()
        eq(rc, 0, "%s's Apache exit status (%s)" % (sp.name, sp.error_log()[-300:]))
        eq(sp.last_left, [], "%s's Apache processes left after the stop" % sp.name)
        r = subprocess.run(["pgrep", "-f", sp.conf], capture_output=True, text=True)
        eq(r.stdout.strip(), "", "processes still running %s" % sp.conf)
        try:
            harness.Client(sp.port).get("/", timeout=2)
            raise TestFailure("%s still answers on port %d" % (sp.name, sp.port))
        except OSError:
            pass
    for sp in s.sps:
        check(not re.search(r"\b(AH00052|segfault|exit signal)\b", sp.error_log()),
              "%s's error log reports a crashed child" % sp.name)


TESTS = [
    test_sps_are_registered_from_mellons_metadata,
    test_apache_serves_its_pages,
    test_protected_page_sends_a_signed_authn_request,
    test_sp_initiated_login_with_totp_reaches_the_protected_page,
    test_second_visit_uses_the_existing_session,
    test_idp_initiated_login,
    test_persistent_nameid_is_stable_and_pairwise,
    test_slo_from_the_sp_ends_both_sessions,
    test_logout_at_sekisho_logs_out_of_the_sp,
    test_refused_role_gets_no_assertion,
    test_suspended_user_gets_no_assertion,
    test_ip_outside_the_allow_list_gets_no_assertion,
    test_tampered_or_unsigned_authn_request_is_refused,
    test_apache_stops_cleanly,
]

if __name__ == "__main__":
    harness.main("saml_mellon", TESTS, setup)
