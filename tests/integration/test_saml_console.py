#!/usr/bin/env python3
"""
The console's SAML tab (/t/{slug}/admin/saml) and the home page's links to
service providers (issue 12):

- the tab: the metadata URL and entity ID to copy, the signing keys (state,
  size, SHA-256 fingerprint, created, valid until) and the service
  providers (name, entity ID, NameID format, signing, encryption, roles),
  in English and Japanese, for administrators only;
- signing keys through the forms: create the next key (2048 or 3072 bits),
  activate it, delete an old one through a confirmation page; the active
  key cannot be deleted; the maximum; without the CSRF token nothing
  happens; unknown and another tenant's keys are 404;
- registering a service provider from pasted metadata (longer than an
  ordinary form field), every refusal (no metadata, metadata that is not
  SP metadata, a DOCTYPE, no POST binding, an entity ID registered already,
  a bad name, a body over the limit) said in both languages with nothing
  written;
- one service provider's page: its settings changed (audited with the
  settings before and after), every bad setting refused next to its field
  with nothing written, encryption only with an encryption key, removal
  through a confirmation page, 404 for unknown and another tenant's;
- the audit log's sentences and filter names for saml.*;
- the home page: a link to /t/{slug}/saml/init?sp=<entity ID> for the
  service providers whose roles include the user's, none for the others.
"""

import html
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import PW, Api, audit_count, audit_details  # noqa: E402
from test_console import (attr, check_confirm, element, error_box, follow, notice,  # noqa: E402
                          plain, split_location)
from test_console_audit import Row, text_of  # noqa: E402

A = "samlc-a"      # the console
B = "samlc-b"      # another tenant
HOME = "samlc-home"  # the home page
KEYS = "samlc-keys"  # the maximum of keys
ADMIN = "boss@samlc.example"
USER = "worker@samlc.example"
JA = {"Accept-Language": "ja"}
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"


def mellon_metadata(entity):
    d = tempfile.mkdtemp(prefix="sekisho-mellon.")
    subprocess.run(["mellon_create_metadata", entity, entity + "/endpoint"], cwd=d,
                   capture_output=True, check=True)
    xml = [f for f in os.listdir(d) if f.endswith(".xml")][0]
    with open(os.path.join(d, xml), "r") as f:
        return f.read()


def without_encryption_key(md):
    out, n = re.subn(r'<KeyDescriptor use="encryption">.*?</KeyDescriptor>\s*', "", md,
                     flags=re.S)
    eq(n, 1, "encryption keys taken out")
    return out


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(A)
    d.create_tenant(B)
    s.api = Api(d, A)
    s.api_b = Api(d, B)
    s.admin = d.enroll(A, ADMIN, PW, role="admin", name="Boss")
    s.user = d.enroll(A, USER, PW, name="Worker")


# --------------------------------------------------------------------------
# helpers


def tab(c, slug=A, lang=None, query=""):
    r = c.get("/t/%s/admin/saml%s" % (slug, query), headers=JA if lang == "ja" else None)
    eq(r.status, 200, "SAML tab (%s)" % r.text[:200])
    return r


def rows(text, table, key):
    """{id: {column label: cell text}} of table#table's rows tr[data-<key>]."""
    m = re.search(r'<table class="list" id="%s">(.*?)</table>' % table, text, re.S)
    check(m, "no table.list#%s" % table)
    out = {}
    for rid, body in re.findall(r'<tr data-%s="(\d+)"[^>]*>(.*?)</tr>' % key, m.group(1), re.S):
        cells = re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', body, re.S)
        eq(len(re.findall(r"<td[ >]", body)), len(cells), "cells with a data-label")
        out[int(rid)] = {html.unescape(k): text_of(v) for k, v in cells}
        out[int(rid)]["html"] = body
    return out


def headings(text, table):
    head = text.split('id="%s"' % table)[1].split("</thead>")[0]
    return [html.unescape(h) for h in re.findall(r"<th>([^<]*)</th>", head)]


def grouped(sha):
    return " ".join(sha[i:i + 4] for i in range(0, len(sha), 4))


def field_errors(text):
    return {k: plain(v) for k, v in
            re.findall(r'<p class="field-error" id="([^"]+)\.error">(.*?)</p>', text, re.S)}


def summary_links(text):
    box = element(text, "error") or ""
    return re.findall(r'<a href="#([^"]+)">', box)


def tag(text, ident):
    m = re.search(r'<(?:input|select|textarea)\b[^>]*\bid="%s"[^>]*>' % re.escape(ident), text)
    check(m, "no field #%s" % ident)
    return m.group(0)


def textarea(text, ident):
    m = re.search(r'<textarea\b[^>]*\bid="%s"[^>]*>(.*?)</textarea>' % re.escape(ident), text,
                  re.S)
    check(m, "no textarea #%s" % ident)
    return html.unescape(m.group(1))


def selected(text, ident):
    m = re.search(r'<select\b[^>]*\bid="%s"[^>]*>(.*?)</select>' % re.escape(ident), text, re.S)
    check(m, "no select #%s" % ident)
    return re.findall(r'<option value="([^"]*)" selected>', m.group(1))


