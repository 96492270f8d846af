/*
 * The console's applications tab (/admin/apps): the apps the gateway lets
 * requests through to (name, base URL, roles admitted, when added), a form
 * to register one, and removal through a confirmation page.
 *
 * The form is checked here field by field before idp_app_create is asked,
 * so that every bad field is reported next to it at once (the registry
 * itself stops at the first); the same checks as the registry's, which
 * stays the authority (a URL taken meanwhile, the maximum reached).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

/* A submitted form and what is wrong with it. */
struct app_form {
	const char *name, *url;
	unsigned roles;
	bool bad_name, bad_url, bad_roles, url_taken;
};

static void app_row(struct web_buf *b, const struct web_req *r, const struct idp_app *a)
{
	char when[40];

	web_buf_printf(b, "<tr data-app=\"%lld\">", (long long)a->id);
	web_td(b, r, M_APP_NAME, NULL);
	web_buf_esc(b, a->name);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_APP_URL, NULL);
	web_buf_puts(b, "<code>");
	web_buf_url(b, a->url);
	web_buf_puts(b, "</code></td>");
	web_td(b, r, M_APP_ROLES, NULL);
	web_admin_roles_text(b, r, a->roles);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_APP_CREATED, NULL);
	idp_time_local(a->created_at, r->tenant.policy.audit.timezone, when);
	web_buf_time(b, when);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	web_buf_printf(b,
	               "<a class=\"button danger\" data-action=\"delete-app\" "
	               "href=\"/t/%s/admin/apps/%lld/delete\">",
	               r->slug, (long long)a->id);
	web_admin_text(b, r, M_ADM_DELETE);
	web_buf_puts(b, "</a></td></tr>");
}

/* The box above the form listing the fields to correct, each a link to it. */
static void summary(struct web_buf *b, const struct web_req *r, const struct app_form *f)
{
	static const struct {
		const char *id;
		enum web_msg label;
	} fields[] = {
	    {"app-name", M_APP_NAME}, {"app-url", M_APP_URL}, {"app-role-user", M_APP_ROLES}};
	const bool bad[] = {f->bad_name, f->bad_url || f->url_taken, f->bad_roles};

	web_buf_puts(b, "<div class=\"error\" id=\"error\" role=\"alert\"><p>");
	web_admin_text(b, r, M_APP_INVALID);
	web_buf_puts(b, "</p><ul>");
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (!bad[i])
			continue;
		web_buf_printf(b, "<li><a href=\"#%s\">", fields[i].id);
		web_admin_text(b, r, fields[i].label);
		web_buf_puts(b, "</a></li>");
	}
	web_buf_puts(b, "</ul></div>");
}

static void role_box(struct web_buf *b, const struct web_req *r, const char *role, bool on,
                     enum web_msg label, bool bad)
{
	web_buf_printf(b,
	               "<label><input type=\"checkbox\" id=\"app-role-%s\" name=\"roles\" "
	               "value=\"%s\"%s",
	               role, role, on ? " checked" : "");
	web_admin_described(b, "app-roles", bad, false);
	web_buf_puts(b, "> ");
	web_admin_text(b, r, label);
	web_buf_puts(b, "</label>");
}

/* The form to add an app: empty (f NULL, both roles ticked) or as sent,
 * with what is wrong next to each field. */
static void add_form(struct web_buf *b, const struct web_req *r, const struct app_form *f)
{
	unsigned roles = f ? f->roles : IDP_ROLESET_ALL;
	bool bad_url = f && (f->bad_url || f->url_taken);

	web_buf_puts(b, "<section class=\"card\" id=\"add-app\"><h2>");
	web_admin_text(b, r, M_APP_ADD);
	web_buf_printf(b, "</h2><form method=\"post\" action=\"/t/%s/admin/apps\">", r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<label for=\"app-name\">");
	web_admin_text(b, r, M_APP_NAME);
	web_buf_puts(b, "</label><input type=\"text\" id=\"app-name\" name=\"name\" required "
	                "autocomplete=\"off\"");
	web_admin_described(b, "app-name", f && f->bad_name, false);
	web_buf_puts(b, " value=\"");
	web_buf_esc(b, f && f->name ? f->name : "");
	web_buf_puts(b, "\">");
	if (f && f->bad_name)
		web_admin_field_error(b, r, "app-name", M_APP_ERR_NAME);
	web_buf_puts(b, "<label for=\"app-url\">");
	web_admin_text(b, r, M_APP_URL);
	web_buf_puts(b, "</label><input type=\"url\" id=\"app-url\" name=\"url\" required "
	                "spellcheck=\"false\" autocomplete=\"off\" placeholder=\"https://\"");
	web_admin_described(b, "app-url", bad_url, true);
	web_buf_puts(b, " value=\"");
	web_buf_esc(b, f && f->url ? f->url : "");
	web_buf_puts(b, "\"><p class=\"hint\" id=\"app-url.hint\">");
	web_admin_text(b, r, M_APP_URL_HINT);
	web_buf_puts(b, "</p>");
	if (bad_url)
		web_admin_field_error(b, r, "app-url",
		                      f->url_taken ? M_APP_ERR_URL_TAKEN : M_APP_ERR_URL);
	web_buf_puts(b, "<fieldset id=\"app-roles\"><legend>");
	web_admin_text(b, r, M_APP_ROLES);
	web_buf_puts(b, "</legend>");
	role_box(b, r, "user", roles & IDP_ROLESET_USER, M_ROLE_USER, f && f->bad_roles);
	role_box(b, r, "admin", roles & IDP_ROLESET_ADMIN, M_ROLE_ADMIN, f && f->bad_roles);
	if (f && f->bad_roles)
		web_admin_field_error(b, r, "app-roles", M_APP_ERR_ROLES);
	web_buf_puts(b, "</fieldset><button type=\"submit\" id=\"add-app-submit\">");
	web_admin_text(b, r, M_APP_ADD);
	web_buf_puts(b, "</button></form></section>");
}

