#!/usr/bin/env python3
"""
Account lockout and per-address throttling (issue 3): max_failures N-1/N/N+1,
a locked account refuses even the right password with the same message and
status as a wrong one, unlock by an administrator and by time (sleeping and
by moving locked_at back), a success resets the counter, the lockout race
(20 parallel wrong passwords), and per-source-IP throttling across accounts
(a second daemon with SEKISHO_IP_MAX_FAILURES=5 behind a trusted proxy).
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, audit_details, change_password, error_text,  # noqa: E402
                         sql_super, q, user_field, xff_client)

SLUG = "lock"
WRONG = "Not-The-Password-1"


def setup(s):
    # More HTTP threads than usual so the race below really runs in parallel.
    d = s.d = s.daemon(env={"SEKISHO_THREADS": "16"})
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)
    s.users = 0


def new_user(s, local, max_failures=3, unlock_after=0):
    s.api.set_policy({"lockout": {"max_failures": max_failures,
                                  "unlock_after_seconds": unlock_after}})
    email = "%s@lock.example" % local
    c = s.d.enroll(SLUG, email, PW, name=local)
    return email, c


def fail(s, email, password=WRONG, client=None):
    r = s.d.login(client or s.d.client(), SLUG, email, password)
    return r


def failed_count(s, email):
    return int(user_field(s.d, SLUG, email, "failed_count"))


def is_locked(s, email):
    return user_field(s.d, SLUG, email, "locked_at IS NOT NULL") == "t"


def test_n_minus_one_failures_then_success_resets(s):
    email, _ = new_user(s, "nminus1", max_failures=3)
    for i in range(2):
        r = fail(s, email)
        eq(r.status, 401, "failure %d status" % (i + 1))
    eq(failed_count(s, email), 2, "failed_count after N-1 failures")
    check(not is_locked(s, email), "locked after N-1 failures")
    r = fail(s, email, PW)
    eq(r.status, 303, "right password after N-1 failures")
    eq(failed_count(s, email), 0, "failed_count after a success")
    # The counter started again: N-1 more failures still do not lock.
    for _ in range(2):
        fail(s, email)
    check(not is_locked(s, email), "locked after N-1 + success + N-1 failures")
    eq(fail(s, email, PW).status, 303, "right password again")
    eq(audit_count(s.d, SLUG, "login.locked", email), 0, "login.locked events")


def test_n_failures_lock_and_n_plus_one(s):
    email, session = new_user(s, "nexact", max_failures=3)
    wrong_pages = []
    for i in range(3):
        r = fail(s, email)
        eq(r.status, 401, "failure %d status" % (i + 1))
        wrong_pages.append(r)
    check(is_locked(s, email), "not locked after N failures")
    eq(failed_count(s, email), 3, "failed_count after N failures")
    eq(s.api.user(email)["status"], "locked", "status in GET /users")
    eq(audit_count(s.d, SLUG, "login.locked", email), 1, "login.locked events after N failures")
    # The right password is refused exactly like a wrong one.
    right = fail(s, email, PW)
    eq(right.status, wrong_pages[0].status, "status for the right password when locked")
    eq(error_text(right), error_text(wrong_pages[0]), "message for the right password when locked")
    check(error_text(right), "no error message on the login page")
    unknown = fail(s, "nobody-at-all@lock.example")
    eq(error_text(unknown), error_text(right), "message for an unknown address vs locked")
    eq(unknown.status, right.status, "status for an unknown address vs locked")
    # The N+1th failure changes nothing more.
    r = fail(s, email)
    eq(r.status, 401, "failure N+1 status")
    eq(failed_count(s, email), 3, "failed_count after N+1 failures")
    eq(audit_count(s.d, SLUG, "login.locked", email), 1, "login.locked events after N+1 failures")
    reasons = [x.get("reason") for x in audit_details(s.d, SLUG, "login.failure", email)]
    eq(reasons[-5:], ["bad_password"] * 3 + ["locked"] * 2, "login.failure reasons")
    # The session that was open when the account locked is over.
    r = session.get("/t/%s/" % SLUG)
    check(r.status in (302, 303), "session of a locked user still valid: %d" % r.status)
    s.locked_email = email


def test_admin_unlock(s):
    email = getattr(s, "locked_email", None)
    check(email, "needs the account locked by the previous test")
    r = s.api.post("/users/%s/unlock" % email)
    eq(r.status, 200, "POST unlock (%s)" % r.text[:200])
    check(not is_locked(s, email), "still locked after unlock")
    eq(failed_count(s, email), 0, "failed_count after unlock")
    eq(s.api.user(email)["status"], "active", "status after unlock")
    eq(fail(s, email, PW).status, 303, "login after unlock")
    det = audit_details(s.d, SLUG, "user.unlocked", email)
    eq(det[-1].get("was_locked"), True, "user.unlocked detail")
    ev = s.d.audit(SLUG, "user.unlocked")[-1]
    check(ev["actor"].startswith("token:"), "user.unlocked actor %r" % ev["actor"])


def test_max_failures_zero_never_locks(s):
    email, _ = new_user(s, "nolock", max_failures=0)
    for _ in range(8):
        eq(fail(s, email).status, 401, "failure with max_failures 0")
    check(not is_locked(s, email), "locked with max_failures 0")
    eq(fail(s, email, PW).status, 303, "login after 8 failures with max_failures 0")


def test_automatic_unlock_after_seconds(s):
    email, _ = new_user(s, "autounlock", max_failures=2, unlock_after=2)
    for _ in range(2):
        fail(s, email)
    check(is_locked(s, email), "not locked")
    eq(fail(s, email, PW).status, 401, "right password while locked (before the timeout)")
    eq(s.api.user(email)["status"], "locked", "status while locked")
    time.sleep(3.2)  # epochs are whole seconds (rounded): leave a margin
    eq(s.api.user(email)["status"], "active", "status after the lock ran out")
    eq(fail(s, email, PW).status, 303, "right password after unlock_after_seconds")
    check(not is_locked(s, email), "still locked after the timeout")
    det = audit_details(s.d, SLUG, "user.unlocked", email)
    eq(det[-1].get("by"), "timeout", "user.unlocked by timeout")


def test_automatic_unlock_by_moving_locked_at(s):
    email, _ = new_user(s, "autounlock2", max_failures=2, unlock_after=3600)
    for _ in range(2):
        fail(s, email)
    check(is_locked(s, email), "not locked")
    sql_super(s.d, "UPDATE users SET locked_at = now() - interval '3590 seconds' "
                   "WHERE email = %s" % q(email))
    eq(fail(s, email, PW).status, 401, "right password 10 s before the lock runs out")
    sql_super(s.d, "UPDATE users SET locked_at = now() - interval '3601 seconds' "
                   "WHERE email = %s" % q(email))
    eq(fail(s, email, PW).status, 303, "right password 1 s after the lock ran out")
    # After an automatic unlock the count starts from zero: one failure does not re-lock.
    fail(s, email)
    check(not is_locked(s, email), "re-locked by one failure after an automatic unlock")


def test_unlock_after_zero_needs_admin(s):
    email, _ = new_user(s, "adminonly", max_failures=2, unlock_after=0)
    for _ in range(2):
        fail(s, email)
    sql_super(s.d, "UPDATE users SET locked_at = now() - interval '400 days' "
                   "WHERE email = %s" % q(email))
    eq(fail(s, email, PW).status, 401, "unlock_after_seconds 0: still locked after 400 days")
    s.api.op(email, "unlock")
    eq(fail(s, email, PW).status, 303, "login after the administrator unlocked")


def test_wrong_current_password_counts(s):
    email, c = new_user(s, "curpw", max_failures=3)
    for i in range(3):
        r = change_password(s.d, c, SLUG, "wrong-current-%d" % i, "Whatever-New-99")
        if i < 2:
            eq(r.status, 400, "wrong current password %d" % (i + 1))
    check(is_locked(s, email), "3 wrong current passwords did not lock the account")
    eq(audit_count(s.d, SLUG, "login.locked", email), 1, "login.locked events")
    eq(fail(s, email, PW).status, 401, "login after locking by wrong current passwords")
    s.api.op(email, "unlock")


def test_lockout_race(s):
    threads = 20
    email, _ = new_user(s, "race", max_failures=5)
    clients = []
    for _ in range(threads):
        c = s.d.client()
        page = c.get("/t/%s/login" % SLUG)
        clients.append((c, page.csrf()))
    barrier = threading.Barrier(threads)
    results = [None] * threads

    def worker(i):
        c, csrf = clients[i]
        barrier.wait()
        try:
            r = c.post("/t/%s/login" % SLUG,
                       form={"csrf": csrf, "email": email, "password": WRONG})
            results[i] = r.status
        except Exception as e:  # noqa: BLE001
            results[i] = repr(e)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    eq(results, [401] * threads, "statuses of the parallel wrong passwords")
    n = failed_count(s, email)
    check(n <= 5 + threads, "failed_count %d exceeds max_failures + threads" % n)
    check(n >= 5, "failed_count %d below max_failures after %d failures" % (n, threads))
    check(is_locked(s, email), "account not locked after %d parallel failures" % threads)
    eq(s.api.user(email)["status"], "locked", "status after the race")
    eq(fail(s, email, PW).status, 401, "right password after the race")
    eq(audit_count(s.d, SLUG, "login.locked", email), 1,
       "login.locked events after %d parallel failures (failed_count %d)" % (threads, n))


def test_ip_throttle_across_accounts(s):
    d = s.daemon(env={"SEKISHO_IP_MAX_FAILURES": "5",
                      "SEKISHO_TRUSTED_PROXIES": "127.0.0.1/32"})
    d.start()
    d.create_tenant("thr")
    api = Api(d, "thr")
    api.set_policy({"lockout": {"max_failures": 0}})
    emails = ["a@thr.example", "b@thr.example", "c@thr.example"]
    for e in emails:
        d.enroll("thr", e, PW)
    bad = "198.51.100.7"
    good = "2001:db8::77"
    statuses = []
    for i in range(5):
        r = d.login(xff_client(d, bad), "thr", emails[i % 3] if i != 3 else "ghost@thr.example",
                    WRONG)
        statuses.append(r.status)
    eq(statuses, [401] * 5, "the first 5 failures from one address")
    r = d.login(xff_client(d, bad), "thr", emails[0], WRONG)
    eq(r.status, 429, "the 6th failure from the same address")
    check("Too many attempts" in r.text, "throttling message missing")
    # The throttled address is refused even with the right password of any account.
    for e in emails:
        r = d.login(xff_client(d, bad), "thr", e, PW)
        eq(r.status, 429, "right password of %s from the throttled address" % e)
    # Another address is unaffected: wrong passwords get 401, the right one logs in.
    r = d.login(xff_client(d, good), "thr", emails[1], WRONG)
    eq(r.status, 401, "wrong password from another address")
    r = d.login(xff_client(d, good), "thr", emails[1], PW)
    eq(r.status, 303, "right password from another address")
    # The accounts themselves were never locked.
    for e in emails:
        eq(api.user(e)["status"], "active", "status of %s" % e)


TESTS = [test_n_minus_one_failures_then_success_resets, test_n_failures_lock_and_n_plus_one,
         test_admin_unlock, test_max_failures_zero_never_locks, test_automatic_unlock_after_seconds,
         test_automatic_unlock_by_moving_locked_at, test_unlock_after_zero_needs_admin,
         test_wrong_current_password_counts, test_lockout_race, test_ip_throttle_across_accounts]

if __name__ == "__main__":
    harness.main("policy_lockout", TESTS, setup)
