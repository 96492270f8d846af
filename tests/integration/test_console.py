#!/usr/bin/env python3
"""
The administrator console as a product (issue 8), through real pages:

- every destructive or session-ending action (suspend, force sign-out,
  delete, revoke an invitation, end one session) first answers its GET with
  a confirmation page that names the object and the consequence, posts to
  the same address with the CSRF token, and cancels to where the
  administrator came from (never outside this tenant's console); the GET
  changes nothing, a POST without the token is refused, the POST with it
  acts and comes back with a notice;
- role changes (console form and API), audited once, with the last
  administrator kept and the change taking effect at the next request;
- the overview's figures against a population made for it;
- one user's page: profile, role form, live sessions, audit trail, tenant
  isolation, ending one session;
- invitations without a mail server: the link is shown once, in that answer
  only.
"""

import html
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, PW2, audit_count, audit_details, logged_in,  # noqa: E402
                         logout, q, session_api, sql_super, tenant_where)

BAD_BACKS = ["//evil.example/", "/t/other/admin/", "https://evil.example/",
             "/\\evil.example/", "/t/other/admin/users", "javascript:alert(1)",
             "/t/%s/admin/../../other/admin/", "/t/%s/admin/%2e%2e/%2E%2e/other/admin/"]


def setup(s):
    d = s.d = s.daemon()
    d.start()


# --------------------------------------------------------------------------
# helpers


def enc(s):
    return urllib.parse.quote(s, safe="")


def element(text, ident):
    """Inner HTML of the element with id=ident (no nesting of its own tag)."""
    m = re.search(r'<(\w+)\b[^>]*\bid="%s"[^>]*>(.*?)</\1>' % re.escape(ident), text, re.S)
    return m.group(2) if m else None


def plain(fragment):
    """Text of an HTML fragment: tags dropped, entities decoded, spaces folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment or "")).split())


def attr(tag, name):
    m = re.search(r'\b%s="([^"]*)"' % re.escape(name), tag)
    return html.unescape(m.group(1)) if m else None


def tag_with(text, pattern):
    """The first start tag matching pattern (a regex inside the tag)."""
    m = re.search(r"<[a-z]+\b[^>]*%s[^>]*>" % pattern, text)
    return m.group(0) if m else None


def hidden(fragment, name):
    tags = re.findall(r'<input\b[^>]*\bname="%s"[^>]*>' % re.escape(name), fragment)
    return [attr(t, "value") for t in tags]


def same_path(a, b):
    return urllib.parse.unquote(a or "") == urllib.parse.unquote(b or "")


def split_location(loc):
    """(path, {arg: value}) of a redirect's Location (path unquoted)."""
    parts = urllib.parse.urlsplit(loc or "")
    args = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
    check(all(len(v) == 1 for v in args.values()), "repeated argument in %r" % loc)
    return urllib.parse.unquote(parts.path), {k: v[0] for k, v in args.items()}


def stat(text, ident):
    m = re.search(r'<div\b[^>]*\bid="stat-%s"[^>]*>.*?<dd>\s*(\d+)\s*</dd>' % re.escape(ident),
                  text, re.S)
    return int(m.group(1)) if m else None


def table_seqs(text, ident):
    """data-seq of every row of table#ident, in page order (None: no table)."""
    m = re.search(r'<table\b[^>]*\bid="%s"[^>]*>(.*?)</table>' % re.escape(ident), text, re.S)
    if not m:
        return None
    return [int(x) for x in re.findall(r'<tr\b[^>]*\bdata-seq="(\d+)"', m.group(1))]


def table_rows(text, ident, key):
    """data-<key> of every row of table#ident, in page order."""
    m = re.search(r'<table\b[^>]*\bid="%s"[^>]*>(.*?)</table>' % re.escape(ident), text, re.S)
    if not m:
        return None
    return re.findall(r'<tr\b[^>]*\bdata-%s="([^"]*)"' % re.escape(key), m.group(1))


def notice(text):
    m = re.search(r'<p\b[^>]*\bid="notice"[^>]*>(.*?)</p>', text, re.S)
    return plain(m.group(1)) if m else None


def error_box(text):
    m = re.search(r'<p\b[^>]*\bid="error"[^>]*>(.*?)</p>', text, re.S)
    return plain(m.group(1)) if m else None


def audit_total(d, slug):
    return int(sql_super(d, "SELECT count(*) FROM audit_events WHERE " + tenant_where(slug))[0])


def audit_rows(d, slug, where="true"):
    """(seq, actor_email, actor_role, action, target) of a tenant's events."""
    rows = sql_super(d, "SELECT seq, actor_email, actor_role, action, target FROM audit_events "
                        "WHERE %s AND %s ORDER BY seq" % (tenant_where(slug), where))
    return [(int(r.split("|")[0]),) + tuple(r.split("|")[1:]) for r in rows]


def live_sessions(d, slug, email):
    """Ids of the user's sessions that have not ended, ascending."""
    rows = sql_super(d, "SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE "
                        "u.email = %s AND u.%s AND s.ended_at IS NULL ORDER BY s.id"
                     % (q(email), tenant_where(slug)))
    return [int(x) for x in rows]


def login_new(d, slug, email, password=PW):
    """A new client signed in as email; returns (client, its session id)."""
    before = set(live_sessions(d, slug, email))
    c = d.client()
    r = d.login(c, slug, email, password)
    eq(r.status, 303, "login of %s (%s)" % (email, r.text[:200]))
    new = set(live_sessions(d, slug, email)) - before
    eq(len(new), 1, "new sessions after one login of %s" % email)
    return c, new.pop()


def check_confirm(r, obj, action, back, what):
    """A confirmation page for obj posting to action and cancelling to back."""
    eq(r.status, 200, "%s: confirmation page status (%s)" % (what, r.text[:200]))
    sec = element(r.text, "confirm")
    check(sec is not None, "%s: no #confirm section" % what)
    head = re.search(r"<h2>(.*?)</h2>", sec, re.S)
    check(head and obj in plain(head.group(1)), "%s: heading does not name %s: %r"
          % (what, obj, head and plain(head.group(1))))
    cons = element(r.text, "consequence")
    check(cons is not None, "%s: no #consequence" % what)
    check(obj in plain(cons), "%s: consequence does not name %s: %r" % (what, obj, plain(cons)))
    forms = re.findall(r"(<form\b[^>]*>)(.*?)</form>", sec, re.S)
    eq(len(forms), 1, "%s: forms on the confirmation page" % what)
    ftag, body = forms[0]
    eq((attr(ftag, "method") or "").lower(), "post", "%s: form method" % what)
    check(same_path(attr(ftag, "action"), action), "%s: form action %r, want %r"
          % (what, attr(ftag, "action"), action))
    csrf = hidden(body, "csrf")
    check(len(csrf) == 1 and csrf[0], "%s: CSRF field %r" % (what, csrf))
    backs = hidden(body, "back")
    check(len(backs) == 1 and same_path(backs[0], back), "%s: back field %r, want %r"
          % (what, backs, back))
    check(re.search(r'<button\b[^>]*type="submit"[^>]*id="confirm-yes"', body),
          "%s: no submit button #confirm-yes in the form" % what)
    cancel = tag_with(sec, r'\bid="confirm-cancel"')
    check(cancel, "%s: no #confirm-cancel" % what)
    check(same_path(attr(cancel, "href"), back), "%s: Cancel link %r, want %r"
          % (what, attr(cancel, "href"), back))
    return csrf[0]


