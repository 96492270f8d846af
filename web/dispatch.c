/*
 * The dispatcher: one place that, before any handler runs, refuses what is
 * too large or malformed, serves the stylesheet, finds the route, and runs
 * the stages every request passes, each a function of its own:
 *   1. the tenant (stage_tenant): /t/{slug}, or the gateway's header;
 *   2. the tenant's gate (stage_gate): its allow list and client
 *      certificate requirement, before any credential is looked at;
 *   3. who asks (stage_authenticate): session cookie, API token, pending
 *      login;
 *   4. whether they may (stage_authorize): the administrators' allow list,
 *      the level the route needs (session, administrator), the forced
 *      password change;
 *   5. CSRF (stage_csrf) for state changes;
 * then hands slow (Argon2id) routes to the hashing workers.  The gateway
 * (web/gateway.c) shares stage 1, the certificate check and the cookie
 * reading, and decides the rest from memory.
 * The client address is X-Forwarded-For only from trusted proxies.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "idp/log.h"
#include "idp/saml.h"
#include "web/i18n.h"
#include "web/server.h"
#include "web/web.h"

void web_csrf_prepare(struct web_req *r)
{
	const char *pre;

	if (r->have_session) {
		idp_csrf_token(r->session_token, r->csrf);
		return;
	}
	pre = web_cookie(r, "sekisho_csrf");
	if (pre && idp_token_syntax_ok(pre)) {
		snprintf(r->pre_cookie, sizeof r->pre_cookie, "%s", pre);
	} else if (idp_token_new(r->pre_cookie) == IDP_OK) {
		r->set_pre_cookie = true;
	}
	idp_csrf_token(r->pre_cookie, r->csrf);
}

struct xff {
	char buf[2048];
	size_t len;
	bool overflow;
};

static enum MHD_Result xff_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
	struct xff *x = cls;
	size_t n;

	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") != 0 || !value)
		return MHD_YES;
	n = strlen(value);
	if (x->len + n + 2 >= sizeof x->buf) {
		/* Too long to trust any of it: fall back to the socket peer. */
		x->overflow = true;
		return MHD_NO;
	}
	if (x->len) {
		x->buf[x->len++] = ',';
	}
	memcpy(x->buf + x->len, value, n);
	x->len += n;
	return MHD_YES;
}

void web_fill_reqinfo(struct web_req *r, const struct idp_config *cfg)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct idp_addr peer;
	const char *ua;
	size_t j = 0;

	memset(&peer, 0, sizeof peer);
	if (ci && ci->client_addr) {
		char text[INET6_ADDRSTRLEN] = "";
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text,
			          sizeof text);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text,
			          sizeof text);
		if (idp_addr_parse(text, &peer) != IDP_OK)
			idp_addr_parse("::", &peer);
	}
	/* Every X-Forwarded-For line, in order: a proxy that appends its own
	 * line must not leave the client's forged first line in charge. */
	struct xff xf = {.len = 0, .overflow = false};
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, xff_cb, &xf);
	xf.buf[xf.len] = 0;
	r->peer = peer;
	r->peer_trusted =
	    cfg->n_trusted_proxies &&
	    idp_cidr_list_contains(cfg->trusted_proxies, cfg->n_trusted_proxies, &peer);
	/* Too long to read is no address at all, never the proxy's own. */
	r->ri.addr = idp_client_addr(&peer,
	                             xf.overflow ? ","
	                             : xf.len    ? xf.buf
	                                         : NULL,
	                             cfg->trusted_proxies, cfg->n_trusted_proxies);
	idp_addr_format(&r->ri.addr, r->ri.ip);
	/* Keep printable ASCII of the user agent only: it is shown to users. */
	ua = web_header(r, MHD_HTTP_HEADER_USER_AGENT);
	for (; ua && *ua && j < sizeof r->ri.user_agent - 1; ua++)
		if ((unsigned char)*ua >= 0x20 && (unsigned char)*ua < 0x7f)
			r->ri.user_agent[j++] = *ua;
	r->ri.user_agent[j] = 0;
}

