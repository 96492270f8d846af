/* Invitations and reset links as stored: see store/invitation.h. */
#include "store/invitation.h"

#include <stdlib.h>

#include "store/internal.h"

/* Columns of STMT_INVITE_BY_HASH. */
enum { I_ID, I_USER_ID, I_EXPIRES, I_USED, I_REVOKED, I_EMAIL, I_ROLE, I_STATUS, I_NOW };
/* Columns of STMT_INVITE_LIST_OPEN. */
enum { O_ID, O_EMAIL, O_ROLE, O_BY, O_CREATED, O_EXPIRES };
/* Columns of STMT_RESET_BY_HASH. */
enum { R_ID, R_USER_ID, R_EXPIRED, R_USED };

enum idp_err store_invitation_by_hash(struct store_conn *c,
                                      const unsigned char token_hash[STORE_SHA256_LEN],
                                      struct store_invitation *out)
{
	struct store_res *r = NULL;
	char th[67];
	const char *p[1] = {th};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_INVITE_BY_HASH, 1, p, &r);
	if (err)
		goto out;
	out->id = store_res_i64(r, 0, I_ID);
	out->user_id = store_res_i64(r, 0, I_USER_ID);
	out->expires_at = store_res_i64(r, 0, I_EXPIRES);
	out->used = store_res_bool(r, 0, I_USED);
	out->revoked = store_res_bool(r, 0, I_REVOKED);
	store_res_copy(r, 0, I_EMAIL, out->email, sizeof out->email);
	store_res_copy(r, 0, I_ROLE, out->role, sizeof out->role);
	store_res_copy(r, 0, I_STATUS, out->status, sizeof out->status);
	out->now = store_res_i64(r, 0, I_NOW);
out:
	store_res_free(r);
	return err;
}

enum idp_err store_invitation_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                     const unsigned char token_hash[STORE_SHA256_LEN],
                                     const char *created_by, int64_t expires_at,
                                     int64_t *stored_expiry)
{
	struct store_res *r = NULL;
	char tid[24], uid[24], exp[24], th[67];
	const char *p[5] = {store_i64(tid, tenant_id), store_i64(uid, user_id), th, created_by,
	                    store_i64(exp, expires_at)};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_INVITE_INSERT, 5, p, &r);
	if (!err)
		*stored_expiry = store_res_i64(r, 0, 1);
	store_res_free(r);
	return err;
}

enum idp_err store_invitation_use(struct store_conn *c, int64_t id)
{
	char iid[24];
	const char *p[1] = {store_i64(iid, id)};

	return store_exec_one(c, STMT_INVITE_USE, 1, p);
}

enum idp_err store_invitation_revoke_user(struct store_conn *c, int64_t user_id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};

	return store_exec(c, STMT_INVITE_REVOKE_USER, 1, p, NULL);
}

enum idp_err store_invitation_revoke(struct store_conn *c, int64_t id, char *email)
{
	struct store_res *r = NULL;
	char iid[24];
	const char *p[1] = {store_i64(iid, id)};
	enum idp_err err = store_exec_row(c, STMT_INVITE_REVOKE_ID, 1, p, &r);

	if (!err)
		store_res_copy(r, 0, 1, email, STORE_EMAIL_MAX + 1);
	store_res_free(r);
	return err;
}

enum idp_err store_invitation_list_open(struct store_conn *c, struct store_invitation_row **rows,
                                        int *n)
{
	struct store_res *r = NULL;
	enum idp_err err;

	err =
	    store_exec_rows(c, STMT_INVITE_LIST_OPEN, 0, NULL, sizeof **rows, (void **)rows, n, &r);
	for (int i = 0; !err && i < *n; i++) {
		struct store_invitation_row *v = &(*rows)[i];
		v->id = store_res_i64(r, i, O_ID);
		store_res_copy(r, i, O_EMAIL, v->email, sizeof v->email);
		store_res_copy(r, i, O_ROLE, v->role, sizeof v->role);
		store_res_copy(r, i, O_BY, v->created_by, sizeof v->created_by);
		v->created_at = store_res_i64(r, i, O_CREATED);
		v->expires_at = store_res_i64(r, i, O_EXPIRES);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_reset_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                const unsigned char token_hash[STORE_SHA256_LEN],
                                int64_t expires_at)
{
	char tid[24], uid[24], exp[24], th[67];
	const char *p[4] = {store_i64(tid, tenant_id), store_i64(uid, user_id), th,
	                    store_i64(exp, expires_at)};

	store_sha256_param(token_hash, th);
	return store_exec_one(c, STMT_RESET_INSERT, 4, p);
}

enum idp_err store_reset_by_hash(struct store_conn *c,
                                 const unsigned char token_hash[STORE_SHA256_LEN],
                                 struct store_reset *out)
{
	struct store_res *r = NULL;
	char th[67];
	const char *p[1] = {th};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_RESET_BY_HASH, 1, p, &r);
	if (!err) {
		out->id = store_res_i64(r, 0, R_ID);
		out->user_id = store_res_i64(r, 0, R_USER_ID);
		out->expired = store_res_bool(r, 0, R_EXPIRED);
		out->used = store_res_bool(r, 0, R_USED);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_reset_use(struct store_conn *c, int64_t id)
{
	char rid[24];
	const char *p[1] = {store_i64(rid, id)};

	return store_exec_one(c, STMT_RESET_USE, 1, p);
}

enum idp_err store_reset_invalidate_user(struct store_conn *c, int64_t user_id)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};

	return store_exec(c, STMT_RESET_INVALIDATE_USER, 1, p, NULL);
}

enum idp_err store_reset_recent(struct store_conn *c, int64_t user_id, long *n)
{
	struct store_res *r = NULL;
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};
	enum idp_err err = store_exec(c, STMT_RESET_RECENT, 1, p, &r);

	if (!err)
		*n = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}
