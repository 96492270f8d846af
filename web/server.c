/*
 * The HTTP daemon: libmicrohttpd with a bounded thread pool on epoll, one
 * request context per request (allocated in the URI log callback, which also
 * keeps the raw URI for later SAML Redirect signature checks), a body
 * accumulated with a hard limit, and one dispatcher that resolves the tenant,
 * the client address, the session or API token, CSRF and the forced password
 * change before any handler runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "idp/log.h"
#include "web/i18n.h"
#include "web/web.h"

#define RAW_URI_MAX 8192

struct ctx {
	struct web_req r;
	char raw_uri[RAW_URI_MAX + 1];
	bool uri_too_long;
	bool started;
	size_t body_cap;
};

static struct MHD_Daemon *daemon_handle;

/*
 * Hashing workers.  Argon2id costs ~20 ms of CPU; run on libmicrohttpd's pool
 * threads it would stall every other connection owned by that thread (and two
 * keep-alive clients on one thread would take turns).  Routes flagged
 * WEB_SLOW are handed to these workers instead: the connection is suspended,
 * a worker runs the handler (its response is kept in r->pending), and the
 * connection is resumed for the access handler to queue the response.
 */
struct job {
	struct ctx *x;
	const struct web_route *rt;
	struct job *next;
};

/* Each worker has its own wake-up; idle workers wait on a stack, so the one
 * that finished last takes the next job while its Argon2 buffer is still in
 * cache (a FIFO hand-off would alternate cold buffers). */
struct worker {
	pthread_t th;
	pthread_cond_t cond;
	struct job *job;
	bool idle;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job *q_head, *q_tail; /* jobs waiting for a worker */
static bool q_stop;
static struct worker *workers;
static struct worker **idle_stack;
static unsigned n_workers, n_idle;

static const struct idp_config *cfg;
static char *tls_cert_pem, *tls_key_pem;

static const char stylesheet[] =
    ":root{--ink:#1d2433;--muted:#5b6478;--line:#d8dde6;--bg:#f5f6f8;--accent:#8a1c1c;"
    "--ok:#1f6f43;--warn:#8a5a00}"
    "*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,'Segoe UI',"
    "'Hiragino Sans','Noto Sans JP',sans-serif;color:var(--ink);background:var(--bg)}"
    "header.bar{display:flex;align-items:center;gap:1rem;padding:.7rem 1.5rem;background:#fff;"
    "border-bottom:3px solid var(--accent)}.brand{font-weight:700;letter-spacing:.04em}"
    ".tenant{color:var(--muted)}header nav{margin-left:auto;display:flex;gap:1rem;"
    "align-items:center}main{max-width:1100px;margin:2rem auto;padding:0 1rem}"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1.5rem 2rem;"
    "margin-bottom:1.5rem;overflow-x:auto}.narrow{max-width:440px;margin-left:auto;margin-right:"
    "auto}"
    "h1{font-size:1.4rem;margin:0 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .7rem}"
    "label{display:block;margin:.8rem 0 .2rem;font-weight:600}"
    "input[type=text],input[type=email],input[type=password],input[type=number],"
    "input[type=search],input[type=datetime-local],select,textarea{width:100%;padding:.5rem .6rem;"
    "border:1px solid var(--line);border-radius:5px;font:inherit}"
    "button,.button{display:inline-block;margin-top:1rem;padding:.5rem 1.1rem;border:0;"
    "border-radius:5px;background:var(--accent);color:#fff;font:inherit;cursor:pointer;"
    "text-decoration:none}button.secondary{background:#e8eaef;color:var(--ink)}"
    "button.link{background:none;color:var(--accent);padding:0;margin:0;text-decoration:underline}"
    "form.inline{display:inline;margin:0}.error{background:#fbeaea;border-left:4px solid "
    "var(--accent);padding:.6rem .9rem;margin:1rem 0}.notice{background:#e9f5ee;border-left:4px "
    "solid var(--ok);padding:.6rem .9rem;margin:1rem 0}table{width:100%;border-collapse:collapse;"
    "background:#fff}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid "
    "var(--line);vertical-align:top;overflow-wrap:anywhere}th{font-size:.85rem;color:var(--muted);"
    "font-weight:600}"
    ".muted{color:var(--muted)}.badge{display:inline-block;padding:0 .5rem;border-radius:9px;"
    "font-size:.8rem;background:#e8eaef}.badge.active{background:#e1f2e7;color:var(--ok)}"
    ".badge.locked,.badge.suspended{background:#fbeaea;color:var(--accent)}"
    ".badge.invited{background:#fff4de;color:var(--warn)}footer{text-align:center;"
    "color:var(--muted);font-size:.8rem;margin:2rem 0}a{color:var(--accent)}"
    "fieldset{border:1px solid var(--line);border-radius:6px;margin:1rem 0;padding:.5rem 1rem 1rem}"
    "legend{font-weight:700}.row{display:flex;gap:1rem;flex-wrap:wrap}.row>*{flex:1}"
    "nav.tabs{display:flex;gap:.3rem;margin-bottom:1rem}nav.tabs a{padding:.4rem .9rem;"
    "border-radius:5px 5px 0 0;background:#e8eaef;text-decoration:none;color:var(--ink)}"
    "nav.tabs a.on{background:#fff;border:1px solid var(--line);border-bottom:0}"
    "input[type=checkbox]{margin-right:.4rem}code{font-size:.85rem}";

static const struct web_route *const route_tables[] = {
    web_routes_auth, web_routes_home, web_routes_api, web_routes_admin, web_routes_password,
};

/* A '*' in a pattern matches exactly one non-empty path segment. */
static bool match(const char *pattern, const char *path, struct web_req *r)
{
	int nw = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0 || n >= sizeof r->wildbuf[0] || nw >= 4)
				return false;
			memcpy(r->wildbuf[nw], path, n);
			r->wildbuf[nw][n] = 0;
			r->wild[nw] = r->wildbuf[nw];
			nw++;
			path += n;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return !*pattern && !*path;
}

