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
    "  tenant list                            list tenants (state, purge date)\n"
    "  tenant terminate SLUG [--purge-after-days N]\n"
    "                                         refuse the tenant everywhere now; purge\n"
    "                                         its data after N days (tenant_purge_days)\n"
    "  tenant restore SLUG                    undo a termination before the purge date\n"
    "  tenant export SLUG DIR                 write its users and audit log (CSV, JSON)\n"
    "  tenant purge SLUG                      delete a terminated tenant past its date now\n"
    "  invite SLUG EMAIL [--role admin|user]  invite a user; prints the URL\n"
    "  token create SLUG --name NAME          create an admin API token\n"
    "  audit verify SLUG                      check the audit hash chain\n"
    "  audit verify --operator                check the operator log's hash chain\n"
    "  audit prune                            apply every tenant's audit retention now\n"
    "  backup [--dir DIR]                     back the database up (default dir: backup_dir)\n"
    "  backup verify FILE                     check a backup by restoring it into a scratch\n"
    "                                         database and verifying every audit chain\n"
    "  restore FILE [--force]                 restore a backup into the (empty) database\n"
    "  db setup --admin-url URL [--database NAME] [--reset-passwords]\n"
    "                                         create roles and database on a server\n"
    "  key rotate                             new master key, every secret re-sealed\n"
    "  key verify                             check every secret opens with the key\n"
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
	printf("%-24s %-10s %-20s %-20s %s\n", "SLUG", "STATE", "CREATED", "PURGE", "NAME");
	for (int i = 0; i < n; i++) {
		char iso[21], purge[21] = "-";
		idp_time_iso(rows[i].created_at, iso);
		if (!rows[i].active)
			idp_time_iso(rows[i].purge_after, purge);
		printf("%-24s %-10s %-20s %-20s %s\n", rows[i].slug,
		       rows[i].active ? "active" : "terminated", iso, purge, rows[i].name);
	}
	free(rows);
	return 0;
}

/* The purge date of tenant slug as "YYYY-MM-DDTHH:MM:SSZ" ("?" when it
 * cannot be read), for messages. */
static void purge_date(const char *slug, char out[21])
{
	struct idp_tenant *rows = NULL;
	int n = 0;

	snprintf(out, 21, "%s", "?");
	if (idp_tenants_list(&rows, &n))
		return;
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].slug, slug) && rows[i].purge_after)
			idp_time_iso(rows[i].purge_after, out);
	free(rows);
}

/* The one argument SLUG of tenant cmd (argc/argv after it); NULL after
 * saying what is wrong. */
static const char *only_slug(const char *cmd, int argc, char **argv)
{
	if (argc < 1 || argv[0][0] == '-') {
		idp_cli_fail("tenant %s: SLUG missing", cmd);
		return NULL;
	}
	if (argc > 1) {
		idp_cli_fail("tenant %s: unexpected argument \"%s\"", cmd, argv[1]);
		return NULL;
	}
	return argv[0];
}

/* The errors every termination command shares; 0 when err is not one. */
static int tenant_fail(const char *cmd, const char *slug, enum idp_err err)
{
	if (err == IDP_ERR_NOT_FOUND)
		return idp_cli_fail("tenant %s: no such tenant \"%s\"", cmd, slug);
	return idp_cli_fail("tenant %s: %s (see log)", cmd, idp_strerror(err));
}

static int cmd_tenant_terminate(int argc, char **argv, int default_days)
{
	const char *slug = NULL, *days_arg = NULL;
	int64_t purge_after = 0;
	char iso[21];
	long days = default_days;
	enum idp_err err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--purge-after-days") && i + 1 < argc)
			days_arg = argv[++i];
		else if (!slug && argv[i][0] != '-')
			slug = argv[i];
		else
			return idp_cli_fail("tenant terminate: unexpected argument \"%s\"",
			                    argv[i]);
	}
	if (!slug)
		return idp_cli_fail("%s", "tenant terminate: SLUG missing");
	if (days_arg) {
		/* Digits only (no sign, space or fraction), at most five. */
		size_t len = strspn(days_arg, "0123456789");
		days = len && len <= 5 && !days_arg[len] ? strtol(days_arg, NULL, 10) : -1;
		if (days < 0 || days > IDP_PURGE_DAYS_MAX)
			return idp_cli_fail("tenant terminate: --purge-after-days must be a whole "
			                    "number from 0 to %d, not \"%s\"",
			                    IDP_PURGE_DAYS_MAX, days_arg);
	}
	err = idp_tenant_terminate(slug, (int)days, &purge_after);
	if (err == IDP_ERR_CONFLICT) {
		purge_date(slug, iso);
		return idp_cli_fail("tenant terminate: tenant \"%s\" is already terminated "
		                    "(purge after %s)",
		                    slug, iso);
	}
	if (err == IDP_ERR_INVALID)
		return idp_cli_fail("tenant terminate: tenant_purge_days must be from 0 to %d",
		                    IDP_PURGE_DAYS_MAX);
	if (err)
		return tenant_fail("terminate", slug, err);
	idp_time_iso(purge_after, iso);
	printf("tenant %s terminated; its data is purged after %s\n", slug, iso);
	return 0;
}

