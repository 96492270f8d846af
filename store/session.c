/* Sessions as stored: see store/session.h. */
#include "store/session.h"

#include <stdlib.h>

#include "store/internal.h"

/* Columns of STMT_SESSION_BY_HASH. */
enum {
	S_ID,
	S_USER_ID,
	S_CREATED,
	S_LAST_SEEN,
	S_EXPIRES,
	S_ENDED,
	S_EMAIL,
	S_NAME,
	S_ROLE,
	S_STATUS,
	S_MUST_CHANGE,
	S_CHANGED,
	S_LOCKED,
	S_NOW,
	S_AMR,
};

/* Columns of STMT_SESSION_LIST_USER. */
enum { B_ID, B_CREATED, B_LAST_SEEN, B_IP, B_UA };

enum idp_err store_session_by_hash(struct store_conn *c,
                                   const unsigned char token_hash[STORE_SHA256_LEN],
                                   struct store_session *out)
{
	struct store_res *r = NULL;
	char th[67];
	const char *p[1] = {th};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_SESSION_BY_HASH, 1, p, &r);
	if (err)
		goto out;
	out->id = store_res_i64(r, 0, S_ID);
	out->user_id = store_res_i64(r, 0, S_USER_ID);
	out->created_at = store_res_i64(r, 0, S_CREATED);
	out->last_seen_at = store_res_i64(r, 0, S_LAST_SEEN);
	out->expires_at = store_res_i64(r, 0, S_EXPIRES);
	out->ended = store_res_bool(r, 0, S_ENDED);
	store_res_copy(r, 0, S_EMAIL, out->email, sizeof out->email);
	store_res_copy(r, 0, S_NAME, out->name, sizeof out->name);
	store_res_copy(r, 0, S_ROLE, out->role, sizeof out->role);
	store_res_copy(r, 0, S_STATUS, out->status, sizeof out->status);
	out->must_change = store_res_bool(r, 0, S_MUST_CHANGE);
	out->changed_at = store_res_i64(r, 0, S_CHANGED);
	out->locked_at = store_res_i64(r, 0, S_LOCKED);
	out->now = store_res_i64(r, 0, S_NOW);
	store_res_copy(r, 0, S_AMR, out->amr, sizeof out->amr);
out:
	store_res_free(r);
	return err;
}

enum idp_err store_session_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                  const unsigned char token_hash[STORE_SHA256_LEN],
                                  int64_t expires_at, const char *ip, const char *user_agent,
                                  const char *amr, int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24], uid[24], exp[24], th[67];
	const char *p[7] = {store_i64(tid, tenant_id),
	                    store_i64(uid, user_id),
	                    th,
	                    store_i64(exp, expires_at),
	                    ip,
	                    user_agent,
	                    amr};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_SESSION_INSERT, 7, p, &r);
	if (!err)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_session_touch(struct store_conn *c, int64_t id)
{
	char sid[24];
	const char *p[1] = {store_i64(sid, id)};

	return store_exec(c, STMT_SESSION_TOUCH, 1, p, NULL);
}

/* Run an ending statement; *ended (may be NULL) = it ended one open row. */
static enum idp_err end_one(struct store_conn *c, int stmt, int n, const char *const *p,
                            bool *ended)
{
	long changed = 0;
	enum idp_err err = store_exec_count(c, stmt, n, p, &changed);

	if (ended)
		*ended = !err && changed == 1;
	return err;
}

enum idp_err store_session_end(struct store_conn *c, int64_t id, const char *reason, bool *ended)
{
	char sid[24];
	const char *p[2] = {store_i64(sid, id), reason};

	return end_one(c, STMT_SESSION_END, 2, p, ended);
}

enum idp_err store_session_end_own(struct store_conn *c, int64_t id, int64_t user_id,
                                   const char *reason, bool *ended)
{
	char sid[24], uid[24];
	const char *p[3] = {store_i64(sid, id), store_i64(uid, user_id), reason};

	return end_one(c, STMT_SESSION_END_OWN, 3, p, ended);
}

