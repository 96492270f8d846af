#!/usr/bin/env python3
"""
SAML single sign-on against the running daemon with a scripted service
provider (tests/integration/saml_util.py): SP-initiated over HTTP-Redirect
and HTTP-POST, signed requests, the parked request answered after the
login, NameID formats, attributes, encryption, IdP-initiated SSO, Single
Logout, and the responses verified independently with xmlsec1 against the
published metadata certificate.
"""

import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api  # noqa: E402
import saml_util  # noqa: E402
from saml_util import SP, post_form, b64xml  # noqa: E402

SLUG = "sso"
EMAIL = "ava@sso.example"
PW = "correct horse battery staple 7"
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"


def setup(s):
    a = s.a = s.daemon()
    a.start()
    a.create_tenant(SLUG)
    s.api = Api(a, SLUG)
    s.sp = SP()
    # The formats this SP declares: a request may ask for these.
    fmts = "".join("<NameIDFormat>%s</NameIDFormat>" % saml_util.FMT[f]
                   for f in ("persistent", "email", "transient"))
    s.sp.metadata = s.sp.metadata.replace(b"<AssertionConsumerService",
                                          fmts.encode() + b"<AssertionConsumerService", 1)
    r = s.api.post("/sps?name=Wiki", body=s.sp.metadata,
                   headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "register the SP (%s)" % r.text[:200])
    s.sp_id = r.json()["id"]
    s.user = a.enroll(SLUG, EMAIL, PW, name="Ava Example")
    md = a.client().get("/t/%s/saml/metadata" % SLUG)
    eq(md.status, 200, "metadata")
    s.idp_cert = saml_util.idp_cert_pem(md.text)
    s.sso = a.public_url + "/t/%s/saml/sso" % SLUG
    s.slo = a.public_url + "/t/%s/saml/slo" % SLUG


def set_sp(s, **kw):
    """Change the SP's settings straight in the database (the settings API
    has its own suite)."""
    sets = ", ".join("%s = %s" % (k, "'%s'" % v if isinstance(v, str) else
                                  ("true" if v else "false")) for k, v in kw.items())
    s.a.psql("UPDATE service_providers SET %s WHERE id = %d" % (sets, s.sp_id), superuser=True)


def response_of(s, page, decrypt=True):
    """The Response XML a page carries, its assertion decrypted when it is
    encrypted; checks the form's target."""
    eq(page.status, 200, "the answer page (%s)" % page.text[:300])
    action, fields = post_form(page.text)
    eq(action, s.sp.acs, "the form posts to the SP's ACS")
    xml = b64xml(fields["SAMLResponse"])
    if decrypt and "EncryptedAssertion" in xml:
        ok, xml = saml_util.decrypt_assertion(xml, s.sp.key)
        check(ok, "the assertion decrypts with the SP's key: %s" % xml[-300:])
    return xml, fields


def sso_get(s, client, xml, relay=None, sign=True, **kw):
    return client.get("/t/%s/saml/sso?%s" % (SLUG, s.sp.redirect_query(xml, relay, sign, **kw)))


