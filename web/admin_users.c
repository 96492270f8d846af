/*
 * The console's users tab (/admin/users): a search, one page of the tenant's
 * users (each address opens the user's page, web/admin_user.c) with the
 * actions that fit their state, and the invite form.  Unlock and resume are
 * POST buttons; suspend, force sign-out and delete lead to a confirmation
 * page first (web/admin_confirm.c).  Every action answers 303 back to where
 * the administrator was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

static void badge(struct web_buf *b, const struct web_req *r, const char *status)
{
	static const struct {
		const char *status;
		enum web_msg label;
	} map[] = {
	    {"active", M_ADM_ST_ACTIVE},
	    {"invited", M_ADM_ST_INVITED},
	    {"suspended", M_ADM_ST_SUSPENDED},
	    {"locked", M_ADM_ST_LOCKED},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcmp(status, map[i].status) != 0)
			continue;
		web_buf_printf(b, "<span class=\"badge %s\">", map[i].status);
		web_admin_text(b, r, map[i].label);
		web_buf_puts(b, "</span>");
		return;
	}
	web_buf_puts(b, "<span class=\"badge\">");
	web_buf_esc(b, status);
	web_buf_puts(b, "</span>");
}

/* Where a form or confirmation on this page returns to: this page. */
static void put_back(struct web_buf *b, const struct web_req *r)
{
	struct web_buf here;

	web_buf_init(&here, 4096);
	web_admin_here(&here, r);
	web_admin_hidden(b, "back", here.data);
	if (here.overflow)
		b->overflow = true;
	web_buf_free(&here);
}

/* A POST button (unlock, resume) that acts at once and comes back here. */
static void user_button(struct web_buf *b, const struct web_req *r, const char *email,
                        const char *verb, enum web_msg label)
{
	web_buf_puts(b, "<form method=\"post\" action=\"");
	web_admin_user_href(b, r, email, verb);
	web_buf_puts(b, "\">");
	web_page_csrf(b, r);
	put_back(b, r);
	web_buf_printf(b,
	               "<button type=\"submit\" class=\"secondary\" name=\"action\" "
	               "value=\"%s\">",
	               verb);
	web_admin_text(b, r, label);
	web_buf_puts(b, "</button></form>");
}

/* A link to the confirmation page of a destructive action. */
static void user_confirm_link(struct web_buf *b, const struct web_req *r, const char *email,
                              const char *verb, enum web_msg label)
{
	struct web_buf here;

	web_buf_printf(b, "<a class=\"button danger\" data-action=\"%s\" href=\"", verb);
	web_admin_user_href(b, r, email, verb);
	web_buf_init(&here, 4096);
	web_admin_here(&here, r);
	web_buf_puts(b, "?back=");
	web_admin_urlenc(b, here.data);
	web_buf_free(&here);
	web_buf_puts(b, "\">");
	web_admin_text(b, r, label);
	web_buf_puts(b, "</a>");
}

void web_admin_user_actions(struct web_buf *b, const struct web_req *r,
                            const struct idp_user_row *u)
{
	bool self = strcasecmp(u->email, r->session.email) == 0;
	bool live = u->status == IDP_STATUS_ACTIVE;

	web_buf_puts(b, "<div class=\"actions\">");
	if (u->locked)
		user_button(b, r, u->email, "unlock", M_ADM_UNLOCK);
	if (u->status == IDP_STATUS_SUSPENDED)
		user_button(b, r, u->email, "resume", M_ADM_RESUME);
	if (self) {
		/* Suspending, deleting or signing out oneself from here is
		 * almost always a slip; the account page has "sign out". */
		web_buf_puts(b, "<span class=\"badge\">");
		web_admin_text(b, r, M_ADM_YOU);
		web_buf_puts(b, "</span></div>");
		return;
	}
	if (live) {
		user_confirm_link(b, r, u->email, "suspend", M_ADM_SUSPEND);
		user_confirm_link(b, r, u->email, "logout", M_ADM_FORCE_LOGOUT);
	}
	if (u->mfa)
		user_confirm_link(b, r, u->email, "reset-mfa", M_ADM_RESET_MFA);
	user_confirm_link(b, r, u->email, "delete", M_ADM_DELETE);
	web_buf_puts(b, "</div>");
}

void web_admin_user_badge(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	badge(b, r, idp_user_state(u));
}

