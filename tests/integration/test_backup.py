#!/usr/bin/env python3
"""
Backups and restore with the real pg_dump/pg_restore on the embedded
PostgreSQL: `sekisho backup` writes a generation (dump + manifest, 0600)
and keeps backup_keep of them; the daemon takes one daily at backup_time;
`backup verify` restores into a scratch cluster and checks every audit
chain; `restore` brings a destroyed database back so that users (TOTP
included) log in and every chain verifies.  Faults: a directory missing,
read-only or full, a truncated or altered file, a non-empty database,
kill -9 in the middle of a dump, PostgreSQL stopped during one: a clear
error, nothing half-written, the earlier generations untouched.
"""

import contextlib
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import PW, Api  # noqa: E402

SLUG = "bk"
GEN_RE = re.compile(r"^sekisho-\d{8}T\d{6}Z\.dump$")
HERE = os.path.dirname(os.path.abspath(__file__))
MIGRATIONS = os.path.join(HERE, "..", "..", "store", "migrations")


def schema_version():
    return max(int(n[:3]) for n in os.listdir(MIGRATIONS) if re.match(r"^\d{3}_.*\.sql$", n))


def generations(d):
    """Dump names in directory d, oldest first."""
    return sorted(n for n in os.listdir(d) if GEN_RE.match(n)) if os.path.isdir(d) else []


def leftovers(d):
    """Files of ours that are not a complete generation or the lock."""
    out = []
    for n in os.listdir(d):
        if n == ".sekisho-backup.lock" or GEN_RE.match(n):
            continue
        if n.endswith(".manifest") and GEN_RE.match(n[:-len(".manifest")] + ".dump"):
            continue
        if n.startswith(".sekisho-") or n.startswith("sekisho-"):
            out.append(n)
    return out


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def manifest(path):
    with open(path[:-len(".dump")] + ".manifest") as f:
        return json.load(f)


def oplog(d, action):
    rows = d.psql("SELECT seq, actor_role, target, result, detail FROM operator_events "
                  "WHERE action = '%s' ORDER BY seq" % action, superuser=True)
    out = []
    for r in rows:
        seq, role, target, result, detail = r.split("|", 4)
        out.append({"seq": int(seq), "role": role, "target": target, "result": result,
                    "detail": json.loads(detail)})
    return out


def backup(d, dirpath, env=None):
    """`sekisho backup --dir dirpath`: the dump's path (last stdout line)."""
    r = d.cli_ok("backup", "--dir", dirpath, env=env)
    path = r.stdout.strip().splitlines()[-1]
    check(os.path.isfile(path), "backup printed %r, not a file" % path)
    return path


def refused(r, *words):
    check(r.returncode != 0, "refused (stdout %r)" % r.stdout[-200:])
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("sekisho: ")]
    eq(len(lines), 1, "one clear line on stderr (%r)" % r.stderr[-400:])
    last = lines[0]
    for w in words:
        check(w.lower() in last.lower(), "%r in the message %r" % (w, last))
    return last


class Mount:
    """A small tmpfs at path for the length of a with block."""

    def __init__(self, path, size):
        self.path, self.size = path, size

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % self.size,
                            "tmpfs", self.path], capture_output=True, text=True)
        eq(r.returncode, 0, "mount tmpfs (%s)" % r.stderr.strip())
        return self

    def remount(self, opts):
        r = subprocess.run(["mount", "-o", "remount,%s" % opts, self.path],
                           capture_output=True, text=True)
        eq(r.returncode, 0, "remount %s (%s)" % (opts, r.stderr.strip()))

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", self.path], capture_output=True)
        return False


def totp(secret):
    r = subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True, text=True,
                       timeout=10)
    eq(r.returncode, 0, "oathtool (%s)" % r.stderr.strip())
    return r.stdout.strip()


def steady(margin=6.0):
    left = 30 - (time.time() % 30)
    if left < margin:
        time.sleep(left + 0.3)


def enrol_totp(d, c):
    page = c.get("/t/%s/mfa/totp" % SLUG)
    eq(page.status, 200, "TOTP enrolment page")
    m = re.search(r'<input[^>]*\bid="secret"[^>]*\bvalue="([^"]*)"', page.text)
    check(m, "secret on the enrolment page")
    secret = m.group(1)
    steady()
    r = c.post("/t/%s/mfa/totp" % SLUG, form={"csrf": page.csrf(), "code": totp(secret)})
    eq(r.status, 200, "TOTP enrolment (%s)" % r.text[:200])
    return secret


