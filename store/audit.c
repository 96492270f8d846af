/* The audit log as stored: see store/audit.h. */
#include "store/audit.h"

#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "store/internal.h"

/* Columns of AUDIT_COLS (and STMT_AUDIT_ALL's prev and hash after them). */
enum { A_SEQ, A_AT, A_ACTOR, A_ROLE, A_IP, A_ACTION, A_TARGET, A_RESULT, A_DETAIL, A_PREV, A_HASH };

/* Read head row r: seq and hash; IDP_ERR_DB when the hash is malformed. */
static enum idp_err head_read(const struct store_res *r, int64_t *seq,
                              unsigned char hash[STORE_SHA256_LEN])
{
	*seq = store_res_i64(r, 0, 0);
	if (store_res_bytea(r, 0, 1, hash, STORE_SHA256_LEN) != STORE_SHA256_LEN)
		return IDP_ERR_DB;
	return IDP_OK;
}

enum idp_err store_audit_head_get(struct store_conn *c, int64_t tenant_id, int64_t *seq,
                                  unsigned char hash[STORE_SHA256_LEN])
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[1] = {store_i64(tid, tenant_id)};
	enum idp_err err = store_exec_row(c, STMT_AUDIT_HEAD_LOCK, 1, p, &r);

	if (!err)
		err = head_read(r, seq, hash);
	store_res_free(r);
	return err;
}

enum idp_err store_audit_head_init(struct store_conn *c, int64_t tenant_id)
{
	char tid[24];
	const char *p[1] = {store_i64(tid, tenant_id)};

	return store_exec(c, STMT_AUDIT_HEAD_INIT, 1, p, NULL);
}

enum idp_err store_audit_append(struct store_conn *c, int64_t tenant_id,
                                const struct store_audit_event *e)
{
	char tid[24];
	const char *p[9] = {store_i64(tid, tenant_id),
	                    e->at,
	                    e->actor,
	                    e->role,
	                    e->ip,
	                    e->action,
	                    e->target,
	                    e->result,
	                    e->detail ? e->detail : "{}"};

	return store_exec(c, STMT_AUDIT_APPEND, 9, p, NULL);
}

void store_audit_rows_free(struct store_audit_event *rows, int n)
{
	if (!rows)
		return;
	for (int i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}

/* Run a listing of events into *rows; with_chain reads prev and hash too. */
static enum idp_err events_read(struct store_conn *c, int stmt, int np, const char *const *p,
                                bool with_chain, struct store_audit_event **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec_rows(c, stmt, np, p, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		struct store_audit_event *e = &(*rows)[i];
		e->seq = store_res_i64(r, i, A_SEQ);
		store_res_copy(r, i, A_AT, e->at, sizeof e->at);
		store_res_copy(r, i, A_ACTOR, e->actor, sizeof e->actor);
		store_res_copy(r, i, A_ROLE, e->role, sizeof e->role);
		store_res_copy(r, i, A_IP, e->ip, sizeof e->ip);
		store_res_copy(r, i, A_ACTION, e->action, sizeof e->action);
		store_res_copy(r, i, A_TARGET, e->target, sizeof e->target);
		store_res_copy(r, i, A_RESULT, e->result, sizeof e->result);
		e->detail = strdup(store_res_str(r, i, A_DETAIL));
		if (!e->detail)
			err = IDP_ERR_NOMEM;
		if (with_chain &&
		    (store_res_bytea(r, i, A_PREV, e->prev, sizeof e->prev) != STORE_SHA256_LEN ||
		     store_res_bytea(r, i, A_HASH, e->hash, sizeof e->hash) != STORE_SHA256_LEN))
			memset(e->hash, 0, sizeof e->hash); /* cannot match any recomputed hash */
	}
	store_res_free(r);
	return err;
}

enum idp_err store_audit_query(struct store_conn *c, const struct store_audit_filter *f,
                               struct store_audit_event **rows, int *n, long *total)
{
	struct store_res *r = NULL;
	char lim[24], off[24];
	const char *p[8] = {f->from,
	                    f->to,
	                    f->action,
	                    f->actor,
	                    f->subject,
	                    f->by_admins ? "true" : "false",
	                    store_i64(lim, f->limit),
	                    store_i64(off, f->offset)};
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	err = store_exec(c, STMT_AUDIT_COUNT, 6, p, &r);
	if (err)
		goto out;
	*total = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	r = NULL;
	err = events_read(c, STMT_AUDIT_QUERY, 8, p, false, rows, n);
out:
	store_res_free(r);
	return err;
}

enum idp_err store_audit_signins(struct store_conn *c, long *ok_24h, long *failed_24h, long *ok_7d,
                                 long *failed_7d)
{
	long *cols[] = {ok_24h, failed_24h, ok_7d, failed_7d};
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_AUDIT_SIGNINS, 0, NULL, &r);

	for (size_t i = 0; !err && i < sizeof cols / sizeof cols[0]; i++)
		*cols[i] = (long)store_res_i64(r, 0, (int)i);
	store_res_free(r);
	return err;
}