def test_redirect_with_session_gets_a_signed_response(s):
    set_sp(s, encrypt=False)
    rid, xml = s.sp.authn_request(s.sso)
    page = sso_get(s, s.user, xml, relay="/wiki/page?x=1")
    resp, fields = response_of(s, page)
    eq(fields.get("RelayState"), "/wiki/page?x=1", "RelayState comes back")
    check('InResponseTo="%s"' % rid in resp, "InResponseTo names the request")
    check("rsa-sha256" in resp and "rsa-sha1\"" not in resp, "signed with RSA-SHA256")
    check("xml-exc-c14n" in resp, "exclusive canonicalisation")
    eq(resp.count("<saml:Assertion"), 1, "exactly one assertion")
    ok, err = saml_util.xmlsec_verify(resp, s.idp_cert, RESPONSE)
    check(ok, "xmlsec1 verifies the Response with the metadata certificate: " + err)
    ok, err = saml_util.xmlsec_verify(resp, s.idp_cert, ASSERTION)
    check(ok, "xmlsec1 verifies the Assertion with the metadata certificate: " + err)
    check("PasswordProtectedTransport" in resp, "AuthnContext: password")
    check(EMAIL in resp and "Ava Example" in resp, "email and name released")
    check("urn:oid:0.9.2342.19200300.100.1.3" in resp, "mail OID")
    check("urn:oid:2.16.840.1.113730.3.1.241" in resp, "displayName OID")
    check(saml_util.FMT["persistent"] in resp, "persistent NameID by default")
    check("SessionNotOnOrAfter=" in resp and "NotBefore=" in resp, "session end, NotBefore")
    csp = page.header("Content-Security-Policy")
    check("form-action https://sp.example.test" in csp and "script-src 'self'" in csp,
          "CSP lets the form post to the SP only: %s" % csp)
    check('<script src="/static/saml-post.js">' in page.text and "onload" not in page.text,
          "static script, no inline script")
    check([e for e in s.a.audit(SLUG, "saml.assertion")], "saml.assertion audited")
    set_sp(s, encrypt=True)


def nameid_of(resp):
    m = re.search(r"<saml:NameID[^>]*>([^<]+)</saml:NameID>", resp)
    return m.group(1) if m else None


def test_encrypted_assertion_decrypts_with_the_sp_key(s):
    rid, xml = s.sp.authn_request(s.sso)
    page = sso_get(s, s.user, xml)
    eq(page.status, 200, "answer")
    _, fields = post_form(page.text)
    raw = b64xml(fields["SAMLResponse"])
    check("EncryptedAssertion" in raw and EMAIL not in raw, "the assertion is encrypted")
    resp, _ = response_of(s, page)
    check(EMAIL in resp, "decrypted, it names the user")


def test_persistent_nameid_is_stable(s):
    ids = []
    for _ in range(2):
        _, xml = s.sp.authn_request(s.sso)
        resp, _ = response_of(s, sso_get(s, s.user, xml))
        ids.append(nameid_of(resp))
    eq(ids[0], ids[1], "same NameID twice")
    check(ids[0] and EMAIL not in ids[0] and len(ids[0]) >= 40, "opaque: %r" % ids[0])
    # An address change (no route changes one yet: straight in the
    # database) leaves the persistent NameID as it was.
    new = "ava.renamed@sso.example"
    s.a.psql("UPDATE users SET email = '%s' WHERE email = '%s'" % (new, EMAIL), superuser=True)
    try:
        _, xml = s.sp.authn_request(s.sso)
        resp, _ = response_of(s, sso_get(s, s.user, xml))
        check(new in resp, "the assertion carries the new address")
        eq(nameid_of(resp), ids[0], "the NameID did not change with the address")
    finally:
        s.a.psql("UPDATE users SET email = '%s' WHERE email = '%s'" % (EMAIL, new),
                 superuser=True)
    # Another SP gets another NameID for the same user.
    sp2 = SP(entity="https://other.example.test/metadata", endpoint="https://other.example.test/m")
    r = s.api.post("/sps?name=Other", body=sp2.metadata,
                   headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "a second SP")
    s.a.psql("UPDATE service_providers SET encrypt = false WHERE entity_id = '%s'" % sp2.entity,
             superuser=True)
    _, xml = sp2.authn_request(s.sso)
    page = s.user.get("/t/%s/saml/sso?%s" % (SLUG, sp2.redirect_query(xml)))
    eq(page.status, 200, "answered for the second SP")
    other = nameid_of(b64xml(post_form(page.text)[1]["SAMLResponse"]))
    check(other and other != ids[0], "pairwise: %r vs %r" % (other, ids[0]))
    s.api.delete("/sps/%d" % r.json()["id"])


