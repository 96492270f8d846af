#!/usr/bin/env python3
"""
An external PostgreSQL server (a separate cluster on its own TCP port with
password authentication, not the embedded one): `sekisho db setup
--admin-url` creates the roles and the database, idempotently, and says what
it did; a daemon configured with the printed database_url and
database_app_url serves from it; the main flows and the isolation suites run
against it (each daemon with a database of its own, made by db setup); bad
administrators, servers and names are refused with one clear line.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import extpg  # noqa: E402
import harness  # noqa: E402
from harness import check, eq  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLUSTER = None


def setup(s):
    global CLUSTER
    CLUSTER = extpg.Cluster().start()
    s.pg = CLUSTER
    # A daemon that is never started: its environment runs the CLI.
    s.cli = s.daemon()


def db_setup(s, *extra, url=None):
    return s.cli.cli("db", "setup", "--admin-url", url or s.pg.admin_url, *extra)


def conninfo(out, key):
    m = re.search(r"^%s = (.*)$" % key, out, re.M)
    check(m, "%s line printed: %r" % (key, out[-400:]))
    return m.group(1)


def test_setup_creates_roles_and_database(s):
    r = db_setup(s)
    eq(r.returncode, 0, "exit status (%s)" % r.stderr[-300:])
    for said in ["created role sekisho ", "created role sekisho_app ",
                 "role sekisho may bypass row-level security", "created database sekisho "]:
        check(said in r.stdout, "says %r: %r" % (said, r.stdout))
    s.owner = conninfo(r.stdout, "database_url")
    s.app = conninfo(r.stdout, "database_app_url")
    check("password=" in s.owner and "password=" in s.app, "passwords shown once")
    check("port=%d" % s.pg.port in s.owner, "the server's port: %r" % s.owner)
    roles = s.pg.psql("SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, "
                      "rolcanlogin FROM pg_roles WHERE rolname LIKE 'sekisho%' ORDER BY 1")
    # The owner reads every tenant's rows for backups and restores; the
    # application role, which runs every query of the daemon, never.
    eq(roles.stdout.split(), ["sekisho|f|t|f|f|t", "sekisho_app|f|f|f|f|t"], "roles")
    eq(s.pg.psql("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = "
                 "'sekisho'").stdout.strip(), "sekisho", "database owner")
    # The password is stored as a SCRAM verifier, not as text.
    v = s.pg.psql("SELECT rolpassword FROM pg_authid WHERE rolname = 'sekisho_app'").stdout
    check(v.startswith("SCRAM-SHA-256$"), "SCRAM verifier: %r" % v[:20])
    check(s.app.split("password=")[1].strip() not in open(s.pg.log).read(),
          "the password is not in the server's log")


def test_setup_again_changes_nothing_and_says_so(s):
    r = db_setup(s)
    eq(r.returncode, 0, "exit status (%s)" % r.stderr[-300:])
    for said in ["role sekisho exists: unchanged", "role sekisho_app exists: unchanged",
                 "database sekisho exists (owner sekisho): unchanged"]:
        check(said in r.stdout, "says %r: %r" % (said, r.stdout))
    check("password=" not in r.stdout, "no password shown when none was set")
    check("BYPASSRLS" not in r.stdout, "nothing granted again: %r" % r.stdout)
    # The first run's passwords still work.
    pw = s.app.split("password=")[1].strip()
    eq(s.pg.psql("SELECT current_user", user="sekisho_app", password=pw,
                 db="sekisho").stdout.strip(), "sekisho_app", "app role logs in")


def test_daemon_serves_from_the_external_database(s):
    d = s.ext = s.daemon(env={"SEKISHO_DATABASE_URL": s.owner,
                              "SEKISHO_DATABASE_APP_URL": s.app})
    d.start()
    d.create_tenant("ext")
    c = d.enroll("ext", "ann@ext.example", "correct horse battery", role="admin")
    eq(c.get("/t/ext/").status, 200, "home after enrolment")
    c2 = d.client()
    eq(d.login(c2, "ext", "ann@ext.example", "correct horse battery").status, 303, "login")
    check(not os.path.exists(os.path.join(d.data, "pg")), "no embedded cluster was made")
    pw = s.owner.split("password=")[1].strip()
    eq(s.pg.psql("SELECT count(*) FROM tenants", user="sekisho", password=pw,
                 db="sekisho").stdout.strip(), "1", "the tenant is in the external database")
    # The daemon's queries run as the application role, which owns nothing.
    users = s.pg.psql("SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = "
                      "'sekisho' AND backend_type = 'client backend' AND "
                      "pid <> pg_backend_pid()").stdout.split()
    eq(users, ["sekisho_app"], "roles of the daemon's connections")
    eq(s.pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                 "tableowner <> 'sekisho'", db="sekisho").stdout.strip(), "0",
       "every table owned by sekisho")
    r = d.cli_ok("audit", "verify", "ext")
    check("intact" in r.stdout, r.stdout)


def test_backup_verify_and_restore_on_the_external_database(s):
    d = s.ext
    bdir = os.path.join(d.dir, "backups")
    r = d.cli_ok("backup", "--dir", bdir)
    dump = r.stdout.strip().splitlines()[-1]
    check(os.path.isfile(dump), "dump written: %r" % dump)
    r = d.cli_ok("backup", "verify", dump)
    check("intact" in r.stdout and "1 tenants" in r.stdout, "verify: %r" % r.stdout)
    # Into a second, empty database on the same server.
    r = db_setup(s, "--database", "restored")
    eq(r.returncode, 0, "db setup of the second database (%s)" % r.stderr[-300:])
    env = {"SEKISHO_DATABASE_URL": s.owner.replace("dbname=sekisho", "dbname=restored"),
           "SEKISHO_DATABASE_APP_URL": s.app.replace("dbname=sekisho", "dbname=restored")}
    d.cli_ok("restore", dump, env=env)
    d2 = s.daemon(env=env)
    d2.env["SEKISHO_MASTER_KEY_FILE"] = os.path.join(d.data, "master.key")
    d2.start()
    c = d2.client()
    eq(d2.login(c, "ext", "ann@ext.example", "correct horse battery").status, 303,
       "login on the restored database")
    r = d2.cli_ok("audit", "verify", "ext")
    check("intact" in r.stdout, r.stdout)
    d2.cli_ok("audit", "verify", "--operator")
    d2.stop()


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    kids = [int(x) for x in f.read().split()]
                    out += kids
                    todo += kids
        except OSError:
            pass
    return out


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def test_backup_tools_get_no_password_on_their_command_line(s):
    # /proc/PID/cmdline is every local user's to read: the password goes to
    # pg_dump in its environment only.  A lock keeps pg_dump waiting while
    # its command line is read.
    d = s.ext
    pw = s.owner.split("password=")[1].split()[0].strip("'")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGAPPNAME": "ext-locker",
           "PGPASSWORD": s.pg.admin_password}
    locker = subprocess.Popen(["psql", "-X", "-h", "127.0.0.1", "-p", str(s.pg.port), "-U",
                               "admin", "-d", "sekisho", "-qAt", "-c",
                               "BEGIN; LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE; "
                               "SELECT pg_sleep(120);"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    p = None
    seen = []
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            r = s.pg.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = "
                          "l.relation WHERE c.relname = 'tenants' AND l.granted AND "
                          "l.mode = 'AccessExclusiveLock'", db="sekisho")
            if r.stdout.strip() == "1":
                break
            time.sleep(0.2)
        p = subprocess.Popen([d.bin, "backup", "--dir", os.path.join(d.dir, "pwcheck")],
                             env=d.env, cwd=d.dir, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not seen and p.poll() is None:
            for k in descendants(p.pid):
                argv = cmdline(k)
                if argv and argv[0].endswith("/pg_dump"):
                    seen.append(argv)
            time.sleep(0.05)
    finally:
        locker.kill()
        locker.wait()
        s.pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE application_name = 'ext-locker'")
    out, err = p.communicate(timeout=120)
    eq(p.returncode, 0, "the backup succeeds (%s)" % err[-300:])
    check(seen, "pg_dump seen running")
    for argv in seen:
        line = " ".join(argv)
        check("password=" not in line and pw not in line,
              "no password on pg_dump's command line: %r" % line)
        check(re.search(r"port='?%d" % s.pg.port, line),
              "the rest of the connection string: %r" % line)


def run_suite_against_external(s, suite):
    env = dict(os.environ)
    env["IT_EXTERNAL_DB"] = json.dumps({
        "admin_url": s.pg.admin_url,
        "admin": s.pg.admin_url.rsplit("/", 1)[0] + "/%s",
        "owner": re.sub(r"dbname=\S+", "dbname=%s", s.owner),
        "app": re.sub(r"dbname=\S+", "dbname=%s", s.app),
    })
    env["IT_BIN"] = harness.binary()
    p = subprocess.run([sys.executable, os.path.join(HERE, "test_%s.py" % suite)], env=env,
                       cwd=HERE, capture_output=True, text=True, timeout=1200)
    passed, failed = 0, []
    for line in p.stdout.splitlines():
        if line.startswith("PASS "):
            passed += 1
        elif line.startswith("FAIL "):
            failed.append(line[5:])
    # Each test of the suite is one result here too.
    for line in p.stdout.splitlines():
        if line.startswith(("PASS ", "FAIL ")):
            print("%s external_db.%s" % (line[:4], line[5:]), flush=True)
    check(not failed and passed > 5 and p.returncode == 0,
          "%s against the external database: %d passed, failed: %s %s" %
          (suite, passed, failed[:3], p.stderr[-300:]))
    # Every daemon made its own database there.
    dbs = s.pg.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'it_%s%%'" %
                    suite).stdout.strip()
    check(int(dbs) >= 1, "databases made by db setup for %s: %s" % (suite, dbs))


def test_flow_suite_runs_against_the_external_database(s):
    run_suite_against_external(s, "flow")


def test_isolation_suite_runs_against_the_external_database(s):
    run_suite_against_external(s, "isolation")


def refused(s, r, *words):
    check(r.returncode != 0, "refused: %r" % r.stdout[-200:])
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("sekisho: ")]
    eq(len(lines), 1, "one line for the user: %r" % r.stderr[-400:])
    for w in words:
        check(w in lines[0], "%r in %r" % (w, lines[0]))


def test_unreachable_server_wrong_password_and_no_url_are_refused(s):
    port = harness.free_port()
    refused(s, db_setup(s, url="postgresql://admin:x@127.0.0.1:%d/postgres" % port),
            "db setup: connect:")
    refused(s, db_setup(s, url=s.pg.admin_url.replace(s.pg.admin_password, "wrong")),
            "password authentication failed")
    refused(s, s.cli.cli("db", "setup"), "--admin-url URL required")
    refused(s, s.cli.cli("db", "setup", "--admin-url", s.pg.admin_url, "--bogus"),
            "unexpected argument")


def test_an_administrator_without_privileges_is_refused(s):
    s.pg.psql("CREATE ROLE weak LOGIN PASSWORD 'weak-pw'")
    url = "postgresql://weak:weak-pw@127.0.0.1:%d/postgres" % s.pg.port
    refused(s, db_setup(s, "--database", "weakdb", url=url),
            "may not create roles and databases")
    eq(s.pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'weakdb'").stdout.strip(),
       "0", "nothing made")


def test_unfit_roles_databases_and_names_are_refused(s):
    s.pg.psql("ALTER ROLE sekisho_app BYPASSRLS")
    try:
        refused(s, db_setup(s), "sekisho_app", "BYPASSRLS", "ALTER ROLE")
    finally:
        s.pg.psql("ALTER ROLE sekisho_app NOBYPASSRLS")
    s.pg.psql("CREATE DATABASE someone_elses")
    refused(s, db_setup(s, "--database", "someone_elses"), "owned by admin")
    for bad in ["Bad-Name", "x" * 64, "a;drop", ""]:
        refused(s, db_setup(s, "--database", bad), "database name")


def test_reset_passwords_sets_new_ones(s):
    old = s.app.split("password=")[1].strip()
    r = db_setup(s, "--reset-passwords")
    eq(r.returncode, 0, "exit status (%s)" % r.stderr[-300:])
    check("new password set" in r.stdout, r.stdout)
    new = conninfo(r.stdout, "database_app_url").split("password=")[1].strip()
    check(new != old, "a new password")
    bad = s.pg.psql("SELECT 1", user="sekisho_app", password=old, db="sekisho",
                    check_ok=False)
    check(bad.returncode != 0, "the old password no longer works")


TESTS = [
    test_setup_creates_roles_and_database,
    test_setup_again_changes_nothing_and_says_so,
    test_daemon_serves_from_the_external_database,
    test_backup_verify_and_restore_on_the_external_database,
    test_backup_tools_get_no_password_on_their_command_line,
    test_flow_suite_runs_against_the_external_database,
    test_isolation_suite_runs_against_the_external_database,
    test_unreachable_server_wrong_password_and_no_url_are_refused,
    test_an_administrator_without_privileges_is_refused,
    test_unfit_roles_databases_and_names_are_refused,
    test_reset_passwords_sets_new_ones,
]

if __name__ == "__main__":
    try:
        failed = harness.run("external_db", TESTS, setup)
    finally:
        if CLUSTER:
            CLUSTER.stop()
            if not os.environ.get("IT_KEEP"):
                CLUSTER.remove()
    sys.exit(1 if failed else 0)
