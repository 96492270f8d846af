"""
A real SAML service provider for the integration tests: Debian's Apache 2
with mod_auth_mellon, unmodified, run as a child process with its own
ServerRoot, configuration, logs and pid file in a directory of the test's
(below the daemon's directory, so kept with its logs after a failure).

Apache runs in the foreground (-DFOREGROUND, prefork MPM) on a free port of
127.0.0.1 and loads only the modules it needs.  The SP's key, certificate and
metadata come from mellon_create_metadata; the IdP's metadata is Sekisho's
GET /t/{slug}/saml/metadata, fetched at start.  Layout of the site:

  /              a static page, not protected (where ReturnTo= may lead)
  /protected/    AuthType Mellon, Require valid-user: a CGI script that
                 prints REMOTE_USER and every MELLON_* variable as KEY=VALUE
                 lines (text/plain); mellon puts the attributes there
  /mellon/       mellon's endpoints: metadata, login, postResponse, logout

Attributes (MellonSetEnv): MELLON_email, MELLON_name, MELLON_role (basic
names as Sekisho sends them), MELLON_mail and MELLON_displayName (from the
urn:oid names of mail and displayName), MELLON_NAME_ID (mellon's own),
MELLON_IDP (the IdP's entity ID), MELLON_SAML_RESPONSE (the SAMLResponse
as posted, base64: MellonSamlResponseDump On) and MELLON_SESSION (Lasso's
session dump, which holds the decrypted assertion: MellonSessionDump On).
Multiple values are merged with ";".

mellon sets a cookie-test cookie before it sends the AuthnRequest and
answers 400 at postResponse when a Response with InResponseTo comes back
without it; an unsolicited Response (IdP-initiated) needs no cookie.
"""

import atexit
import grp
import os
import pwd
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import harness
from harness import TestFailure, check, eq

MODULES = "/usr/lib/apache2/modules"
APACHE = "/usr/sbin/apache2"

# name in the CGI environment (after MELLON_) -> SAML attribute name
ENV_MAP = [
    ("email", "email"),
    ("name", "name"),
    ("role", "role"),
    ("mail", "urn:oid:0.9.2342.19200300.100.1.3"),
    ("displayName", "urn:oid:2.16.840.1.113730.3.1.241"),
]

CGI = """#!/usr/bin/python3
# Who is logged in, as mod_auth_mellon tells the application.
import os
print("Content-Type: text/plain; charset=utf-8")
print("Cache-Control: no-store")
print()
print("REMOTE_USER=%s" % os.environ.get("REMOTE_USER", ""))
print("AUTH_TYPE=%s" % os.environ.get("AUTH_TYPE", ""))
for k in sorted(os.environ):
    if k.startswith("MELLON_"):
        print("%s=%s" % (k, os.environ[k].replace("\\n", "\\\\n")))
"""


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def parse_env(text):
    """The /protected/ page as a dict (KEY=VALUE lines)."""
    out = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep:
            out[k] = v.replace("\\n", "\n")
    return out


