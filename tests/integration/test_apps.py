#!/usr/bin/env python3
"""
Applications behind the gateway, the management side (issue 11, item 1):

- the admin API `GET/POST/DELETE /t/{slug}/api/v1/apps`: exact items (URL in
  its normal form, roles in a fixed order, RFC 3339 UTC times), every kind
  of bad field answered 400 naming it with nothing written, a URL taken
  already 409, the per-tenant maximum 409 "too_many_apps", deletion, the
  audit events with their details, a user who is not an administrator
  refused, and one tenant never seeing or removing another's apps;
- the console tab /admin/apps: the table (every cell labelled), the form
  reporting every bad field next to it with the entries kept and nothing
  written, adding with the CSRF token, removal through a confirmation page
  (the GET and a POST without the token change nothing), flash notices, in
  English and Japanese;
- the home page's card of the apps the user's role may use (escaped links,
  left out when there are none or the apps cannot be read);
- the audit log's sentences for app.created, app.deleted and gateway.denied
  (every reason) in both languages, and their names in the action filter.
"""

import datetime
import html
import json as jsonlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, audit_details, q, session_api,  # noqa: E402
                         sql_super, tenant_where)
from test_console import (attr, check_confirm, element, error_box, follow, notice,  # noqa: E402
                          plain, split_location)
from test_console_audit import Row, text_of  # noqa: E402

A = "apps-a"       # API and console
B = "apps-b"       # another tenant
MAX = "apps-max"   # the maximum number of apps
HOME = "apps-home"  # the home page's card
NONE = "apps-none"  # no apps at all
GW = "apps-gw"     # gateway.denied sentences
ADMIN = "boss@apps.example"
USER = "worker@apps.example"
JA = {"Accept-Language": "ja"}
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(A)
    s.api = Api(d, A)
    s.admin = d.enroll(A, ADMIN, PW, role="admin", name="Boss")
    s.user = d.enroll(A, USER, PW, name="Worker")
    d.create_tenant(B)
    s.api_b = Api(d, B)


# --------------------------------------------------------------------------
# helpers


def apps_in_db(d, slug):
    """(name, url, roles) of the tenant's stored apps, by id."""
    rows = sql_super(d, "SELECT name || '|' || url || '|' || roles FROM apps WHERE %s "
                        "ORDER BY id" % tenant_where(slug))
    return [tuple(r.split("|")) for r in rows]


def create(api, name, url, roles, want=201):
    r = api.post("/apps", json={"name": name, "url": url, "roles": roles})
    eq(r.status, want, "POST /apps %s %s (%s)" % (name, url, r.text[:200]))
    return r.json()


