/* Users as stored: see store/user.h. */
#include "store/user.h"

#include <stdlib.h>

#include "store/internal.h"

/* Columns of USER_COLS (store/queries.c), in order. */
enum {
	U_ID,
	U_EMAIL,
	U_NAME,
	U_ROLE,
	U_STATUS,
	U_HASH,
	U_CHANGED,
	U_MUST_CHANGE,
	U_FAILED,
	U_LOCKED,
	U_LAST_LOGIN,
	U_CREATED,
	U_TOTP,
	U_CERT,
};

static void user_read(const struct store_res *r, int i, struct store_user *u)
{
	u->id = store_res_i64(r, i, U_ID);
	store_res_copy(r, i, U_EMAIL, u->email, sizeof u->email);
	store_res_copy(r, i, U_NAME, u->name, sizeof u->name);
	store_res_copy(r, i, U_ROLE, u->role, sizeof u->role);
	store_res_copy(r, i, U_STATUS, u->status, sizeof u->status);
	store_res_copy(r, i, U_HASH, u->hash, sizeof u->hash);
	u->changed_at = store_res_i64(r, i, U_CHANGED);
	u->must_change = store_res_bool(r, i, U_MUST_CHANGE);
	u->failed_count = (int)store_res_i64(r, i, U_FAILED);
	u->locked_at = store_res_i64(r, i, U_LOCKED);
	u->last_login_at = store_res_i64(r, i, U_LAST_LOGIN);
	u->created_at = store_res_i64(r, i, U_CREATED);
	u->totp = store_res_bool(r, i, U_TOTP);
	u->cert = store_res_bool(r, i, U_CERT);
}

/* Run a statement that returns at most one user. */
static enum idp_err user_one(struct store_conn *c, int stmt, const char *param,
                             struct store_user *out)
{
	struct store_res *r = NULL;
	const char *p[1] = {param};
	enum idp_err err = store_exec_row(c, stmt, 1, p, &r);

	if (!err)
		user_read(r, 0, out);
	store_res_free(r);
	return err;
}

enum idp_err store_user_by_email(struct store_conn *c, const char *email, bool lock,
                                 struct store_user *out)
{
	return user_one(c, lock ? STMT_USER_LOCK_BY_EMAIL : STMT_USER_BY_EMAIL, email, out);
}

enum idp_err store_user_by_id(struct store_conn *c, int64_t id, bool lock, struct store_user *out)
{
	char uid[24];

	return user_one(c, lock ? STMT_USER_LOCK_BY_ID : STMT_USER_BY_ID, store_i64(uid, id), out);
}

enum idp_err store_user_list(struct store_conn *c, const char *q, int limit, int offset,
                             struct store_user **rows, int *n)
{
	struct store_res *r = NULL;
	char lim[24], off[24];
	const char *p[3] = {q, store_i64(lim, limit), store_i64(off, offset)};
	enum idp_err err;

	err = store_exec_rows(c, STMT_USER_LIST, 3, p, sizeof **rows, (void **)rows, n, &r);
	for (int i = 0; !err && i < *n; i++)
		user_read(r, i, &(*rows)[i]);
	store_res_free(r);
	return err;
}

enum idp_err store_user_count_active_admins(struct store_conn *c, long *n)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_USER_COUNT_ACTIVE_ADMINS, 0, NULL, &r);

	if (!err)
		*n = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_user_stats(struct store_conn *c, int unlock_after, const char *mfa_scope,
                              int expiry_days, int warn_days, int idle_days,
                              struct store_user_stats *out)
{
	char b[4][24];
	const char *p[5] = {store_i64(b[0], unlock_after), mfa_scope, store_i64(b[1], expiry_days),
	                    store_i64(b[2], warn_days), store_i64(b[3], idle_days)};
	long *cols[] = {&out->active,    &out->invited, &out->suspended,  &out->locked,
	                &out->mfa_scope, &out->unused,  &out->pw_expired, &out->pw_expiring};
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_USER_STATS, 5, p, &r);

	for (size_t i = 0; !err && i < sizeof cols / sizeof cols[0]; i++)
		*cols[i] = (long)store_res_i64(r, 0, (int)i);
	store_res_free(r);
	return err;
}

