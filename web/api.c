/*
 * The admin JSON API under /t/{slug}/api/v1.  Callers authenticate with a
 * bearer token of this tenant, or an administrator's session plus the
 * X-CSRF-Token header for changes.  Bodies are JSON (json-c), at most
 * WEB_BODY_MAX bytes; every error is a JSON object naming the problem.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/json.h"
#include "idp/log.h"
#include "web/api.h"
#include "web/i18n.h"
#include "web/web.h"

int web_api_json(struct web_req *r, unsigned status, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
	int ret = web_respond(r, status, "application/json", s, strlen(s));

	json_object_put(o);
	return ret;
}

int web_api_ok(struct web_req *r, unsigned status)
{
	return web_respond(r, status, "application/json", "{\"ok\":true}\n", 12);
}

int web_api_delete_id(struct web_req *r, enum idp_err (*fn)(const struct idp_tenant *t,
                                                            const struct idp_actor *by, int64_t id))
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? fn(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 200);
}

enum idp_err web_api_body(struct web_req *r, json_object **out, char field[WEB_API_FIELD_MAX])
{
	return idp_json_object(r->body, r->body_len, 16, out, field, WEB_API_FIELD_MAX);
}

int web_api_bad_body(struct web_req *r, const char *field)
{
	if (field[0])
		return web_json_error(r, 400, "invalid", field);
	return web_json_error(r, 400, "invalid_json", NULL);
}

int web_api_err(struct web_req *r, enum idp_err err, const char *field)
{
	switch (err) {
	case IDP_ERR_INVALID: return web_json_error(r, 400, "invalid", field);
	case IDP_ERR_TOO_LARGE: return web_json_error(r, 413, "too_large", field);
	case IDP_ERR_NOT_FOUND: return web_json_error(r, 404, "not_found", field);
	case IDP_ERR_CONFLICT: return web_json_error(r, 409, "conflict", field);
	case IDP_ERR_FORBIDDEN: return web_json_error(r, 403, "forbidden", field);
	case IDP_ERR_PASSWORD: return web_json_error(r, 400, "policy", field);
	case IDP_ERR_ADDRESS: return web_json_error(r, 403, "forbidden", field);
	case IDP_ERR_AUTH: return web_json_error(r, 401, "unauthorized", field);
	default: return web_json_error(r, 503, "unavailable", NULL);
	}
}

static json_object *time_or_null(int64_t t)
{
	char iso[21];

	if (t <= 0)
		return NULL;
	idp_time_iso(t, iso);
	return json_object_new_string(iso);
}

static int users_get(struct web_req *r)
{
	struct idp_user_row *rows = NULL;
	json_object *arr;
	enum idp_err err;
	int n = 0;

	err = idp_users_list(&r->tenant, web_query(r, "q"), 1000, 0, &rows, &n);
	if (err)
		return web_api_err(r, err, err == IDP_ERR_INVALID ? "q" : NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *u = json_object_new_object();
		json_object_object_add(u, "email", json_object_new_string(rows[i].email));
		json_object_object_add(u, "name", json_object_new_string(rows[i].name));
		json_object_object_add(u, "role",
		                       json_object_new_string(idp_role_name(rows[i].role)));
		json_object_object_add(u, "status",
		                       json_object_new_string(idp_user_state(&rows[i])));
		json_object_object_add(u, "mfa",
		                       rows[i].mfa    ? json_object_new_string("totp")
		                       : rows[i].cert ? json_object_new_string("cert")
		                                      : json_object_new_boolean(false));
		json_object_object_add(u, "last_login", time_or_null(rows[i].last_login));
		json_object_array_add(arr, u);
	}
	free(rows);
	return web_api_json(r, 200, arr);
}

static int invitations_post(struct web_req *r)
{
	struct idp_invitation inv;
	json_object *body, *o;
	const char *email, *role;
	enum idp_err err;
	char iso[21], field[WEB_API_FIELD_MAX];

	if (web_api_body(r, &body, field))
		return web_api_bad_body(r, field);
	email = idp_json_str(body, "email");
	role = idp_json_str(body, "role");
	if (!role && !json_object_object_get_ex(body, "role", NULL))
		role = "user";
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "email") && strcmp(key, "role")) {
			int ret = web_json_error(r, 400, "invalid", key);
			json_object_put(body);
			return ret;
		}
	}
	if (!email || !idp_email_valid(email)) {
		json_object_put(body);
		return web_json_error(r, 400, "invalid", "email");
	}
	enum idp_role parsed;
	if (!idp_role_parse(role, &parsed)) {
		json_object_put(body);
		return web_json_error(r, 400, "invalid", "role");
	}
	err = idp_invite(&r->tenant, &r->actor, email, role, &inv);
	json_object_put(body);
	if (err == IDP_ERR_CONFLICT)
		return web_json_error(r, 409, "user_exists", "email");
	if (err)
		return web_api_err(r, err, NULL);
	o = json_object_new_object();
	idp_time_iso(inv.expires_at, iso);
	json_object_object_add(o, "url", json_object_new_string(inv.url));
	json_object_object_add(o, "expires_at", json_object_new_string(iso));
	return web_api_json(r, 201, o);
}

static int audit_get(struct web_req *r)
{
	struct idp_audit_filter f;
	struct idp_audit_row *rows = NULL;
	const char *bad = NULL, *fmt = web_query(r, "format"), *accept = web_header(r, "Accept");
	enum idp_err err;
	long total = 0;
	int n = 0, ret;

	if (!web_audit_filter(r, &f, &bad))
		return web_json_error(r, 400, "invalid", bad);
	err = idp_audit_list(&r->tenant, &f, &rows, &n, &total);
	if (err == IDP_ERR_INVALID)
		return web_json_error(r, 400, "invalid", "from/to/action/actor");
	if (err)
		return web_api_err(r, err, NULL);
	if ((fmt && strcmp(fmt, "csv") == 0) || (accept && strstr(accept, "text/csv"))) {
		struct web_buf b;
		web_buf_init(&b, 64 * 1024 * 1024);
		web_audit_csv(&b, rows, n, r->tenant.policy.audit.timezone);
		idp_audit_rows_free(rows, n);
		ret = web_respond_buf(r, 200, "text/csv; charset=utf-8", &b);
		web_buf_free(&b);
		return ret;
	}
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		json_object *detail = json_tokener_parse(rows[i].detail);
		json_object_object_add(e, "seq", json_object_new_int64(rows[i].seq));
		json_object_object_add(e, "at", json_object_new_string(rows[i].at));
		json_object_object_add(e, "actor", json_object_new_string(rows[i].actor));
		json_object_object_add(e, "role", json_object_new_string(rows[i].role));
		json_object_object_add(e, "source_ip", json_object_new_string(rows[i].ip));
		json_object_object_add(e, "action", json_object_new_string(rows[i].action));
		json_object_object_add(e, "target", json_object_new_string(rows[i].target));
		json_object_object_add(e, "result", json_object_new_string(rows[i].result));
		json_object_object_add(e, "detail", detail ? detail : json_object_new_object());
		json_object_array_add(arr, e);
	}
	idp_audit_rows_free(rows, n);
	json_object_object_add(o, "total", json_object_new_int64(total));
	json_object_object_add(o, "events", arr);
	return web_api_json(r, 200, o);
}

static int policy_get(struct web_req *r)
{
	char *s = idp_policy_to_json(&r->tenant.policy);
	int ret;

	if (!s)
		return web_json_error(r, 500, "internal", NULL);
	ret = web_respond(r, 200, "application/json", s, strlen(s));
	free(s);
	return ret;
}

static int policy_put(struct web_req *r)
{
	struct idp_policy *p = malloc(sizeof *p);
	char field[128] = "";
	enum idp_err err;
	int ret;

	if (!p)
		return web_json_error(r, 500, "internal", NULL);
	if (!r->body || !r->body_len || !idp_utf8_valid(r->body, r->body_len)) {
		free(p);
		return web_json_error(r, 400, "invalid_json", NULL);
	}
	err =
	    idp_policy_update(&r->tenant, &r->actor, r->body, r->body_len, field, sizeof field, p);
	if (err == IDP_ERR_INVALID || err == IDP_ERR_TOO_LARGE) {
		free(p);
		return web_json_error(r, err == IDP_ERR_TOO_LARGE ? 413 : 400,
		                      field[0] ? "invalid" : "invalid_json",
		                      field[0] ? field : NULL);
	}
	if (err) {
		free(p);
		return web_api_err(r, err, NULL);
	}
	char *s = idp_policy_to_json(p);
	free(p);
	if (!s)
		return web_json_error(r, 500, "internal", NULL);
	ret = web_respond(r, 200, "application/json", s, strlen(s));
	free(s);
	return ret;
}

/* POST /users/{email}/{op} and DELETE /users/{email}. */
static int user_op(struct web_req *r, enum idp_err (*fn)(const struct idp_tenant *,
                                                         const struct idp_actor *, const char *))
{
	enum idp_err err = fn(&r->tenant, &r->actor, r->wild[0]);

	if (err == IDP_ERR_CONFLICT)
		return web_json_error(r, 409, "conflict", "email");
	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 200);
}

