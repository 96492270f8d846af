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
 * connection string says; LC_ALL=C so its messages are the ones we quote,
 * and password_env ("PGPASSWORD=…", may be NULL): a password is never on a
 * command line, where every local user reads it in /proc.  NULL when out of
 * memory; free the array only (the strings are the caller's). */
static char **tool_env(const char *password_env)
{
	static const char *const drop[] = {
	    "PGHOST=",    "PGHOSTADDR=", "PGPORT=", "PGDATABASE=", "PGUSER=",   "PGOPTIONS=",
	    "PGSERVICE=", "PGDATA=",     "LC_ALL=", "LANG=",       "LANGUAGE=", "PGPASSWORD="};
	char **env = calloc(TOOL_ENV_MAX, sizeof *env);
	int n = 0;

	if (!env)
		return NULL;
	env[n++] = "LC_ALL=C";
	if (password_env)
		env[n++] = (char *)password_env;
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

/* A connection string split for a tool: conninfo without the password
 * (for its command line) and "PGPASSWORD=…" (for its environment, NULL
 * when there is none). */
struct tool_conn {
	char *conninfo;
	char *password_env;
};

static void tool_conn_free(struct tool_conn *c)
{
	free(c->conninfo);
	if (c->password_env) {
		explicit_bzero(c->password_env, strlen(c->password_env));
		free(c->password_env);
	}
	c->conninfo = c->password_env = NULL;
}

/* Append key='value' (quoted as libpq reads it) to buf; false when full. */
static bool conn_append(char *buf, size_t bufsz, size_t *len, const char *key, const char *val)
{
	int n = snprintf(buf + *len, bufsz - *len, "%s%s='", *len ? " " : "", key);

	if (n < 0 || (size_t)n >= bufsz - *len)
		return false;
	*len += (size_t)n;
	for (const char *v = val; *v; v++) {
		if (*len + 3 >= bufsz)
			return false;
		if (*v == '\'' || *v == '\\')
			buf[(*len)++] = '\\';
		buf[(*len)++] = *v;
	}
	if (*len + 2 > bufsz)
		return false;
	buf[(*len)++] = '\'';
	buf[*len] = 0;
	return true;
}

/* Split conninfo (key=value or URI) into c with libpq's own parser.
 * IDP_ERR_INVALID with why when libpq cannot read it. */
static enum idp_err tool_conn_split(const char *conninfo, struct tool_conn *c, char *why,
                                    size_t whysz)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	size_t bufsz = strlen(conninfo) * 2 + 64, len = 0;
	enum idp_err err = IDP_ERR_NOMEM;

	c->conninfo = c->password_env = NULL;
	if (!opts) {
		snprintf(why, whysz, "bad connection string: %s", perr ? perr : "out of memory");
		why[strcspn(why, "\n")] = 0;
		err = perr ? IDP_ERR_INVALID : IDP_ERR_NOMEM;
		PQfreemem(perr);
		return err;
	}
	c->conninfo = malloc(bufsz);
	if (!c->conninfo)
		goto out;
	c->conninfo[0] = 0;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "password")) {
			if (asprintf(&c->password_env, "PGPASSWORD=%s", o->val) < 0) {
				c->password_env = NULL;
				goto out;
			}
		} else if (!conn_append(c->conninfo, bufsz, &len, o->keyword, o->val)) {
			goto out;
		}
	}
	err = IDP_OK;
out:
	if (err) {
		snprintf(why, whysz, "out of memory");
		tool_conn_free(c);
	}
	PQconninfoFree(opts);
	return err;
}

/* Run bindir/prog with args, stdin from in_fd and stdout to out_fd (-1:
 * /dev/null), password_env (may be NULL) in its environment, keeping the
 * tail of its stderr.  IDP_OK when it exits 0. */
