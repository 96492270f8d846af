/*
 * The tenant administrator console (/t/{slug}/admin/): four tabs (users,
 * invitations, policy, audit log) rendered as plain HTML forms, so it works
 * without JavaScript under a CSP that forbids inline script and style.
 *
 * Every change is a small POST form carrying the CSRF field; the handler
 * calls one idp_ administration operation and answers 303 back to the list
 * with a ?done= flag that the list renders as a translated notice (POST/
 * redirect/GET, so reloading never repeats an action).  Refusals re-render the
 * page with the reason instead.  Times are shown, and audit filters read, in
 * the tenant's time zone (policy.audit.timezone) with the UTC offset.
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "web/api.h"
#include "web/i18n.h"
#include "web/web.h"

#define PAGE_SIZE    50
#define PAGE_MAX     (8 * 1024 * 1024)
#define CSV_ROWS     10000
#define CSV_MAX      (64 * 1024 * 1024)
#define DETAIL_SHORT 100 /* bytes of audit detail shown before "more" */

enum tab { TAB_USERS, TAB_INVITATIONS, TAB_POLICY, TAB_AUDIT };

/* What a page says above its content: a notice or an error. */
struct flash {
	enum web_msg msg; /* M__COUNT = nothing to say */
	bool error;
	const char *arg; /* {0} in msg, or NULL */
	int64_t until;   /* an invitation's expiry to add, or 0 */
	unsigned rules;  /* failed password rules to list, or 0 */
};

static const struct flash no_flash = {M__COUNT, false, NULL, 0, 0};

/* ---- small HTML helpers ------------------------------------------------ */

/* Append template tmpl with {0}..{9} replaced by args; everything escaped. */
static void subst(struct web_buf *b, const char *tmpl, const char *const *args, int nargs)
{
	const char *run = tmpl, *p;
	char part[1024];

	for (p = tmpl; *p; p++) {
		if (p[0] != '{' || p[1] < '0' || p[1] > '9' || p[2] != '}' || p[1] - '0' >= nargs)
			continue;
		size_t n = (size_t)(p - run) < sizeof part ? (size_t)(p - run) : sizeof part - 1;
		memcpy(part, run, n);
		part[n] = 0;
		web_buf_esc(b, part);
		web_buf_esc(b, args[p[1] - '0']);
		p += 2;
		run = p + 1;
	}
	web_buf_esc(b, run);
}

static void subst1(struct web_buf *b, const struct web_req *r, enum web_msg m, const char *arg)
{
	const char *args[1] = {arg ? arg : ""};

	subst(b, web_t(r, m), args, 1);
}

static void text(struct web_buf *b, const struct web_req *r, enum web_msg m)
{
	web_buf_esc(b, web_t(r, m));
}

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

static void hidden(struct web_buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	web_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	web_buf_esc(b, value);
	web_buf_puts(b, "\">");
}

static void flash_render(struct web_buf *b, const struct web_req *r, const struct flash *f)
{
	char when[40];

	if (f->msg == M__COUNT && !f->rules)
		return;
	if (f->msg != M__COUNT) {
		web_buf_printf(b, "<p class=\"%s\" role=\"%s\" id=\"%s\">",
		               f->error ? "error" : "notice", f->error ? "alert" : "status",
		               f->error ? "error" : "notice");
		subst1(b, r, f->msg, f->arg);
		if (f->until > 0) {
			web_time_local(f->until, r->tenant.policy.audit.timezone, when);
			web_buf_puts(b, " ");
			subst1(b, r, M_ADM_VALID_UNTIL, when);
		}
		if (f->msg == M_ADM_DONE_PASSWORD &&
		    r->tenant.policy.password.change_at_first_login) {
			web_buf_puts(b, " ");
			text(b, r, M_ADM_DONE_PASSWORD_FORCED);
		}
		web_buf_puts(b, "</p>");
	}
	if (f->rules)
		web_password_rules(b, r, f->rules);
}

static void admin_begin(struct web_buf *b, const struct web_req *r, enum tab tab)
{
	static const struct {
		const char *path;
		enum web_msg label;
	} tabs[] = {
	    [TAB_USERS] = {"", M_ADM_USERS},
	    [TAB_INVITATIONS] = {"invitations", M_ADM_INVITATIONS},
	    [TAB_POLICY] = {"policy", M_ADM_POLICY},
	    [TAB_AUDIT] = {"audit", M_ADM_AUDIT},
	};

	web_buf_init(b, PAGE_MAX);
	web_page_begin(b, r, web_t(r, tabs[tab].label));
	web_buf_puts(b, "<h1>");
	text(b, r, M_ADMIN_CONSOLE);
	web_buf_puts(b, "</h1><nav class=\"tabs\" id=\"admin-tabs\">");
	for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		web_buf_printf(b, "<a href=\"/t/%s/admin/%s\"%s>", r->slug, tabs[i].path,
		               i == (size_t)tab ? " class=\"on\" aria-current=\"page\"" : "");
		text(b, r, tabs[i].label);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</nav>");
}

/* End the page, send it and free the buffer. */
static int admin_send(struct web_req *r, unsigned status, struct web_buf *b)
{
	int ret;

	web_page_end(b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", b);
	web_buf_free(b);
	return ret;
}

static int not_found(struct web_req *r)
{
	return web_page_message(r, 404, web_t(r, M_NOT_FOUND_TITLE), web_t(r, M_NOT_FOUND));
}

static int bad_request(struct web_req *r)
{
	return web_page_message(r, 400, web_t(r, M_BAD_REQUEST_TITLE), web_t(r, M_BAD_REQUEST));
}

static int unavailable(struct web_req *r)
{
	return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE), web_t(r, M_UNAVAILABLE));
}

/* Redirect to /t/slug/admin/<where>?done=<done>&u=<email>[&until=][&q=&page=]. */
static int back_with(struct web_req *r, const char *where, const char *done, const char *email,
                     int64_t until)
{
	const char *q = web_form(r, "q"), *page = web_form(r, "page");
	struct web_buf b;
	int ret;

	web_buf_init(&b, 8192);
	web_buf_printf(&b, "/t/%s/admin/%s?done=%s", r->slug, where, done);
	if (email) {
		web_buf_puts(&b, "&u=");
		web_buf_urlenc(&b, email);
	}
	if (until > 0)
		web_buf_printf(&b, "&until=%lld", (long long)until);
	if (q && *q) {
		web_buf_puts(&b, "&q=");
		web_buf_urlenc(&b, q);
	}
	if (page && strspn(page, "0123456789") == strlen(page) && strlen(page) < 7 && *page) {
		web_buf_puts(&b, "&page=");
		web_buf_urlenc(&b, page);
	}
	ret = b.overflow ? bad_request(r) : web_redirect(r, b.data);
	web_buf_free(&b);
	return ret;
}