def test_nameid_policy_is_honoured(s):
    _, xml = s.sp.authn_request(s.sso, fmt="email")
    resp, _ = response_of(s, sso_get(s, s.user, xml))
    eq(nameid_of(resp), EMAIL, "email format")
    _, xml = s.sp.authn_request(s.sso, fmt="transient")
    resp, _ = response_of(s, sso_get(s, s.user, xml))
    check(saml_util.FMT["transient"] in resp and nameid_of(resp) != EMAIL, "transient")
    set_sp(s, nameid_format="email")
    _, xml = s.sp.authn_request(s.sso, fmt="unspecified")
    resp, _ = response_of(s, sso_get(s, s.user, xml))
    eq(nameid_of(resp), EMAIL, "unspecified: the SP's setting")
    set_sp(s, nameid_format="persistent")
    _, xml = s.sp.authn_request(s.sso, fmt="urn:example:unknown-format")
    page = sso_get(s, s.user, xml)
    resp, _ = response_of(s, page)
    check("InvalidNameIDPolicy" in resp and "<saml:Assertion" not in resp,
          "unsupported format: an error Response")


def test_login_first_then_the_parked_request_is_answered(s):
    c = s.a.client()
    rid, xml = s.sp.authn_request(s.sso)
    r = sso_get(s, c, xml, relay="rs-1")
    eq(r.status in (302, 303), True, "to the login page (%d)" % r.status)
    loc = r.header("Location")
    check("/t/%s/login?rd=" % SLUG in loc, "login with a continuation: %s" % loc)
    rd = urllib.parse.unquote(loc.split("rd=", 1)[1])
    check(rd.startswith("/t/%s/saml/sso?resume=" % SLUG), "continuation %s" % rd)
    r = s.a.login(c, SLUG, EMAIL, PW, rd=rd)
    eq(r.status, 303, "login")
    eq(r.header("Location"), rd, "back to the request")
    resp, fields = response_of(s, c.get(rd))
    check('InResponseTo="%s"' % rid in resp, "the parked request answered")
    eq(fields.get("RelayState"), "rs-1", "its RelayState")
    again = c.get(rd)
    eq(again.status, 400, "a parked request is answered once")


def test_post_binding_with_enveloped_signature(s):
    rid, xml = s.sp.authn_request(s.sso)
    signed = s.sp.sign_enveloped(xml, rid)
    r = s.user.post("/t/%s/saml/sso" % SLUG,
                    form={"SAMLRequest": saml_util.base64.b64encode(signed.encode()).decode(),
                          "RelayState": "p1"})
    resp, fields = response_of(s, r)
    check('InResponseTo="%s"' % rid in resp, "answered")
    eq(fields.get("RelayState"), "p1", "RelayState from the form")
    bad = signed.replace(s.sp.acs, s.sp.acs + "x")
    r = s.user.post("/t/%s/saml/sso" % SLUG,
                    form={"SAMLRequest": saml_util.base64.b64encode(bad.encode()).decode()})
    eq(r.status, 400, "a changed signed request is refused")


