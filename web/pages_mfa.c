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
	web_flow_cookie_name(slug, out);
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
static void continuation(const struct web_req *r, const char *want, char out[IDP_URL_MAX + 1])
{
	if (!web_rd_target(r, want, out))
		snprintf(out, IDP_URL_MAX + 1, "/t/%s/", r->slug);
}

int web_login_done(struct web_req *r, const struct idp_login *l, const char *rd)
{
	char cname[80], to[IDP_URL_MAX + 1];

	flow_cookie_name(r->slug, cname);
	if (l->step != IDP_STEP_DONE) {
		web_add_cookie(r, cname, l->flow_token, false);
		snprintf(to, sizeof to, "/t/%s/%s", r->slug,
		         l->step == IDP_STEP_ENROLL     ? "mfa/totp"
		         : l->step == IDP_STEP_PASSWORD ? "login/password"
		                                        : "login/mfa");
		return web_redirect(r, to);
	}
	web_add_cookie(r, cname, "", true);
	web_set_session_cookie(r, l->token, false);
	continuation(r, l->continuation[0] ? l->continuation : rd, to);
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

/* The code page says nothing of the account: the answer to a wrong code is
 * the same before and after the code that locked it. */
static int code_page(struct web_req *r, unsigned status, bool wrong)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	card_open(&b, r, M_MFA_TITLE);
	if (wrong)
		para(&b, "error", "error", web_t(r, M_MFA_WRONG));
	web_buf_puts(&b, "<p>");
	web_buf_esc(&b, web_t(r, M_MFA_CODE_INTRO));
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
	return code_page(r, 200, false);
}

static const struct idp_session *live_session(const struct web_req *r)
{
	return r->have_session ? &r->session : NULL;
}

static int login_mfa_post(struct web_req *r)
{
	struct idp_login l;
	const char *code = web_form(r, "code");
	enum idp_err err = idp_login_code(&r->tenant, flow_token(r), code ? code : "", &r->ri,
	                                  live_session(r), &l);

	switch (err) {
	case IDP_OK: return web_login_done(r, &l, NULL);
	case IDP_ERR_AUTH:
		/* The same answer whether the code was wrong, the account locked
		 * or the sign-in over. */
		return code_page(r, 401, true);
	case IDP_ERR_RATE:
		return web_page_message(r, 429, web_t(r, M_MFA_TITLE), web_t(r, M_LOGIN_RATE));
	case IDP_ERR_CONFLICT:
		return web_page_message(r, 409, web_t(r, M_MFA_TITLE),
		                        web_t(r, M_LOGIN_CONCURRENT));
	default: return unavailable(r);
	}
}

/* ---- a forced password change as a step of the sign-in ---- */

static int newpw_page(struct web_req *r, unsigned status, unsigned rules, enum web_msg error)
{
	struct web_buf b;

	web_buf_init(&b, 64 * 1024);
	card_open(&b, r, M_CHANGE_PASSWORD);
	para(&b, "notice", "notice", web_t(r, M_PASSWORD_FORCED));
	if (error != M__COUNT)
		para(&b, "error", "error", web_t(r, error));
	if (rules)
		web_password_rules(&b, r, rules);
	web_buf_printf(&b, "<form method=\"post\" action=\"/t/%s/login/password\">", r->slug);
	web_page_csrf(&b, r);
	web_field(&b, r, "password", "password", M_NEW_PASSWORD, NULL, "new-password");
	web_password_policy(&b, r, rules, true);
	web_field(&b, r, "password2", "password", M_PASSWORD2, NULL, "new-password");
	return web_page_send_form(&b, r, status, M_SAVE);
}

static int login_password_get(struct web_req *r)
{
	struct idp_flow f;
	enum idp_err err = idp_flow_get(&r->tenant, flow_token(r), &f);

	if (err == IDP_ERR_AUTH || (!err && f.step != IDP_STEP_PASSWORD))
		return flow_gone(r);
	if (err)
		return unavailable(r);
	return newpw_page(r, 200, 0, M__COUNT);
}

static int login_password_post(struct web_req *r)
{
	struct idp_login l;
	unsigned rules = 0;
	enum idp_err err =
	    idp_login_new_password(&r->tenant, flow_token(r), web_form(r, "password"),
	                           web_form(r, "password2"), &r->ri, live_session(r), &l, &rules);

	switch (err) {
	case IDP_OK:
		/* Home says the password was changed, unless the sign-in was
		 * going somewhere else. */
		if (l.step == IDP_STEP_DONE && !l.continuation[0])
			snprintf(l.continuation, sizeof l.continuation, "/t/%s/?done=password",
			         r->slug);
		return web_login_done(r, &l, NULL);
	case IDP_ERR_AUTH: return flow_gone(r);
	case IDP_ERR_PASSWORD: return newpw_page(r, 400, rules, M__COUNT);
	case IDP_ERR_CONFLICT: return newpw_page(r, 409, 0, M_PW_CHANGED_MEANWHILE);
	case IDP_ERR_RATE:
		return web_page_message(r, 429, web_t(r, M_MFA_TITLE), web_t(r, M_LOGIN_RATE));
	default: return unavailable(r);
	}
}