def follow(c, r, what):
    """GET the Location of a 303; returns the page (which must be 200)."""
    eq(r.status, 303, "%s: status (%s)" % (what, r.text[:200]))
    check(r.location and r.location.startswith("/"), "%s: Location %r" % (what, r.location))
    page = c.get(r.location)
    eq(page.status, 200, "%s: page after the redirect %s" % (what, r.location))
    return page


def tenant_with_admin(s, slug, admin):
    s.d.create_tenant(slug)
    api = Api(s.d, slug)
    c = s.d.enroll(slug, admin, PW, role="admin", name="Admin " + slug)
    return api, c


def conf_state(s):
    st = s.state.get("conf")
    if st:
        return st
    st = {"slug": "conf", "admin": "boss@conf.example"}
    st["api"], st["c"] = tenant_with_admin(s, "conf", st["admin"])
    s.state["conf"] = st
    return st


# --------------------------------------------------------------------------
# 1. confirmation of destructive actions


def test_suspend_confirmation_from_the_list(s):
    d, st = s.d, conf_state(s)
    slug, api, admin = st["slug"], st["api"], st["c"]
    email = "susp@conf.example"
    victim = d.enroll(slug, email, PW, name="Susp")
    d.enroll(slug, "bystander@conf.example", PW, name="By")
    # The list, searched, links to the confirmation page with itself as back.
    lst = admin.get("/t/%s/admin/users?q=susp" % slug)
    eq(lst.status, 200, "users list")
    link = tag_with(lst.text, r'data-action="suspend"[^>]*href="[^"]*%s' % re.escape(enc(email)))
    check(link, "no suspend link for %s on the searched list" % email)
    href = attr(link, "href")
    path, args = split_location(href)
    eq(path, "/t/%s/admin/users/%s/suspend" % (slug, email), "suspend link path")
    eq(args.get("back"), "/t/%s/admin/users?q=susp" % slug, "suspend link's back")
    before = audit_total(d, slug)
    r = admin.get(href)
    back = "/t/%s/admin/users?q=susp" % slug
    check_confirm(r, email, "/t/%s/admin/users/%s/suspend" % (slug, email), back, "suspend")
    # The same with the back the brief names, given by hand.
    back = "/t/%s/admin/users?q=x" % slug
    r = admin.get("/t/%s/admin/users/%s/suspend?back=%s" % (slug, email, enc(back)))
    tok = check_confirm(r, email, "/t/%s/admin/users/%s/suspend" % (slug, email), back,
                        "suspend with back")
    eq(r.header("Cache-Control"), "no-store", "confirmation page Cache-Control")
    # Looking changed nothing.
    eq(api.user(email)["status"], "active", "status after the confirmation GET")
    check(logged_in(d, victim, slug), "session ended by the confirmation GET")
    eq(audit_total(d, slug), before, "audit events after the confirmation GETs")
    # Without the token (or with a wrong one) nothing happens.
    for form in [{"back": back}, {"back": back, "csrf": "bogus"}, {"csrf": ""}]:
        r = admin.post("/t/%s/admin/users/%s/suspend" % (slug, email), form=form)
        eq(r.status, 403, "suspend POST with %r" % form)
    eq(api.user(email)["status"], "active", "status after token-less POSTs")
    check(logged_in(d, victim, slug), "session ended by a token-less POST")
    eq(audit_total(d, slug), before, "audit events after token-less POSTs")
    # With it: done, back to the searched list with the notice.
    r = admin.post("/t/%s/admin/users/%s/suspend" % (slug, email),
                   form={"csrf": tok, "back": back})
    eq(r.status, 303, "suspend POST (%s)" % r.text[:200])
    path, args = split_location(r.location)
    eq(path, "/t/%s/admin/users" % slug, "after suspending: path")
    eq(args, {"done": "suspended", "q": "x", "u": email}, "after suspending: arguments")
    page = follow(admin, r, "suspend")
    eq(notice(page.text), "%s has been suspended and signed out everywhere." % email,
       "notice after suspending")
    eq(api.user(email)["status"], "suspended", "status after the POST")
    check(not logged_in(d, victim, slug), "suspended user still signed in")
    eq(audit_count(d, slug, "user.suspended", email), 1, "user.suspended events")
    eq(audit_total(d, slug), before + 1, "audit events after the suspension")
    ev = d.audit(slug, "user.suspended")[-1]
    eq((ev["actor"], ev["role"]), (st["admin"], "admin"), "suspension's actor")
    # Suspended: the list offers no suspend link for them any more.
    lst = admin.get("/t/%s/admin/users" % slug)
    pat = r'data-action="suspend"[^>]*href="[^"]*%s' % re.escape(enc(email))
    check(not tag_with(lst.text, pat), "a suspended user still has a suspend link")


def test_confirmation_ignores_a_foreign_back(s):
    d, st = s.d, conf_state(s)
    slug, admin = st["slug"], st["c"]
    email = "backs@conf.example"
    d.enroll(slug, email, PW, name="Backs")
    inv = st["api"].invite("backs-inv@conf.example")
    inv_id = [i["id"] for i in st["api"].get("/invitations").json()
              if i["email"] == "backs-inv@conf.example"][0]
    c2, sid = login_new(d, slug, email)
    lst = "/t/%s/admin/users" % slug
    user_page = "/t/%s/admin/users/%s" % (slug, email)
    cases = [("suspend", "/t/%s/admin/users/%s/suspend" % (slug, email), email, lst),
             ("logout", "/t/%s/admin/users/%s/logout" % (slug, email), email, lst),
             ("delete", "/t/%s/admin/users/%s/delete" % (slug, email), email, lst),
             ("revoke", "/t/%s/admin/invitations/%d/revoke" % (slug, inv_id),
              "backs-inv@conf.example", "/t/%s/admin/invitations" % slug),
             ("end session", "%s/sessions/%d/end" % (user_page, sid), email, user_page)]
    before = audit_total(d, slug)
    fails = []
    for what, action, obj, fallback in cases:
        for bad in BAD_BACKS:
            bad = bad.replace("%s", slug)
            r = admin.get("%s?back=%s" % (action, enc(bad)))
            try:
                check_confirm(r, obj, action, fallback, "%s, back=%s" % (what, bad))
                check("evil.example" not in r.text, "evil.example echoed")
            except harness.TestFailure as e:
                fails.append(str(e))
    check(not fails, "; ".join(fails[:4]) + (" (+%d more)" % (len(fails) - 4)
                                              if len(fails) > 4 else ""))
    eq(audit_total(d, slug), before, "audit events after the confirmation GETs")
    eq(st["api"].user(email)["status"], "active", "status after the GETs")
    check(logged_in(d, c2, slug), "session ended by a confirmation GET")
    eq(d.client().get(d.path_of(inv)).status, 200, "invitation after the revoke GET")
    # A foreign back given to the POST is ignored as well: back to the list.
    page = admin.get("/t/%s/admin/users/%s/logout" % (slug, email))
    r = admin.post("/t/%s/admin/users/%s/logout" % (slug, email),
                   form={"csrf": page.csrf(), "back": "//evil.example/x"})
    eq(r.status, 303, "logout POST with a foreign back")
    path, args = split_location(r.location)
    eq(path, lst, "after a POST with a foreign back")
    eq(args, {"done": "logout", "u": email}, "arguments after a POST with a foreign back")


