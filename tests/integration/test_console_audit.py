#!/usr/bin/env python3
"""
The console's audit log as people read it (issue 8, "Audit that people can
read"): one sentence per event in English and Japanese with names, translated
roles, reasons and results, every time in the tenant's zone with its offset;
a policy change as the list of the fields that changed (before → after); the
raw detail only inside <details>; login.locked recorded as a failure; the
action filter by translated names; "1 event" / "2 events"; and the CSV with the
tenant-local time beside the stored UTC one and a file name in the tenant's
date.

The tenant's zone is Pacific/Kiritimati (UTC+14, no daylight saving), so that
a time shown in UTC, or in the default Asia/Tokyo, cannot pass for local.
"""

import csv
import datetime
import html
import io
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api, PW, session_api  # noqa: E402

SLUG = "cons"
ADMIN = "admin@cons.example"
BOB = "bob@cons.example"      # invited by the administrator, with a known expiry
CAROL = "carol@cons.example"  # suspended by the administrator
DAVE = "dave@cons.example"    # fails to sign in until locked
ZONE = "Pacific/Kiritimati"
OFFSET = datetime.timedelta(hours=14)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
JA = {"Accept-Language": "ja"}
CSV_HEADER = ["seq", "time", "time_utc", "actor", "role", "source_ip", "action", "target",
              "result", "detail"]


def catalogue(msg_id):
    """(English, Japanese) of a message of web/i18n_*.h: the policy tab's
    words belong to another part of the console, so they are read from its
    catalogue rather than repeated here."""
    for name in sorted(os.listdir(os.path.join(harness.REPO, "web"))):
        if not (name.startswith("i18n") and name.endswith(".h")):
            continue
        with open(os.path.join(harness.REPO, "web", name), encoding="utf-8") as f:
            src = f.read()
        m = re.search(r"X\(\s*%s\s*," % re.escape(msg_id), src)
        if not m:
            continue
        args, cur, pos = [], [], m.end()
        while True:  # string literals (joined) up to the closing parenthesis
            lit = re.compile(r'\s*(?:\\\n\s*)*"((?:[^"\\]|\\.)*)"').match(src, pos)
            if lit:
                cur.append(lit.group(1))
                pos = lit.end()
                continue
            sep = re.compile(r"\s*(?:\\\n\s*)*([,)])").match(src, pos)
            check(sep, "cannot read %s in web/%s" % (msg_id, name))
            args.append("".join(cur).encode().decode("unicode_escape").encode(
                "latin-1").decode("utf-8"))
            cur, pos = [], sep.end()
            if sep.group(1) == ")":
                break
        eq(len(args), 2, "texts of %s" % msg_id)
        return args[0], args[1]
    raise harness.TestFailure("%s is in no web/i18n*.h" % msg_id)


