#!/usr/bin/env python3
"""The command line: output contract (URL and token alone on the last line),
one-line errors with a non-zero status on bad input, configuration errors
naming the key, and sharing one embedded cluster with a running daemon."""

import os
import re
import stat

from harness import check, eq, main

PW = "command line passphrase"


def setup(s):
    d = s.d = s.daemon()
    r = d.cli_ok("tenant", "create", "corp", "--name", "Corp Japan 株式会社")
    s.create_out = r.stdout
    d.start()


def one_line_error(r, what, *needles):
    check(r.returncode != 0, "%s: exit status 0 (stdout %r)" % (what, r.stdout[-200:]))
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and "level=" not in ln]
    eq(len(lines), 1, "%s: lines of error on stderr (%r)" % (what, r.stderr[-400:]))
    for n in needles:
        check(n.lower() in lines[0].lower(), "%s: error %r does not mention %r" %
              (what, lines[0], n))
    return lines[0]


def test_tenant_create_and_list(s):
    d = s.d
    check(s.create_out.strip().splitlines()[-1] == "corp", "tenant create prints the slug")
    r = d.cli_ok("tenant", "list")
    check(re.search(r"^corp\s.*Corp Japan 株式会社", r.stdout, re.M), "listed: %r" % r.stdout)


def test_invite_prints_the_url_alone_on_the_last_line(s):
    d = s.d
    r = d.cli_ok("invite", "corp", "user1@corp.example")
    last = r.stdout.rstrip("\n").split("\n")[-1]
    check(re.fullmatch(re.escape(d.public_url) + r"/t/corp/invite/[A-Za-z0-9_-]{43}", last),
          "last line %r" % last)
    # The URL works in the running daemon: the CLI and the daemon share the cluster.
    c = d.client()
    eq(d.accept(c, last, "User One", PW).status, 303, "accept")
    r = d.cli_ok("invite", "corp", "admin1@corp.example", "--role", "admin")
    eq(d.psql("SELECT role, status FROM users WHERE email = 'admin1@corp.example'",
              superuser=True), ["admin|invited"], "admin invitation stored")


def test_invitation_token_stored_only_as_hash(s):
    d = s.d
    url = d.invite("corp", "hash@corp.example")
    token = url.rsplit("/", 1)[1]
    n = d.psql("SELECT count(*) FROM invitations WHERE token_hash = sha256('%s'::bytea)" % token,
               superuser=True)
    eq(n, ["1"], "invitation stored as SHA-256 of the token")
    dump = d.psql("SELECT encode(token_hash, 'escape') FROM invitations", superuser=True)
    check(all(token not in x for x in dump), "token not stored in clear")


def test_token_create_prints_the_token_alone_on_the_last_line(s):
    d = s.d
    r = d.cli_ok("token", "create", "corp", "--name", "ci")
    last = r.stdout.rstrip("\n").split("\n")[-1]
    check(re.fullmatch(r"[A-Za-z0-9_-]{43}", last), "token line %r" % last)
    api = d.client().get("/t/corp/api/v1/users", headers={"Authorization": "Bearer " + last})
    eq(api.status, 200, "the token works on the API")
    eq(d.psql("SELECT count(*) FROM api_tokens WHERE token_hash = sha256('%s'::bytea)" % last,
              superuser=True), ["1"], "token stored as SHA-256")
    check("token.created" in [a["action"] for a in d.audit("corp")], "token.created audited")


def test_cli_while_daemon_runs_leaves_the_cluster_up(s):
    d = s.d
    d.cli_ok("tenant", "list")
    eq(d.client().get("/readyz").status, 200, "daemon still ready after CLI commands")
    check(d.cluster_running(), "cluster still running")


def test_bad_slug_is_refused(s):
    for slug in ("Bad_Slug", "x-", "a" * 64, "x y", "ünï"):
        one_line_error(s.d.cli("tenant", "create", slug), "slug %r" % slug, "slug")