def test_force_logout_confirmation_from_the_user_page(s):
    d, st = s.d, conf_state(s)
    slug, api, admin = st["slug"], st["api"], st["c"]
    email = "twice@conf.example"
    c1 = d.enroll(slug, email, PW, name="Twice")
    c2, _ = login_new(d, slug, email)
    up = "/t/%s/admin/users/%s" % (slug, email)
    page = admin.get(up)
    eq(page.status, 200, "user page")
    link = tag_with(page.text, r'data-action="logout"')
    check(link, "no force sign-out link on the user page")
    path, args = split_location(attr(link, "href"))
    eq(path, up + "/logout", "force sign-out link")
    check(same_path(args.get("back"), up), "force sign-out link's back: %r" % args.get("back"))
    before = audit_total(d, slug)
    r = admin.get(attr(link, "href"))
    tok = check_confirm(r, email, up + "/logout", args["back"], "force sign-out")
    check("ends" in plain(element(r.text, "consequence")).lower(),
          "the consequence does not say what happens")
    for c in (c1, c2):
        check(logged_in(d, c, slug), "a session ended by the confirmation GET")
    eq(audit_total(d, slug), before, "audit events after the GET")
    eq(admin.post(up + "/logout", form={"back": up}).status, 403, "logout POST without token")
    for c in (c1, c2):
        check(logged_in(d, c, slug), "a session ended by a token-less POST")
    eq(audit_total(d, slug), before, "audit events after a token-less POST")
    r = admin.post(up + "/logout", form={"csrf": tok, "back": args["back"]})
    eq(r.status, 303, "logout POST")
    path, qargs = split_location(r.location)
    eq(path, up, "after the sign-out: back on the user page")
    eq(qargs, {"done": "logout", "u": email}, "after the sign-out: arguments")
    page = follow(admin, r, "force sign-out")
    eq(notice(page.text), "All sessions of %s have ended." % email, "notice")
    for c in (c1, c2):
        check(not logged_in(d, c, slug), "a session survived the forced sign-out")
    eq(audit_details(d, slug, "session.forced_logout", email), [{"sessions": 2}],
       "session.forced_logout events")
    eq(api.user(email)["status"], "active", "status after a sign-out")
    eq(table_rows(page.text, "user-sessions", "session"), [], "sessions listed after it")


def test_delete_confirmation_from_the_user_page_lands_on_the_list(s):
    d, st = s.d, conf_state(s)
    slug, api, admin = st["slug"], st["api"], st["c"]
    email = "gone@conf.example"
    victim = d.enroll(slug, email, PW, name="Gone")
    up = "/t/%s/admin/users/%s" % (slug, email)
    page = admin.get(up)
    link = tag_with(page.text, r'data-action="delete"')
    check(link, "no delete link on the user page")
    path, args = split_location(attr(link, "href"))
    eq(path, up + "/delete", "delete link")
    before = audit_total(d, slug)
    r = admin.get(attr(link, "href"))
    tok = check_confirm(r, email, up + "/delete", args["back"], "delete")
    check(same_path(args["back"], up), "delete's back is the user page: %r" % args["back"])
    check(email in api.users(), "user gone after the confirmation GET")
    check(logged_in(d, victim, slug), "session ended by the confirmation GET")
    eq(audit_total(d, slug), before, "audit events after the GET")
    eq(admin.post(up + "/delete", form={"back": up}).status, 403, "delete POST without token")
    check(email in api.users(), "user gone after a token-less POST")
    r = admin.post(up + "/delete", form={"csrf": tok, "back": args["back"]})
    eq(r.status, 303, "delete POST (%s)" % r.text[:200])
    path, qargs = split_location(r.location)
    eq(path, "/t/%s/admin/users" % slug, "after deleting from the user's page")
    eq(qargs, {"done": "deleted", "u": email}, "arguments after deleting")
    page = follow(admin, r, "delete")
    eq(notice(page.text), "%s has been deleted." % email, "notice after deleting")
    check(email not in api.users(), "user still listed by the API")
    check(not logged_in(d, victim, slug), "deleted user's session alive")
    eq(admin.get(up).status, 404, "the deleted user's page")
    eq(admin.get(up + "/delete").status, 404, "the confirmation of a deleted user")
    eq(audit_count(d, slug, "user.deleted", email), 1, "user.deleted events")
    # From the list with no back at all: the plain list.
    email2 = "gone2@conf.example"
    d.enroll(slug, email2, PW, name="Gone Too")
    r = admin.get("/t/%s/admin/users/%s/delete" % (slug, email2))
    tok = check_confirm(r, email2, "/t/%s/admin/users/%s/delete" % (slug, email2),
                        "/t/%s/admin/users" % slug, "delete without back")
    r = admin.post("/t/%s/admin/users/%s/delete" % (slug, email2), form={"csrf": tok})
    path, qargs = split_location(r.location)
    eq((r.status, path, qargs), (303, "/t/%s/admin/users" % slug,
                                 {"done": "deleted", "u": email2}), "delete without back")


def test_revoke_confirmation(s):
    d, st = s.d, conf_state(s)
    slug, api, admin = st["slug"], st["api"], st["c"]
    email = "revoke-me@conf.example"
    url = api.invite(email)
    other_url = api.invite("keep-me@conf.example")
    inv = [i for i in api.get("/invitations").json() if i["email"] == email][0]
    lst = admin.get("/t/%s/admin/invitations" % slug)
    eq(lst.status, 200, "invitations list")
    eq(sorted(int(x) for x in table_rows(lst.text, "invitations", "invitation")),
       sorted(i["id"] for i in api.get("/invitations").json()), "rows of the invitations list")
    action = "/t/%s/admin/invitations/%d/revoke" % (slug, inv["id"])
    link = tag_with(lst.text, r'data-action="revoke"[^>]*href="%s"' % re.escape(action))
    check(link, "no revoke link for invitation %d" % inv["id"])
    before = audit_total(d, slug)
    r = admin.get(attr(link, "href"))
    tok = check_confirm(r, email, action, "/t/%s/admin/invitations" % slug, "revoke")
    # Looking changed nothing.
    check(any(i["id"] == inv["id"] for i in api.get("/invitations").json()),
          "invitation no longer listed after the confirmation GET")
    eq(d.client().get(d.path_of(url)).status, 200, "invitation link after the GET")
    eq(audit_total(d, slug), before, "audit events after the GET")
    for form in [{}, {"csrf": "nope"}]:
        eq(admin.post(action, form=form).status, 403, "revoke POST with %r" % form)
    eq(d.client().get(d.path_of(url)).status, 200, "invitation link after token-less POSTs")
    eq(audit_total(d, slug), before, "audit events after token-less POSTs")
    r = admin.post(action, form={"csrf": tok, "back": "/t/%s/admin/invitations" % slug})
    eq(r.status, 303, "revoke POST (%s)" % r.text[:200])
    path, qargs = split_location(r.location)
    eq((path, qargs), ("/t/%s/admin/invitations" % slug, {"done": "revoked"}),
       "after revoking")
    page = follow(admin, r, "revoke")
    eq(notice(page.text), "The invitation has been revoked.", "notice after revoking")
    check(str(inv["id"]) not in (table_rows(page.text, "invitations", "invitation") or []),
          "revoked invitation still on the list")
    eq(d.client().get(d.path_of(url)).status, 404, "revoked invitation link")
    eq(d.client().get(d.path_of(other_url)).status, 200, "the other invitation's link")
    check(all(i["id"] != inv["id"] for i in api.get("/invitations").json()),
          "revoked invitation listed by the API")
    eq(audit_count(d, slug, "invitation.revoked", email), 1, "invitation.revoked events")
    eq(admin.get(action).status, 404, "confirmation of a revoked invitation")
    eq(admin.post(action, form={"csrf": tok}).status, 404, "revoking it again")


