#!/usr/bin/env python3
"""
Master-key rotation (issue 13 item 7): `sekisho key rotate` re-seals every
TOTP seed, TOTP enrolment candidate and SAML private key under a new master
key in one transaction; afterwards users log in with real TOTP codes from
oathtool, SAML responses are signed with the tenant's key (verified by
xmlsec1 against the metadata certificate), the old key is kept 0600 beside
the new one, key.rotated is in the operator log and the log verifies.  A
rotation is refused while a daemon runs.  Crashes: the files as a crash
leaves them at each phase (before the commit; after it, before and between
the two renames), and the process killed with SIGKILL at many delays while it re-seals
a few hundred secrets -- after each, the daemon starts with a key that opens
every secret (`sekisho key verify`) and a TOTP login works.  A wrong,
missing, unreadable key file or a stray .new file: the daemon refuses to
start with a message saying which.
"""

import base64
import concurrent.futures
import fcntl
import hashlib
import hmac
import html
import os
import re
import signal
import stat
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import check, eq  # noqa: E402
from policy_util import Api  # noqa: E402
import saml_util  # noqa: E402
from saml_util import SP, post_form, b64xml  # noqa: E402

SLUG = "keys"
PW = "rotation passphrase 4 tests"
STEP = 30
BULK = 300          # users with TOTP for the crash loop
CANDIDATES = 20     # users with an enrolment candidate only
RESPONSE = "urn:oasis:names:tc:SAML:2.0:protocol:Response"


def setup(s):
    d = s.d = s.daemon(env={"SEKISHO_THREADS": "8"})
    d.start()
    d.create_tenant(SLUG)
    d.create_tenant("other")
    s.api = Api(d, SLUG)
    s.api.set_policy({"lockout": {"max_failures": 50, "unlock_after_seconds": 0},
                      "mfa": {"require": "off"}})
    s.sp = SP()
    r = s.api.post("/sps?name=Wiki", body=s.sp.metadata,
                   headers={"Content-Type": "application/samlmetadata+xml"})
    eq(r.status, 201, "register the SP (%s)" % r.text[:200])
    s.sso = d.public_url + "/t/%s/saml/sso" % SLUG
    # Users with TOTP, enrolled in parallel through the browser flow (the
    # enrolment codes computed here; every login below uses oathtool's).
    # s.users: (email, base32 secret) not yet used for a login.
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        s.users = list(ex.map(lambda i: enrol(s, "u%d@%s.example" % (i, SLUG)), range(BULK)))
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda i: candidate(s, "c%d@%s.example" % (i, SLUG)), range(CANDIDATES)))
    # The other tenant has its own SAML key and a TOTP user.
    d.client().get("/t/other/saml/metadata")
    s.other_api = Api(d, "other")
    s.other_user = enrol(s, "o@other.example", slug="other", api=s.other_api)
    s.rc = recovery_user(s)
    s.counts = sealed_counts(d)
    eq(s.counts, (BULK + 2, CANDIDATES, 2), "sealed secrets before the tests (seeds, "
       "candidates, SAML keys)")
    # The tests read the database while no daemon runs: share the embedded
    # cluster as its users do (a shared lock on users.lock), so the last
    # sekisho process to exit leaves it running.
    s.cluster_share = open(os.path.join(d.data, "pg", "users.lock"), "a")
    fcntl.flock(s.cluster_share, fcntl.LOCK_SH)
    # Recovery codes made before the upgrade to schema 10 (simulated by
    # removing the row the first start wrote): that start records the key
    # in place and keeps the codes' key (test_recovery_codes_*).
    fp = db_fingerprint(s)
    stop(d)
    d.psql("DELETE FROM master_key", superuser=True)
    d.start()
    check("recorded master key fingerprint %s" % fp[0] in d.log_text(),
          "first start after the upgrade: %s" % d.log_tail(5))
    eq(db_fingerprint(s), fp, "fingerprint recorded again")
    stop(d)