/* The notice named by ?done=, ?u= and ?until= of a list page. */
static struct flash flash_from_query(const struct web_req *r)
{
	static const struct {
		const char *flag;
		enum web_msg msg;
	} done[] = {
	    {"suspended", M_ADM_DONE_SUSPENDED}, {"resumed", M_ADM_DONE_RESUMED},
	    {"unlocked", M_ADM_DONE_UNLOCKED},   {"logout", M_ADM_DONE_LOGOUT},
	    {"deleted", M_ADM_DONE_DELETED},     {"password", M_ADM_DONE_PASSWORD},
	    {"invited", M_ADM_DONE_INVITED},     {"resent", M_ADM_DONE_RESENT},
	    {"revoked", M_ADM_DONE_REVOKED},     {"policy", M_ADM_DONE_POLICY},
	};
	const char *flag = web_query(r, "done"), *u = web_query(r, "u");
	const char *until = web_query(r, "until");
	struct flash f = no_flash;

	if (!flag)
		return f;
	for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
		if (strcmp(flag, done[i].flag) == 0)
			f.msg = done[i].msg;
	/* Only a well-formed address is echoed, so a crafted link cannot put
	 * arbitrary words into an official-looking notice. */
	f.arg = u && idp_email_valid(u) ? u : NULL;
	if (f.msg != M__COUNT && !f.arg && strstr(web_t(r, f.msg), "{0}"))
		f.msg = M__COUNT;
	if (until) {
		/* Shown only as a date: anything outside 1970..9999 is ignored. */
		long long v = strtoll(until, NULL, 10);
		f.until = v > 0 && v <= 253402300799LL ? v : 0;
	}
	return f;
}

/* ---- users --------------------------------------------------------------- */

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
		text(b, r, map[i].label);
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
	hidden(b, "q", q);
	snprintf(pg, sizeof pg, "%d", page);
	if (page > 1)
		hidden(b, "page", pg);
}

static void user_button(struct web_buf *b, const struct web_req *r, const char *email,
                        const char *verb, enum web_msg label, const char *q, int page)
{
	user_form_open(b, r, email, verb, q, page);
	web_buf_printf(b, "<button type=\"submit\" class=\"link\" name=\"action\" value=\"%s\">",
	               verb);
	text(b, r, label);
	web_buf_puts(b, "</button></form> ");
}

static void user_actions(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                         const char *q, int page)
{
	bool self = strcasecmp(u->email, r->session.email) == 0;
	bool suspended = strcmp(u->status, "suspended") == 0;
	bool live = strcmp(u->status, "active") == 0 || strcmp(u->status, "locked") == 0;

	if (strcmp(u->status, "locked") == 0)
		user_button(b, r, u->email, "unlock", M_ADM_UNLOCK, q, page);
	if (suspended)
		user_button(b, r, u->email, "resume", M_ADM_RESUME, q, page);
	if (self) {
		/* Suspending, deleting or signing out oneself from here is
		 * almost always a slip; the account page has "sign out". */
		web_buf_puts(b, "<span class=\"badge\">");
		text(b, r, M_ADM_YOU);
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
	text(b, r, M_ADM_SET_PASSWORD);
	web_buf_puts(b, "</summary>");
	user_form_open(b, r, u->email, "password", q, page);
	web_buf_puts(b, "<input type=\"password\" name=\"password\" autocomplete=\"new-password\" "
	                "required aria-label=\"");
	text(b, r, M_ADM_SET_PASSWORD);
	web_buf_puts(b, "\"><button type=\"submit\" class=\"secondary\">");
	text(b, r, M_ADM_SET);
	web_buf_puts(b, "</button></form></details>");
}

static void user_row(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u,
                     const char *q, int page)
{
	char last[40];

	web_time_local(u->last_login, r->tenant.policy.audit.timezone, last);
	web_buf_puts(b, "<tr data-email=\"");
	web_buf_esc(b, u->email);
	web_buf_puts(b, "\"><td>");
	web_buf_esc(b, u->email);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, u->name);
	web_buf_puts(b, "</td><td>");
	text(b, r, strcmp(u->role, "admin") == 0 ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td><td>");
	badge(b, r, u->status);
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
	text(b, r, M_ADM_SEARCH);
	web_buf_puts(b, "</label><div class=\"row\"><input type=\"search\" id=\"q\" name=\"q\" "
	                "maxlength=\"254\" value=\"");
	web_buf_esc(b, q);
	web_buf_puts(b, "\"><span><button type=\"submit\" class=\"secondary\">");
	text(b, r, M_ADM_SEARCH_BUTTON);
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
	text(b, r, label);
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
	subst1(b, r, M_ADM_PAGE, num);
	web_buf_puts(b, " ");
	if (more)
		page_link(b, r, q, page + 1, M_ADM_NEXT, "next");
	web_buf_puts(b, "</p>");
}

static void invite_form(struct web_buf *b, const struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	bool admin = role && strcmp(role, "admin") == 0;

	web_buf_puts(b, "<section class=\"card\" id=\"invite\"><h2>");
	text(b, r, M_ADM_INVITE);
	web_buf_printf(b, "</h2><form method=\"post\" action=\"/t/%s/admin/invite\">", r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<div class=\"row\"><div><label for=\"invite-email\">");
	text(b, r, M_EMAIL);
	web_buf_puts(b, "</label><input type=\"email\" id=\"invite-email\" name=\"email\" "
	                "maxlength=\"254\" required autocomplete=\"off\" value=\"");
	web_buf_esc(b, email);
	web_buf_puts(b, "\"></div><div><label for=\"invite-role\">");
	text(b, r, M_ROLE);
	web_buf_printf(b,
	               "</label><select id=\"invite-role\" name=\"role\"><option value=\"user\"%s>",
	               admin ? "" : " selected");
	text(b, r, M_ROLE_USER);
	web_buf_printf(b, "</option><option value=\"admin\"%s>", admin ? " selected" : "");
	text(b, r, M_ROLE_ADMIN);
	web_buf_puts(b, "</option></select></div></div><button type=\"submit\">");
	text(b, r, M_ADM_INVITE_SEND);
	web_buf_puts(b, "</button></form></section>");
}

/* The users tab: search, one page of users, the invite form. */
static int users_render(struct web_req *r, unsigned status, const char *q, int page,
                        const struct flash *f)
{
	static const enum web_msg heads[] = {M_EMAIL,      M_NAME,           M_ROLE,
	                                     M_ADM_STATUS, M_ADM_LAST_LOGIN, M_ADM_ACTIONS};
	struct idp_user_row *rows = NULL;
	struct web_buf b;
	enum idp_err err;
	int n = 0;

	err = idp_users_list(&r->tenant, q && *q ? q : NULL, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE,
	                     &rows, &n);
	if (err == IDP_ERR_INVALID)
		return bad_request(r);
	if (err)
		return unavailable(r);
	admin_begin(&b, r, TAB_USERS);
	flash_render(&b, r, f);
	web_buf_puts(&b, "<section class=\"card\">");
	users_search(&b, r, q);
	web_buf_puts(&b, "<table id=\"users\"><tr>");
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		web_buf_puts(&b, "<th>");
		text(&b, r, heads[i]);
		web_buf_puts(&b, "</th>");
	}
	web_buf_puts(&b, "</tr>");
	for (int i = 0; i < n && i < PAGE_SIZE; i++)
		user_row(&b, r, &rows[i], q, page);
	web_buf_puts(&b, "</table>");
	if (n == 0) {
		web_buf_puts(&b, "<p class=\"muted\">");
		text(&b, r, M_ADM_NO_USERS);
		web_buf_puts(&b, "</p>");
	}
	users_pager(&b, r, q, page, n > PAGE_SIZE);
	web_buf_puts(&b, "</section>");
	invite_form(&b, r);
	free(rows);
	return admin_send(r, status, &b);
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

static int users_get(struct web_req *r)
{
	struct flash f = flash_from_query(r);

	return users_render(r, 200, web_query(r, "q"), page_param(web_query(r, "page")), &f);
}

static int admin_redirect(struct web_req *r)
{
	char to[100];

	snprintf(to, sizeof to, "/t/%s/admin/", r->slug);
	return web_redirect(r, to);
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
	struct flash f = {msg, true, email, 0, rules};

	return users_render(r, status, web_form(r, "q"), page_param(web_form(r, "page")), &f);
}

/* A conflict: say "last administrator" only when that is what it is. */
static int user_conflict(struct web_req *r, const char *verb, const char *email)
{
	struct idp_user_row u;
	bool last_admin = (strcmp(verb, "suspend") == 0 || strcmp(verb, "delete") == 0) &&
	                  user_find(r, email, &u) && strcmp(u.role, "admin") == 0 &&
	                  (strcmp(u.status, "active") == 0 || strcmp(u.status, "locked") == 0);

	return users_error(r, 409, last_admin ? M_ADM_ERR_LAST_ADMIN : M_ADM_ERR_STATE, email, 0);
}

/* POST /admin/users/{email}/{suspend,resume,unlock,logout,delete}: the verb is
 * the last path segment. */
static int user_action_post(struct web_req *r)
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
		case IDP_OK: return back_with(r, "users", ops[i].done, email, 0);
		case IDP_ERR_NOT_FOUND: return not_found(r);
		case IDP_ERR_CONFLICT: return user_conflict(r, verb, email);
		case IDP_ERR_INVALID: return bad_request(r);
		default: return unavailable(r);
		}
	}
	return not_found(r);
}