def test_end_session_confirmation(s):
    d, st = s.d, conf_state(s)
    slug, admin = st["slug"], st["c"]
    email = "ender@conf.example"
    c1 = d.enroll(slug, email, PW, name="Ender")
    c2, sid = login_new(d, slug, email)
    up = "/t/%s/admin/users/%s" % (slug, email)
    action = "%s/sessions/%d/end" % (up, sid)
    before = audit_total(d, slug)
    r = admin.get(action + "?back=" + enc("/t/%s/admin/users?q=x" % slug))
    tok = check_confirm(r, email, action, up, "end session")
    check(logged_in(d, c2, slug) and logged_in(d, c1, slug), "session ended by the GET")
    eq(audit_total(d, slug), before, "audit events after the GET")
    eq(admin.post(action, form={"back": up}).status, 403, "end POST without token")
    check(logged_in(d, c2, slug), "session ended by a token-less POST")
    eq(audit_total(d, slug), before, "audit events after a token-less POST")
    # Post what the page's form holds: its back field must lead to the user page.
    back = hidden(element(r.text, "confirm"), "back")[0]
    eq(back, up, "the confirmation form's back field")
    r = admin.post(action, form={"csrf": tok, "back": back})
    eq(r.status, 303, "end POST (%s)" % r.text[:200])
    path, qargs = split_location(r.location)
    eq((path, qargs), (up, {"done": "session", "u": email}), "after ending the session")
    page = follow(admin, r, "end session")
    eq(notice(page.text), "The session of %s has ended." % email, "notice")
    check(not logged_in(d, c2, slug), "the ended session is still alive")
    check(logged_in(d, c1, slug), "the other session ended too")
    eq(audit_total(d, slug), before + 1, "audit events after ending one session")


def test_unknown_objects_are_404(s):
    d, st = s.d, conf_state(s)
    slug, admin = st["slug"], st["c"]
    d.create_tenant("conf-b")
    d.enroll("conf-b", "stranger@conf.example", PW, name="Stranger")
    b_inv = Api(d, "conf-b").invite("b-guest@conf.example")
    b_inv_id = [i["id"] for i in Api(d, "conf-b").get("/invitations").json()][0]
    email = "known@conf.example"
    d.enroll(slug, email, PW, name="Known")
    c_other, other_sid = login_new(d, "conf-b", "stranger@conf.example")
    admin_sid = live_sessions(d, slug, st["admin"])[-1]
    tok = admin.get("/t/%s/admin/users" % slug).csrf()
    before = audit_total(d, slug)
    paths = []
    for who in ["nobody@conf.example", "stranger@conf.example", "not-an-address"]:
        for verb in ["suspend", "logout", "delete"]:
            paths.append("/t/%s/admin/users/%s/%s" % (slug, who, verb))
        paths.append("/t/%s/admin/users/%s/sessions/1/end" % (slug, who))
    paths += ["/t/%s/admin/invitations/%s/revoke" % (slug, x)
              for x in ["999999", "abc", "0", "-1", str(b_inv_id)]]
    # Sessions that are not this user's: another tenant's, the admin's own,
    # one that does not exist, and nonsense ids.
    paths += ["/t/%s/admin/users/%s/sessions/%s/end" % (slug, email, x)
              for x in [str(other_sid), str(admin_sid), "99999999", "abc", "0", "-3"]]
    paths.append("/t/%s/admin/users/stranger@conf.example/sessions/%d/end" % (slug, other_sid))
    fails = []
    for p in paths:
        for method in ("GET", "POST"):
            r = admin.request(method, p, form={"csrf": tok} if method == "POST" else None)
            if r.status != 404:
                fails.append("%s %s: %d" % (method, p, r.status))
    check(not fails, "; ".join(fails))
    eq(audit_total(d, slug), before, "audit events after 404s")
    check(logged_in(d, c_other, "conf-b"), "the other tenant's session ended")
    check(logged_in(d, admin, slug), "the admin's own session ended")
    eq(d.client().get(d.path_of(b_inv)).status, 200, "the other tenant's invitation")
    eq(Api(d, "conf-b").user("stranger@conf.example")["status"], "active",
       "the other tenant's user")


# --------------------------------------------------------------------------
# 2. roles


def roles_state(s):
    st = s.state.get("roles")
    if st:
        return st
    st = {"slug": "roles", "admin": "chief@roles.example", "user": "member@roles.example"}
    st["api"], st["c"] = tenant_with_admin(s, "roles", st["admin"])
    st["uc"] = s.d.enroll("roles", st["user"], PW, name="Member")
    s.state["roles"] = st
    return st


def role_of(api, email):
    return api.user(email)["role"]


def reset_roles(st):
    """The chief an administrator, the member a user (whatever an earlier
    test left), so one failure does not cascade into the next tests."""
    for email, role in [(st["admin"], "admin"), (st["user"], "user")]:
        r = st["api"].post("/users/%s/role" % email, json={"role": role})
        eq(r.status, 200, "resetting the role of %s (%s)" % (email, r.text[:100]))


def test_role_change_through_the_console(s):
    d, st = s.d, roles_state(s)
    slug, api, admin, user = st["slug"], st["api"], st["c"], st["user"]
    reset_roles(st)
    n0 = len(audit_details(d, slug, "user.role_changed", user))
    up = "/t/%s/admin/users/%s" % (slug, user)
    page = admin.get(up)
    eq(page.status, 200, "user page")
    form = element(page.text, "role-form")
    ftag = tag_with(page.text, r'\bid="role-form"')
    check(form is not None and ftag, "no #role-form")
    check(same_path(attr(ftag, "action"), up + "/role"), "role form action %r"
          % attr(ftag, "action"))
    check(re.search(r'<option value="user" selected>', form), "role form: user not selected")
    eq(len(hidden(form, "csrf")), 1, "role form CSRF field")
    check(same_path(hidden(form, "back")[0], up), "role form back %r" % hidden(form, "back"))
    tok = hidden(form, "csrf")[0]
    # Without the token: refused, nothing changes.
    r = admin.post(up + "/role", form={"role": "admin", "back": up})
    eq(r.status, 403, "role POST without token")
    eq(role_of(api, user), "user", "role after a token-less POST")
    r = admin.post(up + "/role", form={"csrf": tok, "role": "admin", "back": up})
    eq(r.status, 303, "role POST (%s)" % r.text[:200])
    path, qargs = split_location(r.location)
    eq((path, qargs), (up, {"done": "role", "u": user}), "after the role change")
    page = follow(admin, r, "role change")
    eq(notice(page.text), "The role of %s has been saved." % user, "notice")
    check(re.search(r'<option value="admin" selected>', element(page.text, "role-form")),
          "role form does not show the new role")
    eq(role_of(api, user), "admin", "role after the change")
    eq(audit_details(d, slug, "user.role_changed", user)[n0:], [{"from": "user", "to": "admin"}],
       "user.role_changed events")
    ev = d.audit(slug, "user.role_changed")[-1]
    eq((ev["actor"], ev["role"], ev["target"], ev["result"]),
       (st["admin"], "admin", user, "success"), "role change event")
    # The same role again: nothing changes, nothing is recorded.
    before = audit_total(d, slug)
    r = admin.post(up + "/role", form={"csrf": tok, "role": "admin", "back": up})
    eq(r.status, 303, "the same role again")
    eq(role_of(api, user), "admin", "role after the same role again")
    eq(audit_total(d, slug), before, "audit events after the same role again")
    # Invalid roles.
    for bad in ["root", "", "Admin", "admin ", "users"]:
        r = admin.post(up + "/role", form={"csrf": tok, "role": bad, "back": up})
        eq(r.status, 400, "role %r" % bad)
    eq(admin.post(up + "/role", form={"csrf": tok, "back": up}).status, 400, "no role field")
    eq(role_of(api, user), "admin", "role after invalid requests")
    eq(audit_total(d, slug), before, "audit events after invalid requests")
    # Back to user, from the list this time.
    r = admin.post(up + "/role", form={"csrf": tok, "role": "user",
                                       "back": "/t/%s/admin/users?q=mem" % slug})
    path, qargs = split_location(r.location)
    eq((r.status, path, qargs), (303, "/t/%s/admin/users" % slug,
                                 {"done": "role", "q": "mem", "u": user}), "demotion")
    eq(role_of(api, user), "user", "role after the demotion")
    eq(audit_details(d, slug, "user.role_changed", user)[n0:],
       [{"from": "user", "to": "admin"}, {"from": "admin", "to": "user"}],
       "user.role_changed events after the demotion")
    eq(admin.post("/t/%s/admin/users/nobody@roles.example/role" % slug,
                  form={"csrf": tok, "role": "admin"}).status, 404, "unknown user's role")