def login_ok(d, email, secret=None):
    c = d.client()
    r = d.login(c, SLUG, email, PW)
    eq(r.status, 303, "password step of %s (%s)" % (email, r.text[:200]))
    if secret:
        eq(r.location, "/t/%s/login/mfa" % SLUG, "%s is asked for the code" % email)
        page = c.get("/t/%s/login/mfa" % SLUG)
        steady()
        r = c.post("/t/%s/login/mfa" % SLUG, form={"csrf": page.csrf(), "code": totp(secret)})
        eq(r.status, 303, "TOTP step of %s (%s)" % (email, r.text[:200]))
    check("sekisho_s_%s" % SLUG in c.cookies, "%s has a session" % email)
    eq(c.get("/t/%s/" % SLUG).status, 200, "home page of %s" % email)


# --------------------------------------------------------------------------


def setup(s):
    now = datetime.datetime.now(datetime.timezone.utc)
    earlier = now - datetime.timedelta(minutes=1)
    if earlier.date() != now.date():  # just after midnight: due at 00:00
        earlier = now.replace(hour=0, minute=0)
    d = s.d = s.daemon(env={"SEKISHO_BACKUP_DIR": "", "SEKISHO_BACKUP_KEEP": "3"})
    s.daily = os.path.join(d.dir, "daily")
    s.daily_env = {"SEKISHO_BACKUP_DIR": s.daily,
                   "SEKISHO_BACKUP_TIME": earlier.strftime("%H:%M")}
    d.env.update(s.daily_env)
    d.start()
    d.create_tenant(SLUG, "Backup Corp")
    s.api = Api(d, SLUG)
    s.users = {}
    for i in range(3):
        email = "user%d@bk.example" % i
        d.enroll(SLUG, email, PW)
        s.users[email] = None
    email = "totp@bk.example"
    c = d.enroll(SLUG, email, PW)
    s.users[email] = enrol_totp(d, c)
    # Some failed logins for the audit log.
    for _ in range(2):
        eq(d.login(d.client(), SLUG, "user1@bk.example", "wrong password!").status, 401,
           "failed login answers the form again")


def test_daemon_takes_the_daily_backup_at_start(s):
    d = s.d
    deadline = time.time() + 60
    while time.time() < deadline and not generations(s.daily):
        time.sleep(0.5)
    gens = generations(s.daily)
    eq(len(gens), 1, "one daily generation (%s)" % d.log_tail(5))
    eq(oct(os.stat(s.daily).st_mode & 0o777), "0o700", "the directory it created")
    rows = [r for r in oplog(d, "backup.created") if r["role"] == "daemon"]
    eq(len(rows), 1, "the daemon's backup.created events")
    eq(rows[0]["result"], "success", "its result")
    eq(rows[0]["target"], gens[0], "its target")
    eq(rows[0]["detail"]["sha256"], sha256(os.path.join(s.daily, gens[0])), "its digest")


def test_the_daily_backup_is_not_taken_twice_a_day(s):
    d = s.d
    d.stop()
    d.start()
    time.sleep(4)  # the jobs thread runs at start
    eq(len(generations(s.daily)), 1, "still one daily generation after a restart")
    eq(len([r for r in oplog(d, "backup.created") if r["role"] == "daemon"]), 1,
       "still one daemon backup.created")


def test_backup_writes_a_generation_with_its_manifest(s):
    d = s.d
    out = os.path.join(d.dir, "manual")
    path = backup(d, out)
    eq(os.path.dirname(path), out, "the dump's directory")
    check(GEN_RE.match(os.path.basename(path)), "name %r" % path)
    mpath = path[:-5] + ".manifest"
    for p in (path, mpath):
        eq(oct(os.stat(p).st_mode & 0o777), "0o600", "mode of %s" % os.path.basename(p))
    eq(oct(os.stat(out).st_mode & 0o777), "0o700", "mode of the directory created")
    m = manifest(path)
    eq(m["file"], os.path.basename(path), "manifest file")
    eq(m["size"], os.path.getsize(path), "manifest size")
    eq(m["sha256"], sha256(path), "manifest sha256")
    eq(m["schema_version"], schema_version(), "manifest schema version")
    eq([m["key_fingerprint"]], d.psql("SELECT fingerprint FROM master_key", superuser=True),
       "manifest key fingerprint: the database's")
    check(m["sekisho_version"], "a version")
    stamp = datetime.datetime.strptime(m["time"], "%Y-%m-%dT%H:%M:%SZ")
    check(abs((datetime.datetime.utcnow() - stamp).total_seconds()) < 120, "time %s" % m["time"])
    with open(path, "rb") as f:
        eq(f.read(5), b"PGDMP", "pg_dump's custom format")
    last = oplog(d, "backup.created")[-1]
    eq((last["role"], last["target"], last["result"]), ("operator", m["file"], "success"),
       "the operator log's event")
    eq(last["detail"]["sha256"], m["sha256"], "event digest")
    eq(last["detail"]["size"], m["size"], "event size")
    eq(leftovers(out), [], "nothing but the generation")
    s.state["manual"] = path


