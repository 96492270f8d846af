/*
 * Connection-per-thread pool over libpq.  The MHD worker threads, the CLI and
 * background jobs each get their own PGconn on first use; a pthread key
 * destructor closes it when the thread ends.  Prepared statements are
 * prepared on a connection the first time they are used there.
 */
#include "store/db.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"

#define MAX_STMTS 256

struct store_conn {
	PGconn *pg;
	bool in_tx;
	unsigned char prepared[MAX_STMTS];
};

struct store_res {
	PGresult *pg;
};

static char *conninfo_global;
static pthread_key_t conn_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void conn_destroy(void *p)
{
	struct store_conn *c = p;

	if (!c)
		return;
	if (c->pg)
		PQfinish(c->pg);
	free(c);
}

static void key_init(void)
{
	if (pthread_key_create(&conn_key, conn_destroy))
		abort();
}

enum idp_err store_configure(const char *conninfo)
{
	char *copy = strdup(conninfo);

	if (!copy)
		return IDP_ERR_NOMEM;
	free(conninfo_global);
	conninfo_global = copy;
	pthread_once(&key_once, key_init);
	return IDP_OK;
}

static void notice_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	idp_debug("postgres: %s", PQresultErrorMessage(res));
}

static bool conn_open(struct store_conn *c)
{
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK)
		return true;
	if (c->pg) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	memset(c->prepared, 0, sizeof c->prepared);
	c->in_tx = false;
	c->pg = PQconnectdb(conninfo_global ? conninfo_global : "");
	if (PQstatus(c->pg) != CONNECTION_OK) {
		char *m = PQerrorMessage(c->pg);
		idp_error("database connect failed: %s", m);
		PQfinish(c->pg);
		c->pg = NULL;
		return false;
	}
	PQsetNoticeReceiver(c->pg, notice_quiet, NULL);
	return true;
}

struct store_conn *store_conn_get(void)
{
	struct store_conn *c;

	pthread_once(&key_once, key_init);
	c = pthread_getspecific(conn_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			return NULL;
		if (pthread_setspecific(conn_key, c)) {
			free(c);
			return NULL;
		}
	}
	if (!c->in_tx && !conn_open(c))
		return NULL;
	return c;
}

void store_thread_done(void)
{
	struct store_conn *c;

	pthread_once(&key_once, key_init);
	c = pthread_getspecific(conn_key);
	conn_destroy(c);
	pthread_setspecific(conn_key, NULL);
}

/* Map a failed result to our error, logging SQLSTATE and message. */
static enum idp_err map_error(struct store_conn *c, const PGresult *r, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorMessage(r) : PQerrorMessage(c->pg);

	if (PQstatus(c->pg) != CONNECTION_OK) {
		idp_error("database connection lost during %s: %s", what, msg);
		c->in_tx = false;
		return IDP_ERR_DB;
	}
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
		idp_info("database %s: retryable [%s]", what, state);
		return IDP_ERR_RETRY;
	}
	if (state && !strcmp(state, "26000")) {
		/* The server forgot our prepared statements (a new backend behind
		 * the same connection): prepare again on next use. */
		memset(c->prepared, 0, sizeof c->prepared);
		idp_warn("database %s: prepared statement missing; will prepare again", what);
		return IDP_ERR_RETRY;
	}
	if (state && !strcmp(state, "23505")) {
		idp_info("database %s: unique violation", what);
		return IDP_ERR_CONFLICT;
	}
	idp_error("database %s failed [%s] %s", what, state ? state : "-", msg);
	if (state && !strncmp(state, "08", 2))
		return IDP_ERR_DB;
	if (state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)))
		return IDP_ERR_INVALID;
	return IDP_ERR_DB;
}

enum idp_err store_exec_sql(struct store_conn *c, const char *sql)
{
	PGresult *r = PQexec(c->pg, sql);
	enum idp_err err = IDP_OK;
	ExecStatusType st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		err = map_error(c, r, "statement");
	PQclear(r);
	return err;
}

enum idp_err store_begin(struct store_conn *c, int64_t tenant_id)
{
	char sql[96];
	enum idp_err err;

	if (!conn_open(c))
		return IDP_ERR_DB;
	/* One round trip: BEGIN and the transaction-local tenant setting.  The id
	 * is an integer we format, never text from outside. */
	if (tenant_id > 0)
		snprintf(sql, sizeof sql,
		         "BEGIN; SELECT set_config('sekisho.tenant', '%lld', true)",
		         (long long)tenant_id);
	else
		snprintf(sql, sizeof sql, "BEGIN");
	c->in_tx = true;
	err = store_exec_sql(c, sql);
	if (err == IDP_ERR_DB && PQstatus(c->pg) != CONNECTION_OK) {
		/* An idle connection found dead (the server restarted): nothing has
		 * run yet, so reconnect and try once more. */
		c->in_tx = false;
		if (!conn_open(c))
			return IDP_ERR_DB;
		c->in_tx = true;
		err = store_exec_sql(c, sql);
	}
	if (err)
		store_rollback(c);
	return err;
}