class Mellon:
    """Apache + mod_auth_mellon as an SP of tenant `slug` of the IdP at
    `idp_url` (Sekisho's public URL), with its files in parent/name.

    name distinguishes several SPs of one test (directory, and the cookie,
    mellon-<name>: every SP shares the host 127.0.0.1, and a browser's
    cookies do not tell ports apart).  The entity ID is
    http://127.0.0.1:PORT/mellon/metadata.
    """

    def __init__(self, parent, idp_url, slug, name="mellon", port=None,
                 default_login="/protected/"):
        self.idp_url = idp_url.rstrip("/")
        self.slug = slug
        self.name = name
        self.port = port or harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.entity_id = self.base + "/mellon/metadata"
        self.endpoint = self.base + "/mellon"
        self.acs = self.endpoint + "/postResponse"
        self.slo = self.endpoint + "/logout"
        self.default_login = default_login
        self.cookie = "mellon-%s" % name
        self.dir = os.path.join(parent, name)
        n = 1
        while os.path.exists(self.dir):
            n += 1
            self.dir = os.path.join(parent, "%s-%d" % (name, n))
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)
        self.proc = None
        self.log = None
        self.last_rc = self.last_left = None
        self._make_sp_files()

    # -- files

    def _owner(self):
        """(uid, gid) Apache's children run as: www-data (or nobody) when we
        are root, ourselves otherwise."""
        if os.geteuid() != 0:
            return None
        for user in ("www-data", "nobody"):
            try:
                pw = pwd.getpwnam(user)
            except KeyError:
                continue
            return pw.pw_uid, pw.pw_gid
        raise TestFailure("neither www-data nor nobody exists to run Apache's children")

    def _run_user(self):
        o = self._owner()
        if not o:
            return None
        return pwd.getpwuid(o[0]).pw_name, grp.getgrgid(o[1]).gr_name

    def _give(self, path, mode):
        """The children must read what mellon loads lazily (key, metadata)."""
        os.chmod(path, mode)
        o = self._owner()
        if o:
            os.chown(path, o[0], o[1])

    def _make_sp_files(self):
        sp = os.path.join(self.dir, "sp")
        os.makedirs(sp)
        os.chmod(sp, 0o755)
        r = subprocess.run(["mellon_create_metadata", self.entity_id, self.endpoint], cwd=sp,
                           capture_output=True, text=True, timeout=60)
        eq(r.returncode, 0, "mellon_create_metadata exit status (%s)" % r.stderr.strip())
        stem = "".join(c if c.isalnum() or c == "." else "_" for c in self.entity_id)
        while "__" in stem:
            stem = stem.replace("__", "_")
        self.key_file = os.path.join(sp, stem + ".key")
        self.cert_file = os.path.join(sp, stem + ".cert")
        self.md_file = os.path.join(sp, stem + ".xml")
        for p in (self.key_file, self.cert_file, self.md_file):
            check(os.path.isfile(p), "mellon_create_metadata did not write %s (%s)" %
                  (p, os.listdir(sp)))
        self._give(self.key_file, 0o600)
        self._give(self.cert_file, 0o644)
        self._give(self.md_file, 0o644)
        self.idp_md_file = os.path.join(sp, "idp-metadata.xml")

    def metadata(self):
        """The SP's metadata (bytes), as mellon_create_metadata wrote it."""
        with open(self.md_file, "rb") as f:
            return f.read()

    def idp_metadata_url(self):
        return "%s/t/%s/saml/metadata" % (self.idp_url, self.slug)

    def fetch_idp_metadata(self):
        """GET /t/{slug}/saml/metadata from Sekisho (no proxy)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(self.idp_metadata_url(), timeout=30) as r:
                eq(r.status, 200, "GET %s status" % self.idp_metadata_url())
                return r.read()
        except urllib.error.HTTPError as e:
            raise TestFailure("GET %s: %d %s" % (self.idp_metadata_url(), e.code,
                                                 e.read()[:200])) from None
        except OSError as e:
            raise TestFailure("GET %s: %s" % (self.idp_metadata_url(), e)) from None

    def _write_conf(self):
        d = self.dir
        for sub in ("htdocs", "htdocs/protected", "run", "logs"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
            os.chmod(os.path.join(d, sub), 0o755)
        o = self._owner()
        if o:
            # The mellon lock file and the CGI daemon's files live in run/.
            os.chown(os.path.join(d, "run"), o[0], o[1])
        with open(os.path.join(d, "htdocs", "index.html"), "w") as f:
            f.write("<!doctype html><title>public</title><p id=\"public\">Public page of %s\n"
                    % self.name)
        cgi = os.path.join(d, "htdocs", "protected", "index.cgi")
        with open(cgi, "w") as f:
            f.write(CGI)
        os.chmod(cgi, 0o755)
        user = self._run_user()
        setenv = "\n".join('    MellonSetEnv "%s" "%s"' % kv for kv in ENV_MAP)
        conf = """\
# Written by tests/integration/mellon.py for one test run.
ServerRoot "{d}"
ServerName 127.0.0.1:{port}
Listen 127.0.0.1:{port}
PidFile "{d}/run/apache2.pid"
DefaultRuntimeDir "{d}/run"
Mutex file:{d}/run default
ErrorLog "{d}/logs/error.log"
LogLevel info auth_mellon:debug
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog "{d}/logs/access.log" common
{user}
LoadModule mpm_prefork_module {m}/mod_mpm_prefork.so
LoadModule authn_core_module {m}/mod_authn_core.so
LoadModule authz_core_module {m}/mod_authz_core.so
LoadModule authz_user_module {m}/mod_authz_user.so
LoadModule mime_module {m}/mod_mime.so
LoadModule dir_module {m}/mod_dir.so
LoadModule cgi_module {m}/mod_cgi.so
LoadModule setenvif_module {m}/mod_setenvif.so
LoadModule auth_mellon_module {m}/mod_auth_mellon.so
StartServers 2
MinSpareServers 1
MaxSpareServers 4
MaxRequestWorkers 16
KeepAlive Off
TypesConfig /etc/mime.types
DocumentRoot "{d}/htdocs"
DirectoryIndex index.html index.cgi
MellonLockFile "{d}/run/mellon.lock"
MellonCacheSize 100
# Plain HTTP: mellon marks its cookie-test cookie SameSite=None, which
# Chromium drops when it is not Secure.  Without SameSite the cookie is
# Lax, and the auto-POST from Sekisho (127.0.0.1, another port: same site)
# still carries it.
SetEnvIf Request_URI "^" MELLON_DISABLE_SAMESITE=1

<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{d}/htdocs">
    Options -Indexes
    Require all granted
</Directory>
<Directory "{d}/htdocs/protected">
    Options +ExecCGI
    AddHandler cgi-script .cgi
</Directory>

