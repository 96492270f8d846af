#!/usr/bin/env python3
"""
The gateway on two nodes (issue 11, "Several nodes" and "Tests"): node A and
node B share one data directory and so one embedded cluster.  A login on
either is honoured by the other; a forced logout or a suspension made
through node A is refused by node B within one second (measured, polled
every 20 ms), and so are a role change, a policy change and a new app; when
the nodes' listener connections are cut, a revocation made in that moment
is still refused; PostgreSQL restarted while requests flow to both nodes
never lets a revoked session through, answers stay right or fail closed
with 5xx, and both nodes recover by themselves.
"""

import atexit
import os
import signal
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from gateway_util import add_app, ask, identity, random_token, session_cookie  # noqa: E402
from policy_util import Api, PW, sql_super  # noqa: E402

SLUG = "gwx"
APP = "https://app.example.com"
ADMIN = "https://app.example.com/admin"
LATER = "https://later.example.com"
TRUSTED = "127.0.0.1/32"
LIMIT = 1.0   # seconds: revocation on every node
POLL = 0.02   # seconds between polls


def setup(s):
    a = s.a = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": TRUSTED})
    a.start()
    a.create_tenant(SLUG)
    add_app(a, SLUG, "App", APP, ("user", "admin"))
    add_app(a, SLUG, "Admin", ADMIN, ("admin",))
    s.api = Api(a, SLUG)
    b = s.b = harness.Daemon(name="gwnodes-b", env={
        "SEKISHO_DATA_DIR": a.data, "SEKISHO_TRUSTED_PROXIES": TRUSTED})
    b.data = a.data
    atexit.register(b.kill)  # stopped by its own test (it does not own the cluster)
    b.start()
    s.times = {}


def new_user(s, local, d=None, role="user"):
    s.state["n"] = s.state.get("n", 0) + 1
    email = "%s-%d@%s.example" % (local, s.state["n"], SLUG)
    c = (d or s.a).enroll(SLUG, email, PW, role=role, name=local)
    tok = c.cookies.get(session_cookie(SLUG))
    check(tok, "no session for %s" % email)
    return email, tok


def status(d, tok, url=APP + "/x", xff=None):
    return ask(d.port, SLUG, url, tok, xff=xff).status


def until(d, tok, want, limit, url=APP + "/x", xff=None):
    """Poll d every POLL s until it answers want; elapsed seconds (or None
    when limit + 2 s passed without it)."""
    t0 = time.time()
    while True:
        st = status(d, tok, url, xff)
        now = time.time() - t0
        if st == want:
            return now
        if now > limit + 2.0:
            return None
        time.sleep(POLL)


def both_pass(s, tok, email, url=APP + "/x"):
    for d, name in ((s.a, "A"), (s.b, "B")):
        r = ask(d.port, SLUG, url, tok)
        eq(r.status, 200, "node %s before (%s)" % (name, email))
        eq(identity(r).get("X-Sekisho-User"), [email], "node %s identity" % name)


def report(s, what, times):
    print("  (%s on node B: %s s; max %.3f s)" % (
        what, ", ".join("%.3f" % t for t in times), max(times)), flush=True)
    s.times[what] = times


def test_login_on_one_node_honoured_by_the_other(s):
    email, tok = new_user(s, "on-a")            # accepted (logged in) through node A
    both_pass(s, tok, email)
    email_b, tok_b = new_user(s, "on-b", d=s.b)  # through node B
    both_pass(s, tok_b, email_b)
    c = s.a.client()
    eq(s.a.login(c, SLUG, email_b, PW).status, 303, "password login on A")
    both_pass(s, c.cookies[session_cookie(SLUG)], email_b)
    # An unknown cookie is no session on either.
    junk = random_token()
    eq((status(s.a, junk), status(s.b, junk)), (401, 401), "unknown cookie on A and B")


def revoke_on_a_seen_on_b(s, what, op, rounds=5):
    times = []
    for i in range(rounds):
        email, tok = new_user(s, "%s%d" % (what.split()[0], i))
        both_pass(s, tok, email)      # both nodes have it cached now
        r = s.api.post("/users/%s/%s" % (email, op))
        eq(r.status, 200, "%s through node A (%s)" % (what, r.text[:200]))
        t = until(s.b, tok, 401, LIMIT)
        check(t is not None, "%s: node B still answers %d after %.1f s" %
              (what, status(s.b, tok), LIMIT + 2))
        times.append(t)
        eq(status(s.a, tok), 401, "%s: node A" % what)
    report(s, what, times)
    check(max(times) < LIMIT, "%s: node B took %.3f s (limit %.1f s)" % (what, max(times), LIMIT))


def test_forced_logout_on_a_refused_by_b_within_a_second(s):
    revoke_on_a_seen_on_b(s, "forced logout", "logout")


def test_suspension_on_a_refused_by_b_within_a_second(s):
    revoke_on_a_seen_on_b(s, "suspension", "suspend")