static const struct web_route *find_route(struct web_req *r, const char *path, bool tenant,
                                          bool *path_matched)
{
	*path_matched = false;
	for (size_t t = 0; t < sizeof route_tables / sizeof route_tables[0]; t++) {
		for (const struct web_route *rt = route_tables[t]; rt->pattern; rt++) {
			if (!!(rt->flags & WEB_TENANT) != tenant || !match(rt->pattern, path, r))
				continue;
			*path_matched = true;
			if (strcmp(rt->method, r->method) == 0 ||
			    (strcmp(rt->method, "GET") == 0 && strcmp(r->method, "HEAD") == 0))
				return rt;
		}
	}
	return NULL;
}

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

static void fill_reqinfo(struct web_req *r)
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
	r->ri.addr = idp_client_addr(&peer, xf.len && !xf.overflow ? xf.buf : NULL,
	                             cfg->trusted_proxies, cfg->n_trusted_proxies);
	idp_addr_format(&r->ri.addr, r->ri.ip);
	/* Keep printable ASCII of the user agent only: it is shown to users. */
	ua = web_header(r, MHD_HTTP_HEADER_USER_AGENT);
	for (; ua && *ua && j < sizeof r->ri.user_agent - 1; ua++)
		if ((unsigned char)*ua >= 0x20 && (unsigned char)*ua < 0x7f)
			r->ri.user_agent[j++] = *ua;
	r->ri.user_agent[j] = 0;
}

