"""
A separate PostgreSQL cluster for the external-database tests: its own
directory, its own TCP port on 127.0.0.1, password (SCRAM) authentication
for everyone, and a superuser "admin" whose password only the test knows.
Nothing in it is the embedded cluster a daemon starts under its data_dir.
"""

import os
import shutil
import subprocess
import tempfile

from harness import PG_BIN, free_port


def _as_postgres(argv, **kw):
    return subprocess.run(["runuser", "-u", "postgres", "--"] + argv, capture_output=True,
                          text=True, **kw)


class Cluster:
    def __init__(self, admin_password="admin-pw-for-tests"):
        self.dir = tempfile.mkdtemp(prefix="sekisho-extpg-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "run")
        os.mkdir(self.sock)
        shutil.chown(self.sock, "postgres", "postgres")
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self.admin_password = admin_password
        self.log = os.path.join(self.dir, "postgresql.log")

    @property
    def admin_url(self):
        return "postgresql://admin:%s@127.0.0.1:%d/postgres" % (self.admin_password, self.port)

    def start(self):
        pwfile = os.path.join(self.dir, "pw")
        with open(pwfile, "w") as f:
            f.write(self.admin_password + "\n")
        shutil.chown(pwfile, "postgres", "postgres")
        r = _as_postgres([PG_BIN + "/initdb", "-D", self.data, "-U", "admin",
                          "--pwfile=" + pwfile, "--auth=scram-sha-256", "-E", "UTF8",
                          "--locale=C", "--no-instructions"])
        os.unlink(pwfile)
        if r.returncode != 0:
            raise RuntimeError("initdb: " + r.stderr.strip()[-300:])
        with open(os.path.join(self.data, "postgresql.auto.conf"), "a") as f:
            f.write("listen_addresses = '127.0.0.1'\nport = %d\n"
                    "unix_socket_directories = '%s'\nmax_connections = 300\n"
                    "shared_buffers = '32MB'\n" % (self.port, self.sock))
        r = _as_postgres([PG_BIN + "/pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t",
                          "60", "start"])
        if r.returncode != 0:
            raise RuntimeError("pg_ctl start: " + r.stderr.strip()[-300:])
        return self

    def stop(self):
        if os.path.isdir(self.data):
            _as_postgres([PG_BIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql, user="admin", password=None, db="postgres", check_ok=True):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
               "PGPASSWORD": password or self.admin_password}
        r = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(self.port), "-U", user,
                            "-d", db, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True, timeout=60, env=env)
        if check_ok and r.returncode != 0:
            raise RuntimeError("psql: " + r.stderr.strip())
        return r
