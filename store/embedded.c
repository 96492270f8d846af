/* The embedded PostgreSQL cluster: see store/embedded.h. */
#include "store/embedded.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libpq-fe.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
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

/* A private cluster: the embedded one, or a scratch one for checking a
 * backup. */
struct cluster {
	char pgdir[PATH_MAX];
	char datadir[PATH_MAX];
	char sockdir[PATH_MAX];
	char logfile[PATH_MAX];
	char bindir[PATH_MAX];
	uid_t uid;
	gid_t gid;
	bool drop; /* run PostgreSQL tools as uid/gid */
};

static struct {
	bool active;
	int users_fd;
	struct cluster cl;
} emb = {.users_fd = -1};

/* Run bindir/prog with args as the cluster's account; stdout and stderr go
 * to the cluster log.  Returns the exit status, or -1. */
static int run_pg(const struct cluster *cl, const char *prog, const char *const *args)
{
	char path[PATH_MAX];
	const char *argv[16];
	int n = 0;
	pid_t pid;
	int status;

	snprintf(path, sizeof path, "%s/%s", cl->bindir, prog);
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
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* a verify blocks some */
		int fd = open(cl->logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDONLY);
		if (cl->drop && (setgroups(0, NULL) || setgid(cl->gid) || setuid(cl->uid)))
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

static enum idp_err make_dir(const struct cluster *cl, const char *path, bool own)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		idp_error("embedded postgres: mkdir %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	if (own && cl->drop && chown(path, cl->uid, cl->gid)) {
		idp_error("embedded postgres: chown %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	return IDP_OK;
}

/* Can the cluster's account reach dir?  PostgreSQL fails obscurely otherwise. */
static bool reachable(const struct cluster *cl, const char *dir)
{
	pid_t pid;
	int status;

	if (!cl->drop)
		return access(dir, R_OK | W_OK | X_OK) == 0;
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(cl->gid) || setuid(cl->uid))
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

	snprintf(path, sizeof path, "%s/%s", emb.cl.pgdir, name);
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

static enum idp_err write_conf(const struct cluster *cl, const char *extra)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/postgresql.auto.conf", cl->datadir);
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
	        "log_line_prefix = '%%m [%%p] '\n"
	        "%s",
	        cl->sockdir, extra);
	if (fclose(f)) {
		idp_error("embedded postgres: %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	if (cl->drop && chown(path, cl->uid, cl->gid))
		return IDP_ERR_IO;
	return IDP_OK;
}

static enum idp_err init_cluster(const struct cluster *cl, const char *extra)
{
	char version[PATH_MAX];
	const char *args[] = {"-D", cl->datadir, "-U",         SUPERUSER,           "--auth=trust",
	                      "-E", "UTF8",      "--locale=C", "--no-instructions", NULL};

	snprintf(version, sizeof version, "%s/PG_VERSION", cl->datadir);
	if (access(version, F_OK) == 0)
		return IDP_OK;
	idp_info("embedded postgres: initialising cluster in %s", cl->datadir);
	if (run_pg(cl, "initdb", args) != 0) {
		idp_error("embedded postgres: initdb failed, see %s", cl->logfile);
		return IDP_ERR_IO;
	}
	return write_conf(cl, extra);
}

static bool running(const struct cluster *cl)
{
	const char *args[] = {"-D", cl->datadir, "status", NULL};

	return run_pg(cl, "pg_ctl", args) == 0;
}

static enum idp_err bootstrap_roles(const struct cluster *cl)
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
	         cl->sockdir);
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

/* Fill in cl's paths under cl->pgdir (set by the caller) and the account
 * that runs it. */
static enum idp_err cluster_setup(struct cluster *cl, const char *bindir, const char *run_as)
{
	snprintf(cl->datadir, sizeof cl->datadir, "%s/data", cl->pgdir);
	snprintf(cl->sockdir, sizeof cl->sockdir, "%s/run", cl->pgdir);
	snprintf(cl->logfile, sizeof cl->logfile, "%s/postgresql.log", cl->pgdir);
	snprintf(cl->bindir, sizeof cl->bindir, "%s", bindir);
	if (strlen(cl->sockdir) > 90) {
		idp_error("%s: path too long for a PostgreSQL Unix socket", cl->pgdir);
		return IDP_ERR_CONFIG;
	}
	cl->drop = geteuid() == 0;
	if (cl->drop) {
		struct passwd *pw = getpwnam(run_as);
		if (!pw) {
			idp_error(
			    "pg_user: no such account \"%s\" (PostgreSQL refuses to run as root)",
			    run_as);
			return IDP_ERR_CONFIG;
		}
		cl->uid = pw->pw_uid;
		cl->gid = pw->pw_gid;
	}
	return IDP_OK;
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
	snprintf(emb.cl.pgdir, sizeof emb.cl.pgdir, "%s/pg", abs);
	err = cluster_setup(&emb.cl, o->bindir, o->run_as);
	if (err)
		return err;
	/* The cluster's account must be able to pass through data_dir (not list
	 * or read it: the master key stays 0600 root's). */
	struct stat st;
	if (emb.cl.drop && stat(abs, &st) == 0 && !(st.st_mode & S_IXOTH) &&
	    st.st_uid == geteuid() && chmod(abs, (st.st_mode & 07777) | S_IXOTH)) {
		idp_error("data_dir %s: chmod: %s", abs, strerror(errno));
		return IDP_ERR_IO;
	}
	err = make_dir(&emb.cl, emb.cl.pgdir, true);
	if (err)
		return err;
	if (!reachable(&emb.cl, emb.cl.pgdir)) {
		idp_error(
		    "data_dir %s: not reachable by account \"%s\"; every parent directory must "
		    "be searchable by it",
		    abs, o->run_as);
		return IDP_ERR_CONFIG;
	}
	ctl = lock_file("ctl.lock", LOCK_EX);
	if (ctl < 0)
		return IDP_ERR_IO;
	err = make_dir(&emb.cl, emb.cl.sockdir, true);
	if (err)
		goto out;
	/* Pre-create the log so the account can append to it. */
	int lf = open(emb.cl.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (lf >= 0) {
		if (emb.cl.drop && fchown(lf, emb.cl.uid, emb.cl.gid))
			idp_warn("embedded postgres: chown log: %s", strerror(errno));
		close(lf);
	}
	err = init_cluster(&emb.cl, "");
	if (err)
		goto out;
	if (!running(&emb.cl)) {
		const char *args[] = {"-D", emb.cl.datadir, "-l", emb.cl.logfile, "-w", "-t",
		                      "60", "start",        NULL};
		idp_info("embedded postgres: starting cluster in %s", emb.cl.datadir);
		if (run_pg(&emb.cl, "pg_ctl", args) != 0) {
			idp_error("embedded postgres: pg_ctl start failed, see %s", emb.cl.logfile);
			err = IDP_ERR_DB;
			goto out;
		}
	}
	err = bootstrap_roles(&emb.cl);
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
	         emb.cl.sockdir);
	snprintf(app_conninfo, conninfosz,
	         "host=%s port=" PG_PORT " user=" APP_ROLE " dbname=" APP_DB
	         " application_name=sekisho connect_timeout=5",
	         emb.cl.sockdir);
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
		const char *args[] = {"-D", emb.cl.datadir, "-m",   "fast", "-w",
		                      "-t", "60",           "stop", NULL};
		if (running(&emb.cl)) {
			idp_info("embedded postgres: stopping cluster");
			if (run_pg(&emb.cl, "pg_ctl", args) != 0)
				idp_error("embedded postgres: pg_ctl stop failed, see %s",
				          emb.cl.logfile);
		}
	}
	close(emb.users_fd);
	emb.users_fd = -1;
	if (ctl >= 0)
		close(ctl);
}