static int page_error(struct web_req *r, unsigned status, enum web_msg title, enum web_msg msg,
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

	idp_access_denied_ip(&r->tenant, &r->ri, r->have_session ? r->session.email : "",
	                     rt->pattern);
	if (api)
		return web_json_error(r, 403, "ip_denied", NULL);
	snprintf(msg, sizeof msg, "%s%s", web_t(r, M_IP_DENIED), r->ri.ip);
	return web_page_message(r, 403, web_t(r, M_IP_DENIED_TITLE), msg);
}

static void run_job(struct job *j)
{
	struct web_req *r = &j->x->r;

	if (j->rt->handler(r) != MHD_YES || !r->pending) {
		idp_error("no response from %s %s", r->method, j->rt->pattern);
		web_respond(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
	}
	MHD_resume_connection(r->conn);
	free(j);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&q_lock);
	for (;;) {
		struct job *j = w->job;
		if (j) {
			w->job = NULL;
		} else if (q_head) {
			j = q_head;
			q_head = j->next;
			if (!q_head)
				q_tail = NULL;
		} else if (q_stop) {
			break;
		} else {
			if (!w->idle) {
				w->idle = true;
				idle_stack[n_idle++] = w;
			}
			pthread_cond_wait(&w->cond, &q_lock);
			continue;
		}
		pthread_mutex_unlock(&q_lock);
		run_job(j);
		pthread_mutex_lock(&q_lock);
	}
	pthread_mutex_unlock(&q_lock);
	idp_thread_done();
	return NULL;
}

/* Hand the request to a hashing worker; runs it here if there are none. */
static int defer(struct ctx *x, const struct web_route *rt)
{
	struct job *j = calloc(1, sizeof *j);
	bool queued = false;

	if (!j)
		return MHD_NO;
	j->x = x;
	j->rt = rt;
	pthread_mutex_lock(&q_lock);
	if (n_workers && !q_stop) {
		x->r.deferred = true;
		MHD_suspend_connection(x->r.conn);
		if (n_idle) {
			struct worker *w = idle_stack[--n_idle];
			w->idle = false;
			w->job = j;
			pthread_cond_signal(&w->cond);
		} else if (q_tail) {
			q_tail->next = j;
			q_tail = j;
		} else {
			q_head = q_tail = j;
		}
		queued = true;
	}
	pthread_mutex_unlock(&q_lock);
	if (queued)
		return MHD_YES;
	free(j);
	return rt->handler(&x->r);
}