def test_role_change_through_the_api(s):
    d, st = s.d, roles_state(s)
    slug, api, user = st["slug"], st["api"], st["user"]
    reset_roles(st)
    eq(role_of(api, user), "user", "starting role")
    n0 = audit_count(d, slug, "user.role_changed", user)
    r = api.post("/users/%s/role" % user, json={"role": "admin"})
    eq(r.status, 200, "API role change (%s)" % r.text[:200])
    eq(r.json(), {"email": user, "role": "admin"}, "API answer")
    eq(role_of(api, user), "admin", "role after the API change")
    eq(audit_details(d, slug, "user.role_changed", user)[n0:], [{"from": "user", "to": "admin"}],
       "new user.role_changed events")
    before = audit_total(d, slug)
    r = api.post("/users/%s/role" % user, json={"role": "admin"})
    eq(r.status, 200, "the same role again")
    eq(audit_total(d, slug), before, "audit events after the same role again")
    bad_bodies = [({"role": "root"}, "role"), ({"role": ""}, "role"), ({"role": 1}, "role"),
                  ({"role": None}, "role"), ({}, "role"), ({"role": ["user"]}, "role"),
                  ({"role": "user", "extra": 1}, "extra"), ({"Role": "user"}, "Role")]
    for body, field in bad_bodies:
        r = api.post("/users/%s/role" % user, json=body)
        eq(r.status, 400, "API role body %r" % body)
        eq(r.json().get("field"), field, "field named for %r" % body)
    for raw in ["", "[]", "\"user\"", "{\"role\":\"user\"", "{\"role\":\"user\"} x"]:
        r = api.post("/users/%s/role" % user, body=raw, headers={"Content-Type":
                                                                 "application/json"})
        eq(r.status, 400, "API role raw body %r" % raw)
    eq(role_of(api, user), "admin", "role after invalid bodies")
    eq(audit_total(d, slug), before, "audit events after invalid bodies")
    eq(api.post("/users/nobody@roles.example/role", json={"role": "user"}).status, 404,
       "unknown user")
    r = api.post("/users/%s/role" % user, json={"role": "user"})
    eq((r.status, r.json()), (200, {"email": user, "role": "user"}), "API demotion")
    eq(audit_details(d, slug, "user.role_changed", user)[n0:],
       [{"from": "user", "to": "admin"}, {"from": "admin", "to": "user"}],
       "user.role_changed events after the API demotion")


def test_last_administrator_keeps_the_role(s):
    d, st = s.d, roles_state(s)
    slug, api, admin, boss = st["slug"], st["api"], st["c"], st["admin"]
    reset_roles(st)
    eq(role_of(api, st["user"]), "user", "the other user is a user")
    # An invited administrator and a suspended one do not count.
    api.invite("pending-admin@roles.example", role="admin")
    d.enroll(slug, "benched@roles.example", PW, role="admin", name="Benched")
    api.op("benched@roles.example", "suspend")
    before = audit_total(d, slug)
    r = api.post("/users/%s/role" % boss, json={"role": "user"})
    eq(r.status, 409, "demoting the last active admin through the API")
    eq(r.json(), {"error": "last_admin", "field": "role"}, "API error")
    r = session_api(d, admin, slug, "POST", "/users/%s/role" % boss, json={"role": "user"})
    eq((r.status, r.json().get("error")), (409, "last_admin"), "demoting oneself, last admin")
    up = "/t/%s/admin/users/%s" % (slug, boss)
    page = admin.get(up)
    tok = page.csrf()
    r = admin.post(up + "/role", form={"csrf": tok, "role": "user", "back": up})
    eq(r.status, 409, "demoting the last admin through the console")
    check(element(r.text, "profile") is not None, "the refusal is not shown on the user page")
    eq(error_box(r.text), "%s is the last active administrator and cannot be suspended, deleted "
       "or made a user. Make another user an administrator first." % boss, "console message")
    r = admin.post(up + "/role", form={"csrf": tok, "role": "user",
                                       "back": "/t/%s/admin/users" % slug})
    eq(r.status, 409, "demoting the last admin from the list")
    check(error_box(r.text) and "last active administrator" in error_box(r.text),
          "list's message: %r" % error_box(r.text))
    eq(role_of(api, boss), "admin", "last admin's role")
    eq(audit_total(d, slug), before, "audit events after refusals")
    check(admin.get("/t/%s/admin/" % slug).status == 200, "the last admin lost the console")


def test_demotion_takes_effect_at_the_next_request(s):
    d, st = s.d, roles_state(s)
    slug, api, admin, user, uc = st["slug"], st["api"], st["c"], st["user"], st["uc"]
    reset_roles(st)
    check(logged_in(d, uc, slug), "user's session")
    eq(uc.get("/t/%s/admin/users" % slug).status, 403, "a user's console access")
    r = session_api(d, uc, slug, "POST", "/users/%s/role" % user, json={"role": "admin"})
    eq(r.status, 403, "a user promoting themself")
    r = session_api(d, uc, slug, "POST", "/users/%s/role" % st["admin"], json={"role": "user"})
    eq(r.status, 403, "a user demoting the admin")
    tok = uc.get("/t/%s/password" % slug).csrf()
    r = uc.post("/t/%s/admin/users/%s/role" % (slug, user), form={"csrf": tok, "role": "admin"})
    eq(r.status, 403, "a user's console role form")
    eq(role_of(api, user), "user", "role after a user's attempts")
    # Promoted: the same session opens the console at its next request.
    api.post("/users/%s/role" % user, json={"role": "admin"})
    eq(uc.get("/t/%s/admin/users" % slug).status, 200, "console after the promotion")
    # Two active admins: demoting one works; it holds at that user's next request.
    tok = admin.get("/t/%s/admin/users/%s" % (slug, user)).csrf()
    r = admin.post("/t/%s/admin/users/%s/role" % (slug, user),
                   form={"csrf": tok, "role": "user"})
    eq(r.status, 303, "demoting one of two admins")
    eq(role_of(api, user), "user", "role after the demotion")
    eq(uc.get("/t/%s/admin/" % slug).status, 403, "demoted user's console")
    eq(uc.get("/t/%s/api/v1/users" % slug).status, 403, "demoted user's API access")
    check(logged_in(d, uc, slug), "demoted user's session ended")
    eq(admin.get("/t/%s/admin/" % slug).status, 200, "the remaining admin's console")
    # And an admin can demote another admin who demoted nobody: promote again,
    # then the user (now admin) demotes the first admin, who loses the console.
    api.post("/users/%s/role" % user, json={"role": "admin"})
    r = session_api(d, uc, slug, "POST", "/users/%s/role" % st["admin"], json={"role": "user"})
    eq(r.status, 200, "an admin demoting the other admin")
    eq(admin.get("/t/%s/admin/" % slug).status, 403, "the demoted first admin's console")
    check(logged_in(d, admin, slug), "the demoted first admin's session ended")
    r = session_api(d, uc, slug, "POST", "/users/%s/role" % st["admin"], json={"role": "admin"})
    eq(r.status, 200, "restoring the first admin")
    eq(admin.get("/t/%s/admin/" % slug).status, 200, "the first admin's console again")
    api.post("/users/%s/role" % user, json={"role": "user"})
    eq(role_of(api, user), "user", "member back to user")


