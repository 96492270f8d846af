/*
 * The user's own password: change (also the forced change after an expiry
 * or an administrator-set password) and reset by e-mailed link.  Both forms
 * list the tenant's password rules before the first attempt; a successful
 * change goes back to the home page, which says so (POST/redirect/GET).
 */
#include <stdio.h>
#include <string.h>

#include "idp/password.h"
#include "web/i18n.h"
#include "web/web.h"

static int unavailable(struct web_req *r)
{
	return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE), web_t(r, M_UNAVAILABLE));
}

static int too_many(struct web_req *r)
{
	return web_page_message(r, 429, web_t(r, M_RESET_TITLE), web_t(r, M_LOGIN_RATE));
}

static void notice(struct web_buf *b, const char *cls, const char *text)
{
	bool error = strcmp(cls, "error") == 0;

	web_buf_printf(b, "<p class=\"%s\" role=\"%s\" id=\"%s\">", cls, error ? "alert" : "status",
	               error ? "error" : "notice");
	web_buf_esc(b, text);
	web_buf_puts(b, "</p>");
}

static int password_page(struct web_req *r, unsigned status, unsigned rules, enum web_msg error)
{
	const struct idp_session *s = &r->session;
	const char *rd = web_form(r, "rd") ? web_form(r, "rd") : web_query(r, "rd");
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_CHANGE_PASSWORD));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_CHANGE_PASSWORD));
	web_buf_puts(&b, "</h1>");
	if (s->must_change_password || s->password_expired)
		notice(&b, "notice", web_t(r, M_PASSWORD_FORCED));
	if (error != M__COUNT)
		notice(&b, "error", web_t(r, error));
	if (rules)
		web_password_rules(&b, r, rules);
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/password\">", r->slug);
	web_page_csrf(&b, r);
	web_page_hidden_rd(&b, r, rd);
	web_field(&b, r, "current", "password", M_CURRENT_PASSWORD, NULL, "current-password");
	web_field(&b, r, "password", "password", M_NEW_PASSWORD, NULL, "new-password");
	web_password_policy(&b, r, rules, true);
	web_field(&b, r, "password2", "password", M_PASSWORD2, NULL, "new-password");
	return web_page_send_form(&b, r, status, M_SAVE);
}

static int password_get(struct web_req *r)
{
	return password_page(r, 200, 0, M__COUNT);
}

static int password_post(struct web_req *r)
{
	unsigned rules = 0;
	const char *rd = web_form(r, "rd");
	char to[2200], home[100];
	enum idp_err err;

	err =
	    idp_password_change(&r->tenant, &r->session, web_form(r, "current"),
	                        web_form(r, "password"), web_form(r, "password2"), &r->ri, &rules);
	switch (err) {
	case IDP_OK:
		/* Home, which shows the notice; a forced change on the way
		 * somewhere else (rd other than home) goes on there. */
		snprintf(home, sizeof home, "/t/%s/", r->slug);
		if (rd && idp_redirect_safe(rd) && strcmp(rd, home) != 0)
			snprintf(to, sizeof to, "%s", rd);
		else
			snprintf(to, sizeof to, "%s?done=password", home);
		return web_redirect(r, to);
	case IDP_ERR_AUTH: return password_page(r, 400, 0, M_CURRENT_WRONG);
	case IDP_ERR_PASSWORD: return password_page(r, 400, rules, M__COUNT);
	case IDP_ERR_CONFLICT: return password_page(r, 409, 0, M_PW_CHANGED_MEANWHILE);
	case IDP_ERR_EXPIRED:
		return web_page_message(r, 409, web_t(r, M_SESSION_ENDED_TITLE),
		                        web_t(r, M_SESSION_ENDED));
	default: return unavailable(r);
	}
}