static int dispatch(struct ctx *x)
{
	struct web_req *r = &x->r;
	const struct web_route *rt;
	bool path_matched, tenant = false, api;
	enum idp_err err;
	char path_tmp[600];

	r->lang = web_lang_from_header(web_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
	fill_reqinfo(r);
	api = strstr(r->path, "/api/") != NULL;
	if (x->uri_too_long || r->headers_too_large || r->body_too_large)
		return page_error(r, 413, M_TOO_LARGE_TITLE, M_TOO_LARGE, api);
	/* libmicrohttpd decodes %00 in the path and query into a NUL that cuts
	 * the C string ("/users/a@b.example%00x" would act on a@b.example):
	 * refuse it in the raw URI, before anything reads a decoded value. */
	if (!idp_utf8_valid(r->path, strlen(r->path)) || strstr(x->raw_uri, "%00"))
		return page_error(r, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
	if (strcmp(r->path, "/static/sekisho.css") == 0) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(
		    sizeof stylesheet - 1, (void *)stylesheet, MHD_RESPMEM_PERSISTENT);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		                        "text/css; charset=utf-8");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
		                        "public, max-age=3600");
		MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
		int ret = MHD_queue_response(r->conn, 200, resp);
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
			return page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, api);
		}
		memcpy(r->slug, s, n);
		r->slug[n] = 0;
		r->tpath = slash;
	}
	rt = find_route(r, r->tpath, tenant, &path_matched);
	if (!rt) {
		if (path_matched)
			return page_error(r, 405, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
		return page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, api);
	}
	api = rt->flags & WEB_API;
	if (rt->flags & WEB_TENANT) {
		err = idp_tenant_load(r->slug, &r->tenant);
		if (err == IDP_ERR_NOT_FOUND)
			return page_error(r, 404, M_NOT_FOUND_TITLE, M_NOT_FOUND, api);
		if (err)
			return page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE, api);
		r->have_tenant = true;
		/* The tenant's allow list holds for every page and API call. */
		const struct idp_policy *pol = &r->tenant.policy;
		if (pol->ip.n_allow &&
		    !idp_cidr_list_contains(pol->ip.allow, pol->ip.n_allow, &r->ri.addr))
			return deny_ip(r, rt, api);
		char cname[80];
		web_session_cookie_name(r->slug, cname);
		const char *tok = web_cookie(r, cname);
		if (tok && idp_token_syntax_ok(tok)) {
			err = idp_session_check(&r->tenant, tok, &r->ri, &r->session);
			if (err == IDP_OK) {
				r->have_session = true;
				snprintf(r->session_token, sizeof r->session_token, "%s", tok);
				memset(&r->actor, 0, sizeof r->actor);
				r->actor.user_id = r->session.user_id;
				snprintf(r->actor.email, sizeof r->actor.email, "%s",
				         r->session.email);
				snprintf(r->actor.role, sizeof r->actor.role, "%s",
				         r->session.role);
				snprintf(r->actor.ip, sizeof r->actor.ip, "%s", r->ri.ip);
			} else if (err != IDP_ERR_AUTH) {
				return page_error(r, 503, M_UNAVAILABLE_TITLE, M_UNAVAILABLE, api);
			}
		}
		if (r->have_session && strcmp(r->session.role, "admin") == 0 &&
		    pol->ip.n_admin_allow &&
		    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow,
		                            &r->ri.addr))
			return deny_ip(r, rt, api);
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
			/* API tokens act as administrators: the stricter list holds too. */
			const struct idp_policy *pol = &r->tenant.policy;
			if (pol->ip.n_admin_allow &&
			    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow,
			                            &r->ri.addr))
				return deny_ip(r, rt, api);
		}
	}
	if ((rt->flags & (WEB_SESSION | WEB_ADMIN)) && !r->have_session && !r->via_token) {
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
	if ((rt->flags & WEB_ADMIN) && !r->via_token && strcmp(r->session.role, "admin") != 0)
		return page_error(r, 403, M_FORBIDDEN_TITLE, M_FORBIDDEN, api);
	/* An expired or administrator-set password must be changed before anything else. */
	if (r->have_session && !(rt->flags & WEB_FORCED_OK) &&
	    (r->session.must_change_password || r->session.password_expired)) {
		if (api)
			return web_json_error(r, 403, "password_change_required", NULL);
		snprintf(path_tmp, sizeof path_tmp, "/t/%s/password", r->slug);
		return web_redirect(r, path_tmp);
	}
	web_csrf_prepare(r);
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		const char *ct = web_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
		if (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
			err = web_parse_form(r);
			if (err == IDP_ERR_TOO_LARGE)
				return page_error(r, 413, M_TOO_LARGE_TITLE, M_TOO_LARGE, api);
			if (err)
				return page_error(r, 400, M_BAD_REQUEST_TITLE, M_BAD_REQUEST, api);
		}
		if ((rt->flags & WEB_CSRF) && !r->via_token) {
			const char *tok = api ? web_header(r, "X-CSRF-Token") : web_form(r, "csrf");
			if (!idp_csrf_ok(r->have_session ? r->session_token : r->pre_cookie, tok)) {
				idp_info("csrf check failed for %s %s from %s", r->method,
				         rt->pattern, r->ri.ip);
				if (api)
					return web_json_error(r, 403, "csrf", NULL);
				return web_page_message(r, 403, web_t(r, M_CSRF_TITLE),
				                        web_t(r, M_CSRF));
			}
		}
	}
	if (rt->flags & WEB_SLOW)
		return defer(x, rt);
	return rt->handler(r);
}

