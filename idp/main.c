/*
 * sekisho: an identity provider and SSO gateway.  The program's start-up is
 * the one place that knows every layer: it reads the configuration, starts
 * the embedded database (or connects to the configured one), applies
 * migrations, initialises Lasso and liboath, and for `serve` starts the
 * HTTP server and the retention job; every other command is idp/cli.c's.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/backup.h"
#include "idp/cli.h"
#include "idp/idp.h"
#include "idp/keys.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "idp/throttle.h"
#include "idp/watch.h"
#include "mfa/mfa.h"
#include "saml/saml.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/migrate.h"
#include "web/web.h"

#define fail idp_cli_fail

static struct idp_config cfg;
/* The database as the schema owner, as the application, and as a role that
 * reads every row (backups). */
static char owner_ci[2048], app_ci[2048], admin_ci[2048];

/* The configuration, and logging as it says. */
static int load_config(const char *config_path)
{
	char msg[512];

	idp_config_default(&cfg);
	if (idp_config_load(&cfg, config_path, msg, sizeof msg))
		return fail("config: %s", msg);
	idp_log_set_level(!strcmp(cfg.log_level, "debug")   ? IDP_LOG_DEBUG
	                  : !strcmp(cfg.log_level, "warn")  ? IDP_LOG_WARN
	                  : !strcmp(cfg.log_level, "error") ? IDP_LOG_ERROR
	                                                    : IDP_LOG_INFO);
	idp_log_set_format(!strcmp(cfg.log_format, "json") ? IDP_LOG_JSON : IDP_LOG_LOGFMT);
	return 0;
}

/* Config, keys, database (embedded or not) and schema: what every command needs. */
static int open_all(const char *config_path, bool key_rotation)
{
	enum idp_err err;

	if (load_config(config_path))
		return 1;
	idp_throttle_configure(cfg.ip_max_failures, cfg.ip_window_seconds);
	if (idp_init(&cfg))
		return fail("%s", "cannot initialise keys (see log)");
	/* Refuse a bad certificate before anything else starts. */
	if (web_tls_check(&cfg))
		return fail("%s", "tls_cert/tls_key: see the message above");
	if (!cfg.database_url[0]) {
		struct store_embedded_opts o = {cfg.data_dir, cfg.pg_bindir, cfg.pg_user};
		err = store_embedded_start(&o, owner_ci, app_ci, sizeof owner_ci);
		if (!err)
			err = store_embedded_admin_conninfo(admin_ci, sizeof admin_ci);
		if (err)
			return fail("embedded database: %s (see log)", idp_strerror(err));
	} else {
		snprintf(owner_ci, sizeof owner_ci, "%s", cfg.database_url);
		snprintf(admin_ci, sizeof admin_ci, "%s", cfg.database_url);
		snprintf(app_ci, sizeof app_ci, "%s",
		         cfg.database_app_url[0] ? cfg.database_app_url : cfg.database_url);
	}
	if (store_configure(owner_ci))
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
	if (store_configure(app_ci))
		return fail("%s", "out of memory");
	/* The key lock is held on this thread's connection until the end. */
	err = idp_keys_open(key_rotation);
	if (err)
		return fail("master key: %s (see the log above)", idp_strerror(err));
	return 0;
}

static void close_all(void)
{
	store_thread_done();
	store_embedded_stop();
	idp_config_free(&cfg);
}

/* The daemon's own jobs: one thread that wakes every minute and runs what
 * is due (audit retention hourly, and once at start; the purge of
 * terminated tenants past their date every minute; the daily backup). */
static pthread_mutex_t job_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t job_cond = PTHREAD_COND_INITIALIZER;
static bool job_stop;