def test_duplicate_tenant_is_refused(s):
    one_line_error(s.d.cli("tenant", "create", "corp"), "duplicate", "corp")


def test_bad_email_is_refused(s):
    for email in ("not-an-email", "a@b", "a@@b.example", "x" * 300 + "@corp.example",
                  "a b@corp.example", "<a@corp.example>"):
        one_line_error(s.d.cli("invite", "corp", email), "email %r" % email, "e-mail")


def test_bad_role_is_refused(s):
    one_line_error(s.d.cli("invite", "corp", "r@corp.example", "--role", "root"), "role",
                   "role")
    eq(s.d.psql("SELECT count(*) FROM users WHERE email = 'r@corp.example'", superuser=True),
       ["0"], "no user created")


def test_unknown_tenant_is_refused(s):
    d = s.d
    one_line_error(d.cli("invite", "nosuch", "u@x.example"), "invite", "nosuch")
    one_line_error(d.cli("token", "create", "nosuch", "--name", "t"), "token", "nosuch")
    one_line_error(d.cli("audit", "verify", "nosuch"), "audit verify", "nosuch")


def test_missing_arguments_are_refused(s):
    d = s.d
    one_line_error(d.cli("token", "create", "corp"), "token without --name", "name")
    one_line_error(d.cli("invite", "corp"), "invite without e-mail", "email")
    one_line_error(d.cli("tenant", "create"), "tenant create without slug", "slug")


def test_unknown_key_in_config_file_names_file_line_and_key(s):
    d = s.d
    path = os.path.join(d.dir, "bad.conf")
    with open(path, "w") as f:
        f.write("# comment\nthreads = 2\nlisten_adress = 127.0.0.1:9\n")
    line = one_line_error(d.cli("tenant", "list", config=path), "config", "listen_adress")
    check("bad.conf:3" in line, "names file:line: %r" % line)


def test_bad_value_in_config_file_names_the_key(s):
    d = s.d
    path = os.path.join(d.dir, "bad2.conf")
    for text, key in (("argon2_memory_kib = 12\n", "argon2_memory_kib"),
                      ("public_url = ftp://x\n", "public_url"),
                      ("trusted_proxies = 10.0.0.0/33\n", "trusted_proxies"),
                      ("threads = many\n", "threads"),
                      ("just some words\n", "bad2.conf:1")):
        with open(path, "w") as f:
            f.write(text)
        one_line_error(d.cli("tenant", "list", config=path, env={"SEKISHO_THREADS": None}),
                       "config %r" % text, key)


def test_missing_config_file_is_refused(s):
    one_line_error(s.d.cli("tenant", "list", config="/nonexistent/sekisho.conf"), "missing",
                   "/nonexistent/sekisho.conf")


def test_unknown_environment_variable_names_the_key(s):
    one_line_error(s.d.cli("tenant", "list", env={"SEKISHO_BOGUS_KEY": "1"}), "env",
                   "SEKISHO_BOGUS_KEY")


def test_bad_environment_value_names_the_key(s):
    d = s.d
    for k, v in (("SEKISHO_LISTEN", "nowhere"), ("SEKISHO_ARGON2_ITERATIONS", "0"),
                 ("SEKISHO_TRUSTED_PROXIES", "300.1.1.1/8")):
        one_line_error(d.cli("tenant", "list", env={k: v}), k, k)


def test_environment_wins_over_file(s):
    d = s.d
    path = os.path.join(d.dir, "over.conf")
    with open(path, "w") as f:
        f.write("public_url = http://file.example\n")
    r = d.cli_ok("invite", "corp", "envwins@corp.example", config=path)
    check(r.stdout.strip().splitlines()[-1].startswith(d.public_url + "/"),
          "SEKISHO_PUBLIC_URL wins over the file: %r" % r.stdout)
    r = d.cli_ok("invite", "corp", "filewins@corp.example", config=path,
                 env={"SEKISHO_PUBLIC_URL": None})
    check(r.stdout.strip().splitlines()[-1].startswith("http://file.example/t/corp/invite/"),
          "file value used without the variable: %r" % r.stdout)


