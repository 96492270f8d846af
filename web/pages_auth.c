/*
 * Pages that authenticate: the login form, logout and invitation acceptance,
 * and the password rules every page that sets a password shows (the
 * tenant's policy as a list, and the rules an attempt failed).
 * Errors shown to the user are generic; the reason goes to the audit log and
 * the operator's log through idp_.
 */
#include <stdio.h>
#include <string.h>

#include "idp/log.h"
#include "idp/password.h"
#include "web/i18n.h"
#include "web/web.h"

void web_field(struct web_buf *b, const struct web_req *r, const char *name, const char *type,
               int label, const char *value, const char *autocomplete)
{
	web_buf_printf(b, "<label for=\"%s\">", name);
	web_buf_esc(b, web_t(r, (enum web_msg)label));
	web_buf_printf(b, "</label><input id=\"%s\" name=\"%s\" type=\"%s\" autocomplete=\"%s\" ",
	               name, name, type, autocomplete);
	if (value) {
		web_buf_puts(b, "value=\"");
		web_buf_esc(b, value);
		web_buf_puts(b, "\" ");
	}
	web_buf_puts(b, "required>");
}

/* Where to go after login: rd when web_rd_target accepts it, else home. */
static void after_login(const struct web_req *r, const char *rd, char out[IDP_URL_MAX + 1])
{
	if (!web_rd_target(r, rd, out))
		snprintf(out, IDP_URL_MAX + 1, "/t/%s/", r->slug);
}