static void jobs_run(time_t now, time_t *next_retention, time_t *next_backup)
{
	if (now >= *next_retention) {
		if (idp_retention_run(NULL))
			idp_warn(
			    "retention: not every tenant could be pruned; retrying in an hour");
		*next_retention = now + 3600;
	}
	/* Every node runs it; the tenant row's lock lets one purge and the
	 * others find nothing left (idp/tenant_ops.c). */
	if (idp_tenant_purge_due(NULL))
		idp_warn("%s", "purge: not every tenant due could be purged; retrying in a minute");
	if (cfg.backup_dir[0] && now >= *next_backup) {
		struct idp_backup_opts o = {cfg.backup_dir, cfg.backup_keep, cfg.pg_bindir,
		                            admin_ci, true};
		bool taken = false;
		enum idp_err err = idp_backup_daily(&o, cfg.backup_minute, now, &taken);
		/* A failed backup is tried again in an hour, not every minute. */
		*next_backup = err && taken ? now + 3600 : 0;
		if (err && !taken)
			idp_warn("daily backup: cannot tell whether it is due: %s",
			         idp_strerror(err));
	}
}

static void *jobs_thread(void *arg)
{
	time_t next_retention = 0, next_backup = 0;

	(void)arg;
	pthread_mutex_lock(&job_lock);
	while (!job_stop) {
		pthread_mutex_unlock(&job_lock);
		jobs_run(time(NULL), &next_retention, &next_backup);
		pthread_mutex_lock(&job_lock);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 60;
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
	int sig = 0, rc = 0;
	pthread_t job;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	/* Block before threads start so only sigwait sees these. */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	idp_session_cache_configure(cfg.session_cache_max, 0);
	if (idp_watch_start())
		idp_warn("cache watcher not started: every request reads the database");
	if (web_start(&cfg)) {
		idp_watch_stop();
		return fail("%s", "cannot start HTTP server (see log)");
	}
	bool have_job = pthread_create(&job, NULL, jobs_thread, NULL) == 0;
	idp_info("sekisho ready");
	/* Every minute: keep the key lock and check that the master key was
	 * not rotated under us (our derived keys would be stale). */
	struct timespec minute = {60, 0};
	for (;;) {
		sig = sigtimedwait(&set, NULL, &minute);
		if (sig < 0 && idp_keys_guard() == IDP_ERR_CONFLICT) {
			rc = 1;
			break;
		}
		if (sig < 0 || sig == SIGHUP)
			continue;
		break;
	}
	if (rc)
		idp_error("%s",
		          "shutting down: this daemon's master key is not the database's any more");
	else
		idp_info("shutting down (signal %d)", sig);
	web_stop();
	idp_watch_stop();
	if (have_job) {
		pthread_mutex_lock(&job_lock);
		job_stop = true;
		pthread_cond_signal(&job_cond);
		pthread_mutex_unlock(&job_lock);
		pthread_join(job, NULL);
	}
	return rc;
}

int main(int argc, char **argv)
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
			return idp_cli_help();
		} else if (n < 63) {
			args[n++] = argv[i];
		}
	}
	args[n] = NULL;
	if (n == 1 && !strcmp(args[0], "help"))
		return idp_cli_help();
	if (n == 0 || !idp_cli_known(n, args))
		return idp_cli_usage();
	if (saml_global_init() || mfa_global_init())
		return 1;
	idp_oplog_identity(strcmp(args[0], "serve") == 0 ? "daemon" : "operator");
	if (!strcmp(args[0], "db")) {
		/* Prepares a server: no database of ours to open yet. */
		rc = load_config(config_path);
		if (!rc)
			rc = idp_cli_db_setup(n - 2, args + 2);
		idp_config_free(&cfg);
		mfa_global_done();
		saml_global_done();
		return rc;
	}
	rc = open_all(config_path, idp_cli_key_rotation(n, args));
	if (!rc && !strcmp(args[0], "serve"))
		rc = n == 1 ? cmd_serve() : idp_cli_usage();
	else if (!rc && idp_cli_backup_known(n, args)) {
		struct idp_backup_env e = {cfg.pg_bindir, cfg.pg_user, admin_ci, owner_ci, app_ci};
		rc = idp_cli_backup(&e, &cfg, n, args);
	} else if (!rc)
		rc = idp_cli_run(n, args);
	close_all();
	mfa_global_done();
	saml_global_done();
	return rc;
}