int web_page_error(struct web_req *r, unsigned status, enum web_msg title, enum web_msg msg,
                   bool api)
{
	if (api) {
		const char *code = status == 404   ? "not_found"
		                   : status == 403 ? "forbidden"
		                   : status == 401 ? "unauthorized"
		                   : status == 413 ? "too_large"
		                   : status == 503 ? "unavailable"
		                   : status == 405 ? "method_not_allowed"
		                                   : "bad_request";
		return web_json_error(r, status, code, NULL);
	}
	return web_page_message(r, status, web_t(r, title), web_t(r, msg));
}

/* The client's address is outside the tenant's allow list(s). */
static int deny_ip(struct web_req *r, const struct web_route *rt, bool api)
{
	char msg[300];

	if (rt->flags & WEB_SAML) {
		idp_saml_refused(&r->tenant, &r->ri, "", NULL, "ip_denied", rt->pattern);
		web_metrics_saml_refused(r);
	} else
		idp_access_denied_ip(&r->tenant, &r->ri, r->have_session ? r->session.email : "",
		                     rt->pattern);
	if (api)
		return web_json_error(r, 403, "ip_denied", NULL);
	snprintf(msg, sizeof msg, "%s%s", web_t(r, M_IP_DENIED), r->ri.ip);
	return web_page_message(r, 403, web_t(r, M_IP_DENIED_TITLE), msg);
}

/* The tenant requires a client certificate from its CAs and there is none. */
static int deny_cert(struct web_req *r, const struct web_route *rt, bool api)
{
	if (rt->flags & WEB_SAML) {
		idp_saml_refused(&r->tenant, &r->ri, "", NULL, "client_cert_required", rt->pattern);
		web_metrics_saml_refused(r);
	} else
		idp_cert_denied(&r->tenant, &r->ri, rt->pattern);
	if (api)
		return web_json_error(r, 403, "client_certificate_required", NULL);
	return web_page_message(r, 403, web_t(r, M_CERT_REQUIRED_TITLE), web_t(r, M_CERT_REQUIRED));
}

#define GO_ON (-1) /* a stage's answer when the request goes on */

/* The session cookie of slug's tenant, read from every Cookie header line
 * (libmicrohttpd parses only the first): none, or several that differ (a
 * cookie planted for a parent domain beside the real one, a second header
 * line) must not let either decide which session acts. */
struct cookie_pick {
	char name[80];
	size_t nlen;
	char *value; /* IDP_TOKEN_LEN + 2 bytes: longer values are no token */
	bool found, conflict;
};

static void pick_from_line(struct cookie_pick *p, const char *s)
{
	char v[IDP_TOKEN_LEN + 2];

	while (*s) {
		const char *end, *eq, *val;
		size_t vl;
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		end = s + strcspn(s, ";");
		eq = memchr(s, '=', (size_t)(end - s));
		if (eq && (size_t)(eq - s) == p->nlen && memcmp(s, p->name, p->nlen) == 0) {
			val = eq + 1;
			vl = (size_t)(end - val);
			while (vl && (val[vl - 1] == ' ' || val[vl - 1] == '\t'))
				vl--;
			if (vl > IDP_TOKEN_LEN)
				vl = IDP_TOKEN_LEN + 1; /* kept too long: fails the syntax check */
			memcpy(v, val, vl);
			v[vl] = 0;
			if (!p->found)
				memcpy(p->value, v, vl + 1);
			else if (strcmp(p->value, v) != 0)
				p->conflict = true;
			p->found = true;
		}
		s = end;
	}
}

static enum MHD_Result cookie_line_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
	(void)kind;
	if (value && strcasecmp(key, MHD_HTTP_HEADER_COOKIE) == 0)
		pick_from_line(cls, value);
	return MHD_YES;
}