static int user_suspend(struct web_req *r)
{
	return user_op(r, idp_user_suspend);
}

static int user_resume(struct web_req *r)
{
	return user_op(r, idp_user_resume);
}

static int user_unlock(struct web_req *r)
{
	return user_op(r, idp_user_unlock);
}

static int user_logout(struct web_req *r)
{
	return user_op(r, idp_user_force_logout);
}

static int user_reset_mfa(struct web_req *r)
{
	return user_op(r, idp_mfa_reset);
}

static int user_delete(struct web_req *r)
{
	return user_op(r, idp_user_delete);
}

/* POST /users/{email}/role {"role": "admin" | "user"}. */
static int user_role(struct web_req *r)
{
	json_object *body;
	const char *role;
	char field[WEB_API_FIELD_MAX];
	enum idp_err err;
	int ret;

	if (web_api_body(r, &body, field))
		return web_api_bad_body(r, field);
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "role") != 0) {
			ret = web_json_error(r, 400, "invalid", key);
			json_object_put(body);
			return ret;
		}
	}
	role = idp_json_str(body, "role");
	err = role ? idp_user_set_role(&r->tenant, &r->actor, r->wild[0], role) : IDP_ERR_INVALID;
	if (err == IDP_ERR_INVALID)
		ret = web_json_error(r, 400, "invalid", "role");
	else if (err == IDP_ERR_CONFLICT)
		ret = web_json_error(r, 409, "last_admin", "role");
	else if (err)
		ret = web_api_err(r, err, NULL);
	else {
		json_object *o = json_object_new_object();
		char email[IDP_EMAIL_MAX + 1];
		idp_copy(email, sizeof email, r->wild[0]);
		idp_ascii_lower(email);
		json_object_object_add(o, "email", json_object_new_string(email));
		json_object_object_add(o, "role", json_object_new_string(role));
		ret = web_api_json(r, 200, o);
	}
	json_object_put(body);
	return ret;
}

