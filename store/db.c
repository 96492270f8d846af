/*
 * Connection-per-thread pool over libpq.  The MHD worker threads, the CLI and
 * background jobs each get their own PGconn on first use; a pthread key
 * destructor closes it when the thread ends.  Prepared statements are
 * prepared on a connection the first time they are used there.
 *
 * Transactions use libpq's pipeline mode to spend as few round trips as the
 * work allows: BEGIN and the tenant setting go out with the transaction's
 * first statement, a statement whose result nobody reads (an UPDATE, an
 * audit insert) is sent without waiting and its outcome collected with the
 * next statement that is waited for or with COMMIT.  An error anywhere
 * aborts the rest (the server skips everything up to the next sync), so a
 * transaction still fails as a whole; the error is reported by the call
 * that collects it.
 */
#include "store/db.h"
#include "store/internal.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "idp/metrics.h"

#define MAX_STMTS  256
#define MAX_QUEUED 32 /* statements sent in one pipeline before a sync */
#define SEND_MAX   6  /* entries one call may queue: BEGIN, tenant, prepare + statement */

/* A statement sent in pipeline mode whose result is not read yet. */
struct queued {
	const char *what; /* for the operator's log */
	int stmt;         /* >= 0: a prepare of this statement id; else -1 */
	bool want;        /* its result is the caller's */
};

struct store_conn {
	PGconn *pg;
	bool in_tx;
	bool pipeline;     /* in libpq pipeline mode */
	bool begin_due;    /* BEGIN (and the tenant setting) not sent yet */
	int64_t tenant_id; /* for the due BEGIN */
	struct queued q[MAX_QUEUED];
	int nq;
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
	if (c->pg) {
		PQfinish(c->pg);
		idp_metrics_gauge_add(IDP_MGA_DB_CONNECTIONS, -1);
	}
	free(c);
}

static void key_init(void)
{
	if (pthread_key_create(&conn_key, conn_destroy))
		abort();
}

const char *store_conninfo(void)
{
	return conninfo_global ? conninfo_global : "";
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
		idp_metrics_gauge_add(IDP_MGA_DB_CONNECTIONS, -1);
	}
	memset(c->prepared, 0, sizeof c->prepared);
	c->in_tx = false;
	c->pipeline = false;
	c->begin_due = false;
	c->nq = 0;
	c->pg = PQconnectdb(conninfo_global ? conninfo_global : "");
	if (PQstatus(c->pg) != CONNECTION_OK) {
		char *m = PQerrorMessage(c->pg);
		idp_error("database connect failed: %s", m);
		idp_metrics_db_error();
		PQfinish(c->pg);
		c->pg = NULL;
		return false;
	}
	idp_metrics_gauge_add(IDP_MGA_DB_CONNECTIONS, 1);
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
		idp_metrics_db_error();
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
	idp_metrics_db_error();
	if (state && !strncmp(state, "08", 2))
		return IDP_ERR_DB;
	if (state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)))
		return IDP_ERR_INVALID;
	return IDP_ERR_DB;
}

/* ---- pipelined transactions ---- */

/* Queue entry for something just sent (room() made sure there is space). */
static void enqueue(struct store_conn *c, const char *what, int stmt, bool want)
{
	if (c->nq >= MAX_QUEUED)
		abort(); /* a caller skipped room(): never overrun the queue */
	c->q[c->nq++] = (struct queued){what, stmt, want};
}

static enum idp_err collect(struct store_conn *c, PGresult **want);

/* Make room for SEND_MAX more entries, collecting what is queued when
 * the queue is that full (a sync inside a transaction ends nothing). */
static enum idp_err room(struct store_conn *c)
{
	return c->nq > MAX_QUEUED - SEND_MAX ? collect(c, NULL) : IDP_OK;
}

/* Send prepared statement stmt (preparing it on the way) in pipeline mode,
 * queued with want; false when libpq cannot send. */
