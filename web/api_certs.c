/*
 * The admin API's client certificates (/t/{slug}/api/v1): the tenant's CAs
 * and CRLs (GET, POST a PEM bundle, DELETE by id) and the certificates bound
 * to a user (GET, POST a PEM certificate or {"sha256": "HEX"}, DELETE by
 * fingerprint).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "idp/json.h"
#include "web/api.h"
#include "web/web.h"

static json_object *when(int64_t t)
{
	char iso[21];

	if (!t)
		return NULL;
	idp_time_iso(t, iso);
	return json_object_new_string(iso);
}

static int cas_get(struct web_req *r)
{
	struct idp_client_ca *rows = NULL;
	json_object *arr;
	int n = 0;
	enum idp_err err = idp_client_cas_list(&r->tenant, &rows, &n);

	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(rows[i].id));
		json_object_object_add(o, "kind",
		                       json_object_new_string(rows[i].crl ? "crl" : "cert"));
		json_object_object_add(o, "subject", json_object_new_string(rows[i].subject));
		json_object_object_add(o, "issuer", json_object_new_string(rows[i].issuer));
		json_object_object_add(o, "not_after", when(rows[i].not_after));
		json_object_object_add(o, "sha256", json_object_new_string(rows[i].sha256));
		json_object_array_add(arr, o);
	}
	free(rows);
	return web_api_json(r, 200, arr);
}

/* A 400 that says why the PEM was refused. */
static int bad_pem(struct web_req *r, const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string("invalid"));
	json_object_object_add(o, "reason", json_object_new_string(why && *why ? why : "bad PEM"));
	return web_api_json(r, 400, o);
}

static int cas_post(struct web_req *r)
{
	const char *why = "";
	int added = 0;
	enum idp_err err;
	json_object *o;

	if (!r->body || !r->body_len || memchr(r->body, 0, r->body_len))
		return bad_pem(r, "the body must be PEM text");
	err = idp_client_cas_add(&r->tenant, &r->actor, r->body, r->body_len, &added, &why);
	if (err == IDP_ERR_INVALID || err == IDP_ERR_TOO_LARGE)
		return bad_pem(r, why);
	if (err == IDP_ERR_CONFLICT)
		return web_json_error(r, 409, "conflict", "sha256");
	if (err)
		return web_api_err(r, err, NULL);
	o = json_object_new_object();
	json_object_object_add(o, "added", json_object_new_int(added));
	return web_api_json(r, 201, o);
}

static int ca_delete(struct web_req *r)
{
	return web_api_delete_id(r, idp_client_ca_delete);
}

static int user_certs_get(struct web_req *r)
{
	struct idp_user_cert *rows = NULL;
	json_object *arr;
	int n = 0;
	enum idp_err err = idp_user_certs_list(&r->tenant, r->wild[0], &rows, &n);

	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "sha256", json_object_new_string(rows[i].sha256));
		json_object_object_add(o, "subject", json_object_new_string(rows[i].subject));
		json_object_object_add(o, "created_at", when(rows[i].created_at));
		json_object_array_add(arr, o);
	}
	free(rows);
	return web_api_json(r, 200, arr);
}

static int user_certs_post(struct web_req *r)
{
	const char *why = "";
	enum idp_err err;

	if (!r->body || !r->body_len || memchr(r->body, 0, r->body_len))
		return bad_pem(r, "the body must be a PEM certificate or {\"sha256\": \"HEX\"}");
	if (r->body[0] == '{') {
		json_object *body;
		char field[WEB_API_FIELD_MAX];
		if (web_api_body(r, &body, field))
			return web_api_bad_body(r, field);
		json_object_object_foreach(body, key, val)
		{
			(void)val;
			if (strcmp(key, "sha256") != 0) {
				int ret = web_json_error(r, 400, "invalid", key);
				json_object_put(body);
				return ret;
			}
		}
		err = idp_user_cert_add(&r->tenant, &r->actor, r->wild[0], NULL, 0,
		                        idp_json_str(body, "sha256"), &why);
		json_object_put(body);
	} else {
		err = idp_user_cert_add(&r->tenant, &r->actor, r->wild[0], r->body, r->body_len,
		                        NULL, &why);
	}
	if (err == IDP_ERR_INVALID)
		return bad_pem(r, why);
	if (err == IDP_ERR_CONFLICT)
		return web_json_error(r, 409, "conflict", "sha256");
	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 201);
}

static int user_cert_delete(struct web_req *r)
{
	enum idp_err err = idp_user_cert_delete(&r->tenant, &r->actor, r->wild[0], r->wild[1]);

	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 200);
}

#define API (WEB_TENANT | WEB_API | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_api_certs[] = {
    {"GET", "/api/v1/client-cas", cas_get, API},
    {"POST", "/api/v1/client-cas", cas_post, API},
    {"DELETE", "/api/v1/client-cas/*", ca_delete, API},
    {"GET", "/api/v1/users/*/certificates", user_certs_get, API},
    {"POST", "/api/v1/users/*/certificates", user_certs_post, API},
    {"DELETE", "/api/v1/users/*/certificates/*", user_cert_delete, API},
    {NULL, NULL, NULL, 0},
};