static int user_password_post(struct web_req *r)
{
	const char *email = r->wild[0], *password = web_form(r, "password");
	unsigned rules = 0;
	enum idp_err err;

	if (!password)
		return bad_request(r);
	err = idp_user_set_password(&r->tenant, &r->actor, email, password, &rules);
	switch (err) {
	case IDP_OK: return back_with(r, "users", "password", email, 0);
	case IDP_ERR_NOT_FOUND: return not_found(r);
	case IDP_ERR_POLICY:
		if (!rules)
			return bad_request(r);
		return users_error(r, 400, M__COUNT, email, rules);
	case IDP_ERR_CONFLICT: return users_error(r, 409, M_ADM_ERR_STATE, email, 0);
	case IDP_ERR_INVALID: return bad_request(r);
	default: return unavailable(r);
	}
}

static int invite_post(struct web_req *r)
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
	case IDP_OK: return back_with(r, "invitations", "invited", email, inv.expires_at);
	case IDP_ERR_CONFLICT: return users_error(r, 409, M_ADM_ERR_EXISTS, email, 0);
	case IDP_ERR_INVALID: return users_error(r, 400, M_ADM_ERR_EMAIL, NULL, 0);
	default: return unavailable(r);
	}
}

/* ---- invitations ------------------------------------------------------- */

static void invitation_row(struct web_buf *b, const struct web_req *r,
                           const struct idp_invite_row *v)
{
	const char *tz = r->tenant.policy.audit.timezone;
	char created[40], expires[40];

	web_time_local(v->created_at, tz, created);
	web_time_local(v->expires_at, tz, expires);
	web_buf_printf(b, "<tr data-invitation=\"%lld\"><td>", (long long)v->id);
	web_buf_esc(b, v->email);
	web_buf_puts(b, "</td><td>");
	text(b, r, strcmp(v->role, "admin") == 0 ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, v->created_by);
	web_buf_puts(b, "</td><td class=\"muted\">");
	web_buf_esc(b, created);
	web_buf_puts(b, "</td><td class=\"muted\">");
	web_buf_esc(b, expires);
	web_buf_printf(b,
	               "</td><td><form method=\"post\" class=\"inline\" "
	               "action=\"/t/%s/admin/invitations/resend\">",
	               r->slug);
	web_page_csrf(b, r);
	hidden(b, "email", v->email);
	hidden(b, "role", v->role);
	web_buf_puts(b, "<button type=\"submit\" class=\"link\">");
	text(b, r, M_ADM_RESEND);
	web_buf_printf(b,
	               "</button></form> <form method=\"post\" class=\"inline\" "
	               "action=\"/t/%s/admin/invitations/%lld/revoke\">",
	               r->slug, (long long)v->id);
	web_page_csrf(b, r);
	web_buf_puts(b, "<button type=\"submit\" class=\"link\">");
	text(b, r, M_ADM_REVOKE);
	web_buf_puts(b, "</button></form></td></tr>");
}

static int invitations_render(struct web_req *r, unsigned status, const struct flash *f)
{
	static const enum web_msg heads[] = {M_EMAIL,       M_ROLE,        M_ADM_INVITED_BY,
	                                     M_ADM_CREATED, M_ADM_EXPIRES, M_ADM_ACTIONS};
	struct idp_invite_row *rows = NULL;
	struct web_buf b;
	int n = 0;

	if (idp_invitations_list(&r->tenant, &rows, &n) != IDP_OK)
		return unavailable(r);
	admin_begin(&b, r, TAB_INVITATIONS);
	flash_render(&b, r, f);
	web_buf_puts(&b, "<section class=\"card\"><table id=\"invitations\"><tr>");
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		web_buf_puts(&b, "<th>");
		text(&b, r, heads[i]);
		web_buf_puts(&b, "</th>");
	}
	web_buf_puts(&b, "</tr>");
	for (int i = 0; i < n; i++)
		invitation_row(&b, r, &rows[i]);
	web_buf_puts(&b, "</table>");
	if (n == 0) {
		web_buf_puts(&b, "<p class=\"muted\">");
		text(&b, r, M_ADM_NO_INVITATIONS);
		web_buf_puts(&b, "</p>");
	}
	web_buf_printf(&b, "<p><a href=\"/t/%s/admin/#invite\">", r->slug);
	text(&b, r, M_ADM_INVITE);
	web_buf_puts(&b, "</a></p></section>");
	free(rows);
	return admin_send(r, status, &b);
}

