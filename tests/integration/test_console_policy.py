#!/usr/bin/env python3
"""
The console's policy form (issue 8, "Policy form"): timeouts in hours and
minutes (and seconds when a value set through the API is not a whole number
of minutes, so an untouched save keeps it), expiry and retention in days;
every bad setting reported at once next to its field (aria-invalid, a
.field-error line) and in a summary box of links, with the other entries
kept as submitted and nothing saved or audited; no JSON dump, a hint naming
the API instead; English and Japanese words.
"""

import html
import os
import re
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api, PW, audit_count  # noqa: E402

SLUG = "cpol"
ADMIN = "root@cpol.example"
PAGE = "/t/%s/admin/policy" % SLUG


class Page(HTMLParser):
    """The policy page's elements by id, its form's values by name (as a
    browser would submit them, with the save button left out), and the text
    of every element with an id."""

    VOID = {"input", "br", "meta", "link", "img", "hr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.by_id = {}      # id -> (tag, attrs)
        self.text_of = {}    # id -> text inside
        self.values = {}     # form field name -> value
        self.labels = {}     # label "for" -> text
        self._open = []      # [(tag, id or None, for or None, [text])]
        self._select = None
        self._textarea = None
        self._in_form = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            check(a["id"] not in self.by_id, "duplicate id %r" % a["id"])
            self.by_id[a["id"]] = (tag, a)
        if tag == "form" and a.get("id") == "policy":
            self._in_form = True
        if self._in_form and tag == "input" and a.get("name"):
            t = a.get("type", "text")
            if t != "checkbox" or "checked" in a:
                self.values[a["name"]] = a.get("value", "on" if t == "checkbox" else "")
        if self._in_form and tag == "select":
            self._select = a.get("name")
        if self._select and tag == "option" and "selected" in a:
            self.values[self._select] = a.get("value")
        if self._in_form and tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""
        if tag not in self.VOID:
            self._open.append((tag, a.get("id"), a.get("for") if tag == "label" else None, []))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        while self._open:
            t, i, f, parts = self._open.pop()
            text = " ".join("".join(parts).split())
            if i:
                self.text_of[i] = text
            if f:
                self.labels[f] = text
            if self._open:
                self._open[-1][3].extend(parts)
            if t == tag:
                break

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        if self._open:
            self._open[-1][3].append(data)

    def attr(self, id_, name):
        e = self.by_id.get(id_)
        return e[1].get(name) if e else None


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.admin = d.enroll(SLUG, ADMIN, PW, role="admin", name="Root")


def get_page(s, client=None):
    r = (client or s.admin).get(PAGE)
    eq(r.status, 200, "GET %s status" % PAGE)
    return r, Page(r.text)


def post(s, values, client=None):
    """POST the form values (with the page's CSRF token)."""
    c = client or s.admin
    form = dict(values)
    form["csrf"] = c.get(PAGE).csrf()
    return c.post(PAGE, form=form)


def marked_bad(page, key, inputs):
    """Check key's inputs are marked invalid and described by its error;
    return the error's text."""
    err = key + ".error"
    check(err in page.by_id, "no %s under the field" % err)
    eq(page.by_id[err][1].get("class"), "field-error", "class of %s" % err)
    for i in inputs:
        eq(page.attr(i, "aria-invalid"), "true", "aria-invalid of %s" % i)
        check(err in (page.attr(i, "aria-describedby") or "").split(),
              "aria-describedby of %s (%r) lacks %s" % (i, page.attr(i, "aria-describedby"), err))
    return page.text_of[err]


def not_marked(page, key, inputs):
    check(key + ".error" not in page.by_id, "%s has an error line" % key)
    for i in inputs:
        check(page.attr(i, "aria-invalid") is None, "%s is marked invalid" % i)


def summary_hrefs(text):
    m = re.search(r'<div class="error" id="error" role="alert">(.*?)</div>', text, re.S)
    check(m, "no summary box <div class=\"error\" id=\"error\" role=\"alert\">")
    return [html.unescape(h) for h in re.findall(r'<a href="#([^"]*)"', m.group(1))]


# --------------------------------------------------------------------------


def test_form_uses_hours_minutes_and_days(s):
    r, p = get_page(s)
    check("form" == p.by_id.get("policy", ("",))[0], "no form#policy")
    check("button" == p.by_id.get("save", ("",))[0], "no button#save")
    for k in ["password.min_length", "session.concurrent", "ip.allow", "ip.admin_allow",
              "password.expiry_days", "audit.retention_days", "audit.timezone",
              "password.require_upper"]:
        check(k in p.by_id, "no element with id %s" % k)
    # Defaults: idle 3 h, absolute 12 h, unlock 0 (administrator only).
    want = {"session.idle_timeout_seconds": ("3", "0"),
            "session.absolute_timeout_seconds": ("12", "0"),
            "lockout.unlock_after_seconds": ("0", "0")}
    for k, (h, m) in want.items():
        eq((p.values.get(k + ".h"), p.values.get(k + ".m")), (h, m), "%s hours, minutes" % k)
        check(k + ".s" not in p.by_id, "%s has a seconds input for whole minutes" % k)
        check(k not in p.by_id and k not in p.values, "%s still has a seconds field" % k)
        eq(p.text_of.get(k + ".h.unit"), "hours", "unit after %s.h" % k)
        eq(p.text_of.get(k + ".m.unit"), "minutes", "unit after %s.m" % k)
        eq(p.attr(k + ".h", "aria-labelledby"), "%s.label %s.h.unit" % (k, k),
           "%s.h is named by its label and unit" % k)
        eq(p.labels.get(k + ".h"), p.text_of.get(k + ".label"), "label of %s" % k)
    eq(p.text_of.get("password.expiry_days.unit"), "days", "unit after expiry")
    eq(p.text_of.get("audit.retention_days.unit"), "days", "unit after retention")
    eq(p.values.get("password.expiry_days"), "0", "expiry value")
    eq(p.values.get("audit.retention_days"), "396", "retention value")
    eq(p.text_of.get("session.idle_timeout_seconds.hint"),
       "Allowed: 1 min to 720 h. A session with no activity for this long ends.", "idle hint")
    eq(p.text_of.get("audit.retention_days.hint"), "Allowed: 1 day to 3650 days.",
       "retention hint")
    bad_labels = [t for t in p.labels.values() if re.search(r"\bseconds\b", t.lower())]
    check(not bad_labels, "labels still in seconds: %r" % bad_labels)


def test_no_json_dump_but_an_api_hint(s):
    r, p = get_page(s)
    check("policy-json" not in p.by_id, "the page still has #policy-json")
    check("{" not in r.text, "a '{' on the page: %r" % r.text[r.text.find("{") - 80:][:200])
    check('"password"' not in r.text and "&quot;password&quot;" not in r.text,
          "the page shows the JSON document")
    hint = p.text_of.get("policy-api", "")
    check("GET /t/%s/api/v1/policy" % SLUG in hint and "PUT /t/%s/api/v1/policy" % SLUG in hint,
          "API hint %r lacks GET/PUT /t/%s/api/v1/policy" % (hint, SLUG))


def test_untouched_form_saves_the_same_policy_and_redirects(s):
    before = s.api.policy()
    n = audit_count(s.d, SLUG, "policy.updated")
    _, p = get_page(s)
    r = post(s, p.values)
    eq(r.status, 303, "save status (%s)" % r.text[:300])
    eq(r.location, PAGE + "?done=policy", "redirect after saving")
    eq(s.api.policy(), before, "policy after an untouched save")
    eq(audit_count(s.d, SLUG, "policy.updated"), n + 1, "policy.updated events")
    r = s.admin.get(r.location)
    check("The policy has been saved" in Page(r.text).text_of.get("notice", ""),
          "no notice after saving")


def test_every_bad_field_reported_at_once_and_nothing_saved(s):
    before = s.api.policy()
    n = audit_count(s.d, SLUG, "policy.updated")
    _, p = get_page(s)
    form = dict(p.values)
    form.update({
        "password.min_length": "5",                      # out of range
        "password.history": "abc",                       # not a number
        "session.idle_timeout_seconds.h": "x",           # a duration that is not digits
        "session.idle_timeout_seconds.m": "15",
        "lockout.max_failures": "7",                     # good: kept, not saved
        "session.concurrent": "end_old",                 # good: kept, not saved
        "ip.allow": "10.0.0.0/8\nnot-a-cidr\n192.168.1.0/24\n300.1.1.1/8",
        "audit.timezone": "Mars/Olympus",
        "password.expiry_days": "1000",                  # days out of range
    })
    form.pop("password.require_upper", None)
    form["password.require_digit"] = "on"
    r = post(s, form)
    eq(r.status, 400, "status of a form with several bad fields")
    q = Page(r.text)
    eq(marked_bad(q, "password.min_length", ["password.min_length"]),
       "Enter a value from 8 to 64.", "min_length error")
    eq(marked_bad(q, "password.history", ["password.history"]),
       "Enter a whole number using the digits 0-9.", "history error")
    eq(marked_bad(q, "session.idle_timeout_seconds",
                  ["session.idle_timeout_seconds.h", "session.idle_timeout_seconds.m"]),
       "Enter a whole number using the digits 0-9.", "idle timeout error")
    eq(marked_bad(q, "password.expiry_days", ["password.expiry_days"]),
       "Enter a value from 0 days to 999 days.", "expiry error")
    e = marked_bad(q, "ip.allow", ["ip.allow"])
    check("“not-a-cidr”" in e and "“300.1.1.1/8”" in e, "ip.allow error %r lacks a bad line" % e)
    check("10.0.0.0/8" not in e and "192.168.1.0/24" not in e,
          "ip.allow error %r names a good line" % e)
    eq(marked_bad(q, "audit.timezone", ["audit.timezone"]), "This value is not accepted.",
       "timezone error")
    for k in ["password.max_length", "lockout.max_failures", "session.concurrent",
              "audit.retention_days", "ip.admin_allow"]:
        not_marked(q, k, [k])
    not_marked(q, "session.absolute_timeout_seconds", ["session.absolute_timeout_seconds.h"])
    # The summary lists them all, in the form's order, each a link to its input.
    eq(summary_hrefs(r.text),
       ["password.min_length", "password.history", "password.expiry_days",
        "session.idle_timeout_seconds.h", "ip.allow", "audit.timezone"], "summary links")
    for h in summary_hrefs(r.text):
        check(h in q.by_id, "summary link #%s points nowhere" % h)
    check(q.text_of["error"].startswith("Please correct these settings:"),
          "summary text %r" % q.text_of["error"])
    # Every entry is shown as submitted.
    sent = {k: v for k, v in form.items()}
    eq({k: q.values.get(k) for k in sent}, sent, "values shown again")
    eq(set(q.values), set(sent), "fields shown again")
    # Nothing was saved or audited.
    eq(s.api.policy(), before, "policy after the refusal")
    eq(audit_count(s.d, SLUG, "policy.updated"), n, "policy.updated events after the refusal")


def test_rules_between_fields_reported_with_the_others(s):
    before = s.api.policy()
    _, p = get_page(s)
    form = dict(p.values)
    form.update({"password.min_length": "30", "password.max_length": "20",
                 "session.idle_timeout_seconds.h": "2", "session.idle_timeout_seconds.m": "0",
                 "session.absolute_timeout_seconds.h": "1",
                 "session.absolute_timeout_seconds.m": "0",
                 "lockout.max_failures": "101"})
    r = post(s, form)
    eq(r.status, 400, "status")
    q = Page(r.text)
    eq(summary_hrefs(r.text),
       ["password.max_length", "lockout.max_failures", "session.absolute_timeout_seconds.h"],
       "summary links")
    eq(marked_bad(q, "password.max_length", ["password.max_length"]),
       "Not less than the minimum length.", "max_length error")
    eq(marked_bad(q, "session.absolute_timeout_seconds",
                  ["session.absolute_timeout_seconds.h", "session.absolute_timeout_seconds.m"]),
       "Not shorter than the idle timeout.", "absolute timeout error")
    eq(marked_bad(q, "lockout.max_failures", ["lockout.max_failures"]),
       "Enter a value from 0 to 100.", "max_failures error")
    not_marked(q, "password.min_length", ["password.min_length"])
    not_marked(q, "session.idle_timeout_seconds", ["session.idle_timeout_seconds.h"])
    eq(s.api.policy(), before, "policy after the refusal")


def test_hours_and_minutes_are_saved_as_seconds(s):
    _, p = get_page(s)
    form = dict(p.values)
    form.update({"session.idle_timeout_seconds.h": "1", "session.idle_timeout_seconds.m": "30",
                 "session.absolute_timeout_seconds.h": "0",
                 "session.absolute_timeout_seconds.m": "600",
                 "lockout.unlock_after_seconds.h": "", "lockout.unlock_after_seconds.m": "15",
                 "password.expiry_days": "90"})
    r = post(s, form)
    eq(r.status, 303, "save status (%s)" % r.text[:300])
    pol = s.api.policy()
    eq(pol["session"]["idle_timeout_seconds"], 5400, "idle 1 h 30 min")
    eq(pol["session"]["absolute_timeout_seconds"], 36000, "absolute 600 min")
    eq(pol["lockout"]["unlock_after_seconds"], 900, "unlock 15 min (empty hours)")
    eq(pol["password"]["expiry_days"], 90, "expiry in days")
    _, p = get_page(s)
    eq((p.values["session.idle_timeout_seconds.h"], p.values["session.idle_timeout_seconds.m"]),
       ("1", "30"), "idle shown as hours and minutes")
    eq((p.values["session.absolute_timeout_seconds.h"],
        p.values["session.absolute_timeout_seconds.m"]), ("10", "0"), "absolute shown")
    eq((p.values["lockout.unlock_after_seconds.h"], p.values["lockout.unlock_after_seconds.m"]),
       ("0", "15"), "unlock shown")


def test_seconds_set_through_the_api_survive_an_untouched_save(s):
    s.api.set_policy({"lockout": {"unlock_after_seconds": 90},
                      "session": {"idle_timeout_seconds": 3630}})
    before = s.api.policy()
    _, p = get_page(s)
    eq([p.values.get("lockout.unlock_after_seconds." + x) for x in "hms"], ["0", "1", "30"],
       "90 s shown as 0 h 1 min 30 s")
    eq([p.values.get("session.idle_timeout_seconds." + x) for x in "hms"], ["1", "0", "30"],
       "3630 s shown as 1 h 0 min 30 s")
    eq(p.text_of.get("lockout.unlock_after_seconds.s.unit"), "seconds", "seconds unit")
    check("session.absolute_timeout_seconds.s" not in p.by_id,
          "a seconds input for a whole number of minutes")
    # A refusal elsewhere keeps the seconds input and its value.
    form = dict(p.values)
    form["password.min_length"] = "1"
    r = post(s, form)
    eq(r.status, 400, "status with a bad min_length")
    q = Page(r.text)
    eq(q.values.get("lockout.unlock_after_seconds.s"), "30", "seconds kept after a refusal")
    # Saved untouched, the values stay exact.
    r = post(s, p.values)
    eq(r.status, 303, "save status (%s)" % r.text[:300])
    eq(s.api.policy(), before, "policy after an untouched save")
    eq(s.api.policy()["lockout"]["unlock_after_seconds"], 90, "unlock after the save")
    s.api.set_policy({"lockout": {"unlock_after_seconds": 0},
                      "session": {"idle_timeout_seconds": 10800}})


def test_japanese_labels_and_units(s):
    ja = s.d.client(lang="ja")
    ja.cookies = dict(s.admin.cookies)
    r, p = get_page(s, ja)
    eq(p.labels.get("password.min_length"), "最小文字数", "min_length label")
    eq(p.labels.get("session.idle_timeout_seconds.h"), "無操作タイムアウト", "idle label")
    eq(p.text_of.get("session.idle_timeout_seconds.h.unit"), "時間", "hours unit")
    eq(p.text_of.get("session.idle_timeout_seconds.m.unit"), "分", "minutes unit")
    eq(p.text_of.get("password.expiry_days.unit"), "日", "days unit")
    eq(p.text_of.get("password.expiry_days.hint"), "設定範囲: 0 日〜999 日。0 = 無期限。",
       "expiry hint")
    eq(p.text_of.get("session.idle_timeout_seconds.hint"),
       "設定範囲: 1 分〜720 時間。この時間操作がないとセッションを終了します。", "idle hint")
    check("API でこのポリシーを JSON として読み書きできます" in p.text_of.get("policy-api", ""),
          "Japanese API hint: %r" % p.text_of.get("policy-api"))
    form = dict(p.values)
    form.update({"password.min_length": "5", "password.history": "１２"})
    r = post(s, form, ja)
    eq(r.status, 400, "status")
    q = Page(r.text)
    check(q.text_of["error"].startswith("次の設定を修正してください:"),
          "Japanese summary %r" % q.text_of["error"])
    eq(marked_bad(q, "password.min_length", ["password.min_length"]),
       "8〜64 の範囲で入力してください。", "Japanese range error")
    eq(marked_bad(q, "password.history", ["password.history"]),
       "半角数字の整数で入力してください。", "Japanese number error (full-width digits)")


def page_text(resp):
    """A page's text without tags, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", resp.text)).split())


def test_audit_log_shows_the_change_in_the_consoles_words(s):
    s.api.set_policy({"password": {"expiry_days": 0, "require_digit": False},
                      "lockout": {"unlock_after_seconds": 0},
                      "session": {"idle_timeout_seconds": 10800, "concurrent": "allow"},
                      "ip": {"allow": []}})
    _, p = get_page(s)
    form = dict(p.values)
    form.update({"password.expiry_days": "30", "password.require_digit": "on",
                 "session.idle_timeout_seconds.h": "1", "session.idle_timeout_seconds.m": "30",
                 "lockout.unlock_after_seconds.h": "0", "lockout.unlock_after_seconds.m": "15",
                 "session.concurrent": "end_old", "ip.allow": "127.0.0.0/8\n10.0.0.0/8"})
    r = post(s, form)
    eq(r.status, 303, "save status (%s)" % r.text[:300])
    want = {
        "en": ["Password expiry: never → 30 days", "Require a digit (0-9): No → Yes",
               "Idle timeout: 3 h → 1 h 30 min",
               "Unlock automatically after: never (an administrator unlocks) → 15 min",
               "Concurrent sessions: Allow → End the older session",
               "Addresses allowed for everyone: none → 127.0.0.0/8, 10.0.0.0/8"],
        "ja": ["パスワードの有効期限: 無期限 → 30 日", "数字 (0-9) を必須にする: いいえ → はい",
               "無操作タイムアウト: 3 時間 → 1 時間 30 分",
               "自動でロックを解除するまでの時間: 自動解除しない (管理者が解除) → 15 分",
               "同時ログイン: 許可する → 古いセッションを終了する",
               "全員に許可するアドレス: なし → 127.0.0.0/8, 10.0.0.0/8"],
    }
    for lang, lines in want.items():
        c = s.d.client(lang=lang)
        c.cookies = dict(s.admin.cookies)
        r = c.get("/t/%s/admin/audit" % SLUG)
        eq(r.status, 200, "audit page status (%s)" % lang)
        text = page_text(r)
        missing = [w for w in lines if w not in text]
        check(not missing, "the %s audit log lacks %r" % (lang, missing))


TESTS = [test_form_uses_hours_minutes_and_days, test_no_json_dump_but_an_api_hint,
         test_untouched_form_saves_the_same_policy_and_redirects,
         test_every_bad_field_reported_at_once_and_nothing_saved,
         test_rules_between_fields_reported_with_the_others,
         test_hours_and_minutes_are_saved_as_seconds,
         test_seconds_set_through_the_api_survive_an_untouched_save,
         test_japanese_labels_and_units,
         test_audit_log_shows_the_change_in_the_consoles_words]

if __name__ == "__main__":
    harness.main("console_policy", TESTS, setup)