enum idp_err store_set_tenant(struct store_conn *c, int64_t tenant_id)
{
	char buf[24];
	const char *p[1] = {buf};
	PGresult *r;
	enum idp_err err = IDP_OK;

	snprintf(buf, sizeof buf, "%lld", (long long)tenant_id);
	/* set_config(..., true) is SET LOCAL: gone at COMMIT/ROLLBACK, so a
	 * reused connection never carries the last tenant into the next job. */
	r = PQexecParams(c->pg, "SELECT set_config('sekisho.tenant', $1, true)", 1, NULL, p, NULL,
	                 NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		err = map_error(c, r, "set tenant");
	PQclear(r);
	return err;
}

enum idp_err store_commit(struct store_conn *c)
{
	enum idp_err err = store_exec_sql(c, "COMMIT");

	c->in_tx = false;
	return err;
}

void store_rollback(struct store_conn *c)
{
	if (!c || !c->in_tx)
		return;
	c->in_tx = false;
	if (PQstatus(c->pg) != CONNECTION_OK)
		return;
	PGresult *r = PQexec(c->pg, "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		idp_warn("rollback failed: %s", PQresultErrorMessage(r));
	PQclear(r);
}

static enum idp_err exec_once(struct store_conn *c, int stmt, int n, const char *const *params,
                              struct store_res **res);

enum idp_err store_exec(struct store_conn *c, int stmt, int n, const char *const *params,
                        struct store_res **res)
{
	enum idp_err err = exec_once(c, stmt, n, params, res);

	/* Outside a transaction a statement found its idle connection dead (the
	 * server restarted): nothing ran, so reconnect and try once more. */
	if (err == IDP_ERR_DB && !c->in_tx && PQstatus(c->pg) != CONNECTION_OK && conn_open(c))
		err = exec_once(c, stmt, n, params, res);
	return err;
}

static enum idp_err exec_once(struct store_conn *c, int stmt, int n, const char *const *params,
                              struct store_res **res)
{
	PGresult *r = NULL;
	enum idp_err err = IDP_OK;
	ExecStatusType st;

	if (res)
		*res = NULL;
	if (stmt < 0 || stmt >= store_stmts_count || stmt >= MAX_STMTS)
		return IDP_ERR_INVALID;
	if (!c->prepared[stmt]) {
		r = PQprepare(c->pg, store_stmts[stmt].name, store_stmts[stmt].sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			err = map_error(c, r, store_stmts[stmt].name);
			PQclear(r);
			return err;
		}
		PQclear(r);
		c->prepared[stmt] = 1;
	}
	r = PQexecPrepared(c->pg, store_stmts[stmt].name, n, params, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		err = map_error(c, r, store_stmts[stmt].name);
		PQclear(r);
		return err;
	}
	if (!res) {
		PQclear(r);
		return IDP_OK;
	}
	*res = malloc(sizeof **res);
	if (!*res) {
		PQclear(r);
		return IDP_ERR_NOMEM;
	}
	(*res)->pg = r;
	return IDP_OK;
}

int store_res_rows(const struct store_res *r)
{
	return r ? PQntuples(r->pg) : 0;
}

bool store_res_null(const struct store_res *r, int row, int col)
{
	return PQgetisnull(r->pg, row, col);
}

const char *store_res_str(const struct store_res *r, int row, int col)
{
	return PQgetvalue(r->pg, row, col);
}

int64_t store_res_i64(const struct store_res *r, int row, int col)
{
	return strtoll(PQgetvalue(r->pg, row, col), NULL, 10);
}

bool store_res_bool(const struct store_res *r, int row, int col)
{
	return PQgetvalue(r->pg, row, col)[0] == 't';
}

long store_res_bytea(const struct store_res *r, int row, int col, unsigned char *out, size_t outsz)
{
	size_t n = 0;
	unsigned char *b;

	if (PQgetisnull(r->pg, row, col))
		return -1;
	b = PQunescapeBytea((const unsigned char *)PQgetvalue(r->pg, row, col), &n);
	if (!b)
		return -1;
	if (n > outsz) {
		PQfreemem(b);
		return -1;
	}
	memcpy(out, b, n);
	PQfreemem(b);
	return (long)n;
}

long store_res_affected(const struct store_res *r)
{
	const char *s = PQcmdTuples(r->pg);

	return *s ? strtol(s, NULL, 10) : 0;
}

void store_res_free(struct store_res *r)
{
	if (!r)
		return;
	PQclear(r->pg);
	free(r);
}

bool store_ping(void)
{
	struct store_conn *c = store_conn_get();

	if (!c)
		return false;
	/* A lost connection is reopened (with its prepared statements) by
	 * the next store_conn_get(); nothing to reset here. */
	return store_exec_sql(c, "SELECT 1") == IDP_OK;
}