static void user_row(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u)
{
	char last[40];

	idp_time_local(u->last_login, r->tenant.policy.audit.timezone, last);
	web_buf_puts(b, "<tr data-email=\"");
	web_buf_esc(b, u->email);
	web_buf_puts(b, "\">");
	web_td(b, r, M_EMAIL, NULL);
	web_buf_puts(b, "<a class=\"user\" href=\"");
	web_admin_user_href(b, r, u->email, NULL);
	web_buf_puts(b, "\">");
	web_buf_email(b, u->email);
	web_buf_puts(b, "</a></td>");
	web_td(b, r, M_NAME, NULL);
	web_buf_esc(b, u->name);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ROLE, "nowrap");
	web_admin_text(b, r, u->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ADM_STATUS, NULL);
	badge(b, r, idp_user_state(u));
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ADM_LAST_LOGIN, "muted");
	if (u->last_login)
		web_buf_time(b, last);
	else
		web_admin_text(b, r, M_ADM_NEVER);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	web_admin_user_actions(b, r, u);
	web_buf_puts(b, "</td></tr>");
}

static void users_search(struct web_buf *b, const struct web_req *r, const char *q)
{
	web_buf_printf(b,
	               "<form method=\"get\" action=\"/t/%s/admin/users\" role=\"search\" "
	               "class=\"search\"><div><label for=\"q\">",
	               r->slug);
	web_admin_text(b, r, M_ADM_SEARCH);
	web_buf_puts(b, "</label><input type=\"search\" id=\"q\" name=\"q\" maxlength=\"254\" "
	                "value=\"");
	web_buf_esc(b, q);
	web_buf_puts(b, "\"></div><button type=\"submit\" class=\"secondary\">");
	web_admin_text(b, r, M_ADM_SEARCH_BUTTON);
	web_buf_puts(b, "</button></form>");
}

static void page_link(struct web_buf *b, const struct web_req *r, const char *q, int page,
                      enum web_msg label, const char *rel)
{
	web_buf_printf(b, "<a rel=\"%s\" href=\"/t/%s/admin/users?page=%d", rel, r->slug, page);
	if (q && *q) {
		web_buf_puts(b, "&amp;q=");
		web_admin_urlenc(b, q);
	}
	web_buf_puts(b, "\">");
	web_admin_text(b, r, label);
	web_buf_puts(b, "</a>");
}

static void users_pager(struct web_buf *b, const struct web_req *r, const char *q, int page,
                        bool more)
{
	char num[16];

	if (page <= 1 && !more)
		return;
	snprintf(num, sizeof num, "%d", page);
	web_buf_puts(b, "<p class=\"muted\" id=\"pager\">");
	if (page > 1)
		page_link(b, r, q, page - 1, M_ADM_PREV, "prev");
	web_buf_puts(b, " ");
	web_admin_subst1(b, r, M_ADM_PAGE, num);
	web_buf_puts(b, " ");
	if (more)
		page_link(b, r, q, page + 1, M_ADM_NEXT, "next");
	web_buf_puts(b, "</p>");
}

static void invite_form(struct web_buf *b, const struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	enum idp_role parsed = IDP_ROLE_USER;
	bool admin = idp_role_parse(role, &parsed) && parsed == IDP_ROLE_ADMIN;

	web_buf_puts(b, "<section class=\"card\" id=\"invite\"><h2>");
	web_admin_text(b, r, M_ADM_INVITE);
	web_buf_printf(b, "</h2><form method=\"post\" action=\"/t/%s/admin/invite\">", r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<div class=\"row\"><div><label for=\"invite-email\">");
	web_admin_text(b, r, M_EMAIL);
	web_buf_puts(b, "</label><input type=\"email\" id=\"invite-email\" name=\"email\" "
	                "maxlength=\"254\" required autocomplete=\"off\" value=\"");
	web_buf_esc(b, email);
	web_buf_puts(b, "\"></div><div><label for=\"invite-role\">");
	web_admin_text(b, r, M_ROLE);
	web_buf_puts(b, "</label>");
	web_admin_role_select(b, r, "invite-role", admin ? IDP_ROLE_ADMIN : IDP_ROLE_USER);
	web_buf_puts(b, "</div></div><button type=\"submit\">");
	web_admin_text(b, r, M_ADM_INVITE_SEND);
	web_buf_puts(b, "</button></form></section>");
}