def test_other_changes_on_a_seen_by_b(s):
    # Role: promoted on A, admitted to the admin app by B.
    email, tok = new_user(s, "role")
    eq((status(s.a, tok, ADMIN), status(s.b, tok, ADMIN)), (403, 403), "user at the admin app")
    r = s.api.post("/users/%s/role" % email, json={"role": "admin"})
    eq(r.status, 200, "role change (%s)" % r.text[:200])
    t = until(s.b, tok, 200, LIMIT, ADMIN)
    check(t is not None and t < LIMIT, "promotion seen by node B after %s s" % t)
    eq(ask(s.b.port, SLUG, ADMIN, tok).header("X-Sekisho-Role"), "admin", "role on node B")
    # Policy: an allow list set through A holds on B.
    email, tok = new_user(s, "policy")
    eq(status(s.b, tok, xff="198.51.100.9"), 200, "node B before the allow list")
    # (127.0.0.1: the API calls of the test come from there)
    s.api.set_policy({"ip": {"allow": ["203.0.113.0/24", "127.0.0.1/32"]}})
    try:
        t = until(s.b, tok, 403, LIMIT, xff="198.51.100.9")
        check(t is not None and t < LIMIT, "allow list seen by node B after %s s" % t)
        eq(status(s.b, tok, xff="203.0.113.9"), 200, "node B, address inside the list")
    finally:
        s.api.set_policy({"ip": {"allow": []}})
    t = until(s.b, tok, 200, LIMIT, xff="198.51.100.9")
    check(t is not None and t < LIMIT, "lifted allow list seen by node B after %s s" % t)
    # A new app.
    eq(status(s.b, tok, LATER + "/"), 403, "node B before the app exists")
    add_app(s.a, SLUG, "Later", LATER, ("user",))
    t = until(s.b, tok, 200, LIMIT, LATER + "/")
    check(t is not None and t < LIMIT, "new app seen by node B after %s s" % t)
    report(s, "policy/app/role changes", [t])


def listeners(s):
    # The listener's last statement is its LISTEN or, after the first
    # half second, its own ping.
    return sql_super(s.a, "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' "
                          "OR query LIKE 'NOTIFY sekisho_ping%'")