const char *web_session_cookie(struct web_req *r)
{
	struct cookie_pick p = {.value = r->session_cookie};

	web_session_cookie_name(r->slug, p.name);
	p.nlen = strlen(p.name);
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, cookie_line_cb, &p);
	if (p.conflict) {
		idp_info("conflicting session cookies for tenant %s from %s", r->slug, r->ri.ip);
		return NULL;
	}
	return p.found ? p.value : NULL;
}

int web_stage_tenant(struct web_req *r, enum web_answer how)
{
	enum idp_err err = idp_snapshot_get(r->slug, &r->snap);

	if (err && how == WEB_ANSWER_BARE) {
		/* The gateway: an unknown tenant is a refusal, not a page; a
		 * terminated one has no valid session any more (401). */
		if (err == IDP_ERR_NOT_FOUND && idp_snapshot_terminated(r->slug))
			return web_respond_headers(r, 401, NULL, 0);
		if (err == IDP_ERR_NOT_FOUND)
			idp_info("gateway: unknown tenant %s", r->slug);
		return web_respond_headers(r, err == IDP_ERR_NOT_FOUND ? 403 : 503, NULL, 0);
	}
	if (err == IDP_ERR_NOT_FOUND)
		return web_page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND,
		                      how == WEB_ANSWER_JSON);
	if (err)
		return web_page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE,
		                      how == WEB_ANSWER_JSON);
	r->tenant = r->snap->t;
	r->have_tenant = true;
	return GO_ON;
}

int web_stage_cert(struct web_req *r, const struct idp_config *cfg, bool api)
{
	if (r->tenant.policy.mfa.client_cert != IDP_CERT_OFF ||
	    web_header(r, "X-SSL-Client-Cert")) {
		if (web_client_cert(r, cfg))
			return web_page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE, api);
	}
	return GO_ON;
}

/* Stage 2: the tenant's gate, which holds whoever asks: its allow list and
 * its client certificate requirement, checked before any credential is
 * looked at (so a refused address learns nothing of a cookie or token, and
 * touches no session). */
static int stage_gate(struct web_req *r, const struct idp_config *cfg, const struct web_route *rt,
                      bool api)
{
	const struct idp_policy *pol = &r->tenant.policy;
	int ret;

	if (!(rt->flags & WEB_TENANT))
		return GO_ON;
	if (pol->ip.n_allow && !idp_cidr_list_contains(pol->ip.allow, pol->ip.n_allow, &r->ri.addr))
		return deny_ip(r, rt, api);
	ret = web_stage_cert(r, cfg, api);
	if (ret != GO_ON)
		return ret;
	if (pol->mfa.client_cert == IDP_CERT_REQUIRED && !r->ri.cert_valid)
		return deny_cert(r, rt, api);
	return GO_ON;
}

/* Stage 3: the session, the API token and the pending login, as the route
 * takes them. */
static int stage_authenticate(struct web_req *r, const struct web_route *rt, bool api)
{
	char path_tmp[600];
	enum idp_err err;

	if (rt->flags & WEB_TENANT) {
		const char *tok = web_session_cookie(r);
		if (tok && idp_token_syntax_ok(tok)) {
			err = idp_session_check(&r->tenant, tok, &r->ri, &r->session);
			if (err == IDP_OK) {
				r->have_session = true;
				snprintf(r->session_token, sizeof r->session_token, "%s", tok);
				idp_session_actor(&r->session, &r->ri, &r->actor);
			} else if (err != IDP_ERR_AUTH) {
				return web_page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE,
				                      api);
			}
		}
	}
	if (api) {
		const char *auth = web_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
		if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
			err = idp_token_auth(&r->tenant, auth + 7, &r->ri, &r->actor);
			if (err == IDP_ERR_AUTH)
				return web_json_error(r, 401, "unauthorized", NULL);
			if (err == IDP_ERR_RATE)
				return web_json_error(r, 429, "rate_limited", NULL);
			if (err)
				return web_json_error(r, 503, "unavailable", NULL);
			r->via_token = true;
			r->have_session = false;
		}
	}
	/* A pending login is read for the routes that declare they take one,
	 * and by nothing else: no other route ever sees it. */
	if (rt->flags & WEB_FLOW) {
		char fname[80];
		web_flow_cookie_name(r->slug, fname);
		const char *ftok = web_cookie(r, fname);
		err = ftok && idp_token_syntax_ok(ftok) ? idp_flow_get(&r->tenant, ftok, &r->flow)
		                                        : IDP_ERR_AUTH;
		if (err && err != IDP_ERR_AUTH)
			return web_page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE, api);
		r->have_flow = !err;
		if (!r->have_flow && !((rt->flags & WEB_SESSION) && r->have_session)) {
			web_add_cookie(r, fname, "", true);
			snprintf(path_tmp, sizeof path_tmp, "/t/%s/login", r->slug);
			return web_redirect(r, path_tmp);
		}
	}
	return GO_ON;
}

