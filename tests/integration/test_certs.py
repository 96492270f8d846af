#!/usr/bin/env python3
"""
X.509 client certificates (issue 10, section 3, and the certificate items of
"Bad input"): a PKI made with the openssl CLI (CA1 with a CRL, CA2, client
certificates valid / expired / not yet valid / revoked / serverAuth only /
self-signed / from CA2); the tenant's CAs and CRLs through the admin API
(fingerprints equal to openssl's, duplicates, garbage, a key, a non-CA
certificate, deletion, tenant isolation); mfa.client_cert "required" over
direct TLS with `curl --cert` and behind a real nginx terminating TLS
(X-SSL-Client-Cert from a trusted proxy), the header from an untrusted peer
ignored and audited, garbage and oversized headers, a CRL past its
nextUpdate (fail closed); and "factor": a bound certificate (by PEM, by
fingerprint, or "use this browser's certificate" on the home page) is the
second factor, recorded in the session's amr and the login's audit record,
and nobody else's certificate counts.
"""

import atexit
import hashlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import Client, check, eq, free_port  # noqa: E402
from policy_util import (Api, PW, audit_count, audit_details, q, sql_super,  # noqa: E402
                         tenant_where)
from test_transport import TlsClient, TlsDaemon, make_cert  # noqa: E402

PEM_TYPE = {"Content-Type": "application/x-pem-file"}
CERT_HEADER = "X-SSL-Client-Cert"

# Tenants on the TLS daemon
UP = "cup"    # upload API
UQ = "cuq"    # another tenant (isolation of the upload API)
REQ = "creq"  # client_cert required (CA1 + CRL)
OFF = "coff"  # client_cert off, no CAs
STALE = "cst"  # required; CA2, later with a CRL past its nextUpdate
FAC = "cfac"  # factor + mfa.require all
HOME = "chom"  # factor; the home page's "use this browser's certificate"
# Tenants on the plain daemon behind nginx: REQ and OFF again.


# --------------------------------------------------------------------------
# A PKI made with the openssl CLI

OPENSSL_CNF = """\
[req]
distinguished_name = req_dn
prompt = no
[req_dn]
CN = unused

[ca]
default_ca = ca_default
[ca_default]
dir = {dir}
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/newcerts
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 7
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied

[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[selfsigned]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
"""


def openssl(*args, input=None):
    r = subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=60,
                       input=input)
    eq(r.returncode, 0, "openssl %s (%s)" % (" ".join(args[:3]), r.stderr.strip()[-300:]))
    return r.stdout


def read(path):
    with open(path) as f:
        return f.read()


def der_of_pem(pem):
    """The DER bytes of the first PEM block of pem."""
    import base64
    m = re.search(r"-----BEGIN [A-Z0-9 ]+-----(.*?)-----END", pem, re.S)
    check(m, "no PEM block")
    return base64.b64decode("".join(m.group(1).split()))


def sha256_pem(pem):
    return hashlib.sha256(der_of_pem(pem)).hexdigest()


class Ca:
    def __init__(self, root, name, cn):
        self.dir = os.path.join(root, name)
        self.name = name
        os.makedirs(os.path.join(self.dir, "newcerts"))
        with open(os.path.join(self.dir, "index.txt"), "w"):
            pass
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(self.dir, "crlnumber"), "w") as f:
            f.write("01\n")
        self.cnf = os.path.join(self.dir, "openssl.cnf")
        with open(self.cnf, "w") as f:
            f.write(OPENSSL_CNF.format(dir=self.dir))
        self.key = os.path.join(self.dir, "ca.key")
        self.crt = os.path.join(self.dir, "ca.crt")
        openssl("req", "-config", self.cnf, "-x509", "-new", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.key,
                "-subj", "/O=Sekisho Tests/CN=%s" % cn, "-days", "30",
                "-extensions", "v3_ca", "-out", self.crt)
        self.pem = read(self.crt)

    def issue(self, name, cn, ext="client", start=None, end=None):
        key = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        crt = os.path.join(self.dir, name + ".crt")
        openssl("req", "-config", self.cnf, "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj",
                "/CN=%s" % cn, "-out", csr)
        args = ["ca", "-batch", "-config", self.cnf, "-extensions", ext, "-notext",
                "-in", csr, "-out", crt]
        if start:
            args += ["-startdate", start]
        if end:
            args += ["-enddate", end]
        openssl(*args)
        return Cert(name, cn, crt, key)

    def revoke(self, cert):
        openssl("ca", "-config", self.cnf, "-revoke", cert.crt, "-crl_reason", "keyCompromise")

    def crl(self, name="crl", last=None, nxt=None):
        path = os.path.join(self.dir, name + ".pem")
        args = ["ca", "-config", self.cnf, "-gencrl", "-out", path]
        if last:
            args += ["-crl_lastupdate", last]
        if nxt:
            args += ["-crl_nextupdate", nxt]
        openssl(*args)
        return read(path)


class Cert:
    def __init__(self, name, cn, crt, key):
        self.name, self.cn, self.crt, self.key = name, cn, crt, key
        self.pem = read(crt)
        self.sha256 = sha256_pem(self.pem)

    def header(self):
        """The certificate as nginx's $ssl_client_escaped_cert sends it."""
        return urllib.parse.quote(self.pem, safe="")


def self_signed(root, name, cn):
    key = os.path.join(root, name + ".key")
    crt = os.path.join(root, name + ".crt")
    openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", key, "-subj", "/CN=%s" % cn, "-days", "30",
            "-addext", "basicConstraints=CA:FALSE", "-addext", "extendedKeyUsage=clientAuth",
            "-addext", "keyUsage=critical,digitalSignature", "-out", crt)
    return Cert(name, cn, crt, key)