# --------------------------------------------------------------------------
# helpers


def totp_here(secret, t):
    """RFC 6238 code (SHA-1, 6 digits, 30 s) for the bulk enrolment."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t) // STEP), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000)


def previous_code(secret):
    """The previous step's code, not too close to a step's end (the server
    accepts one step either side)."""
    t = time.time()
    if t % STEP > STEP - 3:
        time.sleep(STEP - t % STEP + 0.2)
        t = time.time()
    return totp_here(secret, t - STEP)


def oathtool(secret, t):
    r = subprocess.run(["oathtool", "--totp", "-b", secret, "-N", "@%d" % int(t)],
                       capture_output=True, text=True, timeout=10)
    eq(r.returncode, 0, "oathtool exit status (%s)" % r.stderr.strip())
    return r.stdout.strip()


def accept(s, email, slug=SLUG, api=None):
    r = (api or s.api).invite(email)
    url = r["url"] if isinstance(r, dict) else r
    c = s.d.client()
    eq(s.d.accept(c, url, "User", PW).status, 303, "accept the invitation of %s" % email)
    return c


def enrol_page(s, c, slug):
    page = c.get("/t/%s/mfa/totp" % slug)
    eq(page.status, 200, "enrolment page (%s)" % page.text[:200])
    m = re.search(r'<input[^>]*\bid="secret"[^>]*\bvalue="([^"]*)"', page.text)
    check(m, "no secret on the enrolment page")
    return page, html.unescape(m.group(1))


def enrol(s, email, slug=SLUG, api=None):
    """A user with TOTP, confirmed with the previous step's code (so the
    current and later steps stay free for a login)."""
    c = accept(s, email, slug, api)
    page, secret = enrol_page(s, c, slug)
    r = c.post("/t/%s/mfa/totp" % slug, form={"csrf": page.csrf(), "code": previous_code(secret)})
    eq(r.status, 200, "enrolment confirmation of %s (%s)" % (email, r.text[:200]))
    return email, secret


def candidate(s, email):
    """A user whose enrolment is under way: a sealed candidate, no seed."""
    c = accept(s, email)
    enrol_page(s, c, SLUG)


def sealed_counts(d):
    row = d.psql("SELECT (SELECT count(*) FROM users WHERE totp_secret IS NOT NULL), "
                 "(SELECT count(*) FROM users WHERE totp_pending IS NOT NULL), "
                 "(SELECT count(*) FROM saml_keys)", superuser=True)[0]
    return tuple(int(x) for x in row.split("|"))


def totp_login(s, user=None, slug=SLUG):
    """Log a fresh user in with password and oathtool's code; returns the
    signed-in client."""
    email, secret = user or s.users.pop(0)
    d = s.d
    c = d.client()
    page = c.get("/t/%s/login" % slug)
    r = c.post("/t/%s/login" % slug, form={"csrf": page.csrf(), "email": email,
                                             "password": PW})
    eq((r.status, r.location), (303, "/t/%s/login/mfa" % slug), "password step of %s" % email)
    page = c.get("/t/%s/login/mfa" % slug)
    eq(page.status, 200, "code page")
    t = time.time()
    if t % STEP > STEP - 3:
        time.sleep(STEP - t % STEP + 0.5)
        t = time.time()
    code = oathtool(secret, t)
    eq(code, totp_here(secret, t), "oathtool and the test agree on the code")
    r = c.post("/t/%s/login/mfa" % slug, form={"csrf": page.csrf(), "code": code})
    eq((r.status, r.location), (303, "/t/%s/" % slug),
       "TOTP login of %s (%s)" % (email, r.text[:200]))
    check("sekisho_s_%s" % slug in c.cookies, "session after the TOTP login of %s" % email)
    return c


def saml_signs(s, client):
    """An SP-initiated login of the signed-in client gets a Response that
    xmlsec1 verifies with the metadata's certificate: the SAML key opens."""
    d = s.d
    md = d.client().get("/t/%s/saml/metadata" % SLUG)
    eq(md.status, 200, "metadata")
    cert = saml_util.idp_cert_pem(md.text)
    rid, xml = s.sp.authn_request(s.sso)
    page = client.get("/t/%s/saml/sso?%s" % (SLUG, s.sp.redirect_query(xml, None, True)))
    eq(page.status, 200, "SSO answer (%s)" % page.text[:300])
    _, fields = post_form(page.text)
    resp = b64xml(fields["SAMLResponse"])
    check('InResponseTo="%s"' % rid in resp, "the Response answers the request")
    ok, err = saml_util.xmlsec_verify(resp, cert, RESPONSE)
    check(ok, "xmlsec1 verifies the Response with the metadata certificate: " + err)


