#!/usr/bin/env python3
"""
The operator log's formats: with log_format = json every line the daemon
writes is one JSON object with time, level and msg, whatever the requests
put into messages (quotes, newlines, bytes that are not UTF-8); logfmt is
the default; a format that is neither is refused at start.
"""

import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402

SLUG = "logs"


def setup(s):
    a = s.a = s.daemon(env={"SEKISHO_LOG_FORMAT": "json", "SEKISHO_LOG_LEVEL": "debug"})
    a.start()
    a.create_tenant(SLUG)


def test_every_line_is_one_json_object(s):
    c = s.a.client()
    # Requests whose traces reach the log: a failed login, odd paths and
    # headers, a refused body.
    page = c.get("/t/%s/login" % SLUG)
    c.post("/t/%s/login" % SLUG, form={"csrf": page.csrf(), "email": 'x"y@logs.example',
                                        "password": "nope"})
    c.get("/t/%s/%s" % (SLUG, "%22quoted%22%0Anewline%C3%28bad"))
    c.request("GET", "/t/%s/" % SLUG, headers={"X-Forwarded-For": '"\\ x'})
    c.post("/t/%s/api/v1/users" % SLUG, body=b"\xff\xfe{", headers={"Content-Type":
                                                                     "application/json"})
    s.a.stop()
    lines = [ln for ln in s.a.log_text().split("\n") if ln]
    check(len(lines) > 5, "the daemon logged (%d lines)" % len(lines))
    levels = set()
    for ln in lines:
        try:
            o = json.loads(ln)
        except ValueError as e:
            raise harness.TestFailure("not JSON: %r (%s)" % (ln[:200], e))
        eq(sorted(o), ["level", "msg", "time"], "the members of %r" % ln[:120])
        check(o["level"] in ("debug", "info", "warn", "error"), "level %r" % o["level"])
        datetime.datetime.strptime(o["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        levels.add(o["level"])
    check({"info", "debug"} <= levels, "levels seen: %s" % sorted(levels))
    s.a.start()


def test_a_bad_format_is_refused_at_start(s):
    r = s.a.cli("tenant", "list", env={"SEKISHO_LOG_FORMAT": "xml"})
    check(r.returncode != 0, "refused")
    check("LOG_FORMAT" in r.stderr.upper() and "logfmt or json" in r.stderr,
          "the message names the key: %r" % r.stderr[-300:])


TESTS = [
    test_every_line_is_one_json_object,
    test_a_bad_format_is_refused_at_start,
]

if __name__ == "__main__":
    harness.main("logs", TESTS, setup)
