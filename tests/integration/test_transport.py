#!/usr/bin/env python3
"""Transport: HTTPS (certificate, invite/accept/login, Secure cookies, HSTS,
TLS 1.2/1.3 only, no plain HTTP on the TLS port); TLS configuration errors at
start; outgoing mail over SMTP (delivered with an encoded subject and the
invitation URL; invitation still created when the relay is down; plain SMTP
refused to a relay that is not on loopback); and password rehashing when the
Argon2 parameters change between restarts."""

import email
import email.header
import email.policy
import http.client
import json
import os
import re
import socket
import socketserver
import ssl
import struct
import subprocess
import threading
import time
import urllib.parse
import warnings

from harness import Client, Daemon, Response, TestFailure, check, eq, main

PW = "transport layer passphrase"
SMTP_FROM = "idp@example.test"


# --------------------------------------------------------------------------
# HTTPS client and daemon


class TlsClient(Client):
    """The harness Client over TLS (same cookie jar, no redirects)."""

    def __init__(self, port, context, **kw):
        super().__init__(port, **kw)
        self.context = context
        self.last_tls_version = None

    def request(self, method, path, body=None, headers=None, form=None, json=None,
                cookies=True, timeout=30):
        hdrs = {}
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if json is not None:
            body = _json_dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        if cookies and self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if headers:
            hdrs.update(headers)
        conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                           context=self.context)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            self.last_tls_version = conn.sock.version()
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for v in resp.header_all("Set-Cookie"):
            self._store_cookie(v)
        return resp


def _json_dumps(v):
    return json.dumps(v)


def make_cert(directory):
    cert = os.path.join(directory, "tls.crt")
    key = os.path.join(directory, "tls.key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2",
                        "-keyout", key, "-out", cert], capture_output=True, text=True,
                       timeout=60)
    eq(r.returncode, 0, "openssl req (%s)" % r.stderr.strip()[-300:])
    return cert, key


class TlsDaemon(Daemon):
    """A Daemon serving HTTPS with a fresh self-signed certificate."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.cert, self.key = make_cert(self.dir)
        self.public_url = "https://127.0.0.1:%d" % self.port
        self.env.update({"SEKISHO_PUBLIC_URL": self.public_url,
                         "SEKISHO_TLS_CERT": self.cert, "SEKISHO_TLS_KEY": self.key})

    def context(self, minimum=None, maximum=None):
        ctx = ssl.create_default_context(cafile=self.cert)
        if minimum:
            ctx.minimum_version = minimum
        if maximum:
            ctx.maximum_version = maximum
        return ctx

    def client(self, **kw):
        return TlsClient(self.port, self.context(), **kw)

    def start(self, timeout=90):
        # As Daemon.start, but the health check has to speak TLS.
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
                if self.client().get("/healthz", timeout=5).status == 200:
                    return self
            except (OSError, ssl.SSLError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise TestFailure("daemon not healthy over HTTPS after %ds: %s" %
                          (timeout, self.log_tail()))


def cookie_attrs(header):
    """'n=v; Path=/; HttpOnly; Secure' -> (name, {attr-lower: value})."""
    parts = [p.strip() for p in header.split(";")]
    name = parts[0].split("=", 1)[0]
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip()
    return name, attrs


def set_cookie(resp, name):
    for v in resp.header_all("Set-Cookie"):
        if cookie_attrs(v)[0] == name:
            return v
    return None


def check_secure_cookie(header, what, samesite):
    check(header, "%s: no Set-Cookie" % what)
    _, attrs = cookie_attrs(header)
    check("secure" in attrs, "%s lacks Secure: %r" % (what, header))
    check("httponly" in attrs, "%s lacks HttpOnly: %r" % (what, header))
    eq(attrs.get("samesite", "").lower(), samesite.lower(), "%s SameSite (%r)" % (what, header))


# A hand-made ClientHello: proves what the server offers without depending on
# which protocol versions the local OpenSSL is still willing to speak.
def client_hello(version):
    ciphers = [0xc02f, 0xc030, 0xc02b, 0xc02c, 0x009c, 0x009d, 0xc013, 0xc014, 0xc009, 0xc00a,
               0x002f, 0x0035, 0x000a, 0x0033, 0x0039]
    cs = b"".join(struct.pack(">H", c) for c in ciphers)
    groups = struct.pack(">HHH", 23, 24, 29)
    sigalgs = struct.pack(">HHHHHHHH", 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804,
                          0x0805, 0x0201)
    ext = struct.pack(">HHH", 10, len(groups) + 2, len(groups)) + groups
    ext += struct.pack(">HHBB", 11, 2, 1, 0)
    ext += struct.pack(">HHH", 13, len(sigalgs) + 2, len(sigalgs)) + sigalgs
    ext += struct.pack(">HHB", 0xff01, 1, 0)
    body = (struct.pack(">H", version) + os.urandom(32) + b"\x00" +
            struct.pack(">H", len(cs)) + cs + b"\x01\x00" + struct.pack(">H", len(ext)) + ext)
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16" + struct.pack(">HH", 0x0301, len(hs)) + hs


def probe_version(port, version):
    """Send a ClientHello offering at most `version`; return the version of the
    ServerHello, or a string saying how the server refused."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(client_hello(version))
        data = b""
        while len(data) < 11:
            chunk = s.recv(4096)
            if not chunk:
                return "closed" if not data else "closed after %r" % data[:16]
            data += chunk
            if data[0] == 0x15 and len(data) >= 7:
                return "alert %d/%d" % (data[5], data[6])
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "timeout"
    finally:
        s.close()
    if data[0] == 0x16 and data[5] == 0x02:  # handshake, ServerHello
        return struct.unpack(">H", data[9:11])[0]
    return "unexpected %r" % data[:16]