/* ---- enrolment ---- */

/* Who enrols: the signed-in user, or the user of a pending login that must
 * enrol.  false when neither. */
static bool enrolling_user(struct web_req *r, int64_t *user_id, char email[IDP_EMAIL_MAX + 1],
                           bool *pending, unsigned char owner[IDP_SHA256_LEN], enum idp_err *err)
{
	struct idp_flow f;

	*pending = false;
	/* A pending login that must enrol comes first: the browser may still
	 * hold the session of whoever used it before (it ends when this login
	 * finishes). */
	*err = flow_token(r) ? idp_flow_get(&r->tenant, flow_token(r), &f) : IDP_ERR_AUTH;
	if (!*err && f.step == IDP_STEP_ENROLL) {
		*user_id = f.user_id;
		snprintf(email, IDP_EMAIL_MAX + 1, "%s", f.email);
		*pending = true;
		/* The candidate belongs to this pending login only. */
		idp_sha256(flow_token(r), strlen(flow_token(r)), owner);
		return true;
	}
	if (*err != IDP_OK && *err != IDP_ERR_AUTH)
		return false;
	*err = IDP_OK;
	if (r->have_session) {
		*user_id = r->session.user_id;
		snprintf(email, IDP_EMAIL_MAX + 1, "%s", r->session.email);
		memcpy(owner, r->session.token_hash, IDP_SHA256_LEN);
		return true;
	}
	*err = IDP_ERR_AUTH;
	return false;
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

static int enrol_render(struct web_req *r, unsigned status, bool wrong)
{
	struct idp_totp_offer o;
	struct idp_flow f;
	unsigned char owner[IDP_SHA256_LEN];
	char email[IDP_EMAIL_MAX + 1], to[100];
	int64_t user_id = 0;
	bool pending;
	enum idp_err err;
	int ret;

	if (!enrolling_user(r, &user_id, email, &pending, owner, &err)) {
		/* A pending login at another step goes on there. */
		if (err == IDP_ERR_AUTH && flow_token(r) &&
		    idp_flow_get(&r->tenant, flow_token(r), &f) == IDP_OK) {
			snprintf(to, sizeof to, "/t/%s/%s", r->slug,
			         f.step == IDP_STEP_PASSWORD ? "login/password" : "login/mfa");
			return web_redirect(r, to);
		}
		return err == IDP_ERR_AUTH ? flow_gone(r) : unavailable(r);
	}
	err = idp_totp_offer(&r->tenant, user_id, email, owner, &o);
	if (err == IDP_ERR_CONFLICT) { /* TOTP is on already: nothing to set up */
		char home[100];
		snprintf(home, sizeof home, "/t/%s/", r->slug);
		return web_redirect(r, home);
	}
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
	return enrol_render(r, 200, false);
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
	char home[100], to[IDP_URL_MAX + 1], cname[80];
	enum idp_err err;
	int ret;

	struct idp_flow f;
	bool pending = flow_token(r) && idp_flow_get(&r->tenant, flow_token(r), &f) == IDP_OK &&
	               f.step == IDP_STEP_ENROLL;

	snprintf(home, sizeof home, "/t/%s/", r->slug);
	if (!pending && r->have_session) {
		err = idp_totp_confirm(&r->tenant, &r->actor, r->session.token_hash,
		                       code ? code : "", &codes);
		if (err == IDP_ERR_CONFLICT)
			return web_redirect(r, home);
		if (err == IDP_ERR_AUTH || err == IDP_ERR_NOT_FOUND)
			return enrol_render(r, 400, true);
		if (err)
			return unavailable(r);
		ret = codes_page(r, M_MFA_CODES_TITLE, &codes, home);
		idp_wipe(&codes, sizeof codes);
		return ret;
	}
	err = idp_login_enroll(&r->tenant, flow_token(r), code ? code : "", &r->ri,
	                       r->have_session ? &r->session : NULL, &l, &codes);
	if (err == IDP_ERR_AUTH) {
		if (idp_flow_get(&r->tenant, flow_token(r), &f) != IDP_OK)
			return flow_gone(r);
		return enrol_render(r, 400, true);
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
	web_set_session_cookie(r, l.token, false);
	continuation(r, l.continuation, to);
	ret = codes_page(r, M_MFA_CODES_TITLE, &codes, to);
	idp_wipe(&codes, sizeof codes);
	return ret;
}

/* ---- a signed-in user's own settings ---- */

static int recovery_post(struct web_req *r)
{
	struct idp_recovery_codes codes;
	const char *code = web_form(r, "code");
	char home[100];
	enum idp_err err = idp_recovery_regenerate(&r->tenant, &r->actor, code ? code : "", &codes);
	int ret;

	snprintf(home, sizeof home, "/t/%s/", r->slug);
	if (err == IDP_ERR_NOT_FOUND)
		return web_redirect(r, home);
	if (err == IDP_ERR_AUTH)
		return web_page_message(r, 400, web_t(r, M_MFA_TITLE), web_t(r, M_MFA_WRONG));
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
	web_buf_puts(b, "<div class=\"search\"><div><label for=\"new-codes-code\">");
	web_buf_esc(b, web_t(r, M_MFA_CODE_APP));
	web_buf_puts(b,
	             "</label><input type=\"text\" id=\"new-codes-code\" name=\"code\" required "
	             "autocomplete=\"one-time-code\" inputmode=\"numeric\" maxlength=\"6\"></div>"
	             "<button type=\"submit\" class=\"secondary\" id=\"mfa-new-codes\">");
	web_buf_esc(b, web_t(r, M_MFA_NEW_CODES));
	web_buf_puts(b, "</button></div></form></div>");
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

/* ---- client certificates on the home page ---- */

/* The certificates bound to the signed-in user, and "use this browser's
 * certificate" when the request presents a valid one not bound yet. */
void web_home_certs(struct web_buf *b, const struct web_req *r)
{
	struct idp_user_cert *rows = NULL;
	bool bound = false;
	int n = 0;

	if (r->tenant.policy.mfa.client_cert == IDP_CERT_OFF ||
	    idp_user_certs_list(&r->tenant, r->session.email, &rows, &n) != IDP_OK)
		return;
	web_buf_puts(b, "<section class=\"card\" id=\"certs\"><h2>");
	web_buf_esc(b, web_t(r, M_CERT_HOME_TITLE));
	web_buf_puts(b, "</h2><ul id=\"bound-certs\">");
	for (int i = 0; i < n; i++) {
		web_buf_puts(b, "<li><span class=\"nowrap\">");
		web_buf_esc(b, rows[i].subject);
		web_buf_puts(b, "</span> <code class=\"muted\">");
		web_buf_add(b, rows[i].sha256, 16);
		web_buf_puts(b, "…</code></li>");
		bound |= r->ri.cert_valid && strcmp(rows[i].sha256, r->ri.cert_sha256_hex) == 0;
	}
	web_buf_puts(b, "</ul>");
	if (!n) {
		web_buf_puts(b, "<p class=\"muted\">");
		web_buf_esc(b, web_t(r, M_CERT_NONE));
		web_buf_puts(b, "</p>");
	}
	if (r->ri.cert_valid && !bound) {
		web_buf_printf(b, "<form method=\"post\" action=\"/t/%s/mfa/cert\">", r->slug);
		web_page_csrf(b, r);
		web_buf_puts(b, "<p>");
		web_buf_esc(b, web_t(r, M_CERT_THIS));
		web_buf_puts(b, " <code>");
		web_buf_esc(b, r->ri.cert_subject);
		web_buf_puts(b, "</code></p><button type=\"submit\" id=\"cert-bind\">");
		web_buf_esc(b, web_t(r, M_CERT_USE));
		web_buf_puts(b, "</button></form>");
	}
	web_buf_puts(b, "</section>");
	free(rows);
}

static int cert_bind_post(struct web_req *r)
{
	char to[120];
	enum idp_err err = idp_user_cert_bind_own(&r->tenant, &r->actor, &r->ri);

	if (err == IDP_ERR_INVALID)
		return web_page_message(r, 400, web_t(r, M_CERT_HOME_TITLE),
		                        web_t(r, M_CERT_NO_VALID));
	if (err == IDP_ERR_CONFLICT)
		return web_page_message(r, 409, web_t(r, M_CERT_HOME_TITLE),
		                        web_t(r, M_CERT_TAKEN));
	if (err)
		return unavailable(r);
	snprintf(to, sizeof to, "/t/%s/?done=cert_bound", r->slug);
	return web_redirect(r, to);
}

const struct web_route web_routes_mfa[] = {
    {"POST", "/mfa/cert", cert_bind_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    /* A pending login's pages: reachable whatever an older session of the
     * browser must do first (the new login replaces it). */
    {"GET", "/login/password", login_password_get, WEB_TENANT | WEB_FLOW | WEB_FORCED_OK},
    {"POST", "/login/password", login_password_post,
     WEB_TENANT | WEB_FLOW | WEB_CSRF | WEB_FORCED_OK | WEB_SLOW},
    {"GET", "/login/mfa", login_mfa_get, WEB_TENANT | WEB_FLOW | WEB_FORCED_OK},
    /* Not WEB_FLOW: a code sent for a pending login that has ended (by
     * the lock its wrong codes caused, say) gets the very answer a wrong
     * code gets, from idp_login_code, which checks the pending login itself. */
    {"POST", "/login/mfa", login_mfa_post, WEB_TENANT | WEB_CSRF | WEB_FORCED_OK},
    {"GET", "/mfa/totp", totp_get, WEB_TENANT | WEB_FLOW | WEB_SESSION | WEB_FORCED_OK},
    {"POST", "/mfa/totp", totp_post,
     WEB_TENANT | WEB_FLOW | WEB_SESSION | WEB_CSRF | WEB_FORCED_OK},
    {"POST", "/mfa/recovery", recovery_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    {"POST", "/mfa/totp/delete", totp_delete_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    {NULL, NULL, NULL, 0},
};
