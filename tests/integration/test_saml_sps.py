#!/usr/bin/env python3
"""
Service providers registered from metadata (issue 12, WIP): metadata made by
mod_auth_mellon's own mellon_create_metadata is accepted with settings
derived from it; what is not SP metadata is refused without writing
anything; the list, removal and tenant isolation; audit.
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api  # noqa: E402

SLUG = "saml-sps"
OTHER = "saml-sps2"


def mellon_metadata(entity):
    d = tempfile.mkdtemp(prefix="sekisho-mellon.")
    subprocess.run(["mellon_create_metadata", entity, entity + "/endpoint"], cwd=d,
                   capture_output=True, check=True)
    xml = [f for f in os.listdir(d) if f.endswith(".xml")][0]
    with open(os.path.join(d, xml), "rb") as f:
        return f.read()


def setup(s):
    a = s.a = s.daemon()
    a.start()
    a.create_tenant(SLUG)
    a.create_tenant(OTHER)
    s.api = Api(a, SLUG)
    s.other = Api(a, OTHER)
    s.md = mellon_metadata("https://sp.example.test/mellon")


def post_md(api, body, name=None):
    path = "/sps" + ("?name=%s" % name if name else "")
    return api.post(path, body=body, headers={"Content-Type": "application/samlmetadata+xml"})


def test_mellon_metadata_is_registered(s):
    r = post_md(s.api, s.md, name="Wiki")
    eq(r.status, 201, "register (%s)" % r.text[:300])
    sp = r.json()
    eq((sp["entity_id"], sp["name"]), ("https://sp.example.test/mellon", "Wiki"), "ids")
    eq((sp["nameid_format"], sp["sign"], sp["encrypt"]), ("persistent", "both", True),
       "defaults: persistent (mellon lists no format), both signed, encrypted (it has a key)")
    eq((sp["attributes"], sp["roles"]), (["email", "name", "role"], ["user", "admin"]),
       "attributes and roles")
    eq([x["entity_id"] for x in s.api.get("/sps").json()], ["https://sp.example.test/mellon"],
       "the list")
    r = post_md(s.api, s.md)
    eq(r.status, 409, "the same entity again")
    rows = [e for e in s.a.audit(SLUG) if e["action"] == "saml.sp_added"]
    eq(len(rows), 1, "saml.sp_added audited once")


def test_what_is_not_sp_metadata_is_refused(s):
    before = len(s.api.get("/sps").json())
    bad = [b"", b"<a>", b"not xml",
           b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>',
           b'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>',
           s.md.replace(b"HTTP-POST", b"HTTP-Artifact"),
           s.md.replace(b"<ds:X509Certificate>", b"<ds:X509Certificate>AAAA")]
    for body in bad:
        r = post_md(s.api, body)
        eq(r.status, 400, "metadata %r" % body[:60])
        eq(r.json().get("error"), "invalid_metadata", "error code for %r" % body[:60])
    eq(len(s.api.get("/sps").json()), before, "nothing written")


def test_removal_and_isolation(s):
    sp = s.api.get("/sps").json()[0]
    eq(s.other.delete("/sps/%d" % sp["id"]).status, 404, "another tenant's SP")
    eq(s.other.get("/sps").json(), [], "another tenant's list")
    eq(s.api.delete("/sps/%d" % sp["id"]).status, 200, "remove")
    eq(s.api.get("/sps").json(), [], "gone")
    eq(s.api.delete("/sps/%d" % sp["id"]).status, 404, "remove again")
    check([e for e in s.a.audit(SLUG) if e["action"] == "saml.sp_removed"], "saml.sp_removed")


TESTS = [
    test_mellon_metadata_is_registered,
    test_what_is_not_sp_metadata_is_refused,
    test_removal_and_isolation,
]

if __name__ == "__main__":
    harness.main("saml_sps", TESTS, setup)