def openssl_fingerprint(path):
    out = openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256")
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def make_pki(s):
    root = os.path.join(s.tls.dir, "pki")
    os.makedirs(root)
    ca1 = Ca(root, "ca1", "Sekisho Test CA1")
    ca2 = Ca(root, "ca2", "Sekisho Test CA2")
    c = {}
    c["valid"] = ca1.issue("valid", "ctls valid")
    c["valid2"] = ca1.issue("valid2", "ctls valid two")
    c["valid3"] = ca1.issue("valid3", "ctls valid three")
    c["expired"] = ca1.issue("expired", "ctls expired", start="20200101000000Z",
                             end="20200201000000Z")
    c["notyet"] = ca1.issue("notyet", "ctls not yet", start="20990101000000Z",
                            end="20991231000000Z")
    c["revoked"] = ca1.issue("revoked", "ctls revoked")
    c["server"] = ca1.issue("server", "ctls server only", ext="server")
    c["self"] = self_signed(root, "self", "ctls self-signed")
    c["ca2"] = ca2.issue("other", "ctls from ca2")
    ca1.revoke(c["revoked"])
    s.crl1 = ca1.crl()
    s.stale_crl2 = ca2.crl("stale", last="20200101000000Z", nxt="20200108000000Z")
    s.ca1, s.ca2, s.certs = ca1, ca2, c
    # A non-CA certificate and a private key, for refused uploads.
    s.key_pem = read(c["valid"].key)


# --------------------------------------------------------------------------
# Clients


