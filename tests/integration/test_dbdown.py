#!/usr/bin/env python3
"""A database that goes away underneath the daemon: /readyz says 503, pages
say so clearly (503, not a crash or a hang), the daemon keeps running, and
everything works again once PostgreSQL is back."""

import time

from harness import check, eq, main

PW = "database outage passphrase"


def setup(s):
    d = s.d = s.daemon()
    d.create_tenant("db", "Outage Inc")
    d.start()
    s.user = d.enroll("db", "user@db.example", PW)
    s.token = d.token("db")
    eq(d.client().get("/readyz").status, 200, "ready before the outage")


def test_database_down_gives_503_and_the_daemon_keeps_running(s):
    d = s.d
    d.pg_stop()
    check(not d.cluster_running(), "cluster stopped")
    eq(d.client().get("/healthz").status, 200, "healthz stays 200 (liveness)")
    t0 = time.time()
    r = d.client().get("/readyz")
    eq(r.status, 503, "readyz")
    check(time.time() - t0 < 15, "readyz answered promptly")
    r = d.client().get("/t/db/login")
    eq(r.status, 503, "login page")
    check(r.header("Content-Type").startswith("text/html"), "an HTML page")
    check("<h1>" in r.text and len(r.text) > 200, "a clear page, not an empty answer")
    eq(d.client(lang="ja").get("/t/db/login").status, 503, "Japanese page too")
    r = s.user.get("/t/db/")
    eq(r.status, 503, "home with a session")
    c = d.client()
    r = c.post("/t/db/login", form={"csrf": "x", "email": "user@db.example", "password": PW})
    eq(r.status, 503, "POST login")
    r = d.client().get("/t/db/api/v1/users", headers={"Authorization": "Bearer " + s.token})
    eq(r.status, 503, "API")
    check(r.header("Content-Type").startswith("application/json"), "API error is JSON")
    check(d.alive(), "daemon still running")


def test_database_back_and_everything_recovers(s):
    d = s.d
    d.pg_start()
    deadline = time.time() + 30
    status = None
    while time.time() < deadline:
        status = d.client().get("/readyz").status
        if status == 200:
            break
        time.sleep(0.5)
    eq(status, 200, "readyz after the database came back")
    eq(d.client().get("/t/db/login").status, 200, "login page")
    eq(d.login(d.client(), "db", "user@db.example", PW).status, 303, "login")
    eq(s.user.get("/t/db/").status, 200, "the old session is still valid")
    r = d.client().get("/t/db/api/v1/users", headers={"Authorization": "Bearer " + s.token})
    eq(r.status, 200, "API")
    # Every worker thread's connection recovers, not only the first one.
    for _ in range(12):
        eq(d.client().get("/t/db/login").status, 200, "login page, repeated")


def test_idle_connections_survive_a_quick_database_restart(s):
    """Every worker thread holds a connection; restart PostgreSQL while they
    are idle: no request afterwards may fail (a dead connection is noticed
    and replaced, not reported to the user as an outage)."""
    d = s.d
    for _ in range(40):  # give every worker thread a live connection
        eq(d.client().get("/t/db/login").status, 200, "warm-up")
    d.pg_stop()
    d.pg_start()
    statuses = [d.client().get("/t/db/login").status for _ in range(40)]
    bad = [st for st in statuses if st != 200]
    check(not bad, "%d of 40 requests after the restart failed (%s)" % (len(bad), bad[:5]))
    eq(d.login(d.client(), "db", "user@db.example", PW).status, 303, "login")


def test_outage_left_the_audit_chain_intact(s):
    r = s.d.cli("audit", "verify", "db")
    eq(r.returncode, 0, "audit verify (%s)" % r.stderr.strip())


if __name__ == "__main__":
    main("dbdown", [
        test_database_down_gives_503_and_the_daemon_keeps_running,
        test_database_back_and_everything_recovers,
        test_idle_connections_survive_a_quick_database_restart,
        test_outage_left_the_audit_chain_intact,
    ], setup)
