/*
 * QR codes for TOTP enrollment, drawn server-side by libqrencode and written
 * as one inline <svg> element.  The page's CSP forbids inline style and every
 * external source, so the SVG carries presentation attributes only: a white
 * background <rect> and a single black <path> made of one horizontal run of
 * dark modules per subpath, inside a 4-module quiet zone (ISO/IEC 18004 §7.3.7).
 */
#include <qrencode.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "mfa/mfa.h"

#define QR_TEXT_MAX  2048 /* a version-40 M symbol holds 2331 bytes; URIs are far shorter */
#define QR_LABEL_MAX 1024
#define QR_QUIET     4
#define QR_PX        6 /* pixels per module in the width/height attributes */

/* A growable string; on allocation failure it drops its text and stays failed. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

static bool sbuf_grow(struct sbuf *b, size_t more)
{
	size_t cap;
	char *s;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		free(b->s);
		b->s = NULL;
		b->failed = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

static void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (!sbuf_grow(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_grow(b, (size_t)n)) {
		free(b->s);
		b->s = NULL;
		b->failed = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Escapes text for a double-quoted XML attribute. */
static void sbuf_attr(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_add(b, "&amp;", 5); break;
		case '<': sbuf_add(b, "&lt;", 4); break;
		case '>': sbuf_add(b, "&gt;", 4); break;
		case '"': sbuf_add(b, "&quot;", 6); break;
		case '\'': sbuf_add(b, "&#39;", 5); break;
		case '\t':
		case '\n':
		case '\r':
			sbuf_add(b, " ", 1);
			break; /* attribute value normalisation would anyway */
		default:
			/* Other C0 controls are not allowed in XML 1.0 at all. */
			if ((unsigned char)*s < 0x20)
				break;
			sbuf_add(b, s, 1);
		}
	}
}

char *mfa_qr_svg(const char *text, const char *aria_label)
{
	QRcode *qr = NULL;
	struct sbuf b = {0};
	int w, total;

	if (!text || !aria_label || text[0] == '\0' ||
	    strnlen(text, QR_TEXT_MAX + 1) > QR_TEXT_MAX ||
	    strnlen(aria_label, QR_LABEL_MAX + 1) > QR_LABEL_MAX)
		return NULL;
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr) {
		idp_warn("QRcode_encodeString8bit failed (%zu bytes)", strlen(text));
		return NULL;
	}
	w = qr->width;
	total = w + 2 * QR_QUIET;
	sbuf_printf(
	    &b,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" aria-label=\"",
	    total * QR_PX, total * QR_PX, total, total);
	sbuf_attr(&b, aria_label);
	sbuf_printf(&b,
	            "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	            total, total);
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			int run = 0;

			/* Bit 0 of each module byte is "dark" (qrencode.h). */
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			if (run == 0) {
				x++;
				continue;
			}
			sbuf_printf(&b, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
			x += run;
		}
	}
	sbuf_add(&b, "\"/></svg>", 9);
	QRcode_free(qr);
	return b.failed ? NULL : b.s;
}