def facts(text):
    """{term: description} of the service provider's facts."""
    return {plain(k): plain(v) for k, v in
            re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", element(text, "sp") or "", re.S)}


def keys(api):
    return api.get("/saml/keys").json()


def sps(api):
    return api.get("/sps").json()


def register(c, form, slug=A, lang=None):
    return c.post("/t/%s/admin/saml/sps" % slug, form=form, headers=JA if lang == "ja" else None)


# --------------------------------------------------------------------------
# 1. the tab


def test_tab_shows_the_identity_provider_and_its_key(s):
    d = s.d
    r = tab(s.admin)
    tabs = element(r.text, "admin-tabs")
    check(re.search(r'<a href="/t/%s/admin/apps">Apps</a><a href="/t/%s/admin/saml" class="on" '
                    r'aria-current="page">SAML</a>' % (A, A), tabs),
          "the SAML tab beside Apps, current: %r" % tabs)
    url = "http://127.0.0.1:%d/t/%s/saml/metadata" % (d.port, A)
    for ident in ("idp-metadata-url", "idp-entity-id"):
        t = tag(r.text, ident)
        eq(attr(t, "value"), url, "#%s" % ident)
        check(" readonly" in t, "#%s is read-only" % ident)
    eq(headings(r.text, "keys"),
       ["State", "Size", "SHA-256 fingerprint", "Created", "Valid until", "Actions"], "key columns")
    (key,) = keys(s.api)
    got = rows(r.text, "keys", "key")
    eq(sorted(got), [key["id"]], "the one key")
    row = got[key["id"]]
    eq((row["State"], row["Size"], row["SHA-256 fingerprint"]),
       ("Active", "2048 bits", grouped(key["sha256"])), "the key's row")
    check(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00", row["Created"]),
          "created %r" % row["Created"])
    year = int(key["created_at"][:4])
    check(row["Valid until"][:4] in (str(year + 10), str(year + 11)),
          "valid until %r (made for ten years)" % row["Valid until"])
    check("data-action" not in row["html"], "no action on the active key")
    eq(headings(r.text, "sps"), ["Name", "Entity ID", "NameID format", "Signed", "Encryption",
                                 "Roles admitted", "Actions"], "service provider columns")
    check("No service provider yet." in r.text, "no service provider")
    t = tag(r.text, "sp-metadata")
    check(t.startswith("<textarea") and 'name="metadata"' in t, "a text area for the metadata")
    check('enctype="multipart' not in r.text, "no multipart form")
    # Japanese.
    r = tab(s.admin, lang="ja")
    check('aria-current="page">SAML</a>' in r.text, "JA tab")
    row = rows(r.text, "keys", "key")[key["id"]]
    eq((row["状態"], row["鍵長"]), ("使用中", "2048 ビット"), "JA key row")
    check("サービスプロバイダーはまだ登録されていません。" in r.text, "JA no service provider")
    check("メタデータ URL" in r.text and "署名鍵" in r.text, "JA headings")
    # Not for users; nobody without a session.
    eq(s.user.get("/t/%s/admin/saml" % A).status, 403, "a user on the tab")
    eq(d.client().get("/t/%s/admin/saml" % A).status, 303, "no session")


# --------------------------------------------------------------------------
# 2. signing keys


def test_key_rollover_through_the_forms(s):
    d, admin = s.d, s.admin
    path = "/t/%s/admin/saml" % A
    (first,) = keys(s.api)
    # Without the token: nothing.
    for extra in [[], [("csrf", "bogus")], [("csrf", "")]]:
        r = admin.post(path + "/keys", form=extra + [("bits", "3072")])
        eq(r.status, 403, "create without a valid token %r" % extra)
    eq(len(keys(s.api)), 1, "keys after the refusals")
    tok = tab(admin).csrf()
    # A size the form does not offer.
    for bits in ["1024", "4096", "", "2048x"]:
        r = admin.post(path + "/keys", form=[("csrf", tok), ("bits", bits)])
        eq(r.status, 400, "bits %r" % bits)
        eq(error_box(r.text), "Choose a key size of 2048 or 3072 bits.", "the error for %r" % bits)
    r = admin.post(path + "/keys", form=[("csrf", tok)], headers=JA)
    eq(error_box(r.text), "鍵長は 2048 ビットまたは 3072 ビットを選んでください。", "JA error")
    eq(len(keys(s.api)), 1, "keys after the bad sizes")
    # The next key.
    r = admin.post(path + "/keys", form=[("csrf", tok), ("bits", "3072")])
    eq(split_location(r.location), (path, {"done": "key_created"}), "after creating")
    page = follow(admin, r, "create")
    eq(notice(page.text), "The signing key has been created and is published in the metadata.",
       "notice")
    nxt = [k for k in keys(s.api) if k["id"] != first["id"]]
    eq([(k["state"], k["bits"]) for k in nxt], [("next", 3072)], "the next key")
    nxt = nxt[0]
    row = rows(page.text, "keys", "key")[nxt["id"]]
    eq((row["State"], row["Size"], row["SHA-256 fingerprint"]),
       ("Next", "3072 bits", grouped(nxt["sha256"])), "its row")
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', row["html"], re.S)
    eq(form and form.group(1), "/t/%s/admin/saml/keys/%d/activate" % (A, nxt["id"]),
       "the activate form")
    check('name="csrf"' in form.group(2), "the activate form's token")
    check('data-action="delete-key" href="/t/%s/admin/saml/keys/%d/delete"' % (A, nxt["id"])
          in row["html"], "the next key's delete link")
    ev = d.audit(A, "saml.key_created")[-1]
    eq((ev["actor"], ev["role"]), (ADMIN, "admin"), "saml.key_created by the administrator")
    # Activate: not without the token.
    act = "%s/keys/%d/activate" % (path, nxt["id"])
    for extra in [{}, {"csrf": "bogus"}]:
        eq(admin.post(act, form=extra).status, 403, "activate without a valid token %r" % extra)
    eq({k["id"]: k["state"] for k in keys(s.api)}, {first["id"]: "active", nxt["id"]: "next"},
       "states after the refusals")
    r = admin.post(act, form={"csrf": tok})
    eq(split_location(r.location), (path, {"done": "key_activated"}), "after activating")
    page = follow(admin, r, "activate")
    eq(notice(page.text), "The key has been activated: responses are signed with it from now on.",
       "notice")
    eq({k["id"]: k["state"] for k in keys(s.api)},
       {first["id"]: "previous", nxt["id"]: "active"}, "states after activating")
    got = rows(page.text, "keys", "key")
    eq((got[first["id"]]["State"], got[nxt["id"]]["State"]), ("Previous", "Active"), "rows")
    check("activate-key" not in got[first["id"]]["html"], "no activation offered for previous")
    # The active key cannot be deleted.
    active = "%s/keys/%d/delete" % (path, nxt["id"])
    r = admin.get(active)
    eq(r.status, 409, "confirmation for the active key")
    eq(error_box(r.text), "The active key cannot be deleted: activate another key first.",
       "the error")
    r = admin.post(active, form={"csrf": tok})
    eq(r.status, 409, "deleting the active key")
    r = admin.post(active, form={"csrf": tok}, headers=JA)
    eq(error_box(r.text), "使用中の鍵は削除できません。先に別の鍵を有効化してください。", "JA")
    # The previous one, through its confirmation.
    target = "%s/keys/%d/delete" % (path, first["id"])
    r = admin.get(target)
    obj = grouped(first["sha256"][:16]) + "…"
    tok2 = check_confirm(r, obj, target, path, "delete a key")
    eq(plain(element(r.text, "consequence")),
       "The key %s leaves the metadata at once and cannot be used again. This cannot be undone."
       % obj, "consequence")
    check('aria-current="page">SAML</a>' in r.text, "on the SAML tab")
    for extra in [{}, {"csrf": "bogus"}]:
        eq(admin.post(target, form=dict(extra, back=path)).status, 403,
           "delete without a valid token %r" % extra)
    eq(len(keys(s.api)), 2, "keys after the GET and the refusals")
    r = admin.post(target, form={"csrf": tok2, "back": path})
    eq(split_location(r.location), (path, {"done": "key_deleted"}), "after deleting")
    eq(notice(follow(admin, r, "delete").text), "The signing key has been deleted.", "notice")
    eq([k["id"] for k in keys(s.api)], [nxt["id"]], "the keys left")
    for action in ("saml.key_activated", "saml.key_deleted"):
        ev = d.audit(A, action)
        eq([(e["actor"], e["role"]) for e in ev], [(ADMIN, "admin")], "%s audited once" % action)
    # Unknown, nonsense and another tenant's keys.
    (theirs,) = keys(s.api_b)
    fails = []
    for x in [str(first["id"]), "999999", "0", "x", str(theirs["id"])]:
        for method, p in [("GET", "%s/keys/%s/delete" % (path, x)),
                          ("POST", "%s/keys/%s/delete" % (path, x)),
                          ("POST", "%s/keys/%s/activate" % (path, x))]:
            r = admin.request(method, p, form={"csrf": tok} if method == "POST" else None)
            if r.status != 404:
                fails.append("%s %s: %d" % (method, p, r.status))
    check(not fails, "; ".join(fails))
    eq(keys(s.api_b), [theirs], "the other tenant's key")
    eq(len(keys(s.api)), 1, "my keys")


def test_at_most_five_keys(s):
    d = s.d
    d.create_tenant(KEYS)
    api = Api(d, KEYS)
    admin = d.enroll(KEYS, "boss@keys.example", PW, role="admin", name="Keys")
    tok = tab(admin, KEYS).csrf()
    for _ in range(4):
        r = admin.post("/t/%s/admin/saml/keys" % KEYS, form=[("csrf", tok), ("bits", "2048")])
        eq(r.status, 303, "a next key (%s)" % r.text[:200])
    r = admin.post("/t/%s/admin/saml/keys" % KEYS, form=[("csrf", tok), ("bits", "2048")])
    eq(r.status, 409, "a sixth key")
    eq(error_box(r.text), "This organisation has the maximum of 5 signing keys; delete one "
                          "before creating another.", "the error")
    eq(len(keys(api)), 5, "keys")
    eq(audit_count(d, KEYS, "saml.key_created"), 5, "events (the tenant's own key and four)")


# --------------------------------------------------------------------------
# 3. registering a service provider


def test_register_through_the_form(s):
    d, admin = s.d, s.admin
    path = "/t/%s/admin/saml" % A
    md = mellon_metadata("https://wiki.samlc.example/sp")
    # Longer than an ordinary form field (4096 bytes) once padded.
    md = md.replace("<SPSSODescriptor", "<!-- %s -->\n  <SPSSODescriptor" % ("pad " * 3000), 1)
    check(len(md) > 12000, "padded metadata")
    form = [("name", "R&D <Wiki>"), ("metadata", md)]
    for extra in [[], [("csrf", "bogus")]]:
        eq(register(admin, extra + form).status, 403, "without a valid token %r" % extra)
    eq(sps(s.api), [], "nothing registered without the token")
    tok = tab(admin).csrf()
    r = register(admin, [("csrf", tok)] + form)
    eq(split_location(r.location), (path, {"done": "sp_added"}), "after registering")
    page = follow(admin, r, "register")
    eq(notice(page.text), "The service provider has been registered.", "notice")
    (sp,) = sps(s.api)
    eq((sp["name"], sp["entity_id"], sp["encrypt"]),
       ("R&D <Wiki>", "https://wiki.samlc.example/sp", True), "registered")
    row = rows(page.text, "sps", "sp")[sp["id"]]
    eq((row["Name"], row["Entity ID"], row["NameID format"], row["Signed"], row["Encryption"],
        row["Roles admitted"]),
       ("R&D <Wiki>", "https://wiki.samlc.example/sp", "Persistent", "Response and assertion",
        "Encrypted", "User, Administrator"), "its row")
    check("R&amp;D &lt;Wiki&gt;" in row["html"], "the name escaped")
    check('href="/t/%s/admin/saml/sps/%d"' % (A, sp["id"]) in row["html"], "settings link")
    check('data-action="delete-sp" href="/t/%s/admin/saml/sps/%d/delete"' % (A, sp["id"])
          in row["html"], "delete link")
    ev = d.audit(A, "saml.sp_added")[-1]
    eq((ev["actor"], ev["role"], ev["target"]), (ADMIN, "admin", "R&D <Wiki>"), "audited")
    r = tab(admin, lang="ja")
    row = rows(r.text, "sps", "sp")[sp["id"]]
    eq((row["NameID 形式"], row["署名"], row["暗号化"], row["許可するロール"]),
       ("永続 (persistent)", "レスポンスとアサーション", "暗号化する", "ユーザー、管理者"),
       "JA row")
    # Without a name the entity ID names it.
    md2 = without_encryption_key(mellon_metadata("https://plain.samlc.example/sp"))
    r = register(admin, [("csrf", tok), ("name", ""), ("metadata", md2)])
    eq(r.status, 303, "without a name (%s)" % r.text[:200])
    plain_sp = [x for x in sps(s.api) if x["entity_id"] == "https://plain.samlc.example/sp"]
    eq([(x["name"], x["encrypt"]) for x in plain_sp],
       [("https://plain.samlc.example/sp", False)], "named by its entity ID, not encrypted")
    s.state["wiki"], s.state["plain"], s.state["md"] = sp, plain_sp[0], md


REFUSALS = [
    # (name, metadata, status, {field: English error}, the Japanese error of the metadata)
    ("Empty", "", 400,
     {"sp-metadata": "Paste the service provider's metadata."},
     "サービスプロバイダーのメタデータを貼り付けてください。"),
    ("Blank", "  \r\n ", 400,
     {"sp-metadata": "Paste the service provider's metadata."}, None),
    ("Not XML", "not xml", 400,
     {"sp-metadata": "This is not SAML 2.0 service provider metadata Sekisho can use: it is not "
                     "well-formed XML."},
     "Sekisho が利用できる SAML 2.0 サービスプロバイダーのメタデータではありません: 整形式の "
     "XML ではありません。"),
    ("Doctype", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', 400,
     {"sp-metadata": "This is not SAML 2.0 service provider metadata Sekisho can use: it has a "
                     "DOCTYPE."}, None),
    ("No SP", '<EntityDescriptor xmlns="%s" entityID="https://x.example/"/>' % MD_NS, 400,
     {"sp-metadata": "This is not SAML 2.0 service provider metadata Sekisho can use: it does "
                     "not have exactly one SPSSODescriptor."}, None),
    ("Bidi\u202e name", "MD", 400,
     {"sp-name": "Enter a name of 1 to 100 characters without control characters."}, None),
    ("x" * 101, "MD", 400,
     {"sp-name": "Enter a name of 1 to 100 characters without control characters."}, None),
    ("Both bad\u202e", "<x/>", 400,
     {"sp-name": "Enter a name of 1 to 100 characters without control characters.",
      "sp-metadata": "This is not SAML 2.0 service provider metadata Sekisho can use: it is not "
                     "one EntityDescriptor."}, None),
    ("Both bad\n", "", 400,
     {"sp-name": "Enter a name of 1 to 100 characters without control characters.",
      "sp-metadata": "Paste the service provider's metadata."}, None),
]


def test_register_refusals(s):
    d, admin = s.d, s.admin
    tok = tab(admin).csrf()
    before = sps(s.api)
    events = audit_count(d, A, "saml.sp_added")
    md = s.state["md"]
    artifact = mellon_metadata("https://artifact.samlc.example/sp").replace("HTTP-POST",
                                                                            "HTTP-Artifact")
    cases = REFUSALS + [
        ("Artifact", artifact, 400,
         {"sp-metadata": "This is not SAML 2.0 service provider metadata Sekisho can use: it "
                         "has no AssertionConsumerService with the HTTP-POST binding."},
         "Sekisho が利用できる SAML 2.0 サービスプロバイダーのメタデータではありません: "
         "HTTP-POST バインディングの AssertionConsumerService がありません。"),
        ("Again", md, 409,
         {"sp-metadata": "A service provider with the entity ID https://wiki.samlc.example/sp "
                         "is registered already."},
         "エンティティ ID https://wiki.samlc.example/sp のサービスプロバイダーはすでに登録されて"
         "います。"),
    ]
    for name, metadata, status, errors, ja in cases:
        if metadata == "MD":
            metadata = mellon_metadata("https://other.samlc.example/sp")
        what = "%r/%r" % (name[:20], metadata[:30])
        r = register(admin, [("csrf", tok), ("name", name), ("metadata", metadata)])
        eq(r.status, status, "%s: status (%s)" % (what, r.text[:200]))
        eq(field_errors(r.text), errors, "%s: errors" % what)
        eq(summary_links(r.text), [k for k in ("sp-name", "sp-metadata") if k in errors],
           "%s: the summary's links" % what)
        check(plain(element(r.text, "error")).startswith("Nothing was registered. Please "
                                                         "correct:"), "%s: summary" % what)
        eq(attr(tag(r.text, "sp-name"), "value"), name, "%s: the name kept" % what)
        eq(textarea(r.text, "sp-metadata"), metadata, "%s: the metadata kept" % what)
        for ident in errors:
            t = tag(r.text, ident)
            eq(attr(t, "aria-invalid"), "true", "%s: #%s marked" % (what, ident))
            eq(attr(t, "aria-describedby"), "%s.hint %s.error" % (ident, ident),
               "%s: #%s described" % (what, ident))
        if ja:
            r = register(admin, [("csrf", tok), ("name", name), ("metadata", metadata)],
                         lang="ja")
            eq(field_errors(r.text).get("sp-metadata"), ja, "%s: Japanese" % what)
            check(plain(element(r.text, "error")).startswith("登録しませんでした。"),
                  "%s: Japanese summary" % what)
    # A body beyond the limit (the API's too): the request is refused whole.
    r = register(admin, [("csrf", tok), ("name", "Huge"),
                         ("metadata", md.replace("pad ", "padding " * 6))])
    eq(r.status, 413, "a body over 64 KiB")
    eq(sps(s.api), before, "nothing registered by the refusals")
    eq(audit_count(d, A, "saml.sp_added"), events, "nothing audited")


# --------------------------------------------------------------------------
# 4. one service provider's settings


def settings_form(text):
    """The settings form's fields as the browser would send them."""
    out = [("name", attr(tag(text, "sp-name"), "value")),
           ("nameid_format", selected(text, "sp-nameid-format")[0]),
           ("sign", selected(text, "sp-sign")[0])]
    for ident, name in [("sp-attr-email", "attributes"), ("sp-attr-name", "attributes"),
                        ("sp-attr-role", "attributes"), ("sp-encrypt", "encrypt"),
                        ("sp-role-user", "roles"), ("sp-role-admin", "roles")]:
        t = tag(text, ident)
        if " checked" in t:
            out.append((name, attr(t, "value")))
    return out


def test_settings_page(s):
    d, admin = s.d, s.admin
    wiki = s.state["wiki"]
    page = "/t/%s/admin/saml/sps/%d" % (A, wiki["id"])
    r = admin.get(page)
    eq(r.status, 200, "the page (%s)" % r.text[:200])
    check('aria-current="page">SAML</a>' in r.text, "on the SAML tab")
    f = facts(r.text)
    eq((f["Entity ID"], f["Encryption key"]), ("https://wiki.samlc.example/sp", "in the metadata"),
       "facts")
    check(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+09:00", f["Registered"]),
          "registered %r" % f["Registered"])
    eq(settings_form(r.text),
       [("name", "R&D <Wiki>"), ("nameid_format", "persistent"), ("sign", "both"),
        ("attributes", "email"), ("attributes", "name"), ("attributes", "role"),
        ("encrypt", "1"), ("roles", "user"), ("roles", "admin")], "the form as stored")
    tok = r.csrf()
    new = [("name", "Team wiki"), ("nameid_format", "email"), ("sign", "response"),
           ("attributes", "role"), ("attributes", "email"), ("roles", "admin")]
    for extra in [[], [("csrf", "bogus")]]:
        eq(admin.post(page, form=extra + new).status, 403, "save without a valid token")
    eq(s.api.get("/sps/%d" % wiki["id"]).json(), wiki, "unchanged without the token")
    r = admin.post(page, form=[("csrf", tok)] + new)
    eq(split_location(r.location), ("/t/%s/admin/saml" % A, {"done": "sp_changed"}),
       "after saving")
    eq(notice(follow(admin, r, "save").text),
       "The settings of the service provider have been saved.", "notice")
    now = s.api.get("/sps/%d" % wiki["id"]).json()
    eq((now["name"], now["nameid_format"], now["sign"], now["attributes"], now["encrypt"],
        now["roles"]),
       ("Team wiki", "email", "response", ["email", "role"], False, ["admin"]), "saved")
    eq(audit_details(d, A, "saml.sp_changed")[-1],
       {"entity_id": "https://wiki.samlc.example/sp", "name": "Team wiki",
        "before": {"name": "R&D <Wiki>", "nameid_format": "persistent",
                   "attributes": "email,name,role", "sign": "both", "encrypt": True,
                   "roles": "user,admin"},
        "after": {"name": "Team wiki", "nameid_format": "email", "attributes": "email,role",
                  "sign": "response", "encrypt": False, "roles": "admin"}}, "the event's detail")
    ev = d.audit(A, "saml.sp_changed")[-1]
    eq((ev["actor"], ev["role"], ev["target"]), (ADMIN, "admin", "Team wiki"), "the event")
    # Saved again as it is: nothing written.
    r = admin.get(page)
    events = audit_count(d, A, "saml.sp_changed")
    eq(admin.post(page, form=[("csrf", tok)] + settings_form(r.text)).status, 303, "unchanged")
    eq(audit_count(d, A, "saml.sp_changed"), events, "no event without a change")
    s.state["wiki"] = now


SETTING_REFUSALS = [
    # (changes to the good form, {field: English error})
    ({"name": ""}, {"sp-name": "Enter a name of 1 to 100 characters without control characters."}),
    ({"name": "é" * 101},
     {"sp-name": "Enter a name of 1 to 100 characters without control characters."}),
    ({"nameid_format": "emailAddress"}, {"sp-nameid-format": "Choose one of the NameID formats "
                                                             "listed."}),
    ({"sign": "nothing"}, {"sp-sign": "Choose what to sign from the list."}),
    ({"attributes": ["mail"]}, {"sp-attributes": "Tick only the attributes listed, each once."}),
    ({"attributes": ["email", "email"]},
     {"sp-attributes": "Tick only the attributes listed, each once."}),
    ({"roles": []}, {"sp-roles": "Tick at least one role."}),
    ({"roles": ["root"]}, {"sp-roles": "Tick at least one role."}),
    ({"encrypt": "yes"}, {"sp-encrypt": "Its metadata has no encryption key, so assertions "
                                        "cannot be encrypted for it. Untick encryption."}),
]


def test_settings_refused(s):
    d, admin = s.d, s.admin
    plain_sp = s.state["plain"]
    page = "/t/%s/admin/saml/sps/%d" % (A, plain_sp["id"])
    r = admin.get(page)
    check("The metadata has no encryption key, so assertions cannot be encrypted for this "
          "service provider." in plain(r.text), "the hint about encryption")
    eq(facts(r.text)["Encryption key"], "none in the metadata", "the fact")
    tok = r.csrf()
    good = dict(name="Plain", nameid_format="transient", sign="assertion",
                attributes=["name"], roles=["user"])
    events = audit_count(d, A, "saml.sp_changed")

    def form(v):
        out = [("csrf", tok)]
        for k, x in v.items():
            out += [(k, y) for y in (x if isinstance(x, list) else [x])]
        return out

    for change, errors in SETTING_REFUSALS:
        r = admin.post(page, form=form(dict(good, **change)))
        eq(r.status, 400, "%r: status (%s)" % (change, r.text[:200]))
        eq(field_errors(r.text), errors, "%r: errors" % change)
        check(plain(element(r.text, "error")).startswith("Nothing was saved. Please correct:"),
              "%r: summary" % change)
        eq(attr(tag(r.text, "sp-name"), "value"), dict(good, **change)["name"],
           "%r: the name kept" % change)
    # Encryption for a service provider without an encryption key.
    r = admin.post(page, form=form(dict(good, encrypt="1")))
    eq((r.status, field_errors(r.text)),
       (400, {"sp-encrypt": "Its metadata has no encryption key, so assertions cannot be "
                            "encrypted for it. Untick encryption."}), "encrypt without a key")
    r = admin.post(page, form=form(dict(good, encrypt="1")), headers=JA)
    eq(field_errors(r.text)["sp-encrypt"],
       "メタデータに暗号化用の鍵がないため、アサーションを暗号化できません。暗号化のチェック"
       "を外してください。", "JA")
    # Everything wrong at once.
    r = admin.post(page, form=[("csrf", tok), ("name", "tab\there"), ("nameid_format", "x"),
                               ("sign", ""), ("attributes", "x"), ("encrypt", "1")])
    eq(r.status, 400, "all bad")
    eq(summary_links(r.text), ["sp-name", "sp-nameid-format", "sp-attr-email", "sp-sign",
                               "sp-encrypt", "sp-role-user"], "the summary's links")
    eq(s.api.get("/sps/%d" % plain_sp["id"]).json(), plain_sp, "nothing written")
    eq(audit_count(d, A, "saml.sp_changed"), events, "nothing audited")
    # Unknown ids and another tenant's.
    theirs = s.api_b.post("/sps?name=Theirs", body=mellon_metadata("https://b.samlc.example/sp"),
                          headers={"Content-Type": "application/samlmetadata+xml"})
    eq(theirs.status, 201, "the other tenant's (%s)" % theirs.text[:200])
    theirs = theirs.json()
    fails = []
    for x in ["999999", "0", "x", str(theirs["id"])]:
        p = "/t/%s/admin/saml/sps/%s" % (A, x)
        for method, path in [("GET", p), ("POST", p), ("GET", p + "/delete"),
                             ("POST", p + "/delete")]:
            r = admin.request(method, path, form=form(good) if method == "POST" else None)
            if r.status != 404:
                fails.append("%s %s: %d" % (method, path, r.status))
    check(not fails, "; ".join(fails))
    eq(s.api_b.get("/sps").json(), [theirs], "the other tenant's service provider")
    eq(s.user.get(page).status, 403, "a user on the page")


def test_removal_through_confirmation(s):
    d, admin = s.d, s.admin
    plain_sp = s.state["plain"]
    path = "/t/%s/admin/saml" % A
    target = "%s/sps/%d/delete" % (path, plain_sp["id"])
    r = admin.get(target)
    tok = check_confirm(r, plain_sp["name"], target, path, "remove")
    eq(plain(element(r.text, "consequence")),
       "%s disappears from users' home pages, and Sekisho stops signing anyone in to it, at "
       "once." % plain_sp["name"], "consequence")
    r = admin.get(target, headers=JA)
    check("サービスプロバイダー %s を削除しますか?" % plain_sp["name"] in plain(r.text), "JA")
    for extra in [{}, {"csrf": "bogus"}]:
        eq(admin.post(target, form=dict(extra, back=path)).status, 403,
           "remove without a valid token %r" % extra)
    eq(s.user.get(target).status, 403, "a user's GET")
    check([x for x in sps(s.api) if x["id"] == plain_sp["id"]], "removed too early")
    eq(audit_count(d, A, "saml.sp_removed"), 0, "nothing audited yet")
    r = admin.post(target, form={"csrf": tok, "back": path})
    eq(split_location(r.location), (path, {"done": "sp_removed"}), "after removing")
    page = follow(admin, r, "remove")
    eq(notice(page.text), "The service provider has been removed.", "notice")
    check(plain_sp["id"] not in rows(page.text, "sps", "sp"), "its row is gone")
    check(not [x for x in sps(s.api) if x["id"] == plain_sp["id"]], "still registered")
    eq(audit_details(d, A, "saml.sp_removed"),
       [{"entity_id": plain_sp["entity_id"], "name": plain_sp["name"]}], "saml.sp_removed")
    eq(admin.post(target, form={"csrf": tok}).status, 404, "removed again")


# --------------------------------------------------------------------------
# 5. the audit log


def test_audit_sentences(s):
    admin = s.admin
    r = admin.get("/t/%s/admin/audit?action=saml" % A)
    eq(r.status, 200, "the audit log")
    check(re.search(r'<optgroup label="SAML"><option value="saml" selected>SAML: all</option>'
                    r'<option value="saml.key_created">Signing key created</option>', r.text),
          "the action filter's SAML group")
    m = re.search(r'<table class="list" id="audit">(.*?)</table>', r.text, re.S)
    got = [Row(int(q), b) for q, b in re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', m.group(1),
                                                   re.S)]
    sentences = [x.sentence() for x in got]
    key = [k for k in keys(s.api)][0]
    want = [
        "%s created SAML signing key #%d (3072 bits) as the next key" % (ADMIN, key["id"]),
        "%s activated SAML signing key #%d: responses are signed with it" % (ADMIN, key["id"]),
        "%s registered the service provider “R&D <Wiki>” (https://wiki.samlc.example/sp)" % ADMIN,
        "%s changed the service provider “Team wiki” (https://wiki.samlc.example/sp):" % ADMIN,
        "%s removed the service provider “https://plain.samlc.example/sp” "
        "(https://plain.samlc.example/sp)" % ADMIN,
    ]
    for w in want:
        check(w in sentences, "no sentence %r in %r" % (w, sentences))
    changed = [x for x in got if x.sentence().startswith("%s changed the service" % ADMIN)][0]
    eq(changed.changes(), ["Name: R&D <Wiki> → Team wiki",
                           "NameID format: Persistent → E-mail address",
                           "Attributes sent: E-mail address, Display name, Role → E-mail "
                           "address, Role",
                           "Signed: Response and assertion → Response only",
                           "Encryption: Encrypted → Not encrypted",
                           "Roles admitted: User, Administrator → Administrator"], "changes")
    r = admin.get("/t/%s/admin/audit?action=saml.sp_changed" % A, headers=JA)
    m = re.search(r'<table class="list" id="audit">(.*?)</table>', r.text, re.S)
    got = [Row(int(q), b) for q, b in re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', m.group(1),
                                                   re.S)]
    first = [x for x in got if "Team wiki" in x.sentence("ja")][0]
    eq(first.sentence("ja"), "%s がサービスプロバイダー「Team wiki」"
                             "(https://wiki.samlc.example/sp) の設定を変更しました:" % ADMIN, "JA")
    eq(first.changes("ja")[-1], "許可するロール: ユーザー、管理者 → 管理者", "JA change")