def curl(url, cacert, cert=None, headers=None, source=None):
    """(status, body) of GET url with curl, presenting cert when given."""
    argv = ["curl", "-sS", "--max-time", "20", "--cacert", cacert, "-o", "-",
            "-w", "\n%{http_code}", url]
    if source:
        argv += ["--interface", source]
    if cert:
        argv += ["--cert", cert.crt, "--key", cert.key]
    for k, v in (headers or {}).items():
        argv += ["-H", "%s: %s" % (k, v)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    eq(r.returncode, 0, "curl %s (%s)" % (url, r.stderr.strip()[-200:]))
    body, _, code = r.stdout.rpartition("\n")
    return int(code), body


def tls_client(s, cert=None):
    """A harness client over TLS to the TLS daemon, presenting cert."""
    ctx = s.tls.context()
    if cert:
        ctx.load_cert_chain(cert.crt, cert.key)
    return TlsClient(s.tls.port, ctx)


def flow_cookie(slug):
    return "sekisho_f_%s" % slug


def session_cookie(slug):
    return "sekisho_s_%s" % slug


def pw_login(s, c, slug, email):
    page = c.get("/t/%s/login" % slug)
    eq(page.status, 200, "login page of %s (%s)" % (slug, page.text[:200]))
    return c.post("/t/%s/login" % slug,
                  form={"csrf": page.csrf(), "email": email, "password": PW})


def signed_in(s, c, r, slug, what):
    eq(r.status, 303, "%s: status (%s)" % (what, r.text[:200]))
    eq(r.location, "/t/%s/" % slug, "%s: Location (straight home)" % what)
    check(session_cookie(slug) in c.cookies, "%s: no session cookie" % what)
    check(flow_cookie(slug) not in c.cookies, "%s: a login flow is still pending" % what)
    eq(c.get("/t/%s/" % slug).status, 200, "%s: home page" % what)


def needs_second_factor(s, c, r, slug, what):
    eq(r.status, 303, "%s: status (%s)" % (what, r.text[:200]))
    eq(r.location, "/t/%s/mfa/totp" % slug, "%s: Location (enrolment of a second factor)"
       % what)
    check(session_cookie(slug) not in c.cookies, "%s: a session cookie was set" % what)
    check(flow_cookie(slug) in c.cookies, "%s: no pending login flow" % what)


def last_amr(s, slug, email):
    rows = sql_super(s.tls, "SELECT s.amr FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.email = %s AND u.%s ORDER BY s.id DESC LIMIT 1" %
                     (q(email), tenant_where(slug)))
    check(rows, "no session row for %s" % email)
    return rows[0]


def denied_reasons(d, slug):
    """{sha256: reason} of the access.denied_cert records of slug."""
    return {x.get("sha256", ""): x.get("reason", "") for x in
            audit_details(d, slug, "access.denied_cert")}


def new_user(s, slug, local):
    s.state["n"] = s.state.get("n", 0) + 1
    email = "%s-%d@%s.example" % (local, s.state["n"], slug)
    c = s.tls.enroll(slug, email, PW, name=local)
    check(session_cookie(slug) in c.cookies, "no session after accepting %s" % email)
    return email


# The expected reason (OpenSSL's verification error) of each refused certificate.
REFUSED = {
    "expired": r"expired",
    "notyet": r"not yet valid",
    "revoked": r"revoked",
    "server": r"purpose",
    "self": r"self.signed",
    "ca2": r"issuer",
}


# --------------------------------------------------------------------------
# Set-up


class Nginx:
    def __init__(self, backend_port, parent):
        # Inside the daemon's directory: kept with its logs after a failure.
        self.dir = os.path.join(parent, "nginx")
        os.makedirs(self.dir)
        self.port = free_port()
        self.cert, self.key = make_cert(self.dir)
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""\
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_verify_client optional_no_ca;
    location / {{
      proxy_pass http://127.0.0.1:{backend};
      proxy_set_header Host $host:$server_port;
      proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto https;
    }}
  }}
}}
""".format(d=self.dir, port=self.port, cert=self.cert, key=self.key, backend=backend_port))
        self.log = open(os.path.join(self.dir, "stderr.log"), "wb")
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-p", self.dir, "-c", conf,
                                      "-e", os.path.join(self.dir, "error.log")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        atexit.register(self.stop)
        deadline = time.time() + 15
        while time.time() < deadline:
            check(self.proc.poll() is None, "nginx exited: %s" % self.errors())
            try:
                import socket
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise harness.TestFailure("nginx does not listen: %s" % self.errors())

    def errors(self):
        try:
            return read(os.path.join(self.dir, "error.log"))[-500:]
        except OSError:
            return ""

    def url(self, path):
        return "https://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def setup(s):
    import threading
    s.tls = TlsDaemon(name="certs")
    s.daemons.append(s.tls)
    # The daemon behind nginx: 127.0.0.1 is its trusted proxy.
    s.plain = s.daemon(env={"SEKISHO_TRUSTED_PROXIES": "127.0.0.1/32"})
    errs = []

    def start(d):
        try:
            d.start()
        except Exception as e:  # noqa: BLE001
            errs.append(e)
    ts = [threading.Thread(target=start, args=(d,)) for d in (s.tls, s.plain)]
    for t in ts:
        t.start()
    make_pki(s)
    for t in ts:
        t.join()
    if errs:
        raise errs[0]
    for slug in (UP, UQ, REQ, OFF, STALE, FAC, HOME):
        s.tls.create_tenant(slug)
    for slug in (REQ, OFF):
        s.plain.create_tenant(slug)
    s.api = {slug: Api(s.tls, slug) for slug in (UP, UQ, REQ, OFF, STALE, FAC, HOME)}
    s.papi = {slug: Api(s.plain, slug) for slug in (REQ, OFF)}
    bundle = s.ca1.pem + s.crl1
    for api in (s.api[REQ], s.api[FAC], s.api[HOME], s.papi[REQ]):
        r = api.post("/client-cas", body=bundle, headers=PEM_TYPE)
        eq(r.status, 201, "upload of CA1 + CRL to %s (%s)" % (api.slug, r.text[:200]))
    r = s.api[STALE].post("/client-cas", body=s.ca2.pem, headers=PEM_TYPE)
    eq(r.status, 201, "upload of CA2 to %s (%s)" % (STALE, r.text[:200]))
    for api in (s.api[REQ], s.api[STALE], s.papi[REQ]):
        api.set_policy({"mfa": {"client_cert": "required"}})
    s.api[HOME].set_policy({"mfa": {"client_cert": "factor", "require": "off"}})
    # Users of the factor tenant are created before MFA is required.
    s.fac_users = [new_user(s, FAC, x) for x in ("alice", "bob", "carol")]
    s.api[FAC].set_policy({"mfa": {"client_cert": "factor", "require": "all"}})


# --------------------------------------------------------------------------
# The tenant's CAs and CRLs through the admin API


def cas(api):
    r = api.get("/client-cas")
    eq(r.status, 200, "GET /client-cas of %s (%s)" % (api.slug, r.text[:200]))
    return r.json()


def test_upload_lists_kind_subject_expiry_and_openssl_fingerprint(s):
    api = s.api[UP]
    eq(cas(api), [], "CAs of a new tenant")
    r = api.post("/client-cas", body=s.ca1.pem + s.crl1, headers=PEM_TYPE)
    eq(r.status, 201, "POST CA1 + CRL (%s)" % r.text[:200])
    eq(r.json(), {"added": 2}, "POST CA1 + CRL answer")
    rows = cas(api)
    eq(sorted(x["kind"] for x in rows), ["cert", "crl"], "kinds listed")
    cert = [x for x in rows if x["kind"] == "cert"][0]
    crl = [x for x in rows if x["kind"] == "crl"][0]
    eq(cert["sha256"], openssl_fingerprint(s.ca1.crt), "CA certificate's sha256 vs openssl")
    crl_der = subprocess.run(["openssl", "crl", "-outform", "DER"], input=s.crl1.encode(),
                             capture_output=True, timeout=30).stdout
    eq(crl["sha256"], hashlib.sha256(crl_der).hexdigest(), "CRL's sha256 vs openssl's DER")
    check("CN=Sekisho Test CA1" in cert["subject"], "CA subject: %r" % cert["subject"])
    check("O=Sekisho Tests" in cert["subject"], "CA subject: %r" % cert["subject"])
    check("CN=Sekisho Test CA1" in crl["issuer"], "CRL issuer: %r" % crl["issuer"])
    # not_after: the CA's notAfter (30 days), the CRL's nextUpdate (7 days).
    want = openssl("x509", "-in", s.ca1.crt, "-noout", "-enddate").strip().split("=", 1)[1]
    want_t = time.mktime(time.strptime(want, "%b %d %H:%M:%S %Y GMT")) - time.timezone
    got_t = time.mktime(time.strptime(cert["not_after"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    eq(got_t, want_t, "CA not_after (%r vs openssl %r)" % (cert["not_after"], want))
    crl_days = (time.mktime(time.strptime(crl["not_after"], "%Y-%m-%dT%H:%M:%SZ")) -
                time.timezone - time.time()) / 86400
    check(6.9 < crl_days < 7.1, "CRL not_after %r is not its nextUpdate (7 days)"
          % crl["not_after"])
    eq(audit_count(s.tls, UP, "client_ca.added"), 2, "client_ca.added audit records")


def test_upload_duplicate_is_409_and_stores_nothing(s):
    api = s.api[UP]
    before = cas(api)
    for body, what in ((s.ca1.pem, "CA1 again"), (s.crl1, "the CRL again"),
                       (s.ca2.pem + s.ca1.pem, "CA2 + CA1 (one duplicate)")):
        r = api.post("/client-cas", body=body, headers=PEM_TYPE)
        eq(r.status, 409, "%s: status (%s)" % (what, r.text[:200]))
        eq(cas(api), before, "%s: the list afterwards" % what)


def test_upload_bad_bundles_are_400_with_a_reason(s):
    api = s.api[UP]
    before = cas(api)
    n_audit = audit_count(s.tls, UP, "client_ca.added")
    half = s.ca2.pem.splitlines()
    cases = [
        ("garbage", "this is not PEM at all\n"),
        ("empty", ""),
        ("a PRIVATE KEY block", s.key_pem),
        ("a non-CA certificate", s.certs["valid"].pem),
        ("CA2 + a non-CA certificate", s.ca2.pem + s.certs["valid"].pem),
        ("CA2 + a key", s.ca2.pem + s.key_pem),
        ("bad base64", "-----BEGIN CERTIFICATE-----\n!!!!****\n-----END CERTIFICATE-----\n"),
        ("truncated", "\n".join(half[:len(half) // 2]) + "\n"),
        ("no end line", s.ca2.pem.replace("-----END CERTIFICATE-----", "")),
        ("a NUL byte", s.ca2.pem[:40] + "\0" + s.ca2.pem[40:]),
        ("CRL blob labelled as a certificate",
         s.crl1.replace("X509 CRL", "CERTIFICATE")),
    ]
    for what, body in cases:
        r = api.post("/client-cas", body=body, headers=PEM_TYPE)
        eq(r.status, 400, "%s: status (%s)" % (what, r.text[:200]))
        j = r.json()
        eq(j.get("error"), "invalid", "%s: error" % what)
        check(isinstance(j.get("reason"), str) and len(j["reason"]) > 3,
              "%s: no reason in %r" % (what, j))
        if what == "a non-CA certificate":
            check("CA" in j["reason"], "non-CA certificate: reason %r" % j["reason"])
        eq(cas(api), before, "%s: the list afterwards" % what)
    eq(audit_count(s.tls, UP, "client_ca.added"), n_audit, "client_ca.added after refusals")
    # An oversized body
    r = api.post("/client-cas", body=s.ca2.pem * 200, headers=PEM_TYPE)
    check(r.status in (400, 413), "oversized bundle: status %d (%s)" % (r.status, r.text[:200]))
    eq(cas(api), before, "oversized bundle: the list afterwards")


def test_other_tenant_cannot_see_or_delete_and_delete_works(s):
    api, other = s.api[UP], s.api[UQ]
    rows = cas(api)
    check(len(rows) == 2, "expected CA1 + CRL in %s, got %r" % (UP, rows))
    eq(cas(other), [], "the other tenant's list")
    for x in rows:
        r = other.delete("/client-cas/%d" % x["id"])
        eq(r.status, 404, "DELETE of %s's id from %s (%s)" % (UP, UQ, r.text[:200]))
    eq(cas(api), rows, "list after the other tenant's DELETEs")
    # The other tenant may upload the same CA (uniqueness is per tenant).
    r = other.post("/client-cas", body=s.ca1.pem, headers=PEM_TYPE)
    eq(r.status, 201, "the same CA in another tenant (%s)" % r.text[:200])
    eq(len(cas(other)), 1, "the other tenant's list after its upload")
    eq(cas(api), rows, "list after the other tenant's upload")
    for bad in ("999999", "0", "-1", "abc", "1e3"):
        r = api.delete("/client-cas/%s" % bad)
        eq(r.status, 404, "DELETE /client-cas/%s (%s)" % (bad, r.text[:200]))
    crl = [x for x in rows if x["kind"] == "crl"][0]
    r = api.delete("/client-cas/%d" % crl["id"])
    eq(r.status, 200, "DELETE of the CRL (%s)" % r.text[:200])
    eq([x["kind"] for x in cas(api)], ["cert"], "list after deleting the CRL")
    r = api.delete("/client-cas/%d" % crl["id"])
    eq(r.status, 404, "DELETE of the CRL again")
    eq(audit_count(s.tls, UP, "client_ca.removed"), 1, "client_ca.removed audit records")
    # Without a token, or with the other tenant's token: refused.
    r = s.tls.client().get("/t/%s/api/v1/client-cas" % UP)
    eq(r.status, 401, "GET /client-cas without a token")
    r = s.tls.client().get("/t/%s/api/v1/client-cas" % UP,
                           headers={"Authorization": "Bearer " + other.token})
    eq(r.status, 401, "GET /client-cas with another tenant's token")


# --------------------------------------------------------------------------
# Direct TLS


def test_direct_tls_required_valid_and_invalid_certificates(s):
    d, cacert = s.tls, s.tls.cert
    url = "https://127.0.0.1:%d/t/%s/login" % (d.port, REQ)
    st, body = curl(url, cacert, s.certs["valid"])
    eq(st, 200, "valid certificate: login page status (%s)" % body[:200])
    check('name="password"' in body, "valid certificate: no login form")
    n0 = audit_count(d, REQ, "access.denied_cert")
    st, body = curl(url, cacert)
    eq(st, 403, "no certificate: status (%s)" % body[:200])
    check('name="password"' not in body, "no certificate: the login form was served")
    for name in REFUSED:
        st, body = curl(url, cacert, s.certs[name])
        eq(st, 403, "%s certificate: status (%s)" % (name, body[:200]))
        check('name="password"' not in body, "%s certificate: login form served" % name)
    eq(audit_count(d, REQ, "access.denied_cert"), n0 + 1 + len(REFUSED),
       "access.denied_cert records")
    reasons = denied_reasons(d, REQ)
    for name, pat in REFUSED.items():
        fp = s.certs[name].sha256
        check(fp in reasons, "%s: no access.denied_cert with its sha256" % name)
        check(re.search(pat, reasons[fp], re.I), "%s: reason %r does not match %r" %
              (name, reasons[fp], pat))
    # The valid one again after the refusals; other pages too.
    for path in ("/t/%s/login" % REQ, "/t/%s/" % REQ):
        st, _ = curl("https://127.0.0.1:%d%s" % (d.port, path), cacert, s.certs["valid"])
        check(st in (200, 303), "valid certificate on %s: status %d" % (path, st))


def test_direct_tls_names_no_client_ca(s):
    """The TLS listener asks for a client certificate without naming any CA:
    browsers filter what they offer by the names, and which CAs count is
    each tenant's business."""
    for v in ("-tls1_2", "-tls1_3"):
        r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % s.tls.port, v],
                           input="", capture_output=True, text=True, timeout=30)
        out = r.stdout + r.stderr
        check("No client certificate CA names sent" in out,
              "%s: the handshake names client CAs: %s" %
              (v, [l for l in out.splitlines() if "CA names" in l or "CN" in l][:4]))