static bool send_prepared(struct store_conn *c, int stmt, int n, const char *const *params,
                          bool want)
{
	const struct store_stmt *s = &store_stmts[stmt];

	if (!c->pipeline) {
		if (!PQenterPipelineMode(c->pg))
			return false;
		c->pipeline = true;
	}
	if (!c->prepared[stmt]) {
		if (!PQsendPrepare(c->pg, s->name, s->sql, 0, NULL))
			return false;
		c->prepared[stmt] = 1;
		enqueue(c, s->name, stmt, false);
	}
	if (!PQsendQueryPrepared(c->pg, s->name, n, params, NULL, NULL, 0))
		return false;
	enqueue(c, s->name, -1, want);
	return true;
}

/* Send BEGIN and the tenant setting when they are still due. */
static bool send_begin(struct store_conn *c)
{
	char tid[24];
	const char *p[1] = {tid};

	if (!c->begin_due)
		return true;
	c->begin_due = false;
	if (!send_prepared(c, STMT_TX_BEGIN, 0, NULL, false))
		return false;
	if (c->tenant_id <= 0)
		return true;
	snprintf(tid, sizeof tid, "%lld", (long long)c->tenant_id);
	return send_prepared(c, STMT_TX_SET_TENANT, 1, p, false);
}

/* Sync and read the results of everything queued.  The result of the entry
 * marked want goes to *want (NULL when none).  Returns the first error: a
 * failed statement aborts the rest of the pipeline, whose prepares then did
 * not happen. */
static enum idp_err collect(struct store_conn *c, PGresult **want)
{
	enum idp_err err = IDP_OK;
	PGresult *r;

	if (want)
		*want = NULL;
	if (PQpipelineSync(c->pg) != 1 || PQflush(c->pg) != 0)
		err = map_error(c, NULL, "pipeline");
	for (int i = 0; i < c->nq && PQstatus(c->pg) == CONNECTION_OK; i++) {
		while ((r = PQgetResult(c->pg)) != NULL) {
			ExecStatusType st = PQresultStatus(r);
			bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
			if (!ok && c->q[i].stmt >= 0)
				c->prepared[c->q[i].stmt] = 0;
			if (!ok && st != PGRES_PIPELINE_ABORTED && !err)
				err = map_error(c, r, c->q[i].what);
			if (ok && c->q[i].want && want && !*want) {
				*want = r;
				continue;
			}
			PQclear(r);
		}
	}
	c->nq = 0;
	/* The sync's own result ends this batch. */
	while (PQstatus(c->pg) == CONNECTION_OK && (r = PQgetResult(c->pg)) != NULL) {
		bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (sync)
			break;
	}
	if (PQstatus(c->pg) != CONNECTION_OK && !err)
		err = map_error(c, NULL, "pipeline");
	if (err && want && *want) {
		PQclear(*want);
		*want = NULL;
	}
	return err;
}

/* Leave pipeline mode with nothing pending (for plain queries). */
static enum idp_err pipeline_end(struct store_conn *c)
{
	enum idp_err err = IDP_OK;

	if (!c->pipeline)
		return IDP_OK;
	if (c->nq)
		err = collect(c, NULL);
	if (PQstatus(c->pg) == CONNECTION_OK && !PQexitPipelineMode(c->pg))
		idp_warn("database: cannot leave pipeline mode: %s", PQerrorMessage(c->pg));
	c->pipeline = false;
	return err;
}

enum idp_err store_exec_sql(struct store_conn *c, const char *sql)
{
	PGresult *r;
	enum idp_err err = IDP_OK;
	ExecStatusType st;

	/* Plain (multi-statement) queries cannot be pipelined: make sure the
	 * transaction has begun and nothing is pending, then run it alone. */
	if (c->in_tx && !send_begin(c))
		err = map_error(c, NULL, "begin");
	if (!err)
		err = pipeline_end(c);
	if (err)
		return err;
	r = PQexec(c->pg, sql);
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		err = map_error(c, r, "statement");
	PQclear(r);
	return err;
}