static enum idp_err run_tool(const char *bindir, const char *prog, const char *const *args,
                             int in_fd, int out_fd, const char *password_env, char *why,
                             size_t whysz)
{
	char path[PATH_MAX];
	const char *argv[24];
	char *errbuf = NULL, **env = NULL;
	size_t got = 0;
	int n = 0, pipefd[2] = {-1, -1}, status = 0;
	pid_t pid, parent = getpid();
	enum idp_err err = IDP_ERR_NOMEM;

	snprintf(why, whysz, "%s failed", prog);
	snprintf(path, sizeof path, "%s/%s", bindir, prog);
	argv[n++] = path;
	for (; args && *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	errbuf = malloc(TOOL_ERR_MAX + 1);
	env = tool_env(password_env);
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
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* a verify blocks some */
		int nul = open("/dev/null", O_RDWR);
		dup2(in_fd >= 0 ? in_fd : nul, STDIN_FILENO);
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
	struct tool_conn c;
	enum idp_err err = tool_conn_split(conninfo, &c, why, whysz);

	if (err)
		return err;
	const char *args[] = {"--format=custom", "--no-password", "--lock-wait-timeout=60000",
	                      "--dbname",        c.conninfo,      NULL};
	err = run_tool(bindir, "pg_dump", args, -1, out_fd, c.password_env, why, whysz);
	tool_conn_free(&c);
	return err;
}

/* Rewind fd for a tool that reads it from the start. */
static enum idp_err rewind_fd(int fd, char *why, size_t whysz)
{
	if (lseek(fd, 0, SEEK_SET) == 0)
		return IDP_OK;
	snprintf(why, whysz, "cannot rewind the dump: %s", strerror(errno));
	return IDP_ERR_IO;
}

enum idp_err store_pg_restore(const char *bindir, const char *conninfo, int in_fd, char *why,
                              size_t whysz)
{
	struct tool_conn c;
	enum idp_err err = rewind_fd(in_fd, why, whysz);

	if (!err)
		err = tool_conn_split(conninfo, &c, why, whysz);
	if (err)
		return err;
	const char *args[] = {"--single-transaction",
	                      "--exit-on-error",
	                      "--no-password",
	                      "--dbname",
	                      c.conninfo,
	                      NULL};
	err = run_tool(bindir, "pg_restore", args, in_fd, -1, c.password_env, why, whysz);
	tool_conn_free(&c);
	return err;
}

/* A new file with no name (0600, in a private 0700 directory removed at
 * once), open for reading and writing: what it holds goes with its last
 * descriptor, even when we are killed.  -1 with why. */
static int anonymous_file(char *why, size_t whysz)
{
	const char *tmpdir = getenv("TMPDIR");
	char dir[PATH_MAX], file[PATH_MAX + 16];
	int fd;

	if (!tmpdir || tmpdir[0] != '/' || strlen(tmpdir) > PATH_MAX - 32)
		tmpdir = "/tmp";
	snprintf(dir, sizeof dir, "%s/sekisho-restore-XXXXXX", tmpdir);
	if (!mkdtemp(dir)) {
		snprintf(why, whysz, "mkdtemp %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(file, sizeof file, "%s/restore.sql", dir);
	fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		snprintf(why, whysz, "cannot create %s: %s", file, strerror(errno));
	else if (unlink(file)) {
		snprintf(why, whysz, "cannot remove %s: %s", file, strerror(errno));
		close(fd);
		fd = -1;
	}
	if (rmdir(dir))
		idp_error("restore: cannot remove %s: %s", dir, strerror(errno));
	return fd;
}

enum idp_err store_pg_replace(const char *bindir, const char *conninfo, int in_fd, char *why,
                              size_t whysz)
{
	struct tool_conn c = {NULL, NULL};
	enum idp_err err = rewind_fd(in_fd, why, whysz);
	int fd = -1;

	if (err)
		return err;
	fd = anonymous_file(why, whysz);
	if (fd < 0)
		return IDP_ERR_IO;
	/* The archive as the SQL script it stands for, then the wipe and the
	 * script in one transaction that stops at the first error: a failed
	 * or killed restore leaves the database as it was. */
	const char *conv[] = {"--file=-", NULL};
	err = run_tool(bindir, "pg_restore", conv, in_fd, fd, NULL, why, whysz);
	if (!err)
		err = rewind_fd(fd, why, whysz);
	if (!err)
		err = tool_conn_split(conninfo, &c, why, whysz);
	if (!err) {
		const char *args[] = {"--no-psqlrc",
		                      "--quiet",
		                      "--no-password",
		                      "--set=ON_ERROR_STOP=1",
		                      "--single-transaction",
		                      "--command",
		                      store_stmts[STMT_DB_WIPE_SCHEMA].sql,
		                      "--file=-",
		                      "--dbname",
		                      c.conninfo,
		                      NULL};
		err = run_tool(bindir, "psql", args, fd, -1, c.password_env, why, whysz);
	}
	tool_conn_free(&c);
	close(fd);
	return err;
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
