#!/usr/bin/env python3
"""
Two nodes on one data directory (one embedded cluster), the way several
`sekisho serve` processes share a database.  Each node keeps the tenants it
serves in memory; a policy change made on one node, or by hand in the
database, must hold on the other from the database's notification on
(within moments, never "at the next restart").
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import eq  # noqa: E402
from policy_util import Api, PW, q, sql_super  # noqa: E402

SLUG = "nodes"


def setup(s):
    a = s.a = s.daemon()
    a.start()
    a.create_tenant(SLUG)
    s.api = Api(a, SLUG)
    a.enroll(SLUG, "user@nodes.example", PW, name="Node User")
    # Node B: its own port and log, the same data directory (and cluster).
    b = s.b = harness.Daemon(name="nodes-b", env={"SEKISHO_DATA_DIR": a.data})
    b.data = a.data
    b.start()


def login_page(d):
    """The login page's status for a browser at 127.0.0.2 (the tests' API
    calls come from 127.0.0.1, which the lists below always admit)."""
    return d.client(source="127.0.0.2").get("/t/%s/login" % SLUG).status


def eventually(d, want, what, seconds=5.0):
    deadline = time.time() + seconds
    got = login_page(d)
    while got != want and time.time() < deadline:
        time.sleep(0.05)
        got = login_page(d)
    eq(got, want, what)


def test_policy_change_on_one_node_holds_on_the_other(s):
    eq(login_page(s.b), 200, "node B serves the tenant (and keeps it)")
    s.api.set_policy({"ip": {"allow": ["127.0.0.1/32"]}})
    eq(login_page(s.a), 403, "node A right after its own change")
    eventually(s.b, 403, "node B after node A's change")
    s.api.set_policy({"ip": {"allow": []}})
    eq(login_page(s.a), 200, "node A after lifting the list")
    eventually(s.b, 200, "node B after the list was lifted on node A")


def test_change_by_hand_reaches_both_nodes(s):
    eq(login_page(s.a), 200, "node A before")
    eq(login_page(s.b), 200, "node B before")
    sql_super(s.a, "UPDATE tenants SET policy = jsonb_set(policy::jsonb, '{ip}', "
                   "'{\"allow\": [\"127.0.0.1/32\"], \"admin_allow\": []}')::text "
                   "WHERE slug = %s" % q(SLUG))
    eventually(s.a, 403, "node A after a change by hand")
    eventually(s.b, 403, "node B after a change by hand")
    sql_super(s.a, "UPDATE tenants SET policy = jsonb_set(policy::jsonb, '{ip}', "
                   "'{\"allow\": [], \"admin_allow\": []}')::text WHERE slug = %s" % q(SLUG))
    eventually(s.a, 200, "node A after the change by hand was undone")
    eventually(s.b, 200, "node B after the change by hand was undone")


def test_node_b_stops_cleanly(s):
    s.b.stop_as_second_node()
    eq(login_page(s.a), 200, "node A still serves after node B left")


TESTS = [test_policy_change_on_one_node_holds_on_the_other,
         test_change_by_hand_reaches_both_nodes, test_node_b_stops_cleanly]

if __name__ == "__main__":
    harness.main("nodes", TESTS, setup)
