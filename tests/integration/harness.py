"""
Integration-test harness: the real `sekisho` daemon on its embedded
PostgreSQL, driven over HTTP.  Python 3 standard library only.

A Daemon owns a private data directory under /tmp, a free port and its own
configuration (given through SEKISHO_* variables, the way operators do).  The
CLI runs against the same data directory and so against the same cluster.
A Client is a tiny browser: a cookie jar, no automatic redirects.

A suite is a module with test_* functions taking a Suite object; run(...)
calls each one, prints "PASS suite.name" or "FAIL suite.name: reason", and
never lets one failure stop the others.  The binary under test comes from
--bin (or $IT_BIN), default <repo>/build/sekisho.
"""

import glob
import http.client
import json as jsonlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PG_BIN = "/usr/lib/postgresql/15/bin"

# What a sanitizer report looks like in a process's stderr.
SANITIZER_RE = re.compile(
    r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
    r"SUMMARY: (Address|Undefined|Leak)Sanitizer)")


class TestFailure(AssertionError):
    pass


def check(cond, msg="check failed"):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what="value"):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, _short(got), _short(want)))


def _short(v):
    if isinstance(v, (bytes, str)) and len(v) > 300:
        return v[:300] + (b"..." if isinstance(v, bytes) else "...")
    return v


