/*
 * HTML output: a bounded growable buffer, the one HTML-escaping routine, and
 * the page frame (head, header bar, footer).  Pages load one stylesheet from
 * /static/sekisho.css; no inline script or style, so the Content-Security-
 * Policy can forbid both.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/i18n.h"
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
		char *d = realloc(b->data, cap);
		if (!d) {
			b->overflow = true;
			return;
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
		web_buf_puts(b, "<nav><a href=\"/t/");
		web_buf_esc(b, r->slug);
		web_buf_puts(b, "/\">");
		web_buf_esc(b, r->session.email);
		web_buf_puts(b, "</a>");
		if (strcmp(r->session.role, "admin") == 0) {
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

/*
 * Time zones.  localtime_r() reads the process-wide TZ, which threads cannot
 * switch safely, so we read the zone's TZif file (RFC 8536) ourselves: the
 * version-2 64-bit transition table is enough to find the UTC offset at a
 * given instant.  Parsed zones are cached for the life of the process.
 */
#define TZ_CACHE     16
#define TZ_MAX_TRANS 2000

struct tz_zone {
	char name[64];
	int n;
	int64_t *at;     /* transition times */
	int32_t *off_at; /* offset in effect from at[i] */
	int32_t first_off;
};

static struct tz_zone tz_cache[TZ_CACHE];
static int tz_n;
static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool tz_load(const char *name, struct tz_zone *z)
{
	char path[128];
	unsigned char *buf = NULL;
	bool ok = false;
	FILE *f;
	long len;

	if (snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name) >= (int)sizeof path ||
	    strstr(name, ".."))
		return false;
	f = fopen(path, "rb");
	if (!f)
		return false;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 44 || len > 1 << 20 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)len);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len || memcmp(buf, "TZif", 4))
		goto out;
	/* Skip the version-1 block to the 64-bit one. */
	uint32_t c[6];
	for (int i = 0; i < 6; i++)
		c[i] = be32(buf + 20 + 4 * i);
	size_t v1 =
	    44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
	if (buf[4] < '2' || v1 + 44 > (size_t)len)
		goto out;
	const unsigned char *h = buf + v1;
	if (memcmp(h, "TZif", 4))
		goto out;
	for (int i = 0; i < 6; i++)
		c[i] = be32(h + 20 + 4 * i);
	/* c: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
	size_t need = 44 + (size_t)c[3] * 9 + (size_t)c[4] * 6;
	if (c[3] > TZ_MAX_TRANS || c[4] == 0 || c[4] > 256 || v1 + need > (size_t)len)
		goto out;
	const unsigned char *times = h + 44, *idx = times + c[3] * 8, *types = idx + c[3];
	z->at = calloc(c[3] ? c[3] : 1, sizeof *z->at);
	z->off_at = calloc(c[3] ? c[3] : 1, sizeof *z->off_at);
	if (!z->at || !z->off_at)
		goto out;
	for (uint32_t i = 0; i < c[3]; i++) {
		z->at[i] = (int64_t)((uint64_t)be32(times + 8 * i) << 32 | be32(times + 8 * i + 4));
		unsigned t = idx[i] < c[4] ? idx[i] : 0;
		z->off_at[i] = (int32_t)be32(types + 6 * t);
	}
	z->first_off = (int32_t)be32(types);
	z->n = (int)c[3];
	snprintf(z->name, sizeof z->name, "%s", name);
	ok = true;
out:
	if (!ok) {
		free(z->at);
		free(z->off_at);
		z->at = NULL;
		z->off_at = NULL;
	}
	free(buf);
	fclose(f);
	return ok;
}

bool web_tz_offset(int64_t t, const char *name, long *off)
{
	struct tz_zone *z = NULL;

	pthread_mutex_lock(&tz_lock);
	for (int i = 0; i < tz_n; i++)
		if (strcmp(tz_cache[i].name, name) == 0)
			z = &tz_cache[i];
	if (!z && tz_n < TZ_CACHE && tz_load(name, &tz_cache[tz_n]))
		z = &tz_cache[tz_n++];
	if (z) {
		int lo = 0, hi = z->n; /* first transition after t */
		while (lo < hi) {
			int mid = (lo + hi) / 2;
			if (z->at[mid] <= t)
				lo = mid + 1;
			else
				hi = mid;
		}
		*off = lo == 0 ? z->first_off : z->off_at[lo - 1];
	}
	pthread_mutex_unlock(&tz_lock);
	return z != NULL;
}

void web_time_local(int64_t t, const char *tz, char out[40])
{
	struct tm tm;
	time_t tt;
	long off = 0;

	if (t <= 0 || t > 253402300799LL) {
		snprintf(out, 40, "-");
		return;
	}
	if (!web_tz_offset(t, tz, &off))
		off = 0;
	tt = (time_t)(t + off);
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 40, "-");
		return;
	}
	snprintf(out, 40, "%04d-%02d-%02d %02d:%02d:%02d %c%02ld:%02ld", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	         labs(off) / 3600, (labs(off) % 3600) / 60);
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

void web_page_hidden_rd(struct web_buf *b, const char *rd)
{
	if (!rd || !idp_redirect_safe(rd))
		return;
	web_buf_puts(b, "<input type=\"hidden\" name=\"rd\" value=\"");
	web_buf_esc(b, rd);
	web_buf_puts(b, "\">");
}
