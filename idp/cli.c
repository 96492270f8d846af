/* The command line: see idp/cli.h. */
#include "idp/cli.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/idp.h"
#include "idp/log.h"
#include "idp/oplog.h"

static const char usage[] =
    "usage: sekisho [-c FILE] COMMAND\n"
    "  serve                                  run the daemon\n"
    "  migrate                                apply schema migrations\n"
    "  tenant create SLUG [--name NAME]       create a tenant\n"
    "  tenant list                            list tenants\n"
    "  invite SLUG EMAIL [--role admin|user]  invite a user; prints the URL\n"
    "  token create SLUG --name NAME          create an admin API token\n"
    "  audit verify SLUG                      check the audit hash chain\n"
    "  audit verify --operator                check the operator log's hash chain\n"
    "  audit prune                            apply every tenant's audit retention now\n"
    "  db setup --admin-url URL [--database NAME] [--reset-passwords]\n"
    "                                         create roles and database on a server\n"
    "  help                                   show this text (also -h, --help)\n";

int idp_cli_usage(void)
{
	fputs(usage, stderr);
	return 2;
}

int idp_cli_help(void)
{
	/* Asked for, so it is the output, not an error (GNU coding standards, --help). */
	if (fputs(usage, stdout) == EOF || fflush(stdout) == EOF)
		return 1;
	return 0;
}

int idp_cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sekisho: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int cmd_tenant_create(int argc, char **argv)
{
	const char *slug = NULL, *name = NULL;
	int64_t id;
	enum idp_err err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!slug && argv[i][0] != '-')
			slug = argv[i];
		else
			return idp_cli_fail("tenant create: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug)
		return idp_cli_fail("%s", "tenant create: SLUG missing");
	if (!idp_slug_valid(slug))
		return idp_cli_fail("tenant create: invalid slug \"%s\" (1-63 of a-z, 0-9, -)",
		                    slug);
	err = idp_tenant_create(slug, name, &id);
	if (err == IDP_ERR_CONFLICT)
		return idp_cli_fail("tenant create: tenant \"%s\" already exists", slug);
	if (err == IDP_ERR_INVALID)
		return idp_cli_fail("%s", "tenant create: invalid name");
	if (err)
		return idp_cli_fail("tenant create: %s", idp_strerror(err));
	printf("%s\n", slug);
	return 0;
}

static int cmd_tenant_list(void)
{
	struct idp_tenant *rows = NULL;
	int n = 0;

	if (idp_tenants_list(&rows, &n))
		return idp_cli_fail("%s", "tenant list: database error (see log)");
	printf("%-24s %-10s %-20s %s\n", "SLUG", "STATUS", "CREATED", "NAME");
	for (int i = 0; i < n; i++) {
		char iso[21];
		idp_time_iso(rows[i].created_at, iso);
		printf("%-24s %-10s %-20s %s\n", rows[i].slug,
		       rows[i].active ? "active" : "inactive", iso, rows[i].name);
	}
	free(rows);
	return 0;
}

static int load_tenant(const char *slug, struct idp_tenant *t)
{
	enum idp_err err = idp_tenant_load(slug, t);

	if (err == IDP_ERR_NOT_FOUND)
		return idp_cli_fail("no such tenant \"%s\"", slug);
	if (err)
		return idp_cli_fail("database: %s", idp_strerror(err));
	return 0;
}

static int cmd_invite(int argc, char **argv)
{
	const char *slug = NULL, *email = NULL, *role = "user";
	struct idp_tenant t;
	struct idp_invitation inv;
	struct idp_actor op = {.email = "operator", .role = "operator", .ip = "local"};
	enum idp_err err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!slug && argv[i][0] != '-')
			slug = argv[i];
		else if (!email && argv[i][0] != '-')
			email = argv[i];
		else
			return idp_cli_fail("invite: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug || !email)
		return idp_cli_fail("%s", "invite: SLUG and EMAIL required");
	enum idp_role parsed;
	if (!idp_role_parse(role, &parsed))
		return idp_cli_fail("invite: --role must be admin or user, not \"%s\"", role);
	if (!idp_email_valid(email))
		return idp_cli_fail("invite: invalid e-mail address \"%s\"", email);
	if (load_tenant(slug, &t))
		return 1;
	err = idp_invite(&t, &op, email, role, &inv);
	if (err == IDP_ERR_CONFLICT)
		return idp_cli_fail("invite: %s already has an account", email);
	if (err)
		return idp_cli_fail("invite: %s", idp_strerror(err));
	char iso[21];
	idp_time_iso(inv.expires_at, iso);
	fprintf(stdout, "invitation for %s (%s) valid until %s\n%s\n", email, role, iso, inv.url);
	return 0;
}