def test_direct_tls_api_and_other_tenant(s):
    d = s.tls
    api = s.api[REQ]
    r = api.get("/users")
    eq(r.status, 403, "API of the required tenant without a certificate (%s)" % r.text[:200])
    eq(r.json().get("error"), "client_certificate_required", "API error")
    r = api.get("/users", client=tls_client(s, s.certs["valid"]))
    eq(r.status, 200, "API with the valid certificate (%s)" % r.text[:200])
    r = api.get("/users", client=tls_client(s, s.certs["revoked"]))
    eq(r.status, 403, "API with the revoked certificate")
    # Another tenant with client_cert off: no certificate needed, and any
    # certificate at all (even a bad one) changes nothing.
    url = "https://127.0.0.1:%d/t/%s/login" % (d.port, OFF)
    for cert in (None, s.certs["expired"], s.certs["self"]):
        st, body = curl(url, d.cert, cert)
        eq(st, 200, "tenant with client_cert off, %s: status (%s)" %
           (cert.name if cert else "no certificate", body[:200]))
    eq(audit_count(d, OFF, "access.denied_cert"), 0, "access.denied_cert in the off tenant")


def test_crl_past_next_update_fails_closed(s):
    d, api = s.tls, s.api[STALE]
    url = "https://127.0.0.1:%d/t/%s/login" % (d.port, STALE)
    st, body = curl(url, d.cert, s.certs["ca2"])
    eq(st, 200, "CA2's certificate under CA2 without a CRL (%s)" % body[:200])
    r = api.post("/client-cas", body=s.stale_crl2, headers=PEM_TYPE,
                 client=tls_client(s, s.certs["ca2"]))
    eq(r.status, 201, "upload of CA2's stale CRL (%s)" % r.text[:200])
    st, body = curl(url, d.cert, s.certs["ca2"])
    eq(st, 403, "CA2's certificate with a CRL past its nextUpdate (%s)" % body[:200])
    reason = denied_reasons(d, STALE).get(s.certs["ca2"].sha256, "")
    check(re.search(r"CRL", reason), "stale CRL: reason %r" % reason)
    # CA1's certificates mean nothing here (another tenant's CA).
    st, _ = curl(url, d.cert, s.certs["valid"])
    eq(st, 403, "CA1's certificate in a tenant that trusts only CA2")


