/* Second factors and login flows as stored: see store/mfa.h. */
#include <string.h>

#include "store/internal.h"
#include "store/mfa.h"

enum { M_SECRET, M_PENDING, M_ENROLLED, M_LAST_STEP, M_FAILED, M_LEFT };

enum idp_err store_mfa_get(struct store_conn *c, int64_t user_id, bool lock,
                           const unsigned char *owner, struct store_mfa *out)
{
	static const unsigned char nobody[STORE_SHA256_LEN];
	struct store_res *r = NULL;
	char uid[24], own[67];
	const char *p[2] = {store_i64(uid, user_id), own};
	enum idp_err err;
	long n;

	store_sha256_param(owner ? owner : nobody, own);
	err = store_exec_row(c, lock ? STMT_MFA_GET_LOCK : STMT_MFA_GET, 2, p, &r);
	memset(out, 0, sizeof *out);
	if (!err) {
		/* A secret that is there but cannot be read fails closed: it must
		 * never look like "not enrolled". */
		n = store_res_null(r, 0, M_SECRET)
		        ? 0
		        : store_res_bytea(r, 0, M_SECRET, out->secret, sizeof out->secret);
		if (n <= 0 && !store_res_null(r, 0, M_SECRET))
			err = IDP_ERR_DB;
		out->secret_len = n > 0 ? (size_t)n : 0;
		n = store_res_null(r, 0, M_PENDING)
		        ? 0
		        : store_res_bytea(r, 0, M_PENDING, out->pending, sizeof out->pending);
		out->pending_len = n > 0 ? (size_t)n : 0;
		out->enrolled_at = store_res_i64(r, 0, M_ENROLLED);
		out->last_step = store_res_i64(r, 0, M_LAST_STEP);
		out->failed = (int)store_res_i64(r, 0, M_FAILED);
		out->recovery_left = (long)store_res_i64(r, 0, M_LEFT);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_mfa_set_pending(struct store_conn *c, int64_t user_id,
                                   const unsigned char *sealed, size_t n,
                                   const unsigned char owner[STORE_SHA256_LEN])
{
	char uid[24], hex[2 * STORE_SEALED_MAX + 3], own[67];
	const char *p[3] = {store_i64(uid, user_id), hex, own};

	if (n > STORE_SEALED_MAX || !store_bytea_param(sealed, n, hex, sizeof hex))
		return IDP_ERR_INVALID;
	store_sha256_param(owner, own);
	return store_exec_one(c, STMT_MFA_SET_PENDING, 3, p);
}

enum idp_err store_mfa_confirm(struct store_conn *c, int64_t user_id, int64_t step,
                               const unsigned char owner[STORE_SHA256_LEN])
{
	char uid[24], st[24], own[67];
	const char *p[3] = {store_i64(uid, user_id), store_i64(st, step), own};

	store_sha256_param(owner, own);
	return store_exec_one(c, STMT_MFA_CONFIRM, 3, p);
}

enum idp_err store_mfa_use_step(struct store_conn *c, int64_t user_id, int64_t step, bool *ok)
{
	char uid[24], st[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(st, step)};
	long n = 0;
	enum idp_err err = store_exec_count(c, STMT_MFA_USE_STEP, 2, p, &n);

	*ok = !err && n == 1;
	return err;
}

enum idp_err store_mfa_fail(struct store_conn *c, int64_t user_id, int max_failures, bool *locked)
{
	struct store_res *r = NULL;
	char uid[24], mx[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(mx, max_failures)};
	enum idp_err err = store_exec(c, STMT_MFA_FAIL, 2, p, &r);

	*locked = false;
	/* Only an unlocked row is counted, so a locked one returned is the
	 * code that locked it (also when max_failures was lowered meanwhile). */
	if (!err && store_res_rows(r) == 1)
		*locked = store_res_bool(r, 0, 1);
	store_res_free(r);
	return err;
}

enum idp_err store_mfa_remove(struct store_conn *c, int64_t user_id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};
	enum idp_err err = store_exec(c, STMT_MFA_REMOVE, 1, p, NULL);

	if (!err)
		err = store_exec(c, STMT_RECOVERY_DELETE, 1, p, NULL);
	return err;
}

enum idp_err store_recovery_replace(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                    const unsigned char (*hashes)[STORE_SHA256_LEN], int n)
{
	char tid[24], uid[24], h[67];
	const char *p[3] = {store_i64(tid, tenant_id), store_i64(uid, user_id), h};
	enum idp_err err = store_exec(c, STMT_RECOVERY_DELETE, 1, p + 1, NULL);

	for (int i = 0; !err && i < n; i++) {
		store_sha256_param(hashes[i], h);
		err = store_exec(c, STMT_RECOVERY_INSERT, 3, p, NULL);
	}
	return err;
}

enum idp_err store_recovery_use(struct store_conn *c, int64_t user_id,
                                const unsigned char hash[STORE_SHA256_LEN], bool *ok)
{
	char uid[24], h[67];
	const char *p[2] = {store_i64(uid, user_id), h};
	long n = 0;
	enum idp_err err;

	store_sha256_param(hash, h);
	err = store_exec_count(c, STMT_RECOVERY_USE, 2, p, &n);
	*ok = !err && n == 1;
	return err;
}

enum idp_err store_flow_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                               const unsigned char token_hash[STORE_SHA256_LEN], int64_t expires_at,
                               const char *methods, const char *continuation)
{
	char tid[24], uid[24], exp[24], th[67];
	const char *p[6] = {store_i64(tid, tenant_id),
	                    store_i64(uid, user_id),
	                    th,
	                    store_i64(exp, expires_at),
	                    methods,
	                    continuation ? continuation : ""};

	store_sha256_param(token_hash, th);
	return store_exec(c, STMT_FLOW_INSERT, 6, p, NULL);
}

enum idp_err store_flow_by_hash(struct store_conn *c,
                                const unsigned char token_hash[STORE_SHA256_LEN], bool lock,
                                struct store_flow *out)
{
	struct store_res *r = NULL;
	char th[67];
	const char *p[1] = {th};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, lock ? STMT_FLOW_BY_HASH_LOCK : STMT_FLOW_BY_HASH, 1, p, &r);
	memset(out, 0, sizeof *out);
	if (!err) {
		out->id = store_res_i64(r, 0, 0);
		out->user_id = store_res_i64(r, 0, 1);
		out->expires_at = store_res_i64(r, 0, 2);
		store_res_copy(r, 0, 3, out->methods, sizeof out->methods);
		store_res_copy(r, 0, 4, out->continuation, sizeof out->continuation);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_flow_set_methods(struct store_conn *c, int64_t id, const char *methods)
{
	char fid[24];
	const char *p[2] = {store_i64(fid, id), methods};

	return store_exec_one(c, STMT_FLOW_SET_METHODS, 2, p);
}

enum idp_err store_flow_end(struct store_conn *c, int64_t id)
{
	char fid[24];
	const char *p[1] = {store_i64(fid, id)};

	return store_exec(c, STMT_FLOW_END, 1, p, NULL);
}

enum idp_err store_flow_end_user(struct store_conn *c, int64_t user_id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};

	return store_exec(c, STMT_FLOW_END_USER, 1, p, NULL);
}