static int login_page(struct web_req *r, unsigned status, enum web_msg error, const char *email)
{
	struct web_buf b;
	const char *rd = web_form(r, "rd") ? web_form(r, "rd") : web_query(r, "rd");
	int ret;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_LOGIN_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_LOGIN_TITLE));
	web_buf_puts(&b, "</h1>");
	if (error != M__COUNT) {
		web_buf_puts(&b, "<p class=\"error\" role=\"alert\" id=\"error\">");
		web_buf_esc(&b, web_t(r, error));
		web_buf_puts(&b, "</p>");
	} else if (web_query(r, "logged_out")) {
		web_buf_puts(&b, "<p class=\"notice\" id=\"notice\">");
		web_buf_esc(&b, web_t(r, M_LOGGED_OUT));
		web_buf_puts(&b, "</p>");
	}
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/login\">", r->slug);
	web_page_csrf(&b, r);
	web_page_hidden_rd(&b, r, rd);
	web_field(&b, r, "email", "email", M_EMAIL, email, "username");
	web_field(&b, r, "password", "password", M_PASSWORD, NULL, "current-password");
	web_buf_puts(&b, "<button type=\"submit\" id=\"submit\">");
	web_buf_esc(&b, web_t(r, M_SIGN_IN));
	web_buf_printf(&b, "</button></form><p><a href=\"/t/%s/reset\">", r->slug);
	web_buf_esc(&b, web_t(r, M_FORGOT));
	web_buf_puts(&b, "</a></p></section>");
	web_page_end(&b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

static int login_get(struct web_req *r)
{
	/* reauth: a service provider asked for the password again
	 * (ForceAuthn), or the session lacks a factor the policy requires. */
	if (r->have_session && !web_query(r, "reauth")) {
		char to[IDP_URL_MAX + 1];
		after_login(r, web_query(r, "rd"), to);
		return web_redirect(r, to);
	}
	return login_page(r, 200, M__COUNT, NULL);
}

/* rd as web_rd_target writes it into buf (IDP_URL_MAX + 1 bytes), else NULL. */
static const char *safe_rd(const struct web_req *r, const char *rd, char *buf)
{
	return web_rd_target(r, rd, buf) ? buf : NULL;
}

/* The session this browser presented, which a new login replaces. */
static const struct idp_session *live_session(const struct web_req *r)
{
	return r->have_session ? &r->session : NULL;
}

static int too_many(struct web_req *r, enum web_msg title)
{
	return web_page_message(r, 429, web_t(r, title), web_t(r, M_LOGIN_RATE));
}

static int login_post(struct web_req *r)
{
	struct idp_login l;
	const char *email = web_form(r, "email");
	const char *password = web_form(r, "password");
	enum idp_err err;
	char safe_email[IDP_EMAIL_MAX + 1] = "", rd[IDP_URL_MAX + 1];

	if (email && strlen(email) <= IDP_EMAIL_MAX)
		snprintf(safe_email, sizeof safe_email, "%s", email);
	if (!email || !password || strlen(email) > IDP_EMAIL_MAX) {
		/* Oversized or missing fields are a failed login like any other. */
		err = idp_login_password(&r->tenant, "", password ? password : "", &r->ri,
		                         live_session(r), NULL, &l);
	} else {
		err = idp_login_password(&r->tenant, email, password, &r->ri, live_session(r),
		                         safe_rd(r, web_form(r, "rd"), rd), &l);
	}
	switch (err) {
	case IDP_OK: return web_login_done(r, &l, web_form(r, "rd"));
	case IDP_ERR_AUTH: return login_page(r, 401, M_LOGIN_FAILED, safe_email);
	case IDP_ERR_RATE: return login_page(r, 429, M_LOGIN_RATE, safe_email);
	case IDP_ERR_CONFLICT: return login_page(r, 409, M_LOGIN_CONCURRENT, safe_email);
	/* The tenant was terminated while this login ran. */
	case IDP_ERR_NOT_FOUND:
		return web_page_message(r, 404, web_t(r, M_NOT_FOUND_TITLE), web_t(r, M_NOT_FOUND));
	case IDP_ERR_ADDRESS: {
		char msg[300];
		snprintf(msg, sizeof msg, "%s%s", web_t(r, M_IP_DENIED), r->ri.ip);
		return web_page_message(r, 403, web_t(r, M_IP_DENIED_TITLE), msg);
	}
	default:
		return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	}
}

static int logout_post(struct web_req *r)
{
	char to[200];

	if (r->have_session && idp_logout(&r->tenant, &r->session, &r->ri) != IDP_OK)
		return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	web_set_session_cookie(r, "", true);
	/* The service providers this session logged in to are told, one
	 * after the other, through the browser (SAML Single Logout). */
	if (r->have_session)
		return web_saml_logout_next(r, r->session.id);
	snprintf(to, sizeof to, "/t/%s/login?logged_out=1", r->slug);
	return web_redirect(r, to);
}

/* Render the list of failed password rules, in the user's language. */
/* The message for a failed rule and the number it mentions (a policy
 * figure, 0 when none). */
static enum web_msg rule_message(const struct idp_policy *p, enum idp_pw_rule bit, int *arg)
{
	*arg = 0;
	switch (bit) {
	case IDP_PW_TOO_SHORT: *arg = p->password.min_length; return M_PW_TOO_SHORT;
	case IDP_PW_TOO_LONG: *arg = p->password.max_length; return M_PW_TOO_LONG;
	case IDP_PW_NEED_UPPER: return M_PW_NEED_UPPER;
	case IDP_PW_NEED_LOWER: return M_PW_NEED_LOWER;
	case IDP_PW_NEED_DIGIT: return M_PW_NEED_DIGIT;
	case IDP_PW_NEED_SYMBOL: return M_PW_NEED_SYMBOL;
	case IDP_PW_FEW_CLASSES: *arg = p->password.min_classes; return M_PW_FEW_CLASSES;
	case IDP_PW_HAS_EMAIL: return M_PW_HAS_EMAIL;
	case IDP_PW_BLOCKLISTED: return M_PW_BLOCKLISTED;
	case IDP_PW_REUSED:
		*arg = p->password.history;
		return *arg <= 1 ? M_PW_SAME_AS_CURRENT : M_PW_REUSED;
	case IDP_PW_MISMATCH: return M_PW_MISMATCH;
	case IDP_PW_GUESSABLE: return M_PW_GUESSABLE;
	case IDP_PW_HINT_COMMON: return M_PW_HINT_COMMON;
	case IDP_PW_HINT_KEYBOARD: return M_PW_HINT_KEYBOARD;
	case IDP_PW_HINT_DATE: return M_PW_HINT_DATE;
	case IDP_PW_HINT_REPEAT: return M_PW_HINT_REPEAT;
	case IDP_PW_HINT_PERSONAL: return M_PW_HINT_PERSONAL;
	case IDP_PW_BAD_UTF8: break;
	}
	return M_PW_BAD_UTF8;
}

void web_password_rules(struct web_buf *b, const struct web_req *r, unsigned rules)
{
	web_buf_puts(b, "<div class=\"error\" role=\"alert\" id=\"error\"><p>");
	web_buf_esc(b, web_t(r, M_PW_RULES_FAILED));
	web_buf_puts(b, "</p><ul id=\"rules\">");
	/* In idp's order of the rules, the same as the API's. */
	for (size_t i = 0; i < idp_pw_rules_count; i++) {
		enum idp_pw_rule bit = idp_pw_rules[i].bit;
		char text[300];
		int arg;
		if (!(rules & bit))
			continue;
		enum web_msg msg = rule_message(&r->tenant.policy, bit, &arg);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(text, sizeof text, web_t(r, msg), arg);
#pragma GCC diagnostic pop
		web_buf_printf(b, "<li data-rule=\"%u\">", (unsigned)bit);
		web_buf_esc(b, text);
		web_buf_puts(b, "</li>");
	}
	web_buf_puts(b, "</ul></div>");
}

/* One line of the rule list: key names it for the page (data-pw-rule, the
 * API's rule name where there is one), bits are the failures that mean it
 * is not met, msg takes up to two policy figures. */
static void policy_item(struct web_buf *b, const struct web_req *r, const char *key, unsigned bits,
                        unsigned failed, enum web_msg msg, int a1, int a2)
{
	char text[300];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(text, sizeof text, web_t(r, msg), a1, a2);
#pragma GCC diagnostic pop
	web_buf_printf(b, "<li data-pw-rule=\"%s\"%s>", key,
	               (failed & bits) ? " class=\"failed\"" : "");
	if (failed & bits) {
		web_buf_puts(b, "<span class=\"badge failure\">");
		web_buf_esc(b, web_t(r, M_PWP_NOT_MET));
		web_buf_puts(b, "</span> ");
	}
	web_buf_esc(b, text);
	web_buf_puts(b, "</li>");
}

void web_password_policy(struct web_buf *b, const struct web_req *r, unsigned failed,
                         bool with_current)
{
	const struct idp_policy *p = &r->tenant.policy;
	int min = p->password.min_length, max = p->password.max_length;

	web_buf_puts(b, "<div class=\"hint\" id=\"pw-policy\"><p>");
	web_buf_esc(b, web_t(r, M_PWP_TITLE));
	web_buf_puts(b, "</p><ul id=\"pw-rules\">");
	/* In idp's order of the rules, like the failures above the form. */
	policy_item(b, r, "length", IDP_PW_TOO_SHORT | IDP_PW_TOO_LONG, failed,
	            min == max ? M_PWP_LENGTH_EXACT : M_PWP_LENGTH, min, max);
	if (p->password.require_upper)
		policy_item(b, r, "need_upper", IDP_PW_NEED_UPPER, failed, M_PWP_UPPER, 0, 0);
	if (p->password.require_lower)
		policy_item(b, r, "need_lower", IDP_PW_NEED_LOWER, failed, M_PWP_LOWER, 0, 0);
	if (p->password.require_digit)
		policy_item(b, r, "need_digit", IDP_PW_NEED_DIGIT, failed, M_PWP_DIGIT, 0, 0);
	if (p->password.require_symbol)
		policy_item(b, r, "need_symbol", IDP_PW_NEED_SYMBOL, failed, M_PWP_SYMBOL, 0, 0);
	if (p->password.min_classes > 0)
		policy_item(b, r, "few_classes", IDP_PW_FEW_CLASSES, failed, M_PWP_CLASSES,
		            p->password.min_classes, 0);
	/* Always checked (idp_password_check), whatever the policy. */
	policy_item(b, r, "contains_email", IDP_PW_HAS_EMAIL, failed, M_PWP_EMAIL, 0, 0);
	policy_item(b, r, "blocklisted", IDP_PW_BLOCKLISTED, failed, M_PWP_COMMON, 0, 0);
	/* The current password is always refused; history reaches further back. */
	if (with_current && p->password.history > 1)
		policy_item(b, r, "reused", IDP_PW_REUSED, failed, M_PWP_HISTORY,
		            p->password.history, 0);
	else if (with_current)
		policy_item(b, r, "reused", IDP_PW_REUSED, failed, M_PWP_CURRENT, 0, 0);
	if (p->password.min_score > 0)
		policy_item(b, r, "guessable", IDP_PW_GUESSABLE, failed, M_PWP_STRENGTH,
		            p->password.min_score, 0);
	web_buf_puts(b, "</ul></div>");
}

static int invite_invalid(struct web_req *r)
{
	return web_page_message(r, 404, web_t(r, M_INVITE_INVALID_TITLE),
	                        web_t(r, M_INVITE_INVALID));
}

static int invite_page(struct web_req *r, unsigned status, const struct idp_invite_info *info,
                       unsigned rules, bool bad_name)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	web_page_begin(&b, r, web_t(r, M_INVITE_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, M_INVITE_TITLE));
	web_buf_puts(&b, "</h1><p>");
	web_buf_esc(&b, web_t(r, M_INVITE_INTRO));
	web_buf_puts(&b, "<strong id=\"invite-email\">");
	web_buf_esc(&b, info->email);
	web_buf_puts(&b, "</strong></p>");
	if (bad_name) {
		web_buf_puts(&b, "<p class=\"error\" role=\"alert\" id=\"error\">");
		web_buf_esc(&b, web_t(r, M_NAME_INVALID));
		web_buf_puts(&b, "</p>");
	}
	if (rules)
		web_password_rules(&b, r, rules);
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/invite/", r->slug);
	web_buf_esc(&b, r->wild[0]);
	web_buf_puts(&b, "\">");
	web_page_csrf(&b, r);
	web_field(&b, r, "name", "text", M_NAME, web_form(r, "name"), "name");
	web_field(&b, r, "password", "password", M_PASSWORD, NULL, "new-password");
	/* A new account: no current password or history to differ from. */
	web_password_policy(&b, r, rules, false);
	web_field(&b, r, "password2", "password", M_PASSWORD2, NULL, "new-password");
	return web_page_send_form(&b, r, status, M_INVITE_SUBMIT);
}