def test_console_warns_before_a_crl_runs_out(s):
    """The console's certificates tab flags a CRL whose next update is
    within 7 days ("soon") and one past it ("past"), before and after it
    starts refusing every certificate of its CA."""
    d, api = s.tls, s.api[OFF]
    for pem in (s.ca1.pem + s.crl1, s.ca2.pem + s.stale_crl2):
        r = api.post("/client-cas", body=pem, headers=PEM_TYPE)
        eq(r.status, 201, "upload to %s (%s)" % (OFF, r.text[:200]))
    admin = d.enroll(OFF, "ca-admin@%s.example" % OFF, PW, role="admin", name="CA admin")
    page = admin.get("/t/%s/admin/client-cas" % OFF)
    eq(page.status, 200, "certificates tab")
    rows = {int(i): body for i, body in
            re.findall(r'<tr data-ca="(\d+)">(.*?)</tr>', page.text, re.S)}
    listed = {c["id"]: c for c in cas(api)}
    eq(set(rows), set(listed), "rows of the certificates tab")
    for i, c in listed.items():
        badge = re.search(r'<span class="badge (\w+)">([^<]*)</span>', rows[i])
        if c["kind"] == "cert":
            check(not badge, "a CA certificate valid for years is flagged: %r" % rows[i][:200])
        elif c["sha256"] == sha256_pem(s.stale_crl2):
            check(badge and badge.group(2) == "past", "stale CRL badge %r" % (badge and badge.groups(),))
        else:
            check(badge and badge.group(2) == "soon", "7-day CRL badge %r" % (badge and badge.groups(),))


def test_header_from_an_untrusted_peer_is_ignored(s):
    # The TLS daemon has no trusted_proxies: the header means nothing, with
    # or without a TLS certificate.
    d = s.tls
    url = "https://127.0.0.1:%d/t/%s/login" % (d.port, REQ)
    n0 = audit_count(d, REQ, "access.cert_header_ignored")
    st, _ = curl(url, d.cert, headers={CERT_HEADER: s.certs["valid"].header()})
    eq(st, 403, "valid certificate in the header, no TLS certificate")
    eq(audit_count(d, REQ, "access.cert_header_ignored"), n0 + 1,
       "access.cert_header_ignored records")
    # A bad TLS certificate is not rescued by a good header.
    st, _ = curl(url, d.cert, s.certs["revoked"],
                 headers={CERT_HEADER: s.certs["valid"].header()})
    eq(st, 403, "revoked TLS certificate plus a valid header")
    # In a tenant that does not use certificates: served, still audited.
    n1 = audit_count(d, OFF, "access.cert_header_ignored")
    st, _ = curl("https://127.0.0.1:%d/t/%s/login" % (d.port, OFF), d.cert,
                 headers={CERT_HEADER: s.certs["valid"].header()})
    eq(st, 200, "header in the off tenant")
    eq(audit_count(d, OFF, "access.cert_header_ignored"), n1 + 1,
       "access.cert_header_ignored in the off tenant")
    # The plain daemon trusts 127.0.0.1 only: 127.0.0.2 is not a proxy.
    p = s.plain
    n2 = audit_count(p, REQ, "access.cert_header_ignored")
    r = Client(p.port, source="127.0.0.2").get(
        "/t/%s/login" % REQ, headers={CERT_HEADER: s.certs["valid"].header()})
    eq(r.status, 403, "valid header from 127.0.0.2 (not in trusted_proxies)")
    eq(audit_count(p, REQ, "access.cert_header_ignored"), n2 + 1,
       "access.cert_header_ignored from 127.0.0.2")


# --------------------------------------------------------------------------
# Behind nginx


def nginx(s):
    if "nginx" not in s.state:
        s.state["nginx"] = Nginx(s.plain.port, s.plain.dir)
    return s.state["nginx"]