static bool count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	size_t *total = cls;

	(void)kind;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4;
	return true;
}

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	return count_header(cls, kind, key, value) ? MHD_YES : MHD_NO;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct ctx *x = calloc(1, sizeof *x);
	size_t n;

	(void)cls;
	(void)conn;
	if (!x)
		return NULL;
	n = strlen(uri);
	if (n > RAW_URI_MAX) {
		x->uri_too_long = true;
		n = 0;
	}
	memcpy(x->raw_uri, uri, n);
	x->raw_uri[n] = 0;
	return x;
}

static void free_ctx(struct ctx *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->r.nform; i++) {
		if (x->r.form[i].value)
			idp_wipe(x->r.form[i].value, strlen(x->r.form[i].value));
		free(x->r.form[i].key);
		free(x->r.form[i].value);
	}
	if (x->r.body) {
		idp_wipe(x->r.body, x->r.body_len);
		free(x->r.body);
	}
	idp_wipe(x->r.session_token, sizeof x->r.session_token);
	if (x->r.pending)
		MHD_destroy_response(x->r.pending);
	free(x);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free_ctx(*con_cls);
	*con_cls = NULL;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
	struct ctx *x = *con_cls;

	(void)cls;
	(void)version;
	if (!x)
		return MHD_NO;
	if (!x->started) {
		size_t total = 0;
		x->started = true;
		x->r.conn = conn;
		x->r.method = method;
		x->r.path = url;
		x->r.https = cfg->tls_cert[0] != 0;
		MHD_get_connection_values(conn, MHD_HEADER_KIND, header_cb, &total);
		MHD_get_connection_values(conn, MHD_COOKIE_KIND, header_cb, &total);
		x->r.headers_too_large = total > WEB_HEADERS_MAX;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > WEB_BODY_MAX)
			x->r.body_too_large = true;
		/* Answer on a later call: queueing on the first closes keep-alive
		 * connections in libmicrohttpd 0.9.75 (STACK.md). */
		return MHD_YES;
	}
	if (x->r.deferred) {
		/* Back from a hashing worker: send what it answered. */
		int ret = MHD_YES;
		if (x->r.pending) {
			ret = MHD_queue_response(conn, x->r.pending_status, x->r.pending);
			MHD_destroy_response(x->r.pending);
			x->r.pending = NULL;
		}
		return ret == MHD_YES ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (x->r.body_too_large || x->r.body_len + n > WEB_BODY_MAX) {
			x->r.body_too_large = true;
			return MHD_YES; /* drain, then answer 413 */
		}
		if (x->r.body_len + n + 1 > x->body_cap) {
			size_t cap = x->body_cap ? x->body_cap * 2 : 4096;
			while (cap < x->r.body_len + n + 1)
				cap *= 2;
			char *b = realloc(x->r.body, cap);
			if (!b)
				return MHD_NO;
			x->r.body = b;
			x->body_cap = cap;
		}
		memcpy(x->r.body + x->r.body_len, upload_data, n);
		x->r.body_len += n;
		x->r.body[x->r.body_len] = 0;
		return MHD_YES;
	}
	return dispatch(x) == MHD_YES ? MHD_YES : MHD_NO;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* libmicrohttpd only logs what went wrong (bad requests, TLS set-up). */
	idp_warn("http: %s", msg);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 1 << 20 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = 0;
		}
	}
	fclose(f);
	return buf;
}

/* Read one PEM object from path with OpenSSL: a certificate or a private key. */
static bool pem_ok(const char *path, bool key, char *why, size_t whysz)
{
	struct stat st;
	FILE *f;
	bool ok = false;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "cannot read: not a regular file");
		return false;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, whysz, "cannot read: %s", strerror(errno));
		return false;
	}
	if (key) {
		EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		ok = k != NULL;
		EVP_PKEY_free(k);
	} else {
		X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
		ok = x != NULL;
		X509_free(x);
	}
	fclose(f);
	if (!ok)
		snprintf(why, whysz, "not a PEM %s", key ? "private key" : "certificate");
	ERR_clear_error();
	return ok;
}