def test_tls_cert_without_key_is_refused(s):
    one_line_error(s.d.cli("tenant", "list", env={"SEKISHO_TLS_CERT": "/etc/hostname"}), "tls",
                   "tls_")


def test_migrate_is_idempotent(s):
    d = s.d
    r = d.cli_ok("migrate")
    d.cli_ok("migrate")
    check(r.stdout.strip(), "migrate says something")


def test_master_key_file_is_0600(s):
    st = os.stat(os.path.join(s.d.data, "master.key"))
    eq(stat.S_IMODE(st.st_mode), 0o600, "master key mode")


USAGE_LINES = ["usage: sekisho [-c FILE] COMMAND", "tenant create SLUG", "invite SLUG EMAIL",
               "token create SLUG", "audit verify SLUG", "help"]


def test_help_prints_usage_on_stdout_and_exits_0(s):
    for args in (["--help"], ["-h"], ["help"], ["-c", "/nonexistent.conf", "--help"]):
        r = s.d.cli(*args)
        eq(r.returncode, 0, "exit status of sekisho %s (stderr %r)" % (" ".join(args),
                                                                        r.stderr[-300:]))
        eq(r.stderr, "", "stderr of sekisho %s" % " ".join(args))
        check(r.stdout.startswith("usage: sekisho"), "stdout of %s: %r" % (args, r.stdout[:200]))
        for line in USAGE_LINES:
            check(line in r.stdout, "%s: usage lacks %r" % (args, line))


def test_bad_command_prints_usage_on_stderr_and_exits_2(s):
    for args in (["frobnicate"], [], ["tenant"], ["tenant", "frobnicate"], ["help", "me"]):
        r = s.d.cli(*args)
        eq(r.returncode, 2, "exit status of sekisho %s" % " ".join(args))
        eq(r.stdout, "", "stdout of sekisho %s" % " ".join(args))
        check(r.stderr.startswith("usage: sekisho"), "stderr of %s: %r" % (args, r.stderr[:200]))
        for line in USAGE_LINES:
            check(line in r.stderr, "%s: usage lacks %r" % (args, line))


def test_cli_with_daemon_stopped_starts_and_stops_the_cluster(s):
    d = s.d
    d.stop()
    check(not d.cluster_running(), "cluster stopped with the daemon")
    r = d.cli_ok("tenant", "list")
    check("corp" in r.stdout, "tenant list works with the daemon stopped")
    check(not d.cluster_running(), "the CLI stopped the cluster it started")
    d.start()
    eq(d.login(d.client(), "corp", "user1@corp.example", PW).status, 303, "login after restart")


if __name__ == "__main__":
    main("cli", [
        test_tenant_create_and_list,
        test_invite_prints_the_url_alone_on_the_last_line,
        test_invitation_token_stored_only_as_hash,
        test_token_create_prints_the_token_alone_on_the_last_line,
        test_cli_while_daemon_runs_leaves_the_cluster_up,
        test_bad_slug_is_refused,
        test_duplicate_tenant_is_refused,
        test_bad_email_is_refused,
        test_bad_role_is_refused,
        test_unknown_tenant_is_refused,
        test_missing_arguments_are_refused,
        test_unknown_key_in_config_file_names_file_line_and_key,
        test_bad_value_in_config_file_names_the_key,
        test_missing_config_file_is_refused,
        test_unknown_environment_variable_names_the_key,
        test_bad_environment_value_names_the_key,
        test_environment_wins_over_file,
        test_tls_cert_without_key_is_refused,
        test_migrate_is_idempotent,
        test_master_key_file_is_0600,
        test_help_prints_usage_on_stdout_and_exits_0,
        test_bad_command_prints_usage_on_stderr_and_exits_2,
        test_cli_with_daemon_stopped_starts_and_stops_the_cluster,
    ], setup)