def test_behind_nginx_valid_and_invalid_certificates(s):
    n, p = nginx(s), s.plain
    url = n.url("/t/%s/login" % REQ)
    st, body = curl(url, n.cert, s.certs["valid"])
    eq(st, 200, "through nginx, valid certificate (%s)" % body[:300])
    check('name="password"' in body, "through nginx, valid certificate: no login form")
    n0 = audit_count(p, REQ, "access.denied_cert")
    ign0 = audit_count(p, REQ, "access.cert_header_ignored")
    st, body = curl(url, n.cert)
    eq(st, 403, "through nginx, no certificate (%s)" % body[:200])
    # nginx 1.22 with optional_no_ca lets through what OpenSSL calls merely
    # untrusted (unknown issuer, self-signed) but answers 400 itself for a
    # certificate out of its validity period; everything else is Sekisho's.
    by_nginx = ("expired", "notyet")
    for name in REFUSED:
        st, body = curl(url, n.cert, s.certs[name])
        if name in by_nginx:
            eq(st, 400, "through nginx, %s certificate (%s)" % (name, body[:200]))
            check("SSL certificate error" in body, "through nginx, %s: not nginx's 400: %s"
                  % (name, body[:200]))
            continue
        eq(st, 403, "through nginx, %s certificate (%s)" % (name, body[:200]))
        check('name="password"' not in body, "through nginx, %s: login form" % name)
    by_sekisho = 1 + len(REFUSED) - len(by_nginx)
    eq(audit_count(p, REQ, "access.denied_cert"), n0 + by_sekisho,
       "access.denied_cert records behind nginx")
    reasons = denied_reasons(p, REQ)
    for name in ("revoked", "server", "self", "ca2"):
        fp = s.certs[name].sha256
        check(re.search(REFUSED[name], reasons.get(fp, ""), re.I),
              "behind nginx, %s: reason %r" % (name, reasons.get(fp)))
    # The address in the audit record is the client's (X-Forwarded-For).
    st, _ = curl(url, n.cert, source="127.0.0.3")
    eq(st, 403, "through nginx from 127.0.0.3, no certificate")
    rows = p.audit(REQ, "access.denied_cert")
    eq(rows[-1]["ip"], "127.0.0.3", "source_ip of the denial (from X-Forwarded-For)")
    # The off tenant behind nginx: no certificate needed.
    st, _ = curl(n.url("/t/%s/login" % OFF), n.cert)
    eq(st, 200, "through nginx, off tenant without a certificate")
    eq(audit_count(p, REQ, "access.cert_header_ignored"), ign0,
       "header from nginx (a trusted proxy) recorded as ignored")


def test_trusted_proxy_header_checked_like_tls(s):
    # What a laxer proxy would forward: every certificate nginx refuses on
    # its own must still be refused by Sekisho.
    p = s.plain
    c = p.client()
    r = c.get("/t/%s/login" % REQ, headers={CERT_HEADER: s.certs["valid"].header()})
    eq(r.status, 200, "valid header from the trusted proxy (%s)" % r.text[:200])
    for name in REFUSED:
        r = c.get("/t/%s/login" % REQ, headers={CERT_HEADER: s.certs[name].header()})
        eq(r.status, 403, "%s header from the trusted proxy" % name)
    reasons = denied_reasons(p, REQ)
    for name, pat in REFUSED.items():
        got = reasons.get(s.certs[name].sha256, "")
        check(re.search(pat, got, re.I), "header %s: reason %r" % (name, got))