/* DELETE /users/{email}/sessions/{id}: end one session of the user. */
static int user_session_delete(struct web_req *r)
{
	int64_t id = web_wild_id(r, 1);
	enum idp_err err;

	if (!id)
		return web_json_error(r, 404, "not_found", NULL);
	err = idp_user_session_end(&r->tenant, &r->actor, r->wild[0], id);
	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 200);
}

static int user_password(struct web_req *r)
{
	json_object *body, *arr;
	const char *pw;
	char field[WEB_API_FIELD_MAX];
	unsigned rules = 0;
	enum idp_err err;

	if (web_api_body(r, &body, field))
		return web_api_bad_body(r, field);
	json_object_object_foreach(body, key, val)
	{
		(void)val;
		if (strcmp(key, "password")) {
			int ret = web_json_error(r, 400, "invalid", key);
			json_object_put(body);
			return ret;
		}
	}
	pw = idp_json_str(body, "password");
	if (!pw) {
		json_object_put(body);
		return web_json_error(r, 400, "invalid", "password");
	}
	err = idp_user_set_password(&r->tenant, &r->actor, r->wild[0], pw, &rules);
	json_object_put(body);
	if (err == IDP_ERR_PASSWORD) {
		json_object *o = json_object_new_object();
		arr = json_object_new_array();
		for (size_t i = 0; i < idp_pw_rules_count; i++)
			if (rules & idp_pw_rules[i].bit)
				json_object_array_add(arr,
				                      json_object_new_string(idp_pw_rules[i].name));
		json_object_object_add(o, "error", json_object_new_string("policy"));
		json_object_object_add(o, "field", json_object_new_string("password"));
		json_object_object_add(o, "rules", arr);
		return web_api_json(r, 400, o);
	}
	if (err == IDP_ERR_CONFLICT)
		return web_json_error(r, 409, "conflict", "email");
	if (err)
		return web_api_err(r, err, NULL);
	return web_api_ok(r, 200);
}

