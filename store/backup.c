/* Database tooling for backups: see store/backup.h. */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idp/log.h"
#include "store/internal.h"

#define TOOL_ERR_MAX 8192 /* the tail of a tool's stderr we keep */
#define TOOL_ENV_MAX 256

extern char **environ;

/* Our environment for a tool, less what would point it elsewhere than the
 * connection string says; LC_ALL=C so its messages are the ones we quote.
 * NULL when out of memory; free the array only (the strings are
 * environ's). */
static char **tool_env(void)
{
	static const char *const drop[] = {
	    "PGHOST=",    "PGHOSTADDR=", "PGPORT=", "PGDATABASE=", "PGUSER=",  "PGOPTIONS=",
	    "PGSERVICE=", "PGDATA=",     "LC_ALL=", "LANG=",       "LANGUAGE="};
	char **env = calloc(TOOL_ENV_MAX, sizeof *env);
	int n = 0;

	if (!env)
		return NULL;
	env[n++] = "LC_ALL=C";
	for (char **e = environ; e && *e && n < TOOL_ENV_MAX - 1; e++) {
		bool keep = true;
		for (size_t i = 0; i < sizeof drop / sizeof drop[0]; i++)
			keep &= strncmp(*e, drop[i], strlen(drop[i])) != 0;
		if (keep)
			env[n++] = *e;
	}
	return env;
}

/* The tool's reason from its stderr text (changed in place): the last
 * "error: " line without its prefix, else the last non-empty line. */
static const char *reason(char *text)
{
	const char *found = NULL, *last = text;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *e = strstr(line, "error: ");
		if (e)
			found = e + 7;
		if (line[strspn(line, " \r\t")])
			last = line;
	}
	return found ? found : last;
}

/* Run bindir/prog with args, stdout to out_fd (-1: /dev/null), keeping the
 * tail of its stderr.  IDP_OK when it exits 0. */
