/*
 * Two-step verification pages: how a login goes on after its password
 * (web_login_done: a session cookie when it is finished, else the pending
 * login's own cookie and the next step's page), the code page of a sign-in
 * (/login/mfa), enrolment of an authenticator app (/mfa/totp, both during a
 * sign-in that must enrol and for a signed-in user), recovery codes shown
 * once, and turning TOTP off.  The pending login's cookie is read here
 * only: no other page treats it as signed in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/i18n.h"
#include "web/web.h"

#define FLOW_COOKIE_MAX 80

static void flow_cookie_name(const char *slug, char out[FLOW_COOKIE_MAX])
{
	snprintf(out, FLOW_COOKIE_MAX, "sekisho_f_%s", slug);
}

/* The pending login's cookie value, when well formed. */
static const char *flow_token(const struct web_req *r)
{
	char name[FLOW_COOKIE_MAX];
	const char *v;

	flow_cookie_name(r->slug, name);
	v = web_cookie(r, name);
	return v && idp_token_syntax_ok(v) ? v : NULL;
}

/* Where a finished login goes: its continuation when safe, else home. */
static void continuation(const struct web_req *r, const char *want, char out[2100])
{
	if (want && *want && idp_redirect_safe(want))
		snprintf(out, 2100, "%s", want);
	else
		snprintf(out, 2100, "/t/%s/", r->slug);
}

int web_login_done(struct web_req *r, const struct idp_login *l, const char *rd)
{
	char cname[80], to[2100];

	flow_cookie_name(r->slug, cname);
	if (l->step != IDP_STEP_DONE) {
		web_add_cookie(r, cname, l->flow_token, false);
		snprintf(to, sizeof to, "/t/%s/%s", r->slug,
		         l->step == IDP_STEP_ENROLL ? "mfa/totp" : "login/mfa");
		return web_redirect(r, to);
	}
	web_add_cookie(r, cname, "", true);
	web_session_cookie_name(r->slug, cname);
	web_add_cookie(r, cname, l->token, false);
	continuation(r, l->continuation[0] ? l->continuation : rd, to);
	if (l->must_change_password) {
		struct web_buf b;
		int ret;
		web_buf_init(&b, 4200);
		web_buf_printf(&b, "/t/%s/password?rd=", r->slug);
		web_buf_urlenc(&b, to);
		ret = web_redirect(r, b.data);
		web_buf_free(&b);
		return ret;
	}
	return web_redirect(r, to);
}

static int unavailable(struct web_req *r)
{
	return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE), web_t(r, M_UNAVAILABLE));
}

/* A pending login that is gone: back to the sign-in page, cookie cleared. */
static int flow_gone(struct web_req *r)
{
	char cname[FLOW_COOKIE_MAX], to[100];

	flow_cookie_name(r->slug, cname);
	web_add_cookie(r, cname, "", true);
	snprintf(to, sizeof to, "/t/%s/login", r->slug);
	return web_redirect(r, to);
}

