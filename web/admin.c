/*
 * The tenant administrator console (/t/{slug}/admin/): its tabs (overview,
 * users, invitations, policy, audit log, certificates, apps) and a page per
 * user, rendered as
 * plain HTML forms, so it works without JavaScript under a CSP that forbids
 * inline script and style.
 *
 * Every change is a small POST form carrying the CSRF field and where to
 * return ("back", only ever an address of this tenant's console); the
 * handler calls one idp_ administration operation and answers 303 back with
 * a ?done= flag that the page renders as a translated notice (POST/redirect/
 * GET, so reloading never repeats an action).  Destructive actions are
 * reached through a confirmation page (web/admin_confirm.c) whose GET
 * changes nothing.  Refusals re-render the page with the reason instead.  Times are shown, and
 * audit filters read, in the tenant's time zone (policy.audit.timezone) with the UTC offset.
 *
 * This file is the console's frame (page, tab bar, notices, redirects, error
 * pages, shared HTML helpers: web/admin.h) and its route table; each tab is a
 * file of its own (web/admin_overview.c, admin_users.c, admin_user.c,
 * admin_invitations.c, admin_policy.c, admin_audit.c, admin_certs.c;
 * admin_apps.c, which keeps its own route table).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

#define PAGE_MAX (8 * 1024 * 1024)

const struct web_admin_flash web_admin_no_flash = {M__COUNT, false, NULL, 0, 0};

/* Append template tmpl with {0}..{9} replaced by args; everything escaped. */
void web_admin_subst(struct web_buf *b, const char *tmpl, const char *const *args, int nargs)
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

void web_admin_subst1(struct web_buf *b, const struct web_req *r, enum web_msg m, const char *arg)
{
	const char *args[1] = {arg ? arg : ""};

	web_admin_subst(b, web_t(r, m), args, 1);
}

void web_admin_subst_email(struct web_buf *b, const struct web_req *r, enum web_msg m,
                           const char *email)
{
	web_buf_subst(b, web_t(r, m), web_buf_email, email);
}

void web_admin_text(struct web_buf *b, const struct web_req *r, enum web_msg m)
{
	web_buf_esc(b, web_t(r, m));
}

void web_admin_hidden(struct web_buf *b, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	web_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	web_buf_esc(b, value);
	web_buf_puts(b, "\">");
}

void web_admin_described(struct web_buf *b, const char *id, bool bad, bool hint)
{
	if (bad)
		web_buf_puts(b, " aria-invalid=\"true\"");
	if (!bad && !hint)
		return;
	web_buf_printf(b, " aria-describedby=\"%s%s%s%s%s\"", hint ? id : "", hint ? ".hint" : "",
	               hint && bad ? " " : "", bad ? id : "", bad ? ".error" : "");
}

void web_admin_field_error(struct web_buf *b, const struct web_req *r, const char *id,
                           enum web_msg m)
{
	web_buf_printf(b, "<p class=\"field-error\" id=\"%s.error\">", id);
	web_admin_text(b, r, m);
	web_buf_puts(b, "</p>");
}

void web_admin_roles_text(struct web_buf *b, const struct web_req *r, unsigned set)
{
	if (set & IDP_ROLESET_USER)
		web_admin_text(b, r, M_ROLE_USER);
	if ((set & IDP_ROLESET_USER) && (set & IDP_ROLESET_ADMIN))
		web_admin_text(b, r, M_APP_ROLES_SEP);
	if (set & IDP_ROLESET_ADMIN)
		web_admin_text(b, r, M_ROLE_ADMIN);
}

void web_admin_role_select(struct web_buf *b, const struct web_req *r, const char *id,
                           enum idp_role role)
{
	web_buf_printf(b, "<select id=\"%s\" name=\"role\"><option value=\"user\"%s>", id,
	               role == IDP_ROLE_ADMIN ? "" : " selected");
	web_admin_text(b, r, M_ROLE_USER);
	web_buf_printf(b, "</option><option value=\"admin\"%s>",
	               role == IDP_ROLE_ADMIN ? " selected" : "");
	web_admin_text(b, r, M_ROLE_ADMIN);
	web_buf_puts(b, "</option></select>");
}

