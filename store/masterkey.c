/* The master key as the database knows it: see store/masterkey.h. */
#include "store/masterkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* The advisory lock's two keys: "seki" and 1 (the master key). */
#define LOCK_CLASS "1936026473"
#define LOCK_OBJ   "1"

enum idp_err store_masterkey_get(struct store_conn *c, bool lock, struct store_masterkey *out)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_row(c, lock ? STMT_MASTERKEY_GET_LOCK : STMT_MASTERKEY_GET, 0, NULL, &r);

	memset(out, 0, sizeof *out);
	if (!err) {
		store_res_copy(r, 0, 0, out->fingerprint, sizeof out->fingerprint);
		if (store_res_bytea(r, 0, 1, out->recovery_sealed, sizeof out->recovery_sealed) !=
		    STORE_KEY_SEALED_LEN)
			err = IDP_ERR_INVALID;
	}
	store_res_free(r);
	return err;
}

static enum idp_err write_row(struct store_conn *c, int stmt, const char *old_fp,
                              const struct store_masterkey *k)
{
	char sealed[2 * STORE_KEY_SEALED_LEN + 3];
	const char *p[3] = {k->fingerprint, sealed, old_fp};

	store_bytea_param(k->recovery_sealed, sizeof k->recovery_sealed, sealed, sizeof sealed);
	return stmt == STMT_MASTERKEY_INIT ? store_exec_count(c, stmt, 2, p, NULL)
	                                   : store_exec_one(c, stmt, 3, p);
}

enum idp_err store_masterkey_init(struct store_conn *c, const struct store_masterkey *k)
{
	return write_row(c, STMT_MASTERKEY_INIT, NULL, k);
}

enum idp_err store_masterkey_replace(struct store_conn *c, const char *old_fp,
                                     const struct store_masterkey *k)
{
	return write_row(c, STMT_MASTERKEY_REPLACE, old_fp, k);
}

static enum idp_err lock_stmt(struct store_conn *c, int stmt, bool *got)
{
	static const char *const p[2] = {LOCK_CLASS, LOCK_OBJ};
	struct store_res *r = NULL;
	enum idp_err err = store_exec_row(c, stmt, 2, p, &r);

	if (got)
		*got = !err && store_res_bool(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_keylock_try(struct store_conn *c, bool exclusive, bool *got)
{
	return lock_stmt(c, exclusive ? STMT_KEYLOCK_TRY_X : STMT_KEYLOCK_TRY_S, got);
}

enum idp_err store_keylock_release(struct store_conn *c, bool exclusive)
{
	return lock_stmt(c, exclusive ? STMT_KEYLOCK_RELEASE_X : STMT_KEYLOCK_RELEASE_S, NULL);
}

enum idp_err store_keylock_keep(struct store_conn *c, bool *got)
{
	return lock_stmt(c, STMT_KEYLOCK_KEEP, got);
}

enum idp_err store_sealed_totp_list(struct store_conn *c, struct store_sealed_totp **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_SEALED_TOTP_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		struct store_sealed_totp *s = &(*rows)[i];
		long a = 0, b = 0;

		s->user_id = store_res_i64(r, i, 0);
		if (!store_res_null(r, i, 1))
			a = store_res_bytea(r, i, 1, s->secret, sizeof s->secret);
		if (!store_res_null(r, i, 2))
			b = store_res_bytea(r, i, 2, s->pending, sizeof s->pending);
		if (a < 0 || b < 0)
			err = IDP_ERR_INVALID;
		s->secret_len = a > 0 ? (size_t)a : 0;
		s->pending_len = b > 0 ? (size_t)b : 0;
	}
	store_res_free(r);
	return err;
}

enum idp_err store_sealed_totp_set(struct store_conn *c, const struct store_sealed_totp *s)
{
	char uid[24], a[2 * STORE_SEALED_MAX + 3], b[2 * STORE_SEALED_MAX + 3];
	const char *p[3] = {store_i64(uid, s->user_id), s->secret_len ? a : NULL,
	                    s->pending_len ? b : NULL};

	if ((s->secret_len && !store_bytea_param(s->secret, s->secret_len, a, sizeof a)) ||
	    (s->pending_len && !store_bytea_param(s->pending, s->pending_len, b, sizeof b)))
		return IDP_ERR_TOO_LARGE;
	return store_exec_one(c, STMT_SEALED_TOTP_SET, 3, p);
}

enum idp_err store_sealed_samlkey_list(struct store_conn *c, struct store_sealed_samlkey **rows,
                                       int *n)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec_rows(c, STMT_SEALED_SAMLKEY_LIST, 0, NULL, sizeof **rows,
	                                   (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		struct store_sealed_samlkey *k = &(*rows)[i];
		long m;

		k->id = store_res_i64(r, i, 0);
		m = store_res_bytea(r, i, 1, k->sealed, sizeof k->sealed);
		if (m < 0)
			err = IDP_ERR_INVALID;
		k->sealed_len = m > 0 ? (size_t)m : 0;
	}
	store_res_free(r);
	return err;
}
