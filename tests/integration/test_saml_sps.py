#!/usr/bin/env python3
"""
Service providers registered from metadata (issue 12, WIP): metadata made by
mod_auth_mellon's own mellon_create_metadata is accepted with settings
derived from it; what is not SP metadata is refused without writing
anything; the list, removal and tenant isolation; audit.  One service
provider read by id, and its settings changed with PUT: every setting
accepted and refused (400 naming the member, nothing written), encryption
only with an encryption key in the stored metadata, 404 for an unknown id
or another tenant's, saml.sp_changed with the settings before and after.
"""

import json as jsonlib
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import PW, Api, audit_count, audit_details, session_api  # noqa: E402

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


def without_encryption_key(md):
    """The metadata without its KeyDescriptor use="encryption"."""
    out, n = re.subn(rb'<KeyDescriptor use="encryption">.*?</KeyDescriptor>\s*', b"", md,
                     flags=re.S)
    eq(n, 1, "encryption keys taken out")
    return out


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


# --------------------------------------------------------------------------
# one service provider, and its settings


def register(s, entity, name, md=None):
    r = post_md(s.api, md or mellon_metadata(entity), name=name)
    eq(r.status, 201, "register %s (%s)" % (entity, r.text[:300]))
    return r.json()


def test_get_one(s):
    wiki = register(s, "https://wiki.example.test/sp", "Wiki")
    s.state["wiki"] = wiki
    r = s.api.get("/sps/%d" % wiki["id"])
    eq(r.status, 200, "GET /sps/id (%s)" % r.text[:200])
    eq(r.header("Content-Type"), "application/json", "Content-Type")
    eq(r.json(), wiki, "the item as registered")
    eq([x for x in s.api.get("/sps").json() if x["id"] == wiki["id"]], [r.json()],
       "the same as the list's item")
    for bad in ["0", "-1", "x", "1x", "99999999", "99999999999999999999"]:
        r = s.api.get("/sps/%s" % bad)
        eq((r.status, r.json()), (404, {"error": "not_found"}), "GET /sps/%s" % bad)
    r = s.other.get("/sps/%d" % wiki["id"])
    eq((r.status, r.json()), (404, {"error": "not_found"}), "another tenant's")


def put(s, sp, body, api=None):
    return (api or s.api).put("/sps/%d" % sp["id"], json=body)


def test_put_each_setting(s):
    d = s.a
    wiki = s.state["wiki"]
    cases = [
        ({"name": "Team wiki"}, {"name": "Team wiki"}),
        ({"name": "社内 Wiki — 本番"}, {"name": "社内 Wiki — 本番"}),
        ({"name": "é" * 100}, {"name": "é" * 100}),
        ({"nameid_format": "email"}, {"nameid_format": "email"}),
        ({"nameid_format": "transient"}, {"nameid_format": "transient"}),
        ({"nameid_format": "unspecified"}, {"nameid_format": "unspecified"}),
        ({"nameid_format": "persistent"}, {"nameid_format": "persistent"}),
        ({"attributes": ["role", "email"]}, {"attributes": ["email", "role"]}),
        ({"attributes": []}, {"attributes": []}),
        ({"attributes": ["name"]}, {"attributes": ["name"]}),
        ({"attributes": ["name", "role", "email"]}, {"attributes": ["email", "name", "role"]}),
        ({"sign": "response"}, {"sign": "response"}),
        ({"sign": "assertion"}, {"sign": "assertion"}),
        ({"sign": "both"}, {"sign": "both"}),
        ({"encrypt": False}, {"encrypt": False}),
        ({"encrypt": True}, {"encrypt": True}),
        ({"roles": ["admin"]}, {"roles": ["admin"]}),
        ({"roles": ["user"]}, {"roles": ["user"]}),
        ({"roles": ["admin", "user"]}, {"roles": ["user", "admin"]}),
        ({"name": "Wiki", "sign": "response", "encrypt": False, "roles": ["admin"]},
         {"name": "Wiki", "sign": "response", "encrypt": False, "roles": ["admin"]}),
    ]
    cur = dict(wiki)
    for body, want in cases:
        events = audit_count(d, SLUG, "saml.sp_changed")
        r = put(s, wiki, body)
        eq(r.status, 200, "PUT %r (%s)" % (body, r.text[:200]))
        before = dict(cur)
        cur.update(want)
        eq(r.json(), cur, "the answer to %r" % body)
        eq(s.api.get("/sps/%d" % wiki["id"]).json(), cur, "GET after %r" % body)
        eq(audit_count(d, SLUG, "saml.sp_changed"), events + 1, "one event for %r" % body)
        stored = {k: ",".join(v) if isinstance(v, list) else v for k, v in want.items()}
        was = {k: ",".join(before[k]) if isinstance(before[k], list) else before[k]
               for k in want if before[k] != cur[k]}
        eq(audit_details(d, SLUG, "saml.sp_changed")[-1],
           {"entity_id": wiki["entity_id"], "name": cur["name"], "before": was,
            "after": {k: v for k, v in stored.items() if k in was}},
           "the detail of %r" % body)
    ev = d.audit(SLUG, "saml.sp_changed")[-1]
    eq((ev["actor"], ev["role"], ev["target"], ev["result"]),
       ("token:tests-%s" % SLUG, "api", "Wiki", "success"), "the event")
    s.state["wiki"] = cur