enum idp_err store_embedded_admin_conninfo(char *conninfo, size_t conninfosz)
{
	if (!emb.active)
		return IDP_ERR_INVALID;
	snprintf(conninfo, conninfosz,
	         "host=%s port=" PG_PORT " user=" SUPERUSER " dbname=" APP_DB
	         " application_name=sekisho-admin connect_timeout=5",
	         emb.cl.sockdir);
	return IDP_OK;
}

/* A scratch cluster: a cluster of its own in a new directory, for as long as
 * a backup is being checked. */
struct store_scratch {
	struct cluster cl;
	bool started;
	char admin[PATH_MAX + 128];
	char owner[PATH_MAX + 128];
};

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) ? -1 : 0;
	return unlink(path) ? -1 : 0;
}

/* Copy the end of a scratch cluster's log into ours: the cluster and its
 * log are about to be deleted. */
static void log_tail(const char *path)
{
	char buf[2048];
	ssize_t n = 0;
	int fd = path[0] ? open(path, O_RDONLY | O_CLOEXEC) : -1;

	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end > (off_t)sizeof buf - 1)
		lseek(fd, end - (off_t)sizeof buf + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		idp_error("scratch postgres log: %s", buf);
	}
}

#define SCRATCH_DIR     "/tmp"
#define SCRATCH_PREFIX  "sekisho-scratch-"
#define SCRATCH_CREATOR "creator.pid"

static int write_creator(const char *pgdir)
{
	char path[PATH_MAX + 32], text[32];
	int n = snprintf(text, sizeof text, "%ld\n", (long)getpid()), rc = 0;

	snprintf(path, sizeof path, "%s/" SCRATCH_CREATOR, pgdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)n) != n)
		rc = -1;
	if (close(fd))
		rc = -1;
	return rc;
}

/* The pid recorded in pgdir (0: none readable). */
static long read_creator(const char *pgdir)
{
	char path[PATH_MAX + 32], text[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "%s/" SCRATCH_CREATOR, pgdir);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = 0;
	long pid = strtol(text, NULL, 10);
	return pid > 0 ? pid : 0;
}