static int invitations_get(struct web_req *r)
{
	struct flash f = flash_from_query(r);

	return invitations_render(r, 200, &f);
}

/* Re-send: a new invitation for the same address (older links end). */
static int invitation_resend_post(struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	struct idp_invitation inv;
	struct flash f = no_flash;
	enum idp_err err;

	memset(&inv, 0, sizeof inv);
	if (!email || !role)
		return bad_request(r);
	err = idp_invite(&r->tenant, &r->actor, email, role, &inv);
	idp_wipe(inv.url, sizeof inv.url);
	if (err == IDP_OK)
		return back_with(r, "invitations", "resent", email, inv.expires_at);
	if (err == IDP_ERR_INVALID)
		return bad_request(r);
	if (err != IDP_ERR_CONFLICT)
		return unavailable(r);
	f.msg = M_ADM_ERR_EXISTS;
	f.error = true;
	f.arg = email;
	return invitations_render(r, 409, &f);
}

static int invitation_revoke_post(struct web_req *r)
{
	char *end;
	long long id = strtoll(r->wild[0], &end, 10);
	enum idp_err err;

	if (*end || id <= 0)
		return not_found(r);
	err = idp_invite_revoke(&r->tenant, &r->actor, id);
	if (err == IDP_ERR_NOT_FOUND)
		return not_found(r);
	if (err)
		return unavailable(r);
	return back_with(r, "invitations", "revoked", NULL, 0);
}

/* ---- policy -------------------------------------------------------------- */

enum pkind { PK_GROUP, PK_INT, PK_BOOL, PK_SELECT, PK_CIDRS, PK_TEXT };

struct popt {
	const char *value;
	enum web_msg label;
};

static const struct popt conc_opts[] = {{"allow", M_ADM_POL_CONC_ALLOW},
                                        {"deny_new", M_ADM_POL_CONC_DENY},
                                        {"end_old", M_ADM_POL_CONC_END},
                                        {NULL, M__COUNT}};
static const struct popt mfa_opts[] = {{"off", M_ADM_POL_MFA_OFF},
                                       {"admins", M_ADM_POL_MFA_ADMINS},
                                       {"all", M_ADM_POL_MFA_ALL},
                                       {NULL, M__COUNT}};
static const struct popt cert_opts[] = {{"off", M_ADM_POL_CERT_OFF},
                                        {"required", M_ADM_POL_CERT_REQUIRED},
                                        {"factor", M_ADM_POL_CERT_FACTOR},
                                        {NULL, M__COUNT}};

static const char *cur_concurrent(const struct idp_policy *p)
{
	return idp_concurrent_name(p->session.concurrent);
}

static const char *cur_mfa(const struct idp_policy *p)
{
	return idp_mfa_require_name(p->mfa.require);
}

static const char *cur_cert(const struct idp_policy *p)
{
	return idp_client_cert_name(p->mfa.client_cert);
}

/* One field of the policy form; key is the dotted JSON name and the form
 * field's name, so an error from idp_policy_update maps straight back. */
struct pfield {
	const char *key;
	enum pkind kind;
	enum web_msg label;
	size_t off;   /* PK_INT, PK_BOOL, PK_TEXT: the member; PK_CIDRS: the array */
	size_t off_n; /* PK_CIDRS: the count */
	const struct popt *opts;
	const char *(*cur)(const struct idp_policy *p); /* PK_SELECT */
};

#define POFF(m) offsetof(struct idp_policy, m)

static const struct pfield pfields[] = {
    {"password", PK_GROUP, M_ADM_POL_PASSWORD, 0, 0, NULL, NULL},
    {"password.min_length", PK_INT, M_ADM_POL_MIN_LENGTH, POFF(password.min_length), 0, NULL, NULL},
    {"password.max_length", PK_INT, M_ADM_POL_MAX_LENGTH, POFF(password.max_length), 0, NULL, NULL},
    {"password.require_upper", PK_BOOL, M_ADM_POL_REQ_UPPER, POFF(password.require_upper), 0, NULL,
     NULL},
    {"password.require_lower", PK_BOOL, M_ADM_POL_REQ_LOWER, POFF(password.require_lower), 0, NULL,
     NULL},
    {"password.require_digit", PK_BOOL, M_ADM_POL_REQ_DIGIT, POFF(password.require_digit), 0, NULL,
     NULL},
    {"password.require_symbol", PK_BOOL, M_ADM_POL_REQ_SYMBOL, POFF(password.require_symbol), 0,
     NULL, NULL},
    {"password.min_classes", PK_INT, M_ADM_POL_MIN_CLASSES, POFF(password.min_classes), 0, NULL,
     NULL},
    {"password.history", PK_INT, M_ADM_POL_HISTORY, POFF(password.history), 0, NULL, NULL},
    {"password.expiry_days", PK_INT, M_ADM_POL_EXPIRY, POFF(password.expiry_days), 0, NULL, NULL},
    {"password.change_at_first_login", PK_BOOL, M_ADM_POL_FIRST_LOGIN,
     POFF(password.change_at_first_login), 0, NULL, NULL},
    {"lockout", PK_GROUP, M_ADM_POL_LOCKOUT, 0, 0, NULL, NULL},
    {"lockout.max_failures", PK_INT, M_ADM_POL_MAX_FAILURES, POFF(lockout.max_failures), 0, NULL,
     NULL},
    {"lockout.unlock_after_seconds", PK_INT, M_ADM_POL_UNLOCK_AFTER,
     POFF(lockout.unlock_after_seconds), 0, NULL, NULL},
    {"session", PK_GROUP, M_ADM_POL_SESSION, 0, 0, NULL, NULL},
    {"session.idle_timeout_seconds", PK_INT, M_ADM_POL_IDLE, POFF(session.idle_timeout_seconds), 0,
     NULL, NULL},
    {"session.absolute_timeout_seconds", PK_INT, M_ADM_POL_ABSOLUTE,
     POFF(session.absolute_timeout_seconds), 0, NULL, NULL},
    {"session.concurrent", PK_SELECT, M_ADM_POL_CONCURRENT, 0, 0, conc_opts, cur_concurrent},
    {"mfa", PK_GROUP, M_ADM_POL_MFA, 0, 0, NULL, NULL},
    {"mfa.require", PK_SELECT, M_ADM_POL_MFA_REQUIRE, 0, 0, mfa_opts, cur_mfa},
    {"mfa.client_cert", PK_SELECT, M_ADM_POL_CERT, 0, 0, cert_opts, cur_cert},
    {"ip", PK_GROUP, M_ADM_POL_IP, 0, 0, NULL, NULL},
    {"ip.allow", PK_CIDRS, M_ADM_POL_IP_ALLOW, POFF(ip.allow), POFF(ip.n_allow), NULL, NULL},
    {"ip.admin_allow", PK_CIDRS, M_ADM_POL_IP_ADMIN, POFF(ip.admin_allow), POFF(ip.n_admin_allow),
     NULL, NULL},
    {"audit", PK_GROUP, M_ADM_AUDIT, 0, 0, NULL, NULL},
    {"audit.retention_days", PK_INT, M_ADM_POL_RETENTION, POFF(audit.retention_days), 0, NULL,
     NULL},
    {"audit.timezone", PK_TEXT, M_ADM_POL_TIMEZONE, POFF(audit.timezone), 0, NULL, NULL},
};

