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
#include "idp/throttle.h"
#include "mfa/mfa.h"
#include "saml/saml.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/migrate.h"
#include "store/queries.h"
#include "web/web.h"

static struct idp_config cfg;

static int usage(void)
{
	fputs("usage: sekisho [-c FILE] COMMAND\n"
	      "  serve                                  run the daemon\n"
	      "  migrate                                apply schema migrations\n"
	      "  tenant create SLUG [--name NAME]       create a tenant\n"
	      "  tenant list                            list tenants\n"
	      "  invite SLUG EMAIL [--role admin|user]  invite a user; prints the URL\n"
	      "  token create SLUG --name NAME          create an admin API token\n"
	      "  audit verify SLUG                      check the audit hash chain\n"
	      "  audit prune                            apply every tenant's audit retention now\n",
	      stderr);
	return 2;
}

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("sekisho: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/* Config, keys, database (embedded or not) and schema: what every command needs. */
static int open_all(const char *config_path)
{
	char msg[512], conninfo[2048], app_conninfo[2048];
	enum idp_err err;

	idp_config_default(&cfg);
	if (idp_config_load(&cfg, config_path, msg, sizeof msg))
		return fail("config: %s", msg);
	idp_log_set_level(!strcmp(cfg.log_level, "debug")   ? IDP_LOG_DEBUG
	                  : !strcmp(cfg.log_level, "warn")  ? IDP_LOG_WARN
	                  : !strcmp(cfg.log_level, "error") ? IDP_LOG_ERROR
	                                                    : IDP_LOG_INFO);
	idp_throttle_configure(cfg.ip_max_failures, cfg.ip_window_seconds);
	if (idp_init(&cfg))
		return fail("%s", "cannot initialise keys (see log)");
	/* Refuse a bad certificate before anything else starts. */
	if (web_tls_check(&cfg))
		return fail("%s", "tls_cert/tls_key: see the message above");
	if (!cfg.database_url[0]) {
		struct store_embedded_opts o = {cfg.data_dir, cfg.pg_bindir, cfg.pg_user};
		err = store_embedded_start(&o, conninfo, app_conninfo, sizeof conninfo);
		if (err)
			return fail("embedded database: %s (see log)", idp_strerror(err));
	} else {
		snprintf(conninfo, sizeof conninfo, "%s", cfg.database_url);
		snprintf(app_conninfo, sizeof app_conninfo, "%s",
		         cfg.database_app_url[0] ? cfg.database_app_url : cfg.database_url);
	}
	if (store_configure(conninfo))
		return fail("%s", "out of memory");
	/* Schema first: every command runs against the current version. */
	for (int attempt = 0;; attempt++) {
		err = store_migrate(NULL);
		if (err != IDP_ERR_DB || attempt >= 30)
			break;
		idp_warn("database not reachable yet; retrying");
		sleep(1);
	}
	if (err)
		return fail("migrate: %s (see log)", idp_strerror(err));
	/* Migrations ran as the schema owner; everything else runs as the
	 * application role. */
	store_thread_done();
	if (store_configure(app_conninfo))
		return fail("%s", "out of memory");
	return 0;
}

static void close_all(void)
{
	store_thread_done();
	store_embedded_stop();
	idp_config_free(&cfg);
}

/* The hourly retention job of the daemon (and once at start). */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static bool job_stop;

static void *retention_job(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&job_lock);
	while (!job_stop) {
		pthread_mutex_unlock(&job_lock);
		if (idp_retention_run(NULL))
			idp_warn(
			    "retention: not every tenant could be pruned; retrying in an hour");
		pthread_mutex_lock(&job_lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 3600;
		while (!job_stop && pthread_cond_timedwait(&job_cond, &job_lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&job_lock);
	store_thread_done();
	return NULL;
}

static int cmd_serve(void)
{
	sigset_t set;
	int sig = 0;
	pthread_t job;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Block before threads start so only sigwait sees these. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (web_start(&cfg))
		return fail("%s", "cannot start HTTP server (see log)");
	bool have_job = pthread_create(&job, NULL, retention_job, NULL) == 0;
	idp_info("sekisho ready");
	while (sigwait(&set, &sig) == 0) {
		if (sig == SIGHUP)
			continue;
		break;
	}
	idp_info("shutting down (signal %d)", sig);
	web_stop();
	if (have_job) {
		pthread_mutex_lock(&job_lock);
		job_stop = true;
		pthread_cond_signal(&job_cond);
		pthread_mutex_unlock(&job_lock);
		pthread_join(job, NULL);
	}
	return 0;
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
			return fail("tenant create: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug)
		return fail("%s", "tenant create: SLUG missing");
	if (!idp_slug_valid(slug))
		return fail("tenant create: invalid slug \"%s\" (1-63 of a-z, 0-9, -)", slug);
	err = idp_tenant_create(slug, name, &id);
	if (err == IDP_ERR_CONFLICT)
		return fail("tenant create: tenant \"%s\" already exists", slug);
	if (err == IDP_ERR_INVALID)
		return fail("%s", "tenant create: invalid name");
	if (err)
		return fail("tenant create: %s", idp_strerror(err));
	printf("%s\n", slug);
	return 0;
}

static int cmd_tenant_list(void)
{
	struct store_conn *c = store_conn_get();
	struct store_res *r = NULL;

	if (!c || store_begin(c, 0) || store_exec(c, STMT_TENANT_LIST, 0, NULL, &r))
		return fail("%s", "tenant list: database error (see log)");
	store_rollback(c);
	printf("%-24s %-10s %-20s %s\n", "SLUG", "STATUS", "CREATED", "NAME");
	for (int i = 0; i < store_res_rows(r); i++) {
		char iso[21];
		idp_time_iso(store_res_i64(r, i, 4), iso);
		printf("%-24s %-10s %-20s %s\n", store_res_str(r, i, 1), store_res_str(r, i, 3),
		       iso, store_res_str(r, i, 2));
	}
	store_res_free(r);
	return 0;
}

static int load_tenant(const char *slug, struct idp_tenant *t)
{
	enum idp_err err = idp_tenant_load(slug, t);

	if (err == IDP_ERR_NOT_FOUND)
		return fail("no such tenant \"%s\"", slug);
	if (err)
		return fail("database: %s", idp_strerror(err));
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
			return fail("invite: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug || !email)
		return fail("%s", "invite: SLUG and EMAIL required");
	if (strcmp(role, "admin") && strcmp(role, "user"))
		return fail("invite: --role must be admin or user, not \"%s\"", role);
	if (!idp_email_valid(email))
		return fail("invite: invalid e-mail address \"%s\"", email);
	if (load_tenant(slug, &t))
		return 1;
	err = idp_invite(&t, &op, email, role, &inv);
	if (err == IDP_ERR_CONFLICT)
		return fail("invite: %s already has an account", email);
	if (err)
		return fail("invite: %s", idp_strerror(err));
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
			return fail("token create: unexpected argument \"%s\"", argv[i]);
	}
	if (!slug || !name)
		return fail("%s", "token create: SLUG and --name NAME required");
	if (load_tenant(slug, &t))
		return 1;
	err = idp_token_create(&t, name, token);
	if (err == IDP_ERR_INVALID)
		return fail("%s", "token create: invalid name");
	if (err)
		return fail("token create: %s", idp_strerror(err));
	printf("%s\n", token);
	idp_wipe(token, sizeof token);
	return 0;
}

static int cmd_audit_prune(int argc, char **argv)
{
	long n = 0;
	enum idp_err err;

	if (argc != 0)
		return fail("%s", "audit prune: takes no arguments");
	err = idp_retention_run(&n);
	if (err)
		return fail("audit prune: %s (see log)", idp_strerror(err));
	printf("removed %ld audit events past their tenants' retention\n", n);
	return 0;
}

static int cmd_audit_verify(int argc, char **argv)
{
	struct idp_tenant t;
	long checked = 0;
	int64_t bad = 0;
	enum idp_err err;

	if (argc != 1)
		return fail("%s", "audit verify: SLUG required");
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
		return fail("audit verify: %s", idp_strerror(err));
	printf("audit chain of %s intact: %ld events\n", t.slug, checked);
	return 0;
}

int idp_cli_main(int argc, char **argv)
{
	const char *config_path = NULL;
	char *args[64];
	int n = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c")) {
			if (i + 1 >= argc)
				return fail("%s", "-c needs a FILE");
			config_path = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return usage();
		} else if (n < 63) {
			args[n++] = argv[i];
		}
	}
	args[n] = NULL;
	if (n == 0)
		return usage();
	const char *cmd = args[0];
	bool known = !strcmp(cmd, "serve") || !strcmp(cmd, "migrate") ||
	             (!strcmp(cmd, "tenant") && n >= 2 &&
	              (!strcmp(args[1], "create") || !strcmp(args[1], "list"))) ||
	             !strcmp(cmd, "invite") ||
	             (!strcmp(cmd, "token") && n >= 2 && !strcmp(args[1], "create")) ||
	             (!strcmp(cmd, "audit") && n >= 2 &&
	              (!strcmp(args[1], "verify") || !strcmp(args[1], "prune")));
	if (!known)
		return usage();
	if (saml_global_init() || mfa_global_init())
		return 1;
	rc = open_all(config_path);
	if (rc) {
		close_all();
		return rc;
	}
	if (!strcmp(cmd, "serve"))
		rc = n == 1 ? cmd_serve() : usage();
	else if (!strcmp(cmd, "migrate"))
		rc = n == 1 ? (printf("schema up to date\n"), 0) : usage();
	else if (!strcmp(cmd, "tenant") && !strcmp(args[1], "create"))
		rc = cmd_tenant_create(n - 2, args + 2);
	else if (!strcmp(cmd, "tenant"))
		rc = n == 2 ? cmd_tenant_list() : usage();
	else if (!strcmp(cmd, "invite"))
		rc = cmd_invite(n - 1, args + 1);
	else if (!strcmp(cmd, "token"))
		rc = cmd_token_create(n - 2, args + 2);
	else if (!strcmp(args[1], "prune"))
		rc = cmd_audit_prune(n - 2, args + 2);
	else
		rc = cmd_audit_verify(n - 2, args + 2);
	close_all();
	mfa_global_done();
	saml_global_done();
	return rc;
}