enum idp_err store_session_end_user(struct store_conn *c, int64_t user_id, int64_t keep_id,
                                    const char *reason, long *n)
{
	char uid[24], keep[24];
	const char *p[3] = {store_i64(uid, user_id), store_i64(keep, keep_id), reason};

	if (!n)
		return store_exec(c, STMT_SESSION_END_OTHERS, 3, p, NULL);
	return store_exec_count(c, STMT_SESSION_END_OTHERS, 3, p, n);
}

enum idp_err store_session_end_user_but(struct store_conn *c, int64_t user_id,
                                        const unsigned char keep_hash[STORE_SHA256_LEN],
                                        const char *reason)
{
	char uid[24], th[67];
	const char *p[3] = {store_i64(uid, user_id), th, reason};

	store_sha256_param(keep_hash, th);
	return store_exec(c, STMT_SESSION_END_OTHERS_TOKEN, 3, p, NULL);
}

enum idp_err store_session_live_count(struct store_conn *c, int64_t user_id, int idle_seconds,
                                      int64_t except_id, long *n)
{
	struct store_res *r = NULL;
	char uid[24], idle[24], except[24];
	const char *p[3] = {store_i64(uid, user_id), store_i64(idle, idle_seconds),
	                    store_i64(except, except_id)};
	enum idp_err err = store_exec(c, STMT_SESSION_LIVE_COUNT, 3, p, &r);

	if (!err)
		*n = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_session_lock_open(struct store_conn *c, int64_t id, bool *open)
{
	struct store_res *r = NULL;
	char sid[24];
	const char *p[1] = {store_i64(sid, id)};
	enum idp_err err = store_exec(c, STMT_SESSION_LOCK_OPEN, 1, p, &r);

	*open = !err && store_res_rows(r) == 1;
	store_res_free(r);
	return err;
}

enum idp_err store_session_list_user(struct store_conn *c, int64_t user_id, int idle_seconds,
                                     struct store_session_brief **rows, int *n)
{
	struct store_res *r = NULL;
	char uid[24], idle[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(idle, idle_seconds)};
	enum idp_err err;

	err = store_exec_rows(c, STMT_SESSION_LIST_USER, 2, p, sizeof **rows, (void **)rows, n, &r);
	for (int i = 0; !err && i < *n; i++) {
		struct store_session_brief *s = &(*rows)[i];
		s->id = store_res_i64(r, i, B_ID);
		s->created_at = store_res_i64(r, i, B_CREATED);
		s->last_seen_at = store_res_i64(r, i, B_LAST_SEEN);
		store_res_copy(r, i, B_IP, s->ip, sizeof s->ip);
		store_res_copy(r, i, B_UA, s->user_agent, sizeof s->user_agent);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_session_touch_batch(struct store_conn *c, const int64_t *ids,
                                       const int64_t *seen, int n)
{
	size_t cap = (size_t)n * 24 + 3;
	char *a = malloc(cap), *b = malloc(cap), num[24];
	size_t la = 0, lb = 0;
	enum idp_err err;

	if (!a || !b) {
		free(a);
		free(b);
		return IDP_ERR_NOMEM;
	}
	a[la++] = '{';
	b[lb++] = '{';
	for (int i = 0; i < n; i++) {
		la += (size_t)snprintf(a + la, cap - la, "%s%s", i ? "," : "",
		                       store_i64(num, ids[i]));
		lb += (size_t)snprintf(b + lb, cap - lb, "%s%s", i ? "," : "",
		                       store_i64(num, seen[i]));
	}
	snprintf(a + la, cap - la, "}");
	snprintf(b + lb, cap - lb, "}");
	err = store_exec_count(c, STMT_SESSION_TOUCH_BATCH, 2, (const char *const[]){a, b}, NULL);
	free(a);
	free(b);
	return err;
}