enum idp_err web_tls_check(const struct idp_config *c)
{
	char why[160];

	if (!c->tls_cert[0])
		return IDP_OK;
	if (!pem_ok(c->tls_cert, false, why, sizeof why)) {
		idp_error("tls_cert %s: %s", c->tls_cert, why);
		return IDP_ERR_CONFIG;
	}
	if (!pem_ok(c->tls_key, true, why, sizeof why)) {
		idp_error("tls_key %s: %s", c->tls_key, why);
		return IDP_ERR_CONFIG;
	}
	return IDP_OK;
}

enum idp_err web_start(const struct idp_config *c)
{
	struct sockaddr_storage ss;
	struct idp_addr a;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME;

	cfg = c;
	memset(&ss, 0, sizeof ss);
	if (idp_addr_parse(c->listen_host, &a) != IDP_OK)
		return IDP_ERR_CONFIG;
	static const unsigned char v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a.b, v4map, 12) == 0) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)c->listen_port);
		memcpy(&sin->sin_addr, a.b + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)c->listen_port);
		memcpy(&sin6->sin6_addr, a.b, 16);
		flags |= MHD_USE_IPv6;
	}
	if (c->tls_cert[0]) {
		tls_cert_pem = read_file(c->tls_cert);
		tls_key_pem = read_file(c->tls_key);
		if (!tls_cert_pem || !tls_key_pem) {
			idp_error("tls_cert/tls_key: cannot read %s or %s", c->tls_cert,
			          c->tls_key);
			return IDP_ERR_CONFIG;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
	    {MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 128 * 1024, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, 2000, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, NULL},
	    {MHD_OPTION_SOCK_ADDR, 0, &ss},
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls_cert_pem},
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, tls_key_pem},
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, 0,
	     (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
	    {MHD_OPTION_END, 0, NULL},
	};
	daemon_handle =
	    MHD_start_daemon(flags, (uint16_t)c->listen_port, NULL, NULL, access_handler, NULL,
	                     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!daemon_handle) {
		idp_error("cannot listen on %s:%u: %s", c->listen_host, c->listen_port,
		          strerror(errno));
		return IDP_ERR_IO;
	}
	workers = calloc(c->hash_threads, sizeof *workers);
	idle_stack = calloc(c->hash_threads, sizeof *idle_stack);
	for (unsigned i = 0; workers && idle_stack && i < c->hash_threads; i++) {
		pthread_cond_init(&workers[i].cond, NULL);
		if (pthread_create(&workers[i].th, NULL, worker_main, &workers[i])) {
			pthread_cond_destroy(&workers[i].cond);
			break;
		}
		n_workers++;
	}
	idp_info("listening on %s:%u (%s), public_url %s", c->listen_host, c->listen_port,
	         c->tls_cert[0] ? "https" : "http", c->public_url);
	return IDP_OK;
}

void web_stop(void)
{
	/* Workers finish what is queued (resuming those connections), then exit. */
	pthread_mutex_lock(&q_lock);
	q_stop = true;
	for (unsigned i = 0; i < n_workers; i++)
		pthread_cond_signal(&workers[i].cond);
	pthread_mutex_unlock(&q_lock);
	for (unsigned i = 0; i < n_workers; i++) {
		pthread_join(workers[i].th, NULL);
		pthread_cond_destroy(&workers[i].cond);
	}
	free(workers);
	free(idle_stack);
	workers = NULL;
	idle_stack = NULL;
	n_workers = n_idle = 0;
	if (daemon_handle)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	free(tls_cert_pem);
	free(tls_key_pem);
	tls_cert_pem = tls_key_pem = NULL;
}
