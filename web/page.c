/*
 * HTML output: a bounded growable buffer, the one HTML-escaping routine, and
 * the page frame (head, header bar, footer).  Pages load one stylesheet from
 * /static/sekisho.css; no inline script or style, so the Content-Security-
 * Policy can forbid both.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/i18n.h"
#include "web/table.h"
#include "web/web.h"

void web_buf_init(struct web_buf *b, size_t max)
{
	memset(b, 0, sizeof *b);
	b->max = max;
}

void web_buf_free(struct web_buf *b)
{
	if (!b)
		return;
	if (b->secret && b->data)
		explicit_bzero(b->data, b->cap);
	free(b->data);
	memset(b, 0, sizeof *b);
}

void web_buf_add(struct web_buf *b, const char *s, size_t n)
{
	if (b->overflow)
		return;
	if (b->len + n + 1 > b->max) {
		b->overflow = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		/* A secret's old block is wiped, so it is copied, not realloc'd. */
		char *d = b->secret ? malloc(cap) : realloc(b->data, cap);
		if (!d) {
			b->overflow = true;
			return;
		}
		if (b->secret && b->data) {
			memcpy(d, b->data, b->len + 1);
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

void web_buf_puts(struct web_buf *b, const char *s)
{
	web_buf_add(b, s, strlen(s));
}

void web_buf_printf(struct web_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		web_buf_add(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->overflow = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	web_buf_add(b, big, (size_t)n);
	free(big);
}

void web_buf_esc(struct web_buf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		web_buf_add(b, run, (size_t)(s - run));
		web_buf_puts(b, rep);
		run = s + 1;
	}
	web_buf_add(b, run, (size_t)(s - run));
}

void web_buf_email(struct web_buf *b, const char *email)
{
	const char *at = strchr(email, '@');
	char local[IDP_EMAIL_MAX + 1];

	if (!at || (size_t)(at - email) >= sizeof local) {
		web_buf_esc(b, email);
		return;
	}
	/* A line may break after the '@', never inside either part. */
	memcpy(local, email, (size_t)(at - email) + 1);
	local[at - email + 1] = 0;
	web_buf_puts(b, "<span class=\"nowrap\">");
	web_buf_esc(b, local);
	web_buf_puts(b, "</span><wbr><span class=\"nowrap\">");
	web_buf_esc(b, at + 1);
	web_buf_puts(b, "</span>");
}

void web_buf_time(struct web_buf *b, const char *when)
{
	size_t n = strcspn(when, " ");

	/* "2026-11-30 10:52:30 +09:00": the date, then the time with its
	 * offset, each kept whole; the line may break between them. */
	web_buf_puts(b, "<span class=\"nowrap\">");
	web_buf_add(b, when, n);
	if (when[n]) {
		web_buf_puts(b, "</span> <span class=\"nowrap\">");
		web_buf_esc(b, when + n + 1);
	}
	web_buf_puts(b, "</span>");
}

void web_buf_url(struct web_buf *b, const char *url)
{
	char part[256];
	size_t n = 0;

	/* A line may break after each '/' and before each '.', so that a long
	 * URL wraps between its parts instead of running off a phone's screen
	 * (or breaking inside a word). */
	for (const char *p = url; *p; p++) {
		if ((*p == '.' && n) || n == sizeof part - 1) {
			part[n] = 0;
			web_buf_esc(b, part);
			web_buf_puts(b, *p == '.' ? "<wbr>" : "");
			n = 0;
		}
		part[n++] = *p;
		if (*p == '/' && p[1] && p[1] != '/') {
			part[n] = 0;
			web_buf_esc(b, part);
			web_buf_puts(b, "<wbr>");
			n = 0;
		}
	}
	part[n] = 0;
	web_buf_esc(b, part);
}

void web_buf_subst(struct web_buf *b, const char *tmpl,
                   void (*put)(struct web_buf *b, const char *arg), const char *arg)
{
	const char *at = strstr(tmpl, "{0}");

	if (!at) {
		web_buf_esc(b, tmpl);
		return;
	}
	/* The text around {0}, escaped piece by piece (no copy, no limit). */
	for (const char *p = tmpl; p < at;) {
		char part[256];
		size_t n = (size_t)(at - p) < sizeof part - 1 ? (size_t)(at - p) : sizeof part - 1;
		memcpy(part, p, n);
		part[n] = 0;
		web_buf_esc(b, part);
		p += n;
	}
	put(b, arg);
	web_buf_esc(b, at + 3);
}

void web_buf_urlenc(struct web_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
			web_buf_add(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			web_buf_add(b, e, 3);
		}
	}
}

void web_table_open(struct web_buf *b, const struct web_req *r, const char *id,
                    const enum web_msg *heads, size_t n)
{
	web_buf_printf(b, "<div class=\"table-wrap\"><table class=\"list\" id=\"%s\"><thead><tr>",
	               id);
	for (size_t i = 0; i < n; i++) {
		web_buf_puts(b, "<th>");
		web_buf_esc(b, web_t(r, heads[i]));
		web_buf_puts(b, "</th>");
	}
	web_buf_puts(b, "</tr></thead><tbody>");
}

