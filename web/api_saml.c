/*
 * The admin API's SAML signing keys (/t/{slug}/api/v1/saml/keys): list them,
 * create the next one (optional body {"bits": 2048 | 3072}), activate one,
 * delete one (never the active one).  An item is {id, bits, state ("next",
 * "active", "previous"), sha256 (hex, of the DER certificate), certificate
 * (PEM), created_at, activated_at (RFC 3339 UTC or null)}.
 *
 * Its service providers (/t/{slug}/api/v1/sps): list them, register one
 * from its metadata, read one, change its settings (PUT with any of name,
 * nameid_format, attributes, sign, encrypt, roles), remove one.  An item
 * is {id, entity_id, name, nameid_format, attributes, sign, encrypt,
 * roles, created_at}.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "web/api.h"
#include "web/web.h"

static json_object *time_or_null(int64_t t)
{
	char iso[21];

	if (!t)
		return NULL;
	idp_time_iso(t, iso);
	return json_object_new_string(iso);
}

static json_object *key_json(const struct idp_samlkey *k)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(k->id));
	json_object_object_add(o, "bits", json_object_new_int(k->bits));
	json_object_object_add(o, "state",
	                       json_object_new_string(idp_samlkey_state_name(k->state)));
	json_object_object_add(o, "sha256", json_object_new_string(k->sha256));
	json_object_object_add(o, "certificate", json_object_new_string(k->cert_pem));
	json_object_object_add(o, "created_at", time_or_null(k->created_at));
	json_object_object_add(o, "activated_at", time_or_null(k->activated_at));
	return o;
}

static int keys_get(struct web_req *r)
{
	struct idp_samlkey *rows = NULL;
	json_object *arr;
	int n = 0;
	enum idp_err err = idp_samlkeys_list(&r->tenant, &rows, &n);

	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, key_json(&rows[i]));
	free(rows);
	return web_api_json(r, 200, arr);
}

static int keys_post(struct web_req *r)
{
	char field[WEB_API_FIELD_MAX] = "";
	json_object *body = NULL, *v;
	int64_t bits = 2048, id = 0;
	enum idp_err err;

	if (r->body_len) {
		err = web_api_body(r, &body, field);
		if (err)
			return web_api_bad_body(r, field);
		json_object_object_foreach(body, key, val)
		{
			(void)val;
			if (strcmp(key, "bits") != 0) {
				int ret = web_json_error(r, 400, "invalid", key);
				json_object_put(body);
				return ret;
			}
		}
		if (json_object_object_get_ex(body, "bits", &v)) {
			bits = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : 0;
			if (bits != 2048 && bits != 3072) {
				json_object_put(body);
				return web_json_error(r, 400, "invalid", "bits");
			}
		}
		json_object_put(body);
	}
	err = idp_samlkey_create(&r->tenant, &r->actor, (int)bits, &id);
	if (err == IDP_ERR_TOO_LARGE)
		return web_json_error(r, 409, "too_many_keys", NULL);
	if (err)
		return web_api_err(r, err, NULL);
	struct idp_samlkey *rows = NULL;
	int n = 0;
	err = idp_samlkeys_list(&r->tenant, &rows, &n);
	for (int i = 0; !err && i < n; i++)
		if (rows[i].id == id) {
			json_object *o = key_json(&rows[i]);
			free(rows);
			return web_api_json(r, 201, o);
		}
	free(rows);
	return web_api_err(r, err ? err : IDP_ERR_DB, NULL);
}

static int key_activate(struct web_req *r)
{
	return web_api_delete_id(r, idp_samlkey_activate);
}

static int key_delete(struct web_req *r)
{
	return web_api_delete_id(r, idp_samlkey_delete);
}

/* A comma-separated list as a JSON array. */
static json_object *list_json(const char *csv)
{
	json_object *arr = json_object_new_array();
	char buf[64], *save = NULL;

	snprintf(buf, sizeof buf, "%s", csv);
	for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		json_object_array_add(arr, json_object_new_string(p));
	return arr;
}

static json_object *sp_json(const struct idp_sp *sp)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(sp->id));
	json_object_object_add(o, "entity_id", json_object_new_string(sp->entity_id));
	json_object_object_add(o, "name", json_object_new_string(sp->name));
	json_object_object_add(o, "nameid_format", json_object_new_string(sp->nameid_format));
	json_object_object_add(o, "attributes", list_json(sp->attributes));
	json_object_object_add(o, "sign", json_object_new_string(sp->sign));
	json_object_object_add(o, "encrypt", json_object_new_boolean(sp->encrypt));
	json_object_object_add(o, "roles", list_json(sp->roles));
	json_object_object_add(o, "created_at", time_or_null(sp->created_at));
	return o;
}

static int sps_get(struct web_req *r)
{
	struct idp_sp *rows = NULL;
	json_object *arr;
	int n = 0;
	enum idp_err err = idp_sps_list(&r->tenant, &rows, &n);

	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, sp_json(&rows[i]));
	free(rows);
	return web_api_json(r, 200, arr);
}

/* POST /sps: the body is the SP's metadata XML; ?name= names it (default:
 * its entity ID).  Settings start from the metadata (idp_sp_register). */