def stop(d):
    """SIGTERM the daemon: exit 0 (the cluster stays: the suite shares it)."""
    p, d.proc = d.proc, None
    p.send_signal(signal.SIGTERM)
    eq(p.wait(60), 0, "daemon exit status (log: %s)" % d.log_tail(5))
    d.log_f.close()


def key_path(s):
    return os.path.join(s.d.data, "master.key")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def old_keys(s):
    return sorted(p for p in os.listdir(s.d.data) if p.startswith("master.key.old-"))


def db_fingerprint(s):
    return s.d.psql("SELECT fingerprint FROM master_key", superuser=True)


def rotate(s, env=None):
    return s.d.cli("key", "rotate", env=env)


def verify_keys(s):
    """`key verify` opens every secret with the key in place."""
    r = s.d.cli_ok("key", "verify")
    m = re.search(r"(\d+) TOTP secrets, (\d+) TOTP enrolment candidates, (\d+) SAML keys",
                  r.stdout)
    check(m, "key verify output: %r" % r.stdout)
    eq(tuple(int(x) for x in m.groups()), sealed_counts(s.d), "secrets key verify opened")
    return r.stdout


def rotations(s):
    return s.d.psql("SELECT detail FROM operator_events WHERE action = 'key.rotated' "
                    "ORDER BY seq", superuser=True)


def refused_start(s, *needles):
    """The daemon exits non-zero at start with a message naming the cause."""
    d = s.d
    r = subprocess.run([d.bin, "serve"], env=d.env, cwd=d.dir, capture_output=True,
                       text=True, timeout=120)
    p = d._logfile("refused")
    with open(p, "w") as f:
        f.write(r.stderr)
    check(r.returncode != 0, "the daemon started (%s)" % r.stderr[-300:])
    for n in needles:
        check(n in r.stderr, "start refused without %r: %s" % (n, r.stderr[-500:]))
    check("sekisho ready" not in r.stderr, "the daemon said it was ready")


# --------------------------------------------------------------------------
# tests