void web_admin_urlenc(struct web_buf *b, const char *s)
{
	struct web_buf u;

	web_buf_init(&u, 8192);
	web_buf_urlenc(&u, s);
	if (u.overflow)
		b->overflow = true;
	web_buf_esc(b, u.data);
	web_buf_free(&u);
}

void web_admin_user_href(struct web_buf *b, const struct web_req *r, const char *email,
                         const char *verb)
{
	web_buf_printf(b, "/t/%s/admin/users/", r->slug);
	web_admin_urlenc(b, email);
	if (verb)
		web_buf_printf(b, "/%s", verb);
}

/* Whether s is a console address of this tenant a form may return to. */
static bool back_ok(const struct web_req *r, const char *s)
{
	char prefix[100];
	size_t n = (size_t)snprintf(prefix, sizeof prefix, "/t/%s/admin/", r->slug);

	size_t path;

	if (!s || strlen(s) >= 2048 || strncmp(s, prefix, n) != 0 || !idp_redirect_safe(s) ||
	    strchr(s, '#'))
		return false;
	/* The console builds its own way back with no '%' or dot segment in
	 * the path; "/admin/../../other/" would leave this tenant's console. */
	path = strcspn(s, "?");
	for (size_t i = 0; i < path; i++) {
		if (s[i] == '%' || s[i] == '\\')
			return false;
		if (s[i] == '/' && s[i + 1] == '.' &&
		    (s[i + 2] == '/' || s[i + 2] == '?' || !s[i + 2] ||
		     (s[i + 2] == '.' && (s[i + 3] == '/' || s[i + 3] == '?' || !s[i + 3]))))
			return false;
	}
	return true;
}

bool web_admin_back_is_user_page(const struct web_req *r)
{
	const char *back = web_admin_back(r);
	char prefix[100];
	size_t n = (size_t)snprintf(prefix, sizeof prefix, "/t/%s/admin/users/", r->slug);

	return back && strncmp(back, prefix, n) == 0 && back[n];
}

const char *web_admin_back(const struct web_req *r)
{
	const char *s = web_form(r, "back");

	if (!back_ok(r, s))
		s = web_query(r, "back");
	return back_ok(r, s) ? s : NULL;
}

void web_admin_here(struct web_buf *b, const struct web_req *r)
{
	const char *q = web_query(r, "q"), *page = web_query(r, "page");
	char sep = '?';

	web_buf_puts(b, r->path);
	if (q && *q) {
		web_buf_puts(b, "?q=");
		web_buf_urlenc(b, q);
		sep = '&';
	}
	if (page && *page && strlen(page) < 7 && strspn(page, "0123456789") == strlen(page))
		web_buf_printf(b, "%cpage=%s", sep, page);
}

void web_admin_flash(struct web_buf *b, const struct web_req *r, const struct web_admin_flash *f)
{
	char when[40];

	if (f->msg == M__COUNT && !f->rules)
		return;
	if (f->msg != M__COUNT) {
		web_buf_printf(b, "<p class=\"%s\" role=\"%s\" id=\"%s\">",
		               f->error ? "error" : "notice", f->error ? "alert" : "status",
		               f->error ? "error" : "notice");
		web_admin_subst1(b, r, f->msg, f->arg);
		if (f->until > 0) {
			idp_time_local(f->until, r->tenant.policy.audit.timezone, when);
			web_buf_puts(b, " ");
			web_admin_subst1(b, r, M_ADM_VALID_UNTIL, when);
		}
		if (f->msg == M_ADM_DONE_PASSWORD &&
		    r->tenant.policy.password.change_at_first_login) {
			web_buf_puts(b, " ");
			web_admin_text(b, r, M_ADM_DONE_PASSWORD_FORCED);
		}
		web_buf_puts(b, "</p>");
	}
	if (f->rules)
		web_password_rules(b, r, f->rules);
}