static int invitations_get(struct web_req *r)
{
	struct idp_invite_row *rows = NULL;
	json_object *arr;
	enum idp_err err;
	int n = 0;

	err = idp_invitations_list(&r->tenant, &rows, &n);
	if (err)
		return web_api_err(r, err, NULL);
	arr = json_object_new_array();
	for (int i = 0; i < n; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(rows[i].id));
		json_object_object_add(o, "email", json_object_new_string(rows[i].email));
		json_object_object_add(o, "role",
		                       json_object_new_string(idp_role_name(rows[i].role)));
		json_object_object_add(o, "invited_by", json_object_new_string(rows[i].created_by));
		json_object_object_add(o, "created_at", time_or_null(rows[i].created_at));
		json_object_object_add(o, "expires_at", time_or_null(rows[i].expires_at));
		json_object_array_add(arr, o);
	}
	free(rows);
	return web_api_json(r, 200, arr);
}

static int invitation_delete(struct web_req *r)
{
	return web_api_delete_id(r, idp_invite_revoke);
}

#define API (WEB_TENANT | WEB_API | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_api[] = {
    {"GET", "/api/v1/users", users_get, API},
    {"POST", "/api/v1/invitations", invitations_post, API},
    {"GET", "/api/v1/audit", audit_get, API},
    {"GET", "/api/v1/invitations", invitations_get, API},
    {"DELETE", "/api/v1/invitations/*", invitation_delete, API},
    {"GET", "/api/v1/policy", policy_get, API},
    {"PUT", "/api/v1/policy", policy_put, API},
    {"POST", "/api/v1/users/*/suspend", user_suspend, API},
    {"POST", "/api/v1/users/*/resume", user_resume, API},
    {"POST", "/api/v1/users/*/unlock", user_unlock, API},
    {"POST", "/api/v1/users/*/logout", user_logout, API},
    {"POST", "/api/v1/users/*/password", user_password, API | WEB_SLOW},
    {"POST", "/api/v1/users/*/role", user_role, API},
    {"POST", "/api/v1/users/*/reset-mfa", user_reset_mfa, API},
    {"DELETE", "/api/v1/users/*/sessions/*", user_session_delete, API},
    {"DELETE", "/api/v1/users/*", user_delete, API},
    {NULL, NULL, NULL, 0},
};