# Mellon's configuration for the whole site: its endpoints under /mellon/.
<Location />
    MellonEndpointPath "/mellon"
    MellonVariable "{name}"
    MellonSecureCookie Off
    MellonSPPrivateKeyFile "{key}"
    MellonSPCertFile "{cert}"
    MellonSPMetadataFile "{md}"
    MellonIdPMetadataFile "{idp}"
    MellonDefaultLoginPath "{default_login}"
    MellonIdP "IDP"
    MellonSamlResponseDump On
    MellonSessionDump On
    MellonMergeEnvVars On
{setenv}
</Location>

<Location /protected>
    AuthType Mellon
    MellonEnable auth
    Require valid-user
</Location>
""".format(d=d, port=self.port, m=MODULES, name=self.name, key=self.key_file,
           cert=self.cert_file, md=self.md_file, idp=self.idp_md_file,
           default_login=self.default_login, setenv=setenv,
           user=("User %s\nGroup %s" % user) if user else "")
        self.conf = os.path.join(d, "apache2.conf")
        with open(self.conf, "w") as f:
            f.write(conf)

    # -- life cycle

    def start(self, idp_metadata=None):
        """Fetch the IdP's metadata (unless given), write the configuration,
        check it (apache2 -t) and start Apache; returns once it serves."""
        check(self.proc is None, "%s already running" % self.name)
        md = idp_metadata if idp_metadata is not None else self.fetch_idp_metadata()
        with open(self.idp_md_file, "wb") as f:
            f.write(md)
        self._give(self.idp_md_file, 0o644)
        self._write_conf()
        argv = [APACHE, "-d", self.dir, "-f", self.conf]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", "LC_ALL": "C"}
        r = subprocess.run(argv + ["-t"], capture_output=True, text=True, env=env, timeout=60)
        eq(r.returncode, 0, "apache2 -t for %s (%s)" % (self.name,
                                                         (r.stderr + r.stdout).strip()[-800:]))
        self.log = open(os.path.join(self.dir, "logs", "stderr.log"), "wb")
        self.proc = subprocess.Popen(argv + ["-DFOREGROUND"], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, cwd=self.dir,
                                     start_new_session=True)
        atexit.register(self.stop)
        # Ready once it listens and has said "resuming normal operations"
        # (AH00163: signal handlers set, children forked); a SIGTERM before
        # that kills Apache instead of stopping it.
        deadline = time.time() + 30
        while True:
            check(self.proc.poll() is None, "apache2 (%s) exited with %s: %s" %
                  (self.name, self.proc.returncode, self.error_log()[-1500:]))
            if "AH00163" in _read(os.path.join(self.dir, "logs", "error.log")):
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    break
                except OSError:
                    pass
            if time.time() > deadline:
                self.stop()
                raise TestFailure("apache2 (%s) not ready on port %d: %s" %
                                  (self.name, self.port, self.error_log()[-1500:]))
            time.sleep(0.05)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=15):
        """SIGTERM to the parent (it stops its children); SIGKILL to the whole
        process group if it does not exit in time.  Returns the exit status."""
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        rc = p.poll()
        if rc is None:
            p.send_signal(signal.SIGTERM)
            try:
                rc = p.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                rc = p.wait()
        # Children that outlive the parent would keep the port: none may.
        deadline = time.time() + 5
        while self.children_left(p.pid) and time.time() < deadline:
            time.sleep(0.05)
        left = self.children_left(p.pid)
        if left:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.log:
            self.log.close()
            self.log = None
        self.last_rc, self.last_left = rc, left
        return rc

    @staticmethod
    def children_left(pgid):
        """Processes still in Apache's process group (its session)."""
        out = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # fields: state ppid pgrp session ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(pid))
        return out

    # -- what tests read

    def url(self, path="/"):
        return self.base + path

    def error_log(self):
        return (_read(os.path.join(self.dir, "logs", "error.log")) +
                _read(os.path.join(self.dir, "logs", "stderr.log")))

    def access_log(self):
        return _read(os.path.join(self.dir, "logs", "access.log"))


def main(argv):
    """Run one SP until stdin closes or SIGTERM (for tests/browser): prints
    one JSON line {port, base, entity_id, acs, metadata} once Apache
    listens, and {"stopped": exit status} at the end."""
    import argparse
    import json
    import sys
    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--idp", required=True, help="Sekisho's public URL")
    ap.add_argument("--slug", required=True)
    ap.add_argument("--dir", required=True, help="parent directory for the SP's files")
    ap.add_argument("--name", default="mellon")
    a = ap.parse_args(argv)
    m = Mellon(a.dir, a.idp, a.slug, name=a.name)

    class Stop(Exception):
        pass

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    try:
        m.start()
        print(json.dumps({"port": m.port, "base": m.base, "entity_id": m.entity_id,
                          "acs": m.acs, "dir": m.dir,
                          "metadata": m.metadata().decode()}), flush=True)
        try:
            sys.stdin.read()
        except (Stop, KeyboardInterrupt, OSError):
            pass
    except TestFailure as e:
        print(json.dumps({"error": str(e)}), flush=True)
        m.stop()
        return 1
    rc = m.stop()
    print(json.dumps({"stopped": rc, "left": m.last_left}), flush=True)
    return 0 if rc == 0 and not m.last_left else 1


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