enum idp_err store_user_insert_invited(struct store_conn *c, int64_t tenant_id, const char *email,
                                       const char *role, int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[3] = {store_i64(tid, tenant_id), email, role};
	enum idp_err err = store_exec(c, STMT_USER_INSERT_INVITED, 3, p, &r);

	if (!err)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_user_activate(struct store_conn *c, int64_t id, const char *name,
                                 const char *hash)
{
	char uid[24];
	const char *p[3] = {store_i64(uid, id), name, hash};

	return store_exec_one(c, STMT_USER_ACTIVATE, 3, p);
}

enum idp_err store_user_login_fail(struct store_conn *c, int64_t id, int max_failures, bool *locked)
{
	struct store_res *r = NULL;
	char uid[24], maxf[24];
	const char *p[2] = {store_i64(uid, id), store_i64(maxf, max_failures)};
	enum idp_err err = store_exec(c, STMT_USER_LOGIN_FAIL, 2, p, &r);

	*locked = !err && store_res_rows(r) == 1 && store_res_bool(r, 0, 1);
	store_res_free(r);
	return err;
}

enum idp_err store_user_set_hash(struct store_conn *c, int64_t id, const char *hash,
                                 bool must_change)
{
	char uid[24];
	const char *p[3] = {store_i64(uid, id), hash, must_change ? "true" : "false"};

	return store_exec(c, STMT_USER_SET_HASH, 3, p, NULL);
}

enum idp_err store_user_rehash(struct store_conn *c, int64_t id, const char *hash)
{
	char uid[24];
	const char *p[2] = {store_i64(uid, id), hash};

	return store_exec(c, STMT_USER_REHASH, 2, p, NULL);
}

enum idp_err store_user_unlock(struct store_conn *c, int64_t id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, id)};

	return store_exec(c, STMT_USER_UNLOCK, 1, p, NULL);
}

enum idp_err store_user_set_status(struct store_conn *c, int64_t id, const char *status)
{
	char uid[24];
	const char *p[2] = {store_i64(uid, id), status};

	return store_exec(c, STMT_USER_SET_STATUS, 2, p, NULL);
}

enum idp_err store_user_set_role(struct store_conn *c, int64_t id, const char *role)
{
	char uid[24];
	const char *p[2] = {store_i64(uid, id), role};

	return store_exec(c, STMT_USER_SET_ROLE, 2, p, NULL);
}

enum idp_err store_user_delete(struct store_conn *c, int64_t id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, id)};

	return store_exec(c, STMT_USER_DELETE, 1, p, NULL);
}

enum idp_err store_history_add(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                               const char *hash)
{
	char tid[24], uid[24];
	const char *p[3] = {store_i64(tid, tenant_id), store_i64(uid, user_id), hash};

	return store_exec(c, STMT_HISTORY_INSERT, 3, p, NULL);
}

enum idp_err store_history_recent(struct store_conn *c, int64_t user_id, int n,
                                  char (**hashes)[STORE_HASH_MAX + 1], int *count)
{
	struct store_res *r = NULL;
	char uid[24], lim[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(lim, n)};
	enum idp_err err;

	err = store_exec_rows(c, STMT_HISTORY_RECENT, 2, p, sizeof **hashes, (void **)hashes, count,
	                      &r);
	for (int i = 0; !err && i < *count; i++)
		store_res_copy(r, i, 0, (*hashes)[i], sizeof **hashes);
	store_res_free(r);
	return err;
}

enum idp_err store_history_prune(struct store_conn *c, int64_t user_id, int keep)
{
	char uid[24], k[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(k, keep)};

	return store_exec(c, STMT_HISTORY_PRUNE, 2, p, NULL);
}