enum idp_err store_begin(struct store_conn *c, int64_t tenant_id)
{
	if (!conn_open(c))
		return IDP_ERR_DB;
	/* Nothing is sent yet: BEGIN and the tenant setting travel with the
	 * first statement.  The id is an integer we format, never text from
	 * outside. */
	c->in_tx = true;
	c->begin_due = true;
	c->tenant_id = tenant_id;
	c->nq = 0;
	return IDP_OK;
}

enum idp_err store_set_tenant(struct store_conn *c, int64_t tenant_id)
{
	char buf[24];
	const char *p[1] = {buf};

	if (!send_begin(c))
		return map_error(c, NULL, "begin");
	snprintf(buf, sizeof buf, "%lld", (long long)tenant_id);
	enum idp_err err = room(c);
	if (err)
		return err;
	if (!send_prepared(c, STMT_TX_SET_TENANT, 1, p, false))
		return map_error(c, NULL, "set tenant");
	return IDP_OK;
}

enum idp_err store_commit(struct store_conn *c)
{
	enum idp_err err;

	if (c->begin_due) { /* nothing was ever sent: nothing to commit */
		c->begin_due = false;
		c->in_tx = false;
		return IDP_OK;
	}
	if (!c->pipeline) {
		err = store_exec_sql(c, "COMMIT");
		goto out;
	}
	err = room(c);
	if (err)
		goto out; /* the queued statements failed: left to store_rollback */
	if (!send_prepared(c, STMT_TX_COMMIT, 0, NULL, false)) {
		err = map_error(c, NULL, "commit");
		goto out;
	}
	err = collect(c, NULL);
	if (!err)
		err = pipeline_end(c);
out:
	/* A failed COMMIT leaves the transaction to store_rollback. */
	if (!err)
		c->in_tx = false;
	return err;
}

void store_rollback(struct store_conn *c)
{
	if (!c || !c->in_tx)
		return;
	c->in_tx = false;
	if (c->begin_due) {
		c->begin_due = false;
		return;
	}
	if (PQstatus(c->pg) != CONNECTION_OK) {
		c->pipeline = false;
		c->nq = 0;
		return;
	}
	if (c->pipeline) {
		/* Whatever is still queued is discarded with the transaction. */
		room(c);
		send_prepared(c, STMT_TX_ROLLBACK, 0, NULL, false);
		if (collect(c, NULL))
			idp_warn("rollback failed: %s", PQerrorMessage(c->pg));
		pipeline_end(c);
		return;
	}
	PGresult *r = PQexec(c->pg, "ROLLBACK");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		idp_warn("rollback failed: %s", PQresultErrorMessage(r));
	PQclear(r);
}

/* Run statement stmt inside the transaction, pipelined: sent after BEGIN if
 * that is still due, prepared on the way when needed.  When res is NULL the
 * call returns without waiting (its outcome comes with the next wait). */
static enum idp_err exec_in_tx(struct store_conn *c, int stmt, int n, const char *const *params,
                               struct store_res **res)
{
	PGresult *r = NULL;
	enum idp_err err;

	err = room(c);
	if (err)
		return err;
	if (!send_begin(c))
		return map_error(c, NULL, "begin");
	if (!send_prepared(c, stmt, n, params, res != NULL))
		return map_error(c, NULL, store_stmts[stmt].name);
	if (!res)
		return IDP_OK;
	err = collect(c, &r);
	if (err)
		return err;
	*res = malloc(sizeof **res);
	if (!*res) {
		PQclear(r);
		return IDP_ERR_NOMEM;
	}
	(*res)->pg = r;
	return IDP_OK;
}

static enum idp_err exec_once(struct store_conn *c, int stmt, int n, const char *const *params,
                              struct store_res **res);

enum idp_err store_exec(struct store_conn *c, int stmt, int n, const char *const *params,
                        struct store_res **res)
{
	enum idp_err err;