def test_post_refusals_wrapping_size_and_soap(s):
    rid, xml = s.sp.authn_request(s.sso)
    signed = s.sp.sign_enveloped(xml, rid)
    b64 = lambda x: saml_util.base64.b64encode(x.encode()).decode()
    path = "/t/%s/saml/sso" % SLUG
    # Wrapping 1: the signed request hidden in Extensions of an evil one.
    _, evil = s.sp.authn_request(s.sso, acs="https://evil.example/acs")
    wrapped = evil.replace("</saml:Issuer>", "</saml:Issuer><samlp:Extensions>%s"
                           "</samlp:Extensions>" % signed.split("?>", 1)[-1], 1)
    # Wrapping 2: the evil request carries the genuine Signature, which
    # still references the genuine (hidden) request's ID.
    sig = signed[signed.index("<ds:Signature"):signed.index("</ds:Signature>") + 15]
    inner = signed.split("?>", 1)[-1].replace(sig, "")
    evil2 = evil.replace("</saml:Issuer>", "</saml:Issuer>" + sig +
                         "<samlp:Extensions>%s</samlp:Extensions>" % inner, 1)
    tampered = signed.replace('ForceAuthn', 'X') if 'ForceAuthn' in signed else \
        signed.replace(s.sp.acs, s.sp.acs.replace("postResponse", "postResponsf"))
    for what, body in (("wrapped", wrapped), ("wrapped, genuine signature moved", evil2),
                       ("tampered", tampered)):
        r = s.user.post(path, form={"SAMLRequest": b64(body)})
        eq(r.status, 400, "%s: refused (%s)" % (what, r.text[:200]))
        check("SAMLResponse" not in r.text, "%s: no response" % what)
    r = s.user.post(path, form={"SAMLRequest": "A" * 70000})
    eq(r.status, 413, "an oversized body")
    r = s.user.post(path, body=signed, headers={"Content-Type": "text/xml"})
    eq(r.status, 400, "SOAP is not a supported binding")
    r = s.user.post(path, form="SAMLRequest=%s&SAMLRequest=%s" % (b64(signed), b64(signed)))
    eq(r.status, 400, "a duplicated field")
    r = s.user.post(path, form={"SAMLRequest": "%%%not base64"})
    eq(r.status, 400, "not base64")
    check(s.a.alive(), "alive")


def test_refusals(s):
    before = len(s.a.audit(SLUG, "saml.refused"))
    cases = []
    rid, xml = s.sp.authn_request(s.sso)
    cases.append(("unsigned", s.sp.redirect_query(xml, sign=False)))
    cases.append(("sha1", s.sp.redirect_query(xml, sigalg=saml_util.RSA_SHA1)))
    q = s.sp.redirect_query(xml)
    cases.append(("tampered", q.replace("SAMLRequest=", "SAMLRequest=A", 1)))
    parts = q.split("&")
    cases.append(("reordered", "&".join([parts[1], parts[0]] + parts[2:])))
    cases.append(("duplicated", q + "&" + parts[0]))
    _, old = s.sp.authn_request(s.sso, instant=saml_util.now_iso(-3600))
    cases.append(("old", s.sp.redirect_query(old)))
    _, fut = s.sp.authn_request(s.sso, instant=saml_util.now_iso(3600))
    cases.append(("future", s.sp.redirect_query(fut)))
    _, dest = s.sp.authn_request("https://elsewhere.example/sso")
    cases.append(("destination", s.sp.redirect_query(dest)))
    _, acs = s.sp.authn_request(s.sso, acs="https://evil.example/acs")
    cases.append(("acs", s.sp.redirect_query(acs)))
    _, unk = s.sp.authn_request(s.sso, issuer="https://unknown.example/sp")
    cases.append(("issuer", s.sp.redirect_query(unk)))
    _, art = s.sp.authn_request(
        s.sso, binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact")
    cases.append(("artifact", s.sp.redirect_query(art)))
    _, cmt = s.sp.authn_request(s.sso, issuer_xml="<saml:Issuer>%s<!-- x --></saml:Issuer>"
                                % s.sp.entity)
    cases.append(("comment", s.sp.redirect_query(cmt)))
    dt = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "y">]>' + xml
    cases.append(("doctype", s.sp.redirect_query(dt)))
    cases.append(("relay", s.sp.redirect_query(xml, relay="r" * 1025)))
    bomb = "SAMLRequest=" + urllib.parse.quote(saml_util.base64.b64encode(
        saml_util.zlib.compress(b"<" + b"a" * 5_000_000, 9)[2:-4]).decode(), safe="")
    cases.append(("bomb", bomb))
    for what, query in cases:
        r = s.user.get("/t/%s/saml/sso?%s" % (SLUG, query))
        check(r.status in (400, 413), "%s: refused (%d)" % (what, r.status))
        check("SAMLResponse" not in r.text, "%s: no response" % what)
    after = len(s.a.audit(SLUG, "saml.refused"))
    check(after - before >= len(cases) - 1, "each refusal audited (%d of %d)"
          % (after - before, len(cases)))
    # The request ID of an answered request is refused the second time.
    rid, xml = s.sp.authn_request(s.sso)
    q = s.sp.redirect_query(xml)
    eq(s.user.get("/t/%s/saml/sso?%s" % (SLUG, q)).status, 200, "first time")
    eq(s.user.get("/t/%s/saml/sso?%s" % (SLUG, q)).status, 400, "replay")
    check(s.a.alive(), "the daemon is alive")


