/*
 * One user's page (/admin/users/{email}): the profile, the role (changed
 * here, keeping at least one active administrator), the status with the
 * actions that fit it, a temporary password, the live sessions with an end
 * button each (after a confirmation), and the audit trail of what the user
 * did and what was done to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

#define TRAIL_ROWS 50

/* A term and its description in the profile list. */
static void fact(struct web_buf *b, const struct web_req *r, enum web_msg term)
{
	web_buf_puts(b, "<dt>");
	web_admin_text(b, r, term);
	web_buf_puts(b, "</dt><dd>");
}

static void fact_time(struct web_buf *b, const struct web_req *r, enum web_msg term, int64_t t)
{
	char when[40];

	fact(b, r, term);
	if (t) {
		idp_time_local(t, r->tenant.policy.audit.timezone, when);
		web_buf_time(b, when);
	} else {
		web_admin_text(b, r, M_ADM_NEVER);
	}
	web_buf_puts(b, "</dd>");
}

/* A form posting to this user's address + verb, returning here. */
static void form_open(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                      const char *verb, const char *id)
{
	web_buf_printf(b, "<form method=\"post\" id=\"%s\" action=\"", id);
	web_admin_user_href(b, r, u->email, verb);
	web_buf_puts(b, "\">");
	web_page_csrf(b, r);
	web_admin_hidden(b, "back", r->path);
}

/* The client certificates bound to the user, when the tenant uses them. */
static void certs(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	struct idp_user_cert *rows = NULL;
	int n = 0;

	if (r->tenant.policy.mfa.client_cert == IDP_CERT_OFF && !u->cert)
		return;
	if (idp_user_certs_list(&r->tenant, u->email, &rows, &n) != IDP_OK)
		return;
	fact(b, r, M_CERT_HOME_TITLE);
	if (!n)
		web_admin_text(b, r, M_ADM_MFA_OFF);
	web_buf_puts(b, "<ul class=\"plain\" id=\"user-certs\">");
	for (int i = 0; i < n; i++) {
		web_buf_puts(b, "<li>");
		web_buf_esc(b, rows[i].subject);
		web_buf_puts(b, " <code class=\"muted\">");
		web_buf_add(b, rows[i].sha256, 16);
		web_buf_puts(b, "…</code></li>");
	}
	web_buf_puts(b, "</ul></dd>");
	free(rows);
}

