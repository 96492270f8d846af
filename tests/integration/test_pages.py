#!/usr/bin/env python3
"""
The account pages as a user first meets them (issue 8): the invitation,
change-password and reset pages list the tenant's password rules before the
first attempt, following the policy, in English and Japanese, and mark the
rules a failed attempt broke; a successful change (also the forced one)
goes back to the home page, which says so only for a flag it knows; a reset
ends on "you can sign in now" with the sign-in link; and `/` is a neutral
page that names no tenant.
"""

import html
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, PW2, change_password, login_ok, outbox_links,  # noqa: E402
                         rules_of, TOO_SHORT, NEED_DIGIT, REUSED)

SLUG = "pgs"
NAME = "Pages Test 株式会社"
# Two more tenants, only for the neutral page: neither may show on it.
OTHERS = [("kumo-corp", "Kumo Corporation 雲株式会社"), ("hoshi-works", "Hoshi Works Ltd")]

DEFAULT_PW = {"min_length": 8, "max_length": 64, "require_upper": False,
              "require_lower": False, "require_digit": False, "require_symbol": False,
              "min_classes": 0, "history": 0, "expiry_days": 0,
              "change_at_first_login": True, "min_score": 0}

# The rule list of a policy with min_length 14 and require_digit.
EN_14_DIGIT = ["be 14 to 64 characters long", "contain a digit (0-9)",
               "not contain the part of your e-mail address before the @",
               "not be a commonly used password"]
JA_14_DIGIT = ["14〜64 文字", "数字 (0-9) を含む", "メールアドレスの @ より前の部分を含まない",
               "よく使われるパスワードではない"]


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG, NAME)
    for slug, name in OTHERS:
        d.create_tenant(slug, name)
    s.api = Api(d, SLUG)
    s.n = 0


def policy(s, **pw):
    doc = dict(DEFAULT_PW)
    doc.update(pw)
    s.api.set_policy({"password": doc})


def pw_rules(resp):
    """The rule list of a page: [(key, failed, text)] in page order, or None."""
    m = re.search(r'<ul id="pw-rules">(.*?)</ul>', resp.text, re.S)
    if not m:
        return None
    out = []
    for key, cls, inner in re.findall(r'<li data-pw-rule="([a-z_]+)"( class="failed")?>(.*?)</li>',
                                      m.group(1), re.S):
        badge = re.search(r'<span class="badge failure">([^<]*)</span>', inner)
        text = re.sub(r'<span class="badge failure">[^<]*</span>\s*', "", inner)
        check(bool(cls) == bool(badge), "failed class and badge disagree in %r" % inner)
        out.append((key, bool(cls), html.unescape(text).strip()))
    return out


def texts(rules):
    return [t for _, _, t in rules]


def failed(rules):
    return sorted(k for k, f, _ in rules if f)


def before_form_fields(resp):
    """The list comes before the confirmation field and the submit button."""
    t = resp.text
    i = t.find('id="pw-rules"')
    check(i >= 0, "no rule list")
    check(i < t.find('id="password2"') and i < t.find('id="submit"'),
          "the rule list is not above the confirmation field and the button")


def new_user(s, local=None):
    s.n += 1
    email = "%s%d@pgs.example" % (local or "u", s.n)
    c = s.d.enroll(SLUG, email, PW, name="Page User")
    return email, c


def reset_link(s, email):
    before = len(outbox_links(s.d, "reset"))
    c = s.d.client()
    page = c.get("/t/%s/reset" % SLUG)
    eq(page.status, 200, "reset request page")
    r = c.post("/t/%s/reset" % SLUG, form={"csrf": page.csrf(), "email": email})
    eq(r.status, 200, "reset request")
    deadline = time.time() + 10
    while time.time() < deadline:
        links = outbox_links(s.d, "reset")
        if len(links) > before:
            return s.d.path_of(links[-1])
        time.sleep(0.1)
    raise harness.TestFailure("no reset link in the outbox")


# ---------------------------------------------------------------- the rule list