#define NPFIELDS (sizeof pfields / sizeof pfields[0])

/* The policy's value of f as form text (CIDR lists one per line). */
static void pfield_current(struct web_buf *b, const struct idp_policy *p, const struct pfield *f)
{
	const char *base = (const char *)p;
	char cidr[50];

	switch (f->kind) {
	case PK_INT: web_buf_printf(b, "%d", *(const int *)(base + f->off)); break;
	case PK_BOOL: web_buf_puts(b, *(const bool *)(base + f->off) ? "on" : ""); break;
	case PK_TEXT: web_buf_puts(b, base + f->off); break;
	case PK_SELECT: web_buf_puts(b, f->cur(p)); break;
	case PK_CIDRS: {
		const struct idp_cidr *list = (const struct idp_cidr *)(base + f->off);
		size_t n = *(const size_t *)(base + f->off_n);
		for (size_t i = 0; i < n; i++) {
			idp_cidr_format(&list[i], cidr);
			web_buf_printf(b, "%s\n", cidr);
		}
		break;
	}
	case PK_GROUP: break;
	}
}

static void pfield_label(struct web_buf *b, const struct web_req *r, const struct pfield *f)
{
	web_buf_printf(b, "<label for=\"%s\">", f->key);
	text(b, r, f->label);
	web_buf_puts(b, "</label>");
}