static int cmd_token_create(int argc, char **argv)
{
	const char *slug = NULL, *name = NULL;
	char token[IDP_TOKEN_LEN + 1];
	struct idp_tenant t;
	enum idp_err err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!slug && argv[i][0] != '-')
			slug = argv[i];
		else
			return idp_cli_fail("token create: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug || !name)
		return idp_cli_fail("%s", "token create: SLUG and --name NAME required");
	if (load_tenant(slug, &t))
		return 1;
	err = idp_token_create(&t, name, token);
	if (err == IDP_ERR_INVALID)
		return idp_cli_fail("%s", "token create: invalid name");
	if (err)
		return idp_cli_fail("token create: %s", idp_strerror(err));
	printf("%s\n", token);
	idp_wipe(token, sizeof token);
	return 0;
}

static int cmd_audit_prune(int argc, char **argv)
{
	long n = 0;
	enum idp_err err;

	if (argc != 0)
		return idp_cli_fail("%s", "audit prune: takes no arguments");
	err = idp_retention_run(&n);
	if (err)
		return idp_cli_fail("audit prune: %s (see log)", idp_strerror(err));
	printf("removed %ld audit events past their tenants' retention\n", n);
	return 0;
}

static int cmd_audit_verify_operator(void)
{
	long checked = 0;
	int64_t bad = 0;
	enum idp_err err = idp_oplog_verify(&checked, &bad);

	if (err == IDP_ERR_CONFLICT) {
		fprintf(stderr, "sekisho: operator log broken at event %lld (%ld intact before)\n",
		        (long long)bad, checked);
		return 1;
	}
	if (err)
		return idp_cli_fail("audit verify --operator: %s", idp_strerror(err));
	printf("operator log intact: %ld events\n", checked);
	return 0;
}

static int cmd_audit_verify(int argc, char **argv)
{
	struct idp_tenant t;
	long checked = 0;
	int64_t bad = 0;
	enum idp_err err;

	if (argc == 1 && !strcmp(argv[0], "--operator"))
		return cmd_audit_verify_operator();
	if (argc != 1 || argv[0][0] == '-')
		return idp_cli_fail("%s", "audit verify: SLUG or --operator required");
	if (load_tenant(argv[0], &t))
		return 1;
	err = idp_audit_verify(t.id, &checked, &bad);
	if (err == IDP_ERR_CONFLICT) {
		fprintf(stderr,
		        "sekisho: audit chain of %s broken at event %lld (%ld intact before)\n",
		        t.slug, (long long)bad, checked);
		return 1;
	}
	if (err)
		return idp_cli_fail("audit verify: %s", idp_strerror(err));
	printf("audit chain of %s intact: %ld events\n", t.slug, checked);
	return 0;
}

bool idp_cli_known(int n, char **args)
{
	const char *cmd = n > 0 ? args[0] : "";

	return !strcmp(cmd, "serve") || !strcmp(cmd, "migrate") ||
	       (!strcmp(cmd, "tenant") && n >= 2 &&
	        (!strcmp(args[1], "create") || !strcmp(args[1], "list"))) ||
	       !strcmp(cmd, "invite") ||
	       (!strcmp(cmd, "db") && n >= 2 && !strcmp(args[1], "setup")) ||
	       (!strcmp(cmd, "token") && n >= 2 && !strcmp(args[1], "create")) ||
	       (!strcmp(cmd, "audit") && n >= 2 &&
	        (!strcmp(args[1], "verify") || !strcmp(args[1], "prune")));
}

int idp_cli_run(int n, char **args)
{
	const char *cmd = args[0];

	if (!strcmp(cmd, "migrate"))
		return n == 1 ? (printf("schema up to date\n"), 0) : idp_cli_usage();
	if (!strcmp(cmd, "tenant") && !strcmp(args[1], "create"))
		return cmd_tenant_create(n - 2, args + 2);
	if (!strcmp(cmd, "tenant"))
		return n == 2 ? cmd_tenant_list() : idp_cli_usage();
	if (!strcmp(cmd, "invite"))
		return cmd_invite(n - 1, args + 1);
	if (!strcmp(cmd, "token"))
		return cmd_token_create(n - 2, args + 2);
	if (!strcmp(args[1], "prune"))
		return cmd_audit_prune(n - 2, args + 2);
	return cmd_audit_verify(n - 2, args + 2);
}