static int cmd_tenant_restore(int argc, char **argv)
{
	const char *slug = only_slug("restore", argc, argv);
	char iso[21];
	enum idp_err err;

	if (!slug)
		return 1;
	err = idp_tenant_restore(slug);
	if (err == IDP_ERR_CONFLICT)
		return idp_cli_fail("tenant restore: tenant \"%s\" is not terminated", slug);
	if (err == IDP_ERR_EXPIRED) {
		purge_date(slug, iso);
		return idp_cli_fail("tenant restore: the purge date of \"%s\" (%s) has passed; it "
		                    "can no longer be restored",
		                    slug, iso);
	}
	if (err)
		return tenant_fail("restore", slug, err);
	printf("tenant %s restored\n", slug);
	return 0;
}

static int cmd_tenant_purge(int argc, char **argv)
{
	const char *slug = only_slug("purge", argc, argv);
	char iso[21];
	long rows = 0;
	enum idp_err err;

	if (!slug)
		return 1;
	err = idp_tenant_purge(slug, &rows);
	if (err == IDP_ERR_CONFLICT)
		return idp_cli_fail("tenant purge: tenant \"%s\" is active; terminate it first",
		                    slug);
	if (err == IDP_ERR_FORBIDDEN) {
		purge_date(slug, iso);
		return idp_cli_fail("tenant purge: tenant \"%s\" may not be purged before %s", slug,
		                    iso);
	}
	if (err)
		return tenant_fail("purge", slug, err);
	printf("tenant %s purged: %ld rows deleted\n", slug, rows);
	return 0;
}

static int cmd_tenant_export(int argc, char **argv)
{
	struct idp_export_counts n;
	char why[512];
	enum idp_err err;

	if (argc < 2 || argv[0][0] == '-' || argv[1][0] == '-' || !argv[1][0])
		return idp_cli_fail("%s", "tenant export: SLUG and DIR required");
	if (argc > 2)
		return idp_cli_fail("tenant export: unexpected argument \"%s\"", argv[2]);
	err = idp_tenant_export(argv[0], argv[1], &n, why, sizeof why);
	if (err == IDP_ERR_NOT_FOUND)
		return tenant_fail("export", argv[0], err);
	if (err && why[0])
		return idp_cli_fail("tenant export: %s", why);
	if (err)
		return tenant_fail("export", argv[0], err);
	printf("tenant %s exported to %s: %ld users, %ld audit events\n", argv[0], argv[1], n.users,
	       n.events);
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
	        (!strcmp(args[1], "create") || !strcmp(args[1], "list") ||
	         !strcmp(args[1], "terminate") || !strcmp(args[1], "restore") ||
	         !strcmp(args[1], "export") || !strcmp(args[1], "purge"))) ||
	       !strcmp(cmd, "invite") || idp_cli_backup_known(n, args) ||
	       (!strcmp(cmd, "db") && n >= 2 && !strcmp(args[1], "setup")) ||
	       (!strcmp(cmd, "token") && n >= 2 && !strcmp(args[1], "create")) ||
	       (!strcmp(cmd, "key") && n >= 2 &&
	        (!strcmp(args[1], "rotate") || !strcmp(args[1], "verify"))) ||
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
	if (!strcmp(cmd, "tenant") && !strcmp(args[1], "terminate"))
		return cmd_tenant_terminate(n - 2, args + 2, (int)idp_rt.cfg->tenant_purge_days);
	if (!strcmp(cmd, "tenant") && !strcmp(args[1], "restore"))
		return cmd_tenant_restore(n - 2, args + 2);
	if (!strcmp(cmd, "tenant") && !strcmp(args[1], "export"))
		return cmd_tenant_export(n - 2, args + 2);
	if (!strcmp(cmd, "tenant") && !strcmp(args[1], "purge"))
		return cmd_tenant_purge(n - 2, args + 2);
	if (!strcmp(cmd, "tenant"))
		return n == 2 ? cmd_tenant_list() : idp_cli_usage();
	if (!strcmp(cmd, "invite"))
		return cmd_invite(n - 1, args + 1);
	if (!strcmp(cmd, "token"))
		return cmd_token_create(n - 2, args + 2);
	if (!strcmp(cmd, "key"))
		return idp_cli_key(n - 1, args + 1);
	if (!strcmp(args[1], "prune"))
		return cmd_audit_prune(n - 2, args + 2);
	return cmd_audit_verify(n - 2, args + 2);
}
