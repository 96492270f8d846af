/*
 * The console's users tab (/admin/users): a search, one page of the tenant's
 * users with their status and the actions that fit it (unlock, resume,
 * suspend, force sign-out, delete, set a password), and the invite form.
 * Each action is a POST that answers 303 back to the same page of the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

/* s percent-encoded, then escaped for an attribute. */
static void put_urlenc(struct web_buf *b, const char *s)
{
	struct web_buf u;

	web_buf_init(&u, 8192);
	web_buf_urlenc(&u, s);
	if (u.overflow)
		b->overflow = true;
	web_buf_esc(b, u.data);
	web_buf_free(&u);
}

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

/* Open a POST form to /t/slug/admin/users/<email>/<verb> that returns to q/page. */
static void user_form_open(struct web_buf *b, const struct web_req *r, const char *email,
                           const char *verb, const char *q, int page)
{
	char pg[16];

	web_buf_printf(b, "<form method=\"post\" class=\"inline\" action=\"/t/%s/admin/users/",
	               r->slug);
	put_urlenc(b, email);
	web_buf_printf(b, "/%s\">", verb);
	web_page_csrf(b, r);
	web_admin_hidden(b, "q", q);
	snprintf(pg, sizeof pg, "%d", page);
	if (page > 1)
		web_admin_hidden(b, "page", pg);
}

static void user_button(struct web_buf *b, const struct web_req *r, const char *email,
                        const char *verb, enum web_msg label, const char *q, int page)
{
	user_form_open(b, r, email, verb, q, page);
	web_buf_printf(b, "<button type=\"submit\" class=\"link\" name=\"action\" value=\"%s\">",
	               verb);
	web_admin_text(b, r, label);
	web_buf_puts(b, "</button></form> ");
}

static void user_actions(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                         const char *q, int page)
{
	bool self = strcasecmp(u->email, r->session.email) == 0;
	bool suspended = u->status == IDP_STATUS_SUSPENDED;
	bool live = u->status == IDP_STATUS_ACTIVE;

	if (u->locked)
		user_button(b, r, u->email, "unlock", M_ADM_UNLOCK, q, page);
	if (suspended)
		user_button(b, r, u->email, "resume", M_ADM_RESUME, q, page);
	if (self) {
		/* Suspending, deleting or signing out oneself from here is
		 * almost always a slip; the account page has "sign out". */
		web_buf_puts(b, "<span class=\"badge\">");
		web_admin_text(b, r, M_ADM_YOU);
		web_buf_puts(b, "</span>");
		return;
	}
	if (live) {
		user_button(b, r, u->email, "suspend", M_ADM_SUSPEND, q, page);
		user_button(b, r, u->email, "logout", M_ADM_FORCE_LOGOUT, q, page);
	}
	user_button(b, r, u->email, "delete", M_ADM_DELETE, q, page);
	if (!live)
		return;
	web_buf_puts(b, "<details><summary>");
	web_admin_text(b, r, M_ADM_SET_PASSWORD);
	web_buf_puts(b, "</summary>");
	user_form_open(b, r, u->email, "password", q, page);
	web_buf_puts(b, "<input type=\"password\" name=\"password\" autocomplete=\"new-password\" "
	                "required aria-label=\"");
	web_admin_text(b, r, M_ADM_SET_PASSWORD);
	web_buf_puts(b, "\"><button type=\"submit\" class=\"secondary\">");
	web_admin_text(b, r, M_ADM_SET);
	web_buf_puts(b, "</button></form></details>");
}

static void user_row(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                     const char *q, int page)
{
	char last[40];

	idp_time_local(u->last_login, r->tenant.policy.audit.timezone, last);
	web_buf_puts(b, "<tr data-email=\"");
	web_buf_esc(b, u->email);
	web_buf_puts(b, "\"><td>");
	web_buf_esc(b, u->email);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, u->name);
	web_buf_puts(b, "</td><td>");
	web_admin_text(b, r, u->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td><td>");
	badge(b, r, idp_user_state(u));
	web_buf_puts(b, "</td><td class=\"muted\">");
	web_buf_esc(b, last);
	web_buf_puts(b, "</td><td>");
	user_actions(b, r, u, q, page);
	web_buf_puts(b, "</td></tr>");
}

static void users_search(struct web_buf *b, const struct web_req *r, const char *q)
{
	web_buf_printf(b,
	               "<form method=\"get\" action=\"/t/%s/admin/users\" role=\"search\">"
	               "<label for=\"q\">",
	               r->slug);
	web_admin_text(b, r, M_ADM_SEARCH);
	web_buf_puts(b, "</label><div class=\"row\"><input type=\"search\" id=\"q\" name=\"q\" "
	                "maxlength=\"254\" value=\"");
	web_buf_esc(b, q);
	web_buf_puts(b, "\"><span><button type=\"submit\" class=\"secondary\">");
	web_admin_text(b, r, M_ADM_SEARCH_BUTTON);
	web_buf_puts(b, "</button></span></div></form>");
}

