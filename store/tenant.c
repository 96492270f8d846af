/* Tenants as stored: see store/tenant.h. */
#include "store/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* Columns of STMT_TENANT_BY_SLUG. */
enum { T_ID, T_SLUG, T_NAME, T_STATUS, T_CREATED, T_VERSION, T_POLICY };
/* Columns of STMT_TENANT_LIST. */
enum { L_ID, L_SLUG, L_NAME, L_STATUS, L_CREATED };

enum idp_err store_tenant_by_slug(struct store_conn *c, const char *slug, const char *known_version,
                                  struct store_tenant *out, char *version, char **policy)
{
	struct store_res *r = NULL;
	const char *p[2] = {slug, known_version};
	enum idp_err err;

	*policy = NULL;
	err = store_exec_row(c, STMT_TENANT_BY_SLUG, 2, p, &r);
	if (err)
		goto out;
	memset(out, 0, sizeof *out);
	out->id = store_res_i64(r, 0, T_ID);
	store_res_copy(r, 0, T_SLUG, out->slug, sizeof out->slug);
	store_res_copy(r, 0, T_NAME, out->name, sizeof out->name);
	out->active = strcmp(store_res_str(r, 0, T_STATUS), "active") == 0;
	out->created_at = store_res_i64(r, 0, T_CREATED);
	store_res_copy(r, 0, T_VERSION, version, STORE_VERSION_MAX + 1);
	if (store_res_null(r, 0, T_POLICY))
		goto out;
	*policy = strdup(store_res_str(r, 0, T_POLICY));
	if (!*policy)
		err = IDP_ERR_NOMEM;
out:
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_insert(struct store_conn *c, const char *slug, const char *name,
                                 const char *policy, int64_t *id)
{
	struct store_res *r = NULL;
	const char *p[3] = {slug, name, policy};
	enum idp_err err = store_exec(c, STMT_TENANT_INSERT, 3, p, &r);

	if (!err)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_list(struct store_conn *c, struct store_tenant **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err;

	err = store_exec_rows(c, STMT_TENANT_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);
	if (err)
		goto out;
	for (int i = 0; i < *n; i++) {
		struct store_tenant *t = &(*rows)[i];
		t->id = store_res_i64(r, i, L_ID);
		store_res_copy(r, i, L_SLUG, t->slug, sizeof t->slug);
		store_res_copy(r, i, L_NAME, t->name, sizeof t->name);
		t->active = strcmp(store_res_str(r, i, L_STATUS), "active") == 0;
		t->created_at = store_res_i64(r, i, L_CREATED);
	}
out:
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_lock(struct store_conn *c, int64_t id, char **policy)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[1] = {store_i64(tid, id)};
	enum idp_err err = store_exec_row(c, STMT_TENANT_POLICY_LOCK, 1, p, &r);

	if (err)
		goto out;
	if (policy) {
		*policy = strdup(store_res_str(r, 0, 0));
		if (!*policy)
			err = IDP_ERR_NOMEM;
	}
out:
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_policy_set(struct store_conn *c, int64_t id, const char *policy)
{
	char tid[24];
	const char *p[2] = {store_i64(tid, id), policy};

	return store_exec(c, STMT_TENANT_POLICY_SET, 2, p, NULL);
}
