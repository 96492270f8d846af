/*
 * GET (or any method) /gateway/auth: the forward-auth check reverse proxies
 * (nginx auth_request, Caddy forward_auth, Traefik forwardAuth) ask before
 * every request to a tenant's app.
 *
 *   200  the session may pass; the identity in X-Sekisho-User, -Name
 *        (UTF-8, percent-encoded), -Role, -Tenant, -Session-Expires (RFC 3339
 *        UTC);
 *   401  no valid session (the proxy sends the browser to the login page),
 *        or one that must change its password first, or a terminated
 *        tenant (web_stage_tenant);
 *   403  a valid session the address, the app's roles or the absence of an
 *        app refuses; a peer that is not a trusted proxy; an unknown tenant
 *        or an original URL that does not parse;
 *   5xx  anything that could not be decided.  Nothing else ever answers 2xx.
 *
 * The hot path reads no database and parses no JSON: the tenant's snapshot
 * and the session cache answer (idp/tenant.c, idp/session_cache.c).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "idp/log.h"
#include "web/server.h"
#include "web/web.h"

/* The original URL: X-Original-URL, or X-Forwarded-Proto, -Host and -Uri
 * (only believed from a trusted proxy, which is checked first).  When a
 * request carries both forms they must agree: some proxies pass their
 * client's own headers on (Caddy's forward_auth does), and a client's
 * X-Original-URL must not outrank what the proxy says it is serving. */
static bool original_url(const struct web_req *r, char *out, size_t outsz)
{
	const char *u = web_header(r, "X-Original-URL");
	const char *proto = web_header(r, "X-Forwarded-Proto");
	const char *host = web_header(r, "X-Forwarded-Host");
	const char *uri = web_header(r, "X-Forwarded-Uri");
	char fwd[IDP_URL_MAX + 1];
	bool have_fwd = proto || host || uri;
	int n;

	if (have_fwd) {
		/* The host part is a host and an optional port, nothing that
		 * would move the rest of the URL ("h/x?", "h@evil"). */
		if (!proto || !host || !uri || (strcmp(proto, "http") && strcmp(proto, "https")) ||
		    uri[0] != '/' || !*host ||
		    host[strspn(host, "abcdefghijklmnopqrstuvwxyz"
		                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                      "0123456789.-:[]")])
			return false;
		n = snprintf(fwd, sizeof fwd, "%s://%s%s", proto, host, uri);
		if (n <= 0 || (size_t)n >= sizeof fwd)
			return false;
	}
	if (u && have_fwd) {
		struct idp_url a, b;
		if (idp_url_parse(u, &a) || idp_url_parse(fwd, &b) || a.https != b.https ||
		    a.port != b.port || strcmp(a.host, b.host) || strcmp(a.path, b.path)) {
			idp_info("gateway: X-Original-URL and X-Forwarded-* disagree (%s)",
			         r->ri.ip);
			return false;
		}
	}
	if (!u && !have_fwd)
		return false;
	return (size_t)snprintf(out, outsz, "%s", u ? u : fwd) < outsz;
}

/* The tenant: X-Sekisho-Tenant, else ?tenant=; both must agree when both
 * are there (a client's own header passed on by the proxy must not pick
 * another tenant than the proxy's configuration does). */
static bool tenant_named(struct web_req *r)
{
	const char *h = web_header(r, "X-Sekisho-Tenant"), *q = web_query(r, "tenant");
	const char *t = h ? h : q;

	if (h && q && strcmp(h, q) != 0) {
		idp_info("gateway: X-Sekisho-Tenant and ?tenant= disagree (%s)", r->ri.ip);
		return false;
	}
	if (!t || !idp_slug_valid(t))
		return false;
	snprintf(r->slug, sizeof r->slug, "%s", t);
	return true;
}

static int answer(struct web_req *r, unsigned status)
{
	return web_respond_headers(r, status, NULL, 0);
}

/* RFC 3986 percent-encoding of everything but unreserved characters. */
static void pct_encode(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t j = 0;

	for (; *s && j + 4 < outsz; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[j++] = (char)c;
		} else {
			out[j++] = '%';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 15];
		}
	}
	out[j] = 0;
}

/* The URL as audited: origin and normalised path, no query (which may
 * carry what is nobody's business). */
static void shown(const struct idp_url *u, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s://%s:%u%s", u->https ? "https" : "http", u->host, u->port,
	         u->path[0] ? u->path : "/");
}