/* The tab: flash fl, the list, and the form (f: as sent, with its faults). */
static int apps_render(struct web_req *r, unsigned status, const struct web_admin_flash *fl,
                       const struct app_form *f)
{
	static const enum web_msg heads[] = {M_APP_NAME, M_APP_URL, M_APP_ROLES, M_APP_CREATED,
	                                     M_ADM_ACTIONS};
	struct idp_app *rows = NULL;
	struct web_buf b;
	int n = 0;

	if (idp_apps_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_APPS);
	web_admin_flash(&b, r, fl);
	if (f && (f->bad_name || f->bad_url || f->bad_roles || f->url_taken))
		summary(&b, r, f);
	web_buf_puts(&b, "<section class=\"card\"><p class=\"hint\" id=\"apps-intro\">");
	web_admin_text(&b, r, M_APP_INTRO);
	web_buf_puts(&b, "</p>");
	web_table_open(&b, r, "apps", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		app_row(&b, r, &rows[i]);
	web_table_close(&b, r, n, M_APP_NONE);
	web_buf_puts(&b, "</section>");
	add_form(&b, r, f);
	free(rows);
	return web_admin_send(r, status, &b);
}

static int apps_get(struct web_req *r)
{
	struct web_admin_flash fl = web_admin_flash_from_query(r);

	return apps_render(r, 200, &fl, NULL);
}

/* Read and check the form; true when every field is good. */
static bool form_read(struct web_req *r, struct app_form *f)
{
	char canon[IDP_APP_URL_MAX + 1];
	struct idp_url u;

	memset(f, 0, sizeof *f);
	f->name = web_form(r, "name");
	f->url = web_form(r, "url");
	for (int i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].key, "roles") == 0 &&
		    !idp_roleset_add(&f->roles, r->form[i].value))
			f->bad_roles = true;
	f->bad_roles = f->bad_roles || !f->roles;
	f->bad_name = !f->name || strlen(f->name) > IDP_APP_NAME_MAX || !idp_name_valid(f->name);
	f->bad_url = !f->url || idp_app_url_parse(f->url, &u, canon) != IDP_OK;
	return !f->bad_name && !f->bad_url && !f->bad_roles;
}

static int apps_post(struct web_req *r)
{
	struct web_admin_flash fl = web_admin_no_flash;
	struct app_form f;
	const char *field = NULL;
	char max[16];
	enum idp_err err;

	if (!form_read(r, &f))
		return apps_render(r, 400, &fl, &f);
	err = idp_app_create(&r->tenant, &r->actor, f.name, f.url, f.roles, NULL, &field);
	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "apps", "app_added", NULL, 0);
	case IDP_ERR_INVALID:
		if (!field)
			return web_admin_bad_request(r);
		f.bad_name = strcmp(field, "name") == 0;
		f.bad_url = strcmp(field, "url") == 0;
		f.bad_roles = strcmp(field, "roles") == 0;
		return apps_render(r, 400, &fl, &f);
	case IDP_ERR_CONFLICT: f.url_taken = true; return apps_render(r, 409, &fl, &f);
	case IDP_ERR_TOO_LARGE:
		snprintf(max, sizeof max, "%d", IDP_APPS_MAX);
		fl = (struct web_admin_flash){M_APP_ERR_TOO_MANY, true, max, 0, 0};
		return apps_render(r, 409, &fl, &f);
	default: return web_admin_unavailable(r);
	}
}

static int app_delete_get(struct web_req *r)
{
	struct idp_app *rows = NULL;
	int64_t id = web_wild_id(r, 0);
	char action[128], back[100];
	int n = 0, ret = -1;

	if (!id)
		return web_admin_not_found(r);
	if (idp_apps_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	snprintf(action, sizeof action, "/t/%s/admin/apps/%lld/delete", r->slug, (long long)id);
	snprintf(back, sizeof back, "/t/%s/admin/apps", r->slug);
	for (int i = 0; i < n && ret < 0; i++) {
		if (rows[i].id != id)
			continue;
		struct web_admin_confirm c = {
		    M_APP_CONFIRM, M_APP_CONFIRM_WHAT, M_ADM_DELETE, rows[i].name, action,
		    back,          WEB_TAB_APPS};
		ret = web_admin_confirm_page(r, &c);
	}
	free(rows);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

static int app_delete_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? idp_app_delete(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "apps", "app_removed", NULL, 0);
}

#define ADMIN      (WEB_TENANT | WEB_ADMIN)
#define ADMIN_POST (WEB_TENANT | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_admin_apps[] = {
    {"GET", "/admin/apps", apps_get, ADMIN},
    {"POST", "/admin/apps", apps_post, ADMIN_POST},
    {"GET", "/admin/apps/*/delete", app_delete_get, ADMIN},
    {"POST", "/admin/apps/*/delete", app_delete_post, ADMIN_POST},
    {NULL, NULL, NULL, 0},
};