static void profile(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	char num[16];

	web_buf_puts(b, "<section class=\"card\" id=\"profile\"><h2>");
	web_buf_email(b, u->email);
	web_buf_puts(b, " ");
	web_admin_user_badge(b, r, u);
	web_buf_puts(b, "</h2><dl class=\"facts\">");
	fact(b, r, M_NAME);
	web_buf_esc(b, u->name);
	web_buf_puts(b, "</dd>");
	fact(b, r, M_ROLE);
	web_admin_text(b, r, u->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</dd>");
	fact_time(b, r, M_ADM_CREATED, u->created_at);
	fact_time(b, r, M_ADM_LAST_LOGIN, u->last_login);
	fact_time(b, r, M_ADM_PW_SET_AT, u->password_changed_at);
	if (u->must_change_password) {
		fact(b, r, M_PASSWORD);
		web_admin_text(b, r, M_ADM_PW_MUST_CHANGE);
		web_buf_puts(b, "</dd>");
	}
	fact(b, r, M_ADM_MFA);
	web_admin_text(b, r, u->mfa ? M_ADM_MFA_ON : M_ADM_MFA_OFF);
	web_buf_puts(b, "</dd>");
	certs(b, r, u);
	snprintf(num, sizeof num, "%d", u->failed_count);
	fact(b, r, M_ADM_FAILED_COUNT);
	web_buf_esc(b, num);
	web_buf_puts(b, "</dd></dl>");
	web_admin_user_actions(b, r, u);
	web_buf_puts(b, "</section>");
}

static void role_form(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	web_buf_puts(b, "<section class=\"card\" id=\"role\"><h2>");
	web_admin_text(b, r, M_ROLE);
	web_buf_puts(b, "</h2>");
	form_open(b, r, u, "role", "role-form");
	web_buf_puts(b, "<div class=\"search\"><div><label for=\"role-select\">");
	web_admin_text(b, r, M_ADM_ROLE_CHANGE);
	web_buf_puts(b, "</label>");
	web_admin_role_select(b, r, "role-select", u->role);
	web_buf_puts(b, "</div><button type=\"submit\" id=\"role-save\">");
	web_admin_text(b, r, M_SAVE);
	web_buf_puts(b, "</button></div><p class=\"hint\">");
	web_admin_text(b, r, M_ADM_ROLE_HINT);
	web_buf_puts(b, "</p></form></section>");
}

static void password_form(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	web_buf_puts(b, "<section class=\"card\" id=\"temp-password\"><h2>");
	web_admin_text(b, r, M_ADM_SET_PASSWORD);
	web_buf_puts(b, "</h2>");
	form_open(b, r, u, "password", "password-form");
	web_buf_puts(b, "<div class=\"search\"><div><label for=\"temp-pw\">");
	web_admin_text(b, r, M_NEW_PASSWORD);
	web_buf_puts(b, "</label><input type=\"password\" id=\"temp-pw\" name=\"password\" "
	                "autocomplete=\"new-password\" required></div><button type=\"submit\" "
	                "class=\"danger\" id=\"temp-pw-set\">");
	web_admin_text(b, r, M_ADM_SET);
	web_buf_puts(b, "</button></div><p class=\"hint\">");
	web_admin_text(b, r,
	               r->tenant.policy.password.change_at_first_login
	                   ? M_ADM_SET_PASSWORD_WHAT_FORCED
	                   : M_ADM_SET_PASSWORD_WHAT);
	web_buf_puts(b, "</p></form></section>");
}

static void session_row(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                        const struct idp_session_row *s)
{
	const char *tz = r->tenant.policy.audit.timezone;
	char started[40], last[40];

	idp_time_local(s->created_at, tz, started);
	idp_time_local(s->last_seen_at, tz, last);
	web_buf_printf(b, "<tr data-session=\"%lld\">", (long long)s->id);
	web_td(b, r, M_SESSION_STARTED, NULL);
	web_buf_time(b, started);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SESSION_LAST, NULL);
	web_buf_time(b, last);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SESSION_IP, "nowrap");
	web_buf_esc(b, s->ip);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SESSION_UA, NULL);
	web_buf_esc(b, s->user_agent);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	if (s->id == r->session.id) {
		web_buf_puts(b, "<span class=\"badge\">");
		web_admin_text(b, r, M_SESSION_THIS);
		web_buf_puts(b, "</span>");
	} else {
		web_buf_puts(b, "<a class=\"button danger\" data-action=\"end-session\" href=\"");
		web_admin_user_href(b, r, u->email, NULL);
		web_buf_printf(b, "/sessions/%lld/end\">", (long long)s->id);
		web_admin_text(b, r, M_SESSION_END);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</td></tr>");
}