static void card_open(struct web_buf *b, const struct web_req *r, enum web_msg title)
{
	web_page_begin(b, r, web_t(r, title));
	web_buf_puts(b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(b, web_t(r, title));
	web_buf_puts(b, "</h1>");
}

static void para(struct web_buf *b, const char *cls, const char *id, const char *text)
{
	web_buf_printf(b, "<p class=\"%s\" id=\"%s\"%s>", cls, id,
	               strcmp(cls, "error") == 0 ? " role=\"alert\"" : "");
	web_buf_esc(b, text);
	web_buf_puts(b, "</p>");
}

/* The code input of a form. */
static void code_field(struct web_buf *b, const struct web_req *r, enum web_msg label,
                       bool recovery_too)
{
	web_buf_puts(b, "<label for=\"code\">");
	web_buf_esc(b, web_t(r, label));
	web_buf_printf(b,
	               "</label><input type=\"text\" id=\"code\" name=\"code\" required "
	               "autocomplete=\"one-time-code\" maxlength=\"32\" spellcheck=\"false\"%s>",
	               recovery_too ? "" : " inputmode=\"numeric\" pattern=\"[0-9]{6}\"");
}

static int send_page(struct web_req *r, unsigned status, struct web_buf *b)
{
	int ret;

	web_page_end(b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", b);
	web_buf_free(b);
	return ret;
}

/* ---- the code step of a sign-in ---- */

static int code_page(struct web_req *r, unsigned status, const struct idp_flow *f, bool wrong)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	card_open(&b, r, M_MFA_TITLE);
	if (wrong)
		para(&b, "error", "error", web_t(r, M_MFA_WRONG));
	web_buf_puts(&b, "<p>");
	web_buf_subst(&b, web_t(r, M_MFA_CODE_INTRO), web_buf_email, f ? f->email : "");
	web_buf_printf(&b, "</p><form method=\"post\" action=\"/t/%s/login/mfa\">", r->slug);
	web_page_csrf(&b, r);
	code_field(&b, r, M_MFA_CODE, true);
	return web_page_send_form(&b, r, status, M_MFA_VERIFY);
}

static int login_mfa_get(struct web_req *r)
{
	struct idp_flow f;
	enum idp_err err = idp_flow_get(&r->tenant, flow_token(r), &f);

	if (err == IDP_ERR_AUTH || (!err && f.step != IDP_STEP_TOTP))
		return flow_gone(r);
	if (err)
		return unavailable(r);
	return code_page(r, 200, &f, false);
}

static const struct idp_session *live_session(const struct web_req *r)
{
	return r->have_session ? &r->session : NULL;
}

static int login_mfa_post(struct web_req *r)
{
	struct idp_login l;
	struct idp_flow f;
	const char *code = web_form(r, "code");
	enum idp_err err = idp_login_code(&r->tenant, flow_token(r), code ? code : "", &r->ri,
	                                  live_session(r), &l);

	switch (err) {
	case IDP_OK: return web_login_done(r, &l, NULL);
	case IDP_ERR_AUTH:
		/* The same answer whether the code was wrong, the account locked
		 * or the sign-in over. */
		if (idp_flow_get(&r->tenant, flow_token(r), &f) != IDP_OK)
			memset(&f, 0, sizeof f);
		return code_page(r, 401, f.email[0] ? &f : NULL, true);
	case IDP_ERR_RATE:
		return web_page_message(r, 429, web_t(r, M_MFA_TITLE), web_t(r, M_LOGIN_RATE));
	case IDP_ERR_CONFLICT:
		return web_page_message(r, 409, web_t(r, M_MFA_TITLE),
		                        web_t(r, M_LOGIN_CONCURRENT));
	default: return unavailable(r);
	}
}

/* ---- enrolment ---- */

/* Who enrols: the signed-in user, or the user of a pending login that must
 * enrol.  false when neither. */
static bool enrolling_user(struct web_req *r, int64_t *user_id, char email[IDP_EMAIL_MAX + 1],
                           bool *pending, enum idp_err *err)
{
	struct idp_flow f;

	*pending = false;
	*err = IDP_OK;
	if (r->have_session) {
		*user_id = r->session.user_id;
		snprintf(email, IDP_EMAIL_MAX + 1, "%s", r->session.email);
		return true;
	}
	*err = idp_flow_get(&r->tenant, flow_token(r), &f);
	if (*err || f.step != IDP_STEP_ENROLL) {
		if (*err == IDP_OK)
			*err = IDP_ERR_AUTH;
		return false;
	}
	*user_id = f.user_id;
	snprintf(email, IDP_EMAIL_MAX + 1, "%s", f.email);
	*pending = true;
	return true;
}

static int enrol_page(struct web_req *r, unsigned status, bool pending, bool wrong,
                      const struct idp_totp_offer *o)
{
	struct web_buf b;

	web_buf_init(&b, 256 * 1024);
	b.secret = true; /* the page holds the secret */
	card_open(&b, r, M_MFA_SETUP_TITLE);
	if (pending)
		para(&b, "notice", "mfa-required", web_t(r, M_MFA_SETUP_REQUIRED));
	if (wrong)
		para(&b, "error", "error", web_t(r, M_MFA_WRONG));
	para(&b, "hint", "step1", web_t(r, M_MFA_SETUP_STEP1));
	web_buf_puts(&b, "<div class=\"qr\" id=\"qr\">");
	web_buf_puts(&b, o->qr_svg);
	web_buf_puts(&b, "</div><label for=\"secret\">");
	web_buf_esc(&b, web_t(r, M_MFA_SECRET));
	web_buf_puts(&b, "</label><input type=\"text\" id=\"secret\" readonly spellcheck=\"false\" "
	                 "value=\"");
	web_buf_esc(&b, o->secret_b32);
	web_buf_puts(&b, "\"><p><a id=\"otpauth\" href=\"");
	web_buf_esc(&b, o->uri);
	web_buf_puts(&b, "\">");
	web_buf_esc(&b, web_t(r, M_MFA_OPEN_APP));
	web_buf_puts(&b, "</a></p>");
	para(&b, "hint", "step2", web_t(r, M_MFA_SETUP_STEP2));
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/mfa/totp\">", r->slug);
	web_page_csrf(&b, r);
	code_field(&b, r, M_MFA_CODE_APP, false);
	return web_page_send_form(&b, r, status, M_MFA_CONFIRM);
}

