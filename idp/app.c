/*
 * Applications behind the gateway: registered, listed and removed by the
 * tenant's administrators, each change audited in its transaction.  What a
 * request is compared with is in idp/url.c; each node keeps the apps with
 * the tenant's snapshot (idp/tenant.c), which the apps' trigger makes every
 * node reload.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "idp/app.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "store/app.h"

/* An app as stored into an app as compared; false when the stored row no
 * longer parses (then it admits nothing). */
static bool app_from(const struct store_app *s, struct idp_app *out)
{
	char canon[IDP_APP_URL_MAX + 1];

	memset(out, 0, sizeof *out);
	out->id = s->id;
	idp_copy(out->name, sizeof out->name, s->name);
	idp_copy(out->url, sizeof out->url, s->url);
	out->created_at = s->created_at;
	return idp_roleset_parse(s->roles, &out->roles) &&
	       idp_app_url_parse(s->url, &out->u, canon) == IDP_OK;
}

enum idp_err idp_apps_read(struct store_conn *c, struct idp_app **rows, int *n)
{
	struct store_app *all = NULL;
	int m = 0, k = 0;
	enum idp_err err = store_app_list(c, &all, &m);

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(m ? (size_t)m : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < m; i++) {
		if (app_from(&all[i], &(*rows)[k])) {
			k++;
			continue;
		}
		/* Leaving it out would hand its URLs to a shorter, perhaps more
		 * permissive prefix: refuse the tenant's snapshot instead. */
		idp_error("app %lld: stored URL or roles do not parse; the tenant's gateway "
		          "answers 503 until it is fixed or removed",
		          (long long)all[i].id);
		err = IDP_ERR_DB;
	}
	free(all);
	if (err) {
		free(*rows);
		*rows = NULL;
	} else {
		*n = k;
	}
	return err;
}

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct idp_rows *a = arg;

	return idp_apps_read(c, (struct idp_app **)&a->rows, &a->n);
}

enum idp_err idp_apps_list(const struct idp_tenant *t, struct idp_app **rows, int *n)
{
	struct idp_rows a = {NULL, 0};
	enum idp_err err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);

	if (err)
		idp_rows_reset(&a);
	*rows = a.rows;
	*n = a.n;
	return err;
}

/* The detail of app.created and app.deleted. */
static char *app_detail(const char *name, const char *url, const char *roles)
{
	json_object *o = json_object_new_object();
	char *s = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "roles", json_object_new_string(roles));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

struct create_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *name, *url, *roles;
	int64_t id;
};

static enum idp_err create_tx(struct store_conn *c, void *arg)
{
	struct create_args *a = arg;
	struct store_app *all = NULL;
	int n = 0;
	char *detail;
	enum idp_err err = store_app_list(c, &all, &n);

	free(all);
	if (err)
		return err;
	if (n >= IDP_APPS_MAX)
		return IDP_ERR_TOO_LARGE;
	err = store_app_insert(c, a->t->id, a->name, a->url, a->roles, &a->id);
	if (err)
		return err;
	detail = app_detail(a->name, a->url, a->roles);
	err = idp_audit_write_owned(c, a->t->id, a->by, "app.created", a->name, "success", detail);
	return err;
}

enum idp_err idp_app_create(const struct idp_tenant *t, const struct idp_actor *by,
                            const char *name, const char *url, unsigned roles, int64_t *id,
                            const char **field)
{
	char canon[IDP_APP_URL_MAX + 1];
	struct idp_url u;
	struct create_args a = {t, by, name, canon, idp_roleset_name(roles), 0};
	size_t nlen = name ? strlen(name) : 0;
	enum idp_err err;

	*field = NULL;
	if (!name || nlen > IDP_APP_NAME_MAX || !idp_name_valid(name)) {
		*field = "name";
		return IDP_ERR_INVALID;
	}
	if (idp_app_url_parse(url, &u, canon)) {
		*field = "url";
		return IDP_ERR_INVALID;
	}
	if (!a.roles) {
		*field = "roles";
		return IDP_ERR_INVALID;
	}
	err = idp_tx(t->id, create_tx, &a);
	if (!err && id)
		*id = a.id;
	if (!err)
		idp_tenant_forget(t->slug);
	return err;
}

struct del_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
};

static enum idp_err del_tx(struct store_conn *c, void *arg)
{
	struct del_args *a = arg;
	struct store_app app;
	char *detail;
	enum idp_err err = store_app_delete(c, a->id, &app);

	if (err)
		return err;
	detail = app_detail(app.name, app.url, app.roles);
	err = idp_audit_write_owned(c, a->t->id, a->by, "app.deleted", app.name, "success", detail);
	return err;
}

enum idp_err idp_app_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id)
{
	struct del_args a = {t, by, id};
	enum idp_err err = id > 0 ? idp_tx(t->id, del_tx, &a) : IDP_ERR_NOT_FOUND;

	if (!err)
		idp_tenant_forget(t->slug);
	return err;
}