def test_garbage_and_oversized_headers_from_the_trusted_proxy(s):
    p = s.plain
    c = p.client()
    valid = s.certs["valid"].pem
    body = "".join(valid.splitlines()[1:-1])
    cases = [
        ("garbage", "garbage"),
        ("bad escapes", "%ZZ%4"),
        ("a lone percent", "%"),
        ("bad base64", urllib.parse.quote("-----BEGIN CERTIFICATE-----\n!!!!\n"
                                          "-----END CERTIFICATE-----\n", safe="")),
        ("truncated", urllib.parse.quote(valid[:len(valid) // 2], safe="")),
        ("NUL inside", urllib.parse.quote(valid[:60], safe="") + "%00" +
         urllib.parse.quote(valid[60:], safe="")),
        ("a private key", urllib.parse.quote(s.key_pem, safe="")),
        ("a CRL", urllib.parse.quote(s.crl1, safe="")),
        ("base64 without PEM lines", body),
        ("12 KB of escapes", "%41" * 4000),
        ("12 KB certificate-like", urllib.parse.quote(
            "-----BEGIN CERTIFICATE-----\n" + "QUFB" * 3000 + "\n-----END CERTIFICATE-----\n",
            safe="")),
    ]
    for what, value in cases:
        r = c.get("/t/%s/login" % REQ, headers={CERT_HEADER: value})
        eq(r.status, 403, "%s header: status (%s)" % (what, r.text[:200]))
        check(p.alive(), "daemon died after the %s header" % what)
    # Beyond the daemon's header limit: refused, not a server error.
    r = c.get("/t/%s/login" % REQ, headers={CERT_HEADER: "%41" * 8000})
    check(r.status in (403, 413, 431), "40 KB header: status %d" % r.status)
    check(p.alive(), "daemon died after an oversized header")
    eq(c.get("/healthz").status, 200, "healthz after the bad headers")
    r = c.get("/t/%s/login" % REQ, headers={CERT_HEADER: s.certs["valid"].header()})
    eq(r.status, 200, "valid header after the bad ones")


# --------------------------------------------------------------------------
# The certificate as the second factor


def bind_pem(s, slug, email, cert, want=201):
    r = s.api[slug].post("/users/%s/certificates" % email, body=cert.pem, headers=PEM_TYPE)
    eq(r.status, want, "bind %s to %s (%s)" % (cert.name, email, r.text[:200]))
    return r


def user_certs(s, slug, email):
    r = s.api[slug].get("/users/%s/certificates" % email)
    eq(r.status, 200, "GET certificates of %s (%s)" % (email, r.text[:200]))
    return r.json()


def test_factor_bound_certificate_skips_the_code_step(s):
    alice = s.fac_users[0]
    valid = s.certs["valid"]
    # Without a bound certificate: the second factor is still needed.
    c = tls_client(s, valid)
    needs_second_factor(s, c, pw_login(s, c, FAC, alice), FAC, "alice, unbound certificate")
    bind_pem(s, FAC, alice, valid)
    rows = user_certs(s, FAC, alice)
    eq([x["sha256"] for x in rows], [valid.sha256], "alice's certificates")
    check("CN=ctls valid" in rows[0]["subject"], "bound subject %r" % rows[0]["subject"])
    eq(audit_count(s.tls, FAC, "mfa.cert.bound", alice), 1, "mfa.cert.bound for alice")
    bind_pem(s, FAC, alice, valid, want=409)
    c = tls_client(s, valid)
    signed_in(s, c, pw_login(s, c, FAC, alice), FAC, "alice with her bound certificate")
    eq(last_amr(s, FAC, alice), "pwd x509", "session amr")
    det = audit_details(s.tls, FAC, "login.success", alice)[-1]
    eq(det.get("methods"), ["pwd", "x509"], "login.success methods")
    eq(det.get("cert_sha256"), valid.sha256, "login.success cert_sha256")
    check("CN=ctls valid" in (det.get("cert_subject") or ""),
          "login.success cert_subject %r" % det.get("cert_subject"))
    # Without the certificate: refused like a wrong password — never sent to
    # enrol another factor with the password alone.
    c = tls_client(s)
    r = pw_login(s, c, FAC, alice)
    eq(r.status, 401, "alice without her certificate (%s)" % r.text[:200])
    check("The e-mail address or password is incorrect." in r.text, "the answer to alice")
    check(session_cookie(FAC) not in c.cookies and flow_cookie(FAC) not in c.cookies,
          "alice without her certificate: a session or pending login")
    reasons = [x.get("reason") for x in audit_details(s.tls, FAC, "login.failure", alice)]
    eq(reasons[-1], "certificate_missing", "login.failure reason")
    c = tls_client(s, valid)
    page = c.get("/t/%s/login" % FAC)
    r = c.post("/t/%s/login" % FAC, form={"csrf": page.csrf(), "email": alice,
                                          "password": PW + "x"})
    check(r.status in (200, 401), "wrong password with the bound certificate: %d" % r.status)
    check(session_cookie(FAC) not in c.cookies and flow_cookie(FAC) not in c.cookies,
          "wrong password with the bound certificate: a session or flow")
    # GET /users reports her bound certificate as her second factor.
    eq(s.api[FAC].user(alice)["mfa"], "cert", "GET /users mfa of alice")
    # An MFA reset (a lost device) unbinds her certificates too.
    r = s.api[FAC].post("/users/%s/reset-mfa" % alice)
    eq(r.status, 200, "reset-mfa of alice (%s)" % r.text[:200])
    eq(user_certs(s, FAC, alice), [], "alice's certificates after the reset")
    eq(s.api[FAC].user(alice)["mfa"], False, "GET /users mfa of alice after the reset")
    eq(audit_details(s.tls, FAC, "mfa.reset", alice)[-1].get("certificates"), 1,
       "mfa.reset detail")
    bind_pem(s, FAC, alice, valid)  # back as it was, for the tests that follow


def test_required_without_a_ca_is_refused(s):
    """"required" with no CA to vouch for any certificate would shut
    everyone out, administrators first: the policy refuses it."""
    s.tls.create_tenant("nocas")
    api = Api(s.tls, "nocas")
    r = api.put("/policy", json={"mfa": {"client_cert": "required"}})
    eq(r.status, 400, "required without a CA (%s)" % r.text[:200])
    eq(r.json().get("field"), "mfa.client_cert", "the field named")
    eq(api.policy()["mfa"]["client_cert"], "off", "client_cert after the refusal")
    eq(api.get("/client-cas").status, 200, "the tenant still answers")


def test_two_certificate_header_lines_count_as_none(s):
    """A proxy that appends instead of replacing would leave a client's own
    line first: two lines of X-SSL-Client-Cert are no certificate."""
    val = urllib.parse.quote(s.certs["valid"].pem, safe="")
    for lines, want in ((1, 200), (2, 403)):
        conn = http.client.HTTPConnection("127.0.0.1", s.plain.port, timeout=30)
        conn.putrequest("GET", "/t/%s/login" % REQ)
        for _ in range(lines):
            conn.putheader(CERT_HEADER, val)
        conn.endheaders()
        r = conn.getresponse()
        r.read()
        conn.close()
        eq(r.status, want, "%d certificate header line(s)" % lines)


def test_factor_someone_elses_or_an_unbound_certificate_is_not_a_factor(s):
    alice, bob, _ = s.fac_users
    valid = s.certs["valid"]
    if not user_certs(s, FAC, alice):
        bind_pem(s, FAC, alice, valid)
    # Alice's certificate at Bob's login.
    c = tls_client(s, valid)
    needs_second_factor(s, c, pw_login(s, c, FAC, bob), FAC, "bob with alice's certificate")
    # Nor can it be bound to Bob as well.
    bind_pem(s, FAC, bob, valid, want=409)
    eq(user_certs(s, FAC, bob), [], "bob's certificates")
    # A valid certificate bound to nobody.
    c = tls_client(s, s.certs["valid3"])
    needs_second_factor(s, c, pw_login(s, c, FAC, bob), FAC, "bob with an unbound certificate")
    # Invalid certificates cannot be bound.
    for name in ("revoked", "expired", "ca2", "self", "server"):
        r = s.api[FAC].post("/users/%s/certificates" % bob, body=s.certs[name].pem,
                            headers=PEM_TYPE)
        eq(r.status, 400, "binding the %s certificate (%s)" % (name, r.text[:200]))
    for bad in ({"sha256": "zz" * 32}, {"sha256": "ab" * 31}, {"sha256": ""},
                {"sha256": 5}, {"fingerprint": "ab" * 32}):
        r = s.api[FAC].post("/users/%s/certificates" % bob, json=bad)
        eq(r.status, 400, "binding %r (%s)" % (bad, r.text[:200]))
    r = s.api[FAC].post("/users/nobody@%s.example/certificates" % FAC,
                        json={"sha256": s.certs["valid2"].sha256})
    eq(r.status, 404, "binding to an unknown user")
    eq(user_certs(s, FAC, bob), [], "bob's certificates after refusals")
    # Another tenant's administrator cannot see Alice's certificates.
    r = s.api[HOME].get("/users/%s/certificates" % alice)
    eq(r.status, 404, "alice's certificates read from another tenant")


def test_factor_bound_by_fingerprint_then_removed(s):
    _, _, carol = s.fac_users
    v2 = s.certs["valid2"]
    r = s.api[FAC].post("/users/%s/certificates" % carol, json={"sha256": v2.sha256.upper()})
    eq(r.status, 201, "bind by sha256 (%s)" % r.text[:200])
    eq([x["sha256"] for x in user_certs(s, FAC, carol)], [v2.sha256], "carol's certificates")
    c = tls_client(s, v2)
    signed_in(s, c, pw_login(s, c, FAC, carol), FAC, "carol with a certificate bound by sha256")
    eq(last_amr(s, FAC, carol), "pwd x509", "carol's session amr")
    r = s.api[FAC].delete("/users/%s/certificates/%s" % (carol, v2.sha256))
    eq(r.status, 200, "DELETE carol's certificate (%s)" % r.text[:200])
    eq(user_certs(s, FAC, carol), [], "carol's certificates after DELETE")
    r = s.api[FAC].delete("/users/%s/certificates/%s" % (carol, v2.sha256))
    eq(r.status, 404, "DELETE carol's certificate again")
    c = tls_client(s, v2)
    needs_second_factor(s, c, pw_login(s, c, FAC, carol), FAC, "carol after the removal")


def test_home_page_binds_this_browsers_certificate(s):
    email = new_user(s, HOME, "dave")
    v3 = s.certs["valid3"]
    c = tls_client(s, v3)
    r = pw_login(s, c, HOME, email)
    eq(r.status, 303, "dave's password login (%s)" % r.text[:200])
    home = c.get("/t/%s/" % HOME)
    eq(home.status, 200, "home page")
    m = re.search(r'<section class="card" id="certs">(.*?)</section>', home.text, re.S)
    check(m, "no #certs card on the home page")
    card = m.group(1)
    check(re.search(r'<form method="post" action="/t/%s/mfa/cert">' % HOME, card),
          "no form posting to /mfa/cert in #certs")
    check('id="cert-bind"' in card, "no button#cert-bind")
    check("CN=ctls valid three" in card, "the card does not name the presented certificate")
    tok = re.search(r'name="csrf" value="([^"]*)"', card).group(1)
    # The same session without a certificate: no button, and the POST binds nothing.
    bare = tls_client(s)
    bare.cookies = dict(c.cookies)
    page = bare.get("/t/%s/" % HOME)
    eq(page.status, 200, "home page without a certificate")
    check('id="certs"' in page.text and 'id="cert-bind"' not in page.text,
          "home page without a certificate: #certs with no bind button expected")
    r = bare.post("/t/%s/mfa/cert" % HOME, form={"csrf": tok})
    eq(r.status, 400, "POST /mfa/cert without a certificate (%s)" % r.text[:200])
    revoked = tls_client(s, s.certs["revoked"])
    revoked.cookies = dict(c.cookies)
    r = revoked.post("/t/%s/mfa/cert" % HOME, form={"csrf": tok})
    eq(r.status, 400, "POST /mfa/cert with a revoked certificate")
    r = c.post("/t/%s/mfa/cert" % HOME, form={"csrf": "x" + tok[1:]})
    check(r.status in (400, 403), "POST /mfa/cert with a wrong CSRF token: %d" % r.status)
    eq(user_certs(s, HOME, email), [], "dave's certificates after refused binds")
    r = c.post("/t/%s/mfa/cert" % HOME, form={"csrf": tok})
    eq(r.status, 303, "POST /mfa/cert (%s)" % r.text[:200])
    eq(r.location, "/t/%s/?done=cert_bound" % HOME, "POST /mfa/cert: Location")
    eq([x["sha256"] for x in user_certs(s, HOME, email)], [v3.sha256], "dave's certificates")
    page = c.get("/t/%s/" % HOME)
    check('id="cert-bind"' not in page.text, "bind button still offered after binding")
    m = re.search(r'<ul id="bound-certs">(.*?)</ul>', page.text, re.S)
    check(m and "CN=ctls valid three" in m.group(1), "#bound-certs does not list it")
    eq(audit_count(s.tls, HOME, "mfa.cert.bound", email), 1, "mfa.cert.bound for dave")
    # A second POST: already bound.
    r = c.post("/t/%s/mfa/cert" % HOME, form={"csrf": tok})
    eq(r.status, 409, "binding the same certificate again")
    # Now MFA is required: the bound certificate is dave's second factor.
    s.api[HOME].set_policy({"mfa": {"require": "all"}})
    c = tls_client(s, v3)
    signed_in(s, c, pw_login(s, c, HOME, email), HOME, "dave with the certificate he bound")
    eq(last_amr(s, HOME, email), "pwd x509", "dave's session amr")
    # Without it, his password alone is refused (not sent to enrol TOTP).
    c = tls_client(s)
    eq(pw_login(s, c, HOME, email).status, 401, "dave without his certificate")
    check(flow_cookie(HOME) not in c.cookies, "dave without his certificate: a pending login")


def test_daemons_alive(s):
    for d in (s.tls, s.plain):
        check(d.alive(), "a daemon died: %s" % d.log_tail())
    if "nginx" in s.state:
        s.state["nginx"].stop()


if __name__ == "__main__":
    harness.main("certs", [
        test_upload_lists_kind_subject_expiry_and_openssl_fingerprint,
        test_upload_duplicate_is_409_and_stores_nothing,
        test_upload_bad_bundles_are_400_with_a_reason,
        test_other_tenant_cannot_see_or_delete_and_delete_works,
        test_direct_tls_required_valid_and_invalid_certificates,
        test_direct_tls_names_no_client_ca,
        test_direct_tls_api_and_other_tenant,
        test_crl_past_next_update_fails_closed,
        test_console_warns_before_a_crl_runs_out,
        test_header_from_an_untrusted_peer_is_ignored,
        test_behind_nginx_valid_and_invalid_certificates,
        test_trusted_proxy_header_checked_like_tls,
        test_garbage_and_oversized_headers_from_the_trusted_proxy,
        test_two_certificate_header_lines_count_as_none,
        test_required_without_a_ca_is_refused,
        test_factor_bound_certificate_skips_the_code_step,
        test_factor_someone_elses_or_an_unbound_certificate_is_not_a_factor,
        test_factor_bound_by_fingerprint_then_removed,
        test_home_page_binds_this_browsers_certificate,
        test_daemons_alive,
    ], setup)