# --------------------------------------------------------------------------
# A recording SMTP server (just enough of RFC 5321 for libcurl)


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self):
        srv = self.server
        session = {"commands": [], "peer": self.client_address}
        srv.sessions.append(session)
        self.wfile.write(b"220 recorder.test ESMTP\r\n")
        mailfrom, rcpts = None, []
        while True:
            line = self.rfile.readline(2048)
            if not line:
                return
            cmd = line.rstrip(b"\r\n")
            verb = cmd.split(b" ", 1)[0].split(b":", 1)[0].upper()
            session["commands"].append(verb.decode("ascii", "replace"))
            if verb == b"EHLO":
                self.wfile.write(b"250-recorder.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
            elif verb == b"HELO":
                self.wfile.write(b"250 recorder.test\r\n")
            elif verb == b"MAIL":
                m = re.search(rb"<([^>]*)>", cmd)
                mailfrom, rcpts = (m.group(1).decode() if m else ""), []
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"RCPT":
                m = re.search(rb"<([^>]*)>", cmd)
                rcpts.append(m.group(1).decode() if m else "")
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                lines = []
                while True:
                    ln = self.rfile.readline(100000)
                    if not ln or ln == b".\r\n":
                        break
                    lines.append(ln[1:] if ln.startswith(b"..") else ln)
                srv.messages.append({"from": mailfrom, "rcpts": list(rcpts),
                                     "data": b"".join(lines)})
                self.wfile.write(b"250 queued\r\n")
            elif verb in (b"RSET", b"NOOP"):
                self.wfile.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # STARTTLS included: this relay has no TLS
                self.wfile.write(b"502 not implemented\r\n")


class SmtpRecorder(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host="127.0.0.1"):
        super().__init__((host, 0), _SmtpHandler)
        self.port = self.server_address[1]
        self.messages = []
        self.sessions = []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join(5)

    def wait(self, n, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline and len(self.messages) < n:
            time.sleep(0.05)
        return len(self.messages) >= n


# --------------------------------------------------------------------------
# Setup


def setup(s):
    # HTTPS daemon.
    t = s.tls = new_daemon(s, "transport-tls", TlsDaemon)
    t.create_tenant("tls", "TLS Tenant")
    t.start()
    # SMTP daemon, talking to a recorder on loopback.
    s.smtp = SmtpRecorder("127.0.0.1")
    m = s.mail = s.daemon(env={"SEKISHO_SMTP_URL": "smtp://127.0.0.1:%d" % s.smtp.port,
                               "SEKISHO_SMTP_FROM": SMTP_FROM})
    m.create_tenant("mail", "メール Tenant")
    m.start()
    s.mail_token = m.token("mail", "transport")


def new_daemon(s, name, cls=Daemon, **kw):
    """A daemon of our own name, stopped and checked by the runner."""
    d = cls(name=name, **kw)
    s.daemons.append(d)
    return d


def api_invite(s, email_addr):
    return s.mail.client().post("/t/mail/api/v1/invitations",
                                headers={"Authorization": "Bearer " + s.mail_token},
                                json={"email": email_addr, "role": "user"})


def serve_once(d, env, timeout=30):
    """`sekisho serve` expected to fail at start: (returncode, stderr)."""
    e = dict(d.env)
    for k, v in env.items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    p = subprocess.Popen([d.bin, "serve"], env=e, cwd=d.dir, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        d.cleanup()
        raise TestFailure("sekisho serve still running after %ds; it should have refused to "
                          "start (stderr: %s)" % (timeout, err.strip()[-300:]))
    log = d._logfile("serve-fail")
    with open(log, "w") as f:
        f.write(out + err)
    return p.returncode, out + err


def error_lines(text):
    return [ln for ln in text.splitlines() if ln.strip() and "level=" not in ln]


# --------------------------------------------------------------------------
# (1) HTTPS


def test_https_healthz_with_a_verified_certificate(s):
    c = s.tls.client()
    r = c.get("/healthz")
    eq(r.status, 200, "GET /healthz over HTTPS")
    check(c.last_tls_version in ("TLSv1.2", "TLSv1.3"), "negotiated %r" % c.last_tls_version)
    # A client that does not trust the certificate is refused by its own check:
    # the daemon really serves the configured certificate, not some default.
    other = TlsClient(s.tls.port, ssl.create_default_context())
    try:
        other.get("/healthz")
        raise TestFailure("a client without our CA accepted the server certificate")
    except ssl.SSLCertVerificationError:
        pass
    check("(https)" in s.tls.log_text(), "log says listening with https: %s" %
          s.tls.log_tail(5))


def test_https_invite_accept_login_with_secure_cookies(s):
    d = s.tls
    url = d.invite("tls", "alice@tls.example")
    check(url.startswith("https://127.0.0.1:%d/t/tls/invite/" % d.port),
          "invitation URL uses the https public_url: %r" % url)
    c = d.client()
    page = c.get(d.path_of(url))
    eq(page.status, 200, "invitation page over HTTPS")
    check_secure_cookie(set_cookie(page, "sekisho_csrf"), "csrf cookie", "Lax")
    r = c.post(d.path_of(url), form={"csrf": page.csrf(), "name": "Alice TLS",
                                     "password": PW, "password2": PW})
    eq(r.status, 303, "accept over HTTPS (%s)" % r.text[:200])
    check_secure_cookie(set_cookie(r, "sekisho_s_tls"), "session cookie after accept", "None")
    eq(c.get("/t/tls/").status, 200, "home with the session from accepting")
    c2 = d.client()
    r = d.login(c2, "tls", "alice@tls.example", PW)
    eq(r.status, 303, "login over HTTPS (%s)" % r.text[:200])
    eq(r.location, "/t/tls/", "login redirects home")
    check_secure_cookie(set_cookie(r, "sekisho_s_tls"), "session cookie after login", "None")
    home = c2.get("/t/tls/")
    eq(home.status, 200, "home after login")
    check("Alice TLS" in home.text, "home shows the user")
    # Logging out clears the cookie with the same attributes.
    r = c2.post("/t/tls/logout", form={"csrf": home.csrf()})
    eq(r.status, 303, "logout")
    cleared = set_cookie(r, "sekisho_s_tls")
    check(cleared and "max-age=0" in cleared.lower(), "logout clears the cookie: %r" % cleared)
    check_secure_cookie(cleared, "cleared session cookie", "None")


def test_hsts_on_every_https_answer(s):
    c = s.tls.client()
    for path, want in (("/healthz", 200), ("/t/tls/login", 200), ("/t/tls/", 303),
                       ("/no/such/page", 404)):
        r = c.get(path)
        eq(r.status, want, "GET %s status" % path)
        h = r.header("Strict-Transport-Security")
        check(h, "no Strict-Transport-Security on %s" % path)
        m = re.search(r"max-age=(\d+)", h)
        check(m and int(m.group(1)) >= 86400 * 180, "HSTS max-age on %s: %r" % (path, h))


def test_tls_1_2_and_1_3_accepted(s):
    d = s.tls
    for v, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
        c = TlsClient(d.port, d.context(minimum=v, maximum=v))
        eq(c.get("/healthz").status, 200, "healthz pinned to %s" % name)
        eq(c.last_tls_version, name, "negotiated version")
    # Positive control for the hand-made ClientHello used below.
    eq(probe_version(d.port, 0x0303), 0x0303, "raw TLS 1.2 ClientHello answered with ServerHello")


def test_tls_1_1_and_older_refused(s):
    d = s.tls
    port = d.port
    # What the server offers, independent of the local OpenSSL.
    for version, name in ((0x0302, "TLS 1.1"), (0x0301, "TLS 1.0"), (0x0300, "SSL 3.0")):
        got = probe_version(port, version)
        check(not isinstance(got, int) or got > version,
              "server answered a %s ClientHello with ServerHello version 0x%04x" %
              (name, got if isinstance(got, int) else 0))
        check(not isinstance(got, int), "server answered a %s-only ClientHello with a "
              "ServerHello (0x%04x) instead of refusing" % (name, got if isinstance(got, int)
                                                            else 0))
    # And with a real TLS stack, as the brief asks.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(d.cert)
    try:
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ssl.SSLError, ValueError) as e:
        print("  (note: local OpenSSL cannot configure TLS 1.1: %s; relying on the raw "
              "ClientHello probe and openssl s_client)" % e, flush=True)
        ctx = None
    local_refused = False
    if ctx is not None:
        try:
            TlsClient(port, ctx).get("/healthz")
            raise TestFailure("an HTTPS request with TLS at most 1.1 succeeded")
        except ssl.SSLError as e:
            if "NO_PROTOCOLS_AVAILABLE" in str(e) or "no protocols available" in str(e):
                local_refused = True
                print("  (note: local OpenSSL refuses to offer TLS 1.1 (%s); the raw "
                      "ClientHello probe above is the proof)" % e.reason, flush=True)
        except (ConnectionError, http.client.HTTPException):
            pass  # the server hung up on the TLS 1.1 handshake
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_1",
                        "-cipher", "DEFAULT@SECLEVEL=0"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30)
    check(r.returncode != 0, "openssl s_client -tls1_1 connected: %s" % r.stdout[-300:])
    if local_refused and "no protocols available" in (r.stdout + r.stderr):
        print("  (note: openssl s_client -tls1_1 also refused locally)", flush=True)


def test_plain_http_on_the_https_port_serves_nothing(s):
    sock = socket.create_connection(("127.0.0.1", s.tls.port), timeout=10)
    data = b""
    try:
        sock.sendall(b"GET /t/tls/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        while len(data) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    finally:
        sock.close()
    check(not re.match(rb"HTTP/1\.[01] [23]\d\d", data),
          "plain HTTP on the HTTPS port got an answer: %r" % data[:120])
    check(b"<html" not in data.lower() and b"csrf" not in data,
          "plain HTTP on the HTTPS port got page content: %r" % data[:120])
    # The daemon keeps serving HTTPS afterwards.
    eq(s.tls.client().get("/healthz").status, 200, "healthz over HTTPS afterwards")


# --------------------------------------------------------------------------
# (2) TLS configuration errors at start


def test_tls_cert_without_key_is_a_one_line_error(s):
    d = s.cfg = new_daemon(s, "transport-cfg")
    cert, key = make_cert(d.dir)
    for env, missing in (({"SEKISHO_TLS_CERT": cert}, "tls_key"),
                         ({"SEKISHO_TLS_KEY": key}, "tls_cert")):
        rc, err = serve_once(d, env)
        check(rc > 0, "exit status %d with only %s set" % (rc, list(env)[0]))
        lines = error_lines(err)
        eq(len(lines), 1, "stderr lines without %s (%r)" % (missing, err[-400:]))
        check(missing in lines[0], "error %r does not name %s" % (lines[0], missing))
    check(not os.path.isdir(d.pgdata), "a configuration error must stop before the cluster")


def test_unreadable_certificate_is_a_clear_error(s):
    d = s.cfg
    cert, key = os.path.join(d.dir, "tls.crt"), os.path.join(d.dir, "tls.key")
    missing = os.path.join(d.dir, "no-such-cert.pem")
    for what, env, named in (
            ("missing cert", {"SEKISHO_TLS_CERT": missing, "SEKISHO_TLS_KEY": key}, missing),
            ("missing key", {"SEKISHO_TLS_CERT": cert,
                             "SEKISHO_TLS_KEY": os.path.join(d.dir, "nokey.pem")},
             os.path.join(d.dir, "nokey.pem")),
            ("cert is a directory", {"SEKISHO_TLS_CERT": d.dir, "SEKISHO_TLS_KEY": key},
             d.dir)):
        rc, out = serve_once(d, env)
        check(rc > 0, "%s: exit status %d (a negative status is a crash): %s" %
              (what, rc, out.strip()[-300:]))
        check(named in out and "tls_cert" in out,
              "%s: output does not name tls_cert and %s: %r" % (what, named, out[-400:]))
        check("cannot read" in out, "%s: error does not say the file cannot be read: %r" %
              (what, out[-300:]))
        check(not d.cluster_running(), "%s: embedded cluster left running" % what)
        try:
            Client(d.port).get("/healthz", timeout=2)
            raise TestFailure("%s: something answers on the port" % what)
        except OSError:
            pass


def test_malformed_certificate_is_a_clear_error(s):
    d = s.cfg
    bad = os.path.join(d.dir, "garbage.pem")
    with open(bad, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n")
    rc, out = serve_once(d, {"SEKISHO_TLS_CERT": bad,
                             "SEKISHO_TLS_KEY": os.path.join(d.dir, "tls.key")})
    check(rc > 0, "exit status %d (a negative status is a crash): %s" % (rc, out.strip()[-300:]))
    check(not d.cluster_running(), "embedded cluster left running")
    # What an operator running at log_level=warn sees: errors and stderr.
    errors = [ln for ln in out.splitlines() if "level=error" in ln or "level=warn" in ln or
              (ln.strip() and "level=" not in ln)]
    check(any(re.search(r"tls|certificate", ln, re.I) for ln in errors),
          "no error or warning names the certificate; they say: %r" % errors)
    check(not any(re.search(r": Success\b", ln) for ln in errors),
          "error ends in strerror(0) \"Success\": %r" % errors)


# --------------------------------------------------------------------------
# (3) SMTP


def test_invitation_mail_delivered_by_smtp(s):
    d, rec = s.mail, s.smtp
    before = len(rec.messages)
    r = api_invite(s, "Invitee@Mail.Example")
    eq(r.status, 201, "POST /invitations (%s)" % r.text[:200])
    url = r.json()["url"]
    check(url.startswith(d.public_url + "/t/mail/invite/"), "URL under public_url: %r" % url)
    check(rec.wait(before + 1), "no message reached the SMTP server (log: %s)" % d.log_tail(5))
    msg = rec.messages[before]
    eq(msg["from"], SMTP_FROM, "envelope sender")
    eq(msg["rcpts"], ["invitee@mail.example"], "envelope recipients")
    raw = msg["data"]
    head = raw.split(b"\r\n\r\n", 1)[0]
    check(all(b < 0x80 for b in head), "message header has raw 8-bit bytes: %r" % head[:300])
    m = email.message_from_bytes(raw, policy=email.policy.default)
    eq(str(m["To"]), "invitee@mail.example", "To")
    eq(str(m["From"]), SMTP_FROM, "From")
    raw_subject = re.search(rb"^Subject: (.*)$", head, re.M | re.I).group(1).strip()
    check(raw_subject.upper().startswith(b"=?UTF-8?"), "Subject not RFC 2047 UTF-8 encoded: %r"
          % raw_subject)
    subject = str(email.header.make_header(email.header.decode_header(raw_subject.decode())))
    eq(subject, "招待 / Invitation: メール Tenant", "decoded Subject")
    check(m["Date"] and m["Message-ID"], "Date and Message-ID present")
    eq((m.get_content_type(), m.get_content_charset()), ("text/plain", "utf-8"), "Content-Type")
    body = m.get_content()
    check(url in body, "body does not contain the invitation URL %r: %r" % (url, body[:400]))
    check("招待" in body, "body is UTF-8 Japanese text: %r" % body[:200])
    eq(d.outbox(), [], "outbox with smtp_url set")
    check("mail delivered by smtp to invitee@mail.example" in d.log_text(),
          "log reports the delivery: %s" % d.log_tail(5))
    # The mailed URL works.
    c = d.client()
    eq(d.accept(c, url, "Invitee", PW).status, 303, "accepting the mailed invitation")


def console_invite(s, addr):
    """Invite addr from the console of tenant "mail" as its administrator."""
    d = s.mail
    if not getattr(s, "mail_admin", None):
        s.mail_admin = d.enroll("mail", "boss@mail.example", PW, role="admin", name="Boss")
    c = s.mail_admin
    r = c.get("/t/mail/admin/users")
    eq(r.status, 200, "users tab")
    return c, c.post("/t/mail/admin/invite", form={"csrf": r.csrf(), "email": addr,
                                                   "role": "user"})


def test_console_invite_with_smtp_says_sent(s):
    rec = s.smtp
    before = len(rec.messages)
    c, r = console_invite(s, "mailed@mail.example")
    eq(r.status, 303, "console invite with SMTP (%s)" % r.text[:200])
    check("done=invited" in (r.location or ""), "Location %r" % r.location)
    check(rec.wait(before + 1), "no message reached the SMTP server")
    page = c.get(r.location)
    check("An invitation has been sent to mailed@mail.example." in page.text,
          "notice: %s" % page.text[-800:])
    check('id="invite-url"' not in page.text, "the link is shown although the mail went out")


def test_smtp_down_invitation_still_created_and_logged(s):
    d, rec = s.mail, s.smtp
    rec.stop()
    # Nothing listens on the relay's port now.
    try:
        socket.create_connection(("127.0.0.1", rec.port), timeout=2).close()
        raise TestFailure("something still listens on the stopped relay's port")
    except OSError:
        pass
    t0 = time.time()
    r = api_invite(s, "offline@mail.example")
    eq(r.status, 201, "POST /invitations with the relay down (%s)" % r.text[:200])
    url = r.json()["url"]
    check(url.startswith(d.public_url + "/t/mail/invite/"), "URL returned: %r" % url)
    check(time.time() - t0 < 20, "answer took %.1fs" % (time.time() - t0))
    log = d.log_text()
    check(re.search(r"invitation for offline@mail\.example in mail created but the e-mail "
                    r"was not sent", log), "operator log lacks the not-sent warning: %s" %
          d.log_tail(5))
    check(re.search(r"smtp delivery to offline@mail\.example failed", log),
          "operator log lacks the SMTP failure: %s" % d.log_tail(5))
    eq(d.outbox(), [], "outbox with smtp_url set and the relay down")
    eq(d.client().get(d.path_of(url)).status, 200, "the invitation exists")
    eq(d.psql("SELECT status FROM users WHERE email = 'offline@mail.example'", superuser=True),
       ["invited"], "user row")


def test_console_invite_with_smtp_down_shows_the_link(s):
    # The relay was stopped by the test before: the mail cannot go out, so
    # the console shows the link instead of claiming it was sent.
    c, r = console_invite(s, "unsent@mail.example")
    eq(r.status, 200, "console invite with the relay down (%s)" % r.text[:200])
    check("has been sent" not in r.text, "the page claims the mail went out")
    check("The mail could not be sent" in r.text, "the page does not say the mail failed")
    m = re.search(r'id="invite-url" readonly spellcheck="false" value="([^"]+)"', r.text)
    check(m, "no #invite-url field")
    url = m.group(1)
    check(url.startswith(s.mail.public_url + "/t/mail/invite/"), "link %r" % url)
    eq(s.mail.client().get(s.mail.path_of(url)).status, 200, "the shown link works")


def test_plain_smtp_to_a_relay_off_loopback_is_refused(s):
    addr = None
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.connect(("192.0.2.1", 9))  # no packet is sent; picks the outgoing address
        addr = u.getsockname()[0]
        u.close()
    except OSError:
        pass
    if not addr or addr.startswith("127."):
        print("  (skipped: this host has no non-loopback IPv4 address)", flush=True)
        return
    rec = SmtpRecorder(addr)
    d = new_daemon(s, "transport-smtp-remote",
                   env={"SEKISHO_SMTP_URL": "smtp://%s:%d" % (addr, rec.port),
                        "SEKISHO_SMTP_FROM": SMTP_FROM})
    try:
        d.create_tenant("far")
        d.start()
        token = d.token("far")
        r = d.client().post("/t/far/api/v1/invitations",
                            headers={"Authorization": "Bearer " + token},
                            json={"email": "far@far.example"})
        eq(r.status, 201, "POST /invitations (%s)" % r.text[:200])
        time.sleep(0.3)
        eq(rec.messages, [], "message sent in clear text to %s" % addr)
        check(rec.sessions, "daemon never contacted the relay at %s (log: %s)" %
              (addr, d.log_tail(3)))
        # This relay offers no STARTTLS: the client must give up before MAIL.
        cmds = [c for sess in rec.sessions for c in sess["commands"]]
        check(not {"MAIL", "RCPT", "DATA"} & set(cmds),
              "daemon went on without TLS: %r" % cmds)
        check("created but the e-mail was not sent" in d.log_text(),
              "log lacks the not-sent warning: %s" % d.log_tail(5))
    finally:
        rec.stop()  # the runner stops the daemon


# --------------------------------------------------------------------------
# (4) Rehash on changed Argon2 parameters


def stored_hash(d, addr):
    return d.psql("SELECT password_hash FROM users WHERE email = '%s'" % addr,
                  superuser=True)[0]


def last_login_detail(d, addr):
    rows = d.psql("SELECT a.detail FROM audit_events a JOIN tenants t ON t.id = a.tenant_id "
                  "WHERE t.slug = 'rh' AND a.action = 'login.success' AND a.target = '%s' "
                  "ORDER BY a.seq DESC LIMIT 1" % addr, superuser=True)
    check(rows, "no login.success audit event for %s" % addr)
    return json.loads(rows[0])


def test_login_rehashes_after_argon2_parameters_change(s):
    d = new_daemon(s, "transport-rehash",
                   env={"SEKISHO_ARGON2_MEMORY_KIB": "8192", "SEKISHO_ARGON2_ITERATIONS": "1"})
    addr = "rehash@rh.example"
    d.create_tenant("rh")
    d.start()
    d.enroll("rh", addr, PW)
    old = stored_hash(d, addr)
    check(old.startswith("$argon2id$v=19$m=8192,t=1,p=1$"), "initial hash %r" % old[:40])
    d.stop()
    d.env.update({"SEKISHO_ARGON2_MEMORY_KIB": "9216", "SEKISHO_ARGON2_ITERATIONS": "2"})
    d.start()
    c = d.client()
    r = d.login(c, "rh", addr, PW)
    eq(r.status, 303, "login with the old hash after the restart (%s)" % r.text[:200])
    eq(c.get("/t/rh/").status, 200, "home after login")
    new = stored_hash(d, addr)
    check(new.startswith("$argon2id$v=19$m=9216,t=2,p=1$"), "hash after login %r" % new[:40])
    check(new != old, "hash unchanged")
    det = last_login_detail(d, addr)
    eq(det.get("rehashed"), True, "login.success detail %r" % det)
    # The new hash verifies: second login, no further rehash.
    r = d.login(d.client(), "rh", addr, PW)
    eq(r.status, 303, "second login with the new hash")
    eq(stored_hash(d, addr), new, "hash after the second login")
    det = last_login_detail(d, addr)
    check("rehashed" not in det, "second login.success detail %r" % det)
    eq(d.login(d.client(), "rh", addr, PW + "x").status, 401, "wrong password after rehash")
    r = d.cli("audit", "verify", "rh")
    eq(r.returncode, 0, "audit chain intact (%s)" % r.stderr.strip()[-200:])


if __name__ == "__main__":
    main("transport", [
        test_https_healthz_with_a_verified_certificate,
        test_https_invite_accept_login_with_secure_cookies,
        test_hsts_on_every_https_answer,
        test_tls_1_2_and_1_3_accepted,
        test_tls_1_1_and_older_refused,
        test_plain_http_on_the_https_port_serves_nothing,
        test_tls_cert_without_key_is_a_one_line_error,
        test_unreadable_certificate_is_a_clear_error,
        test_malformed_certificate_is_a_clear_error,
        test_invitation_mail_delivered_by_smtp,
        test_console_invite_with_smtp_says_sent,
        test_smtp_down_invitation_still_created_and_logged,
        test_console_invite_with_smtp_down_shows_the_link,
        test_plain_smtp_to_a_relay_off_loopback_is_refused,
        test_login_rehashes_after_argon2_parameters_change,
    ], setup)