void web_admin_begin(struct web_buf *b, const struct web_req *r, enum web_admin_tab tab)
{
	static const struct {
		const char *path;
		enum web_msg label;
	} tabs[] = {
	    [WEB_TAB_OVERVIEW] = {"", M_ADM_OVERVIEW},
	    [WEB_TAB_USERS] = {"users", M_ADM_USERS},
	    [WEB_TAB_INVITATIONS] = {"invitations", M_ADM_INVITATIONS},
	    [WEB_TAB_POLICY] = {"policy", M_ADM_POLICY},
	    [WEB_TAB_AUDIT] = {"audit", M_ADM_AUDIT},
	    [WEB_TAB_CERTS] = {"client-cas", M_ADM_CERTS},
	    [WEB_TAB_APPS] = {"apps", M_ADM_APPS},
	    [WEB_TAB_SAML] = {"saml", M_ADM_SAML},
	};

	web_buf_init(b, PAGE_MAX);
	web_page_begin(b, r, web_t(r, tabs[tab].label));
	web_buf_puts(b, "<h1>");
	web_admin_text(b, r, M_ADMIN_CONSOLE);
	web_buf_puts(b, "</h1><nav class=\"tabs\" id=\"admin-tabs\">");
	for (size_t i = 0; i < sizeof tabs / sizeof tabs[0]; i++) {
		web_buf_printf(b, "<a href=\"/t/%s/admin/%s\"%s>", r->slug, tabs[i].path,
		               i == (size_t)tab ? " class=\"on\" aria-current=\"page\"" : "");
		web_admin_text(b, r, tabs[i].label);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</nav>");
}

/* End the page, send it and free the buffer. */
int web_admin_send(struct web_req *r, unsigned status, struct web_buf *b)
{
	int ret;

	web_page_end(b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", b);
	web_buf_free(b);
	return ret;
}

int web_admin_not_found(struct web_req *r)
{
	return web_page_message(r, 404, web_t(r, M_NOT_FOUND_TITLE), web_t(r, M_NOT_FOUND));
}

int web_admin_bad_request(struct web_req *r)
{
	return web_page_message(r, 400, web_t(r, M_BAD_REQUEST_TITLE), web_t(r, M_BAD_REQUEST));
}

int web_admin_unavailable(struct web_req *r)
{
	return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE), web_t(r, M_UNAVAILABLE));
}

/* Redirect to /t/slug/admin/<where>?done=<done>&u=<email>[&until=][&q=&page=]. */
int web_admin_back_with(struct web_req *r, const char *where, const char *done, const char *email,
                        int64_t until)
{
	const char *q = web_form(r, "q"), *page = web_form(r, "page");
	const char *back = web_admin_back(r);
	struct web_buf b;
	int ret;

	web_buf_init(&b, 8192);
	if (back) {
		/* Back where the administrator was, minus any earlier notice. */
		size_t n = strcspn(back, "?");
		web_buf_add(&b, back, n);
		web_buf_printf(&b, "?done=%s", done);
		for (const char *p = back[n] ? back + n + 1 : NULL; p && *p;) {
			size_t len = strcspn(p, "&");
			if ((len > 2 && strncmp(p, "q=", 2) == 0) ||
			    (len > 5 && strncmp(p, "page=", 5) == 0)) {
				web_buf_puts(&b, "&");
				web_buf_add(&b, p, len);
			}
			p += len;
			p += *p == '&';
		}
		q = page = NULL;
	} else {
		web_buf_printf(&b, "/t/%s/admin/%s?done=%s", r->slug, where, done);
	}
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
	ret = b.overflow ? web_admin_bad_request(r) : web_redirect(r, b.data);
	web_buf_free(&b);
	return ret;
}