# --------------------------------------------------------------------------
# 3. overview


def test_overview_figures(s):
    d = s.d
    slug, admin_email = "ov", "head@ov.example"
    api, admin = tenant_with_admin(s, slug, admin_email)
    ok = 1          # the admin's acceptance signs in
    failed = 0
    api.set_policy({"lockout": {"max_failures": 3}})
    users = ["u1@ov.example", "u2@ov.example", "s1@ov.example", "s2@ov.example",
             "l1@ov.example"]
    for e in users:
        d.enroll(slug, e, PW, name=e.split("@")[0])
        ok += 1
    api.invite("i1@ov.example")
    api.invite("i2@ov.example", role="admin")
    for _ in range(2):
        login_new(d, slug, "u1@ov.example")
        ok += 1
    # Three wrong passwords lock l1; two for unknown addresses, one for u2.
    for _ in range(3):
        eq(d.login(d.client(), slug, "l1@ov.example", "Wrong-Password-1").status, 401, "l1")
        failed += 1
    eq(api.user("l1@ov.example")["status"], "locked", "l1 locked")
    for e in ["ghost@ov.example", "phantom@ov.example"]:
        eq(d.login(d.client(), slug, e, "Wrong-Password-1").status, 401, "unknown login")
        failed += 1
    eq(d.login(d.client(), slug, "u2@ov.example", "Wrong-Password-1").status, 401, "u2 wrong")
    failed += 1
    # Another tenant's sign-ins and failures do not count here.
    d.create_tenant("ov-other")
    d.enroll("ov-other", "u1@ov.example", PW, name="Elsewhere")
    d.login(d.client(), "ov-other", "u1@ov.example", "Wrong-Password-1")
    # Administrative changes, by the admin in the console and the API.
    api.op("s2@ov.example", "suspend")
    page = admin.get("/t/%s/admin/users/s1@ov.example/suspend" % slug)
    r = admin.post("/t/%s/admin/users/s1@ov.example/suspend" % slug,
                   form={"csrf": page.csrf()})
    eq(r.status, 303, "suspend s1")
    eq(d.login(d.client(), slug, "s1@ov.example", PW).status, 401, "suspended s1's login")
    failed += 1
    r = session_api(d, admin, slug, "PUT", "/policy", json={"mfa": {"require": "admins"}})
    eq(r.status, 200, "mfa.require admins (%s)" % r.text[:200])
    tok = admin.get("/t/%s/admin/users/u1@ov.example" % slug).csrf()
    r = admin.post("/t/%s/admin/users/u1@ov.example/role" % slug,
                   form={"csrf": tok, "role": "admin"})
    eq(r.status, 303, "promote u1")
    # Then a sign-in and a sign-out, which are not administrative changes.
    c, _ = login_new(d, slug, "u2@ov.example")
    ok += 1
    eq(logout(d, c, slug).status, 303, "u2 signs out")

    page = admin.get("/t/%s/admin/" % slug)
    eq(page.status, 200, "overview")
    check(re.search(r'<a href="/t/%s/admin/"[^>]*aria-current="page"' % slug, page.text),
          "the overview tab is not marked current")
    want = {"active": 3,           # head, u1, u2 (l1 is locked, s1 s2 suspended)
            "invited": 2, "suspended": 2, "locked": 1,
            "signins-24h": ok, "failures-24h": failed,
            "signins-7d": ok, "failures-7d": failed,
            "unused": 0,
            "without-mfa": 2}      # head and u1: the active administrators
    got = {k: stat(page.text, k) for k in want}
    eq(got, want, "overview figures (%d sign-ins, %d failures made)" % (ok, failed))
    for absent in ["pw-expired", "pw-expiring"]:
        eq(stat(page.text, absent), None, "#stat-%s without password expiry" % absent)
    check('id="stat-locked"' in page.text and
          re.search(r'class="stat attention" id="stat-locked"', page.text),
          "a locked account is not marked for attention")
    # The last administrative changes, newest first, without logins/logouts.
    seqs = table_seqs(page.text, "recent-changes")
    check(seqs, "no rows in #recent-changes")
    eq(seqs, sorted(seqs, reverse=True), "recent changes order")
    by_seq = {r[0]: r for r in audit_rows(d, slug)}
    check(all(x in by_seq for x in seqs), "a recent change of another tenant: %r" % seqs)
    top = [(by_seq[x][3], by_seq[x][4]) for x in seqs[:4]]
    eq([a for a, _ in top], ["user.role_changed", "policy.updated", "user.suspended",
                             "user.suspended"], "the newest changes' actions")
    eq([top[0][1], top[2][1], top[3][1]], ["u1@ov.example", "s1@ov.example", "s2@ov.example"],
       "the newest changes' targets")
    eq(by_seq[seqs[0]][1:3], (admin_email, "admin"), "the role change's actor")
    for x in seqs:
        act = by_seq[x][3]
        check(not act.startswith("login.") and act not in ("logout", "invitation.accepted")
              and not (act == "session.ended" and by_seq[x][1] == by_seq[x][4]),
              "%s (seq %d) listed as an administrative change" % (act, x))
    eq(len(seqs), 10, "rows of #recent-changes (more than 10 changes were made)")
    # MFA for everyone: every active account counts (a locked one too);
    # off: the figure is gone.
    api.set_policy({"mfa": {"require": "all"}})
    eq(stat(admin.get("/t/%s/admin/" % slug).text, "without-mfa"), 4,
       "without MFA, mfa.require all (head, u1, u2, l1)")
    api.set_policy({"mfa": {"require": "off"}})
    page = admin.get("/t/%s/admin/" % slug)
    check('id="stat-without-mfa"' not in page.text, "#stat-without-mfa with mfa.require off")
    # Password expiry: the figures appear, 0 for fresh passwords.
    api.set_policy({"password": {"expiry_days": 30}})
    page = admin.get("/t/%s/admin/" % slug)
    eq((stat(page.text, "pw-expired"), stat(page.text, "pw-expiring")), (0, 0),
       "expired / expiring with fresh passwords")
    # Aged rows: u2's password is 31 days old (expired), u1's 20 (expires
    # within 14 days), s1's 40 (suspended: not counted); u2 and s1 unused
    # for 100 days (only u2 counts, s1 is suspended).
    for email, pw_age, idle in [("u2@ov.example", 31, 100), ("u1@ov.example", 20, 0),
                                ("s1@ov.example", 40, 100)]:
        sets = ["password_changed_at = now() - interval '%d days'" % pw_age]
        if idle:
            sets += ["created_at = now() - interval '%d days'" % idle,
                     "last_login_at = now() - interval '%d days'" % idle]
        sql_super(d, "UPDATE users SET %s WHERE email = %s AND %s"
                  % (", ".join(sets), q(email), tenant_where(slug)))
    page = admin.get("/t/%s/admin/" % slug)
    eq({k: stat(page.text, k) for k in ["pw-expired", "pw-expiring", "unused", "active"]},
       {"pw-expired": 1, "pw-expiring": 1, "unused": 1, "active": 3}, "figures of aged rows")
    api.set_policy({"password": {"expiry_days": 0}})