def utc_of(at):
    """A stored time ("2026-11-22T03:04:05.123456Z") as an aware datetime."""
    return datetime.datetime.strptime(at[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)


def local(dt):
    return (dt + OFFSET).replace(tzinfo=None)


def when_en(dt):
    t = local(dt)
    return "%d %s %d %02d:%02d (+14:00)" % (t.day, MONTHS[t.month - 1], t.year, t.hour, t.minute)


def when_ja(dt):
    t = local(dt)
    return "%d年%d月%d日 %02d:%02d (+14:00)" % (t.year, t.month, t.day, t.hour, t.minute)


def text_of(fragment):
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", fragment)).split())


class Row:
    """One row of the audit table: its seq, cells by column heading, the
    event's sentence and its list of changes, and the raw cell HTML."""

    def __init__(self, seq, body):
        self.seq = seq
        self.html = {}
        for label, cell in re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', body, re.S):
            self.html[html.unescape(label)] = cell
        self.cells = {k: text_of(v) for k, v in self.html.items()}

    def event_html(self, lang):
        return self.html[("Event", "イベント")[lang == "ja"]]

    def sentence(self, lang="en"):
        return text_of(re.sub(r"<ul.*?</ul>", "", self.event_html(lang), flags=re.S))

    def changes(self, lang="en"):
        return [text_of(li) for li in re.findall(r"<li>(.*?)</li>", self.event_html(lang), re.S)]


def audit_page(s, lang="en", **params):
    qs = urllib.parse.urlencode(params)
    r = s.admin.get("/t/%s/admin/audit%s" % (SLUG, "?" + qs if qs else ""),
                    headers=JA if lang == "ja" else None)
    eq(r.status, 200, "audit page %r status (%s)" % (params, r.text[:200]))
    m = re.search(r'<div class="table-wrap"><table class="list" id="audit">(.*?)</table></div>',
                  r.text, re.S)
    check(m, "no table-wrap'd table.list#audit on the audit page")
    rows = {int(seq): Row(int(seq), body)
            for seq, body in re.findall(r'<tr data-seq="(\d+)">(.*?)</tr>', m.group(1), re.S)}
    return r, rows


def events(s, **params):
    return s.api.audit(**dict(params, limit=1000))


def event(s, action, target=None):
    found = [e for e in events(s, action=action) if target is None or e["target"] == target]
    eq(len(found), 1, "%s events for %s" % (action, target))
    return found[0]


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.api.set_policy({"audit": {"timezone": ZONE}})
    s.admin = d.enroll(SLUG, ADMIN, PW, role="admin", name="Admin")
    r = session_api(d, s.admin, SLUG, "POST", "/invitations", json={"email": BOB, "role": "user"})
    eq(r.status, 201, "invite %s (%s)" % (BOB, r.text[:200]))
    s.bob_expires = r.json()["expires_at"]
    d.enroll(SLUG, CAROL, PW)
    r = session_api(d, s.admin, SLUG, "POST", "/users/%s/suspend" % CAROL)
    eq(r.status, 200, "suspend %s (%s)" % (CAROL, r.text[:200]))
    r = session_api(d, s.admin, SLUG, "PUT", "/policy",
                    json={"password": {"min_length": 12}, "session": {"concurrent": "deny_new"}})
    eq(r.status, 200, "policy change (%s)" % r.text[:200])
    d.enroll(SLUG, DAVE, PW)
    for _ in range(5):  # the default lockout.max_failures
        eq(d.login(d.client(), SLUG, DAVE, "Wrong-Password-1").status, 401, "failed sign-in")


def test_invitation_sentence_names_role_and_local_expiry(s):
    e = event(s, "user.invited", BOB)
    expires = datetime.datetime.strptime(s.bob_expires, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    _, rows = audit_page(s)
    eq(rows[e["seq"]].sentence(),
       "%s invited %s as User, valid until %s" % (ADMIN, BOB, when_en(expires)), "EN sentence")
    _, rows = audit_page(s, "ja")
    eq(rows[e["seq"]].sentence("ja"),
       "%s が %s を招待しました (ロール: ユーザー、有効期限: %s)" % (ADMIN, BOB, when_ja(expires)),
       "JA sentence")
    # The operator's invitation of the administrator names the role too.
    e = event(s, "user.invited", ADMIN)
    check(rows[e["seq"]].sentence("ja").startswith("運用者 (コマンドライン) が %s を招待しました "
                                                   "(ロール: 管理者、有効期限: " % ADMIN),
          "operator's invitation in JA: %r" % rows[e["seq"]].sentence("ja"))


def test_suspension_and_token_sentences(s):
    e = event(s, "user.suspended", CAROL)
    tok = event(s, "token.created")
    _, en = audit_page(s)
    _, ja = audit_page(s, "ja")
    # Carol was signed in once; her session ended with the suspension.
    eq(e["detail"], {"sessions": 1}, "suspension detail")
    eq(en[e["seq"]].sentence(), "%s suspended %s (1 session ended)" % (ADMIN, CAROL),
       "EN suspension")
    eq(ja[e["seq"]].sentence("ja"),
       "%s が %s を利用停止にしました (終了したセッション: 1 件)" % (ADMIN, CAROL), "JA suspension")
    eq(en[tok["seq"]].sentence(), "The operator (command line) created the API token "
       "“tests-cons”", "EN token")
    eq(ja[tok["seq"]].sentence("ja"), "運用者 (コマンドライン) が API トークン「tests-cons」を"
       "作成しました", "JA token")


def test_policy_change_lists_only_changed_fields(s):
    changes = [e for e in events(s, action="policy.updated") if e["actor"] == ADMIN]
    eq(len(changes), 1, "the administrator's policy changes")
    seq = changes[0]["seq"]
    words = {k: catalogue(k) for k in ["M_ADM_POL_MIN_LENGTH", "M_ADM_POL_CONCURRENT",
                                       "M_ADM_POL_CONC_ALLOW", "M_ADM_POL_CONC_DENY"]}
    for lang, i in (("en", 0), ("ja", 1)):
        _, rows = audit_page(s, lang)
        row = rows[seq]
        eq(row.sentence(lang), ("%s changed the policy:" % ADMIN,
                                "%s がポリシーを変更しました:" % ADMIN)[i], "%s sentence" % lang)
        eq(row.changes(lang), [
            "%s: 8 → 12" % words["M_ADM_POL_MIN_LENGTH"][i],
            "%s: %s → %s" % (words["M_ADM_POL_CONCURRENT"][i], words["M_ADM_POL_CONC_ALLOW"][i],
                             words["M_ADM_POL_CONC_DENY"][i])], "%s list of changes" % lang)
    # The token's change of the time zone lists that one field.
    first = [e for e in events(s, action="policy.updated") if e["role"] == "api"]
    eq(len(first), 1, "the token's policy changes")
    _, rows = audit_page(s)
    eq(rows[first[0]["seq"]].sentence(), "API token “tests-cons” changed the policy:",
       "token's policy change")
    eq(rows[first[0]["seq"]].changes(),
       ["%s: Asia/Tokyo → %s" % (catalogue("M_ADM_POL_TIMEZONE")[0], ZONE)], "time zone change")


def test_lockout_is_a_failure_in_words(s):
    locked = event(s, "login.locked", DAVE)
    eq(locked["result"], "failure", "login.locked result in the API")
    fails = [e for e in events(s, action="login.failure") if e["target"] == DAVE]
    eq(len(fails), 5, "failed sign-ins of %s" % DAVE)
    _, en = audit_page(s)
    _, ja = audit_page(s, "ja")
    eq(en[locked["seq"]].sentence(), "%s was locked after too many failed sign-ins" % DAVE,
       "EN lock")
    eq(ja[locked["seq"]].sentence("ja"), "%s はログインの失敗が続いたためロックされました" % DAVE,
       "JA lock")
    eq(en[locked["seq"]].cells["Result"], "Failure", "EN result of the lock")
    eq(ja[locked["seq"]].cells["結果"], "失敗", "JA result of the lock")
    check('<span class="badge failure">' in en[locked["seq"]].html["Result"],
          "lock badge: %r" % en[locked["seq"]].html["Result"])
    f = fails[0]["seq"]
    eq(en[f].sentence(), "Sign-in as %s failed: wrong password" % DAVE, "EN failure")
    eq(ja[f].sentence("ja"), "%s のログインに失敗しました: パスワードの誤り" % DAVE,
       "JA failure")
    ok = event(s, "user.suspended", CAROL)["seq"]
    eq(en[ok].cells["Result"], "Success", "EN result of a suspension")
    eq(ja[ok].cells["結果"], "成功", "JA result of a suspension")


def test_times_are_local_with_offset(s):
    evs = {e["seq"]: e for e in events(s)}
    for lang in ("en", "ja"):
        _, rows = audit_page(s, lang)
        check(rows, "no rows")
        for seq, row in rows.items():
            want = local(utc_of(evs[seq]["at"])).strftime("%Y-%m-%d %H:%M:%S") + " +14:00"
            eq(row.cells[("Time", "日時")[lang == "ja"]], want, "time of #%d (%s)" % (seq, lang))
            # Date and time each stay on one line.
            check(re.search(r'<span class="nowrap">\d{4}-\d\d-\d\d</span> '
                            r'<span class="nowrap">\d\d:\d\d:\d\d \+14:00</span>',
                            row.html[("Time", "日時")[lang == "ja"]]),
                  "time cell markup of #%d: %r" % (seq, row.html.get("Time")))


def test_no_epoch_or_json_outside_details(s):
    inv = event(s, "user.invited", BOB)
    epoch = str(inv["detail"]["expires_at"])
    check(re.fullmatch(r"\d{10}", epoch), "expires_at stored as epoch seconds: %r" % epoch)
    for lang in ("en", "ja"):
        r, rows = audit_page(s, lang)
        folded = re.findall(r"<details>(.*?)</details>", r.text, re.S)
        outside = re.sub(r"<details>.*?</details>", "", r.text, flags=re.S)
        check(epoch not in outside, "epoch seconds outside <details> (%s)" % lang)
        check(not re.search(r"\b1\d{9}\b", text_of(outside)), "epoch-like number (%s): %r" %
              (lang, re.findall(r"\b1\d{9}\b", text_of(outside))[:3]))
        for frag in ('{&quot;', '&quot;:', '{"', '":'):
            check(frag not in outside, "JSON %r outside <details> (%s)" % (frag, lang))
        # ... and the raw detail is there, folded, as pretty JSON.
        raw = rows[inv["seq"]].html[("Details", "詳細")[lang == "ja"]]
        m = re.search(r'<details><summary>.*?</summary><pre class="raw">(.*?)</pre></details>',
                      raw, re.S)
        check(m, "folded raw detail of the invitation: %r" % raw[:200])
        check(epoch in m.group(1) and "expires_at" in m.group(1), "raw detail %r" % m.group(1))
        check(len(folded) >= 5, "%d folded details" % len(folded))
    # An event with an empty detail has an empty details cell.
    _, rows = audit_page(s)
    empty = [e for e in events(s) if e["detail"] == {} and e["seq"] in rows]
    check(empty, "no event with an empty detail on the first page")
    eq(rows[empty[0]["seq"]].cells["Details"], "", "empty detail of %s" % empty[0]["action"])


def test_every_cell_labelled(s):
    r, rows = audit_page(s)
    table = re.search(r'<table class="list" id="audit">(.*?)</table>', r.text, re.S).group(1)
    eq(re.findall(r"<th>([^<]*)</th>", table), ["Time", "Event", "Source IP", "Result",
                                                "Details"], "column headings")
    eq(len(re.findall(r"<td[ >]", table)), len(re.findall(r'<td data-label="[^"]+"', table)),
       "cells with a data-label")
    eq(len(re.findall(r"<td[ >]", table)), 5 * len(rows), "cells per row")
    _, rows = audit_page(s, "ja")
    check(all(set(row.cells) == {"日時", "イベント", "送信元 IP", "結果", "詳細"}
              for row in rows.values()), "JA labels")


def test_action_filter_by_name_and_counts(s):
    r, rows = audit_page(s, action="user.suspended")
    eq(len(rows), 1, "rows for user.suspended")
    m = re.search(r'<p class="muted" id="pager">(.*?)</p>', r.text, re.S)
    eq(text_of(m.group(1)), "Showing 1–1 of 1 event", "pager for one event")
    check(re.search(r'<option value="user.suspended" selected>User suspended</option>', r.text),
          "the chosen action is selected by its name")
    r, rows = audit_page(s, action="login.locked")
    eq(len(rows), 1, "rows for login.locked")
    r, rows = audit_page(s, action="user")
    n = len([e for e in events(s) if e["action"].startswith("user.")])
    check(n > 1, "user.* events: %d" % n)
    eq(text_of(re.search(r'id="pager">(.*?)</p>', r.text, re.S).group(1)),
       "Showing 1–%d of %d events" % (n, n), "pager for several events")
    check(all(r2.sentence() for r2 in rows.values()), "sentences")
    r, _ = audit_page(s, "ja", action="user.suspended")
    eq(text_of(re.search(r'id="pager">(.*?)</p>', r.text, re.S).group(1)),
       "全 1 件中 1〜1 件を表示", "JA pager")
    form = re.search(r'<form method="get" action="/t/%s/admin/audit" id="audit-filter">(.*?)'
                     r'</form>' % SLUG, r.text, re.S)
    check(form, "filter form")
    f = form.group(1)
    check('<option value="">すべてのアクション</option>' in f, "JA 'any' option")
    check('<optgroup label="ユーザー"><option value="user">ユーザー: すべて</option>' in f,
          "JA group of user actions: %r" % f[:600])
    check('<option value="user.suspended" selected>利用停止</option>' in f, "JA action name")
    check('<option value="login.locked">アカウントのロック</option>' in f, "JA lock name")
    # Inputs and buttons in one row; the export (beside the count) keeps the filter.
    row = re.search(r'<div class="row">(.*)</div>', f, re.S).group(1)
    for part in ('id="f-from"', 'id="f-to"', '<select id="f-action" name="action">',
                 'id="f-actor"', '<button type="submit">絞り込む</button>'):
        check(part in row, "%s in the filter row" % part)
    check(re.search(r'id="export" href="/t/%s/admin/audit.csv\?action=user.suspended"' % SLUG,
                    r.text), "export link carries the filter")


def check_csv(body, what):
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    eq(rows[0], CSV_HEADER, "%s header" % what)
    check(len(rows) > 10, "%s rows: %d" % (what, len(rows)))
    for row in rows[1:]:
        rec = dict(zip(CSV_HEADER, row))
        want = local(utc_of(rec["time_utc"])).strftime("%Y-%m-%dT%H:%M:%S") + "+14:00"
        eq(rec["time"], want, "%s local time of #%s (UTC %s)" % (what, rec["seq"],
                                                                 rec["time_utc"]))
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", rec["time_utc"]),
              "%s time_utc as stored: %r" % (what, rec["time_utc"]))
    locked = [dict(zip(CSV_HEADER, r)) for r in rows[1:] if r[6] == "login.locked"]
    eq([r["result"] for r in locked], ["failure"], "%s login.locked result" % what)
    return rows


def test_console_csv_local_time_and_file_name(s):
    before = (datetime.datetime.now(datetime.timezone.utc) + OFFSET).date()
    r = s.admin.get("/t/%s/admin/audit.csv" % SLUG)
    after = (datetime.datetime.now(datetime.timezone.utc) + OFFSET).date()
    eq(r.status, 200, "console CSV status")
    check_csv(r.body, "console CSV")
    disp = r.header("Content-Disposition") or ""
    m = re.fullmatch(r'attachment; filename="audit-%s-(\d{4}-\d\d-\d\d)\.csv"' % SLUG, disp)
    check(m, "Content-Disposition %r" % disp)
    # Kiritimati is 14 hours ahead: from 10:00 UTC on, its date is UTC's next
    # day, so a name in UTC's date fails then.
    check(m.group(1) in (before.isoformat(), after.isoformat()),
          "file name date %s, the tenant's date is %s" % (m.group(1), after))
    r = s.admin.get("/t/%s/admin/audit.csv?action=user.suspended" % SLUG)
    lines = list(csv.reader(io.StringIO(r.body.decode("utf-8"), newline="")))
    eq([ln[6] for ln in lines[1:]], ["user.suspended"], "filtered console CSV")


def test_api_csv_local_time(s):
    r = s.api.get("/audit?format=csv")
    eq(r.status, 200, "API CSV status")
    rows = check_csv(r.body, "API CSV")
    j = s.api.get("/audit").json()
    eq(len(rows) - 1, len(j["events"]), "API CSV rows vs JSON")
    # The API keeps returning the detail as stored.
    pol = [e for e in j["events"] if e["action"] == "policy.updated" and e["actor"] == ADMIN][0]
    eq(pol["detail"]["before"]["password"]["min_length"], 8, "raw detail before")
    eq(pol["detail"]["after"]["session"]["concurrent"], "deny_new", "raw detail after")


TESTS = [test_invitation_sentence_names_role_and_local_expiry,
         test_suspension_and_token_sentences, test_policy_change_lists_only_changed_fields,
         test_lockout_is_a_failure_in_words, test_times_are_local_with_offset,
         test_no_epoch_or_json_outside_details, test_every_cell_labelled,
         test_action_filter_by_name_and_counts, test_console_csv_local_time_and_file_name,
         test_api_csv_local_time]

if __name__ == "__main__":
    harness.main("console_audit", TESTS, setup)