static void pfield_select(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, const char *inv)
{
	pfield_label(b, r, f);
	web_buf_printf(b, "<select id=\"%s\" name=\"%s\"%s>", f->key, f->key, inv);
	for (const struct popt *o = f->opts; o->value; o++) {
		web_buf_printf(b, "<option value=\"%s\"%s>", o->value,
		               strcmp(o->value, v) == 0 ? " selected" : "");
		text(b, r, o->label);
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select>");
}

/* One form control, showing value v (from the submitted form or the policy). */
static void pfield_render(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, bool invalid)
{
	const char *inv = invalid ? " aria-invalid=\"true\" autofocus" : "";

	switch (f->kind) {
	case PK_GROUP: break;
	case PK_BOOL:
		web_buf_printf(b, "<label><input type=\"checkbox\" id=\"%s\" name=\"%s\"%s%s> ",
		               f->key, f->key, *v ? " checked" : "", inv);
		text(b, r, f->label);
		web_buf_puts(b, "</label>");
		break;
	case PK_INT:
	case PK_TEXT:
		pfield_label(b, r, f);
		web_buf_printf(b, "<input type=\"text\" id=\"%s\" name=\"%s\"%s%s value=\"", f->key,
		               f->key, f->kind == PK_INT ? " inputmode=\"numeric\"" : "", inv);
		web_buf_esc(b, v);
		web_buf_puts(b, "\" required>");
		break;
	case PK_SELECT: pfield_select(b, r, f, v, inv); break;
	case PK_CIDRS:
		pfield_label(b, r, f);
		web_buf_printf(b,
		               "<textarea id=\"%s\" name=\"%s\" rows=\"4\" spellcheck=\"false\"%s>",
		               f->key, f->key, inv);
		web_buf_esc(b, v);
		web_buf_puts(b, "</textarea>");
		if (strcmp(f->key, "ip.admin_allow") == 0) {
			web_buf_puts(b, "<p class=\"muted\">");
			subst1(b, r, M_ADM_POL_YOUR_IP, r->ri.ip);
			web_buf_puts(b, "</p>");
		}
		break;
	}
}

/* The field named by a dotted error name ("ip.allow[2]" -> ip.allow). */
static const struct pfield *pfield_find(const char *name)
{
	size_t n = strcspn(name, "[");

	for (size_t i = 0; i < NPFIELDS; i++)
		if (strlen(pfields[i].key) == n && strncmp(pfields[i].key, name, n) == 0)
			return &pfields[i];
	return NULL;
}

/* The error box of the policy form: which setting, and why when we know. */
static void policy_error(struct web_buf *b, const struct web_req *r, const char *field,
                         bool not_number, const char *entry)
{
	const struct pfield *f = pfield_find(field);

	web_buf_puts(b, "<div class=\"error\" role=\"alert\" id=\"error\"><p>");
	subst1(b, r, M_ADM_POL_INVALID, f ? web_t(r, f->label) : field);
	web_buf_puts(b, "</p>");
	if (not_number) {
		web_buf_puts(b, "<p>");
		text(b, r, M_ADM_POL_NUMBER);
		web_buf_puts(b, "</p>");
	}
	if (entry) {
		web_buf_puts(b, "<p>");
		subst1(b, r, M_ADM_POL_ENTRY, entry);
		web_buf_puts(b, "</p>");
	}
	web_buf_puts(b, "</div>");
}

/* What went wrong with a submitted policy form. */
struct policy_bad {
	char field[128]; /* dotted name, "" when none */
	bool not_number;
	char entry[128]; /* the offending CIDR line, "" when unknown */
};

/* json re-indented for reading (as it is when it cannot be parsed), escaped. */
static void pretty_json(struct web_buf *b, const char *json)
{
	json_object *o = json ? json_tokener_parse(json) : NULL;

	if (!o) {
		web_buf_esc(b, json);
		return;
	}
	web_buf_esc(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The policy tab.  from_form: show the submitted values (after an error). */
static int policy_render(struct web_req *r, unsigned status, bool from_form,
                         const struct policy_bad *bad, const struct flash *fl)
{
	const struct policy_bad none = {"", false, ""};
	struct web_buf b, v;
	char *json = NULL;
	bool open = false;

	if (!bad)
		bad = &none;
	admin_begin(&b, r, TAB_POLICY);
	flash_render(&b, r, fl);
	if (bad->field[0] || status >= 400)
		policy_error(&b, r, bad->field, bad->not_number, bad->entry[0] ? bad->entry : NULL);
	web_buf_printf(&b,
	               "<section class=\"card\"><form method=\"post\" id=\"policy\" "
	               "action=\"/t/%s/admin/policy\">",
	               r->slug);
	web_page_csrf(&b, r);
	for (size_t i = 0; i < NPFIELDS; i++) {
		const struct pfield *f = &pfields[i];
		if (f->kind == PK_GROUP) {
			web_buf_puts(&b,
			             open ? "</fieldset><fieldset><legend>" : "<fieldset><legend>");
			text(&b, r, f->label);
			web_buf_puts(&b, "</legend>");
			open = true;
			continue;
		}
		web_buf_init(&v, 64 * 1024);
		if (from_form) {
			const char *s = web_form(r, f->key);
			web_buf_puts(&v, s ? s : "");
		} else {
			pfield_current(&v, &r->tenant.policy, f);
		}
		pfield_render(&b, r, f, v.data ? v.data : "", pfield_find(bad->field) == f);
		web_buf_free(&v);
	}
	web_buf_puts(&b, "</fieldset><button type=\"submit\" id=\"save\">");
	text(&b, r, M_SAVE);
	web_buf_puts(&b, "</button></form></section><section class=\"card\"><h2>");
	text(&b, r, M_ADM_POL_CURRENT);
	web_buf_puts(&b, "</h2><pre id=\"policy-json\"><code>");
	json = idp_policy_to_json(&r->tenant.policy);
	pretty_json(&b, json);
	web_buf_puts(&b, "</code></pre></section>");
	free(json);
	return admin_send(r, status, &b);
}

static int policy_get(struct web_req *r)
{
	struct flash f = flash_from_query(r);

	return policy_render(r, 200, false, NULL, &f);
}

/* Digits only, at most 9 of them: what a JSON integer field may come from. */
static bool digits(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 9 && strspn(s, "0123456789") == n;
}

/* Lines of a textarea as a JSON array of strings, blank lines skipped. */
static json_object *lines_array(const char *s)
{
	json_object *arr = json_object_new_array();

	while (arr && s && *s) {
		size_t n = strcspn(s, "\r\n");
		const char *a = s, *e = s + n;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > a)
			json_object_array_add(arr, json_object_new_string_len(a, (int)(e - a)));
		s += n;
		s += strspn(s, "\r\n");
	}
	return arr;
}

/* The value of one submitted field as JSON; NULL with bad set when it is not a number. */
static json_object *pfield_json(const struct web_req *r, const struct pfield *f,
                                struct policy_bad *bad)
{
	const char *s = web_form(r, f->key);

	switch (f->kind) {
	case PK_INT:
		if (!digits(s)) {
			snprintf(bad->field, sizeof bad->field, "%s", f->key);
			bad->not_number = true;
			return NULL;
		}
		return json_object_new_int(atoi(s));
	case PK_BOOL: return json_object_new_boolean(s != NULL);
	case PK_CIDRS: return lines_array(s);
	case PK_SELECT:
	case PK_TEXT: return json_object_new_string(s ? s : "");
	case PK_GROUP: break;
	}
	return NULL;
}

/* Build the whole policy document from the form; NULL with bad filled when a
 * field cannot be turned into JSON. */
static json_object *policy_from_form(const struct web_req *r, struct policy_bad *bad)
{
	json_object *doc = json_object_new_object(), *group = NULL;

	for (size_t i = 0; doc && i < NPFIELDS; i++) {
		const struct pfield *f = &pfields[i];
		if (f->kind == PK_GROUP) {
			group = json_object_new_object();
			json_object_object_add(doc, f->key, group);
			continue;
		}
		json_object *v = pfield_json(r, f, bad);
		if (!v) {
			json_object_put(doc);
			return NULL;
		}
		json_object_object_add(group, strchr(f->key, '.') + 1, v);
	}
	return doc;
}

/* For "ip.allow[2]", the third line the administrator typed. */
static void bad_entry(json_object *doc, struct policy_bad *bad)
{
	const char *br = strchr(bad->field, '['), *dot = strchr(bad->field, '.');
	json_object *group, *arr, *el;
	char member[64];

	if (!br || !dot || br < dot || (size_t)(br - dot - 1) >= sizeof member)
		return;
	memcpy(member, dot + 1, (size_t)(br - dot - 1));
	member[br - dot - 1] = 0;
	if (!json_object_object_get_ex(doc, "ip", &group) ||
	    !json_object_object_get_ex(group, member, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	el = json_object_array_get_idx(arr, (size_t)atoi(br + 1));
	if (el)
		snprintf(bad->entry, sizeof bad->entry, "%s", json_object_get_string(el));
}

static int policy_post(struct web_req *r)
{
	struct policy_bad bad = {"", false, ""};
	struct idp_policy out;
	json_object *doc = NULL;
	enum idp_err err;
	const char *s;
	int ret;

	doc = policy_from_form(r, &bad);
	if (!doc) {
		ret = bad.field[0] ? policy_render(r, 400, true, &bad, &no_flash) : unavailable(r);
		goto out;
	}
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	err = idp_policy_update(&r->tenant, &r->actor, s, strlen(s), bad.field, sizeof bad.field,
	                        &out);
	if (err == IDP_OK) {
		ret = back_with(r, "policy", "policy", NULL, 0);
	} else if (err == IDP_ERR_INVALID) {
		bad_entry(doc, &bad);
		ret = policy_render(r, 400, true, &bad, &no_flash);
	} else {
		ret = unavailable(r);
	}
out:
	json_object_put(doc);
	return ret;
}

/* ---- audit log ----------------------------------------------------------- */

/* Read "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "...:SS" (T or space) as a time in
 * zone tz and write the UTC instant as ISO 8601.  end: the instant just after
 * the named day, minute or second, so a "to" bound includes what it names. */
static bool local_to_utc(const char *s, const char *tz, bool end, char out[21])
{
	struct tm tm, check;
	const char *p;
	int64_t local, utc, step = 86400;
	long off = 0, off2 = 0;
	time_t tt;

	if (strlen(s) > 25)
		return false;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p && (*p == 'T' || *p == ' ')) {
		p = strptime(p + 1, "%H:%M", &tm);
		step = 60;
		if (p && *p == ':') {
			p = strptime(p + 1, "%S", &tm);
			step = 1;
		}
	}
	if (!p || *p || tm.tm_year < 70 || tm.tm_year > 8099)
		return false;
	check = tm;
	tt = timegm(&tm);
	/* timegm normalises 2026-02-30 to March; refuse such dates instead. */
	if (check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
		return false;
	local = (int64_t)tt + (end ? step : 0);
	web_tz_offset(local, tz, &off);
	utc = local - off;
	/* Near a transition the offset at the UTC instant is the right one. */
	if (web_tz_offset(utc, tz, &off2) && off2 != off)
		utc = local - off2;
	idp_time_iso(utc, out);
	return true;
}

/* "2026-11-22T03:04:05.123456Z" (UTC) in the tenant's zone, or as stored. */
static void at_local(const char *at, const char *tz, char out[40])
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof tm);
	p = strptime(at, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p) {
		snprintf(out, 40, "%s", at);
		return;
	}
	web_time_local((int64_t)timegm(&tm), tz, out);
}

/* The audit filters as given (tenant-local), and as idp_audit_list wants them. */
struct audit_q {
	const char *from, *to, *action, *actor; /* raw query values or NULL */
	char from_utc[21], to_utc[21];
	char actor_lc[IDP_EMAIL_MAX + 1];
	struct idp_audit_filter f;
};

/* Read the filters; false when one is malformed (*bad_time when it is a time). */
static bool audit_q_read(struct web_req *r, struct audit_q *a, bool *bad_time)
{
	const char *tz = r->tenant.policy.audit.timezone, *bad = NULL;

	memset(a, 0, sizeof *a);
	*bad_time = false;
	if (!web_audit_filter(r, &a->f, &bad))
		return false;
	a->from = a->f.from;
	a->to = a->f.to;
	a->action = a->f.action;
	a->actor = a->f.actor;
	if (a->from && !local_to_utc(a->from, tz, false, a->from_utc))
		*bad_time = true;
	if (a->to && !local_to_utc(a->to, tz, true, a->to_utc))
		*bad_time = true;
	if (*bad_time)
		return false;
	a->f.from = a->from ? a->from_utc : NULL;
	a->f.to = a->to ? a->to_utc : NULL;
	if (a->actor) {
		snprintf(a->actor_lc, sizeof a->actor_lc, "%s", a->actor);
		idp_ascii_lower(a->actor_lc);
		a->f.actor = a->actor_lc;
	}
	return true;
}

/* An href to path with the current filters and extra ("offset=50" or ""), escaped. */
static void audit_href(struct web_buf *b, const struct web_req *r, const char *path,
                       const struct audit_q *a, const char *extra)
{
	const char *names[4] = {"from", "to", "action", "actor"};
	const char *vals[4] = {a->from, a->to, a->action, a->actor};
	char sep = '?';
	struct web_buf u;

	web_buf_init(&u, 16384);
	web_buf_printf(&u, "/t/%s/admin/%s", r->slug, path);
	for (int i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		web_buf_printf(&u, "%c%s=", sep, names[i]);
		web_buf_urlenc(&u, vals[i]);
		sep = '&';
	}
	if (*extra)
		web_buf_printf(&u, "%c%s", sep, extra);
	if (u.overflow)
		b->overflow = true;
	web_buf_esc(b, u.data);
	web_buf_free(&u);
}

/* The input type that can show v again: a browser blanks a datetime-local
 * field whose value is a date alone or uses a space for the T, so those stay
 * text (the stylesheet styles text, not date, inputs). */
static const char *time_input_type(const char *v)
{
	if (!v || !*v)
		return "datetime-local";
	return strlen(v) == 10 || strchr(v, ' ') ? "text" : "datetime-local";
}

static void audit_input(struct web_buf *b, const struct web_req *r, const char *name,
                        const char *type, enum web_msg label, const char *value)
{
	web_buf_printf(b, "<div><label for=\"f-%s\">", name);
	text(b, r, label);
	web_buf_printf(b, "</label><input type=\"%s\" id=\"f-%s\" name=\"%s\"%s value=\"", type,
	               name, name, strcmp(name, "action") == 0 ? " list=\"audit-actions\"" : "");
	web_buf_esc(b, value);
	web_buf_puts(b, "\"></div>");
}

/* Suggestions for the action filter (a dotted prefix matches all below it). */
/* The actions Sekisho records today (README, "Audit log"), for the filter. */
static const char *const audit_actions[] = {
    "login",
    "login.success",
    "login.failure",
    "login.locked",
    "logout",
    "session",
    "session.ended",
    "session.forced_logout",
    "user",
    "user.invited",
    "user.suspended",
    "user.resumed",
    "user.unlocked",
    "user.deleted",
    "user.password_set",
    "invitation",
    "invitation.accepted",
    "invitation.revoked",
    "password",
    "password.changed",
    "password.reset_requested",
    "password.reset",
    "policy.updated",
    "access.denied_ip",
    "token.created",
    "tenant.created",
    "audit.pruned",
};

static void audit_form(struct web_buf *b, const struct web_req *r, const struct audit_q *a)
{
	const char *args[1] = {r->tenant.policy.audit.timezone};

	web_buf_printf(b,
	               "<form method=\"get\" action=\"/t/%s/admin/audit\" id=\"audit-filter\">"
	               "<div class=\"row\">",
	               r->slug);
	audit_input(b, r, "from", time_input_type(a->from), M_ADM_AUD_FROM, a->from);
	audit_input(b, r, "to", time_input_type(a->to), M_ADM_AUD_TO, a->to);
	audit_input(b, r, "action", "text", M_ADM_AUD_ACTION, a->action);
	audit_input(b, r, "actor", "text", M_ADM_AUD_ACTOR, a->actor);
	web_buf_puts(b, "</div><datalist id=\"audit-actions\">");
	for (size_t i = 0; i < sizeof audit_actions / sizeof audit_actions[0]; i++)
		web_buf_printf(b, "<option value=\"%s\">", audit_actions[i]);
	web_buf_puts(b, "</datalist><p class=\"muted\">");
	subst(b, web_t(r, M_ADM_AUD_TZ_HINT), args, 1);
	web_buf_puts(b, "</p><button type=\"submit\">");
	text(b, r, M_ADM_AUD_FILTER);
	web_buf_printf(b, "</button> <a href=\"/t/%s/admin/audit\">", r->slug);
	text(b, r, M_ADM_AUD_CLEAR);
	web_buf_puts(b, "</a> <a class=\"button\" id=\"export\" href=\"");
	audit_href(b, r, "audit.csv", a, "");
	web_buf_puts(b, "\">");
	text(b, r, M_ADM_AUD_EXPORT);
	web_buf_puts(b, "</a></form>");
}

/* s escaped, with a line-break opportunity after each comma: detail JSON has
 * no spaces and would otherwise stretch the table. */
static void esc_wrap(struct web_buf *b, const char *s)
{
	char part[256];

	while (*s) {
		size_t n = strcspn(s, ",");
		if (s[n] == ',')
			n++;
		if (n >= sizeof part)
			n = sizeof part - 1;
		while (n > 1 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--; /* do not cut a UTF-8 sequence */
		memcpy(part, s, n);
		part[n] = 0;
		web_buf_esc(b, part);
		web_buf_puts(b, "<wbr>");
		s += n;
	}
}

/* Detail JSON: short ones inline, long ones folded after DETAIL_SHORT bytes. */
static void audit_detail(struct web_buf *b, const char *d)
{
	char head[DETAIL_SHORT + 1];
	size_t n = strlen(d);

	if (strcmp(d, "{}") == 0)
		return;
	if (n <= DETAIL_SHORT) {
		web_buf_puts(b, "<code>");
		esc_wrap(b, d);
		web_buf_puts(b, "</code>");
		return;
	}
	n = DETAIL_SHORT;
	while (n > 0 && ((unsigned char)d[n] & 0xC0) == 0x80)
		n--; /* do not cut a UTF-8 sequence */
	memcpy(head, d, n);
	head[n] = 0;
	web_buf_puts(b, "<details><summary><code>");
	esc_wrap(b, head);
	web_buf_puts(b, "…</code></summary><code>");
	esc_wrap(b, d);
	web_buf_puts(b, "</code></details>");
}

static void audit_row(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	char when[40];
	bool ok = strcmp(e->result, "success") == 0;

	at_local(e->at, r->tenant.policy.audit.timezone, when);
	web_buf_printf(b, "<tr data-seq=\"%lld\"><td class=\"muted\">", (long long)e->seq);
	web_buf_esc(b, when);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->actor);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->role);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->ip);
	web_buf_puts(b, "</td><td><code>");
	web_buf_esc(b, e->action);
	web_buf_puts(b, "</code></td><td>");
	web_buf_esc(b, e->target);
	web_buf_printf(b, "</td><td><span class=\"badge %s\">", ok ? "active" : "locked");
	web_buf_esc(b, e->result);
	web_buf_puts(b, "</span></td><td>");
	audit_detail(b, e->detail);
	web_buf_puts(b, "</td></tr>");
}