/* Stage 4: the administrators' allow list (for administrators' sessions
 * and API tokens), the level the route needs, and the forced password
 * change. */
static int stage_authorize(struct web_req *r, const struct web_route *rt, bool api)
{
	char path_tmp[600];

	if (rt->flags & WEB_TENANT) {
		const struct idp_policy *pol = &r->tenant.policy;
		bool admin = r->via_token || (r->have_session && r->session.role == IDP_ROLE_ADMIN);
		if (admin && pol->ip.n_admin_allow &&
		    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow,
		                            &r->ri.addr))
			return deny_ip(r, rt, api);
	}
	if ((rt->flags & (WEB_SESSION | WEB_ADMIN)) && !(rt->flags & WEB_FLOW) &&
	    !r->have_session && !r->via_token) {
		struct web_buf b;
		if (api)
			return web_json_error(r, 401, "unauthorized", NULL);
		web_buf_init(&b, 4096);
		web_buf_printf(&b, "/t/%s/login?rd=", r->slug);
		web_buf_urlenc(&b, r->path);
		int ret = web_redirect(r, b.data);
		web_buf_free(&b);
		return ret;
	}
	if ((rt->flags & WEB_ADMIN) && !r->via_token && r->session.role != IDP_ROLE_ADMIN)
		return web_page_error(r, 403, M_FORBIDDEN_TITLE, M_FORBIDDEN, api);
	/* An expired or administrator-set password must be changed before anything else. */
	if (r->have_session && !(rt->flags & WEB_FORCED_OK) &&
	    (r->session.must_change_password || r->session.password_expired)) {
		if (api)
			return web_json_error(r, 403, "password_change_required", NULL);
		snprintf(path_tmp, sizeof path_tmp, "/t/%s/password", r->slug);
		return web_redirect(r, path_tmp);
	}
	return GO_ON;
}

/* Stage 5: a state change carries its CSRF token (a form field, or the
 * X-CSRF-Token header for the API); API tokens need none. */
static int stage_csrf(struct web_req *r, const struct web_route *rt, bool api)
{
	enum idp_err err;

	web_csrf_prepare(r);
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return GO_ON;
	const char *ct = web_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
	    !(rt->flags & WEB_RAW_FORM)) {
		err = web_parse_form(r, rt->flags & WEB_LONG_FIELDS ? WEB_BODY_MAX : WEB_FIELD_MAX);
		if (err == IDP_ERR_TOO_LARGE)
			return web_page_error(r, 413, M_TOO_LARGE_TITLE, M_TOO_LARGE, api);
		if (err)
			return web_page_error(r, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
	}
	if ((rt->flags & WEB_CSRF) && !r->via_token) {
		const char *tok = api ? web_header(r, "X-CSRF-Token") : web_form(r, "csrf");
		if (!idp_csrf_ok(r->have_session ? r->session_token : r->pre_cookie, tok)) {
			idp_info("csrf check failed for %s %s from %s", r->method, rt->pattern,
			         r->ri.ip);
			if (api)
				return web_json_error(r, 403, "csrf", NULL);
			return web_page_message(r, 403, web_t(r, M_CSRF_TITLE), web_t(r, M_CSRF));
		}
	}
	return GO_ON;
}

