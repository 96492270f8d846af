/* The embedded PostgreSQL cluster: see store/embedded.h. */
#include "store/embedded.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idp/log.h"

#define SUPERUSER  "sekisho_super"
#define OWNER_ROLE "sekisho"     /* owns the schema; runs migrations */
#define APP_ROLE   "sekisho_app" /* the daemon's queries: owns nothing, no BYPASSRLS */
#define APP_DB     "sekisho"
#define PG_PORT    "5432"

static struct {
	bool active;
	int users_fd;
	char pgdir[PATH_MAX];
	char datadir[PATH_MAX];
	char sockdir[PATH_MAX];
	char logfile[PATH_MAX];
	char bindir[PATH_MAX];
	uid_t uid;
	gid_t gid;
	bool drop; /* run PostgreSQL tools as uid/gid */
} emb = {.users_fd = -1};

/* Run bindir/prog with args as the cluster's account; stdout and stderr go
 * to the cluster log.  Returns the exit status, or -1. */
static int run_pg(const char *prog, const char *const *args)
{
	char path[PATH_MAX];
	const char *argv[16];
	int n = 0;
	pid_t pid;
	int status;

	snprintf(path, sizeof path, "%s/%s", emb.bindir, prog);
	argv[n++] = path;
	for (; args && *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		idp_error("embedded postgres: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open(emb.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (emb.drop && (setgroups(0, NULL) || setgid(emb.gid) || setuid(emb.uid)))
			_exit(126);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		/* A stray PG* variable in our environment must not redirect the tools. */
		unsetenv("PGDATA");
		unsetenv("PGHOST");
		unsetenv("PGPORT");
		execv(path, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static enum idp_err make_dir(const char *path, bool own)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		idp_error("embedded postgres: mkdir %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	if (own && emb.drop && chown(path, emb.uid, emb.gid)) {
		idp_error("embedded postgres: chown %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	return IDP_OK;
}

/* Can the cluster's account reach dir?  PostgreSQL fails obscurely otherwise. */
static bool reachable(const char *dir)
{
	pid_t pid;
	int status;

	if (!emb.drop)
		return access(dir, R_OK | W_OK | X_OK) == 0;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(emb.gid) || setuid(emb.uid))
			_exit(1);
		_exit(access(dir, R_OK | W_OK | X_OK) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int lock_file(const char *name, int op)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof path, "%s/%s", emb.pgdir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		idp_error("embedded postgres: open %s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, op)) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static enum idp_err write_conf(void)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/postgresql.auto.conf", emb.datadir);
	f = fopen(path, "a");
	if (!f) {
		idp_error("embedded postgres: %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	/* Unix socket only, reachable only by the cluster's own account (and root). */
	fprintf(f,
	        "listen_addresses = ''\n"
	        "unix_socket_directories = '%s'\n"
	        "unix_socket_permissions = 0700\n"
	        "port = " PG_PORT "\n"
	        "max_connections = 200\n"
	        "shared_buffers = '64MB'\n"
	        "log_min_messages = warning\n"
	        "log_line_prefix = '%%m [%%p] '\n",
	        emb.sockdir);
	fclose(f);
	if (emb.drop && chown(path, emb.uid, emb.gid))
		return IDP_ERR_IO;
	return IDP_OK;
}

static enum idp_err init_cluster(void)
{
	char version[PATH_MAX];
	const char *args[] = {"-D", emb.datadir, "-U",         SUPERUSER,           "--auth=trust",
	                      "-E", "UTF8",      "--locale=C", "--no-instructions", NULL};

	snprintf(version, sizeof version, "%s/PG_VERSION", emb.datadir);
	if (access(version, F_OK) == 0)
		return IDP_OK;
	idp_info("embedded postgres: initialising cluster in %s", emb.datadir);
	if (run_pg("initdb", args) != 0) {
		idp_error("embedded postgres: initdb failed, see %s", emb.logfile);
		return IDP_ERR_IO;
	}
	return write_conf();
}

static bool running(void)
{
	const char *args[] = {"-D", emb.datadir, "status", NULL};

	return run_pg("pg_ctl", args) == 0;
}

static enum idp_err bootstrap_roles(void)
{
	char ci[PATH_MAX + 128];
	PGconn *pg;
	PGresult *r;
	enum idp_err err = IDP_OK;
	static const char *const sql[] = {
	    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" OWNER_ROLE "') "
	    "THEN CREATE ROLE " OWNER_ROLE " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
	    "NOBYPASSRLS; END IF; "
	    "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" APP_ROLE "') "
	    "THEN CREATE ROLE " APP_ROLE " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
	    "NOBYPASSRLS; END IF; END $$",
	};

	snprintf(ci, sizeof ci, "host=%s port=" PG_PORT " user=" SUPERUSER " dbname=postgres",
	         emb.sockdir);
	pg = PQconnectdb(ci);
	if (PQstatus(pg) != CONNECTION_OK) {
		idp_error("embedded postgres: connect: %s", PQerrorMessage(pg));
		err = IDP_ERR_DB;
		goto out;
	}
	r = PQexec(pg, sql[0]);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		idp_error("embedded postgres: create role: %s", PQresultErrorMessage(r));
		err = IDP_ERR_DB;
	}
	PQclear(r);
	if (err)
		goto out;
	r = PQexec(pg, "SELECT 1 FROM pg_database WHERE datname = '" APP_DB "'");
	bool have = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	PQclear(r);
	if (!have) {
		r = PQexec(pg, "CREATE DATABASE " APP_DB " OWNER " OWNER_ROLE " ENCODING 'UTF8'");
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			idp_error("embedded postgres: create database: %s",
			          PQresultErrorMessage(r));
			err = IDP_ERR_DB;
		}
		PQclear(r);
	}
out:
	PQfinish(pg);
	return err;
}

enum idp_err store_embedded_start(const struct store_embedded_opts *o, char *owner_conninfo,
                                  char *app_conninfo, size_t conninfosz)
{
	char abs[PATH_MAX];
	enum idp_err err = IDP_OK;
	int ctl = -1;

	if (emb.active)
		goto done;
	if (mkdir(o->data_dir, 0700) && errno != EEXIST) {
		idp_error("data_dir %s: %s", o->data_dir, strerror(errno));
		return IDP_ERR_IO;
	}
	if (!realpath(o->data_dir, abs)) {
		idp_error("data_dir %s: %s", o->data_dir, strerror(errno));
		return IDP_ERR_IO;
	}
	snprintf(emb.pgdir, sizeof emb.pgdir, "%s/pg", abs);
	snprintf(emb.datadir, sizeof emb.datadir, "%s/data", emb.pgdir);
	snprintf(emb.sockdir, sizeof emb.sockdir, "%s/run", emb.pgdir);
	snprintf(emb.logfile, sizeof emb.logfile, "%s/postgresql.log", emb.pgdir);
	snprintf(emb.bindir, sizeof emb.bindir, "%s", o->bindir);
	if (strlen(emb.sockdir) > 90) {
		idp_error("data_dir %s: path too long for a PostgreSQL Unix socket", abs);
		return IDP_ERR_CONFIG;
	}
	emb.drop = geteuid() == 0;
	if (emb.drop) {
		struct passwd *pw = getpwnam(o->run_as);
		if (!pw) {
			idp_error(
			    "pg_user: no such account \"%s\" (PostgreSQL refuses to run as root)",
			    o->run_as);
			return IDP_ERR_CONFIG;
		}
		emb.uid = pw->pw_uid;
		emb.gid = pw->pw_gid;
	}
	/* The cluster's account must be able to pass through data_dir (not list
	 * or read it: the master key stays 0600 root's). */
	struct stat st;
	if (emb.drop && stat(abs, &st) == 0 && !(st.st_mode & S_IXOTH) && st.st_uid == geteuid() &&
	    chmod(abs, (st.st_mode & 07777) | S_IXOTH)) {
		idp_error("data_dir %s: chmod: %s", abs, strerror(errno));
		return IDP_ERR_IO;
	}
	err = make_dir(emb.pgdir, true);
	if (err)
		return err;
	if (!reachable(emb.pgdir)) {
		idp_error(
		    "data_dir %s: not reachable by account \"%s\"; every parent directory must "
		    "be searchable by it",
		    abs, o->run_as);
		return IDP_ERR_CONFIG;
	}
	ctl = lock_file("ctl.lock", LOCK_EX);
	if (ctl < 0)
		return IDP_ERR_IO;
	err = make_dir(emb.sockdir, true);
	if (err)
		goto out;
	/* Pre-create the log so the account can append to it. */
	int lf = open(emb.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (lf >= 0) {
		if (emb.drop && fchown(lf, emb.uid, emb.gid))
			idp_warn("embedded postgres: chown log: %s", strerror(errno));
		close(lf);
	}
	err = init_cluster();
	if (err)
		goto out;
	if (!running()) {
		const char *args[] = {"-D", emb.datadir, "-l",    emb.logfile, "-w",
		                      "-t", "60",        "start", NULL};
		idp_info("embedded postgres: starting cluster in %s", emb.datadir);
		if (run_pg("pg_ctl", args) != 0) {
			idp_error("embedded postgres: pg_ctl start failed, see %s", emb.logfile);
			err = IDP_ERR_DB;
			goto out;
		}
	}
	err = bootstrap_roles();
	if (err)
		goto out;
	emb.users_fd = lock_file("users.lock", LOCK_SH);
	if (emb.users_fd < 0) {
		err = IDP_ERR_IO;
		goto out;
	}
	emb.active = true;
out:
	if (ctl >= 0)
		close(ctl);
	if (err)
		return err;
done:
	snprintf(owner_conninfo, conninfosz,
	         "host=%s port=" PG_PORT " user=" OWNER_ROLE " dbname=" APP_DB
	         " application_name=sekisho-migrate connect_timeout=5",
	         emb.sockdir);
	snprintf(app_conninfo, conninfosz,
	         "host=%s port=" PG_PORT " user=" APP_ROLE " dbname=" APP_DB
	         " application_name=sekisho connect_timeout=5",
	         emb.sockdir);
	return IDP_OK;
}

void store_embedded_stop(void)
{
	int ctl;

	if (!emb.active)
		return;
	emb.active = false;
	ctl = lock_file("ctl.lock", LOCK_EX);
	/* Give up our share; if nobody else holds one, we are the last user. */
	flock(emb.users_fd, LOCK_UN);
	if (flock(emb.users_fd, LOCK_EX | LOCK_NB) == 0) {
		const char *args[] = {"-D", emb.datadir, "-m",   "fast", "-w",
		                      "-t", "60",        "stop", NULL};
		if (running()) {
			idp_info("embedded postgres: stopping cluster");
			if (run_pg("pg_ctl", args) != 0)
				idp_error("embedded postgres: pg_ctl stop failed, see %s",
				          emb.logfile);
		}
	}
	close(emb.users_fd);
	emb.users_fd = -1;
	if (ctl >= 0)
		close(ctl);
}