static enum idp_err run_tool(const char *bindir, const char *prog, const char *const *args,
                             int out_fd, char *why, size_t whysz)
{
	char path[PATH_MAX];
	const char *argv[16];
	char *errbuf = NULL, **env = NULL;
	size_t got = 0;
	int n = 0, pipefd[2] = {-1, -1}, status = 0;
	pid_t pid, parent = getpid();
	enum idp_err err = IDP_ERR_NOMEM;

	snprintf(why, whysz, "%s failed", prog);
	snprintf(path, sizeof path, "%s/%s", bindir, prog);
	argv[n++] = path;
	for (; args && *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	errbuf = malloc(TOOL_ERR_MAX + 1);
	env = tool_env();
	if (!errbuf || !env)
		goto out;
	err = IDP_ERR_IO;
	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(why, whysz, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whysz, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* Killed with us: a dump must not go on writing after its
		 * process is gone. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0)
			dup2(nul, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : nul, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		execve(path, (char *const *)argv, env);
		_exit(127);
	}
	close(pipefd[1]);
	pipefd[1] = -1;
	for (;;) {
		if (got == TOOL_ERR_MAX) {
			/* Keep the newest half: the error is at the end. */
			memmove(errbuf, errbuf + TOOL_ERR_MAX / 2, TOOL_ERR_MAX / 2);
			got = TOOL_ERR_MAX / 2;
		}
		ssize_t r = read(pipefd[0], errbuf + got, TOOL_ERR_MAX - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	errbuf[got] = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		err = IDP_OK;
		goto out;
	}
	if (got)
		idp_error("%s: %s", prog, errbuf);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(why, whysz, "cannot run %s", path);
	else if (status != -1 && WIFSIGNALED(status))
		snprintf(why, whysz, "%s killed by signal %d", prog, WTERMSIG(status));
	else if (got)
		snprintf(why, whysz, "%s", reason(errbuf));
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	free(errbuf);
	free(env);
	return err;
}

enum idp_err store_pg_dump(const char *bindir, const char *conninfo, int out_fd, char *why,
                           size_t whysz)
{
	const char *args[] = {"--format=custom", "--no-password", "--lock-wait-timeout=60000",
	                      "--dbname",        conninfo,        NULL};

	return run_tool(bindir, "pg_dump", args, out_fd, why, whysz);
}

enum idp_err store_pg_restore(const char *bindir, const char *conninfo, const char *path, char *why,
                              size_t whysz)
{
	const char *args[] = {"--single-transaction",
	                      "--exit-on-error",
	                      "--no-password",
	                      "--dbname",
	                      conninfo,
	                      path,
	                      NULL};

	return run_tool(bindir, "pg_restore", args, -1, why, whysz);
}

struct store_admin {
	PGconn *pg;
};

static void notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	idp_debug("postgres: %s", msg);
}

enum idp_err store_admin_open(const char *conninfo, struct store_admin **out, char *why,
                              size_t whysz)
{
	struct store_admin *a = calloc(1, sizeof *a);

	*out = NULL;
	if (!a)
		return IDP_ERR_NOMEM;
	a->pg = PQconnectdb(conninfo);
	if (PQstatus(a->pg) != CONNECTION_OK) {
		snprintf(why, whysz, "%s", PQerrorMessage(a->pg));
		why[strcspn(why, "\n")] = 0;
		idp_error("database connect failed: %s", PQerrorMessage(a->pg));
		store_admin_close(a);
		return IDP_ERR_DB;
	}
	/* DROP SCHEMA's list of what it cascades to is not for the operator. */
	PQsetNoticeProcessor(a->pg, notice_quiet, NULL);
	*out = a;
	return IDP_OK;
}

void store_admin_close(struct store_admin *a)
{
	if (!a)
		return;
	PQfinish(a->pg);
	free(a);
}

/* Run statement stmt (no parameters); *r (may be NULL) gets its result. */
static enum idp_err admin_exec(struct store_admin *a, int stmt, PGresult **r)
{
	PGresult *res = PQexec(a->pg, store_stmts[stmt].sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		idp_error("database %s failed: %s", store_stmts[stmt].name,
		          PQresultErrorMessage(res));
		PQclear(res);
		return IDP_ERR_DB;
	}
	if (r)
		*r = res;
	else
		PQclear(res);
	return IDP_OK;
}

/* Run stmt and read the first row's column col as an integer. */
static enum idp_err admin_long(struct store_admin *a, int stmt, int col, long *v)
{
	PGresult *r = NULL;
	enum idp_err err = admin_exec(a, stmt, &r);

	if (err)
		return err;
	if (PQntuples(r) != 1 || PQnfields(r) <= col) {
		PQclear(r);
		return IDP_ERR_DB;
	}
	const char *t = PQgetvalue(r, 0, col);
	*v = t[0] == 't' ? 1 : t[0] == 'f' ? 0 : strtol(t, NULL, 10);
	PQclear(r);
	return IDP_OK;
}

enum idp_err store_admin_schema_version(struct store_admin *a, int *version)
{
	long v = 0;
	enum idp_err err = admin_long(a, STMT_DB_SCHEMA_VERSION, 0, &v);

	*version = (int)v;
	return err;
}

enum idp_err store_admin_contents(struct store_admin *a, long *tenants, long *op_events)
{
	enum idp_err err = admin_long(a, STMT_DB_CONTENTS, 0, tenants);

	if (!err)
		err = admin_long(a, STMT_DB_CONTENTS, 1, op_events);
	return err;
}

enum idp_err store_admin_other_sessions(struct store_admin *a, long *n)
{
	return admin_long(a, STMT_DB_OTHER_SESSIONS, 0, n);
}

enum idp_err store_admin_wipe_schema(struct store_admin *a)
{
	return admin_exec(a, STMT_DB_WIPE_SCHEMA, NULL);
}

enum idp_err store_admin_app_grants(struct store_admin *a, bool *ok)
{
	long v = 0;
	enum idp_err err = admin_long(a, STMT_DB_APP_GRANTS, 0, &v);

	*ok = v == 1;
	return err;
}

enum idp_err store_admin_try_backup_lock(struct store_admin *a, bool *got)
{
	long v = 0;
	enum idp_err err = admin_long(a, STMT_DB_BACKUP_TRY_LOCK, 0, &v);

	*got = v == 1;
	return err;
}
