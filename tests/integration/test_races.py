#!/usr/bin/env python3
"""
Races on one account (issue 6, defect 2): requests released at the same
instant (each sent but for its last byte, then all last bytes at once) must
behave as if they ran one after another.  Three sessions of one user
changing the password together: exactly one wins, the password that works
is the one the winner's answer named, and the others are told clearly that
nothing was changed.
"""

import os
import re
import socket
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import (Api, PW, audit_count, logged_in, q, session_csrf,  # noqa: E402
                         sql_super)

SLUG = "races"


def setup(s):
    d = s.d = s.daemon()
    d.start()
    d.create_tenant(SLUG)
    s.api = Api(d, SLUG)


def raw_request(client, method, path, form):
    body = urllib.parse.urlencode(form).encode()
    cookie = "; ".join("%s=%s" % kv for kv in client.cookies.items())
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: %s\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (method, path, cookie, len(body))).encode()
    return head + body


def release_together(port, requests):
    """Send each request but its last byte, then every last byte at once;
    return (status, headers text, body text) per request, in order."""
    socks = []
    for req in requests:
        so = socket.create_connection(("127.0.0.1", port), timeout=120)
        so.sendall(req[:-1])
        socks.append(so)
    gate = threading.Barrier(len(socks))
    out = [None] * len(socks)

    def finish(i):
        gate.wait()
        socks[i].sendall(requests[i][-1:])
        data = b""
        while True:
            chunk = socks[i].recv(65536)
            if not chunk:
                break
            data += chunk
        socks[i].close()
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.match(rb"HTTP/1\.1 (\d+)", head)
        out[i] = (int(m.group(1)) if m else 0, head.decode("latin-1"),
                  body.decode("utf-8", "replace"))

    threads = [threading.Thread(target=finish, args=(i,)) for i in range(len(socks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def location(head):
    m = re.search(r"(?im)^Location: *(\S+)", head)
    return m.group(1) if m else ""


def password_works(d, email, password):
    c = d.client()
    r = d.login(c, SLUG, email, password)
    return r.status == 303


def test_three_parallel_password_changes_one_wins(s):
    d = s.d
    news = ["Birch-Lantern-Glow-31", "Harbor-Velvet-Drum-42", "Copper-Meadow-Wren-53"]
    for round_ in range(3):
        email = "race%d@races.example" % round_
        clients = [d.enroll(SLUG, email, PW, name="Race")]
        for _ in range(2):
            c = d.client()
            eq(d.login(c, SLUG, email, PW).status, 303, "second and third sessions")
            clients.append(c)
        reqs = [raw_request(c, "POST", "/t/%s/password" % SLUG,
                            {"csrf": session_csrf(d, c, SLUG), "current": PW,
                             "password": new, "password2": new})
                for c, new in zip(clients, news)]
        answers = release_together(d.port, reqs)
        statuses = [a[0] for a in answers]
        # Success is the redirect to the home page's notice.  A request
        # whose session another change ended before it was even dispatched
        # is sent to the login page instead; one whose session ended while
        # it was handled is told that nothing was changed (409).
        winners = [i for i, a in enumerate(answers)
                   if a[0] == 303 and location(a[1]) == "/t/%s/?done=password" % SLUG]
        eq(len(winners), 1, "successful changes among %r (round %d)" % (statuses, round_))
        w = winners[0]
        for i, (st, head, body) in enumerate(answers):
            if i == w:
                continue
            if st == 303:
                check("/t/%s/login" % SLUG in location(head),
                      "a losing change redirected elsewhere than the login page: %r"
                      % location(head))
                continue
            eq(st, 409, "status of a losing change (round %d)" % round_)
            check("nothing was changed" in body.lower() or "Nothing was changed" in body,
                  "a losing change does not say nothing was changed: %r" % body[:300])
        # Losers committed nothing: no failure was counted against the account.
        failed = sql_super(d, "SELECT failed_count FROM users WHERE email = %s" % q(email))
        eq(failed, ["0"], "failed_count after the race")
        # The password that works is the one the successful answer was for.
        check(password_works(d, email, news[w]), "the winner's password does not work")
        for i, new in enumerate(news):
            if i != w:
                check(not password_works(d, email, new), "a loser's password works")
        check(not password_works(d, email, PW), "the old password still works")
        eq(audit_count(d, SLUG, "password.changed", email), 1, "password.changed events")
        # The winner keeps its session; the others' ended and did not come back.
        check(logged_in(d, clients[w], SLUG), "the winner's session ended")
        for i, c in enumerate(clients):
            if i != w:
                check(not logged_in(d, c, SLUG), "a loser's session is alive")


def test_change_after_session_ended_commits_nothing(s):
    """A change sent on a session that another change has ended writes
    nothing, even with the right current password."""
    d = s.d
    email = "ended@races.example"
    c1 = d.enroll(SLUG, email, PW, name="Ended")
    c2 = d.client()
    eq(d.login(c2, SLUG, email, PW).status, 303, "second session")
    new1, new2 = "Quartz-Pillow-Fern-61", "Summit-Orchid-Lake-72"
    tok2 = session_csrf(d, c2, SLUG)
    req2 = raw_request(c2, "POST", "/t/%s/password" % SLUG,
                       {"csrf": tok2, "current": PW, "password": new2, "password2": new2})
    r = c1.post("/t/%s/password" % SLUG,
                form={"csrf": session_csrf(d, c1, SLUG), "current": PW, "password": new1,
                      "password2": new1})
    eq(r.status, 303, "first change")
    st, _, body = release_together(d.port, [req2])[0]
    check(st in (302, 303, 409), "change on an ended session: %d" % st)
    check(password_works(d, email, new1), "the first change was undone")
    check(not password_works(d, email, new2), "a change on an ended session committed")


def test_admin_password_set_and_user_change_do_not_both_commit_blindly(s):
    """An administrator's temporary password and the user's own change,
    released together.  The user's change was checked against the password
    hash it read first; if it committed after the administrator's set, it
    would silently undo it while the administrator was told it worked.  So
    when both succeed, the set must be what holds (it ran last); otherwise
    one of them is refused and the other's password holds."""
    d = s.d
    for round_ in range(3):
        email = "adminrace%d@races.example" % round_
        c = d.enroll(SLUG, email, PW, name="AdminRace")
        tmp, own = "Granite-Falcon-Mist-81", "Willow-Cobalt-Tide-92"
        api_body = ('{"password":"%s"}' % tmp).encode()
        api_req = ("POST /t/%s/api/v1/users/%s/password HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\nConnection: close\r\n\r\n"
                   % (SLUG, email, s.api.token, len(api_body))).encode() + api_body
        own_req = raw_request(c, "POST", "/t/%s/password" % SLUG,
                              {"csrf": session_csrf(d, c, SLUG), "current": PW,
                               "password": own, "password2": own})
        (a_st, _, _), (o_st, _, _) = release_together(d.port, [api_req, own_req])
        check(a_st in (200, 409), "administrator's set: %d" % a_st)
        check(o_st in (303, 400, 409), "user's change: %d" % o_st)
        works = [p for p in (tmp, own, PW) if password_works(d, email, p)]
        eq(len(works), 1, "passwords that work (%r)" % works)
        if a_st == 200:
            eq(works, [tmp], "the administrator was told the set worked (user: %d)" % o_st)
        elif o_st == 303:
            eq(works, [own], "after the user's change won")


TESTS = [test_three_parallel_password_changes_one_wins,
         test_change_after_session_ended_commits_nothing,
         test_admin_password_set_and_user_change_do_not_both_commit_blindly]

if __name__ == "__main__":
    harness.main("races", TESTS, setup)
