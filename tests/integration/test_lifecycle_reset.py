#!/usr/bin/env python3
"""
Password reset by e-mail (issue 3): the request's answer is identical for
known and unknown addresses; the mailed link (in <data_dir>/outbox, starting
with public_url) is single-use, expires, applies the password policy, ends
the user's sessions and unlocks a locked account.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, logged_in, outbox_links, q, rules_of,  # noqa: E402
                         sql_super, user_field, TOO_SHORT, REUSED, MISMATCH)

SLUG = "rst"


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)


def request_reset(s, email, lang=None):
    c = s.d.client(lang=lang)
    page = c.get("/t/%s/reset" % SLUG)
    eq(page.status, 200, "reset page")
    return c.post("/t/%s/reset" % SLUG, form={"csrf": page.csrf(), "email": email})


def wait_link(s, before, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        links = outbox_links(s.d, "reset")
        if len(links) > before:
            return links[-1]
        time.sleep(0.1)
    raise harness.TestFailure("no new reset link in the outbox after %ds" % timeout)


def normalise(text):
    return re.sub(r'value="[^"]*"', 'value=""', text)


def complete(s, link, pw, pw2=None):
    c = s.d.client()
    path = s.d.path_of(link)
    page = c.get(path)
    if page.status != 200:
        return page
    return c.post(path, form={"csrf": page.csrf(), "password": pw,
                              "password2": pw if pw2 is None else pw2})


def test_same_answer_for_known_and_unknown(s):
    email = "known@rst.example"
    s.d.enroll(SLUG, email, PW)
    n = len(outbox_links(s.d, "reset"))
    known = request_reset(s, email)
    unknown = request_reset(s, "unknown@rst.example")
    malformed = request_reset(s, "not an address")
    eq(known.status, 200, "reset request status (known)")
    eq(unknown.status, known.status, "reset request status (unknown)")
    eq(malformed.status, known.status, "reset request status (malformed)")
    eq(normalise(unknown.text), normalise(known.text), "reset answer, known vs unknown")
    eq(normalise(malformed.text), normalise(known.text), "reset answer, known vs malformed")
    eq(sorted(k.lower() for k, _ in unknown.headers),
       sorted(k.lower() for k, _ in known.headers), "header names, known vs unknown")
    link = wait_link(s, n)
    check(link.startswith(s.d.public_url + "/t/%s/reset/" % SLUG), "link %r" % link)
    time.sleep(0.5)
    eq(len(outbox_links(s.d, "reset")), n + 1, "mails sent (only for the known address)")
    ja_known = request_reset(s, email, lang="ja")
    ja_unknown = request_reset(s, "unknown2@rst.example", lang="ja")
    eq(normalise(ja_unknown.text), normalise(ja_known.text), "Japanese answers")
    s.link = link
    s.email = email


def test_link_applies_policy_and_is_single_use(s):
    link, email = s.link, s.email
    s.api.set_policy({"password": {"min_length": 12}})
    try:
        r = complete(s, link, "short-1")
        eq(r.status, 400, "reset with a too-short password")
        eq(rules_of(r), {TOO_SHORT}, "rules listed")
        r = complete(s, link, "Long-Enough-Pass-1", "Long-Enough-Pass-2")
        eq(rules_of(r), {MISMATCH}, "rules for a mismatched confirmation")
        r = complete(s, link, PW + "xx")
        eq(r.status, 200, "reset with a good password (%s)" % sorted(rules_of(r)))
    finally:
        s.api.set_policy({"password": {"min_length": 8}})
    eq(s.d.login(s.d.client(), SLUG, email, PW + "xx").status, 303, "login with the new password")
    eq(s.d.login(s.d.client(), SLUG, email, PW).status, 401, "login with the old password")
    eq(s.d.client().get(s.d.path_of(link)).status, 404, "GET of a used link")
    r = complete(s, link, "Another-New-Pass-3")
    eq(r.status, 404, "second use of the link")
    eq(s.d.login(s.d.client(), SLUG, email, PW + "xx").status, 303,
       "password unchanged by the second use")
    eq(audit_count(s.d, SLUG, "password.reset", email), 1, "password.reset events")


def test_reset_keeps_current_password_rule(s):
    email = "same@rst.example"
    s.d.enroll(SLUG, email, PW)
    n = len(outbox_links(s.d, "reset"))
    request_reset(s, email)
    link = wait_link(s, n)
    r = complete(s, link, PW)
    eq(r.status, 400, "reset to the current password")
    eq(rules_of(r), {REUSED}, "rules")


def test_link_expires(s):
    email = "expire@rst.example"
    s.d.enroll(SLUG, email, PW)
    n = len(outbox_links(s.d, "reset"))
    request_reset(s, email)
    link = wait_link(s, n)
    eq(s.d.client().get(s.d.path_of(link)).status, 200, "fresh link")
    sql_super(s.d, "UPDATE reset_tokens SET expires_at = now() - interval '1 second' WHERE "
                   "user_id = (SELECT id FROM users WHERE email = %s)" % q(email))
    eq(s.d.client().get(s.d.path_of(link)).status, 404, "expired link")
    r = complete(s, link, "Expired-Link-Pass-1")
    eq(r.status, 404, "POST to an expired link")
    eq(s.d.login(s.d.client(), SLUG, email, PW).status, 303, "old password still works")
    for bad in ["x", "A" * 43, "../../etc"]:
        eq(s.d.client().get("/t/%s/reset/%s" % (SLUG, bad)).status, 404, "link %r" % bad)


def test_reset_unlocks_and_ends_sessions(s):
    email = "locked@rst.example"
    s.api.set_policy({"lockout": {"max_failures": 2, "unlock_after_seconds": 0}})
    c = s.d.enroll(SLUG, email, PW)
    for _ in range(2):
        s.d.login(s.d.client(), SLUG, email, "Wrong-Password-9")
    eq(user_field(s.d, SLUG, email, "locked_at IS NOT NULL"), "t", "locked")
    c2 = s.d.client()  # a session opened before the lock is over already; open none
    n = len(outbox_links(s.d, "reset"))
    request_reset(s, email)
    link = wait_link(s, n)
    r = complete(s, link, "After-Reset-Pass-5")
    eq(r.status, 200, "reset of a locked account")
    eq(user_field(s.d, SLUG, email, "locked_at IS NOT NULL"), "f", "still locked after reset")
    eq(s.d.login(c2, SLUG, email, "After-Reset-Pass-5").status, 303, "login after reset")
    check(not logged_in(s.d, c, SLUG), "pre-reset session alive")
    # A reset ends live sessions, too.
    n = len(outbox_links(s.d, "reset"))
    request_reset(s, email)
    link = wait_link(s, n)
    eq(complete(s, link, "Second-Reset-Pass-6").status, 200, "second reset")
    check(not logged_in(s.d, c2, SLUG), "session alive after a reset")
    s.api.set_policy({"lockout": {"max_failures": 5}})


def test_no_mail_for_suspended_or_invited(s):
    email = "susp@rst.example"
    s.d.enroll(SLUG, email, PW)
    s.api.op(email, "suspend")
    s.api.invite("pending@rst.example")
    n = len(outbox_links(s.d, "reset"))
    a = request_reset(s, email)
    b = request_reset(s, "pending@rst.example")
    eq(a.status, 200, "reset request for a suspended user")
    eq(normalise(a.text), normalise(b.text), "answers")
    time.sleep(1)
    eq(len(outbox_links(s.d, "reset")), n, "reset mails for suspended/invited users")


TESTS = [test_same_answer_for_known_and_unknown, test_link_applies_policy_and_is_single_use,
         test_reset_keeps_current_password_rule, test_link_expires,
         test_reset_unlocks_and_ends_sessions, test_no_mail_for_suspended_or_invited]

if __name__ == "__main__":
    harness.main("lifecycle_reset", TESTS, setup)