def test_invitation_page_lists_the_policy_before_the_first_attempt(s):
    d = s.d
    policy(s, min_length=14, require_digit=True)
    url = s.api.invite("inv-rules@pgs.example")
    path = d.path_of(url)
    r = d.client().get(path)
    eq(r.status, 200, "invitation page")
    rules = pw_rules(r)
    eq(texts(rules), EN_14_DIGIT, "English rules on the invitation page")
    eq(failed(rules), [], "nothing marked before an attempt")
    eq(rules_of(r), set(), "no error list before an attempt")
    before_form_fields(r)
    # A new account has no current password to differ from.
    check("reused" not in [k for k, _, _ in rules], "history rule on the invitation page")
    r = d.client(lang="ja").get(path)
    eq(texts(pw_rules(r)), JA_14_DIGIT, "Japanese rules on the invitation page")
    # The list follows the policy.
    policy(s, min_length=10, max_length=20, require_upper=True, min_classes=3, min_score=3)
    r = d.client().get(path)
    eq(texts(pw_rules(r)), [
        "be 10 to 20 characters long", "contain an upper-case letter (A-Z)",
        "contain at least 3 of these four kinds: upper-case letters, lower-case letters, "
        "digits, symbols",
        "not contain the part of your e-mail address before the @",
        "not be a commonly used password",
        "be hard to guess (strength at least 3 on a scale from 0 to 4)"],
        "rules after the policy changed")
    eq([k for k, _, _ in pw_rules(r)],
       ["length", "need_upper", "few_classes", "contains_email", "blocklisted", "guessable"],
       "rule keys")
    r = d.client(lang="ja").get(path)
    eq(texts(pw_rules(r)), [
        "10〜20 文字", "英大文字 (A-Z) を含む", "英大文字・英小文字・数字・記号のうち 3 種類以上を含む",
        "メールアドレスの @ より前の部分を含まない", "よく使われるパスワードではない",
        "推測されにくい (強度 0〜4 のうち 3 以上)"], "Japanese rules after the policy changed")
    policy(s, min_length=12, max_length=12)
    eq(pw_rules(d.client().get(path))[0][2], "be exactly 12 characters long", "min = max")


def test_failed_invitation_attempt_marks_the_broken_rules(s):
    d = s.d
    policy(s, min_length=14, require_digit=True)
    url = s.api.invite("inv-fail@pgs.example")
    c = d.client()
    r = d.accept(c, url, "Inv Fail", "no-digits")
    eq(r.status, 400, "short password without a digit")
    eq(rules_of(r), {TOO_SHORT, NEED_DIGIT}, "error list")
    rules = pw_rules(r)
    eq(texts(rules), EN_14_DIGIT, "the whole list is still shown")
    eq(failed(rules), ["length", "need_digit"], "rules marked as not met")
    check('<span class="badge failure">not met</span>' in r.text, "English marker")
    c.lang = "ja"
    r = d.accept(c, url, "Inv Fail", "no-digits-but-long-enough")
    eq(failed(pw_rules(r)), ["need_digit"], "only the digit rule marked (Japanese)")
    check('<span class="badge failure">未達成</span>' in r.text, "Japanese marker")
    r = d.accept(c, url, "Inv Fail", "Fourteen-chars-1")
    eq(r.status, 303, "a password that meets the rules (%s)" % rules_of(r))