def stamp(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def touch(path, text="x"):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def test_backup_never_overwrites_or_rotates_away_its_new_generation(s):
    d = s.d
    out = os.path.join(d.dir, "collide")
    os.makedirs(out, mode=0o700)
    # Generations (not ours, but named so) for every second of the next
    # twenty: the clock stands, as far as the backup can tell.
    now = int(time.time())
    names = ["sekisho-%s" % stamp(now + i) for i in range(20)]
    for n in names:
        touch(os.path.join(out, n + ".dump"), "old dump")
        touch(os.path.join(out, n + ".manifest"), "old manifest")
    refused(d.cli("backup", "--dir", out), "exists already")
    for n in names:
        with open(os.path.join(out, n + ".dump")) as f:
            eq(f.read(), "old dump", "%s untouched" % n)
    eq(leftovers(out), [], "nothing of the failed run left")
    # A generation from the future sorts before the new one: rotation
    # keeps the new one all the same.
    out2 = os.path.join(d.dir, "future")
    os.makedirs(out2, mode=0o700)
    touch(os.path.join(out2, "sekisho-20991231T235959Z.dump"))
    touch(os.path.join(out2, "sekisho-20991231T235959Z.manifest"))
    path = backup(d, out2, env={"SEKISHO_BACKUP_KEEP": "1"})
    check(os.path.isfile(path), "the new generation kept")
    eq(generations(out2), [os.path.basename(path)], "the one generation kept")


def test_a_manifest_without_its_dump_is_cleaned_and_a_lock_symlink_refused(s):
    d = s.d
    out = os.path.join(d.dir, "orphans")
    os.makedirs(out, mode=0o700)
    orphan = os.path.join(out, "sekisho-20000101T000000Z.manifest")
    touch(orphan)
    backup(d, out)
    check(not os.path.exists(orphan), "a manifest without its dump removed")
    eq(leftovers(out), [], "nothing else left")
    # The lock file is never followed through a symlink.
    out2 = os.path.join(d.dir, "locklink")
    os.makedirs(out2, mode=0o700)
    target = os.path.join(d.dir, "lock-target")
    os.symlink(target, os.path.join(out2, ".sekisho-backup.lock"))
    refused(d.cli("backup", "--dir", out2), "not writable")
    check(not os.path.exists(target), "nothing created through the symlink")


SHIM = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fsync of a directory that holds a sekisho-*.manifest fails. */
int fsync(int fd)
{
	static int (*real)(int);
	struct stat st;

	if (!real)
		real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int dup_fd = dup(fd), found = 0;
		DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
		struct dirent *e;
		if (d) {
			rewinddir(d);
			while ((e = readdir(d)))
				if (!strncmp(e->d_name, "sekisho-", 8) &&
				    strstr(e->d_name, ".manifest"))
					found = 1;
			closedir(d);
		}
		if (found) {
			errno = EIO;
			return -1;
		}
	}
	return real(fd);
}
"""


def test_a_failed_directory_sync_leaves_nothing(s):
    d = s.d
    src = os.path.join(d.dir, "fsync-shim.c")
    lib = os.path.join(d.dir, "fsync-shim.so")
    with open(src, "w") as f:
        f.write(SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", lib, src, "-ldl"], check=True)
    out = os.path.join(d.dir, "dirsync")
    asan = d.env.get("ASAN_OPTIONS", "")
    env = {"LD_PRELOAD": lib,
           "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}
    refused(d.cli("backup", "--dir", out, env=env), "input/output error")
    eq([n for n in os.listdir(out) if n.startswith("sekisho-") or n.endswith(".tmp")], [],
       "neither the dump nor the manifest left")
    backup(d, out)
    eq(len(generations(out)), 1, "the next backup works")


def test_generations_rotate_at_backup_keep(s):
    d = s.d
    out = os.path.join(d.dir, "rotate")
    taken = [os.path.basename(backup(d, out)) for _ in range(5)]
    eq(len(set(taken)), 5, "five distinct generations")
    eq(generations(out), sorted(taken)[-3:], "the three newest remain (backup_keep = 3)")
    for g in generations(out):
        check(os.path.isfile(os.path.join(out, g[:-5] + ".manifest")), "manifest of %s" % g)
    eq(leftovers(out), [], "no manifest without its dump")
    last = oplog(d, "backup.created")[-1]["detail"]
    eq((last["kept"], last["deleted"]), (3, 1), "kept/deleted of the last run")
    # A file that is not ours is never touched.
    with open(os.path.join(out, "notes.txt"), "w") as f:
        f.write("mine")
    backup(d, out, env={"SEKISHO_BACKUP_KEEP": "1"})
    eq(len(generations(out)), 1, "backup_keep = 1")
    check(os.path.isfile(os.path.join(out, "notes.txt")), "a foreign file stays")


def test_backup_without_a_directory_is_refused(s):
    r = s.d.cli("backup", env={"SEKISHO_BACKUP_DIR": None})
    refused(r, "backup_dir", "--dir")
    r = s.d.cli("backup", "--dir")
    check(r.returncode != 0, "--dir without a value refused")


def test_backup_dir_whose_parent_is_missing(s):
    d = s.d
    target = os.path.join(d.dir, "no-such-parent", "backups")
    r = d.cli("backup", "--dir", target)
    refused(r, "parent directory does not exist")
    check(not os.path.exists(os.path.dirname(target)), "nothing created")
    last = oplog(d, "backup.created")[-1]
    eq(last["result"], "failure", "the failure is in the operator log")
    check("parent" in last["detail"]["reason"], "with its reason: %r" % last["detail"])


def test_backup_dir_not_writable(s):
    d = s.d
    mnt = os.path.join(d.dir, "ro")
    with Mount(mnt, "4m") as m:
        first = backup(d, mnt)
        digest = sha256(first)
        m.remount("ro")
        r = d.cli("backup", "--dir", mnt)
        refused(r, "not writable", "read-only")
        eq(generations(mnt), [os.path.basename(first)], "the earlier generation alone")
        eq(sha256(first), digest, "and untouched")
        eq(leftovers(mnt), [], "nothing half-written")
    # A directory that is a file.
    path = os.path.join(d.dir, "a-file")
    with open(path, "w") as f:
        f.write("x")
    refused(d.cli("backup", "--dir", path), path)


def test_backup_dir_full(s):
    d = s.d
    mnt = os.path.join(d.dir, "full")
    with Mount(mnt, "1m") as m:  # noqa: F841
        first = backup(d, mnt)
        digest = sha256(first)
        size = os.path.getsize(first)
        st = os.statvfs(mnt)
        free = st.f_bavail * st.f_frsize
        with open(os.path.join(mnt, "filler"), "wb") as f:
            f.write(b"\0" * max(0, free - size // 2))
        r = d.cli("backup", "--dir", mnt)
        refused(r, "no space left")
        eq(generations(mnt), [os.path.basename(first)], "the earlier generation alone")
        eq(sha256(first), digest, "and untouched")
        eq(leftovers(mnt), [], "nothing half-written")
        last = oplog(d, "backup.created")[-1]
        eq(last["result"], "failure", "failure recorded")
        os.unlink(os.path.join(mnt, "filler"))
        backup(d, mnt)
        eq(len(generations(mnt)), 2, "works again with room")


def hold_lock(d, table="tenants"):
    """A superuser session that keeps pg_dump waiting (ACCESS EXCLUSIVE on
    table) until released."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGAPPNAME": "bk-locker"}
    p = subprocess.Popen(["psql", "-X", "-h", d.sockdir, "-p", "5432", "-U", "sekisho_super",
                          "-d", "sekisho", "-qAt", "-c",
                          "BEGIN; LOCK TABLE %s IN ACCESS EXCLUSIVE MODE; "
                          "SELECT pg_sleep(120);" % table],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 20
    while time.time() < deadline:
        rows = d.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                      "WHERE c.relname = '%s' AND l.mode = 'AccessExclusiveLock' "
                      "AND l.granted" % table, superuser=True)
        if rows and rows[0] == "1":
            return p
        time.sleep(0.2)
    p.kill()
    raise harness.TestFailure("the lock was not taken")