static int reset_page(struct web_req *r, bool sent)
{
	struct web_buf b;
	int ret;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "</h1>");
	if (sent) {
		notice(&b, "notice", web_t(r, M_RESET_SENT));
	} else {
		web_buf_puts(&b, "<p>");
		web_buf_esc(&b, web_t(r, M_RESET_INTRO));
		web_buf_printf(&b, "</p><form method=\"post\" action=\"/t/%s/reset\">", r->slug);
		web_page_csrf(&b, r);
		web_field(&b, r, "email", "email", M_EMAIL, NULL, "username");
		web_buf_puts(&b, "<button type=\"submit\" id=\"submit\">");
		web_buf_esc(&b, web_t(r, M_RESET_SEND));
		web_buf_puts(&b, "</button></form>");
	}
	web_buf_printf(&b, "<p><a href=\"/t/%s/login\">", r->slug);
	web_buf_esc(&b, web_t(r, M_SIGN_IN));
	web_buf_puts(&b, "</a></p></section>");
	web_page_end(&b, r);
	ret = web_respond_buf(r, 200, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

static int reset_get(struct web_req *r)
{
	return reset_page(r, false);
}

static int reset_post(struct web_req *r)
{
	const char *email = web_form(r, "email");

	enum idp_err err = idp_reset_request(&r->tenant, email, &r->ri);

	/* The same page whether or not the address has an account. */
	if (err == IDP_ERR_RATE)
		return too_many(r);
	if (err)
		return unavailable(r);
	return reset_page(r, true);
}

static int reset_invalid(struct web_req *r)
{
	return web_page_message(r, 404, web_t(r, M_RESET_INVALID_TITLE), web_t(r, M_RESET_INVALID));
}

/* The reset is done: say so, with the way to sign in (also when this
 * browser still shows a session, which the reset has ended). */
static int reset_done(struct web_req *r)
{
	struct web_buf b;
	int ret;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "</h1>");
	notice(&b, "notice", web_t(r, M_RESET_DONE));
	web_buf_printf(
	    &b, "<p class=\"actions\"><a class=\"button\" id=\"sign-in\" href=\"/t/%s/login\">",
	    r->slug);
	web_buf_esc(&b, web_t(r, M_SIGN_IN));
	web_buf_puts(&b, "</a></p></section>");
	web_page_end(&b, r);
	ret = web_respond_buf(r, 200, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

static int reset_token_page(struct web_req *r, unsigned status, unsigned rules)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_RESET_TITLE));
	web_buf_puts(&b, "</h1>");
	if (rules)
		web_password_rules(&b, r, rules);
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/reset/", r->slug);
	web_buf_esc(&b, r->wild[0]);
	web_buf_puts(&b, "\">");
	web_page_csrf(&b, r);
	web_field(&b, r, "password", "password", M_NEW_PASSWORD, NULL, "new-password");
	web_password_policy(&b, r, rules, true);
	web_field(&b, r, "password2", "password", M_PASSWORD2, NULL, "new-password");
	return web_page_send_form(&b, r, status, M_SAVE);
}

static int reset_token_get(struct web_req *r)
{
	enum idp_err err = idp_reset_check(&r->tenant, r->wild[0], &r->ri);

	if (err == IDP_ERR_NOT_FOUND)
		return reset_invalid(r);
	if (err == IDP_ERR_RATE)
		return too_many(r);
	if (err)
		return unavailable(r);
	return reset_token_page(r, 200, 0);
}

static int reset_token_post(struct web_req *r)
{
	unsigned rules = 0;
	enum idp_err err;

	err = idp_reset_complete(&r->tenant, r->wild[0], web_form(r, "password"),
	                         web_form(r, "password2"), &r->ri, &rules);
	switch (err) {
	case IDP_OK: return reset_done(r);
	case IDP_ERR_NOT_FOUND: return reset_invalid(r);
	case IDP_ERR_RATE: return too_many(r);
	case IDP_ERR_PASSWORD: return reset_token_page(r, 400, rules);
	case IDP_ERR_CONFLICT:
		return web_page_message(r, 409, web_t(r, M_RESET_TITLE),
		                        web_t(r, M_PW_CHANGED_MEANWHILE));
	default: return unavailable(r);
	}
}

const struct web_route web_routes_password[] = {
    {"GET", "/password", password_get, WEB_TENANT | WEB_SESSION | WEB_FORCED_OK},
    {"POST", "/password", password_post,
     WEB_TENANT | WEB_SESSION | WEB_CSRF | WEB_FORCED_OK | WEB_SLOW},
    {"GET", "/reset", reset_get, WEB_TENANT},
    {"POST", "/reset", reset_post, WEB_TENANT | WEB_CSRF},
    {"GET", "/reset/*", reset_token_get, WEB_TENANT},
    {"POST", "/reset/*", reset_token_post, WEB_TENANT | WEB_CSRF | WEB_SLOW},
    {NULL, NULL, NULL, 0},
};