/* The notice named by ?done=, ?u= and ?until= of a list page. */
struct web_admin_flash web_admin_flash_from_query(const struct web_req *r)
{
	static const struct {
		const char *flag;
		enum web_msg msg;
	} done[] = {
	    {"suspended", M_ADM_DONE_SUSPENDED},
	    {"resumed", M_ADM_DONE_RESUMED},
	    {"unlocked", M_ADM_DONE_UNLOCKED},
	    {"logout", M_ADM_DONE_LOGOUT},
	    {"deleted", M_ADM_DONE_DELETED},
	    {"password", M_ADM_DONE_PASSWORD},
	    {"invited", M_ADM_DONE_INVITED},
	    {"resent", M_ADM_DONE_RESENT},
	    {"revoked", M_ADM_DONE_REVOKED},
	    {"policy", M_ADM_DONE_POLICY},
	    {"role", M_ADM_DONE_ROLE},
	    {"session", M_ADM_DONE_SESSION},
	    {"mfa_reset", M_ADM_DONE_RESET_MFA},
	    {"ca_added", M_ADM_DONE_CA_ADDED},
	    {"ca_removed", M_ADM_DONE_CA_REMOVED},
	    {"app_added", M_ADM_DONE_APP_ADDED},
	    {"app_removed", M_ADM_DONE_APP_REMOVED},
	    {"key_created", M_ADM_DONE_KEY_CREATED},
	    {"key_activated", M_ADM_DONE_KEY_ACTIVATED},
	    {"key_deleted", M_ADM_DONE_KEY_DELETED},
	    {"sp_added", M_ADM_DONE_SP_ADDED},
	    {"sp_changed", M_ADM_DONE_SP_CHANGED},
	    {"sp_removed", M_ADM_DONE_SP_REMOVED},
	};
	const char *flag = web_query(r, "done"), *u = web_query(r, "u");
	const char *until = web_query(r, "until");
	struct web_admin_flash f = web_admin_no_flash;

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

static int admin_redirect(struct web_req *r)
{
	char to[100];

	snprintf(to, sizeof to, "/t/%s/admin/", r->slug);
	return web_redirect(r, to);
}

#define ADMIN      (WEB_TENANT | WEB_ADMIN)
#define ADMIN_POST (WEB_TENANT | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_admin[] = {
    {"GET", "/admin", admin_redirect, ADMIN},
    {"GET", "/admin/", web_admin_overview_get, ADMIN},
    {"GET", "/admin/users", web_admin_users_get, ADMIN},
    {"GET", "/admin/users/*", web_admin_user_get, ADMIN},
    {"POST", "/admin/invite", web_admin_invite_post, ADMIN_POST},
    {"GET", "/admin/users/*/suspend", web_admin_user_confirm_get, ADMIN},
    {"GET", "/admin/users/*/logout", web_admin_user_confirm_get, ADMIN},
    {"GET", "/admin/users/*/delete", web_admin_user_confirm_get, ADMIN},
    {"GET", "/admin/users/*/reset-mfa", web_admin_user_confirm_get, ADMIN},
    {"POST", "/admin/users/*/reset-mfa", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/role", web_admin_user_role_post, ADMIN_POST},
    {"GET", "/admin/users/*/sessions/*/end", web_admin_user_session_end_get, ADMIN},
    {"POST", "/admin/users/*/sessions/*/end", web_admin_user_session_end_post, ADMIN_POST},
    {"POST", "/admin/users/*/suspend", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/resume", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/unlock", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/logout", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/delete", web_admin_user_action_post, ADMIN_POST},
    {"POST", "/admin/users/*/password", web_admin_user_password_post, ADMIN_POST | WEB_SLOW},
    {"GET", "/admin/invitations", web_admin_invitations_get, ADMIN},
    {"POST", "/admin/invitations/resend", web_admin_invitation_resend_post, ADMIN_POST},
    {"GET", "/admin/invitations/*/revoke", web_admin_invitation_revoke_get, ADMIN},
    {"POST", "/admin/invitations/*/revoke", web_admin_invitation_revoke_post, ADMIN_POST},
    {"GET", "/admin/policy", web_admin_policy_get, ADMIN},
    {"POST", "/admin/policy", web_admin_policy_post, ADMIN_POST},
    {"GET", "/admin/audit", web_admin_audit_get, ADMIN},
    {"GET", "/admin/audit.csv", web_admin_audit_csv_get, ADMIN},
    {"GET", "/admin/client-cas", web_admin_certs_get, ADMIN},
    {"POST", "/admin/client-cas", web_admin_certs_post, ADMIN_POST},
    {"GET", "/admin/client-cas/*/delete", web_admin_cert_delete_get, ADMIN},
    {"POST", "/admin/client-cas/*/delete", web_admin_cert_delete_post, ADMIN_POST},
    {NULL, NULL, NULL, 0},
};