# --------------------------------------------------------------------------
# 6. the home page


def home_links(c, slug):
    r = c.get("/t/%s/" % slug)
    eq(r.status, 200, "home page (%s)" % r.text[:200])
    card = element(r.text, "apps")
    if card is None:
        return r, []
    return r, [(html.unescape(h), html.unescape(t)) for h, t in
               re.findall(r'<li data-sp="\d+"><p><a href="([^"]*)" rel="noopener">([^<]*)</a>',
                          card)]


def test_home_page_links(s):
    d = s.d
    d.create_tenant(HOME)
    api = Api(d, HOME)
    admin = d.enroll(HOME, "boss@home.samlc.example", PW, role="admin", name="Boss")
    user = d.enroll(HOME, "user@home.samlc.example", PW, name="User")
    _, links = home_links(user, HOME)
    eq(links, [], "nothing before any service provider")
    made = {}
    for entity, name, roles in [("https://admin.samlc.example/sp?x=1&y=2", "Admin tools",
                                 ["admin"]),
                                ("https://all.samlc.example/sp", "Chat \"team\" <all>",
                                 ["user", "admin"])]:
        r = api.post("/sps?name=%s" % urllib.parse.quote(name),
                     body=mellon_metadata(entity).replace("&", "&amp;"),
                     headers={"Content-Type": "application/samlmetadata+xml"})
        eq(r.status, 201, "register %s (%s)" % (name, r.text[:200]))
        sp = r.json()
        eq(api.put("/sps/%d" % sp["id"], json={"roles": roles}).status, 200, "roles")
        made[name] = sp
    link = "/t/%s/saml/init?sp=%s"
    admin_link = link % (HOME, "https%3A//admin.samlc.example/sp%3Fx%3D1%26y%3D2")
    all_link = link % (HOME, "https%3A//all.samlc.example/sp")
    r, links = home_links(user, HOME)
    eq(links, [(all_link, "Chat \"team\" <all>")], "the user's links")
    check("admin.samlc.example" not in r.text, "the admin-only one not shown to the user")
    check('rel="noopener">Chat &quot;team&quot; &lt;all&gt;</a>' in r.text, "the name escaped")
    _, links = home_links(admin, HOME)
    eq(links, [(admin_link, "Admin tools"), (all_link, "Chat \"team\" <all>")],
       "the administrator's links")
    target = urllib.parse.parse_qs(urllib.parse.urlsplit(admin_link).query)["sp"][0]
    eq(target, "https://admin.samlc.example/sp?x=1&y=2", "the entity ID comes back decoded")
    # The role taken away: the link goes.
    eq(api.put("/sps/%d" % made["Chat \"team\" <all>"]["id"], json={"roles": ["admin"]}).status,
       200, "admins only")
    _, links = home_links(user, HOME)
    eq(links, [], "no link once the role is refused")
    # Another tenant's never show.
    r, links = home_links(s.admin, A)
    eq([t for _, t in links], ["Team wiki"], "tenant %s's administrator's links" % A)
    check("all.samlc.example" not in r.text, "another tenant's service provider")


TESTS = [
    test_tab_shows_the_identity_provider_and_its_key,
    test_key_rollover_through_the_forms,
    test_at_most_five_keys,
    test_register_through_the_form,
    test_register_refusals,
    test_settings_page,
    test_settings_refused,
    test_removal_through_confirmation,
    test_audit_sentences,
    test_home_page_links,
]

if __name__ == "__main__":
    harness.main("saml_console", TESTS, setup)