def test_revocation_while_the_listeners_are_cut(s):
    """The listener connections are cut (the database stays up) and a
    session is revoked at that moment: the notification is lost, yet both
    nodes refuse it within a second (they empty their caches and read the
    database until they listen again)."""
    email, tok = new_user(s, "cut")
    both_pass(s, tok, email)
    before = listeners(s)
    check(len(before) >= 2, "listener connections found: %r" % before)
    sql_super(s.a, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE pid IN (%s)" % ", ".join(before))
    r = s.api.post("/users/%s/logout" % email)
    eq(r.status, 200, "forced logout (%s)" % r.text[:200])
    times = []
    for d, name in ((s.a, "A"), (s.b, "B")):
        t = until(d, tok, 401, LIMIT)
        check(t is not None and t < LIMIT, "node %s after the listeners were cut: %s s" %
              (name, t))
        times.append(t)
    # They listen again by themselves, and revocation goes on working.
    deadline = time.time() + 10
    while time.time() < deadline and len(listeners(s)) < 2:
        time.sleep(0.2)
    after = listeners(s)
    check(len(after) >= 2, "the nodes did not listen again (%r)" % after)
    check(not set(after) & set(before), "the listeners were not cut (%r, then %r)" %
          (before, after))
    email, tok = new_user(s, "cut-after")
    both_pass(s, tok, email)
    s.api.op(email, "logout")
    t = until(s.b, tok, 401, LIMIT)
    check(t is not None and t < LIMIT, "node B after listening again: %s s" % t)
    report(s, "revocation while listeners cut", times + [t])


def test_silent_listener_is_noticed(s):
    """A listening connection that goes silent without closing (its server
    process stopped, as with a dead host or a NAT that forgot the
    connection) must not leave a node answering from memory: the node's own
    pings stop coming back, it empties its caches within a couple of
    seconds, and a session ended meanwhile (whose notification cannot
    arrive) is refused."""
    email, tok = new_user(s, "silent")
    both_pass(s, tok, email)
    pids = [int(p) for p in listeners(s)]
    check(len(pids) >= 2, "listener connections found: %r" % pids)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    try:
        sql_super(s.a, "UPDATE sessions SET ended_at = now(), end_reason = 'test' "
                       "WHERE token_hash = sha256(convert_to('%s', 'UTF8'))" % tok)
        times = []
        for d in (s.a, s.b):
            t = until(d, tok, 401, 3.0)
            check(t is not None and t < 3.0, "node %d refused the ended session after %s s "
                  "(listener silent)" % (d.port, t))
            times.append(t)
    finally:
        for p in pids:
            try:
                os.kill(p, signal.SIGCONT)
            except ProcessLookupError:
                pass
    report(s, "revocation with a silent listener", times)
    # Both listen again and serve a fresh session from memory.
    email2, tok2 = new_user(s, "silent2")
    both_pass(s, tok2, email2)


class Flow(threading.Thread):
    """Requests to one node with one token, as fast as they go, recording
    (time, status)."""

    def __init__(self, d, tok):
        threading.Thread.__init__(self, daemon=True)
        self.d, self.tok = d, tok
        self.stop = threading.Event()
        self.seen = []

    def run(self):
        while not self.stop.is_set():
            try:
                st = status(self.d, self.tok)
            except OSError as e:
                st = "error %s" % e.__class__.__name__
            self.seen.append((time.time(), st))
            time.sleep(0.01)


def test_postgres_restart_while_requests_flow(s):
    a, b = s.a, s.b
    email, good = new_user(s, "flow-good")
    email_r, revoked = new_user(s, "flow-revoked")
    both_pass(s, good, email)
    both_pass(s, revoked, email_r)
    s.api.op(email_r, "logout")
    for d in (a, b):
        check(until(d, revoked, 401, LIMIT) is not None, "revoked before the restart")
    email_l, later = new_user(s, "flow-later")  # revoked right after the restart
    both_pass(s, later, email_l)
    flows = [Flow(d, t) for d in (a, b) for t in (good, revoked, later)]
    for f in flows:
        f.start()
    try:
        time.sleep(1.0)
        a.pg_stop()
        t_stop = time.time()
        time.sleep(3.0)
        a.pg_start()
        t_start = time.time()
        # Revoke `later` as soon as the database takes writes again.
        deadline = time.time() + 15
        while time.time() < deadline:
            r = s.api.post("/users/%s/logout" % email_l)
            if r.status == 200:
                break
            time.sleep(0.1)
        eq(r.status, 200, "forced logout after the restart")
        t_revoke = time.time()
        # Both nodes answer the good session again by themselves.
        back = {}
        for d, name in ((a, "A"), (b, "B")):
            t = until(d, good, 200, 10.0)
            check(t is not None, "node %s did not answer 200 again within 10 s of PostgreSQL's "
                  "start" % name)
            back[name] = time.time() - t_start
        time.sleep(1.5)
    finally:
        for f in flows:
            f.stop.set()
        for f in flows:
            f.join(10)
    problems = []
    for f in flows:
        node = "A" if f.d is a else "B"
        which = {good: "good", revoked: "revoked", later: "later"}[f.tok]
        for t, st in f.seen:
            ok2xx = isinstance(st, int) and 200 <= st < 300
            if which == "revoked" and ok2xx:
                problems.append("node %s: revoked session answered %d at %+.2f s" %
                                (node, st, t - t_stop))
            if which == "later" and ok2xx and t > t_revoke + LIMIT:
                problems.append("node %s: session revoked after the restart answered %d "
                                "%.2f s later" % (node, st, t - t_revoke))
            if which == "good" and not (st == 200 or (isinstance(st, int) and 500 <= st < 600)):
                problems.append("node %s: valid session answered %r at %+.2f s" %
                                (node, st, t - t_stop))
            if not isinstance(st, int) or (which != "good" and not ok2xx and
                                           st not in (401, 403) and not 500 <= st < 600):
                problems.append("node %s: %s session answered %r at %+.2f s" %
                                (node, which, st, t - t_stop))
    n = sum(len(f.seen) for f in flows)
    outage = sorted(set(st for f in flows for t, st in f.seen
                        if t_stop <= t <= t_start and f.tok == good))
    print("  (%d requests; good session during the outage: %s; 200 again on A after %.1f s, "
          "B after %.1f s)" % (n, outage, back["A"], back["B"]), flush=True)
    check(not problems, "; ".join(problems[:8]) + (" (%d in all)" % len(problems)))
    check(any(isinstance(st, int) and 500 <= st < 600 for st in outage),
          "no 5xx for the valid session during the outage (answered %r)" % outage)
    for d in (a, b):
        eq(status(d, revoked), 401, "revoked after all")
        eq(status(d, later), 401, "revoked after the restart, after all")
        eq(status(d, good), 200, "good after all")


def test_node_b_stops_cleanly(s):
    s.b.stop_as_second_node()
    times = [t for v in s.times.values() for t in v]
    if times:
        print("  (all revocation times on node B: median %.3f s, max %.3f s)" %
              (statistics.median(times), max(times)), flush=True)


TESTS = [
    test_login_on_one_node_honoured_by_the_other,
    test_forced_logout_on_a_refused_by_b_within_a_second,
    test_suspension_on_a_refused_by_b_within_a_second,
    test_other_changes_on_a_seen_by_b,
    test_revocation_while_the_listeners_are_cut,
    test_silent_listener_is_noticed,
    test_postgres_restart_while_requests_flow,
    test_node_b_stops_cleanly,
]

if __name__ == "__main__":
    harness.main("gateway_nodes", TESTS, setup)