static void audit_pager(struct web_buf *b, const struct web_req *r, const struct audit_q *a, int n,
                        long total)
{
	char lo[24], hi[24], all[24], extra[40];
	const char *args[3] = {lo, hi, all};
	int off = a->f.offset;

	snprintf(lo, sizeof lo, "%d", n ? off + 1 : 0);
	snprintf(hi, sizeof hi, "%d", off + n);
	snprintf(all, sizeof all, "%ld", total);
	web_buf_puts(b, "<p class=\"muted\" id=\"pager\">");
	if (off > 0) {
		snprintf(extra, sizeof extra, "offset=%d", off > PAGE_SIZE ? off - PAGE_SIZE : 0);
		web_buf_puts(b, "<a rel=\"prev\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		text(b, r, M_ADM_PREV);
		web_buf_puts(b, "</a> ");
	}
	if (n > 0)
		subst(b, web_t(r, M_ADM_AUD_RANGE), args, 3);
	if (off + n < total) {
		snprintf(extra, sizeof extra, "offset=%d", off + PAGE_SIZE);
		web_buf_puts(b, " <a rel=\"next\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		text(b, r, M_ADM_NEXT);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</p>");
}

static void audit_table(struct web_buf *b, const struct web_req *r,
                        const struct idp_audit_row *rows, int n)
{
	static const enum web_msg heads[] = {M_ADM_AUD_TIME,   M_ADM_AUD_WHO,    M_ROLE,
	                                     M_SESSION_IP,     M_ADM_AUD_ACTION, M_ADM_AUD_TARGET,
	                                     M_ADM_AUD_RESULT, M_ADM_AUD_DETAIL};

	web_buf_puts(b, "<table id=\"audit\"><tr>");
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		web_buf_puts(b, "<th>");
		text(b, r, heads[i]);
		web_buf_puts(b, "</th>");
	}
	web_buf_puts(b, "</tr>");
	for (int i = 0; i < n; i++)
		audit_row(b, r, &rows[i]);
	web_buf_puts(b, "</table>");
	if (n == 0) {
		web_buf_puts(b, "<p class=\"muted\">");
		text(b, r, M_ADM_AUD_NONE);
		web_buf_puts(b, "</p>");
	}
}

static int audit_get(struct web_req *r)
{
	struct idp_audit_row *rows = NULL;
	struct flash fl = no_flash;
	struct audit_q a;
	struct web_buf b;
	bool bad_time;
	enum idp_err err = IDP_OK;
	long total = 0;
	int n = 0;

	if (!audit_q_read(r, &a, &bad_time) && !bad_time)
		return bad_request(r);
	if (bad_time) {
		fl.msg = M_ADM_AUD_BAD_TIME;
		fl.error = true;
	} else {
		a.f.limit = PAGE_SIZE;
		err = idp_audit_list(&r->tenant, &a.f, &rows, &n, &total);
	}
	if (err == IDP_ERR_INVALID)
		return bad_request(r);
	if (err)
		return unavailable(r);
	admin_begin(&b, r, TAB_AUDIT);
	flash_render(&b, r, &fl);
	web_buf_puts(&b, "<section class=\"card\">");
	audit_form(&b, r, &a);
	web_buf_puts(&b, "</section><section class=\"card\">");
	if (!bad_time) {
		audit_pager(&b, r, &a, n, total);
		audit_table(&b, r, rows, n);
	}
	web_buf_puts(&b, "</section>");
	idp_audit_rows_free(rows, n);
	return admin_send(r, bad_time ? 400 : 200, &b);
}

/* A download: the common response path plus Content-Disposition. */
static int send_download(struct web_req *r, struct web_buf *b, const char *type,
                         const char *filename)
{
	snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"", filename);
	return web_respond_buf(r, 200, type, b);
}