def test_recent_changes_leave_out_sign_in_side_effects(s):
    """Events an administrator's sign-in causes by itself are not changes:
    the session it replaces in the same browser, the lock that ran out."""
    d = s.d
    slug, admin_email = "ov2", "head@ov2.example"
    api, admin = tenant_with_admin(s, slug, admin_email)
    deputy = "deputy@ov2.example"
    d.enroll(slug, deputy, PW, role="admin", name="Deputy")
    shared = d.enroll(slug, "kiosk@ov2.example", PW, name="Kiosk")
    api.set_policy({"lockout": {"max_failures": 2, "unlock_after_seconds": 60}})
    tok = admin.get("/t/%s/admin/users/kiosk@ov2.example" % slug).csrf()
    r = admin.post("/t/%s/admin/users/kiosk@ov2.example/role" % slug,
                   form={"csrf": tok, "role": "admin"})
    eq(r.status, 303, "the last real change: a role change")
    change = audit_rows(d, slug)[-1]
    eq(change[3], "user.role_changed", "last event")
    # The deputy signs in on the browser where the kiosk user was signed in.
    r = shared.post("/t/%s/login" % slug, form={"csrf": shared.get("/t/%s/password" % slug)
                                                .csrf(), "email": deputy, "password": PW})
    eq(r.status, 303, "the deputy's sign-in in the kiosk's browser")
    # The deputy locks themself out; the lock runs out; they sign in.
    for _ in range(2):
        d.login(d.client(), slug, deputy, "Wrong-Password-1")
    eq(api.user(deputy)["status"], "locked", "deputy locked")
    sql_super(d, "UPDATE users SET locked_at = now() - interval '5 minutes' WHERE email = %s AND %s"
              % (q(deputy), tenant_where(slug)))
    login_new(d, slug, deputy)
    side = [r for r in audit_rows(d, slug) if r[0] > change[0]
            and r[3] in ("session.ended", "user.unlocked")]
    eq(sorted(r[3] for r in side), ["session.ended", "user.unlocked"],
       "the sign-ins' side effects were audited")
    seqs = table_seqs(admin.get("/t/%s/admin/" % slug).text, "recent-changes")
    check(seqs, "no recent changes")
    by_seq = {r[0]: r for r in audit_rows(d, slug)}
    listed = ["%s %s by %s" % (by_seq[x][3], by_seq[x][4], by_seq[x][1]) for x in seqs
              if x > change[0]]
    check(not listed, "listed as administrative changes: %s" % "; ".join(listed))
    eq(seqs[0], change[0], "the newest administrative change")


# --------------------------------------------------------------------------
# 4. the user's page


def test_user_page(s):
    d = s.d
    slug, admin_email, email = "pages", "lead@pages.example", "vera@pages.example"
    api, admin = tenant_with_admin(s, slug, admin_email)
    c1 = d.enroll(slug, email, PW, name="Vera Ng")
    c2, sid2 = login_new(d, slug, email)
    # The same address in tenant B, with a distinctive name and sessions.
    d.create_tenant("pages-b")
    api_b = Api(d, "pages-b")
    cb = d.enroll("pages-b", email, PW2, name="Bee Elsewhere")
    d.enroll("pages-b", "only-b@pages.example", PW, name="Only Bee")
    b_sids = live_sessions(d, "pages-b", email)
    # Vera as an actor on someone else: promoted, she invites, then demoted.
    api.post("/users/%s/role" % email, json={"role": "admin"})
    r = session_api(d, c1, slug, "POST", "/invitations", json={"email": "zed@pages.example"})
    eq(r.status, 201, "Vera invites zed")
    api.post("/users/%s/role" % email, json={"role": "user"})
    # An event that is neither hers nor about her.
    api.invite("unrelated@pages.example")

    up = "/t/%s/admin/users/%s" % (slug, email)
    page = admin.get(up)
    eq(page.status, 200, "user page (%s)" % page.text[:200])
    prof = element(page.text, "profile")
    check(prof is not None, "no #profile")
    ptext = plain(prof)
    for want in [email, "Vera Ng", "User", "Active"]:
        check(want in ptext, "profile lacks %r: %r" % (want, ptext[:300]))
    check("Bee Elsewhere" not in page.text, "tenant B's name on tenant A's page")
    check(re.search(r'<form\b[^>]*\bid="role-form"', page.text), "no #role-form")
    # Sessions: exactly hers, each with an end link (none is the admin's own).
    sids = [int(x) for x in table_rows(page.text, "user-sessions", "session")]
    eq(sorted(sids), live_sessions(d, slug, email), "#user-sessions rows")
    eq(len(sids), 2, "Vera's sessions listed")
    check(not set(sids) & set(b_sids), "tenant B's sessions listed on A's page")
    for x in sids:
        link = tag_with(page.text, r'data-action="end-session"[^>]*href="[^"]*/sessions/%d/end"'
                        % x)
        check(link and same_path(attr(link, "href"), "%s/sessions/%d/end" % (up, x)),
              "end link of session %d: %r" % (x, link))
    # The trail: events she did and events done to her, this tenant's only.
    trail = table_seqs(page.text, "user-audit")
    want = [r[0] for r in reversed(audit_rows(d, slug, "(actor_email = %s OR target = %s)"
                                              % (q(email), q(email))))]
    eq(trail, want, "#user-audit rows (seq, newest first)")
    acts = {r[0]: r for r in audit_rows(d, slug)}
    kinds = set((acts[x][3], acts[x][1] == email, acts[x][4] == email) for x in trail)
    for k in [("user.invited", False, True), ("user.invited", True, False),
              ("login.success", True, True), ("user.role_changed", False, True)]:
        check(k in kinds, "trail lacks %r: %r" % (k, sorted(kinds)))
    # The admin's own page marks the admin's session, with no end link for it.
    own = admin.get("/t/%s/admin/users/%s" % (slug, admin_email))
    own_sids = [int(x) for x in table_rows(own.text, "user-sessions", "session")]
    eq(sorted(own_sids), live_sessions(d, slug, admin_email), "the admin's own sessions")
    check(not re.search(r'data-action="end-session"[^>]*/sessions/%d/end' % own_sids[0],
                        own.text), "an end link for the admin's current session")
    check(not tag_with(own.text, r'data-action="(suspend|delete|logout)"'),
          "the admin's own page offers suspend/delete/sign-out")
    # Unknown and tenant B's users: 404.
    for who in ["nobody@pages.example", "only-b@pages.example", "not-an-address",
                "x" * 300 + "@pages.example"]:
        eq(admin.get("/t/%s/admin/users/%s" % (slug, who)).status, 404, "page of %s" % who[:40])
    # Ending one session from there ends exactly that one.
    r = admin.get("%s/sessions/%d/end" % (up, sid2))
    tok = check_confirm(r, email, "%s/sessions/%d/end" % (up, sid2), up, "end session")
    r = admin.post("%s/sessions/%d/end" % (up, sid2), form={"csrf": tok, "back": up})
    page = follow(admin, r, "end session")
    check(not logged_in(d, c2, slug), "the ended session is alive")
    check(logged_in(d, c1, slug), "the other session ended")
    check(logged_in(d, cb, "pages-b"), "tenant B's session of the same address ended")
    rest = [int(x) for x in table_rows(page.text, "user-sessions", "session")]
    eq(rest, [x for x in sids if x != sid2], "sessions listed after ending one")
    ev = [r for r in audit_rows(d, slug, "action = 'session.ended'") if r[4] == email]
    eq(len(ev), 1, "session.ended events for Vera")
    eq(ev[0][1:3], (admin_email, "admin"), "session.ended actor")
    eq(audit_details(d, slug, "session.ended", email), [{"session": sid2}], "session.ended detail")
    check(ev[0][0] in table_seqs(page.text, "user-audit"), "the ending is not on her trail")
    eq(admin.post("%s/sessions/%d/end" % (up, sid2), form={"csrf": tok}).status, 404,
       "ending it again")
    # The API: DELETE /users/{email}/sessions/{id}.
    c3, sid3 = login_new(d, slug, email)
    eq(api.delete("/users/%s/sessions/%d" % (email, b_sids[0])).status, 404,
       "API: tenant B's session")
    eq(api.delete("/users/%s/sessions/%d" % (admin_email, sid3)).status, 404,
       "API: her session under another user's address")
    eq(api.delete("/users/%s/sessions/%d" % (email, sid3)).json(), {"ok": True},
       "API: ending her session")
    check(not logged_in(d, c3, slug), "API-ended session alive")
    check(logged_in(d, c1, slug), "API ended another session too")
    check(logged_in(d, cb, "pages-b"), "API ended tenant B's session")
    eq(api.delete("/users/%s/sessions/%d" % (email, sid3)).status, 404, "API: ending it again")
    eq(api_b.user(email)["name"], "Bee Elsewhere", "tenant B's user untouched")


