/* Admin API tokens as stored: see store/apitoken.h. */
#include "store/apitoken.h"

#include "store/internal.h"

enum idp_err store_apitoken_insert(struct store_conn *c, int64_t tenant_id, const char *name,
                                   const unsigned char token_hash[STORE_SHA256_LEN])
{
	char tid[24], th[67];
	const char *p[3] = {store_i64(tid, tenant_id), name, th};

	store_sha256_param(token_hash, th);
	return store_exec(c, STMT_TOKEN_INSERT, 3, p, NULL);
}

enum idp_err store_apitoken_by_hash(struct store_conn *c,
                                    const unsigned char token_hash[STORE_SHA256_LEN], int64_t *id,
                                    char *name)
{
	struct store_res *r = NULL;
	char th[67];
	const char *p[1] = {th};
	enum idp_err err;

	store_sha256_param(token_hash, th);
	err = store_exec_row(c, STMT_TOKEN_BY_HASH, 1, p, &r);
	if (!err) {
		*id = store_res_i64(r, 0, 0);
		store_res_copy(r, 0, 1, name, STORE_TOKEN_NAME_MAX + 1);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_apitoken_touch(struct store_conn *c, int64_t id)
{
	char kid[24];
	const char *p[1] = {store_i64(kid, id)};

	return store_exec(c, STMT_TOKEN_TOUCH, 1, p, NULL);
}
