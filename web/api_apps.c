/*
 * The admin API's applications behind the gateway (/t/{slug}/api/v1/apps):
 * list them, register one ({"name","url","roles":[...]}), remove one by id.
 * An item is {id, name, url (normal form), roles, created_at (RFC 3339
 * UTC)}; the list is an array of items, like the other lists of this API.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/json.h"
#include "web/api.h"
#include "web/web.h"

/* The roles of set as names, in the order of enum idp_role. */
static json_object *roles_json(unsigned set)
{
	json_object *arr = json_object_new_array();

	if (set & IDP_ROLESET_USER)
		json_object_array_add(arr, json_object_new_string("user"));
	if (set & IDP_ROLESET_ADMIN)
		json_object_array_add(arr, json_object_new_string("admin"));
	return arr;
}

static json_object *app_json(const struct idp_app *a)
{
	json_object *o = json_object_new_object();
	char iso[21];

	idp_time_iso(a->created_at, iso);
	json_object_object_add(o, "id", json_object_new_int64(a->id));
	json_object_object_add(o, "name", json_object_new_string(a->name));
	json_object_object_add(o, "url", json_object_new_string(a->url));
	json_object_object_add(o, "roles", roles_json(a->roles));
	json_object_object_add(o, "created_at", json_object_new_string(iso));
	return o;
}

static int apps_get(struct web_req *r)
{
	struct idp_app *rows = NULL;
	json_object *arr;
	int n = 0;
	enum idp_err err = idp_apps_list(&r->tenant, &rows, &n);

	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, app_json(&rows[i]));
	free(rows);
	return web_api_json(r, 200, arr);
}

/* The "roles" member as a set: an array of distinct known role names, at
 * least one.  False for anything else (absent, another type, empty, an
 * element that is not a string, unknown or repeated). */
static bool roles_from(json_object *body, unsigned *set)
{
	json_object *arr = NULL;
	size_t n;

	*set = 0;
	if (!json_object_object_get_ex(body, "roles", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return false;
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(el, json_type_string) ||
		    !idp_roleset_add(set, json_object_get_string(el)))
			return false;
	}
	return *set != 0;
}

/* The app just registered as the list shows it; built from what was sent
 * when it is gone already (removed by a concurrent request). */
static json_object *created_json(struct web_req *r, int64_t id, const char *name, const char *url,
                                 unsigned roles)
{
	struct idp_app *rows = NULL, made;
	struct idp_url u;
	json_object *o = NULL;
	int n = 0;

	if (idp_apps_list(&r->tenant, &rows, &n) == IDP_OK)
		for (int i = 0; i < n && !o; i++)
			if (rows[i].id == id)
				o = app_json(&rows[i]);
	free(rows);
	if (o)
		return o;
	memset(&made, 0, sizeof made);
	made.id = id;
	idp_copy(made.name, sizeof made.name, name);
	if (idp_app_url_parse(url, &u, made.url))
		made.url[0] = 0;
	made.roles = roles;
	made.created_at = time(NULL);
	return app_json(&made);
}

/* POST {"name","url","roles":[...]}: 201 with the item; 400 naming the
 * first bad (or unknown) member; 409 "conflict" for a URL registered
 * already, "too_many_apps" at IDP_APPS_MAX. */
static int apps_post(struct web_req *r)
{
	json_object *body;
	const char *name, *url, *bad = NULL;
	char field[WEB_API_FIELD_MAX];
	unsigned roles = 0;
	int64_t id = 0;
	enum idp_err err;
	int ret;

	if (web_api_body(r, &body, field))
		return web_api_bad_body(r, field);
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "name") && strcmp(key, "url") && strcmp(key, "roles")) {
			ret = web_json_error(r, 400, "invalid", key);
			json_object_put(body);
			return ret;
		}
	}
	name = idp_json_str(body, "name");
	url = idp_json_str(body, "url");
	if (!name)
		bad = "name";
	else if (!url)
		bad = "url";
	else if (!roles_from(body, &roles))
		bad = "roles";
	err = bad ? IDP_ERR_INVALID
	          : idp_app_create(&r->tenant, &r->actor, name, url, roles, &id, &bad);
	if (err == IDP_ERR_INVALID)
		ret = web_json_error(r, 400, "invalid", bad);
	else if (err == IDP_ERR_CONFLICT)
		ret = web_json_error(r, 409, "conflict", "url");
	else if (err == IDP_ERR_TOO_LARGE)
		ret = web_json_error(r, 409, "too_many_apps", NULL);
	else if (err)
		ret = web_api_err(r, err, NULL);
	else
		ret = web_api_json(r, 201, created_json(r, id, name, url, roles));
	json_object_put(body);
	return ret;
}

static int app_delete(struct web_req *r)
{
	return web_api_delete_id(r, idp_app_delete);
}

#define API (WEB_TENANT | WEB_API | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_api_apps[] = {
    {"GET", "/api/v1/apps", apps_get, API},
    {"POST", "/api/v1/apps", apps_post, API},
    {"DELETE", "/api/v1/apps/*", app_delete, API},
    {NULL, NULL, NULL, 0},
};