def binary():
    b = os.environ.get("IT_BIN")
    for i, a in enumerate(sys.argv):
        if a == "--bin" and i + 1 < len(sys.argv):
            b = sys.argv[i + 1]
    return os.path.abspath(b or os.path.join(REPO, "build", "sekisho"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env():
    """Our environment without any SEKISHO_* (the daemon refuses unknown ones)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEKISHO_")}
    # The daemon keeps global allocations (Lasso, glib, libpq): no leak check,
    # but abort on the first error so a report cannot be missed.
    env["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=1:print_stacktrace=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    env["LC_ALL"] = "C.UTF-8"
    return env


# --------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def location(self):
        return self.header("Location")

    def json(self):
        return jsonlib.loads(self.body.decode("utf-8"))

    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]*)"', self.text)
        return m.group(1) if m else None

    def __repr__(self):
        return "<Response %d %r>" % (self.status, self.text[:200])


class Client:
    """A cookie-keeping HTTP client that never follows redirects."""

    def __init__(self, port, host="127.0.0.1", source=None, lang=None):
        self.port = port
        self.host = host
        self.source = source
        self.cookies = {}
        self.lang = lang

    def request(self, method, path, body=None, headers=None, form=None, json=None,
                cookies=True, timeout=60):
        hdrs = {}
        if self.lang:
            hdrs["Accept-Language"] = self.lang
        if form is not None:
            body = urllib.parse.urlencode(form).encode() if not isinstance(form, (bytes, str)) \
                else (form.encode() if isinstance(form, str) else form)
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        if cookies and self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if headers:
            hdrs.update(headers)
        src = (self.source, 0) if self.source else None
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=src)
        try:
            conn.putrequest(method, path, skip_host="Host" in hdrs,
                            skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for v in resp.header_all("Set-Cookie"):
            self._store_cookie(v)
        return resp

    def _store_cookie(self, header):
        first = header.split(";")[0]
        name, _, value = first.partition("=")
        name = name.strip()
        attrs = header.lower()
        if not value or "max-age=0" in attrs:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value.strip()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)


# --------------------------------------------------------------------------
# The daemon


class Daemon:
    def __init__(self, fast_hash=True, env=None, name="it"):
        self.bin = binary()
        self.dir = tempfile.mkdtemp(prefix="sekisho-%s-" % name, dir="/tmp")
        os.chmod(self.dir, 0o755)  # the postgres account must pass through
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.public_url = "http://127.0.0.1:%d" % self.port
        self.env = base_env()
        self.env.update({
            "SEKISHO_LISTEN": "127.0.0.1:%d" % self.port,
            "SEKISHO_PUBLIC_URL": self.public_url,
            "SEKISHO_DATA_DIR": self.data,
            "SEKISHO_IP_MAX_FAILURES": "100000",
            "SEKISHO_THREADS": "4",
        })
        if fast_hash:
            self.env.update({"SEKISHO_ARGON2_MEMORY_KIB": "8192",
                             "SEKISHO_ARGON2_ITERATIONS": "1"})
        if env:
            self.env.update(env)
        # The external-database suite (test_external_db.py) runs other suites
        # against a separate PostgreSQL server: each daemon gets a database
        # of its own there, made by `sekisho db setup`.
        self.external = None
        ext = os.environ.get("IT_EXTERNAL_DB")
        if ext:
            self.external = jsonlib.loads(ext)
            self.external["db"] = "it_%s_%d_%d" % (name.replace("-", "_")[:20], os.getpid(),
                                                   self.port)
            r = subprocess.run([self.bin, "db", "setup", "--admin-url",
                                self.external["admin_url"], "--database",
                                self.external["db"]], env=self.env, capture_output=True,
                               text=True, timeout=120)
            if r.returncode != 0:
                raise TestFailure("db setup for the external database: " + r.stderr[-300:])
            self.env["SEKISHO_DATABASE_URL"] = self.external["owner"] % self.external["db"]
            self.env["SEKISHO_DATABASE_APP_URL"] = self.external["app"] % self.external["db"]
        self.proc = None
        self.logs = []  # files holding stderr of every process we ran
        self.n_log = 0
        self.cli_outputs = []

    # -- paths
    @property
    def sockdir(self):
        return os.path.join(self.data, "pg", "run")

    @property
    def pgdata(self):
        return os.path.join(self.data, "pg", "data")

    def _logfile(self, what):
        self.n_log += 1
        p = os.path.join(self.dir, "%02d-%s.log" % (self.n_log, what))
        self.logs.append(p)
        return p

    # -- life cycle
    def start(self, timeout=90):
        check(self.proc is None, "daemon already running")
        self.log_path = self._logfile("serve")
        self.log_f = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.bin, "serve"], env=self.env, cwd=self.dir,
                                     stdout=self.log_f, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure("daemon exited with %d during start: %s" %
                                  (self.proc.returncode, self.log_tail()))
            try:
                r = Client(self.port).get("/healthz", timeout=5)
                if r.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TestFailure("daemon not healthy after %ds: %s" % (timeout, self.log_tail()))

    def log_text(self, path=None):
        try:
            with open(path or self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=15):
        return " | ".join(self.log_text().strip().splitlines()[-n:])

    def stop(self, timeout=60):
        """SIGTERM; the daemon must exit 0 and stop its embedded cluster."""
        if self.proc is None:
            return
        p, self.proc = self.proc, None
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            self.log_f.close()
            raise TestFailure("daemon did not exit within %ds of SIGTERM" % timeout)
        self.log_f.close()
        eq(rc, 0, "daemon exit status (log: %s)" % self.log_tail(5))
        check(not self.cluster_running(),
              "embedded PostgreSQL still running after the daemon stopped")

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log_f.close()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cluster_running(self):
        r = subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D",
                            self.pgdata, "status"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def pg_stop(self):
        r = subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D",
                            self.pgdata, "-m", "fast", "-w", "stop"],
                           capture_output=True, text=True)
        eq(r.returncode, 0, "pg_ctl stop (%s)" % r.stderr.strip())

    def pg_start(self):
        r = subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D",
                            self.pgdata, "-l", os.path.join(self.data, "pg", "postgresql.log"),
                            "-w", "start"], capture_output=True, text=True)
        eq(r.returncode, 0, "pg_ctl start (%s)" % r.stderr.strip())

    def cleanup(self):
        """Last resort after a failed suite: kill everything we started."""
        self.kill()
        if os.path.isdir(self.pgdata) and self.cluster_running():
            subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl", "-D",
                            self.pgdata, "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- tools
    def cli(self, *args, env=None, config=None):
        """Run `sekisho [-c config] args...`; returns CompletedProcess (text)."""
        e = dict(self.env)
        if env:
            for k, v in env.items():
                if v is None:
                    e.pop(k, None)
                else:
                    e[k] = v
        argv = [self.bin] + (["-c", config] if config else []) + list(args)
        r = subprocess.run(argv, env=e, cwd=self.dir, capture_output=True, text=True,
                           timeout=120)
        p = self._logfile("cli")
        with open(p, "w") as f:
            f.write("$ %s\n%s" % (" ".join(args), r.stderr))
        return r

    def cli_ok(self, *args, **kw):
        r = self.cli(*args, **kw)
        eq(r.returncode, 0, "exit status of sekisho %s (stderr: %s)" %
           (" ".join(args), r.stderr.strip()[-300:]))
        return r

    def psql(self, sql, superuser=False, check_ok=True, user=None):
        """Run SQL with psql; as the daemon's role `sekisho_app` (RLS applies,
        owns nothing) unless superuser or another user is named.  Returns
        stdout lines (unaligned, tuples only)."""
        user = user or ("sekisho_super" if superuser else "sekisho_app")
        target = ["-h", self.sockdir, "-p", "5432", "-U", user, "-d", "sekisho"]
        if self.external:
            # The same roles on the external server: its administrator stands
            # in for the embedded cluster's superuser.
            x, db = self.external, self.external["db"]
            conn = {"sekisho_super": x["admin"], "sekisho": x["owner"],
                    "sekisho_app": x["app"]}[user] % db
            target = ["-d", conn]
        r = subprocess.run(["psql", "-X"] + target + ["-qAt", "-v", "ON_ERROR_STOP=1",
                                                     "-c", sql],
                           capture_output=True, text=True, timeout=60,
                           env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                "LC_ALL": "C.UTF-8"})
        if check_ok and r.returncode != 0:
            raise TestFailure("psql failed: %s" % r.stderr.strip())
        self.last_psql = r
        return r.stdout.strip().splitlines()

    def tenant_id(self, slug):
        return int(self.psql("SELECT id FROM tenants WHERE slug = '%s'" % slug)[0])

    def outbox(self):
        return sorted(glob.glob(os.path.join(self.data, "outbox", "*.eml")),
                      key=os.path.getmtime)

    def sanitizer_reports(self):
        found = []
        for p in self.logs:
            text = self.log_text(p)
            for line in text.splitlines():
                if SANITIZER_RE.search(line):
                    found.append("%s: %s" % (os.path.basename(p), line.strip()[:200]))
                    break
        return found

    def stop_as_second_node(self):
        """Stop this node, which shares another node's data directory (and
        cluster), with SIGTERM: it must exit 0 with no sanitizer report and
        leave the cluster to the first node.  Its directory is removed."""
        p, self.proc = self.proc, None
        p.send_signal(signal.SIGTERM)
        rc = p.wait(60)
        self.log_f.close()
        eq(rc, 0, "second node's exit status (log: %s)" % self.log_tail(5))
        eq(self.sanitizer_reports(), [], "second node's sanitizer reports")
        check(self.cluster_running(), "the second node stopped the first one's cluster")
        self.remove()

    # -- flows
    def client(self, **kw):
        return Client(self.port, **kw)

    def create_tenant(self, slug, name=None):
        args = ["tenant", "create", slug] + (["--name", name] if name else [])
        self.cli_ok(*args)

    def invite(self, slug, email, role="user"):
        """Invite through the CLI; returns the URL (last stdout line)."""
        r = self.cli_ok("invite", slug, email, "--role", role)
        return r.stdout.strip().splitlines()[-1]

    def token(self, slug, name="tests"):
        r = self.cli_ok("token", "create", slug, "--name", name)
        return r.stdout.strip().splitlines()[-1]

    def path_of(self, url):
        check(url.startswith(self.public_url + "/"), "URL %r not under public_url" % url)
        return url[len(self.public_url):]

    def accept(self, client, url, name, password, password2=None):
        """GET then POST the invitation form; returns the POST response."""
        path = self.path_of(url)
        page = client.get(path)
        eq(page.status, 200, "invitation page status")
        return client.post(path, form={"csrf": page.csrf(), "name": name, "password": password,
                                       "password2": password if password2 is None
                                       else password2})

    def enroll(self, slug, email, password, role="user", name="Test User"):
        """Invite and accept; returns the logged-in Client."""
        c = self.client()
        r = self.accept(c, self.invite(slug, email, role), name, password)
        eq(r.status, 303, "accept status (%s)" % r.text[:200])
        return c

    def login(self, client, slug, email, password, rd=None):
        page = client.get("/t/%s/login" % slug + ("?rd=" + urllib.parse.quote(rd, safe="")
                                                    if rd is not None else ""))
        eq(page.status, 200, "login page status")
        form = {"csrf": page.csrf(), "email": email, "password": password}
        if rd is not None:
            form["rd"] = rd
        return client.post("/t/%s/login" % slug, form=form)

    def audit(self, slug, action=None, superuser=True):
        """Audit rows of a tenant as dicts (read as superuser: no RLS)."""
        where = "t.slug = '%s'" % slug
        if action:
            where += " AND a.action = '%s'" % action
        rows = self.psql("SELECT a.seq, a.actor_email, a.actor_role, a.source_ip, a.action, "
                         "a.target, a.result FROM audit_events a JOIN tenants t ON "
                         "t.id = a.tenant_id WHERE %s ORDER BY a.seq" % where,
                         superuser=superuser)
        keys = ["seq", "actor", "role", "ip", "action", "target", "result"]
        return [dict(zip(keys, r.split("|"))) for r in rows]


# --------------------------------------------------------------------------
# Runner


class Suite:
    """What a test function receives: the suite's daemon and shared state."""

    def __init__(self, name):
        self.name = name
        self.daemons = []
        self.state = {}

    def daemon(self, **kw):
        d = Daemon(name=self.name, **kw)
        self.daemons.append(d)
        return d