def test_rotation_reseals_every_secret(s):
    d = s.d
    before = read(key_path(s))
    fp_before = db_fingerprint(s)
    sealed_before = d.psql("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL "
                           "ORDER BY id", superuser=True)
    r = rotate(s)
    eq(r.returncode, 0, "key rotate (%s)" % r.stderr[-400:])
    check(re.search(r"%d TOTP secrets, %d TOTP enrolment candidates and %d SAML keys "
                    r"re-sealed" % s.counts, r.stdout), "counts printed: %r" % r.stdout)
    after = read(key_path(s))
    check(after != before and len(after) == 32, "master.key holds a new 32-byte key")
    olds = old_keys(s)
    eq(len(olds), 1, "old key files")
    check(re.fullmatch(r"master\.key\.old-\d{8}T\d{6}Z", olds[0]), "old key name %s" % olds[0])
    old = os.path.join(d.data, olds[0])
    eq(read(old), before, "the old key file holds the old key")
    eq(stat.S_IMODE(os.stat(old).st_mode), 0o600, "old key file mode")
    eq(stat.S_IMODE(os.stat(key_path(s)).st_mode), 0o600, "new key file mode")
    check(old in r.stdout, "the old key's place is printed")
    check(not os.path.exists(key_path(s) + ".new"), "no .new left")
    fp = db_fingerprint(s)
    check(fp != fp_before and re.fullmatch(r"[0-9a-f]{32}", fp[0]), "fingerprint changed")
    check(fp[0] in r.stdout and fp_before[0] in r.stdout, "fingerprints printed")
    check(after.hex()[:32] not in fp[0] and hashlib.sha256(after).hexdigest()[:32] != fp[0],
          "the fingerprint is not the key nor its plain hash")
    sealed_after = d.psql("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL "
                          "ORDER BY id", superuser=True)
    eq(len(sealed_after), len(sealed_before), "seeds after")
    eq(sum(a == b for a, b in zip(sealed_before, sealed_after)), 0, "seeds left as they were")
    # The operator log: one key.rotated with the counts and the fingerprint.
    ev = rotations(s)
    eq(len(ev), 1, "key.rotated events")
    want = ('"totp_secrets":%d,"totp_candidates":%d,"saml_keys":%d' % s.counts)
    check(want in ev[0] and fp[0] in ev[0] and fp_before[0] in ev[0], "detail %s" % ev[0])
    check(after.hex() not in ev[0] and before.hex() not in ev[0], "no key in the detail")
    check("operator log intact" in d.cli_ok("audit", "verify", "--operator").stdout,
          "operator log verifies")
    verify_keys(s)
    d.start()
    c = totp_login(s)
    saml_signs(s, c)
    totp_login(s, s.other_user, slug="other")
    stop(d)


def recovery_user(s):
    """A user with TOTP and recovery codes: (email, codes)."""
    email = "rc@%s.example" % SLUG
    c = accept(s, email)
    page, secret = enrol_page(s, c, SLUG)
    r = c.post("/t/%s/mfa/totp" % SLUG,
               form={"csrf": page.csrf(), "code": previous_code(secret)})
    codes = re.findall(r"<li><code>([^<]*)</code></li>", r.text)
    eq(len(codes), 10, "recovery codes shown")
    return email, codes


def test_recovery_codes_survive_rotation(s):
    """Recovery codes are keyed hashes: their key is kept across the upgrade
    and the rotations (the first test rotated already)."""
    d = s.d
    email, codes = s.rc
    d.start()
    for code, want in ((codes[0], 303), (codes[0], 401), (codes[1], 303)):
        c = d.client()
        page = c.get("/t/%s/login" % SLUG)
        r = c.post("/t/%s/login" % SLUG, form={"csrf": page.csrf(), "email": email,
                                                 "password": PW})
        eq(r.status, 303, "password step")
        page = c.get("/t/%s/login/mfa" % SLUG)
        r = c.post("/t/%s/login/mfa" % SLUG, form={"csrf": page.csrf(), "code": code})
        eq(r.status, want, "recovery code %s after the rotation" % code)
    stop(d)


def test_second_rotation_keeps_both_old_keys(s):
    d = s.d
    n_old = len(old_keys(s))
    before = read(key_path(s))
    r = rotate(s)
    eq(r.returncode, 0, "second rotation (%s)" % r.stderr[-300:])
    olds = old_keys(s)
    eq(len(olds), n_old + 1, "old key files after another rotation")
    check(before in [read(os.path.join(d.data, p)) for p in olds], "the last key is kept")
    eq(len(set(read(os.path.join(d.data, p)) for p in olds) | {read(key_path(s))}),
       n_old + 2, "every key differs")
    eq(len(rotations(s)), n_old + 1, "key.rotated events")
    verify_keys(s)
    d.start()
    c = totp_login(s)
    saml_signs(s, c)
    stop(d)