static void page_link(struct web_buf *b, const struct web_req *r, const char *q, int page,
                      enum web_msg label, const char *rel)
{
	web_buf_printf(b, "<a rel=\"%s\" href=\"/t/%s/admin/users?page=%d", rel, r->slug, page);
	if (q && *q) {
		web_buf_puts(b, "&amp;q=");
		put_urlenc(b, q);
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
	web_buf_printf(b,
	               "</label><select id=\"invite-role\" name=\"role\"><option value=\"user\"%s>",
	               admin ? "" : " selected");
	web_admin_text(b, r, M_ROLE_USER);
	web_buf_printf(b, "</option><option value=\"admin\"%s>", admin ? " selected" : "");
	web_admin_text(b, r, M_ROLE_ADMIN);
	web_buf_puts(b, "</option></select></div></div><button type=\"submit\">");
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
	web_admin_table_open(&b, r, "users", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n && i < WEB_ADMIN_PAGE_SIZE; i++)
		user_row(&b, r, &rows[i], q, page);
	web_admin_table_close(&b, r, n, M_ADM_NO_USERS);
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

/* Find email among the users of the tenant; false when absent or on error. */
static bool user_find(const struct web_req *r, const char *email, struct idp_user_row *out)
{
	struct idp_user_row *rows = NULL;
	bool found = false;
	int n = 0;

	if (idp_users_list(&r->tenant, email, 100, 0, &rows, &n) != IDP_OK)
		return false;
	for (int i = 0; i < n && !found; i++) {
		if (strcasecmp(rows[i].email, email) == 0) {
			*out = rows[i];
			found = true;
		}
	}
	free(rows);
	return found;
}

/* Re-render the list the form came from with an error about email. */
static int users_error(struct web_req *r, unsigned status, enum web_msg msg, const char *email,
                       unsigned rules)
{
	struct web_admin_flash f = {msg, true, email, 0, rules};

	return users_render(r, status, web_form(r, "q"), page_param(web_form(r, "page")), &f);
}

/* A conflict: say "last administrator" only when that is what it is. */
static int user_conflict(struct web_req *r, const char *verb, const char *email)
{
	struct idp_user_row u;
	bool last_admin = (strcmp(verb, "suspend") == 0 || strcmp(verb, "delete") == 0) &&
	                  user_find(r, email, &u) && u.role == IDP_ROLE_ADMIN &&
	                  u.status == IDP_STATUS_ACTIVE;

	return users_error(r, 409, last_admin ? M_ADM_ERR_LAST_ADMIN : M_ADM_ERR_STATE, email, 0);
}

/* POST /admin/users/{email}/{suspend,resume,unlock,logout,delete}: the verb is
 * the last path segment. */
int web_admin_user_action_post(struct web_req *r)
{
	static const struct {
		const char *verb;
		enum idp_err (*fn)(const struct idp_tenant *t, const struct idp_actor *by,
		                   const char *email);
		const char *done;
	} ops[] = {
	    {"suspend", idp_user_suspend, "suspended"}, {"resume", idp_user_resume, "resumed"},
	    {"unlock", idp_user_unlock, "unlocked"},    {"logout", idp_user_force_logout, "logout"},
	    {"delete", idp_user_delete, "deleted"},
	};
	const char *verb = strrchr(r->tpath, '/') + 1, *email = r->wild[0];
	enum idp_err err;

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		if (strcmp(verb, ops[i].verb) != 0)
			continue;
		err = ops[i].fn(&r->tenant, &r->actor, email);
		switch (err) {
		case IDP_OK: return web_admin_back_with(r, "users", ops[i].done, email, 0);
		case IDP_ERR_NOT_FOUND: return web_admin_not_found(r);
		case IDP_ERR_CONFLICT: return user_conflict(r, verb, email);
		case IDP_ERR_INVALID: return web_admin_bad_request(r);
		default: return web_admin_unavailable(r);
		}
	}
	return web_admin_not_found(r);
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

int web_admin_invite_post(struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	struct idp_invitation inv;
	enum idp_err err;

	memset(&inv, 0, sizeof inv);
	if (!role)
		role = "user";
	if (!email || !idp_email_valid(email))
		return users_error(r, 400, M_ADM_ERR_EMAIL, NULL, 0);
	err = idp_invite(&r->tenant, &r->actor, email, role, &inv);
	idp_wipe(inv.url, sizeof inv.url); /* the link is for the invitee's mailbox only */
	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "invitations", "invited", email, inv.expires_at);
	case IDP_ERR_CONFLICT: return users_error(r, 409, M_ADM_ERR_EXISTS, email, 0);
	case IDP_ERR_INVALID: return users_error(r, 400, M_ADM_ERR_EMAIL, NULL, 0);
	default: return web_admin_unavailable(r);
	}
}
