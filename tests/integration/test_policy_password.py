#!/usr/bin/env python3
"""
Password policy (issue 3) as end users meet it: length counted in code points
(min-1/min/max/max+1 with Japanese characters), each required class,
min_classes, the e-mail local part, the common-password blocklist, exact rule
lists in English and Japanese, history (N and N+1 passwords back), expiry
(the day before and after, by moving the stored change time), and
change_at_first_login for administrator-set passwords.  The policy holds at
invitation acceptance, password change, administrator-set passwords and
reset (the reset page is covered in test_lifecycle_reset).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, change_password, rules_of, rule_texts, session_api,  # noqa: E402
                         sql_super, q, audit_details, TOO_SHORT, TOO_LONG, NEED_UPPER,
                         NEED_LOWER, NEED_DIGIT, NEED_SYMBOL, FEW_CLASSES, HAS_EMAIL,
                         BLOCKLISTED, REUSED, MISMATCH)

SLUG = "pwpol"
JA = "あいうえおかきくけこさしすせそたちつてとなにぬねの"  # 3 bytes each in UTF-8

DEFAULT_PW = {"min_length": 8, "max_length": 64, "require_upper": False,
              "require_lower": False, "require_digit": False, "require_symbol": False,
              "min_classes": 0, "history": 0, "expiry_days": 0,
              "change_at_first_login": True}


class User:
    """An enrolled user with a session and the password it has now."""

    def __init__(self, s, local, role="user"):
        self.email = "%s@pwpol.example" % local
        self.password = PW
        policy(s)  # enrol under the default policy; the test then sets its own
        self.c = s.d.enroll(SLUG, self.email, PW, role=role, name=local)
        self.s = s

    def change(self, new, new2=None):
        r = change_password(self.s.d, self.c, SLUG, self.password, new, new2)
        if r.status == 303:
            self.password = new
        return r


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.n = 0


def policy(s, **pw):
    doc = dict(DEFAULT_PW)
    doc.update(pw)
    s.api.set_policy({"password": doc})


def expect_refused(u, new, want_rules, what):
    r = u.change(new)
    eq(r.status, 400, "%s: status (%s)" % (what, r.text[:200]))
    eq(rules_of(r), want_rules, "%s: rules listed" % what)


def expect_ok(u, new, what):
    r = u.change(new)
    eq(r.status, 303, "%s: status, rules %r" % (what, sorted(rules_of(r))))


def test_length_counts_code_points_on_change(s):
    u = User(s, "len-change")
    policy(s, min_length=10, max_length=12)
    # 9 Japanese characters are 27 bytes: too short by characters, long by bytes.
    expect_refused(u, JA[:9], {TOO_SHORT}, "min-1 (9 characters, 27 bytes)")
    expect_ok(u, JA[:10], "min (10 characters, 30 bytes)")
    expect_ok(u, JA[1:13], "max (12 characters, 36 bytes)")
    expect_refused(u, JA[2:15], {TOO_LONG}, "max+1 (13 characters)")
    # A combining sequence is two code points: the rule counts code points.
    expect_refused(u, "e\u0301" * 4 + "x", {TOO_SHORT}, "9 code points with combining marks")


def test_length_boundaries_at_invitation(s):
    policy(s, min_length=10, max_length=12)
    d = s.d
    c = d.client()
    url = d.invite(SLUG, "len-invite@pwpol.example")
    for pw, want in [(JA[:9], {TOO_SHORT}), (JA[:13], {TOO_LONG})]:
        r = d.accept(c, url, "Len", pw)
        eq(r.status, 400, "invitation with %d characters" % len(pw))
        eq(rules_of(r), want, "rules at invitation with %d characters" % len(pw))
    r = d.accept(c, url, "Len", JA[:12])
    eq(r.status, 303, "invitation with exactly max characters (%s)" % sorted(rules_of(r)))


def test_length_boundaries_admin_set(s):
    u = User(s, "len-admin")
    policy(s, min_length=10, max_length=12, change_at_first_login=False)
    for pw, want in [(JA[:9], 400), (JA[:10], 200), (JA[3:15], 200), (JA[:13], 400)]:
        r = s.api.post("/users/%s/password" % u.email, json={"password": pw})
        eq(r.status, want, "admin-set password of %d characters (%s)" % (len(pw), r.text[:200]))
        if want == 400:
            body = r.json()
            eq(body.get("rules"), ["too_short" if len(pw) < 10 else "too_long"],
               "rules of a %d-character admin-set password" % len(pw))


def test_each_required_class(s):
    u = User(s, "reqcls")
    cases = [
        ("require_upper", NEED_UPPER, "lowercase-9!", "Lowercase-9!"),
        ("require_lower", NEED_LOWER, "UPPERCASE-9!", "UPPERCASe-9!"),
        ("require_digit", NEED_DIGIT, "NoDigitsHere!", "NoDigitsHere!5"),
        ("require_symbol", NEED_SYMBOL, "NoSymbols42x", "NoSymbols42x" + JA[0]),
    ]
    for name, bit, bad, good in cases:
        policy(s, **{name: True})
        expect_refused(u, bad, {bit}, "%s with a password lacking it" % name)
        expect_ok(u, good, "%s with a password having it" % name)
    # All four at once: every missing class is listed, nothing else.
    policy(s, require_upper=True, require_lower=True, require_digit=True, require_symbol=True)
    expect_refused(u, "onlylowercase", {NEED_UPPER, NEED_DIGIT, NEED_SYMBOL},
                   "all classes required, lower-case only")
    expect_refused(u, "12345678987", {NEED_UPPER, NEED_LOWER, NEED_SYMBOL},
                   "all classes required, digits only")
    expect_ok(u, "All4Classes!", "all classes present")


def test_min_classes(s):
    u = User(s, "minclass")
    policy(s, min_classes=3)
    expect_refused(u, "twoclasses99", {FEW_CLASSES}, "min_classes=3 with 2 classes")
    expect_refused(u, "abcdefghijkl", {FEW_CLASSES}, "min_classes=3 with 1 class")
    expect_ok(u, "Three-classes", "min_classes=3 with exactly 3 classes")
    policy(s, min_classes=4)
    expect_refused(u, "Three-classes", {FEW_CLASSES},
                   "min_classes=4 with 3 classes")
    expect_ok(u, "Four-classes-4", "min_classes=4 with 4 classes")
    # Non-ASCII characters count as symbols.
    policy(s, min_classes=2)
    expect_ok(u, "kanji" + JA[:4], "lower-case + Japanese = 2 classes")


def test_email_local_part(s):
    u = User(s, "hanako")
    policy(s)
    expect_refused(u, "my-Hanako-pass", {HAS_EMAIL}, "password holding the local part")
    expect_refused(u, "xxHANAKOxx", {HAS_EMAIL}, "local part in upper case")
    expect_ok(u, "hana-ko-pass", "local part broken up")
    # At invitation too.
    d = s.d
    r = d.accept(d.client(), d.invite(SLUG, "taro@pwpol.example"), "Taro", "taro-secret-77")
    eq(r.status, 400, "invitation with the local part in the password")
    eq(rules_of(r), {HAS_EMAIL}, "rules at invitation")


def test_blocklist(s):
    u = User(s, "blocky")
    policy(s)
    for pw in ["password1", "iloveyou", "ILoveYou", "iloveyou1", "ILOVEYOU2", "Password1",
               "qwertyuiop"]:
        expect_refused(u, pw, {BLOCKLISTED}, "blocklisted %r" % pw)
    expect_ok(u, "iloveyou-quietly-7", "a longer phrase holding a listed word")
    r = s.api.post("/users/%s/password" % u.email, json={"password": "iloveyou"})
    eq(r.status, 400, "admin-set blocklisted password")
    eq(r.json().get("rules"), ["blocklisted"], "rules of an admin-set blocklisted password")


def test_messages_list_exactly_failed_rules_en_ja(s):
    u = User(s, "msgs")
    policy(s, min_length=10, require_upper=True, require_digit=True)
    want_bits = {TOO_SHORT, NEED_UPPER, NEED_DIGIT, MISMATCH}
    en_want = ["at least 10 characters", "an upper-case letter (A-Z)", "a digit (0-9)",
               "both entries must be the same"]
    ja_want = ["10 文字以上", "英大文字 (A-Z) を含む", "数字 (0-9) を含む", "確認用と一致する"]
    for lang, want in [(None, en_want), ("ja", ja_want), ("ja-JP,ja;q=0.9,en;q=0.5", ja_want),
                       ("en-US,en;q=0.9", en_want)]:
        u.c.lang = lang
        r = u.change("short", "shorty")
        eq(r.status, 400, "status (%s)" % lang)
        eq(rules_of(r), want_bits, "rule bits (%s)" % lang)
        eq(rule_texts(r), want, "rule texts (%s)" % lang)
    u.c.lang = None
    # One failed rule: only that one is listed.
    r = u.change("Longenough-no-digit")
    eq(rule_texts(r), ["a digit (0-9)"], "single failed rule")
    # A wrong current password is its own message, not a rule list.
    r = change_password(s.d, u.c, SLUG, "wrong-current-1", "Anything-12345")
    eq(r.status, 400, "wrong current password status")
    eq(rules_of(r), set(), "rules for a wrong current password")
    check("The current password is incorrect." in r.text, "wrong-current message missing")


def test_history_n_and_n_plus_one_back(s):
    n = 3
    u = User(s, "history")
    policy(s, history=n)
    pws = [u.password] + ["Hist-%d-Walnut" % i for i in range(1, n + 2)]
    # N+1 changes via /password: p0 (at activation) .. p4 (current).
    for p in pws[1:]:
        expect_ok(u, p, "history change to %s" % p)
    # The last N passwords are p4 (current), p3, p2.
    for p in pws[-n:]:
        r = u.change(p)
        eq(r.status, 400, "reuse of %s (within the last %d)" % (p, n))
        eq(rules_of(r), {REUSED}, "rules for reuse of %s" % p)
    r = u.change(pws[-n])
    eq(rule_texts(r), ["must not be one of your last 3 passwords"], "history message")
    # p1 is N+1 passwords back: allowed again.
    expect_ok(u, pws[1], "the password N+1 back (%s)" % pws[1])
    # Now p0 is further back still, and p1 current, p4 and p3 within the last 3.
    r = u.change(pws[4])
    eq(rules_of(r), {REUSED}, "p4 is still within the last 3")
    expect_ok(u, pws[2], "p2 has fallen out of the last 3")


def test_history_zero_still_refuses_current(s):
    u = User(s, "nohist")
    policy(s, history=0)
    r = u.change(PW)
    eq(r.status, 400, "changing to the current password with history 0")
    eq(rules_of(r), {REUSED}, "rules")
    eq(rule_texts(r), ["must differ from your current password"], "message")
    expect_ok(u, "Other-Password-55", "change away")
    expect_ok(u, PW, "back to the previous one with history 0")


def _move_changed(s, email, interval):
    sql_super(s.d, "UPDATE users SET password_changed_at = now() - interval %s "
                   "WHERE email = %s" % (q(interval), q(email)))


def test_expiry_day_before_and_after(s):
    u = User(s, "expiry", role="admin")
    policy(s, expiry_days=30)
    _move_changed(s, u.email, "29 days 23 hours")
    r = u.c.get("/t/%s/" % SLUG)
    eq(r.status, 200, "home a day before expiry")
    r = session_api(s.d, u.c, SLUG, "GET", "/users")
    eq(r.status, 200, "API with the session a day before expiry")
    _move_changed(s, u.email, "30 days 1 minute")
    pw_path = "/t/%s/password" % SLUG
    r = u.c.get("/t/%s/" % SLUG)
    check(r.status in (302, 303) and (r.location or "").split("?")[0] == pw_path,
          "home after expiry: %d to %r" % (r.status, r.location))
    r = u.c.get("/t/%s/admin/" % SLUG)
    check(r.status in (302, 303) and (r.location or "").split("?")[0] == pw_path,
          "admin console after expiry: %d to %r" % (r.status, r.location))
    r = u.c.get("/t/%s/api/v1/users" % SLUG)
    check((r.status in (302, 303) and (r.location or "").split("?")[0] == pw_path) or
          (r.status == 403 and "password_change_required" in r.text),
          "API with the session after expiry: %d %r" % (r.status, r.text[:100]))
    # A fresh login gives no session: only the password step of the login.
    c2 = s.d.client()
    r = s.d.login(c2, SLUG, u.email, u.password)
    eq(r.status, 303, "login with an expired password")
    eq((r.location or "").split("?")[0], "/t/%s/login/password" % SLUG,
       "login with an expired password goes to")
    r = c2.get("/t/%s/" % SLUG)
    check(r.status in (302, 303) and "/login" in (r.location or ""),
          "home with only the pending login: %d %r" % (r.status, r.location))
    # The password page itself works and the change lifts the block.
    r = u.c.get(pw_path)
    eq(r.status, 200, "password page while expired")
    check("You must set a new password" in r.text, "forced-change notice missing")
    expect_ok(u, "Fresh-Password-2024", "change of an expired password")
    eq(u.c.get("/t/%s/" % SLUG).status, 200, "home after changing the expired password")
    det = audit_details(s.d, SLUG, "password.changed", u.email)
    eq(det[-1].get("reason"), "expired", "password.changed reason")
    policy(s)


def test_expiry_zero_never_expires(s):
    u = User(s, "noexpiry")
    policy(s, expiry_days=0)
    _move_changed(s, u.email, "5000 days")
    eq(u.c.get("/t/%s/" % SLUG).status, 200, "home with expiry_days 0 and a very old password")


def test_change_at_first_login_on(s):
    u = User(s, "firstlogin")
    policy(s, change_at_first_login=True)
    other = s.d.client()
    r = s.api.post("/users/%s/password" % u.email, json={"password": "Temp-Pass-1234"})
    eq(r.status, 200, "admin-set password (%s)" % r.text[:200])
    # Setting a password ends the user's sessions.
    check(u.c.get("/t/%s/" % SLUG).status in (302, 303), "old session alive after password set")
    r = s.d.login(other, SLUG, u.email, PW)
    eq(r.status, 401, "login with the old password after an admin set a new one")
    r = s.d.login(u.c, SLUG, u.email, "Temp-Pass-1234")
    eq(r.status, 303, "login with the temporary password")
    step = "/t/%s/login/password" % SLUG
    eq((r.location or "").split("?")[0], step, "first login goes to")
    # Only a pending login exists: nothing treats it as signed in.
    r = u.c.get("/t/%s/" % SLUG)
    check(r.status in (302, 303) and "/t/%s/login" % SLUG in (r.location or ""),
          "home before the change: %d %r" % (r.status, r.location))
    eq(session_api(s.d, u.c, SLUG, "GET", "/users", csrf=False).status, 401,
       "API before the change")
    page = u.c.get(step)
    eq(page.status, 200, "password step page")
    check("You must set a new password" in page.text, "forced-change notice missing")
    check('name="current"' not in page.text, "the step asks for the password just given")
    r = u.c.post(step, form={"csrf": page.csrf(), "password": "Temp-Pass-1234",
                             "password2": "Temp-Pass-1234"})
    eq(rules_of(r), {REUSED}, "keeping the temporary password")
    r = u.c.post(step, form={"csrf": page.csrf(), "password": "My-Own-Choice-77",
                             "password2": "My-Own-Choice-77"})
    eq(r.status, 303, "first-login change (%s)" % sorted(rules_of(r)))
    eq(r.location, "/t/%s/?done=password" % SLUG, "after the first-login change")
    u.password = "My-Own-Choice-77"
    eq(u.c.get("/t/%s/" % SLUG).status, 200, "home after the first-login change")
    det = audit_details(s.d, SLUG, "user.password_set", u.email)
    eq(det[-1].get("change_at_first_login"), True, "user.password_set detail")
    det = audit_details(s.d, SLUG, "password.changed", u.email)
    eq(det[-1].get("reason"), "first_login", "password.changed reason")


def test_change_at_first_login_off(s):
    u = User(s, "nofirst")
    policy(s, change_at_first_login=False)
    r = s.api.post("/users/%s/password" % u.email, json={"password": "Temp-Pass-5678"})
    eq(r.status, 200, "admin-set password")
    c = s.d.client()
    r = s.d.login(c, SLUG, u.email, "Temp-Pass-5678")
    eq(r.status, 303, "login with the temporary password")
    eq(r.location, "/t/%s/" % SLUG, "login goes home when no change is required")
    eq(c.get("/t/%s/" % SLUG).status, 200, "home with an admin-set password, policy off")
    det = audit_details(s.d, SLUG, "user.password_set", u.email)
    eq(det[-1].get("change_at_first_login"), False, "user.password_set detail")
    policy(s)


def test_admin_set_password_bad_input(s):
    u = User(s, "setpw-bad")
    policy(s)
    for body, what in [({}, "no password"), ({"password": 12345678}, "number"),
                       ({"password": "Fine-Pass-123", "extra": 1}, "unknown key")]:
        r = s.api.post("/users/%s/password" % u.email, json=body)
        eq(r.status, 400, "admin-set password with %s" % what)
    r = s.api.post("/users/%s/password" % u.email, body="nope",
                   headers={"Content-Type": "application/json"})
    eq(r.status, 400, "admin-set password with a non-JSON body")
    r = s.api.post("/users/%s/password" % "nobody@pwpol.example",
                   json={"password": "Fine-Pass-123"})
    eq(r.status, 404, "admin-set password for an unknown user")
    r = s.api.post("/users/%s/password" % u.email, json={"password": "x" * 65})
    eq(r.json().get("rules"), ["too_long"], "admin-set password of 65 characters")
    eq(s.d.login(s.d.client(), SLUG, u.email, PW).status, 303,
       "the old password still works after refused admin sets")


TESTS = [test_length_counts_code_points_on_change, test_length_boundaries_at_invitation,
         test_length_boundaries_admin_set, test_each_required_class, test_min_classes,
         test_email_local_part, test_blocklist, test_messages_list_exactly_failed_rules_en_ja,
         test_history_n_and_n_plus_one_back, test_history_zero_still_refuses_current,
         test_expiry_day_before_and_after, test_expiry_zero_never_expires,
         test_change_at_first_login_on, test_change_at_first_login_off,
         test_admin_set_password_bad_input]

if __name__ == "__main__":
    harness.main("policy_password", TESTS, setup)