def test_rotation_refused_while_a_daemon_runs(s):
    d = s.d
    d.start()
    before, olds, fp = read(key_path(s)), old_keys(s), db_fingerprint(s)
    r = rotate(s)
    check(r.returncode != 0, "rotation ran beside a daemon")
    check("stop every sekisho serve first" in r.stderr, "message: %s" % r.stderr[-300:])
    eq(read(key_path(s)), before, "key file unchanged")
    eq(old_keys(s), olds, "no old key file added")
    check(not os.path.exists(key_path(s) + ".new"), "no .new file")
    eq(db_fingerprint(s), fp, "fingerprint unchanged")
    # `key verify` only reads: it runs beside the daemon.
    verify_keys(s)
    totp_login(s)
    stop(d)


def test_daemon_stops_when_the_key_changes_under_it(s):
    """The daemon checks every minute that the database's fingerprint is
    still its own (a rotation cannot run beside it; this stands in for one
    that did, e.g. a lock lost with its connection)."""
    d = s.d
    fp = db_fingerprint(s)[0]
    d.start()
    d.psql("UPDATE master_key SET fingerprint = '%s'" % ("f" * 32), superuser=True)
    try:
        rc = d.proc.wait(75)
    except subprocess.TimeoutExpired:
        rc = None
    finally:
        d.psql("UPDATE master_key SET fingerprint = '%s'" % fp, superuser=True)
    if rc is None:
        stop(d)
    eq(rc, 1, "daemon's exit status after the key changed under it")
    d.proc = None
    d.log_f.close()
    check("the master key was rotated" in d.log_text(), "log: %s" % d.log_tail(3))
    d.start()
    totp_login(s)
    stop(d)


def test_bad_arguments(s):
    d = s.d
    for args, needle in ((("key", "rotate", "now"), "takes no arguments"),
                         (("key", "verify", "x"), "takes no arguments")):
        r = d.cli(*args)
        check(r.returncode != 0 and needle in r.stderr, "%s: %s" % (args, r.stderr[-200:]))
    r = d.cli("key", "spin")
    eq(r.returncode, 2, "unknown key subcommand: usage")


def crash_outcome(s, before):
    """After a killed rotation and a daemon start: either the old key is in
    force (and no trace of the new one is left) or the new one is (and the
    old one is kept).  Returns "old" or "new"."""
    now = read(key_path(s))
    check(not os.path.exists(key_path(s) + ".new"), "a .new file survived a start")
    if now == before:
        return "old"
    kept = [read(os.path.join(s.d.data, p)) for p in old_keys(s)]
    check(before in kept, "the new key is in force but the old one was not kept")
    return "new"


def after_crash(s, before, n_rot):
    """Start the daemon, check the outcome, every secret, a TOTP login."""
    d = s.d
    d.start()
    outcome = crash_outcome(s, before)
    eq(len(rotations(s)), n_rot + (1 if outcome == "new" else 0),
       "key.rotated events after a %s-key outcome" % outcome)
    verify_keys(s)
    totp_login(s)
    stop(d)
    return outcome


