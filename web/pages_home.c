/*
 * The user's home page (who am I, the apps and SAML service providers my
 * role may use, my sessions, the notice a finished action sent it back
 * with), the neutral page at / (which names no tenant: the tenants of one
 * daemon do not learn of each other) and the health endpoints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "web/i18n.h"
#include "web/table.h"
#include "web/web.h"

void web_home_sessions(struct web_buf *b, const struct web_req *r)
{
	struct idp_session_row *rows = NULL;
	int n = 0;
	char t1[40], t2[40];
	const char *tz = r->tenant.policy.audit.timezone;

	if (idp_sessions_list(&r->tenant, r->session.user_id, &rows, &n) != IDP_OK)
		return;
	static const enum web_msg heads[] = {M_SESSION_STARTED, M_SESSION_LAST, M_SESSION_IP,
	                                     M_SESSION_UA, M_ADM_ACTIONS};

	web_buf_puts(b, "<section class=\"card\"><h2>");
	web_buf_esc(b, web_t(r, M_SESSIONS));
	web_buf_puts(b, "</h2>");
	web_table_open(b, r, "sessions", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++) {
		idp_time_local(rows[i].created_at, tz, t1);
		idp_time_local(rows[i].last_seen_at, tz, t2);
		web_buf_printf(b, "<tr data-session=\"%lld\">", (long long)rows[i].id);
		web_td(b, r, M_SESSION_STARTED, NULL);
		web_buf_time(b, t1);
		web_buf_puts(b, "</td>");
		web_td(b, r, M_SESSION_LAST, NULL);
		web_buf_time(b, t2);
		web_buf_puts(b, "</td>");
		web_td(b, r, M_SESSION_IP, "nowrap");
		web_buf_esc(b, rows[i].ip);
		web_buf_puts(b, "</td>");
		web_td(b, r, M_SESSION_UA, "muted");
		web_buf_esc(b, rows[i].user_agent);
		web_buf_puts(b, "</td>");
		web_td(b, r, M__COUNT, NULL);
		if (rows[i].id == r->session.id) {
			web_buf_puts(b, "<span class=\"badge\">");
			web_buf_esc(b, web_t(r, M_SESSION_THIS));
			web_buf_puts(b, "</span>");
		} else {
			web_buf_printf(b,
			               "<form method=\"post\" action=\"/t/%s/sessions/%lld/end\">",
			               r->slug, (long long)rows[i].id);
			web_page_csrf(b, r);
			web_buf_puts(b, "<button type=\"submit\" class=\"secondary\">");
			web_buf_esc(b, web_t(r, M_SESSION_END));
			web_buf_puts(b, "</button></form>");
		}
		web_buf_puts(b, "</td></tr>");
	}
	web_table_close(b, r, n, M__COUNT);
	web_buf_puts(b, "</section>");
	free(rows);
}

/* Open the apps card before its first item. */
static void apps_card_open(struct web_buf *b, const struct web_req *r, int *shown)
{
	if ((*shown)++)
		return;
	web_buf_puts(b, "<section class=\"card\" id=\"home-apps\"><h2>");
	web_buf_esc(b, web_t(r, M_HOME_APPS));
	web_buf_puts(b, "</h2><ul class=\"plain\" id=\"apps\">");
}

void web_home_apps(struct web_buf *b, const struct web_req *r)
{
	struct idp_app *rows = NULL;
	struct idp_sp *sps = NULL;
	unsigned mine = IDP_ROLESET(r->session.role), set;
	int n = 0, nsp = 0, shown = 0;
	enum idp_err err = idp_apps_list(&r->tenant, &rows, &n);

	/* The rest of the page does not depend on the apps: without them it
	 * is still the user's way to their password, factors and sessions. */
	if (err) {
		idp_warn("tenant %s: home page without its apps: %s", r->slug, idp_strerror(err));
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!(rows[i].roles & mine))
			continue;
		apps_card_open(b, r, &shown);
		web_buf_printf(b, "<li data-app=\"%lld\"><p><a href=\"", (long long)rows[i].id);
		web_buf_esc(b, rows[i].url);
		web_buf_puts(b, "\" rel=\"noopener\">");
		web_buf_esc(b, rows[i].name);
		web_buf_puts(b, "</a><br><span class=\"muted\">");
		web_buf_url(b, rows[i].url);
		web_buf_puts(b, "</span></p></li>");
	}
	free(rows);
	/* The SAML service providers the role may use, each signed in to
	 * through the identity provider's own start (IdP-initiated). */
	err = idp_sps_list(&r->tenant, &sps, &nsp);
	if (err)
		idp_warn("tenant %s: home page without its service providers: %s", r->slug,
		         idp_strerror(err));
	for (int i = 0; !err && i < nsp; i++) {
		if (!idp_roleset_parse(sps[i].roles, &set) || !(set & mine))
			continue;
		apps_card_open(b, r, &shown);
		web_buf_printf(b, "<li data-sp=\"%lld\"><p><a href=\"/t/%s/saml/init?sp=",
		               (long long)sps[i].id, r->slug);
		web_buf_urlenc(b, sps[i].entity_id); /* no character HTML escapes */
		web_buf_puts(b, "\" rel=\"noopener\">");
		web_buf_esc(b, sps[i].name);
		web_buf_puts(b, "</a><br><span class=\"muted\">");
		web_buf_url(b, sps[i].entity_id);
		web_buf_puts(b, "</span></p></li>");
	}
	if (shown)
		web_buf_puts(b, "</ul></section>");
	free(sps);
}