/* GET /admin/audit.csv: the filtered view without paging, up to CSV_ROWS. */
static int audit_csv_get(struct web_req *r)
{
	struct idp_audit_row *rows = NULL;
	struct audit_q a;
	struct web_buf b;
	bool bad_time;
	enum idp_err err;
	char name[120], now[21];
	long total = 0;
	int n = 0, ret;

	if (!audit_q_read(r, &a, &bad_time))
		return bad_request(r);
	a.f.limit = CSV_ROWS;
	a.f.offset = 0;
	err = idp_audit_list(&r->tenant, &a.f, &rows, &n, &total);
	if (err == IDP_ERR_INVALID)
		return bad_request(r);
	if (err)
		return unavailable(r);
	web_buf_init(&b, CSV_MAX);
	web_audit_csv(&b, rows, n);
	idp_audit_rows_free(rows, n);
	idp_time_iso((int64_t)time(NULL), now);
	now[10] = 0; /* the date is enough for a file name */
	snprintf(name, sizeof name, "audit-%s-%s.csv", r->slug, now);
	ret = send_download(r, &b, "text/csv; charset=utf-8", name);
	web_buf_free(&b);
	return ret;
}

#define ADMIN      (WEB_TENANT | WEB_ADMIN)
#define ADMIN_POST (WEB_TENANT | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_admin[] = {
    {"GET", "/admin", admin_redirect, ADMIN},
    {"GET", "/admin/", users_get, ADMIN},
    {"GET", "/admin/users", users_get, ADMIN},
    {"POST", "/admin/invite", invite_post, ADMIN_POST},
    {"POST", "/admin/users/*/suspend", user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/resume", user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/unlock", user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/logout", user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/delete", user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/password", user_password_post, ADMIN_POST | WEB_SLOW},
    {"GET", "/admin/invitations", invitations_get, ADMIN},
    {"POST", "/admin/invitations/resend", invitation_resend_post, ADMIN_POST},
    {"POST", "/admin/invitations/*/revoke", invitation_revoke_post, ADMIN_POST},
    {"GET", "/admin/policy", policy_get, ADMIN},
    {"POST", "/admin/policy", policy_post, ADMIN_POST},
    {"GET", "/admin/audit", audit_get, ADMIN},
    {"GET", "/admin/audit.csv", audit_csv_get, ADMIN},
    {NULL, NULL, NULL, 0},
};