def test_is_passive_without_session(s):
    c = s.a.client()
    _, xml = s.sp.authn_request(s.sso, passive=True)
    resp, _ = response_of(s, sso_get(s, c, xml))
    check("NoPassive" in resp and "<saml:Assertion" not in resp, "NoPassive, no page")


def test_force_authn_asks_for_the_password_again(s):
    c = s.a.client()
    s.a.login(c, SLUG, EMAIL, PW)
    rid, xml = s.sp.authn_request(s.sso, force=True)
    r = sso_get(s, c, xml)
    eq(r.status in (302, 303), True, "to the login page (%d %s)" % (r.status, r.text[:200]))
    loc = r.header("Location")
    check("reauth=1" in loc, "a login despite the session: %s" % loc)
    rd = urllib.parse.unquote(loc.split("rd=", 1)[1])
    page = c.get(loc[loc.index("/t/"):] if "://" in loc else loc)
    eq(page.status, 200, "the login form is shown to a signed-in user")
    eq(c.get(rd).status in (302, 303), True, "without a new login, no answer")
    r = c.post("/t/%s/login" % SLUG, form={"csrf": page.csrf(), "email": EMAIL,
                                            "password": PW, "rd": rd})
    eq(r.status, 303, "signed in again")
    resp, _ = response_of(s, c.get(rd))
    check('InResponseTo="%s"' % rid in resp, "answered after the password")


def test_idp_initiated(s):
    set_sp(s, encrypt=False)
    r = s.user.get("/t/%s/saml/init?sp=%s" % (SLUG, urllib.parse.quote(s.sp.entity, safe="")))
    resp, _ = response_of(s, r)
    check("InResponseTo" not in resp.split("<saml:Assertion")[0], "unsolicited")
    check(EMAIL in resp, "for the user")
    eq(s.user.get("/t/%s/saml/init?sp=nope" % SLUG).status, 404, "unknown SP")
    set_sp(s, roles="admin")
    eq(s.user.get("/t/%s/saml/init?sp=%s" % (SLUG, urllib.parse.quote(s.sp.entity, safe="")))
       .status, 403, "refused for a role the SP does not take")
    _, xml = s.sp.authn_request(s.sso)
    r = sso_get(s, s.user, xml)
    eq(r.status, 403, "SP-initiated too")
    check([e for e in s.a.audit(SLUG, "saml.refused")], "audited")
    set_sp(s, roles="user,admin", encrypt=True)


def test_sp_initiated_logout(s):
    c = s.a.client()
    s.a.login(c, SLUG, EMAIL, PW)
    _, xml = s.sp.authn_request(s.sso, fmt="email")
    resp, _ = response_of(s, sso_get(s, c, xml))
    si = re.search(r'SessionIndex="([^"]+)"', resp).group(1)
    rid, lxml = s.sp.logout_request(s.slo, EMAIL, si, fmt="email")
    r = c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(lxml)))
    eq(r.status in (302, 303), True, "answered by redirect (%d %s)" % (r.status, r.text[:300]))
    loc = r.header("Location")
    check(loc.startswith(s.sp.slo + "?SAMLResponse="), "to the SP's SLO endpoint: %s" % loc)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    out = saml_util.inflate_b64(q["SAMLResponse"][0])
    check('InResponseTo="%s"' % rid in out and "status:Success" in out, "Success: " + out[:400])
    check("SigAlg" in q and "rsa-sha256" in q["SigAlg"][0], "signed, RSA-SHA256")
    eq(c.get("/t/%s/" % SLUG).status in (302, 303), True, "the IdP session is over")
    # An unsigned LogoutRequest is refused.
    rid, lxml = s.sp.logout_request(s.slo, EMAIL, si, fmt="email")
    eq(c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(lxml, sign=False))).status, 400,
       "unsigned logout")