static int enrol_render(struct web_req *r, unsigned status, bool wrong, bool fresh)
{
	struct idp_totp_offer o;
	char email[IDP_EMAIL_MAX + 1];
	int64_t user_id = 0;
	bool pending;
	enum idp_err err;
	int ret;

	if (!enrolling_user(r, &user_id, email, &pending, &err))
		return err == IDP_ERR_AUTH ? flow_gone(r) : unavailable(r);
	err = idp_totp_offer(&r->tenant, user_id, email, fresh, &o);
	if (err)
		return unavailable(r);
	ret = enrol_page(r, status, pending, wrong, &o);
	idp_totp_offer_free(&o);
	return ret;
}

static int totp_get(struct web_req *r)
{
	struct idp_mfa_state st;
	char home[100];

	/* A signed-in user who already has TOTP keeps it: setting up another
	 * app means turning this one off first (with one of its codes). */
	if (r->have_session && idp_mfa_state(&r->tenant, r->session.user_id, &st) == IDP_OK &&
	    st.totp) {
		snprintf(home, sizeof home, "/t/%s/", r->slug);
		return web_redirect(r, home);
	}
	return enrol_render(r, 200, false, false);
}

/* The recovery codes, once, with the way on. */
static int codes_page(struct web_req *r, enum web_msg title, const struct idp_recovery_codes *c,
                      const char *next)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	b.secret = true;
	card_open(&b, r, title);
	para(&b, "notice", "notice", web_t(r, M_MFA_ENABLED));
	para(&b, "hint", "codes-intro", web_t(r, M_MFA_CODES_INTRO));
	web_buf_puts(&b, "<ul class=\"codes\" id=\"recovery-codes\">");
	for (int i = 0; i < MFA_RECOVERY_COUNT; i++) {
		web_buf_puts(&b, "<li><code>");
		web_buf_esc(&b, c->code[i]);
		web_buf_puts(&b, "</code></li>");
	}
	web_buf_puts(&b, "</ul><div class=\"actions\"><a class=\"button\" id=\"continue\" href=\"");
	web_buf_esc(&b, next);
	web_buf_puts(&b, "\">");
	web_buf_esc(&b, web_t(r, M_MFA_CONTINUE));
	web_buf_puts(&b, "</a></div></section>");
	return send_page(r, 200, &b);
}

static int totp_post(struct web_req *r)
{
	struct idp_recovery_codes codes;
	struct idp_login l;
	const char *code = web_form(r, "code");
	char home[100], to[2100], cname[80];
	enum idp_err err;
	int ret;

	snprintf(home, sizeof home, "/t/%s/", r->slug);
	if (r->have_session) {
		err = idp_totp_confirm(&r->tenant, &r->actor, code ? code : "", &codes);
		if (err == IDP_ERR_AUTH || err == IDP_ERR_NOT_FOUND)
			return enrol_render(r, 400, true, false);
		if (err)
			return unavailable(r);
		ret = codes_page(r, M_MFA_CODES_TITLE, &codes, home);
		idp_wipe(&codes, sizeof codes);
		return ret;
	}
	err =
	    idp_login_enroll(&r->tenant, flow_token(r), code ? code : "", &r->ri, NULL, &l, &codes);
	if (err == IDP_ERR_AUTH) {
		struct idp_flow f;
		if (idp_flow_get(&r->tenant, flow_token(r), &f) != IDP_OK)
			return flow_gone(r);
		return enrol_render(r, 400, true, false);
	}
	if (err == IDP_ERR_RATE)
		return web_page_message(r, 429, web_t(r, M_MFA_TITLE), web_t(r, M_LOGIN_RATE));
	if (err == IDP_ERR_CONFLICT)
		return web_page_message(r, 409, web_t(r, M_MFA_TITLE),
		                        web_t(r, M_LOGIN_CONCURRENT));
	if (err)
		return unavailable(r);
	/* Signed in now: the session cookie goes with the page that shows the
	 * codes once; Continue leads where the sign-in was going. */
	flow_cookie_name(r->slug, cname);
	web_add_cookie(r, cname, "", true);
	web_session_cookie_name(r->slug, cname);
	web_add_cookie(r, cname, l.token, false);
	continuation(r, l.continuation, to);
	ret = codes_page(r, M_MFA_CODES_TITLE, &codes, to);
	idp_wipe(&codes, sizeof codes);
	return ret;
}

/* ---- a signed-in user's own settings ---- */