def check_item(item, name, url, roles, what):
    eq(sorted(item), ["created_at", "id", "name", "roles", "url"], "%s: keys" % what)
    check(isinstance(item["id"], int) and item["id"] > 0, "%s: id %r" % (what, item["id"]))
    eq((item["name"], item["url"], item["roles"]), (name, url, roles), what)
    check(RFC3339.fullmatch(item["created_at"]), "%s: created_at %r" % (what, item["created_at"]))
    at = datetime.datetime.strptime(item["created_at"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    age = (datetime.datetime.now(datetime.timezone.utc) - at).total_seconds()
    check(-5 < age < 600, "%s: created_at %s is not now (%.0fs)" % (what, item["created_at"], age))


def page_csrf(c, slug):
    r = c.get("/t/%s/admin/apps" % slug)
    eq(r.status, 200, "apps tab (%s)" % r.text[:200])
    return r.csrf()


def app_rows(text):
    """{id: {column label: cell text}} of table#apps."""
    m = re.search(r'<table class="list" id="apps">(.*?)</table>', text, re.S)
    check(m, "no table.list#apps")
    rows = {}
    for aid, body in re.findall(r'<tr data-app="(\d+)">(.*?)</tr>', m.group(1), re.S):
        cells = re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', body, re.S)
        eq(len(re.findall(r"<td[ >]", body)), len(cells), "cells with a data-label")
        rows[int(aid)] = {html.unescape(k): text_of(v) for k, v in cells}
    return rows


def field_errors(text):
    """{id: text} of the form's field errors."""
    return {k: plain(v) for k, v in
            re.findall(r'<p class="field-error" id="([^"]+)\.error">(.*?)</p>', text, re.S)}


def input_tag(text, ident):
    m = re.search(r'<input\b[^>]*\bid="%s"[^>]*>' % re.escape(ident), text)
    check(m, "no input #%s" % ident)
    return m.group(0)


def summary_links(text):
    box = element(text, "error") or ""
    return re.findall(r'<a href="#([^"]+)">', box)


def home_apps(c, slug, lang=None):
    r = c.get("/t/%s/" % slug, headers=JA if lang == "ja" else None)
    eq(r.status, 200, "home page (%s)" % r.text[:200])
    card = re.search(r'<section class="card" id="home-apps"><h2>([^<]*)</h2>'
                     r'<ul class="plain" id="apps">(.*?)</ul></section>', r.text, re.S)
    if not card:
        check('id="home-apps"' not in r.text, "a malformed apps card")
        return r, None, None
    items = re.findall(r'<li data-app="\d+"><p><a href="([^"]*)" rel="noopener">([^<]*)</a>'
                       r'<br><span class="muted">(.*?)</span></p></li>', card.group(2))
    eq(len(items), card.group(2).count("<li"), "every item a link with its URL")
    links = [(html.unescape(h), html.unescape(t)) for h, t, _ in items]
    eq([text_of(u) for _, _, u in items], [h for h, _ in links], "the URLs shown")
    return r, html.unescape(card.group(1)), links


# --------------------------------------------------------------------------
# 1. the API


def test_api_create_list_delete(s):
    d, api = s.d, s.api
    eq(api.get("/apps").json(), [], "no apps at first")
    wiki = create(api, "Wiki", "HTTPS://App.Example.COM:443/x/", ["user", "admin"])
    check_item(wiki, "Wiki", "https://app.example.com/x", ["user", "admin"], "Wiki")
    ops = create(api, "Ops console", "http://Ops.Example.com.:8080/", ["admin"])
    check_item(ops, "Ops console", "http://ops.example.com:8080", ["admin"], "Ops")
    cal = create(api, "Calendar", "https://cal.example.com/a/%7Euser/b", ["admin", "user"])
    check_item(cal, "Calendar", "https://cal.example.com/a/~user/b", ["user", "admin"],
               "roles in a fixed order, unreserved escapes decoded")
    r = api.get("/apps")
    eq(r.status, 200, "GET /apps")
    eq(r.header("Content-Type"), "application/json", "Content-Type")
    eq(r.json(), [cal, ops, wiki], "the list, by name")
    eq(apps_in_db(d, A), [("Wiki", "https://app.example.com/x", "user,admin"),
                          ("Ops console", "http://ops.example.com:8080", "admin"),
                          ("Calendar", "https://cal.example.com/a/~user/b", "user,admin")],
       "stored rows")
    # Audited with the values stored, by the token.
    eq(audit_details(d, A, "app.created"),
       [{"name": "Wiki", "url": "https://app.example.com/x", "roles": "user,admin"},
        {"name": "Ops console", "url": "http://ops.example.com:8080", "roles": "admin"},
        {"name": "Calendar", "url": "https://cal.example.com/a/~user/b", "roles": "user,admin"}],
       "app.created details")
    ev = d.audit(A, "app.created")[0]
    eq((ev["actor"], ev["role"], ev["target"], ev["result"]),
       ("token:tests-%s" % A, "api", "Wiki", "success"), "app.created event")
    # Removal.
    r = api.delete("/apps/%d" % ops["id"])
    eq((r.status, r.json()), (200, {"ok": True}), "DELETE /apps/id")
    eq(api.get("/apps").json(), [cal, wiki], "the list after the removal")
    eq(audit_details(d, A, "app.deleted"),
       [{"name": "Ops console", "url": "http://ops.example.com:8080", "roles": "admin"}],
       "app.deleted detail")
    eq(d.audit(A, "app.deleted")[0]["target"], "Ops console", "app.deleted target")
    for bad in [str(ops["id"]), "999999", "0", "-1", "abc", "1x", "99999999999999999999"]:
        r = api.delete("/apps/%s" % bad)
        eq((r.status, r.json()), (404, {"error": "not_found"}), "DELETE /apps/%s" % bad)
    eq(audit_count(d, A, "app.deleted"), 1, "app.deleted events after the 404s")
    # The same URL may be registered again once it is free.
    again = create(api, "Ops again", "http://ops.example.com:8080", ["user"])
    check_item(again, "Ops again", "http://ops.example.com:8080", ["user"], "re-registered")
    check(again["id"] > ops["id"], "a new id")
    s.state["wiki"], s.state["cal"], s.state["again"] = wiki, cal, again


BAD_URLS = [
    "ftp://files.example.com/", "https://u@h.example.com/", "https://u:p@h.example.com/",
    "https://h.example.com/?a", "https://h.example.com/x?a=1", "https://h.example.com/#frag",
    "https://h.example.com/a/../b", "https://h.example.com/a/..", "https://h.example.com/./a",
    "https://h.example.com/a%2fb", "https://h.example.com/a%2Fb", "https://h.example.com/a%5cb",
    "https://h.example.com/a%00b", "https://h.example.com\\a", "https://h.example.com/a\\b",
    "https://hé.example.com/", "https://h.example.com/é", "https://h.example.com/a b",
    "https://h.example.com/" + "a" * 600, "https://h.example.com/a//b",
    "https://h.example.com/a;x=1", "https://h.example.com:0/", "https://h.example.com:65536/",
    "https://h.example.com:8x/", "https:///a", "https://", "h.example.com/a", "/relative", "",
    "javascript:alert(1)", "https://h..example.com/", "https://[::1/", "https://h.example.com/%zz",
]
BAD_NAMES = ["", "   ", "a" * 101, "é" * 101, "line\nbreak", "bell\x07", "del\x7f",
             "bidi\u202eevil", "tab\there"]
BAD_ROLES = [[], ["root"], ["user", "user"], ["admin", "user", "admin"], ["User"], [""],
             "user", [1], [None], [["user"]], {"user": True}, None, True, 0]


def test_api_invalid_fields(s):
    d, api = s.d, s.api
    before = api.get("/apps").json()
    events = audit_count(d, A, "app.created")
    ok = {"name": "Good", "url": "https://good.example.com/", "roles": ["user"]}
    cases = [(dict(ok, url=u), "url") for u in BAD_URLS]
    cases += [(dict(ok, name=n), "name") for n in BAD_NAMES]
    cases += [(dict(ok, roles=x), "roles") for x in BAD_ROLES]
    cases += [({}, "name"), ({"url": ok["url"], "roles": ok["roles"]}, "name"),
              ({"name": "A", "roles": ["user"]}, "url"), ({"name": "A", "url": ok["url"]}, "roles"),
              (dict(ok, name=5), "name"), (dict(ok, name=None), "name"),
              (dict(ok, name=["x"]), "name"), (dict(ok, url=True), "url"),
              (dict(ok, url={"a": 1}), "url"), (dict(ok, extra=1), "extra"),
              (dict(ok, id=7), "id"), (dict(ok, Name="x"), "Name")]
    fails = []
    for body, field in cases:
        r = api.post("/apps", json=body)
        got = (r.status, r.json() if r.body.startswith(b"{") else r.text[:80])
        if got != (400, {"error": "invalid", "field": field}):
            fails.append("%s: %r" % (jsonlib.dumps(body, ensure_ascii=False)[:90], got))
    # A NUL inside a string: the strict reader names the member.
    nul = '{"name":"a\\u0000b","url":"https://n.example.com","roles":["user"]}'
    r = api.post("/apps", body=nul, headers={"Content-Type": "application/json"})
    if (r.status, r.json()) != (400, {"error": "invalid", "field": "name"}):
        fails.append("NUL in the name: %d %s" % (r.status, r.text[:80]))
    # Not JSON, or not an object.
    for raw in ['{"name":', "[]", '"x"', "", "{'name':'x'}", '{"name":"a","name":"b"} x']:
        r = api.post("/apps", body=raw, headers={"Content-Type": "application/json"})
        if (r.status, r.json()) != (400, {"error": "invalid_json"}):
            fails.append("body %r: %d %s" % (raw, r.status, r.text[:80]))
    check(not fails, "; ".join(fails))
    eq(api.get("/apps").json(), before, "apps after the refusals")
    eq(audit_count(d, A, "app.created"), events, "app.created events after the refusals")
    # The limits themselves are allowed: 100 characters, 512 bytes of URL.
    name = "é" * 100
    url = "https://long.example.com/" + "p" * (512 - len("https://long.example.com/"))
    item = create(api, name, url, ["admin"])
    check_item(item, name, url, ["admin"], "longest name and URL")
    create(api, "x", url + "q", ["admin"], want=400)
    eq(api.delete("/apps/%d" % item["id"]).status, 200, "remove the longest")


def test_api_duplicate_url(s):
    d, api = s.d, s.api
    first = create(api, "Docs", "https://docs.example.com/team", ["user"])
    n = len(api.get("/apps").json())
    for url in ["https://docs.example.com/team", "HTTPS://DOCS.example.com:443/team/",
                "https://docs.example.com./team", "https://docs.example.com/%74eam"]:
        r = api.post("/apps", json={"name": "Other", "url": url, "roles": ["admin"]})
        eq((r.status, r.json()), (409, {"error": "conflict", "field": "url"}), "duplicate %s" % url)
    eq(len(api.get("/apps").json()), n, "apps after the duplicates")
    eq(audit_count(d, A, "app.created", "Other"), 0, "no app.created for a duplicate")
    # Another scheme, port or prefix is another app.
    for url in ["http://docs.example.com/team", "https://docs.example.com:8443/team",
                "https://docs.example.com/team/sub", "https://docs.example.com"]:
        item = create(api, "Variant", url, ["user"])
        eq(api.delete("/apps/%d" % item["id"]).status, 200, "remove %s" % url)
    eq(api.delete("/apps/%d" % first["id"]).status, 200, "remove Docs")


def test_api_too_many_apps(s):
    d = s.d
    d.create_tenant(MAX)
    api = Api(d, MAX)
    tid = d.tenant_id(MAX)
    sql_super(d, "INSERT INTO apps (tenant_id, name, url, roles) SELECT %d, 'App ' || i, "
                 "'https://a' || i || '.example.com', 'user' FROM generate_series(1, 199) i"
              % tid)
    last = create(api, "The last", "https://last.example.com", ["user"])
    eq(len(api.get("/apps").json()), 200, "apps at the maximum")
    r = api.post("/apps", json={"name": "One more", "url": "https://more.example.com",
                                "roles": ["user"]})
    eq((r.status, r.json()), (409, {"error": "too_many_apps"}), "beyond the maximum")
    eq(len(api.get("/apps").json()), 200, "apps after the refusal")
    eq(audit_count(d, MAX, "app.created"), 1, "app.created events")
    # The console says so above the form, keeping what was typed.
    admin = d.enroll(MAX, "boss@max.example", PW, role="admin", name="Max")
    tok = page_csrf(admin, MAX)
    r = admin.post("/t/%s/admin/apps" % MAX, form=[("csrf", tok), ("name", "One more"),
                                                   ("url", "https://more.example.com"),
                                                   ("roles", "user")])
    eq(r.status, 409, "console beyond the maximum")
    eq(error_box(r.text), "This organisation has the maximum of 200 applications; remove one "
                          "before adding another.", "console's error")
    eq(attr(input_tag(r.text, "app-name"), "value"), "One more", "name kept")
    eq(len(api.get("/apps").json()), 200, "apps after the console's refusal")
    # One removed, one more fits.
    eq(api.delete("/apps/%d" % last["id"]).status, 200, "remove one")
    create(api, "One more", "https://more.example.com", ["user"])


def test_api_needs_an_administrator(s):
    d, api = s.d, s.api
    n = len(api.get("/apps").json())
    wiki = s.state["wiki"]
    # A user's session: refused whatever the method.
    for method, path, body in [("GET", "/apps", None),
                               ("POST", "/apps", {"name": "U", "url": "https://u.example.com",
                                                  "roles": ["user"]}),
                               ("DELETE", "/apps/%d" % wiki["id"], None)]:
        r = session_api(d, s.user, A, method, path, json=body)
        eq((r.status, r.json()), (403, {"error": "forbidden"}), "user's %s %s" % (method, path))
    # Nobody at all.
    r = d.client().get("/t/%s/api/v1/apps" % A)
    eq((r.status, r.json()), (401, {"error": "unauthorized"}), "no credentials")
    # An administrator's session: with the CSRF header only.
    r = session_api(d, s.admin, A, "POST", "/apps", csrf=False,
                    json={"name": "S", "url": "https://s.example.com", "roles": ["user"]})
    eq((r.status, r.json()), (403, {"error": "csrf"}), "admin's POST without X-CSRF-Token")
    r = session_api(d, s.admin, A, "DELETE", "/apps/%d" % wiki["id"], csrf=False)
    eq((r.status, r.json()), (403, {"error": "csrf"}), "admin's DELETE without X-CSRF-Token")
    eq(len(api.get("/apps").json()), n, "apps after the refusals")
    r = session_api(d, s.admin, A, "GET", "/apps")
    eq((r.status, r.json()), (200, api.get("/apps").json()), "admin's session lists")
    r = session_api(d, s.admin, A, "POST", "/apps",
                    json={"name": "S", "url": "https://s.example.com", "roles": ["user"]})
    eq(r.status, 201, "admin's POST with the header (%s)" % r.text[:200])
    ev = d.audit(A, "app.created")[-1]
    eq((ev["actor"], ev["role"], ev["target"]), (ADMIN, "admin", "S"), "admin's event")
    r = session_api(d, s.admin, A, "DELETE", "/apps/%d" % r.json()["id"])
    eq((r.status, r.json()), (200, {"ok": True}), "admin's DELETE with the header")


def test_other_tenant_cannot_see_or_remove(s):
    d, api, api_b = s.d, s.api, s.api_b
    mine = api.get("/apps").json()
    check(mine, "tenant A has apps")
    deleted = audit_count(d, A, "app.deleted")
    eq(api_b.get("/apps").json(), [], "tenant B's list")
    for a in mine:
        r = api_b.delete("/apps/%d" % a["id"])
        eq((r.status, r.json()), (404, {"error": "not_found"}), "B deletes A's %d" % a["id"])
    eq(api.get("/apps").json(), mine, "A's apps after B's attempts")
    eq((audit_count(d, A, "app.deleted"), audit_count(d, B, "app.deleted")), (deleted, 0),
       "app.deleted events after B's attempts")
    # B may register the same URL for itself; A's stays A's.
    theirs = create(api_b, "Their wiki", mine[-1]["url"], ["admin"])
    eq(api.get("/apps").json(), mine, "A's apps after B registered the same URL")
    eq(api_b.get("/apps").json(), [theirs], "B's list")
    r = api.delete("/apps/%d" % theirs["id"])
    eq(r.status, 404, "A deletes B's")
    # A's token is not B's.
    r = d.client().get("/t/%s/api/v1/apps" % B, headers={"Authorization": "Bearer " + api.token})
    eq(r.status, 401, "A's token on B")
    r = api_b.delete("/apps/%d" % theirs["id"])
    eq(r.status, 200, "B removes its own")


# --------------------------------------------------------------------------
# 2. the console


def test_console_tab_lists_apps(s):
    admin = s.admin
    r = admin.get("/t/%s/admin/apps" % A)
    eq(r.status, 200, "apps tab")
    tabs = element(r.text, "admin-tabs")
    check(re.search(r'<a href="/t/%s/admin/apps" class="on" aria-current="page">Apps</a>' % A,
                    tabs), "the Apps tab, current: %r" % tabs)
    eq(re.findall(r"<th>([^<]*)</th>", r.text.split('id="apps"')[1].split("</thead>")[0]),
       ["Name", "Base URL", "Roles admitted", "Added", "Actions"], "column headings")
    rows = app_rows(r.text)
    api_apps = {a["id"]: a for a in s.api.get("/apps").json()}
    eq(sorted(rows), sorted(api_apps), "rows are the API's apps")
    wiki = rows[s.state["wiki"]["id"]]
    eq((wiki["Name"], wiki["Base URL"], wiki["Roles admitted"], wiki[""]),
       ("Wiki", "https://app.example.com/x", "User, Administrator", "Delete"), "Wiki's row")
    # In the tenant's zone (the default, Asia/Tokyo) with its offset.
    at = datetime.datetime.strptime(s.state["wiki"]["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    eq(wiki["Added"], (at + datetime.timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S +09:00"),
       "Added")
    eq(rows[s.state["again"]["id"]]["Roles admitted"], "User", "a user-only app")
    hint = element(r.text, "app-url.hint")
    check("scheme, host, optional port and path prefix" in plain(hint) and
          "only for the roles ticked" in plain(hint), "the URL's hint: %r" % plain(hint))
    eq(attr(input_tag(r.text, "app-url"), "aria-describedby"), "app-url.hint", "hint linked")
    check(" checked" in input_tag(r.text, "app-role-user") and
          " checked" in input_tag(r.text, "app-role-admin"), "both roles ticked on a new form")
    # Japanese.
    r = admin.get("/t/%s/admin/apps" % A, headers=JA)
    check('aria-current="page">アプリ</a>' in r.text, "JA tab name")
    rows = app_rows(r.text)
    eq(rows[s.state["wiki"]["id"]]["許可するロール"], "ユーザー、管理者", "JA roles")
    check("アプリケーションを追加" in r.text and "ベース URL" in r.text, "JA form")
    # Not for users, and nothing without a session.
    eq(s.user.get("/t/%s/admin/apps" % A).status, 403, "a user on the tab")
    r = s.d.client().get("/t/%s/admin/apps" % A)
    eq(r.status, 303, "no session")
    # A tenant without apps says what that means.
    s.d.create_tenant(NONE)
    c = s.d.enroll(NONE, "boss@none.example", PW, role="admin", name="None")
    r = c.get("/t/%s/admin/apps" % NONE)
    check("No application yet: the gateway lets no request through." in r.text, "no apps")


def test_console_add_reports_every_bad_field(s):
    d, admin, api = s.d, s.admin, s.api
    before = api.get("/apps").json()
    events = audit_count(d, A, "app.created")
    tok = page_csrf(admin, A)
    path = "/t/%s/admin/apps" % A
    # Everything wrong at once.
    r = admin.post(path, form=[("csrf", tok), ("name", ""), ("url", "ftp://x.example.com/")])
    eq(r.status, 400, "all bad (%s)" % r.text[:200])
    eq(field_errors(r.text),
       {"app-name": "Enter a name of 1 to 100 characters without control characters.",
        "app-url": "Enter an http:// or https:// URL of at most 512 characters, without user "
                   "name, query, fragment, backslash, \"..\", \"//\" or encoded \"/\", in ASCII.",
        "app-roles": "Tick at least one role."}, "field errors")
    eq(summary_links(r.text), ["app-name", "app-url", "app-role-user"], "summary's links")
    check(plain(element(r.text, "error")).startswith("Nothing was added. Please correct:"),
          "summary's words")
    eq(attr(input_tag(r.text, "app-url"), "value"), "ftp://x.example.com/", "URL kept")
    eq(attr(input_tag(r.text, "app-url"), "aria-invalid"), "true", "URL marked")
    eq(attr(input_tag(r.text, "app-url"), "aria-describedby"), "app-url.hint app-url.error",
       "URL described by its hint and error")
    eq(attr(input_tag(r.text, "app-name"), "aria-describedby"), "app-name.error", "name")
    check(" checked" not in input_tag(r.text, "app-role-user") and
          " checked" not in input_tag(r.text, "app-role-admin"), "no role ticked, as sent")
    # One wrong, the rest kept as typed.
    cases = [
        ([("name", "R&D <Wiki>"), ("url", "https://u@h.example.com/"), ("roles", "admin")],
         {"app-url"}),
        ([("name", "R&D <Wiki>"), ("url", "https://h.example.com/?q"), ("roles", "admin")],
         {"app-url"}),
        ([("name", "bidi\u202eevil"), ("url", "https://h.example.com/a"), ("roles", "admin")],
         {"app-name"}),
        ([("name", "line\nbreak"), ("url", "https://h.example.com/a"), ("roles", "admin")],
         {"app-name"}),
        ([("name", "   "), ("url", "https://h.example.com/a"), ("roles", "admin")],
         {"app-name"}),
        ([("name", "a" * 101), ("url", "https://h.example.com/a"), ("roles", "user")],
         {"app-name"}),
        ([("name", "R&D <Wiki>"), ("url", "https://h.example.com/a"), ("roles", "root")],
         {"app-roles"}),
        ([("name", "R&D <Wiki>"), ("url", "https://h.example.com/a"), ("roles", "user"),
          ("roles", "user")], {"app-roles"}),
        ([("name", "R&D <Wiki>"), ("url", "https://h.example.com/a")], {"app-roles"}),
        ([("url", "https://h.example.com/a"), ("roles", "user")], {"app-name"}),
    ]
    for form, bad in cases:
        r = admin.post(path, form=[("csrf", tok)] + form)
        what = repr(form)
        eq(r.status, 400, "%s: status" % what)
        eq(set(field_errors(r.text)), bad, "%s: fields in error" % what)
        sent = dict(form)
        eq(attr(input_tag(r.text, "app-name"), "value"), sent.get("name", ""), "%s: name" % what)
        eq(attr(input_tag(r.text, "app-url"), "value"), sent.get("url", ""), "%s: url" % what)
        ticked = {x for x in ("user", "admin") if " checked" in input_tag(r.text, "app-role-" + x)}
        if "app-roles" not in bad:
            eq(ticked, {sent["roles"]}, "%s: roles kept" % what)
    r = admin.post(path, form=[("csrf", tok), ("name", "R&D <Wiki>"),
                               ("url", "https://h.example.com/?q"), ("roles", "admin")])
    eq(attr(input_tag(r.text, "app-name"), "value"), "R&D <Wiki>", "name kept (unescaped)")
    check('value="R&amp;D &lt;Wiki&gt;"' in r.text, "name kept, escaped in the page")
    # A URL registered already: 409, said at the URL.
    r = admin.post(path, form=[("csrf", tok), ("name", "Copy"),
                               ("url", "https://APP.example.com/x/"), ("roles", "user")])
    eq(r.status, 409, "duplicate URL")
    eq(field_errors(r.text), {"app-url": "An application is registered at this URL already."},
       "duplicate's error")
    eq(summary_links(r.text), ["app-url"], "duplicate's summary")
    # Japanese.
    r = admin.post(path, form=[("csrf", tok), ("name", ""), ("url", "x")], headers=JA)
    eq(r.status, 400, "JA status")
    eq(field_errors(r.text)["app-roles"], "ロールを 1 つ以上チェックしてください。", "JA roles")
    eq(field_errors(r.text)["app-name"], "名前は制御文字を含まない 1〜100 文字で入力してください。",
       "JA name")
    check(plain(element(r.text, "error")).startswith("追加しませんでした。"), "JA summary")
    # Nothing was written by any of it.
    eq(api.get("/apps").json(), before, "apps after the refusals")
    eq(audit_count(d, A, "app.created"), events, "app.created events after the refusals")


def test_console_add_and_remove(s):
    d, admin, api = s.d, s.admin, s.api
    path = "/t/%s/admin/apps" % A
    form = [("name", "Grafana"), ("url", "https://Metrics.Example.com/grafana/"),
            ("roles", "admin")]
    # Without the token: nothing.
    for extra in [[], [("csrf", "bogus")], [("csrf", "")]]:
        r = admin.post(path, form=extra + form)
        eq(r.status, 403, "add without a valid token %r" % extra)
    check(not [a for a in api.get("/apps").json() if a["name"] == "Grafana"], "added anyway")
    tok = page_csrf(admin, A)
    r = admin.post(path, form=[("csrf", tok)] + form)
    eq(split_location(r.location), (path, {"done": "app_added"}), "after adding")
    page = follow(admin, r, "add")
    eq(notice(page.text), "The application has been added.", "notice")
    graf = [a for a in api.get("/apps").json() if a["name"] == "Grafana"]
    eq(len(graf), 1, "Grafana added once")
    graf = graf[0]
    eq((graf["url"], graf["roles"]), ("https://metrics.example.com/grafana", ["admin"]), "values")
    row = app_rows(page.text)[graf["id"]]
    eq((row["Name"], row["Base URL"], row["Roles admitted"]),
       ("Grafana", "https://metrics.example.com/grafana", "Administrator"), "its row")
    ev = d.audit(A, "app.created")[-1]
    eq((ev["actor"], ev["role"], ev["target"]), (ADMIN, "admin", "Grafana"), "audited")
    r = admin.get(path + "?done=app_added", headers=JA)
    eq(notice(r.text), "アプリケーションを追加しました。", "JA notice")
    # The row links to the confirmation.
    link = re.search(r'<a class="button danger" data-action="delete-app" href="([^"]+)">',
                     page.text.split('data-app="%d"' % graf["id"])[1])
    target = "/t/%s/admin/apps/%d/delete" % (A, graf["id"])
    eq(link and link.group(1), target, "delete link")
    before = audit_count(d, A, "app.deleted")
    r = admin.get(target)
    obj = "Grafana"
    tok = check_confirm(r, obj, target, path, "remove")
    eq(r.header("Cache-Control"), "no-store", "confirmation page Cache-Control")
    check([a for a in api.get("/apps").json() if a["id"] == graf["id"]],
          "removed by the confirmation's GET")
    eq(audit_count(d, A, "app.deleted"), before, "app.deleted after the confirmation's GET")
    eq(plain(element(r.text, "consequence")),
       "%s disappears from users' home pages, and the gateway refuses requests to its URL at "
       "once (unless another registered application covers them)." % obj, "consequence")
    check('aria-current="page">Apps</a>' in r.text, "on the Apps tab")
    r = admin.get(target, headers=JA)
    check("アプリケーション %s を削除しますか?" % obj in plain(r.text), "JA confirmation")
    # Looking, or posting without the token, removes nothing.
    for extra in [{}, {"csrf": "bogus"}, {"csrf": ""}]:
        r = admin.post(target, form=dict(extra, back=path))
        eq(r.status, 403, "remove without a valid token %r" % extra)
    check([a for a in api.get("/apps").json() if a["id"] == graf["id"]], "removed anyway")
    eq(audit_count(d, A, "app.deleted"), before, "app.deleted after the refusals")
    # A user may not.
    eq(s.user.get(target).status, 403, "a user's GET")
    r = admin.post(target, form={"csrf": tok, "back": path})
    eq(split_location(r.location), (path, {"done": "app_removed"}), "after removing")
    page = follow(admin, r, "remove")
    eq(notice(page.text), "The application has been removed.", "notice")
    check(graf["id"] not in app_rows(page.text), "row gone")
    check(not [a for a in api.get("/apps").json() if a["id"] == graf["id"]], "still there")
    eq(audit_details(d, A, "app.deleted", "Grafana"),
       [{"name": "Grafana", "url": "https://metrics.example.com/grafana", "roles": "admin"}],
       "app.deleted")
    # Gone, unknown, another tenant's, nonsense: 404 both ways.
    theirs = create(s.api_b, "Theirs", "https://theirs.example.com", ["user"])
    fails = []
    for x in [str(graf["id"]), "999999", "0", "-1", "abc", str(theirs["id"])]:
        p = "/t/%s/admin/apps/%s/delete" % (A, x)
        for method in ("GET", "POST"):
            r = admin.request(method, p, form={"csrf": tok} if method == "POST" else None)
            if r.status != 404:
                fails.append("%s %s: %d" % (method, p, r.status))
    check(not fails, "; ".join(fails))
    eq(s.api_b.get("/apps").json(), [theirs], "the other tenant's app")
    eq(s.api_b.delete("/apps/%d" % theirs["id"]).status, 200, "cleanup")


# --------------------------------------------------------------------------
# 3. the home page


def test_home_page_lists_the_apps_of_the_role(s):
    d = s.d
    d.create_tenant(HOME)
    api = Api(d, HOME)
    admin = d.enroll(HOME, "boss@home.example", PW, role="admin", name="Boss")
    user = d.enroll(HOME, "user@home.example", PW, name="User")
    r, title, links = home_apps(user, HOME)
    eq(links, None, "no card without apps")
    create(api, "Admin tools", "https://admin.example.com", ["admin"])
    r, title, links = home_apps(user, HOME)
    eq(links, None, "no card without apps for the user's role")
    create(api, "R&D <Wiki>", "https://wiki.example.com/r&d", ["user"])
    create(api, "Chat \"team\"", "http://chat.example.com:8080/", ["admin", "user"])
    r, title, links = home_apps(user, HOME)
    eq(title, "Applications", "the card's title")
    eq(links, [("http://chat.example.com:8080", "Chat \"team\""),
               ("https://wiki.example.com/r&d", "R&D <Wiki>")], "the user's apps")
    check('href="https://wiki.example.com/r&amp;d" rel="noopener">R&amp;D &lt;Wiki&gt;</a>'
          in r.text, "escaped link")
    r, title, links = home_apps(admin, HOME)
    eq(links, [("https://admin.example.com", "Admin tools"),
               ("http://chat.example.com:8080", "Chat \"team\"")], "the administrator's apps")
    r, title, links = home_apps(user, HOME, "ja")
    eq(title, "アプリケーション", "JA title")
    eq(len(links), 2, "JA links")
    # Another tenant's apps never show.
    create(s.api_b, "B only", "https://b-only.example.com", ["user"])
    r, _, links = home_apps(user, HOME)
    check("b-only" not in r.text, "another tenant's app on the home page")


def test_home_page_survives_unreadable_apps(s):
    d = s.d
    user = d.enroll(HOME, "user2@home.example", PW, name="User 2")
    _, _, links = home_apps(user, HOME)
    eq(len(links), 2, "apps before")
    sql_super(d, "REVOKE SELECT ON apps FROM sekisho_app")
    try:
        r, _, links = home_apps(user, HOME)
        eq(links, None, "no card when the apps cannot be read")
        check('id="user-email">user2@home.example<' in r.text, "the rest of the home page")
        check('id="sessions"' in r.text, "the sessions card")
    finally:
        sql_super(d, "GRANT SELECT ON apps TO sekisho_app")
    check("home page without its apps" in d.log_text(), "the failure is logged")
    _, _, links = home_apps(user, HOME)
    eq(len(links), 2, "apps after")


# --------------------------------------------------------------------------
# 4. audit sentences


def audit_rows(c, slug, lang="en", **params):
    qs = "&".join("%s=%s" % kv for kv in params.items())
    r = c.get("/t/%s/admin/audit%s" % (slug, "?" + qs if qs else ""),
              headers=JA if lang == "ja" else None)
    eq(r.status, 200, "audit page (%s)" % r.text[:200])
    m = re.search(r'<table class="list" id="audit">(.*?)</table>', r.text, re.S)
    check(m, "no audit table")
    return r, {int(seq): Row(int(seq), body)
               for seq, body in re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', m.group(1), re.S)}


def test_app_sentences(s):
    d = s.d
    every = [int(e["seq"]) for e in d.audit(A, "app.created") + d.audit(A, "app.deleted")]
    seq = {e["target"]: int(e["seq"]) for e in d.audit(A, "app.created")}
    deleted = {e["target"]: int(e["seq"]) for e in d.audit(A, "app.deleted")}
    r, rows = audit_rows(s.admin, A, action="app")
    eq(sorted(rows), sorted(every), "rows of the app group")
    eq(rows[seq["Wiki"]].sentence(), "API token “tests-%s” added the application “Wiki” at "
                                     "https://app.example.com/x; roles admitted: User, "
                                     "Administrator" % A, "EN created")
    eq(rows[seq["Grafana"]].sentence(), "%s added the application “Grafana” at "
                                        "https://metrics.example.com/grafana; roles admitted: "
                                        "Administrator" % ADMIN, "EN created by the admin")
    eq(rows[deleted["Grafana"]].sentence(), "%s removed the application “Grafana” at "
                                            "https://metrics.example.com/grafana" % ADMIN,
       "EN deleted")
    check(re.search(r'<optgroup label="Applications"><option value="app" selected>'
                    r'Applications: all</option><option value="app.created">Application added'
                    r'</option><option value="app.deleted">Application removed</option>'
                    r'</optgroup>', r.text), "the action filter's app group")
    check('<option value="gateway.denied">Refused by the gateway</option>' in r.text,
          "gateway.denied in the filter")
    r, rows = audit_rows(s.admin, A, "ja", action="app")
    eq(rows[seq["Ops console"]].sentence("ja"),
       "API トークン「tests-%s」 がアプリケーション「Ops console」(http://ops.example.com:8080) "
       "を追加しました。許可するロール: 管理者" % A, "JA created")
    eq(rows[seq["Wiki"]].sentence("ja").split("許可するロール: ")[1], "ユーザー、管理者",
       "JA roles")
    eq(rows[deleted["Grafana"]].sentence("ja"),
       "%s がアプリケーション「Grafana」(https://metrics.example.com/grafana) を削除しました"
       % ADMIN, "JA deleted")
    check('<option value="app.created">アプリケーションの追加</option>' in r.text, "JA filter")


GW_EVENTS = [
    # (target, detail, English, Japanese)
    ("eve@gw.example", {"reason": "ip", "url": "https://app.gw.example/x", "app": "Wiki"},
     "The gateway refused eve@gw.example access to https://app.gw.example/x: address not "
     "allowed (application “Wiki”)",
     "ゲートウェイが eve@gw.example の https://app.gw.example/x へのアクセスを拒否しました: "
     "許可されていないアドレス (アプリケーション「Wiki」)"),
    ("eve@gw.example", {"reason": "role", "url": "https://ops.gw.example/", "app": "Ops",
                        "repeated": 41},
     "The gateway refused eve@gw.example access to https://ops.gw.example/: role not admitted "
     "by the application (application “Ops”) (41 similar refusals before it were counted, "
     "not recorded)",
     "ゲートウェイが eve@gw.example の https://ops.gw.example/ へのアクセスを拒否しました: "
     "アプリケーションが許可していないロール (アプリケーション「Ops」) (この前の同様の拒否 "
     "41 件は記録せず数のみ数えました)"),
    ("eve@gw.example", {"reason": "no_app", "url": "https://nothing.gw.example/", "app": ""},
     "The gateway refused eve@gw.example access to https://nothing.gw.example/: no registered "
     "application at this URL",
     "ゲートウェイが eve@gw.example の https://nothing.gw.example/ へのアクセスを拒否しました: "
     "この URL に登録されたアプリケーションがない"),
    ("eve@gw.example", {"reason": "password_change", "url": "https://app.gw.example/",
                        "app": "Wiki"},
     "The gateway refused eve@gw.example access to https://app.gw.example/: password change "
     "required (application “Wiki”)",
     "ゲートウェイが eve@gw.example の https://app.gw.example/ へのアクセスを拒否しました: "
     "パスワードの変更が必要 (アプリケーション「Wiki」)"),
    ("eve@gw.example", {"reason": "client_certificate", "url": "https://app.gw.example/",
                        "app": "Wiki"},
     "The gateway refused eve@gw.example access to https://app.gw.example/: no valid client "
     "certificate (application “Wiki”)",
     "ゲートウェイが eve@gw.example の https://app.gw.example/ へのアクセスを拒否しました: "
     "有効なクライアント証明書がない (アプリケーション「Wiki」)"),
    ("", {"reason": "bad_url", "url": "https://app.gw.example/<b>", "app": ""},
     "The gateway refused a request for https://app.gw.example/<b>: the requested URL could "
     "not be read",
     "ゲートウェイが https://app.gw.example/<b> へのリクエストを拒否しました: "
     "要求された URL を解釈できない"),
    ("", {"reason": "something_new", "url": "https://app.gw.example/"},
     "The gateway refused a request for https://app.gw.example/: something_new",
     "ゲートウェイが https://app.gw.example/ へのリクエストを拒否しました: something_new"),
]


def test_gateway_denied_sentences(s):
    """The gateway writes these (elsewhere); here they are stored directly,
    outside the hash chain of a tenant of their own, to read them back."""
    d = s.d
    d.create_tenant(GW)
    admin = d.enroll(GW, "boss@gw.example", PW, role="admin", name="Boss")
    tid = d.tenant_id(GW)
    values = []
    for i, (target, detail, _, _) in enumerate(GW_EVENTS):
        values.append("(%d, %d, now(), '', '', '192.0.2.7', 'gateway.denied', %s, 'failure', "
                      "%s, '\\x00'::bytea, '\\x00'::bytea)"
                      % (tid, 100000 + i, q(target), q(jsonlib.dumps(detail))))
    sql_super(d, "INSERT INTO audit_events (tenant_id, seq, at, actor_email, actor_role, "
                 "source_ip, action, target, result, detail, prev_hash, hash) VALUES "
              + ", ".join(values))
    for lang in ("en", "ja"):
        r, rows = audit_rows(admin, GW, lang, action="gateway.denied")
        eq(sorted(rows), [100000 + i for i in range(len(GW_EVENTS))], "%s rows" % lang)
        for i, ev in enumerate(GW_EVENTS):
            eq(rows[100000 + i].sentence(lang), ev[2 if lang == "en" else 3],
               "%s sentence of %s" % (lang, ev[1]["reason"]))
        check("&lt;b&gt;" in r.text and "/<b>" not in r.text, "the URL escaped")


TESTS = [test_api_create_list_delete, test_api_invalid_fields, test_api_duplicate_url,
         test_api_too_many_apps, test_api_needs_an_administrator,
         test_other_tenant_cannot_see_or_remove, test_console_tab_lists_apps,
         test_console_add_reports_every_bad_field, test_console_add_and_remove,
         test_home_page_lists_the_apps_of_the_role, test_home_page_survives_unreadable_apps,
         test_app_sentences, test_gateway_denied_sentences]

if __name__ == "__main__":
    harness.main("apps", TESTS, setup)