def crash_state(s, phase):
    """Leave the key files as a rotation killed at phase leaves them (the
    database as it then is: before the commit nothing changed there; after
    it, the rotation committed)."""
    path = key_path(s)
    if phase == "before-commit":
        # The new key written (0600), the transaction not committed.
        fd = os.open(path + ".new", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        return
    olds = set(old_keys(s))
    r = rotate(s)
    eq(r.returncode, 0, "rotation (%s)" % r.stderr[-300:])
    (old,) = set(old_keys(s)) - olds
    old = os.path.join(s.d.data, old)
    # Committed, then killed before moving the old key away ...
    os.rename(path, path + ".new")
    if phase == "committed":
        os.rename(old, path)
    # ... or between the two renames ("old-moved"): the old key already
    # under its .old name, the new one still .new.


def test_crash_at_each_phase(s):
    want = {"before-commit": "old", "committed": "new", "old-moved": "new"}
    for phase, expect in want.items():
        before, n_rot = read(key_path(s)), len(rotations(s))
        crash_state(s, phase)
        check(os.path.exists(key_path(s) + ".new"), "%s: the .new file is there" % phase)
        if phase == "old-moved":
            check(not os.path.exists(key_path(s)), "old-moved: master.key moved away")
        eq(after_crash(s, before, n_rot), expect,
           "outcome of a crash at %s" % phase)
        said = s.d.log_text()
        check(("finished an interrupted master-key rotation" in said) == (expect == "new") and
              ("left by a master-key rotation that did not commit" in said) == (expect == "old"),
              "%s: the start says what it did: %s" % (phase, s.d.log_tail(5)))


def start_rotation(s):
    """Start `key rotate`; returns (process, seconds until its .new file
    appeared), polling every millisecond."""
    d = s.d
    t0 = time.time()
    p = subprocess.Popen([d.bin, "key", "rotate"], env=d.env, cwd=d.dir,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not os.path.exists(key_path(s) + ".new"):
        if p.poll() is not None:
            raise harness.TestFailure("key rotate ended (%d) before writing its .new file" %
                                      p.returncode)
        check(time.time() - t0 < 60, "no .new file within 60 s")
        time.sleep(0.001)
    return p, time.time() - t0


def test_kill_during_rotation_at_many_delays(s):
    """SIGKILL while it starts (before the new key file), then at delays
    spread over the re-sealing transaction (measured: from the .new file's
    appearance to the end), then past it."""
    d = s.d
    p, _ = start_rotation(s)
    t0 = time.time()
    eq(p.wait(60), 0, "timed rotation")
    tx = time.time() - t0
    outcomes = []
    plans = [("start", 0.02), ("start", 0.1)] + [("tx", tx * i / 8) for i in range(11)]
    for where, delay in plans:
        before, n_rot = read(key_path(s)), len(rotations(s))
        if where == "start":
            p = subprocess.Popen([d.bin, "key", "rotate"], env=d.env, cwd=d.dir,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            p, _ = start_rotation(s)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait(60)
        mid = os.path.exists(key_path(s) + ".new")
        outcome = after_crash(s, before, n_rot)
        outcomes.append("%s%s" % (outcome, "(.new)" if mid else ""))
    # old: killed before the new key file; old(.new): before the commit;
    # new(.new): after it; new: done.
    print("  (re-sealing %.2fs; outcomes %s)" % (tx, " ".join(outcomes)), flush=True)
    check("old(.new)" in outcomes, "no kill landed before the commit: %s" % outcomes)
    check(any(o.startswith("new") for o in outcomes), "no kill after the commit: %s" % outcomes)


def test_wrong_key_file_refused_at_start(s):
    d = s.d
    good = read(key_path(s))
    fp = db_fingerprint(s)[0]
    try:
        with open(key_path(s), "wb") as f:
            f.write(os.urandom(32))
        refused_start(s, "is not the key the database's secrets are sealed with", fp)
        os.unlink(key_path(s))
        refused_start(s, "is missing", fp)
        check(not os.path.exists(key_path(s)), "a missing key was replaced by a new one")
        with open(key_path(s), "wb") as f:
            f.write(good)
        os.chmod(key_path(s), 0o644)
        refused_start(s, "readable by group or others")
        os.chmod(key_path(s), 0o600)
        with open(key_path(s), "ab") as f:
            f.write(b"x")
        refused_start(s, "must hold exactly 32 bytes")
        with open(key_path(s), "wb") as f:
            f.write(good)
        # A .new that matches nothing, beside a key file that does not match
        # either: neither is chosen.
        with open(key_path(s), "wb") as f:
            f.write(os.urandom(32))
        with open(key_path(s) + ".new", "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key_path(s) + ".new", 0o600)
        refused_start(s, "master.key.new is left over and matches no key")
        check(os.path.exists(key_path(s) + ".new"), "the stray .new was deleted")
        os.unlink(key_path(s) + ".new")
        # A stray .new beside the right key: removed at start.
        with open(key_path(s), "wb") as f:
            f.write(good)
        with open(key_path(s) + ".new", "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key_path(s) + ".new", 0o600)
        d.start()
        check(not os.path.exists(key_path(s) + ".new"), "stale .new removed at start")
        totp_login(s)
        stop(d)
    finally:
        with open(key_path(s), "wb") as f:
            f.write(good)
        os.chmod(key_path(s), 0o600)
        if os.path.exists(key_path(s) + ".new"):
            os.unlink(key_path(s) + ".new")


def test_secret_that_does_not_open_stops_the_rotation(s):
    """A seed copied to another user's row (bound to the first user) does not
    open: the rotation refuses, names the row, and changes nothing."""
    d = s.d
    before, fp, n_rot = read(key_path(s)), db_fingerprint(s), len(rotations(s))
    a, b = d.psql("SELECT id FROM users WHERE totp_secret IS NOT NULL ORDER BY id LIMIT 2",
                  superuser=True)
    saved = d.psql("SELECT encode(totp_secret, 'hex') FROM users WHERE id = %s" % b,
                   superuser=True)[0]
    d.psql("UPDATE users SET totp_secret = (SELECT totp_secret FROM users WHERE id = %s) "
           "WHERE id = %s" % (a, b), superuser=True)
    seeds = d.psql("SELECT id, totp_secret FROM users ORDER BY id", superuser=True)
    try:
        r = rotate(s)
        check(r.returncode != 0, "rotation went through")
        check("user %s does not open" % b in r.stderr, "names the row: %s" % r.stderr[-400:])
        eq(read(key_path(s)), before, "key file unchanged")
        check(not os.path.exists(key_path(s) + ".new"), "no .new left")
        eq(db_fingerprint(s), fp, "fingerprint unchanged")
        eq(len(rotations(s)), n_rot, "no key.rotated")
        eq(d.psql("SELECT id, totp_secret FROM users ORDER BY id", superuser=True), seeds,
           "no seed re-sealed")
        r = d.cli("key", "verify")
        check(r.returncode != 0 and "does not open" in r.stderr, "key verify finds it")
    finally:
        d.psql("UPDATE users SET totp_secret = '\\x%s' WHERE id = %s" % (saved, b),
               superuser=True)
    verify_keys(s)


def test_database_unreachable(s):
    d = s.d
    before = read(key_path(s))
    r = d.cli("key", "rotate", env={"SEKISHO_DATABASE_URL":
                                     "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"})
    check(r.returncode != 0, "rotation without a database")
    check("migrate" in r.stderr or "database" in r.stderr, "message: %s" % r.stderr[-200:])
    eq(read(key_path(s)), before, "key file unchanged")
    check(not os.path.exists(key_path(s) + ".new"), "no .new left")
    # Last: give the cluster back; the daemon's stop must stop it.
    fcntl.flock(s.cluster_share, fcntl.LOCK_UN)
    s.cluster_share.close()
    d.start()
    totp_login(s)
    d.stop()


if __name__ == "__main__":
    harness.main("key_rotate", [
        test_rotation_reseals_every_secret,
        test_recovery_codes_survive_rotation,
        test_second_rotation_keeps_both_old_keys,
        test_rotation_refused_while_a_daemon_runs,
        test_daemon_stops_when_the_key_changes_under_it,
        test_bad_arguments,
        test_crash_at_each_phase,
        test_kill_during_rotation_at_many_delays,
        test_wrong_key_file_refused_at_start,
        test_secret_that_does_not_open_stops_the_rotation,
        test_database_unreachable,
    ], setup)