int web_dispatch(struct web_ctx *x, const struct idp_config *cfg)
{
	struct web_req *r = &x->r;
	const struct web_route *rt;
	bool path_matched, tenant = false, api;
	char path_tmp[600];
	int ret;

	r->lang = web_lang_from_header(web_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	web_fill_reqinfo(r, cfg);
	api = strstr(r->path, "/api/") != NULL;
	/* The metrics listener answers the scraper and the probes, nothing else. */
	if (x->metrics_listener && strcmp(r->path, "/metrics") != 0 &&
	    strcmp(r->path, "/healthz") != 0 && strcmp(r->path, "/readyz") != 0)
		return web_page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, false);
	if (strcmp(r->path, WEB_GATEWAY_PATH) == 0) {
		x->cls = IDP_MC_GATEWAY;
		return web_gateway(x, cfg);
	}
	if (x->uri_too_long || r->headers_too_large || r->body_too_large)
		return web_page_error(r, 413, M_TOO_LARGE_TITLE, M_TOO_LARGE, api);
	/* libmicrohttpd decodes %00 in the path and query into a NUL that cuts
	 * the C string ("/users/a@b.example%00x" would act on a@b.example):
	 * refuse it in the raw URI, before anything reads a decoded value. */
	if (!idp_utf8_valid(r->path, strlen(r->path)) || strstr(x->raw_uri, "%00"))
		return web_page_error(r, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
	if (strcmp(r->path, "/metrics") == 0) {
		x->cls = IDP_MC_PROBE;
		/* With metrics_listen set, only that listener shows them. */
		if (cfg->metrics_listen_port && !x->metrics_listener)
			return web_page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, false);
		if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
			return web_page_error(r, 405, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, false);
		return web_metrics_get(r);
	}
	if (strncmp(r->path, "/static/", 8) == 0)
		x->cls = IDP_MC_STATIC;
	if (strcmp(r->path, "/static/saml-post.js") == 0)
		return web_saml_post_js(r);
	if (strcmp(r->path, "/static/sekisho.css") == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(
		    web_stylesheet_len, (void *)web_stylesheet, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		                        "text/css; charset=utf-8");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		                        "public, max-age=3600");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		r->status = 200;
		ret = MHD_queue_response(r->conn, 200, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	r->tpath = r->path;
	if (strncmp(r->path, "/t/", 3) == 0) {
		const char *s = r->path + 3, *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		tenant = true;
		if (n == 0 || n >= sizeof r->slug || !slash) {
			if (n > 0 && n < sizeof r->slug && !slash) {
				snprintf(path_tmp, sizeof path_tmp, "%s/", r->path);
				return web_redirect(r, path_tmp);
			}
			return web_page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, api);
		}
		memcpy(r->slug, s, n);
		r->slug[n] = 0;
		r->tpath = slash;
	}
	rt = web_route_find(r, r->tpath, tenant, &path_matched);
	if (!rt) {
		if (path_matched)
			return web_page_error(r, 405, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
		return web_page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, api);
	}
	api = rt->flags & WEB_API;
	x->cls = web_route_class(rt);
	if ((rt->flags & WEB_TENANT) &&
	    (ret = web_stage_tenant(r, api ? WEB_ANSWER_JSON : WEB_ANSWER_PAGE)) != GO_ON)
		return ret;
	if ((ret = stage_gate(r, cfg, rt, api)) != GO_ON)
		return ret;
	if ((ret = stage_authenticate(r, rt, api)) != GO_ON)
		return ret;
	if ((ret = stage_authorize(r, rt, api)) != GO_ON)
		return ret;
	if ((ret = stage_csrf(r, rt, api)) != GO_ON)
		return ret;
	if (rt->flags & WEB_SLOW)
		return web_workers_defer(x, rt);
	return rt->handler(r);
}