def test_logout_at_sekisho_tells_the_sp(s):
    c = s.a.client()
    s.a.login(c, SLUG, EMAIL, PW)
    _, xml = s.sp.authn_request(s.sso)
    response_of(s, sso_get(s, c, xml))
    home = c.get("/t/%s/" % SLUG)
    r = c.post("/t/%s/logout" % SLUG, form={"csrf": home.csrf()})
    eq(r.status in (302, 303), True, "a redirect (%d %s)" % (r.status, r.text[:200]))
    loc = r.header("Location")
    check(loc.startswith(s.sp.slo + "?SAMLRequest="), "LogoutRequest to the SP: %s" % loc)
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
    req = saml_util.inflate_b64(q["SAMLRequest"][0])
    rid = re.search(r'ID="([^"]+)"', req).group(1)
    # The SP answers; the chain ends at the login page.
    out = ('<samlp:LogoutResponse xmlns:samlp="%s" xmlns:saml="%s" ID="_r%s" Version="2.0" '
           'IssueInstant="%s" Destination="%s" InResponseTo="%s"><saml:Issuer>%s</saml:Issuer>'
           '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
           '</samlp:Status></samlp:LogoutResponse>' % (saml_util.PROTO, saml_util.ASSERT, rid[1:],
                                                       saml_util.now_iso(), s.slo, rid,
                                                       s.sp.entity))
    r = c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(out, field="SAMLResponse")))
    eq(r.status in (302, 303), True, "redirect (%d %s)" % (r.status, r.text[:200]))
    check("/login?logged_out" in r.header("Location"), "ends at the login page")
    eq(c.get("/t/%s/saml/slo?%s" % (SLUG, s.sp.redirect_query(out, field="SAMLResponse")))
       .status, 400, "the same answer twice")


def test_ip_allow_list_and_mfa_rules_come_first(s):
    before = len(s.a.audit(SLUG, "saml.refused"))
    eq(s.api.put("/policy", json={"ip": {"allow": ["127.0.0.1/32"]}}).status, 200, "allow list")
    other = s.a.client(source="127.0.0.2")
    _, xml = s.sp.authn_request(s.sso)
    r = sso_get(s, other, xml)
    eq(r.status, 403, "an address outside the allow list")
    check("SAMLResponse" not in r.text, "no response")
    rows = s.a.psql("SELECT detail::jsonb->>'reason' FROM audit_events WHERE action = 'saml.refused' "
                    "ORDER BY seq DESC LIMIT 1", superuser=True)
    eq(rows, ["ip_denied"], "audited with its reason")
    eq(s.api.put("/policy", json={"ip": {"allow": []}}).status, 200, "allow list off")
    # client_cert = required: no assertion without a valid certificate.
    # (The policy API wants a CA first; the gate is what is tested here.)
    s.a.psql("UPDATE tenants SET policy = jsonb_set(policy::jsonb, '{mfa,client_cert}', "
             "'\"required\"')::text WHERE slug = '%s'" % SLUG, superuser=True)
    _, xml = s.sp.authn_request(s.sso)
    for _ in range(100):
        r = sso_get(s, s.user, xml)
        if r.status == 403:
            break
        time.sleep(0.05)
    eq(r.status, 403, "no client certificate")
    check("SAMLResponse" not in r.text, "no response")
    rows = s.a.psql("SELECT detail::jsonb->>'reason' FROM audit_events WHERE action = "
                    "'saml.refused' ORDER BY seq DESC LIMIT 1", superuser=True)
    eq(rows, ["client_cert_required"], "audited with its reason")
    # The API is behind the same gate: the policy goes back in the database.
    s.a.psql("UPDATE tenants SET policy = jsonb_set(policy::jsonb, '{mfa,client_cert}', "
             "'\"off\"')::text WHERE slug = '%s'" % SLUG, superuser=True)
    for _ in range(100):
        if s.api.get("/policy").status == 200:
            break
        time.sleep(0.05)
    eq(s.api.get("/policy").json()["mfa"]["client_cert"], "off", "certificates off again")
    # A session from before the policy required a second factor does not
    # speak for one: the user logs in again (and must enrol).
    c = s.a.client()
    s.a.login(c, SLUG, EMAIL, PW)
    eq(s.api.put("/policy", json={"mfa": {"require": "all"}}).status, 200, "MFA for all")
    _, xml = s.sp.authn_request(s.sso)
    r = sso_get(s, c, xml)
    eq(r.status in (302, 303), True, "no assertion without the second factor (%d)" % r.status)
    check("reauth=1" in r.header("Location"), "a new login: %s" % r.header("Location"))
    eq(s.api.put("/policy", json={"mfa": {"require": "off"}}).status, 200, "MFA off")
    check(len(s.a.audit(SLUG, "saml.refused")) > before, "refusals audited")