static int recovery_post(struct web_req *r)
{
	struct idp_recovery_codes codes;
	char home[100];
	enum idp_err err = idp_recovery_regenerate(&r->tenant, &r->actor, &codes);
	int ret;

	snprintf(home, sizeof home, "/t/%s/", r->slug);
	if (err == IDP_ERR_NOT_FOUND)
		return web_redirect(r, home);
	if (err)
		return unavailable(r);
	ret = codes_page(r, M_MFA_CODES_TITLE, &codes, home);
	idp_wipe(&codes, sizeof codes);
	return ret;
}

static int totp_delete_post(struct web_req *r)
{
	const char *code = web_form(r, "code");
	char to[120];
	enum idp_err err =
	    idp_totp_remove(&r->tenant, &r->actor, r->session.role, code ? code : "");

	switch (err) {
	case IDP_OK:
		snprintf(to, sizeof to, "/t/%s/?done=mfa_removed", r->slug);
		return web_redirect(r, to);
	case IDP_ERR_NOT_FOUND:
		snprintf(to, sizeof to, "/t/%s/", r->slug);
		return web_redirect(r, to);
	case IDP_ERR_CONFLICT:
		return web_page_message(r, 409, web_t(r, M_MFA_TITLE),
		                        web_t(r, M_MFA_REMOVE_REFUSED));
	case IDP_ERR_AUTH:
		return web_page_message(r, 400, web_t(r, M_MFA_TITLE), web_t(r, M_MFA_WRONG));
	default: return unavailable(r);
	}
}

/* The home page's card: state, recovery codes left, the actions. */
void web_home_mfa(struct web_buf *b, const struct web_req *r)
{
	struct idp_mfa_state s;
	char when[40], left[24];

	if (idp_mfa_state(&r->tenant, r->session.user_id, &s) != IDP_OK)
		return;
	web_buf_puts(b, "<section class=\"card\" id=\"mfa\"><h2>");
	web_buf_esc(b, web_t(r, M_MFA_HOME_TITLE));
	web_buf_puts(b, "</h2><p id=\"mfa-state\">");
	if (!s.totp) {
		web_buf_esc(b, web_t(r, M_MFA_HOME_OFF));
		web_buf_printf(b,
		               "</p><div class=\"actions\"><a class=\"button\" id=\"mfa-setup\" "
		               "href=\"/t/%s/mfa/totp\">",
		               r->slug);
		web_buf_esc(b, web_t(r, M_MFA_SET_UP));
		web_buf_puts(b, "</a></div></section>");
		return;
	}
	idp_time_local(s.enrolled_at, r->tenant.policy.audit.timezone, when);
	web_buf_subst(b, web_t(r, M_MFA_HOME_ON), web_buf_time, when);
	snprintf(left, sizeof left, "%ld", s.recovery_left);
	web_buf_puts(b, "</p><p id=\"recovery-left\">");
	web_buf_subst(b, web_t(r, M_MFA_HOME_LEFT), web_buf_esc, left);
	web_buf_printf(b,
	               "</p><div class=\"actions\"><form method=\"post\" "
	               "action=\"/t/%s/mfa/recovery\">",
	               r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<button type=\"submit\" class=\"secondary\" id=\"mfa-new-codes\">");
	web_buf_esc(b, web_t(r, M_MFA_NEW_CODES));
	web_buf_puts(b, "</button></form></div>");
	if (!idp_mfa_required(&r->tenant.policy, r->session.role)) {
		web_buf_printf(b,
		               "<form method=\"post\" action=\"/t/%s/mfa/totp/delete\" "
		               "class=\"search\" id=\"mfa-remove\"><div>",
		               r->slug);
		web_page_csrf(b, r);
		web_buf_puts(b, "<label for=\"remove-code\">");
		web_buf_esc(b, web_t(r, M_MFA_REMOVE_CODE));
		web_buf_puts(b, "</label><input type=\"text\" id=\"remove-code\" name=\"code\" "
		                "required autocomplete=\"one-time-code\" inputmode=\"numeric\" "
		                "maxlength=\"6\"></div><button type=\"submit\" class=\"danger\">");
		web_buf_esc(b, web_t(r, M_MFA_REMOVE));
		web_buf_puts(b, "</button></form>");
	}
	web_buf_puts(b, "</section>");
}

const struct web_route web_routes_mfa[] = {
    {"GET", "/login/mfa", login_mfa_get, WEB_TENANT},
    {"POST", "/login/mfa", login_mfa_post, WEB_TENANT | WEB_CSRF | WEB_FORCED_OK},
    {"GET", "/mfa/totp", totp_get, WEB_TENANT},
    {"POST", "/mfa/totp", totp_post, WEB_TENANT | WEB_CSRF},
    {"POST", "/mfa/recovery", recovery_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    {"POST", "/mfa/totp/delete", totp_delete_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    {NULL, NULL, NULL, 0},
};