enum idp_err store_audit_all(struct store_conn *c, struct store_audit_event **rows, int *n)
{
	return events_read(c, STMT_AUDIT_ALL, 0, NULL, true, rows, n);
}

enum idp_err store_audit_prune_point(struct store_conn *c, int days, int64_t *seq,
                                     unsigned char hash[STORE_SHA256_LEN])
{
	struct store_res *r = NULL;
	char d[24];
	const char *p[1] = {store_i64(d, days)};
	enum idp_err err = store_exec_row(c, STMT_AUDIT_PRUNE_POINT, 1, p, &r);

	if (!err)
		err = head_read(r, seq, hash);
	store_res_free(r);
	return err;
}

enum idp_err store_audit_prune(struct store_conn *c, int64_t seq, long *n)
{
	char s[24];
	const char *p[1] = {store_i64(s, seq)};

	return store_exec_count(c, STMT_AUDIT_PRUNE, 1, p, n);
}

enum idp_err store_oplog_append(struct store_conn *c, const struct store_audit_event *e)
{
	const char *p[8] = {e->at,     e->actor,  e->role,   e->ip,
	                    e->action, e->target, e->result, e->detail ? e->detail : "{}"};

	return store_exec_one(c, STMT_OPLOG_APPEND, 8, p);
}

enum idp_err store_oplog_head(struct store_conn *c, int64_t *seq,
                              unsigned char hash[STORE_SHA256_LEN])
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec_row(c, STMT_OPLOG_HEAD, 0, NULL, &r);

	if (!err)
		err = head_read(r, seq, hash);
	store_res_free(r);
	return err;
}

enum idp_err store_oplog_all(struct store_conn *c, struct store_audit_event **rows, int *n)
{
	return events_read(c, STMT_OPLOG_ALL, 0, NULL, true, rows, n);
}

static enum idp_err oplog_last(struct store_conn *c, int stmt, int np, const char *const *p,
                               struct store_audit_event *row)
{
	struct store_audit_event *rows = NULL;
	int n = 0;
	enum idp_err err = events_read(c, stmt, np, p, false, &rows, &n);

	if (!err && n == 0)
		err = IDP_ERR_NOT_FOUND;
	if (!err) {
		*row = rows[0];
		rows[0].detail = NULL;
	}
	store_audit_rows_free(rows, n);
	return err;
}

enum idp_err store_oplog_last(struct store_conn *c, const char *action,
                              struct store_audit_event *row)
{
	const char *p[1] = {action};

	return oplog_last(c, STMT_OPLOG_LAST, 1, p, row);
}

enum idp_err store_oplog_last_with(struct store_conn *c, const char *action, const char *with,
                                   struct store_audit_event *row)
{
	const char *p[2] = {action, with};

	return oplog_last(c, STMT_OPLOG_LAST_WITH, 2, p, row);
}
