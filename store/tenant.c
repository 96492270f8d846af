/* Tenants as stored: see store/tenant.h. */
#include "store/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* Columns of STMT_TENANT_BY_SLUG. */
enum { T_ID, T_SLUG, T_NAME, T_STATUS, T_CREATED, T_VERSION, T_POLICY };
/* Columns of STMT_TENANT_LIST. */
enum { L_ID, L_SLUG, L_NAME, L_STATUS, L_CREATED, L_TERMINATED, L_PURGE };

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
		t->terminated_at = store_res_i64(r, i, L_TERMINATED);
		t->purge_after = store_res_i64(r, i, L_PURGE);
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

#define TABLE_NAME(t) #t,
const char *const store_tenant_tables[] = {STORE_TENANT_TABLES(TABLE_NAME)};
#undef TABLE_NAME
const int store_tenant_tables_count =
    (int)(sizeof store_tenant_tables / sizeof store_tenant_tables[0]);

enum idp_err store_tenant_lock_slug(struct store_conn *c, const char *slug, bool exclusive,
                                    struct store_tenant_state *out)
{
	struct store_res *r = NULL;
	const char *p[1] = {slug};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	err =
	    store_exec_row(c, exclusive ? STMT_TENANT_LOCK_SLUG : STMT_TENANT_SHARE_SLUG, 1, p, &r);
	if (!err) {
		out->id = store_res_i64(r, 0, 0);
		out->active = strcmp(store_res_str(r, 0, 1), "active") == 0;
		out->purge_after = store_res_i64(r, 0, 2);
		out->purge_due = store_res_bool(r, 0, 3);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_terminate(struct store_conn *c, int64_t id, int days,
                                    int64_t *purge_after)
{
	struct store_res *r = NULL;
	char tid[24], d[24];
	const char *p[2] = {store_i64(tid, id), store_i64(d, days)};
	enum idp_err err = store_exec_row(c, STMT_TENANT_TERMINATE, 2, p, &r);

	if (!err)
		*purge_after = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_restore(struct store_conn *c, int64_t id)
{
	char tid[24];
	const char *p[1] = {store_i64(tid, id)};

	return store_exec_one(c, STMT_TENANT_RESTORE, 1, p);
}

enum idp_err store_tenant_end_access(struct store_conn *c, int64_t id,
                                     struct store_tenant_ended *out)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[1] = {store_i64(tid, id)};
	enum idp_err err = store_exec_row(c, STMT_TENANT_END_ACCESS, 1, p, &r);

	memset(out, 0, sizeof *out);
	if (!err) {
		out->sessions = (long)store_res_i64(r, 0, 0);
		out->flows = (long)store_res_i64(r, 0, 1);
		out->invitations = (long)store_res_i64(r, 0, 2);
		out->resets = (long)store_res_i64(r, 0, 3);
		out->parked = (long)store_res_i64(r, 0, 4);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_purge_rows(struct store_conn *c, int64_t id, long *deleted)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[1] = {store_i64(tid, id)};
	enum idp_err err = store_exec_row(c, STMT_TENANT_PURGE_ROWS, 1, p, &r);

	for (int i = 0; i < store_tenant_tables_count; i++)
		deleted[i] = err ? 0 : (long)store_res_i64(r, 0, i);
	store_res_free(r);
	return err;
}

enum idp_err store_tenant_delete(struct store_conn *c, int64_t id)
{
	char tid[24];
	const char *p[1] = {store_i64(tid, id)};

	return store_exec_one(c, STMT_TENANT_DELETE, 1, p);
}

enum idp_err store_tenant_purge_due(struct store_conn *c, char (**slugs)[STORE_SLUG_MAX + 1],
                                    int *n)
{
	struct store_res *r = NULL;
	enum idp_err err;

	err = store_exec_rows(c, STMT_TENANT_PURGE_DUE, 0, NULL, sizeof **slugs, (void **)slugs, n,
	                      &r);
	for (int i = 0; !err && i < *n; i++)
		store_res_copy(r, i, 0, (*slugs)[i], sizeof(*slugs)[i]);
	store_res_free(r);
	return err;
}