/* The users tab: search, one page of users, the invite form. */
static int users_render(struct web_req *r, unsigned status, const char *q, int page,
                        const struct web_admin_flash *f)
{
	static const enum web_msg heads[] = {M_EMAIL,      M_NAME,           M_ROLE,
	                                     M_ADM_STATUS, M_ADM_LAST_LOGIN, M_ADM_ACTIONS};
	struct idp_user_row *rows = NULL;
	struct web_buf b;
	enum idp_err err;
	int n = 0;

	err = idp_users_list(&r->tenant, q && *q ? q : NULL, WEB_ADMIN_PAGE_SIZE + 1,
	                     (page - 1) * WEB_ADMIN_PAGE_SIZE, &rows, &n);
	if (err == IDP_ERR_INVALID)
		return web_admin_bad_request(r);
	if (err)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_USERS);
	web_admin_flash(&b, r, f);
	web_buf_puts(&b, "<section class=\"card\">");
	users_search(&b, r, q);
	web_table_open(&b, r, "users", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n && i < WEB_ADMIN_PAGE_SIZE; i++)
		user_row(&b, r, &rows[i]);
	web_table_close(&b, r, n, M_ADM_NO_USERS);
	users_pager(&b, r, q, page, n > WEB_ADMIN_PAGE_SIZE);
	web_buf_puts(&b, "</section>");
	invite_form(&b, r);
	free(rows);
	return web_admin_send(r, status, &b);
}

/* ?page= as 1..100000, 1 when absent or malformed. */
static int page_param(const char *s)
{
	char *end;
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 100000)
		return 1;
	return (int)v;
}

int web_admin_users_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return users_render(r, 200, web_query(r, "q"), page_param(web_query(r, "page")), &f);
}

/* Show the error where the form came from: the user's page when it was
 * posted from there, else the list with its search and page. */
static int users_error(struct web_req *r, unsigned status, enum web_msg msg, const char *email,
                       unsigned rules)
{
	struct web_admin_flash f = {msg, true, email, 0, rules};

	if (email && web_admin_back_is_user_page(r))
		return web_admin_user_render(r, status, email, &f);
	return users_render(r, status, web_form(r, "q"), page_param(web_form(r, "page")), &f);
}

/* A conflict: say "last administrator" only when that is what it is. */
static int user_conflict(struct web_req *r, const char *verb, const char *email)
{
	struct idp_user_row u;
	bool last_admin = (strcmp(verb, "suspend") == 0 || strcmp(verb, "delete") == 0 ||
	                   strcmp(verb, "role") == 0) &&
	                  idp_user_get(&r->tenant, email, &u) == IDP_OK &&
	                  u.role == IDP_ROLE_ADMIN && u.status == IDP_STATUS_ACTIVE;

	return users_error(r, 409, last_admin ? M_ADM_ERR_LAST_ADMIN : M_ADM_ERR_STATE, email, 0);
}

/* The verbs of POST /admin/users/{email}/{verb}. */
static const struct user_op {
	const char *verb;
	enum idp_err (*fn)(const struct idp_tenant *t, const struct idp_actor *by,
	                   const char *email);
	const char *done;
} user_ops[] = {
    {"suspend", idp_user_suspend, "suspended"}, {"resume", idp_user_resume, "resumed"},
    {"unlock", idp_user_unlock, "unlocked"},    {"logout", idp_user_force_logout, "logout"},
    {"delete", idp_user_delete, "deleted"},     {"reset-mfa", idp_mfa_reset, "mfa_reset"},
};

/* After an action: back where the administrator was, except after a
 * deletion from the user's own page, which no longer exists. */
static int user_done(struct web_req *r, const char *verb, const char *done, const char *email)
{
	struct web_buf to;
	int ret;

	if (strcmp(verb, "delete") != 0 || !web_admin_back_is_user_page(r))
		return web_admin_back_with(r, "users", done, email, 0);
	web_buf_init(&to, 4096);
	web_buf_printf(&to, "/t/%s/admin/users?done=%s&u=", r->slug, done);
	web_buf_urlenc(&to, email);
	ret = to.overflow ? web_admin_bad_request(r) : web_redirect(r, to.data);
	web_buf_free(&to);
	return ret;
}

/* POST /admin/users/{email}/{suspend,resume,unlock,logout,delete}: the verb is
 * the last path segment. */
int web_admin_user_action_post(struct web_req *r)
{
	const char *verb = strrchr(r->tpath, '/') + 1, *email = r->wild[0];
	enum idp_err err;

	for (size_t i = 0; i < sizeof user_ops / sizeof user_ops[0]; i++) {
		if (strcmp(verb, user_ops[i].verb) != 0)
			continue;
		err = user_ops[i].fn(&r->tenant, &r->actor, email);
		switch (err) {
		case IDP_OK: return user_done(r, verb, user_ops[i].done, email);
		case IDP_ERR_NOT_FOUND: return web_admin_not_found(r);
		case IDP_ERR_CONFLICT: return user_conflict(r, verb, email);
		case IDP_ERR_INVALID: return web_admin_bad_request(r);
		default: return web_admin_unavailable(r);
		}
	}
	return web_admin_not_found(r);
}