static int sps_post(struct web_req *r)
{
	struct idp_sp sp;
	const char *why = NULL, *field = NULL;
	enum idp_err err = idp_sp_register(&r->tenant, &r->actor, r->body, r->body_len,
	                                   web_query(r, "name"), NULL, &sp, &field, &why);

	if (err == IDP_ERR_TOO_LARGE || (err == IDP_ERR_INVALID && why))
		idp_info("tenant %s: SP metadata refused: %s", r->slug, why ? why : "too large");
	if (err == IDP_ERR_TOO_LARGE)
		return web_json_error(r, 413, "too_large", NULL);
	if (err == IDP_ERR_INVALID && why)
		return web_json_error(r, 400, "invalid_metadata", why);
	if (err)
		return web_api_err(r, err, field);
	return web_api_json(r, 201, sp_json(&sp));
}

static int sp_delete(struct web_req *r)
{
	return web_api_delete_id(r, idp_sp_delete);
}

/* GET /sps/{id}: the item as the list shows it. */
static int sp_get(struct web_req *r)
{
	struct idp_sp sp;
	enum idp_err err = idp_sp_get(&r->tenant, web_wild_id(r, 0), &sp, NULL);

	if (err)
		return web_api_err(r, err, NULL);
	return web_api_json(r, 200, sp_json(&sp));
}

/* An array of distinct-looking names (strings, not empty, no comma) as a
 * comma-separated list in out; false for anything else or too long.  Which
 * names are allowed is idp_sp_update's to say. */
static bool csv_from(json_object *v, char *out, size_t outsz)
{
	size_t len = 0, n;

	out[0] = 0;
	if (!json_object_is_type(v, json_type_array))
		return false;
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(v, i);
		const char *s =
		    json_object_is_type(el, json_type_string) ? json_object_get_string(el) : NULL;
		if (!s || !*s || strchr(s, ',') || len + strlen(s) + 2 > outsz)
			return false;
		len += (size_t)snprintf(out + len, outsz - len, "%s%s", len ? "," : "", s);
	}
	return true;
}

/* A string member into out (outsz bytes); false when it is not a string or
 * does not fit (never cut short). */
static bool str_from(json_object *v, char *out, size_t outsz)
{
	const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

	if (!s || strlen(s) >= outsz)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

/* The members of a PUT body as settings of in and bits of *set; the first
 * member that is unknown or of the wrong type, or NULL. */
static const char *put_read(json_object *body, struct idp_sp *in, unsigned *set)
{
	memset(in, 0, sizeof *in);
	*set = 0;
	json_object_object_foreach(body, key, v)
	{
		bool ok;
		if (strcmp(key, "name") == 0) {
			ok = str_from(v, in->name, sizeof in->name);
			*set |= IDP_SP_SET_NAME;
		} else if (strcmp(key, "nameid_format") == 0) {
			ok = str_from(v, in->nameid_format, sizeof in->nameid_format);
			*set |= IDP_SP_SET_NAMEID_FORMAT;
		} else if (strcmp(key, "attributes") == 0) {
			ok = csv_from(v, in->attributes, sizeof in->attributes);
			*set |= IDP_SP_SET_ATTRIBUTES;
		} else if (strcmp(key, "sign") == 0) {
			ok = str_from(v, in->sign, sizeof in->sign);
			*set |= IDP_SP_SET_SIGN;
		} else if (strcmp(key, "encrypt") == 0) {
			ok = json_object_is_type(v, json_type_boolean);
			in->encrypt = ok && json_object_get_boolean(v);
			*set |= IDP_SP_SET_ENCRYPT;
		} else if (strcmp(key, "roles") == 0) {
			ok = csv_from(v, in->roles, sizeof in->roles);
			*set |= IDP_SP_SET_ROLES;
		} else {
			ok = false;
		}
		if (!ok)
			return key;
	}
	return NULL;
}

/* PUT /sps/{id} with any of {"name", "nameid_format", "attributes", "sign",
 * "encrypt", "roles"}: 200 with the item as it is now; 400 "invalid"
 * naming the first member that is unknown, of the wrong type or a value
 * idp_sp_update refuses, with nothing written; 404 for no such id. */
static int sp_put(struct web_req *r)
{
	char field[WEB_API_FIELD_MAX] = "";
	json_object *body = NULL;
	struct idp_sp in, out;
	const char *bad = NULL;
	unsigned set = 0;
	int64_t id = web_wild_id(r, 0);
	enum idp_err err;
	int ret;

	if (!id)
		return web_api_err(r, IDP_ERR_NOT_FOUND, NULL);
	if (web_api_body(r, &body, field))
		return web_api_bad_body(r, field);
	bad = put_read(body, &in, &set);
	if (bad) {
		ret = web_json_error(r, 400, "invalid", bad);
		json_object_put(body);
		return ret;
	}
	json_object_put(body);
	err = idp_sp_update(&r->tenant, &r->actor, id, &in, set, &out, &bad);
	if (err == IDP_ERR_INVALID)
		return web_json_error(r, 400, "invalid", bad);
	if (err)
		return web_api_err(r, err, NULL);
	return web_api_json(r, 200, sp_json(&out));
}

#define API (WEB_TENANT | WEB_API | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_api_saml[] = {
    {"GET", "/api/v1/saml/keys", keys_get, API},
    {"POST", "/api/v1/saml/keys", keys_post, API | WEB_SLOW},
    {"POST", "/api/v1/saml/keys/*/activate", key_activate, API},
    {"DELETE", "/api/v1/saml/keys/*", key_delete, API},
    {"GET", "/api/v1/sps", sps_get, API},
    {"POST", "/api/v1/sps", sps_post, API},
    {"GET", "/api/v1/sps/*", sp_get, API},
    {"PUT", "/api/v1/sps/*", sp_put, API},
    {"DELETE", "/api/v1/sps/*", sp_delete, API},
    {NULL, NULL, NULL, 0},
};