def test_change_page_lists_the_policy(s):
    d = s.d
    policy(s)
    email, c = new_user(s, "chg")
    policy(s, min_length=14, require_digit=True)
    r = c.get("/t/%s/password" % SLUG)
    eq(r.status, 200, "change page")
    rules = pw_rules(r)
    eq(texts(rules), EN_14_DIGIT + ["differ from your current password"], "English rules")
    eq(failed(rules), [], "nothing marked before an attempt")
    before_form_fields(r)
    c.lang = "ja"
    eq(texts(pw_rules(c.get("/t/%s/password" % SLUG))),
       JA_14_DIGIT + ["現在のパスワードと異なる"], "Japanese rules")
    c.lang = None
    policy(s, min_length=14, require_digit=True, history=5)
    eq(texts(pw_rules(c.get("/t/%s/password" % SLUG)))[-1],
       "differ from your last 5 passwords", "history rule")
    r = change_password(d, c, SLUG, PW, "short1")
    eq(r.status, 400, "short password")
    eq(failed(pw_rules(r)), ["length"], "marked after a failed change")
    r = change_password(d, c, SLUG, PW, "Too-short")
    eq(failed(pw_rules(r)), ["length", "need_digit"], "both marked")
    policy(s, min_length=8)
    r = change_password(d, c, SLUG, PW, PW)
    eq(rules_of(r), {REUSED}, "the current password again")
    eq(failed(pw_rules(r)), ["reused"], "the current-password rule marked")


def test_reset_page_lists_the_policy(s):
    d = s.d
    policy(s)
    email, _ = new_user(s, "rst")
    path = reset_link(s, email)
    policy(s, min_length=14, require_digit=True)
    r = d.client().get(path)
    eq(r.status, 200, "reset page")
    eq(texts(pw_rules(r)), EN_14_DIGIT + ["differ from your current password"], "English rules")
    eq(failed(pw_rules(r)), [], "nothing marked before an attempt")
    before_form_fields(r)
    eq(texts(pw_rules(d.client(lang="ja").get(path))),
       JA_14_DIGIT + ["現在のパスワードと異なる"], "Japanese rules")
    c = d.client()
    page = c.get(path)
    r = c.post(path, form={"csrf": page.csrf(), "password": "Upper-only-long",
                           "password2": "Upper-only-long"})
    eq(r.status, 400, "reset without a digit")
    eq(failed(pw_rules(r)), ["need_digit"], "marked after a failed reset")
    # Success: the existing sentence, with the way to sign in.
    r = c.post(path, form={"csrf": page.csrf(), "password": "Fourteen-chars-22",
                           "password2": "Fourteen-chars-22"})
    eq(r.status, 200, "reset (%s)" % rules_of(r))
    check("Your password has been reset. You can sign in now." in r.text, "reset notice")
    check(re.search(r'<a class="button" id="sign-in" href="/t/%s/login">Sign in</a>' % SLUG,
                    r.text), "sign-in link after the reset")
    eq(pw_rules(r), None, "no form after the reset")
    login_ok(d, d.client(), SLUG, email, "Fourteen-chars-22")
    policy(s)


# ---------------------------------------------------------------- after a change


def notice(resp):
    m = re.search(r'<p class="notice" role="status" id="notice">([^<]*)</p>', resp.text)
    return html.unescape(m.group(1)) if m else None


def test_successful_change_goes_home_with_a_notice(s):
    d = s.d
    policy(s)
    email, c = new_user(s, "done")
    r = change_password(d, c, SLUG, PW, PW2)
    eq(r.status, 303, "change (%s)" % rules_of(r))
    eq(r.location, "/t/%s/?done=password" % SLUG, "where a change goes")
    home = c.get(r.location)
    eq(home.status, 200, "home page after the change")
    eq(notice(home), "Your password has been changed.", "notice")
    check(html.unescape(home.text).count(email) >= 1, "it is the home page")
    c.lang = "ja"
    eq(notice(c.get(r.location)), "パスワードを変更しました。", "Japanese notice")
    c.lang = None
    eq(notice(c.get("/t/%s/" % SLUG)), None, "no notice without the flag")
    # The change page no longer says anything about an earlier change.
    check("has been changed" not in c.get("/t/%s/password?changed=1" % SLUG).text,
          "the old ?changed flag still shows a notice")
    login_ok(d, d.client(), SLUG, email, PW2)