def test_sp_removed_while_a_request_is_parked(s):
    sp2 = SP(entity="https://gone.example.test/metadata", endpoint="https://gone.example.test/m")
    r = s.api.post("/sps?name=Gone", body=sp2.metadata,
                   headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "register")
    c = s.a.client()
    _, xml = sp2.authn_request(s.sso)
    r = c.get("/t/%s/saml/sso?%s" % (SLUG, sp2.redirect_query(xml)))
    rd = urllib.parse.unquote(r.header("Location").split("rd=", 1)[1])
    eq(s.api.delete("/sps/%d" % r_id(s, sp2.entity)).status, 200, "removed")
    s.a.login(c, SLUG, EMAIL, PW, rd=rd)
    r = c.get(rd)
    eq(r.status, 400, "the parked request of a removed SP is not answered")
    check("SAMLResponse" not in r.text, "no response")


def test_audit_log_reads_saml_events_as_sentences(s):
    admin = s.a.enroll(SLUG, "root@sso.example", PW, role="admin", name="Root")
    for lang, words in (("en", ["signed in to the service provider", "was refused",
                                "single logout"]),
                        ("ja", ["にログインしました", "を拒否しました", "シングルログアウト"])):
        admin.lang = lang
        page = admin.get("/t/%s/admin/audit" % SLUG)
        eq(page.status, 200, "audit page (%s)" % lang)
        for w in words:
            check(w in page.text, "%s: %r in the audit log" % (lang, w))


def r_id(s, entity):
    return [x["id"] for x in s.api.get("/sps").json() if x["entity_id"] == entity][0]


TESTS = [
    test_redirect_with_session_gets_a_signed_response,
    test_encrypted_assertion_decrypts_with_the_sp_key,
    test_persistent_nameid_is_stable,
    test_nameid_policy_is_honoured,
    test_login_first_then_the_parked_request_is_answered,
    test_post_binding_with_enveloped_signature,
    test_refusals,
    test_post_refusals_wrapping_size_and_soap,
    test_is_passive_without_session,
    test_force_authn_asks_for_the_password_again,
    test_idp_initiated,
    test_sp_initiated_logout,
    test_logout_at_sekisho_tells_the_sp,
    test_ip_allow_list_and_mfa_rules_come_first,
    test_sp_removed_while_a_request_is_parked,
    test_audit_log_reads_saml_events_as_sentences,
]

if __name__ == "__main__":
    harness.main("saml_sso", TESTS, setup)