def run(name, tests, setup=None):
    """Run test functions in order; print PASS/FAIL lines; return failures."""
    suite = Suite(name)
    failed = 0

    def report(tname, err):
        nonlocal failed
        if err is None:
            print("PASS %s.%s" % (name, tname), flush=True)
        else:
            failed += 1
            msg = " ".join(str(err).split())
            print("FAIL %s.%s: %s" % (name, tname, msg[:600]), flush=True)

    try:
        if setup:
            setup(suite)
        setup_err = None
    except Exception as e:  # noqa: BLE001 - a failed setup fails every test
        setup_err = "setup failed: %s" % (e if isinstance(e, TestFailure) else
                                          traceback.format_exc(limit=3))
    for t in tests:
        tname = t.__name__[5:] if t.__name__.startswith("test_") else t.__name__
        if setup_err:
            report(tname, setup_err)
            continue
        t0 = time.time()
        try:
            t(suite)
            err = None
        except TestFailure as e:
            err = e
        except Exception:  # noqa: BLE001
            err = traceback.format_exc(limit=4)
        if os.environ.get("IT_VERBOSE"):
            print("  (%s %.1fs)" % (tname, time.time() - t0), flush=True)
        report(tname, err)
    # Shut everything down; a daemon that does not stop cleanly is a failure.
    stop_err = None
    for d in suite.daemons:
        try:
            d.stop()
        except Exception as e:  # noqa: BLE001
            stop_err = stop_err or e
        finally:
            d.cleanup()
    report("daemon_stops_cleanly", stop_err)
    reports = [r for d in suite.daemons for r in d.sanitizer_reports()]
    report("no_sanitizer_reports", "; ".join(reports[:3]) if reports else None)
    if not os.environ.get("IT_KEEP") and not failed:
        for d in suite.daemons:
            d.remove()
    elif failed:
        for d in suite.daemons:
            print("  (logs kept in %s)" % d.dir, flush=True)
    return failed


def main(name, tests, setup=None):
    sys.exit(1 if run(name, tests, setup) else 0)