# --------------------------------------------------------------------------
# 5. invitations without a mail server


def invite_url(resp):
    tags = re.findall(r'<input\b[^>]*\bid="invite-url"[^>]*>', resp.text)
    eq(len(tags), 1, "input#invite-url on the page")
    return attr(tags[0], "value")


def test_invitation_link_shown_once(s):
    d = s.d
    slug, admin_email, email = "inv", "host@inv.example", "guest@inv.example"
    api, admin = tenant_with_admin(s, slug, admin_email)
    tok = admin.get("/t/%s/admin/users" % slug).csrf()
    n_out = len(d.outbox())
    r = admin.post("/t/%s/admin/invite" % slug, form={"email": email, "role": "user"})
    eq(r.status, 403, "invite without token")
    check(email not in [i["email"] for i in api.get("/invitations").json()],
          "invitation made without a token")
    r = admin.post("/t/%s/admin/invite" % slug, form={"csrf": tok, "email": email,
                                                       "role": "admin"})
    eq(r.status, 200, "invite (%s)" % r.text[:200])
    eq(r.location, None, "invite answer's Location")
    eq(r.header("Cache-Control"), "no-store", "invite answer's Cache-Control")
    url = invite_url(r)
    check(url.startswith("%s/t/%s/invite/" % (d.public_url, slug)), "link %r" % url)
    token = url.rsplit("/", 1)[1]
    check(len(token) >= 20, "token %r" % token)
    eq(r.text.count(token), 1, "times the link's token is on the page")
    box = plain(element(r.text, "invite-link") or "")
    check(email in box, "the link box does not name %s: %r" % (email, box))
    inv = [i for i in api.get("/invitations").json() if i["email"] == email]
    eq([i["role"] for i in inv], ["admin"], "invitation made by the console")
    eq(len(d.outbox()), n_out + 1, "mails written to the outbox")
    # The link works; the list and the API never show it again.
    eq(d.client().get(d.path_of(url)).status, 200, "the shown link")
    lst = admin.get("/t/%s/admin/invitations" % slug)
    eq(lst.status, 200, "invitations list")
    check(token not in lst.text and 'id="invite-url"' not in lst.text,
          "the link is on the invitations list afterwards")
    check(email in plain(lst.text), "the invitation is not listed")
    check(token not in api.get("/invitations").text, "the API lists the link")
    check(token not in admin.get("/t/%s/admin/" % slug).text, "the link on the overview")
    check(token not in admin.get("/t/%s/admin/audit" % slug).text, "the link in the audit log")
    check(token not in admin.get("/t/%s/admin/audit.csv" % slug).text, "the link in the CSV")
    # Re-send: a new link, shown once; the old one stops working.
    r = admin.post("/t/%s/admin/invitations/resend" % slug, form={"email": email, "role": "admin"})
    eq(r.status, 403, "re-send without token")
    eq(d.client().get(d.path_of(url)).status, 200, "the link after a token-less re-send")
    r = admin.post("/t/%s/admin/invitations/resend" % slug,
                   form={"csrf": tok, "email": email, "role": "admin"})
    eq(r.status, 200, "re-send (%s)" % r.text[:200])
    eq(r.location, None, "re-send answer's Location")
    url2 = invite_url(r)
    check(url2 != url and url2.startswith("%s/t/%s/invite/" % (d.public_url, slug)),
          "re-sent link %r" % url2)
    check("earlier links no longer work" in plain(element(r.text, "invite-link") or ""),
          "the re-send does not say earlier links stop working")
    eq(r.text.count(url2.rsplit("/", 1)[1]), 1, "times the new token is on the page")
    check(token not in r.text, "the old link on the re-send page")
    eq(d.client().get(d.path_of(url)).status, 404, "the old link after re-sending")
    eq(d.client().get(d.path_of(url2)).status, 200, "the new link")
    inv = [i for i in api.get("/invitations").json() if i["email"] == email]
    eq(len(inv), 1, "open invitations for the address after re-sending")
    check(url2.rsplit("/", 1)[1] not in admin.get("/t/%s/admin/invitations" % slug).text,
          "the new link on the list afterwards")
    # The invitee can use it.
    r = d.accept(d.client(), url2, "Guest", PW)
    eq(r.status, 303, "accepting the re-sent link")
    eq(api.user(email)["status"], "active", "invitee after accepting")
    eq(api.user(email)["role"], "admin", "invitee's role")
    # An address that has an account: refused, no link.
    r = admin.post("/t/%s/admin/invite" % slug, form={"csrf": tok, "email": email})
    eq(r.status, 409, "inviting an active user")
    check('id="invite-url"' not in r.text, "a link shown for a refused invitation")
    eq(error_box(r.text), "%s already has an account." % email, "refusal")
    r = admin.post("/t/%s/admin/invite" % slug, form={"csrf": tok, "email": "not-an-address"})
    eq(r.status, 400, "inviting a malformed address")
    check('id="invite-url"' not in r.text, "a link shown for a malformed address")


TESTS = [test_suspend_confirmation_from_the_list, test_confirmation_ignores_a_foreign_back,
         test_force_logout_confirmation_from_the_user_page,
         test_delete_confirmation_from_the_user_page_lands_on_the_list,
         test_revoke_confirmation, test_end_session_confirmation, test_unknown_objects_are_404,
         test_role_change_through_the_console, test_role_change_through_the_api,
         test_last_administrator_keeps_the_role, test_demotion_takes_effect_at_the_next_request,
         test_overview_figures, test_recent_changes_leave_out_sign_in_side_effects,
         test_user_page, test_invitation_link_shown_once]

if __name__ == "__main__":
    harness.main("console", TESTS, setup)