static int session_end_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	char to[100];
	enum idp_err err;

	if (!id)
		return web_page_message(r, 404, web_t(r, M_NOT_FOUND_TITLE), web_t(r, M_NOT_FOUND));
	err = idp_session_end_own(&r->tenant, &r->actor, id);
	if (err == IDP_ERR_NOT_FOUND)
		return web_page_message(r, 404, web_t(r, M_NOT_FOUND_TITLE), web_t(r, M_NOT_FOUND));
	if (err)
		return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	snprintf(to, sizeof to, "/t/%s/", r->slug);
	return web_redirect(r, to);
}

/* What a redirect to the home page may ask it to say (?done=FLAG): only
 * these flags are shown, so a crafted link cannot put words on the page. */
static const struct {
	const char *flag;
	enum web_msg msg;
} home_notices[] = {
    {"password", M_PASSWORD_CHANGED},
    {"mfa_removed", M_MFA_REMOVED},
    {"cert_bound", M_CERT_BOUND},
};

static void home_notice(struct web_buf *b, const struct web_req *r)
{
	const char *done = web_query(r, "done");

	if (!done)
		return;
	for (size_t i = 0; i < sizeof home_notices / sizeof home_notices[0]; i++) {
		if (strcmp(done, home_notices[i].flag) != 0)
			continue;
		web_buf_puts(b, "<p class=\"notice\" role=\"status\" id=\"notice\">");
		web_buf_esc(b, web_t(r, home_notices[i].msg));
		web_buf_puts(b, "</p>");
		return;
	}
}

static int home_get(struct web_req *r)
{
	struct web_buf b;
	const struct idp_session *s = &r->session;
	int ret;

	web_buf_init(&b, 256 * 1024);
	web_page_begin(&b, r, web_t(r, M_HOME_TITLE));
	web_buf_puts(&b, "<section class=\"card\"><h1>");
	web_buf_esc(&b, web_t(r, M_HOME_TITLE));
	web_buf_puts(&b, "</h1>");
	home_notice(&b, r);
	web_buf_puts(&b, "<p>");
	web_buf_esc(&b, web_t(r, M_WELCOME));
	web_buf_puts(&b, " <strong id=\"user-name\">");
	web_buf_esc(&b, s->name);
	web_buf_puts(&b, "</strong> &lt;<span id=\"user-email\">");
	web_buf_esc(&b, s->email);
	web_buf_puts(&b, "</span>&gt;</p><p>");
	web_buf_esc(&b, web_t(r, M_ROLE));
	web_buf_puts(&b, ": <span id=\"user-role\">");
	web_buf_esc(&b, web_t(r, s->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER));
	web_buf_printf(&b, "</span></p><p><a href=\"/t/%s/password\">", r->slug);
	web_buf_esc(&b, web_t(r, M_CHANGE_PASSWORD));
	web_buf_puts(&b, "</a></p></section>");
	web_home_apps(&b, r);
	web_home_mfa(&b, r);
	web_home_certs(&b, r);
	web_home_sessions(&b, r);
	web_page_end(&b, r);
	ret = web_respond_buf(r, 200, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

/* GET /: no tenant, so nothing to sign in to here; the visitor is pointed
 * to their organisation's link, never shown a list of tenants. */
static int root_get(struct web_req *r)
{
	return web_page_message(r, 200, web_t(r, M_ROOT_TITLE), web_t(r, M_ROOT_TEXT));
}

static int healthz(struct web_req *r)
{
	return web_respond(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

static int readyz(struct web_req *r)
{
	if (!idp_ready())
		return web_respond(r, 503, "text/plain; charset=utf-8", "database unavailable\n",
		                   21);
	return web_respond(r, 200, "text/plain; charset=utf-8", "ready\n", 6);
}

const struct web_route web_routes_home[] = {
    {"GET", "/", home_get, WEB_TENANT | WEB_SESSION},
    {"POST", "/sessions/*/end", session_end_post, WEB_TENANT | WEB_SESSION | WEB_CSRF},
    {"GET", "/", root_get, 0},
    {"GET", "/healthz", healthz, 0},
    {"GET", "/readyz", readyz, 0},
    {NULL, NULL, NULL, 0},
};
