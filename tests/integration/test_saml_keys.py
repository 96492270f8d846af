#!/usr/bin/env python3
"""
SAML signing keys (issue 12, keys and rollover): each tenant gets an active
RSA-2048 key with a self-signed certificate when it is created; the private
key is stored sealed; the API lists the keys, makes the next one (2048 or
3072 bits), activates it (the old one stays as "previous") and deletes any
but the active one; every change is audited.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api, q, sql_super  # noqa: E402

SLUG = "samlkeys"
OTHER = "samlkeys2"


def setup(s):
    a = s.a = s.daemon()
    a.start()
    a.create_tenant(SLUG)
    a.create_tenant(OTHER)
    s.api = Api(a, SLUG)
    s.other = Api(a, OTHER)


def fingerprint(pem):
    r = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256"], input=pem,
                       capture_output=True, text=True, check=True)
    return r.stdout.strip().split("=", 1)[1].replace(":", "").lower()


def keys(api):
    r = api.get("/saml/keys")
    eq(r.status, 200, "GET /saml/keys")
    return r.json()


def test_new_tenant_has_an_active_key(s):
    ks = keys(s.api)
    eq(len(ks), 1, "keys of a new tenant")
    k = ks[0]
    eq((k["state"], k["bits"]), ("active", 2048), "state and size")
    eq(fingerprint(k["certificate"]), k["sha256"], "sha256 is the certificate's")
    r = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext", "keyUsage"],
                       input=k["certificate"], capture_output=True, text=True, check=True)
    check("samlkeys SAML IdP" in r.stdout, "subject names the tenant: %r" % r.stdout)
    check("Digital Signature" in r.stdout, "key usage: %r" % r.stdout)
    check(k["created_at"] and k["activated_at"] is None, "times: %r" % k)


def test_private_key_is_sealed(s):
    where = "tenant_id = (SELECT id FROM tenants WHERE slug = %s)" % q(SLUG)
    eq(sql_super(s.a, "SELECT count(*) FROM saml_keys WHERE " + where), ["1"], "stored keys")
    eq(sql_super(s.a, "SELECT count(*) FROM saml_keys WHERE %s AND (position(convert_to("
                      "'PRIVATE KEY', 'UTF8') IN key_sealed) > 0 OR position(convert_to("
                      "'MII', 'UTF8') IN key_sealed) > 0)" % where), ["0"],
       "keys stored in clear")


def test_rollover(s):
    first = keys(s.api)[0]
    r = s.api.post("/saml/keys", json={"bits": 3072})
    eq(r.status, 201, "create the next key (%s)" % r.text[:200])
    nxt = r.json()
    eq((nxt["state"], nxt["bits"]), ("next", 3072), "the next key")
    eq(fingerprint(nxt["certificate"]), nxt["sha256"], "next key's sha256")
    states = {k["id"]: k["state"] for k in keys(s.api)}
    eq(states, {first["id"]: "active", nxt["id"]: "next"}, "both published")
    r = s.api.delete("/saml/keys/%d" % first["id"])
    eq(r.status, 409, "deleting the active key")
    r = s.api.post("/saml/keys/%d/activate" % nxt["id"])
    eq(r.status, 200, "activate the next key (%s)" % r.text[:200])
    states = {k["id"]: k["state"] for k in keys(s.api)}
    eq(states, {first["id"]: "previous", nxt["id"]: "active"}, "after activation")
    check(any(k["activated_at"] for k in keys(s.api) if k["id"] == nxt["id"]), "activated_at")
    r = s.api.delete("/saml/keys/%d" % first["id"])
    eq(r.status, 200, "delete the previous key")
    eq([k["id"] for k in keys(s.api)], [nxt["id"]], "the keys left")
    acts = [e["action"] for e in s.a.audit(SLUG) if e["action"].startswith("saml.key")]
    for want in ("saml.key_created", "saml.key_activated", "saml.key_deleted"):
        check(want in acts, "%s audited (%r)" % (want, acts))


def test_bad_requests(s):
    for body, field in (({"bits": 1024}, "bits"), ({"bits": "2048"}, "bits"),
                        ({"bits": 4096}, "bits"), ({"size": 2048}, "size")):
        r = s.api.post("/saml/keys", json=body)
        eq(r.status, 400, "body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    r = s.api.post("/saml/keys", body=b"{not json", headers={"Content-Type": "application/json"})
    eq(r.status, 400, "not JSON")
    for path in ("/saml/keys/0/activate", "/saml/keys/99999999/activate", "/saml/keys/x"):
        r = s.api.post(path) if path.endswith("activate") else s.api.delete(path)
        eq(r.status, 404, path)


def test_other_tenant_cannot_touch_them(s):
    mine = keys(s.api)[0]
    eq(s.other.post("/saml/keys/%d/activate" % mine["id"]).status, 404, "activate another's")
    eq(s.other.delete("/saml/keys/%d" % mine["id"]).status, 404, "delete another's")
    check(mine["id"] not in [k["id"] for k in keys(s.other)], "another tenant's list")


def test_at_most_five_keys(s):
    n = len(keys(s.other))
    for _ in range(5 - n):
        eq(s.other.post("/saml/keys").status, 201, "a next key")
    r = s.other.post("/saml/keys")
    eq((r.status, r.json().get("error")), (409, "too_many_keys"), "a sixth key")
    eq(len(keys(s.other)), 5, "keys kept")


MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def metadata(s, slug):
    import xml.etree.ElementTree as ET
    r = s.a.client().get("/t/%s/saml/metadata" % slug)
    eq(r.status, 200, "metadata of %s" % slug)
    eq(r.header("Content-Type"), "application/samlmetadata+xml", "metadata content type")
    return ET.fromstring(r.body)


def published(root):
    return ["".join(x.text.split()) for x in root.iter("{%s}X509Certificate" % DS)]


def pem_body(pem):
    return "".join(l for l in pem.splitlines() if not l.startswith("-----"))


def test_metadata_publishes_every_key_active_first(s):
    root = metadata(s, SLUG)
    eq(root.tag, "{%s}EntityDescriptor" % MD, "root element")
    eq(root.get("entityID"), "http://127.0.0.1:%d/t/%s/saml/metadata" % (s.a.port, SLUG),
       "entityID")
    idp = root.find("{%s}IDPSSODescriptor" % MD)
    check(idp is not None, "an IDPSSODescriptor")
    sso = {e.get("Binding").rsplit(":", 1)[1]: e.get("Location")
           for e in idp.findall("{%s}SingleSignOnService" % MD)}
    eq(sso, {"HTTP-Redirect": "http://127.0.0.1:%d/t/%s/saml/sso" % (s.a.port, SLUG),
             "HTTP-POST": "http://127.0.0.1:%d/t/%s/saml/sso" % (s.a.port, SLUG)}, "SSO")
    ks = keys(s.api)
    active = [k for k in ks if k["state"] == "active"]
    eq(published(root)[0], pem_body(active[0]["certificate"]), "the active key first")
    eq(sorted(published(root)), sorted(pem_body(k["certificate"]) for k in ks),
       "every key published")
    r = s.api.post("/saml/keys")
    eq(r.status, 201, "a next key")
    root = metadata(s, SLUG)
    eq(len(published(root)), len(ks) + 1, "the next key published beside the active one")
    eq(published(root)[0], pem_body(active[0]["certificate"]), "still the active key first")
    eq(s.api.delete("/saml/keys/%d" % r.json()["id"]).status, 200, "remove it again")


def test_metadata_makes_a_key_on_first_use(s):
    """A tenant from before SAML (no key) gets its key on first use."""
    slug = "samlkeys3"
    s.a.create_tenant(slug)
    sql_super(s.a, "DELETE FROM saml_keys WHERE tenant_id = (SELECT id FROM tenants WHERE "
                   "slug = %s)" % q(slug))
    root = metadata(s, slug)
    eq(len(published(root)), 1, "one key made on first use")
    eq(keys(Api(s.a, slug))[0]["state"], "active", "and it is active")


def test_metadata_of_unknown_tenant(s):
    eq(s.a.client().get("/t/nosuch/saml/metadata").status, 404, "unknown tenant")


TESTS = [
    test_metadata_publishes_every_key_active_first,
    test_metadata_makes_a_key_on_first_use,
    test_metadata_of_unknown_tenant,
    test_new_tenant_has_an_active_key,
    test_private_key_is_sealed,
    test_rollover,
    test_bad_requests,
    test_other_tenant_cannot_touch_them,
    test_at_most_five_keys,
]

if __name__ == "__main__":
    harness.main("saml_keys", TESTS, setup)