def test_put_without_a_change_writes_nothing(s):
    d = s.a
    wiki = s.state["wiki"]
    events = audit_count(d, SLUG, "saml.sp_changed")
    for body in [{}, {"name": wiki["name"]}, {"sign": wiki["sign"], "roles": wiki["roles"]},
                 {"attributes": list(reversed(wiki["attributes"]))}]:
        r = put(s, wiki, body)
        eq((r.status, r.json()), (200, wiki), "PUT %r" % body)
    eq(audit_count(d, SLUG, "saml.sp_changed"), events, "no event without a change")


BAD_PUTS = [
    ({"bogus": 1}, "bogus"), ({"Name": "x"}, "Name"), ({"id": 5}, "id"),
    ({"entity_id": "https://other.example.test/"}, "entity_id"), ({"metadata": "<x/>"}, "metadata"),
    ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "a" * 101}, "name"),
    ({"name": "é" * 101}, "name"), ({"name": "\U0001f600" * 101}, "name"),
    ({"name": "x" * 5000}, "name"), ({"name": "line\nbreak"}, "name"),
    ({"name": "bidi\u202eevil"}, "name"), ({"name": 5}, "name"), ({"name": None}, "name"),
    ({"name": ["x"]}, "name"),
    ({"nameid_format": "Persistent"}, "nameid_format"), ({"nameid_format": ""}, "nameid_format"),
    ({"nameid_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"},
     "nameid_format"), ({"nameid_format": "emailAddress"}, "nameid_format"),
    ({"nameid_format": 1}, "nameid_format"), ({"nameid_format": None}, "nameid_format"),
    ({"attributes": ["email", "email"]}, "attributes"), ({"attributes": ["mail"]}, "attributes"),
    ({"attributes": ["email,name"]}, "attributes"), ({"attributes": [""]}, "attributes"),
    ({"attributes": "email"}, "attributes"), ({"attributes": [1]}, "attributes"),
    ({"attributes": [None]}, "attributes"), ({"attributes": None}, "attributes"),
    ({"attributes": {"email": True}}, "attributes"), ({"attributes": ["Email"]}, "attributes"),
    ({"attributes": ["email", "name", "role", "email"]}, "attributes"),
    ({"sign": "none"}, "sign"), ({"sign": ""}, "sign"), ({"sign": "Both"}, "sign"),
    ({"sign": True}, "sign"), ({"sign": ["both"]}, "sign"),
    ({"encrypt": "true"}, "encrypt"), ({"encrypt": 1}, "encrypt"), ({"encrypt": None}, "encrypt"),
    ({"roles": []}, "roles"), ({"roles": ["root"]}, "roles"),
    ({"roles": ["user", "user"]}, "roles"),
    ({"roles": "user"}, "roles"), ({"roles": ["User"]}, "roles"), ({"roles": [["user"]]}, "roles"),
    ({"roles": ["user,admin"]}, "roles"), ({"roles": None}, "roles"),
    # One bad member spoils the lot: nothing of the rest is written.
    ({"name": "Renamed", "sign": "never"}, "sign"),
    ({"name": "Renamed", "roles": []}, "roles"),
    ({"sign": "response", "extra": True}, "extra"),
]


def test_put_refused(s):
    d = s.a
    wiki = s.state["wiki"]
    events = audit_count(d, SLUG, "saml.sp_changed")
    fails = []
    for body, field in BAD_PUTS:
        r = put(s, wiki, body)
        got = (r.status, r.json() if r.body.startswith(b"{") else r.text[:80])
        if got != (400, {"error": "invalid", "field": field}):
            fails.append("%s: %r" % (jsonlib.dumps(body, ensure_ascii=False)[:80], got))
    for raw in ['{"name":', "[]", '"x"', "", "{'name':'x'}", '{"name":"a"} x']:
        r = s.api.put("/sps/%d" % wiki["id"], body=raw,
                      headers={"Content-Type": "application/json"})
        if (r.status, r.json()) != (400, {"error": "invalid_json"}):
            fails.append("body %r: %d %s" % (raw, r.status, r.text[:80]))
    r = s.api.put("/sps/%d" % wiki["id"], body='{"name":"a\\u0000b"}',
                  headers={"Content-Type": "application/json"})
    if (r.status, r.json()) != (400, {"error": "invalid", "field": "name"}):
        fails.append("NUL in the name: %d %s" % (r.status, r.text[:80]))
    check(not fails, "; ".join(fails))
    eq(s.api.get("/sps/%d" % wiki["id"]).json(), wiki, "the service provider after the refusals")
    eq(audit_count(d, SLUG, "saml.sp_changed"), events, "no event for a refusal")