/* GET /admin/users/{email}/{suspend,logout,delete}: the confirmation. */
int web_admin_user_confirm_get(struct web_req *r)
{
	static const struct {
		const char *verb;
		enum web_msg title, consequence, button;
	} pages[] = {
	    {"suspend", M_ADM_CONFIRM_SUSPEND, M_ADM_CONFIRM_SUSPEND_WHAT, M_ADM_SUSPEND},
	    {"logout", M_ADM_CONFIRM_LOGOUT, M_ADM_CONFIRM_LOGOUT_WHAT, M_ADM_FORCE_LOGOUT},
	    {"delete", M_ADM_CONFIRM_DELETE, M_ADM_CONFIRM_DELETE_WHAT, M_ADM_DELETE},
	    {"reset-mfa", M_ADM_CONFIRM_RESET_MFA, M_ADM_CONFIRM_RESET_MFA_WHAT, M_ADM_RESET_MFA},
	};
	const char *verb = strrchr(r->tpath, '/') + 1, *email = r->wild[0];
	struct idp_user_row u;
	struct web_buf action, back;
	enum idp_err err = idp_user_get(&r->tenant, email, &u);
	int ret = -1;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	web_buf_init(&action, 4096);
	web_buf_init(&back, 4096);
	web_admin_user_href(&action, r, u.email, verb);
	if (web_admin_back(r))
		web_buf_puts(&back, web_admin_back(r));
	else
		web_buf_printf(&back, "/t/%s/admin/users", r->slug);
	for (size_t i = 0; i < sizeof pages / sizeof pages[0] && ret < 0; i++) {
		if (strcmp(verb, pages[i].verb) != 0)
			continue;
		struct web_admin_confirm c = {pages[i].title, pages[i].consequence, pages[i].button,
		                              u.email,        action.data,          back.data,
		                              WEB_TAB_USERS};
		ret = action.overflow || back.overflow ? web_admin_bad_request(r)
		                                       : web_admin_confirm_page(r, &c);
	}
	web_buf_free(&action);
	web_buf_free(&back);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

int web_admin_user_password_post(struct web_req *r)
{
	const char *email = r->wild[0], *password = web_form(r, "password");
	unsigned rules = 0;
	enum idp_err err;

	if (!password)
		return web_admin_bad_request(r);
	err = idp_user_set_password(&r->tenant, &r->actor, email, password, &rules);
	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "users", "password", email, 0);
	case IDP_ERR_NOT_FOUND: return web_admin_not_found(r);
	case IDP_ERR_PASSWORD:
		if (!rules)
			return web_admin_bad_request(r);
		return users_error(r, 400, M__COUNT, email, rules);
	case IDP_ERR_CONFLICT: return users_error(r, 409, M_ADM_ERR_STATE, email, 0);
	case IDP_ERR_INVALID: return web_admin_bad_request(r);
	default: return web_admin_unavailable(r);
	}
}

/* POST /admin/users/{email}/role: role=admin|user. */
int web_admin_user_role_post(struct web_req *r)
{
	const char *email = r->wild[0], *role = web_form(r, "role");
	enum idp_err err =
	    role ? idp_user_set_role(&r->tenant, &r->actor, email, role) : IDP_ERR_INVALID;

	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "users", "role", email, 0);
	case IDP_ERR_NOT_FOUND: return web_admin_not_found(r);
	case IDP_ERR_CONFLICT: return user_conflict(r, "role", email);
	case IDP_ERR_INVALID: return web_admin_bad_request(r);
	default: return web_admin_unavailable(r);
	}
}

int web_admin_invite_post(struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	enum idp_role parsed;
	enum idp_err err;
	int ret;

	if (!role)
		role = "user";
	if (!email || !idp_email_valid(email))
		return users_error(r, 400, M_ADM_ERR_EMAIL, NULL, 0);
	if (!idp_role_parse(role, &parsed))
		return web_admin_bad_request(r);
	ret = web_admin_invite_result(r, email, role, "invited", &err);
	if (ret >= 0)
		return ret;
	if (err == IDP_ERR_CONFLICT)
		return users_error(r, 409, M_ADM_ERR_EXISTS, email, 0);
	return users_error(r, 400, M_ADM_ERR_EMAIL, NULL, 0);
}
