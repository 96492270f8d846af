#!/usr/bin/env python3
"""
The operator log: operator commands are recorded with who (the OS account),
where (the host) and what, hash-chained like a tenant's audit log;
`sekisho audit verify --operator` re-computes the chain and names the first
altered or removed event; the application role may append and read it, never
change or delete it.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402


def setup(s):
    s.d = s.daemon()
    s.d.start()


def events(d):
    rows = d.psql("SELECT seq, actor_email, actor_role, source_ip, action, target, result, "
                  "detail FROM operator_events ORDER BY seq", superuser=True)
    keys = ["seq", "actor", "role", "source", "action", "target", "result", "detail"]
    return [dict(zip(keys, r.split("|"))) for r in rows]


def test_operator_commands_are_recorded(s):
    d = s.d
    d.create_tenant("oplog", "Op Log Inc")
    d.token("oplog", "ci")
    ev = events(d)
    eq([(e["action"], e["target"]) for e in ev][-2:],
       [("tenant.created", "oplog"), ("token.created", "oplog")], "actions")
    for e in ev[-2:]:
        eq(e["actor"], "root", "actor is the OS account")
        eq(e["role"], "operator", "role")
        eq(e["source"], socket.gethostname()[:45], "source is the host")
        eq(e["result"], "success", "result")
    check('"name":"ci"' in ev[-1]["detail"], "token name in detail: %r" % ev[-1]["detail"])
    check('"name":"Op Log Inc"' in ev[-2]["detail"], ev[-2]["detail"])
    # The token itself is nowhere in the log.
    eq(d.psql("SELECT count(*) FROM operator_events WHERE detail LIKE '%token%'",
              superuser=True), ["0"], "no token text")


def test_verify_passes_on_an_intact_log(s):
    r = s.d.cli_ok("audit", "verify", "--operator")
    n = len(events(s.d))
    eq(r.stdout.strip(), "operator log intact: %d events" % n, "verify output")


def test_application_role_cannot_change_or_delete_events(s):
    for sql in ["UPDATE operator_events SET target = 'x'",
                "DELETE FROM operator_events",
                "TRUNCATE operator_events"]:
        s.d.psql(sql, check_ok=False)
        r = s.d.last_psql
        check(r.returncode != 0, "%s refused" % sql)
        check("permission denied" in r.stderr, r.stderr)
    # The owner cannot either: the trigger binds every role, and only a
    # superuser could disable it.
    for sql in ["UPDATE operator_events SET target = 'x'", "DELETE FROM operator_events",
                "TRUNCATE operator_events"]:
        s.d.psql(sql, user="sekisho", check_ok=False)
        check(s.d.last_psql.returncode != 0 and "append-only" in s.d.last_psql.stderr,
              "owner's %s refused: %s" % (sql.split()[0], s.d.last_psql.stderr))
    s.d.cli_ok("audit", "verify", "--operator")


def tamper(d, sql):
    d.psql("ALTER TABLE operator_events DISABLE TRIGGER operator_events_no_change; %s; "
           "ALTER TABLE operator_events ENABLE TRIGGER operator_events_no_change" % sql,
           superuser=True)


def test_an_altered_event_breaks_the_chain(s):
    d = s.d
    d.create_tenant("oplog2")
    seq = events(d)[-1]["seq"]
    tamper(d, "UPDATE operator_events SET target = 'someone-else' WHERE seq = %s" % seq)
    r = d.cli("audit", "verify", "--operator")
    eq(r.returncode, 1, "exit status")
    check("operator log broken at event %s" % seq in r.stderr, r.stderr)
    tamper(d, "UPDATE operator_events SET target = 'oplog2' WHERE seq = %s" % seq)
    d.cli_ok("audit", "verify", "--operator")


def test_a_removed_event_breaks_the_chain(s):
    d = s.d
    d.create_tenant("oplog3")
    d.create_tenant("oplog4")
    ev = events(d)
    tamper(d, "DELETE FROM operator_events WHERE seq = %s" % ev[-2]["seq"])
    r = d.cli("audit", "verify", "--operator")
    eq(r.returncode, 1, "exit status")
    check("operator log broken at event" in r.stderr, r.stderr)
    # Removing the tail is caught by the head too.
    tamper(d, "DELETE FROM operator_events WHERE seq >= %s" % ev[-2]["seq"])
    r = d.cli("audit", "verify", "--operator")
    eq(r.returncode, 1, "tail removal detected (%s)" % r.stdout)


def test_verify_argument_errors(s):
    for args in [("audit", "verify"), ("audit", "verify", "--operators"),
                 ("audit", "verify", "--operator", "extra")]:
        r = s.d.cli(*args)
        check(r.returncode != 0, "%s refused" % (args,))
        check(r.stderr.strip().startswith("sekisho: "), r.stderr)


TESTS = [
    test_operator_commands_are_recorded,
    test_verify_passes_on_an_intact_log,
    test_application_role_cannot_change_or_delete_events,
    test_an_altered_event_breaks_the_chain,
    test_a_removed_event_breaks_the_chain,
    test_verify_argument_errors,
]

if __name__ == "__main__":
    harness.main("operator_log", TESTS, setup)