int store_scratch_reap(const char *bindir, const char *run_as)
{
	DIR *d = opendir(SCRATCH_DIR);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct cluster cl;
		struct stat st;

		if (strncmp(e->d_name, SCRATCH_PREFIX, strlen(SCRATCH_PREFIX)))
			continue;
		memset(&cl, 0, sizeof cl);
		snprintf(cl.pgdir, sizeof cl.pgdir, SCRATCH_DIR "/%s", e->d_name);
		if (cluster_setup(&cl, bindir, run_as))
			continue;
		/* Ours only: a directory of our account or the cluster's that
		 * no one else may write into. */
		if (lstat(cl.pgdir, &st) || !S_ISDIR(st.st_mode) || (st.st_mode & 0077) ||
		    (st.st_uid != geteuid() && !(cl.drop && st.st_uid == cl.uid)))
			continue;
		long pid = read_creator(cl.pgdir);
		if (!pid || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		char pidfile[PATH_MAX + 32];
		snprintf(pidfile, sizeof pidfile, "%s/postmaster.pid", cl.datadir);
		if (access(pidfile, F_OK) == 0) {
			const char *args[] = {"-D", cl.datadir, "-m", "immediate",
			                      "-w", "stop",     NULL};
			if (run_pg(&cl, "pg_ctl", args) != 0) {
				/* Still starting (or initdb still runs): the next run. */
				idp_warn("scratch postgres: pg_ctl stop of %s failed, left for "
				         "later",
				         cl.pgdir);
				continue;
			}
		}
		if (nftw(cl.pgdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
			idp_error("scratch postgres: cannot remove %s: %s", cl.pgdir,
			          strerror(errno));
		else {
			idp_warn("scratch postgres: removed %s left by process %ld", cl.pgdir, pid);
			removed++;
		}
	}
	closedir(d);
	return removed;
}

enum idp_err store_scratch_start(const char *bindir, const char *run_as, struct store_scratch **out)
{
	/* Nothing is kept, so nothing needs to survive a crash. */
	static const char fast[] = "fsync = off\n"
	                           "full_page_writes = off\n"
	                           "synchronous_commit = off\n";
	const char *start[] = {"-D", NULL, "-l", NULL, "-w", "-t", "60", "start", NULL};
	struct store_scratch *s = calloc(1, sizeof *s);
	enum idp_err err = IDP_ERR_IO;
	int lf;

	*out = NULL;
	if (!s)
		return IDP_ERR_NOMEM;
	snprintf(s->cl.pgdir, sizeof s->cl.pgdir, SCRATCH_DIR "/" SCRATCH_PREFIX "XXXXXX");
	if (!mkdtemp(s->cl.pgdir)) {
		idp_error("scratch postgres: mkdtemp: %s", strerror(errno));
		s->cl.pgdir[0] = 0;
		goto out;
	}
	/* Who made it: a later run removes it once that process is gone. */
	if (write_creator(s->cl.pgdir)) {
		idp_error("scratch postgres: %s/" SCRATCH_CREATOR ": %s", s->cl.pgdir,
		          strerror(errno));
		goto out;
	}
	err = cluster_setup(&s->cl, bindir, run_as);
	if (!err)
		err = make_dir(&s->cl, s->cl.pgdir, true);
	if (!err)
		err = make_dir(&s->cl, s->cl.sockdir, true);
	if (err)
		goto out;
	lf = open(s->cl.logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (lf >= 0) {
		if (s->cl.drop && fchown(lf, s->cl.uid, s->cl.gid))
			idp_warn("scratch postgres: chown log: %s", strerror(errno));
		close(lf);
	}
	err = init_cluster(&s->cl, fast);
	if (err)
		goto out;
	start[1] = s->cl.datadir;
	start[3] = s->cl.logfile;
	if (run_pg(&s->cl, "pg_ctl", start) != 0) {
		idp_error("scratch postgres: pg_ctl start failed, see %s", s->cl.logfile);
		err = IDP_ERR_DB;
		goto out;
	}
	s->started = true;
	err = bootstrap_roles(&s->cl);
	if (err)
		goto out;
	snprintf(s->admin, sizeof s->admin,
	         "host=%s port=" PG_PORT " user=" SUPERUSER " dbname=" APP_DB
	         " application_name=sekisho-verify connect_timeout=5",
	         s->cl.sockdir);
	snprintf(s->owner, sizeof s->owner,
	         "host=%s port=" PG_PORT " user=" OWNER_ROLE " dbname=" APP_DB
	         " application_name=sekisho-verify connect_timeout=5",
	         s->cl.sockdir);
	*out = s;
	return IDP_OK;
out:
	log_tail(s->cl.logfile);
	store_scratch_free(s);
	return err;
}

const char *store_scratch_admin(const struct store_scratch *s)
{
	return s->admin;
}

const char *store_scratch_owner(const struct store_scratch *s)
{
	return s->owner;
}

void store_scratch_free(struct store_scratch *s)
{
	if (!s)
		return;
	if (s->started) {
		const char *args[] = {"-D", s->cl.datadir, "-m", "immediate", "-w", "stop", NULL};
		if (run_pg(&s->cl, "pg_ctl", args) != 0)
			idp_error("scratch postgres: pg_ctl stop failed, see %s", s->cl.logfile);
	}
	if (s->cl.pgdir[0] && nftw(s->cl.pgdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
		idp_error("scratch postgres: cannot remove %s: %s", s->cl.pgdir, strerror(errno));
	free(s);
}