def test_encryption_needs_an_encryption_key(s):
    d = s.a
    md = without_encryption_key(mellon_metadata("https://plain.example.test/sp"))
    plain = register(s, "https://plain.example.test/sp", "Plain", md=md)
    eq(plain["encrypt"], False, "registered without encryption: it has no encryption key")
    events = audit_count(d, SLUG, "saml.sp_changed")
    for body in [{"encrypt": True}, {"name": "Plain 2", "encrypt": True}]:
        r = put(s, plain, body)
        eq((r.status, r.json()), (400, {"error": "invalid", "field": "encrypt"}), "PUT %r" % body)
    eq(s.api.get("/sps/%d" % plain["id"]).json(), plain, "nothing written")
    eq(audit_count(d, SLUG, "saml.sp_changed"), events, "nothing audited")
    r = put(s, plain, {"encrypt": False, "sign": "assertion"})
    eq(r.status, 200, "what it can do (%s)" % r.text[:200])
    eq((r.json()["encrypt"], r.json()["sign"]), (False, "assertion"), "changed")
    eq(s.api.delete("/sps/%d" % plain["id"]).status, 200, "remove it")


def test_put_unknown_or_another_tenants(s):
    d = s.a
    wiki = s.state["wiki"]
    theirs = post_md(s.other, mellon_metadata("https://theirs.example.test/sp"), name="Theirs")
    eq(theirs.status, 201, "the other tenant's (%s)" % theirs.text[:200])
    theirs = theirs.json()
    for api, sp in [(s.api, theirs), (s.other, wiki)]:
        r = put(s, sp, {"name": "Taken over"}, api=api)
        eq((r.status, r.json()), (404, {"error": "not_found"}), "PUT another tenant's")
    for bad in ["0", "-1", "x", "99999999", "99999999999999999999"]:
        r = s.api.put("/sps/%s" % bad, json={"name": "Nobody"})
        eq((r.status, r.json()), (404, {"error": "not_found"}), "PUT /sps/%s" % bad)
    eq(s.api.get("/sps/%d" % wiki["id"]).json(), wiki, "mine unchanged")
    eq(s.other.get("/sps/%d" % theirs["id"]).json(), theirs, "theirs unchanged")
    eq((audit_count(d, SLUG, "saml.sp_changed", "Taken over"),
        audit_count(d, OTHER, "saml.sp_changed")), (0, 0), "no event")
    eq(s.other.delete("/sps/%d" % theirs["id"]).status, 200, "cleanup")


def test_put_needs_an_administrator(s):
    d = s.a
    wiki = s.state["wiki"]
    admin = d.enroll(SLUG, "boss@sps.example", PW, role="admin", name="Boss")
    user = d.enroll(SLUG, "user@sps.example", PW, name="User")
    path = "/sps/%d" % wiki["id"]
    r = session_api(d, user, SLUG, "PUT", path, json={"name": "By a user"})
    eq((r.status, r.json()), (403, {"error": "forbidden"}), "a user's PUT")
    r = session_api(d, user, SLUG, "GET", path)
    eq((r.status, r.json()), (403, {"error": "forbidden"}), "a user's GET")
    r = session_api(d, admin, SLUG, "PUT", path, json={"name": "No token"}, csrf=False)
    eq((r.status, r.json()), (403, {"error": "csrf"}), "an administrator without X-CSRF-Token")
    r = d.client().request("PUT", "/t/%s/api/v1%s" % (SLUG, path), json={"name": "Nobody"})
    eq(r.status, 401, "no credentials")
    eq(s.api.get(path).json(), wiki, "unchanged")
    r = session_api(d, admin, SLUG, "PUT", path, json={"name": "Wiki (admin)"})
    eq(r.status, 200, "an administrator's PUT (%s)" % r.text[:200])
    ev = d.audit(SLUG, "saml.sp_changed")[-1]
    eq((ev["actor"], ev["role"], ev["target"]), ("boss@sps.example", "admin", "Wiki (admin)"),
       "the administrator's event")
    s.state["wiki"] = r.json()


TESTS = [
    test_mellon_metadata_is_registered,
    test_what_is_not_sp_metadata_is_refused,
    test_removal_and_isolation,
    test_get_one,
    test_put_each_setting,
    test_put_without_a_change_writes_nothing,
    test_put_refused,
    test_encryption_needs_an_encryption_key,
    test_put_unknown_or_another_tenants,
    test_put_needs_an_administrator,
]

if __name__ == "__main__":
    harness.main("saml_sps", TESTS, setup)