static void sessions(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                     const struct idp_session_row *rows, int n)
{
	static const enum web_msg heads[] = {M_SESSION_STARTED, M_SESSION_LAST, M_SESSION_IP,
	                                     M_SESSION_UA, M_ADM_ACTIONS};

	web_buf_puts(b, "<section class=\"card\" id=\"sessions\"><h2>");
	web_admin_text(b, r, M_ADM_USER_SESSIONS);
	web_buf_puts(b, "</h2>");
	web_table_open(b, r, "user-sessions", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		session_row(b, r, u, &rows[i]);
	web_table_close(b, r, n, M_ADM_NO_SESSIONS);
	web_buf_puts(b, "</section>");
}

static void trail(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                  const struct idp_audit_row *rows, int n)
{
	web_buf_puts(b, "<section class=\"card\" id=\"trail\"><h2>");
	web_admin_text(b, r, M_ADM_USER_TRAIL);
	web_buf_puts(b, "</h2>");
	web_audit_table(b, r, "user-audit", rows, n, M_ADM_USER_NO_EVENTS);
	web_buf_printf(
	    b,
	    "<div class=\"actions\"><a class=\"button secondary\" href=\"/t/%s/admin/audit?actor=",
	    r->slug);
	web_admin_urlenc(b, u->email);
	web_buf_puts(b, "\">");
	web_admin_text(b, r, M_ADM_USER_TRAIL_ALL);
	web_buf_puts(b, "</a></div></section>");
}

int web_admin_user_render(struct web_req *r, unsigned status, const char *email,
                          const struct web_admin_flash *f)
{
	struct idp_audit_filter af = {.limit = TRAIL_ROWS};
	struct idp_session_row *srows = NULL;
	struct idp_audit_row *arows = NULL;
	struct idp_user_row u;
	struct web_buf b;
	enum idp_err err;
	long total = 0;
	int ns = 0, na = 0;

	err = idp_user_get(&r->tenant, email, &u);
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	af.subject = u.email;
	if (!err)
		err = idp_sessions_list(&r->tenant, u.id, &srows, &ns);
	if (!err)
		err = idp_audit_list(&r->tenant, &af, &arows, &na, &total);
	if (err) {
		free(srows);
		idp_audit_rows_free(arows, na);
		return web_admin_unavailable(r);
	}
	web_admin_begin(&b, r, WEB_TAB_USERS);
	web_buf_printf(&b, "<p><a href=\"/t/%s/admin/users\">", r->slug);
	web_admin_text(&b, r, M_ADM_BACK_TO_USERS);
	web_buf_puts(&b, "</a></p>");
	web_admin_flash(&b, r, f);
	profile(&b, r, &u);
	/* One's own role and password are not changed from here: demoting
	 * oneself would end one's own console at the next click. */
	if (strcasecmp(u.email, r->session.email) != 0) {
		role_form(&b, r, &u);
		if (u.status == IDP_STATUS_ACTIVE)
			password_form(&b, r, &u);
	}
	sessions(&b, r, &u, srows, ns);
	trail(&b, r, &u, arows, na);
	free(srows);
	idp_audit_rows_free(arows, na);
	return web_admin_send(r, status, &b);
}

int web_admin_user_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return web_admin_user_render(r, 200, r->wild[0], &f);
}

/* GET /admin/users/{email}/sessions/{id}/end: the confirmation. */
int web_admin_user_session_end_get(struct web_req *r)
{
	struct idp_session_row *rows = NULL;
	struct idp_user_row u;
	struct web_buf action, back;
	long long id = web_wild_id(r, 1);
	enum idp_err err;
	int n = 0, ret = -1;

	err = id ? idp_user_get(&r->tenant, r->wild[0], &u) : IDP_ERR_NOT_FOUND;
	if (!err)
		err = idp_sessions_list(&r->tenant, u.id, &rows, &n);
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	web_buf_init(&action, 4096);
	web_buf_init(&back, 4096);
	/* The action is a URL (encoded); back is a path as web_admin_back
	 * reads it (decoded, as the user page's own r->path). */
	web_admin_user_href(&action, r, u.email, NULL);
	web_buf_printf(&action, "/sessions/%lld/end", id);
	web_buf_printf(&back, "/t/%s/admin/users/", r->slug);
	web_buf_puts(&back, u.email);
	for (int i = 0; i < n && ret < 0; i++) {
		if (rows[i].id != id)
			continue;
		struct web_admin_confirm c = {M_ADM_CONFIRM_SESSION, M_ADM_CONFIRM_SESSION_WHAT,
		                              M_SESSION_END,         u.email,
		                              action.data,           back.data,
		                              WEB_TAB_USERS};
		ret = action.overflow || back.overflow ? web_admin_bad_request(r)
		                                       : web_admin_confirm_page(r, &c);
	}
	free(rows);
	web_buf_free(&action);
	web_buf_free(&back);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

int web_admin_user_session_end_post(struct web_req *r)
{
	long long id = web_wild_id(r, 1);
	enum idp_err err;

	err = id ? idp_user_session_end(&r->tenant, &r->actor, r->wild[0], id) : IDP_ERR_NOT_FOUND;
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "users", "session", r->wild[0], 0);
}