static int pass(struct web_req *r, const struct idp_session *s)
{
	char name[3 * IDP_NAME_MAX + 1], expires[32];
	int64_t end = s->created_at + r->tenant.policy.session.absolute_timeout_seconds;
	time_t e = (time_t)(s->expires_at < end ? s->expires_at : end);
	struct tm tm;

	pct_encode(s->name, name, sizeof name);
	gmtime_r(&e, &tm);
	strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", &tm);
	const char *const hdrs[][2] = {
	    {"X-Sekisho-User", s->email},
	    {"X-Sekisho-Name", name},
	    {"X-Sekisho-Role", idp_role_name(s->role)},
	    {"X-Sekisho-Tenant", r->slug},
	    {"X-Sekisho-Session-Expires", expires},
	};
	return web_respond_headers(r, 200, hdrs, (int)(sizeof hdrs / sizeof hdrs[0]));
}

/* The decision; *pw_change tells a 401 for a password change from one for
 * no session. */
static int decide(struct web_ctx *x, const struct idp_config *cfg, bool *pw_change)
{
	struct web_req *r = &x->r;
	char url[IDP_URL_MAX + 1];
	struct idp_url u;
	struct idp_session s;
	const struct idp_app *app = NULL;
	enum idp_gw_verdict v;
	const char *tok;
	enum idp_err err;
	int ret;

	/* The identity it vouches for reaches apps only through a proxy that
	 * also says which URL was asked for: nobody else may ask. */
	if (!r->peer_trusted) {
		idp_info("gateway: %s is not a trusted proxy (trusted_proxies)", r->ri.ip);
		return answer(r, 403);
	}
	if (x->uri_too_long || r->headers_too_large)
		return answer(r, 431);
	/* A %00 would cut the tenant's name short once decoded. */
	if (strstr(x->raw_uri, "%00"))
		return answer(r, 400);
	if (!tenant_named(r)) {
		idp_info("gateway: request from %s names no valid tenant", r->ri.ip);
		return answer(r, 403);
	}
	ret = web_stage_tenant(r, WEB_ANSWER_BARE);
	if (ret != -1)
		return ret;
	tok = web_session_cookie(r);
	err = tok ? idp_session_check_cached(&r->snap->t, tok, &r->ri, &s) : IDP_ERR_AUTH;
	if (err == IDP_ERR_AUTH)
		return answer(r, 401);
	if (err)
		return answer(r, 503);
	if (!original_url(r, url, sizeof url) || idp_url_parse(url, &u)) {
		idp_gateway_denied(&r->snap->t, &s, &r->ri, "bad_url", "", NULL);
		return answer(r, 403);
	}
	shown(&u, url, sizeof url);
	/* The certificate is read only for a session that holds: an
	 * anonymous request costs no certificate check. */
	ret = web_stage_cert(r, cfg, true);
	if (ret != -1)
		return ret;
	if (r->snap->t.policy.mfa.client_cert == IDP_CERT_REQUIRED && !r->ri.cert_valid) {
		idp_gateway_denied(&r->snap->t, &s, &r->ri, "client_certificate", url, NULL);
		return answer(r, 403);
	}
	v = idp_gateway_decide(r->snap, &s, &r->ri.addr, &u, &app);
	if (v == IDP_GW_PASS) {
		/* Only a request that passes counts as the session's activity. */
		idp_session_cache_seen(&s);
		return pass(r, &s);
	}
	idp_gateway_denied(&r->snap->t, &s, &r->ri, idp_gw_verdict_name(v), url,
	                   app ? app->name : NULL);
	*pw_change = v == IDP_GW_PASSWORD_CHANGE;
	return answer(r, v == IDP_GW_PASSWORD_CHANGE ? 401 : 403);
}

int web_gateway(struct web_ctx *x, const struct idp_config *cfg)
{
	bool pw_change = false;
	int ret = decide(x, cfg, &pw_change);
	unsigned st = x->r.status;

	idp_metrics_count(IDP_MF_GATEWAY,
	                  st == 200   ? IDP_MG_ALLOW
	                  : st == 401 ? (pw_change ? IDP_MG_PASSWORD_CHANGE : IDP_MG_LOGIN)
	                  : st == 403 ? IDP_MG_DENY
	                  : st == 400 || st == 431 ? IDP_MG_BAD_REQUEST
	                                           : IDP_MG_ERROR,
	                  x->r.have_tenant ? &x->r.tenant : NULL);
	return ret;
}