def test_crafted_done_flag_shows_nothing(s):
    d = s.d
    policy(s)
    _, c = new_user(s, "junk")
    # URL-encoded, as a crafted link would carry them.
    for junk in ["x", "PASSWORD", "password2", "%20password", "password%20", "pass",
                 "%3Cb%3Epwned%3C%2Fb%3E", "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                 "Your+password+has+been+changed."]:
        r = c.get("/t/%s/?done=%s" % (SLUG, junk))
        eq(r.status, 200, "home with done=%r" % junk)
        eq(notice(r), None, "notice for done=%r" % junk)
        check('id="notice"' not in r.text, "a notice element for done=%r" % junk)
        check("pwned" not in r.text and "<script" not in r.text, "done=%r echoed" % junk)
        check("has been changed" not in r.text, "done=%r: the notice's words" % junk)


def test_forced_change_goes_home_with_a_notice(s):
    d = s.d
    policy(s, change_at_first_login=True)
    email, _ = new_user(s, "forced")
    r = s.api.post("/users/%s/password" % email, json={"password": "Temp-Pass-4321"})
    eq(r.status, 200, "admin-set password (%s)" % r.text[:200])
    c = d.client()
    r = login_ok(d, c, SLUG, email, "Temp-Pass-4321")
    eq(r.location.split("?")[0], "/t/%s/login/password" % SLUG, "the forced change first")
    page = c.get(r.location)
    eq(page.status, 200, "forced change page")
    check("You must set a new password before you continue." in page.text, "forced notice")
    eq(failed(pw_rules(page)), [], "the rules, nothing marked")
    r = c.post("/t/%s/login/password" % SLUG,
               form={"csrf": page.csrf(), "password": PW2, "password2": PW2})
    eq(r.status, 303, "forced change (%s)" % rules_of(r))
    eq(r.location, "/t/%s/?done=password" % SLUG, "where a forced change goes")
    eq(notice(c.get(r.location)), "Your password has been changed.", "notice")


# ---------------------------------------------------------------- the neutral page


def test_root_is_a_neutral_page(s):
    d = s.d
    names = [SLUG, NAME] + [x for pair in OTHERS for x in pair]
    tenant_csp = d.client().get("/t/%s/login" % SLUG).header("Content-Security-Policy")
    for lang, title, text in [
            (None, "Use your organisation's sign-in link",
             "Open the sign-in link your organisation gave you"),
            ("en-GB,en;q=0.9", "Use your organisation's sign-in link",
             "ask your administrator"),
            ("ja", "組織のログイン用リンクをご利用ください",
             "組織から案内されたログイン用リンクを開いてください"),
            ("ja-JP,ja;q=0.9,en;q=0.5", "組織のログイン用リンクをご利用ください",
             "管理者にお問い合わせください")]:
        r = d.client(lang=lang).get("/")
        eq(r.status, 200, "GET / (%s)" % lang)
        check((r.header("Content-Type") or "").startswith("text/html"),
              "content type %r" % r.header("Content-Type"))
        page = html.unescape(r.text)
        check("<h1>%s</h1>" % title in page, "title (%s): %r" % (lang, page[:600]))
        check(text in page, "text (%s): %r" % (lang, page[:600]))
        check('<html lang="%s">' % ("ja" if lang and lang.startswith("ja") else "en") in page,
              "html lang (%s)" % lang)
        eq(r.header("Content-Security-Policy"), tenant_csp, "CSP like the other pages")
        for n in names:
            check(n.lower() not in page.lower(), "GET / (%s) names %r" % (lang, n))
        check("/t/" not in page, "GET / links into a tenant")
    eq(d.client().request("HEAD", "/").status, 200, "HEAD /")
    eq(d.client().get("/nothing-here").status, 404, "other paths stay 404")


if __name__ == "__main__":
    harness.main("pages", [
        test_invitation_page_lists_the_policy_before_the_first_attempt,
        test_failed_invitation_attempt_marks_the_broken_rules,
        test_change_page_lists_the_policy,
        test_reset_page_lists_the_policy,
        test_successful_change_goes_home_with_a_notice,
        test_crafted_done_flag_shows_nothing,
        test_forced_change_goes_home_with_a_notice,
        test_root_is_a_neutral_page,
    ], setup)