static int invite_get(struct web_req *r)
{
	struct idp_invite_info info;
	enum idp_err err = idp_invite_check(&r->tenant, r->wild[0], &r->ri, &info);

	if (err == IDP_ERR_NOT_FOUND)
		return invite_invalid(r);
	if (err == IDP_ERR_RATE)
		return too_many(r, M_INVITE_TITLE);
	if (err)
		return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	return invite_page(r, 200, &info, 0, false);
}

static int invite_post(struct web_req *r)
{
	struct idp_invite_info info;
	struct idp_login l;
	unsigned rules = 0;
	enum idp_err err;

	err =
	    idp_invite_accept(&r->tenant, r->wild[0], web_form(r, "name"), web_form(r, "password"),
	                      web_form(r, "password2"), &r->ri, live_session(r), &rules, &l);
	switch (err) {
	case IDP_OK: return web_login_done(r, &l, NULL);
	case IDP_ERR_NOT_FOUND: return invite_invalid(r);
	case IDP_ERR_RATE: return too_many(r, M_INVITE_TITLE);
	case IDP_ERR_PASSWORD:
	case IDP_ERR_INVALID:
		if (idp_invite_check(&r->tenant, r->wild[0], &r->ri, &info) != IDP_OK)
			return invite_invalid(r);
		return invite_page(r, 400, &info, rules, err == IDP_ERR_INVALID);
	default:
		return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	}
}

const struct web_route web_routes_auth[] = {
    {"GET", "/login", login_get, WEB_TENANT},
    /* A browser whose session must change its password may still sign in
     * as someone else (which ends that session). */
    {"POST", "/login", login_post, WEB_TENANT | WEB_CSRF | WEB_SLOW | WEB_FORCED_OK},
    {"POST", "/logout", logout_post, WEB_TENANT | WEB_CSRF | WEB_FORCED_OK},
    {"GET", "/invite/*", invite_get, WEB_TENANT | WEB_FORCED_OK},
    {"POST", "/invite/*", invite_post, WEB_TENANT | WEB_CSRF | WEB_SLOW | WEB_FORCED_OK},
    {NULL, NULL, NULL, 0},
};
