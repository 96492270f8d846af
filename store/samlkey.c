/* SAML signing keys as stored: see store/samlkey.h. */
#include "store/samlkey.h"

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

enum { K_ID, K_BITS, K_STATE, K_CERT, K_SHA, K_CREATED, K_ACTIVATED, K_SEALED };

static void key_read(const struct store_res *r, int i, struct store_samlkey *k)
{
	memset(k, 0, sizeof *k);
	k->id = store_res_i64(r, i, K_ID);
	k->bits = (int)store_res_i64(r, i, K_BITS);
	store_res_copy(r, i, K_STATE, k->state, sizeof k->state);
	store_res_copy(r, i, K_CERT, k->cert_pem, sizeof k->cert_pem);
	store_res_bytea(r, i, K_SHA, k->sha256, sizeof k->sha256);
	k->created_at = store_res_i64(r, i, K_CREATED);
	k->activated_at = store_res_i64(r, i, K_ACTIVATED);
}

/* sealed as a bytea parameter: a new string (caller frees) or NULL. */
static char *bytea(const unsigned char *in, size_t n)
{
	size_t cap = 2 * n + 3;
	char *p = malloc(cap);

	if (p && !store_bytea_param(in, n, p, cap)) {
		free(p);
		p = NULL;
	}
	return p;
}

enum idp_err store_samlkey_insert(struct store_conn *c, int64_t tenant_id, int bits,
                                  const char *state, const char *cert_pem,
                                  const unsigned char *sealed, size_t sealed_len,
                                  const unsigned char sha256[STORE_SHA256_LEN], int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24], nbits[24], sha[67], *sb = bytea(sealed, sealed_len);
	enum idp_err err;

	if (!sb)
		return IDP_ERR_NOMEM;
	store_sha256_param(sha256, sha);
	const char *p[6] = {
	    store_i64(tid, tenant_id), store_i64(nbits, bits), state, cert_pem, sb, sha};
	err = store_exec_row(c, STMT_SAMLKEY_INSERT, 6, p, &r);
	if (!err && id)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	free(sb);
	return err;
}

enum idp_err store_samlkey_set_sealed(struct store_conn *c, int64_t id, const unsigned char *sealed,
                                      size_t sealed_len)
{
	char kid[24], *sb = bytea(sealed, sealed_len);
	enum idp_err err;

	if (!sb)
		return IDP_ERR_NOMEM;
	const char *p[2] = {store_i64(kid, id), sb};
	err = store_exec_one(c, STMT_SAMLKEY_SET_SEALED, 2, p);
	free(sb);
	return err;
}

enum idp_err store_samlkey_list(struct store_conn *c, struct store_samlkey **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_SAMLKEY_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++)
		key_read(r, i, &(*rows)[i]);
	store_res_free(r);
	return err;
}

enum idp_err store_samlkey_get(struct store_conn *c, int64_t id, struct store_samlkey *out,
                               unsigned char **sealed, size_t *sealed_len)
{
	struct store_res *r = NULL;
	char kid[24];
	const char *p[1] = {store_i64(kid, id)};
	enum idp_err err = store_exec_row(c, STMT_SAMLKEY_GET, 1, p, &r);
	long n;

	*sealed = NULL;
	*sealed_len = 0;
	if (!err) {
		key_read(r, 0, out);
		*sealed = malloc(STORE_SAMLKEY_SEALED_MAX);
		n = *sealed ? store_res_bytea(r, 0, K_SEALED, *sealed, STORE_SAMLKEY_SEALED_MAX)
		            : -1;
		if (n <= 0) {
			err = *sealed ? IDP_ERR_DB : IDP_ERR_NOMEM;
			free(*sealed);
			*sealed = NULL;
		} else {
			*sealed_len = (size_t)n;
		}
	}
	store_res_free(r);
	return err;
}

enum idp_err store_samlkey_active_id(struct store_conn *c, int64_t *id)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_SAMLKEY_ACTIVE, 0, NULL, &r);

	*id = !err && store_res_rows(r) == 1 ? store_res_i64(r, 0, 0) : 0;
	store_res_free(r);
	return err;
}

enum idp_err store_samlkey_activate(struct store_conn *c, int64_t id)
{
	struct store_res *r = NULL;
	char kid[24];
	const char *p[1] = {store_i64(kid, id)};
	enum idp_err err = store_exec_row(c, STMT_SAMLKEY_STATE, 1, p, &r);

	store_res_free(r);
	if (!err)
		err = store_exec_count(c, STMT_SAMLKEY_RETIRE, 0, NULL, NULL);
	if (!err)
		err = store_exec_one(c, STMT_SAMLKEY_ACTIVATE, 1, p);
	return err;
}

enum idp_err store_samlkey_delete(struct store_conn *c, int64_t id)
{
	struct store_res *r = NULL;
	char kid[24];
	const char *p[1] = {store_i64(kid, id)};
	enum idp_err err = store_exec_row(c, STMT_SAMLKEY_DELETE, 1, p, &r);

	store_res_free(r);
	if (err == IDP_ERR_NOT_FOUND) {
		/* Not deleted: none such, or the active one. */
		err = store_exec_row(c, STMT_SAMLKEY_STATE, 1, p, &r);
		store_res_free(r);
		if (!err)
			err = IDP_ERR_CONFLICT;
	}
	return err;
}
