/* Applications behind the gateway, as stored: see store/app.h. */
#include "store/app.h"
#include "store/internal.h"

enum { APP_ID, APP_NAME, APP_URL, APP_ROLES, APP_CREATED };

static void app_read(const struct store_res *r, int i, struct store_app *a)
{
	a->id = store_res_i64(r, i, APP_ID);
	store_res_copy(r, i, APP_NAME, a->name, sizeof a->name);
	store_res_copy(r, i, APP_URL, a->url, sizeof a->url);
	store_res_copy(r, i, APP_ROLES, a->roles, sizeof a->roles);
	a->created_at = store_res_i64(r, i, APP_CREATED);
}

enum idp_err store_app_insert(struct store_conn *c, int64_t tenant_id, const char *name,
                              const char *url, const char *roles, int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[4] = {store_i64(tid, tenant_id), name, url, roles};
	enum idp_err err = store_exec_row(c, STMT_APP_INSERT, 4, p, &r);

	if (!err && id)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_app_list(struct store_conn *c, struct store_app **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_APP_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++)
		app_read(r, i, &(*rows)[i]);
	store_res_free(r);
	return err;
}

enum idp_err store_app_delete(struct store_conn *c, int64_t id, struct store_app *out)
{
	struct store_res *r = NULL;
	char aid[24];
	const char *p[1] = {store_i64(aid, id)};
	enum idp_err err = store_exec_row(c, STMT_APP_DELETE, 1, p, &r);

	if (!err)
		app_read(r, 0, out);
	store_res_free(r);
	return err;
}
