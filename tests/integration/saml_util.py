"""
A scripted SAML service provider for the integration tests: its key and
metadata come from mod_auth_mellon's own mellon_create_metadata; requests
are written here and signed with openssl (HTTP-Redirect, bindings
§3.4.4.1) or xmlsec1 (an enveloped signature for HTTP-POST); responses
are read back and verified with xmlsec1 against the IdP's published
certificate.
"""

import base64
import datetime
import html
import os
import re
import subprocess
import tempfile
import urllib.parse
import uuid
import zlib

PROTO = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERT = "urn:oasis:names:tc:SAML:2.0:assertion"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
FMT = {
    "persistent": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "email": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "transient": "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "unspecified": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
}


def now_iso(delta=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class SP:
    """A service provider: entity, key, certificate, metadata."""

    def __init__(self, entity="https://sp.example.test/mellon/metadata",
                 endpoint="https://sp.example.test/mellon"):
        self.dir = tempfile.mkdtemp(prefix="sekisho-sp.")
        subprocess.run(["mellon_create_metadata", entity, endpoint], cwd=self.dir,
                       capture_output=True, check=True)
        files = os.listdir(self.dir)
        pick = lambda ext: os.path.join(self.dir, [f for f in files if f.endswith(ext)][0])
        self.key, self.cert, self.md_path = pick(".key"), pick(".cert"), pick(".xml")
        with open(self.md_path, "rb") as f:
            self.metadata = f.read()
        self.entity = entity
        self.acs = endpoint + "/postResponse"
        self.slo = endpoint + "/logout"

    def authn_request(self, destination, rid=None, instant=None, acs=None, acs_index=None,
                      binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                      force=False, passive=False, fmt=None, allow_create=True, issuer=None,
                      extra="", issuer_xml=None):
        rid = rid or "_" + uuid.uuid4().hex
        attrs = ['ID="%s"' % rid, 'Version="2.0"',
                 'IssueInstant="%s"' % (instant or now_iso())]
        if destination:
            attrs.append('Destination="%s"' % destination)
        if acs_index is not None:
            attrs.append('AssertionConsumerServiceIndex="%d"' % acs_index)
        else:
            attrs.append('AssertionConsumerServiceURL="%s"' % (acs or self.acs))
            if binding:
                attrs.append('ProtocolBinding="%s"' % binding)
        if force:
            attrs.append('ForceAuthn="true"')
        if passive:
            attrs.append('IsPassive="true"')
        pol = ""
        if fmt:
            pol = '<samlp:NameIDPolicy Format="%s" AllowCreate="%s"/>' % (
                FMT.get(fmt, fmt), "true" if allow_create else "false")
        iss = issuer_xml if issuer_xml is not None else \
            "<saml:Issuer>%s</saml:Issuer>" % html.escape(issuer or self.entity)
        xml = ('<samlp:AuthnRequest xmlns:samlp="%s" xmlns:saml="%s" %s>%s%s%s'
               '</samlp:AuthnRequest>' % (PROTO, ASSERT, " ".join(attrs), iss, pol, extra))
        return rid, xml

    def logout_request(self, destination, nameid, session_index=None, rid=None, fmt=None):
        rid = rid or "_" + uuid.uuid4().hex
        si = ("<samlp:SessionIndex>%s</samlp:SessionIndex>" % session_index
              if session_index else "")
        f = ' Format="%s"' % FMT[fmt] if fmt else ""
        xml = ('<samlp:LogoutRequest xmlns:samlp="%s" xmlns:saml="%s" ID="%s" Version="2.0" '
               'IssueInstant="%s" Destination="%s"><saml:Issuer>%s</saml:Issuer>'
               '<saml:NameID%s>%s</saml:NameID>%s</samlp:LogoutRequest>'
               % (PROTO, ASSERT, rid, now_iso(), destination, html.escape(self.entity), f,
                  html.escape(nameid), si))
        return rid, xml

    def sign_query(self, unsigned, sigalg=RSA_SHA256):
        """unsigned: 'SAMLRequest=...[&RelayState=...]' as sent; returns the full query."""
        q = unsigned + "&SigAlg=" + urllib.parse.quote(sigalg, safe="")
        dg = "-sha1" if sigalg == RSA_SHA1 else "-sha256"
        sig = subprocess.run(["openssl", "dgst", dg, "-sign", self.key], input=q.encode(),
                             capture_output=True, check=True).stdout
        return q + "&Signature=" + urllib.parse.quote(base64.b64encode(sig).decode(), safe="")

    def redirect_query(self, xml, relay=None, sign=True, sigalg=RSA_SHA256,
                       field="SAMLRequest"):
        q = field + "=" + urllib.parse.quote(deflate_b64(xml), safe="")
        if relay is not None:
            q += "&RelayState=" + urllib.parse.quote(relay, safe="")
        return self.sign_query(q, sigalg) if sign else q

    def sign_enveloped(self, xml, rid):
        """xml with an enveloped RSA-SHA256 signature over its root (xmlsec1)."""
        tmpl = ('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
                '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
                '<ds:SignatureMethod Algorithm="%s"/><ds:Reference URI="#%s"><ds:Transforms>'
                '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
                '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
                '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
                '<ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/>'
                '</ds:Signature>' % (RSA_SHA256, rid))
        # The signature goes right after the Issuer (SAML core §3.2.1 schema order).
        xml = re.sub(r"(</saml:Issuer>)", lambda m: m.group(1) + tmpl, xml, count=1)
        d = tempfile.mkdtemp(prefix="sekisho-sign.")
        src = os.path.join(d, "in.xml")
        with open(src, "w") as f:
            f.write(xml)
        root = re.match(r"<(\w+):(\w+)", xml).group(2)
        out = subprocess.run(["xmlsec1", "--sign", "--privkey-pem", self.key,
                              "--id-attr:ID", "%s:%s" % (PROTO, root), src],
                             capture_output=True, check=True).stdout
        return out.decode()


def deflate_b64(xml):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(c.compress(xml.encode()) + c.flush()).decode()


def post_form(text):
    """(action, {name: value}) of the auto-submitting form on a page."""
    m = re.search(r'<form method="post" id="saml-post" action="([^"]*)"', text)
    if not m:
        return None, {}
    fields = dict((html.unescape(n), html.unescape(v)) for n, v in
                  re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)"', text))
    return html.unescape(m.group(1)), fields


def b64xml(s):
    return base64.b64decode(s).decode()


def inflate_b64(s):
    return zlib.decompress(base64.b64decode(s), -15).decode()


def idp_cert_pem(metadata_xml):
    m = re.search(r"<ds:X509Certificate>([^<]+)</ds:X509Certificate>", metadata_xml)
    body = m.group(1).strip()
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def xmlsec_verify(xml, cert_pem, node):
    """True when xmlsec1 verifies the signature of the first `node` element
    (e.g. 'urn:oasis:names:tc:SAML:2.0:protocol:Response') with cert_pem."""
    d = tempfile.mkdtemp(prefix="sekisho-verify.")
    src, cert = os.path.join(d, "doc.xml"), os.path.join(d, "idp.pem")
    with open(src, "w") as f:
        f.write(xml)
    with open(cert, "w") as f:
        f.write(cert_pem)
    r = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", node,
                        "--node-name", node, src], capture_output=True)
    return r.returncode == 0, r.stderr.decode()[-600:]


def decrypt_assertion(xml, key_path):
    """The Response with its EncryptedAssertion decrypted by xmlsec1."""
    d = tempfile.mkdtemp(prefix="sekisho-dec.")
    src = os.path.join(d, "doc.xml")
    with open(src, "w") as f:
        f.write(xml)
    r = subprocess.run(["xmlsec1", "--decrypt", "--privkey-pem", key_path, src],
                       capture_output=True)
    return r.returncode == 0, r.stdout.decode() if r.returncode == 0 else r.stderr.decode()
