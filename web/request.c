/*
 * Request helpers (form, query, header, cookie access; urlencoded parsing with
 * limits) and the one place responses are made, so every answer carries the
 * same security headers.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "web/web.h"

int64_t web_wild_id(const struct web_req *r, int n)
{
	const char *s = r->wild[n];
	int64_t v = 0;

	if (!s || !*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		return 0;
	for (; *s; s++)
		v = v * 10 + (*s - '0');
	return v;
}

const char *web_form(const struct web_req *r, const char *key)
{
	for (int i = 0; i < r->nform; i++)
		if (strcmp(r->form[i].key, key) == 0)
			return r->form[i].value;
	return NULL;
}

const char *web_query(const struct web_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *web_header(const struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *web_cookie(const struct web_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode a urlencoded component of n bytes into a new string; NULL on error. */
static char *urldecode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t j = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= n || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				free(out);
				return NULL;
			}
			out[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = 0;
	/* A NUL decoded from %00 would cut the value short: refuse it. */
	if (strlen(out) != j || !idp_utf8_valid(out, j)) {
		free(out);
		return NULL;
	}
	return out;
}

enum idp_err web_parse_form(struct web_req *r, size_t field_max)
{
	const char *p = r->body ? r->body : "";
	const char *end = p + r->body_len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (stop == p) {
			p = stop + 1;
			continue;
		}
		if (r->nform >= WEB_FIELDS_MAX || (size_t)(stop - p) > field_max * 3)
			return IDP_ERR_TOO_LARGE;
		const char *kend = eq ? eq : stop;
		char *k = urldecode(p, (size_t)(kend - p));
		char *v = eq ? urldecode(eq + 1, (size_t)(stop - eq - 1)) : strdup("");
		if (!k || !v || strlen(v) > field_max) {
			free(k);
			free(v);
			return IDP_ERR_INVALID;
		}
		r->form[r->nform].key = k;
		r->form[r->nform].value = v;
		r->nform++;
		p = stop + 1;
	}
	return IDP_OK;
}

void web_session_cookie_name(const char *slug, char out[80])
{
	snprintf(out, 80, "sekisho_s_%s", slug);
}

void web_flow_cookie_name(const char *slug, char out[80])
{
	snprintf(out, 80, "sekisho_f_%s", slug);
}

static char cookie_domain[256];
static bool cookie_secure; /* public_url is https: behind a TLS-terminating proxy too */

void web_cookies_configure(const char *domain, bool secure)
{
	snprintf(cookie_domain, sizeof cookie_domain, "%s", domain ? domain : "");
	cookie_secure = secure;
}

static void add_cookie(struct web_req *r, const char *name, const char *value, bool clear,
                       const char *domain)
{
	if (r->nset_cookie >= 4)
		return;
	/* SameSite, stated: over HTTPS "None" (with Secure) so that a service
	 * provider's POST binding still carries the session; over plain HTTP
	 * browsers refuse None, so "Lax".  CSRF tokens protect every state
	 * change either way. */
	snprintf(r->set_cookie[r->nset_cookie++], sizeof r->set_cookie[0],
	         "%s=%s; Path=/%s%s; HttpOnly%s%s", name, clear ? "" : value,
	         domain[0] ? "; Domain=" : "", domain,
	         r->https || cookie_secure ? "; Secure; SameSite=None" : "; SameSite=Lax",
	         clear ? "; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT" : "");
}

void web_add_cookie(struct web_req *r, const char *name, const char *value, bool clear)
{
	add_cookie(r, name, value, clear, "");
}

void web_set_session_cookie(struct web_req *r, const char *value, bool clear)
{
	char name[80];

	web_session_cookie_name(r->slug, name);
	/* A host-only cookie from before cookie_domain was set would stand
	 * beside the new one and, differing, count as no session: clear it
	 * (first, so that clients keeping one cookie per name keep the new). */
	if (cookie_domain[0])
		add_cookie(r, name, "", true, "");
	add_cookie(r, name, value, clear, cookie_domain);
}

static void add_security_headers(struct web_req *r, struct MHD_Response *resp)
{
	if (r->csp_post_origin[0]) {
		char csp[512];
		snprintf(csp, sizeof csp,
		         "default-src 'none'; style-src 'self'; script-src 'self'; "
		         "form-action %s; frame-ancestors 'none'; base-uri 'none'",
		         r->csp_post_origin);
		MHD_add_response_header(resp, "Content-Security-Policy", csp);
	} else {
		MHD_add_response_header(
		    resp, "Content-Security-Policy",
		    "default-src 'none'; style-src 'self'; img-src 'self' data:; "
		    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	}
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Pragma", "no-cache");
	if (r->https)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (r->disposition[0])
		MHD_add_response_header(resp, "Content-Disposition", r->disposition);
	if (r->set_pre_cookie) {
		char c[200];
		snprintf(c, sizeof c, "sekisho_csrf=%s; Path=/; HttpOnly; SameSite=Lax%s",
		         r->pre_cookie, r->https || cookie_secure ? "; Secure" : "");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, c);
	}
	for (int i = 0; i < r->nset_cookie; i++)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie[i]);
}

/* Queue resp now, or, on a hashing worker (the connection is suspended),
 * keep it for the access handler to queue when the connection resumes. */
static int queue(struct web_req *r, unsigned status, struct MHD_Response *resp)
{
	int ret;

	r->status = status;
	if (r->deferred) {
		if (r->pending)
			MHD_destroy_response(r->pending);
		r->pending = resp;
		r->pending_status = status;
		return MHD_YES;
	}
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int web_respond(struct web_req *r, unsigned status, const char *type, const char *body, size_t len)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	add_security_headers(r, resp);
	if (r->body_too_large || r->headers_too_large)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	return queue(r, status, resp);
}

int web_respond_headers(struct web_req *r, unsigned status, const char *const (*hdrs)[2], int n)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

	if (!resp)
		return MHD_NO;
	for (int i = 0; i < n; i++)
		MHD_add_response_header(resp, hdrs[i][0], hdrs[i][1]);
	add_security_headers(r, resp);
	return queue(r, status, resp);
}

int web_respond_buf(struct web_req *r, unsigned status, const char *type, struct web_buf *b)
{
	if (b->overflow) {
		idp_error("response for %s %s exceeded its size limit", r->method, r->path);
		return web_respond(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
	}
	return web_respond(r, status, type, b->data ? b->data : "", b->len);
}

int web_redirect(struct web_req *r, const char *location)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
	add_security_headers(r, resp);
	return queue(r, 303, resp);
}

int web_json_error(struct web_req *r, unsigned status, const char *code, const char *field)
{
	struct web_buf b;
	int ret;

	web_buf_init(&b, 4096);
	web_buf_puts(&b, "{\"error\":\"");
	web_buf_puts(&b, code); /* codes are our own constant identifiers */
	web_buf_puts(&b, "\"");
	if (field) {
		web_buf_puts(&b, ",\"field\":\"");
		for (const char *p = field; *p; p++) {
			if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
				web_buf_printf(&b, "\\u%04x", (unsigned char)*p);
			else
				web_buf_add(&b, p, 1);
		}
		web_buf_puts(&b, "\"");
	}
	web_buf_puts(&b, "}\n");
	ret = web_respond_buf(r, status, "application/json", &b);
	web_buf_free(&b);
	return ret;
}