void web_table_close(struct web_buf *b, const struct web_req *r, int n, enum web_msg none)
{
	web_buf_puts(b, "</tbody></table></div>");
	if (n == 0 && none != M__COUNT) {
		web_buf_puts(b, "<p class=\"muted\">");
		web_buf_esc(b, web_t(r, none));
		web_buf_puts(b, "</p>");
	}
}

void web_td(struct web_buf *b, const struct web_req *r, enum web_msg label, const char *cls)
{
	web_buf_puts(b, "<td data-label=\"");
	if (label != M__COUNT)
		web_buf_esc(b, web_t(r, label));
	web_buf_puts(b, "\"");
	if (cls)
		web_buf_printf(b, " class=\"%s\"", cls);
	web_buf_puts(b, ">");
}

void web_page_begin(struct web_buf *b, const struct web_req *r, const char *title)
{
	web_buf_printf(b,
	               "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	               "<title>",
	               r->lang == WEB_JA ? "ja" : "en");
	web_buf_esc(b, title);
	web_buf_puts(b, " — ");
	web_buf_esc(b, r->have_tenant ? r->tenant.name : web_t(r, M_PRODUCT));
	web_buf_puts(b, "</title><link rel=\"stylesheet\" href=\"/static/sekisho.css\"></head>"
	                "<body><header class=\"bar\"><span class=\"brand\">");
	web_buf_esc(b, web_t(r, M_PRODUCT));
	web_buf_puts(b, "</span>");
	if (r->have_tenant) {
		web_buf_puts(b, "<span class=\"tenant\">");
		web_buf_esc(b, r->tenant.name);
		web_buf_puts(b, "</span>");
	}
	if (r->have_session) {
		web_buf_puts(b, "<nav><a class=\"who\" href=\"/t/");
		web_buf_esc(b, r->slug);
		web_buf_puts(b, "/\">");
		web_buf_email(b, r->session.email);
		web_buf_puts(b, "</a>");
		if (r->session.role == IDP_ROLE_ADMIN) {
			web_buf_puts(b, " <a href=\"/t/");
			web_buf_esc(b, r->slug);
			web_buf_puts(b, "/admin/\">");
			web_buf_esc(b, web_t(r, M_ADMIN_CONSOLE));
			web_buf_puts(b, "</a>");
		}
		web_buf_puts(b, "<form method=\"post\" class=\"inline\" action=\"/t/");
		web_buf_esc(b, r->slug);
		web_buf_puts(b, "/logout\">");
		web_page_csrf(b, r);
		web_buf_puts(b, "<button type=\"submit\" class=\"link\" id=\"logout\">");
		web_buf_esc(b, web_t(r, M_SIGN_OUT));
		web_buf_puts(b, "</button></form></nav>");
	}
	web_buf_puts(b, "</header><main>");
}

void web_page_end(struct web_buf *b, const struct web_req *r)
{
	(void)r;
	web_buf_puts(b, "</main><footer>Sekisho</footer></body></html>\n");
}

void web_page_csrf(struct web_buf *b, const struct web_req *r)
{
	web_buf_puts(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	web_buf_esc(b, r->csrf);
	web_buf_puts(b, "\">");
}

int web_page_message(struct web_req *r, unsigned status, const char *title, const char *message)
{
	struct web_buf b;
	int ret;

	web_buf_init(&b, 256 * 1024);
	web_page_begin(&b, r, title);
	web_buf_puts(&b, "<section class=\"card\"><h1>");
	web_buf_esc(&b, title);
	web_buf_puts(&b, "</h1><p class=\"message\">");
	web_buf_esc(&b, message);
	web_buf_puts(&b, "</p>");
	if (r->have_tenant && !r->have_session) {
		web_buf_puts(&b, "<p><a href=\"/t/");
		web_buf_esc(&b, r->slug);
		web_buf_puts(&b, "/login\">");
		web_buf_esc(&b, web_t(r, M_SIGN_IN));
		web_buf_puts(&b, "</a></p>");
	}
	web_buf_puts(&b, "</section>");
	web_page_end(&b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

int web_page_send_form(struct web_buf *b, struct web_req *r, unsigned status, int submit)
{
	int ret;

	web_buf_puts(b, "<button type=\"submit\" id=\"submit\">");
	web_buf_esc(b, web_t(r, (enum web_msg)submit));
	web_buf_puts(b, "</button></form></section>");
	web_page_end(b, r);
	ret = web_respond_buf(r, status, "text/html; charset=utf-8", b);
	web_buf_free(b);
	return ret;
}

bool web_rd_target(const struct web_req *r, const char *rd, char out[IDP_URL_MAX + 1])
{
	if (!rd || !*rd)
		return false;
	if (idp_redirect_safe(rd)) {
		snprintf(out, IDP_URL_MAX + 1, "%s", rd);
		return true;
	}
	return r->snap && idp_app_redirect_ok(r->snap->apps, r->snap->n_apps, rd, out);
}

void web_page_hidden_rd(struct web_buf *b, const struct web_req *r, const char *rd)
{
	char to[IDP_URL_MAX + 1];

	if (!web_rd_target(r, rd, to))
		return;
	web_buf_puts(b, "<input type=\"hidden\" name=\"rd\" value=\"");
	web_buf_esc(b, rd);
	web_buf_puts(b, "\">");
}