def release_lock(d, p):
    """End the locking session (its backend sleeps on after psql dies)."""
    p.kill()
    p.wait()
    if d.cluster_running():
        d.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE application_name = 'bk-locker'", superuser=True)


def dump_waits(d, p):
    """Wait until a pg_dump waits for a lock; False if process p ends first."""
    deadline = time.time() + 60
    while time.time() < deadline:
        rows = d.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND query LIKE 'LOCK TABLE % IN ACCESS SHARE MODE%'", superuser=True)
        if rows and rows[0] != "0":
            return True
        if p.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def start_backup(d, out):
    """`sekisho backup --dir out` in the background, once pg_dump waits."""
    p = subprocess.Popen([d.bin, "backup", "--dir", out], env=d.env, cwd=d.dir,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not dump_waits(d, p):
        p.kill()
        raise harness.TestFailure("pg_dump never waited: %s" % p.communicate()[1][-300:])
    return p


def gone(pid):
    """Process pid has ended (a zombie waiting for its new parent counts)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def children(pid):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, t)) as f:
            out += [int(x) for x in f.read().split()]
    return out


@contextlib.contextmanager
def waiting_backup(d, name):
    """A first generation in d.dir/name, then `sekisho backup` into it whose
    pg_dump waits on a lock held meanwhile: yields (directory, the first
    generation's path, the process)."""
    out = os.path.join(d.dir, name)
    first = backup(d, out)
    locker = hold_lock(d)
    try:
        yield out, first, start_backup(d, out)
    finally:
        release_lock(d, locker)
        if not d.cluster_running():
            d.pg_start()


def test_kill_9_in_the_middle_of_a_backup(s):
    d = s.d
    with waiting_backup(d, "killed") as (out, first, p):
        tmp = [n for n in os.listdir(out) if n.endswith(".tmp")]
        eq(len(tmp), 1, "the dump under its temporary name while running (%s)" % tmp)
        kids = children(p.pid)
        check(kids, "pg_dump runs as a child")
        p.kill()
        p.wait()
        time.sleep(1)
        for k in kids:
            check(gone(k), "pg_dump %d died with its parent" % k)
    eq(generations(out), [os.path.basename(first)], "no generation from the killed run")
    second = backup(d, out)
    eq(generations(out), sorted([os.path.basename(first), os.path.basename(second)]),
       "the next backup works")
    eq(leftovers(out), [], "and removed what the killed one left")


def test_postgres_stopped_during_a_backup(s):
    d = s.d
    with waiting_backup(d, "pgstop") as (out, first, p):
        d.pg_stop()
        _, err = p.communicate(timeout=120)
    check(p.returncode != 0, "the backup failed")
    last = [ln for ln in err.splitlines() if ln.startswith("sekisho: ")][-1]
    check(last.startswith("sekisho: backup:"), "a clear line: %r" % last)
    check(re.search(r"terminat|connection|server", last), "says the database went: %r" % last)
    eq(generations(out), [os.path.basename(first)], "no new generation")
    eq(leftovers(out), [], "nothing half-written")
    check(d.alive(), "the daemon survived the outage")
    deadline = time.time() + 30
    while time.time() < deadline and d.client().get("/readyz").status != 200:
        time.sleep(0.5)
    eq(d.client().get("/readyz").status, 200, "ready again")
    backup(d, out)


def test_verify_restores_into_a_scratch_database(s):
    d = s.d
    path = backup(d, os.path.join(d.dir, "verify"))
    before = scratch_dirs()
    r = d.cli_ok("backup", "verify", path)
    check("intact" in r.stdout, "says intact: %r" % r.stdout)
    m = re.search(r"(\d+) tenants, (\d+) audit events and (\d+) operator events", r.stdout)
    check(m, "a summary: %r" % r.stdout)
    eq(int(m.group(1)), 1, "tenants verified")
    check(int(m.group(2)) >= 8, "audit events verified: %s" % m.group(2))
    check(int(m.group(3)) >= 3, "operator events verified: %s" % m.group(3))
    last = oplog(d, "backup.verified")[-1]
    eq((last["result"], last["target"]), ("success", os.path.basename(path)), "event")
    eq(last["detail"]["tenants"], 1, "event detail")
    # (Other runs on the machine may have scratch clusters of their own.)
    check(scratch_dirs() <= before, "the scratch cluster is gone")
    s.state["verified"] = path


def scratch_dirs():
    return {n for n in os.listdir("/tmp") if n.startswith("sekisho-scratch-")}


def copy_generation(src, dst_dir):
    os.makedirs(dst_dir, exist_ok=True)
    for p in (src, src[:-5] + ".manifest"):
        shutil.copy(p, dst_dir)
    return os.path.join(dst_dir, os.path.basename(src))


def test_truncated_or_altered_backups_are_refused(s):
    d = s.d
    src = s.state["verified"]
    trunc = copy_generation(src, os.path.join(d.dir, "truncated"))
    with open(trunc, "r+b") as f:
        f.truncate(os.path.getsize(trunc) // 2)
    alt = copy_generation(src, os.path.join(d.dir, "altered"))
    with open(alt, "r+b") as f:
        f.seek(os.path.getsize(alt) // 2)
        b = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([b[0] ^ 0x01]))
    before = len(oplog(d, "backup.restored"))
    for path in (trunc, alt):
        refused(d.cli("backup", "verify", path), "checksum", "truncated or altered")
        refused(d.cli("restore", path, "--force"), "checksum", "truncated or altered")
    eq(d.tenant_id(SLUG) > 0, True, "the database is untouched")
    eq(oplog(d, "backup.verified")[-1]["result"], "failure", "failed verification recorded")
    eq(len(oplog(d, "backup.restored")), before + 2, "refused restores recorded")
    # No manifest, a manifest of another file, not our file at all.
    nom = copy_generation(src, os.path.join(d.dir, "nomanifest"))
    os.unlink(nom[:-5] + ".manifest")
    refused(d.cli("backup", "verify", nom), "manifest")
    refused(d.cli("restore", os.path.join(d.dir, "a-file")), "not a sekisho backup")
    refused(d.cli("backup", "verify"), "FILE")
    refused(d.cli("restore"), "FILE")


def test_an_altered_dump_with_a_recomputed_checksum_is_refused(s):
    # Whoever may write the directory alters the dump and fixes its
    # manifest's size and SHA-256: the manifest's HMAC, keyed with the
    # master key, no longer matches.
    d = s.d
    alt = copy_generation(s.state["verified"], os.path.join(d.dir, "forged"))
    with open(alt, "ab") as f:
        f.write(b"-- more SQL\n")
    mpath = alt[:-5] + ".manifest"
    m = manifest(alt)
    m["size"], m["sha256"] = os.path.getsize(alt), sha256(alt)
    with open(mpath, "w") as f:
        json.dump(m, f)
    before = len(oplog(d, "backup.restored"))
    refused(d.cli("backup", "verify", alt), "not made with this master key, or altered")
    refused(d.cli("restore", alt, "--force"), "not made with this master key, or altered")
    eq(len(oplog(d, "backup.restored")), before + 1, "the refused restore recorded")
    # A manifest without its HMAC, or with another one, is refused alike.
    alt2 = copy_generation(s.state["verified"], os.path.join(d.dir, "nohmac"))
    m = manifest(alt2)
    for mac in (None, "0" * 64):
        if mac is None:
            m.pop("hmac", None)
        else:
            m["hmac"] = mac
        with open(alt2[:-5] + ".manifest", "w") as f:
            json.dump(m, f)
        refused(d.cli("backup", "verify", alt2), "not made with this master key, or altered")
    eq(d.tenant_id(SLUG) > 0, True, "the database is untouched")


def postgres_in(path):
    """Pids of processes whose command line names path."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if path.encode() in f.read():
                    out.append(int(pid))
        except OSError:
            pass
    return out


def running_scratch(p, before):
    """The scratch directory a `backup verify` (process p) made, once its
    cluster runs (others' runs may have theirs); None if p ends first."""
    deadline = time.time() + 90
    while time.time() < deadline and p.poll() is None:
        for n in scratch_dirs() - before:
            path = os.path.join("/tmp", n)
            try:
                with open(os.path.join(path, "creator.pid")) as f:
                    mine = f.read().strip() == str(p.pid)
            except OSError:
                mine = True  # new since p started, and no one else's
            # The server's socket: initdb's bootstrap makes a postmaster.pid too.
            if mine and os.path.exists(os.path.join(path, "run", ".s.PGSQL.5432")):
                return path
        time.sleep(0.05)
    return None


def test_an_interrupted_verify_leaves_no_scratch_cluster(s):
    d = s.d
    path = s.state["verified"]
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        before = scratch_dirs()
        p = subprocess.Popen([d.bin, "backup", "verify", path], env=d.env, cwd=d.dir,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        scratch = running_scratch(p, before)
        if not scratch:
            p.kill()
            raise harness.TestFailure("no scratch cluster seen: %s" % p.communicate()[1][-300:])
        os.kill(p.pid, sig)
        p.communicate(timeout=120)
        eq(p.returncode, -sig, "verify ended by signal %d" % sig)
        if sig != signal.SIGKILL:
            check(not os.path.exists(scratch), "%s removed before ending" % scratch)
            eq(postgres_in(scratch), [], "its PostgreSQL stopped")
            continue
        # kill -9 cannot be caught: the next verify removes what it left.
        check(os.path.exists(os.path.join(scratch, "creator.pid")), "the creator recorded")
        deadline = time.time() + 10
        while time.time() < deadline and not postgres_in(scratch):
            time.sleep(0.2)
        check(postgres_in(scratch), "the killed verify's PostgreSQL runs on")
        d.cli_ok("backup", "verify", path)
        check(not os.path.exists(scratch), "%s removed by the next verify" % scratch)
        eq(postgres_in(scratch), [], "its PostgreSQL stopped")


def test_a_failed_restore_leaves_the_database_as_it_was(s):
    d = s.d
    # A table owned by a role the database no longer has when the backup is
    # restored: the load fails at its ALTER TABLE … OWNER TO, after the wipe.
    d.psql("CREATE ROLE bk_gone; CREATE TABLE public.bk_extra (x int); "
           "ALTER TABLE public.bk_extra OWNER TO bk_gone", superuser=True)
    try:
        path = backup(d, os.path.join(d.dir, "failing"))
    finally:
        d.psql("DROP TABLE public.bk_extra; DROP ROLE bk_gone", superuser=True)
    users = d.psql("SELECT count(*) FROM users", superuser=True)
    d.stop()
    try:
        r = d.cli("restore", path, "--force")
        d.pg_start()
        eq(d.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'tenants'",
                  superuser=True), ["1"], "the schema still there")
        eq(d.psql("SELECT count(*) FROM tenants WHERE slug = '%s'" % SLUG, superuser=True),
           ["1"], "the tenant still there")
        eq(d.psql("SELECT count(*) FROM users", superuser=True), users, "its users too")
        refused(r, "does not exist", "nothing was changed")
        eq(oplog(d, "backup.restored")[-1]["result"], "failure", "the failure recorded")
    finally:
        d.start()
    # (Not the TOTP user: a code used now would be a replay for the next test.)
    for email, secret in s.users.items():
        if not secret:
            login_ok(d, email)


def test_restore_into_a_database_in_use_or_not_empty_is_refused(s):
    d = s.d
    path = s.state["verified"]
    refused(d.cli("restore", path), "not empty", "--force")
    refused(d.cli("restore", path, "--force"), "in use", "stop the daemon")
    eq(d.tenant_id(SLUG) > 0, True, "the database is untouched")


def test_restore_needs_the_same_master_key(s):
    # Another data directory: another master key, and a database of its own.
    other = s.daemon()
    path = s.state["verified"]
    refused(other.cli("restore", path), "another master key", "master_key_file")
    refused(other.cli("backup", "verify", path), "another master key")
    eq(other.cli_ok("tenant", "list").stdout.strip().splitlines()[1:], [],
       "its database untouched")


def test_backup_destroy_restore_and_everything_verifies(s):
    d = s.d
    path = backup(d, os.path.join(d.dir, "main"))
    d.create_tenant("later", "Created after the backup")
    d.stop()
    # Not empty without --force; replaced with it.
    refused(d.cli("restore", path), "not empty")
    r = d.cli_ok("restore", path, "--force")
    check("restored" in r.stdout and "1 tenants" in r.stdout, "summary: %r" % r.stdout)
    d.start()
    eq(d.psql("SELECT count(*) FROM tenants WHERE slug = 'later'", superuser=True), ["0"],
       "the tenant created after the backup is gone")
    d.stop()
    # The data directory's cluster destroyed; the master key kept.
    key = os.path.join(d.data, "master.key")
    check(os.path.isfile(key), "master key kept")
    shutil.rmtree(os.path.join(d.data, "pg"))
    r = d.cli_ok("restore", path)
    check("1 tenants" in r.stdout, "summary: %r" % r.stdout)
    d.start()
    for email, secret in s.users.items():
        login_ok(d, email, secret)
    eq(d.login(d.client(), SLUG, "user2@bk.example", "wrong again!").status, 401,
       "a failed login is audited (the application role writes)")
    r = d.cli_ok("audit", "verify", SLUG)
    check("intact" in r.stdout, r.stdout)
    r = d.cli_ok("audit", "verify", "--operator")
    check("intact" in r.stdout, r.stdout)
    restored = oplog(d, "backup.restored")
    eq(restored[-1]["result"], "success", "backup.restored recorded")
    eq(restored[-1]["target"], os.path.basename(path), "its target")
    eq(s.api.get("/users").status, 200, "the admin API token works")
    # The restored database backs up and verifies again.
    again = backup(d, os.path.join(d.dir, "main"))
    d.cli_ok("backup", "verify", again)


def test_only_the_node_holding_the_lock_takes_the_daily_backup(s):
    d = s.d

    def daemon_events():
        return len([r for r in oplog(d, "backup.created")
                    if r["role"] == "daemon" and r["result"] == "success"])

    before, gens = daemon_events(), generations(s.daily)
    due_from_next_minute(d)
    d.stop()
    d.pg_start()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGAPPNAME": "bk-locker"}
    # Another node, as far as this one can tell: it holds the backup lock.
    locker = subprocess.Popen(["psql", "-X", "-h", d.sockdir, "-p", "5432", "-U",
                               "sekisho_super", "-d", "sekisho", "-qAt", "-c",
                               "SELECT pg_advisory_lock(7365697369); SELECT pg_sleep(120);"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        time.sleep(2)
        d.start()
        time.sleep(5)
        eq(generations(s.daily), gens, "no daily backup while another node holds the lock")
        eq(daemon_events(), before, "none recorded")
    finally:
        release_lock(d, locker)
    d.stop()
    d.start()
    deadline = time.time() + 60
    while time.time() < deadline and len(generations(s.daily)) == len(gens):
        time.sleep(0.5)
    eq(len(generations(s.daily)), min(len(gens) + 1, 3), "taken once the lock is free")
    eq(daemon_events(), before + 1, "and recorded")


def due_from_next_minute(d):
    """backup_time = the next minute, reached: due after every backup so far."""
    time.sleep(60 - time.time() % 60 + 0.5)
    d.env["SEKISHO_BACKUP_TIME"] = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M")


def test_kill_9_of_the_daemon_during_its_daily_backup(s):
    d = s.d
    gens = generations(s.daily)
    due_from_next_minute(d)
    d.stop()
    d.pg_start()
    # A table the daemon's other jobs do not read: only pg_dump waits.
    locker = hold_lock(d, "client_cas")
    try:
        d.start()
        check(dump_waits(d, d.proc), "the daily backup's pg_dump waits")
        tmp = [n for n in os.listdir(s.daily) if n.endswith(".tmp")]
        eq(len(tmp), 1, "its dump under a temporary name (%s)" % tmp)
        kids = children(d.proc.pid)
        check(kids, "pg_dump runs as the daemon's child")
        d.kill()
        time.sleep(1)
        for k in kids:
            check(gone(k), "pg_dump %d died with the daemon" % k)
    finally:
        release_lock(d, locker)
    eq(generations(s.daily), gens, "no generation from the killed daemon")
    d.start()
    deadline = time.time() + 60
    while time.time() < deadline and generations(s.daily) == gens:
        time.sleep(0.5)
    eq(len(generations(s.daily)), len(gens) + 1, "taken at the next start")
    eq(leftovers(s.daily), [], "what the killed daemon left is gone")


def test_a_manual_backup_does_not_count_as_the_daily_one(s):
    d = s.d
    gens = generations(s.daily)
    due_from_next_minute(d)
    d.stop()
    # Due now; an operator's backup elsewhere is not the daily one.
    backup(d, os.path.join(d.dir, "elsewhere"))
    d.start()
    deadline = time.time() + 60
    while time.time() < deadline and generations(s.daily) == gens:
        time.sleep(0.5)
    check(generations(s.daily) != gens, "the daily backup taken all the same")
    last = [r for r in oplog(d, "backup.created") if r["role"] == "daemon"][-1]
    eq((last["result"], last["detail"].get("daily"), last["detail"].get("dir")),
       ("success", True, s.daily), "recorded as the daily backup into backup_dir")
    ops = [r for r in oplog(d, "backup.created") if r["role"] == "operator"]
    check(all("daily" not in r["detail"] for r in ops), "operators' backups are not daily")


if __name__ == "__main__":
    harness.main("backup", [
        test_daemon_takes_the_daily_backup_at_start,
        test_the_daily_backup_is_not_taken_twice_a_day,
        test_backup_writes_a_generation_with_its_manifest,
        test_generations_rotate_at_backup_keep,
        test_backup_never_overwrites_or_rotates_away_its_new_generation,
        test_a_manifest_without_its_dump_is_cleaned_and_a_lock_symlink_refused,
        test_a_failed_directory_sync_leaves_nothing,
        test_backup_without_a_directory_is_refused,
        test_backup_dir_whose_parent_is_missing,
        test_backup_dir_not_writable,
        test_backup_dir_full,
        test_kill_9_in_the_middle_of_a_backup,
        test_postgres_stopped_during_a_backup,
        test_verify_restores_into_a_scratch_database,
        test_truncated_or_altered_backups_are_refused,
        test_an_altered_dump_with_a_recomputed_checksum_is_refused,
        test_an_interrupted_verify_leaves_no_scratch_cluster,
        test_a_failed_restore_leaves_the_database_as_it_was,
        test_restore_into_a_database_in_use_or_not_empty_is_refused,
        test_restore_needs_the_same_master_key,
        test_backup_destroy_restore_and_everything_verifies,
        test_only_the_node_holding_the_lock_takes_the_daily_backup,
        test_kill_9_of_the_daemon_during_its_daily_backup,
        test_a_manual_backup_does_not_count_as_the_daily_one,
    ], setup)