	if (res)
		*res = NULL;
	if (stmt < 0 || stmt >= store_stmts_count || stmt >= MAX_STMTS)
		return IDP_ERR_INVALID;
	if (c->in_tx && !c->pipeline && !c->begin_due) /* after a plain query */
		return exec_once(c, stmt, n, params, res);
	if (c->in_tx) {
		bool first = c->begin_due;
		err = exec_in_tx(c, stmt, n, params, res);
		/* The transaction's first statement found its idle connection dead
		 * (the server restarted): nothing ran, so reconnect and redo it. */
		if (err == IDP_ERR_DB && first && PQstatus(c->pg) != CONNECTION_OK &&
		    conn_open(c)) {
			c->in_tx = true;
			c->begin_due = true;
			err = exec_in_tx(c, stmt, n, params, res);
		}
		return err;
	}
	err = exec_once(c, stmt, n, params, res);
	/* Outside a transaction a statement found its idle connection dead (the
	 * server restarted): nothing ran, so reconnect and try once more. */
	if (err == IDP_ERR_DB && PQstatus(c->pg) != CONNECTION_OK && conn_open(c))
		err = exec_once(c, stmt, n, params, res);
	return err;
}

/* One statement, synchronously (outside a transaction, or after a plain
 * query inside one). */
static enum idp_err exec_once(struct store_conn *c, int stmt, int n, const char *const *params,
                              struct store_res **res)
{
	PGresult *r = NULL;
	enum idp_err err = IDP_OK;
	ExecStatusType st;

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

const char *store_i64(char buf[24], int64_t v)
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

bool store_bytea_param(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";

	if (outsz < 2 * n + 3)
		return false;
	out[0] = '\\';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = hex[in[i] >> 4];
		out[3 + 2 * i] = hex[in[i] & 15];
	}
	out[2 + 2 * n] = 0;
	return true;
}

void store_sha256_param(const unsigned char h[STORE_SHA256_LEN], char out[67])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	for (int i = 0; i < STORE_SHA256_LEN; i++) {
		out[2 + 2 * i] = hex[h[i] >> 4];
		out[3 + 2 * i] = hex[h[i] & 15];
	}
	out[66] = 0;
}

void store_res_copy(const struct store_res *r, int row, int col, char *dst, size_t dstsz)
{
	snprintf(dst, dstsz, "%s", PQgetvalue(r->pg, row, col));
}

enum idp_err store_exec_count(struct store_conn *c, int stmt, int n, const char *const *params,
                              long *changed)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, stmt, n, params, &r);

	if (!err && changed)
		*changed = store_res_affected(r);
	store_res_free(r);
	return err;
}

enum idp_err store_exec_one(struct store_conn *c, int stmt, int n, const char *const *params)
{
	long changed = 0;
	enum idp_err err = store_exec_count(c, stmt, n, params, &changed);

	if (!err && changed != 1)
		err = IDP_ERR_NOT_FOUND;
	return err;
}

enum idp_err store_exec_row(struct store_conn *c, int stmt, int n, const char *const *params,
                            struct store_res **r)
{
	enum idp_err err = store_exec(c, stmt, n, params, r);

	if (!err && store_res_rows(*r) != 1) {
		store_res_free(*r);
		*r = NULL;
		err = IDP_ERR_NOT_FOUND;
	}
	return err;
}

enum idp_err store_exec_rows(struct store_conn *c, int stmt, int n, const char *const *params,
                             size_t size, void **rows, int *count, struct store_res **r)
{
	enum idp_err err = store_exec(c, stmt, n, params, r);

	*rows = NULL;
	*count = 0;
	if (err)
		return err;
	*rows = calloc(store_res_rows(*r) ? (size_t)store_res_rows(*r) : 1, size);
	if (!*rows)
		return IDP_ERR_NOMEM;
	*count = store_res_rows(*r);
	return IDP_OK;
}
