/*
 * Text from outside and text we write out.  Validators for UTF-8, display
 * names, e-mail addresses and tenant slugs are deliberately strict: anything
 * they accept can be logged, shown in HTML after escaping, and stored
 * without further checks.  CSV fields are escaped so that spreadsheets do
 * not evaluate them as formulas (OWASP "CSV Injection").
 * No I/O and no globals; safe from any thread.
 */
#include "idp/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define EMAIL_MAX        254 /* RFC 5321 section 4.5.3.1.3 path limit minus the brackets */
#define EMAIL_LOCAL_MAX  64
#define EMAIL_DOMAIN_MAX 253
#define NAME_MAX_CHARS   100
#define SLUG_MAX         63

/*
 * Decode one UTF-8 sequence from s[0..n) (n >= 1) into *cp and return its
 * length, or 0 if it is malformed: truncated, a stray continuation byte, an
 * overlong form, a surrogate or above U+10FFFF (RFC 3629 section 4, the
 * Unicode "well-formed" table).
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len;
	size_t i;
	uint32_t min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, F5..FF */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool idp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (!s)
		return n == 0;
	while (i < n) {
		uint32_t cp;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (len == 0)
			return false;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f)
			return false;
		i += len;
	}
	return true;
}

size_t idp_utf8_chars(const char *s)
{
	size_t n = 0;

	if (!s)
		return 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void idp_ascii_lower(char *s)
{
	if (!s)
		return;
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Characters that are forbidden anywhere in an address we accept: the
 * RFC 5322 specials that only appear in quoted or commented forms. */
/* RFC 5322 specials, plus the characters that would change the meaning of a
 * URL path segment: addresses appear in /api/v1/users/{email}/... routes. */
static bool email_special(char c)
{
	return c != '\0' && strchr("\"(),:;<>[\\]/?#%", c) != NULL;
}

bool idp_email_valid(const char *s)
{
	const char *at;
	const char *p;
	size_t len;
	size_t local;
	size_t domain;

	if (!s)
		return false;
	len = strnlen(s, EMAIL_MAX + 1);
	if (len < 3 || len > EMAIL_MAX)
		return false;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || email_special(*p))
			return false;
	at = strchr(s, '@');
	if (!at || strchr(at + 1, '@'))
		return false;
	local = (size_t)(at - s);
	domain = len - local - 1;
	if (local < 1 || local > EMAIL_LOCAL_MAX || domain < 1 || domain > EMAIL_DOMAIN_MAX)
		return false;
	/* Dot-atom rules (RFC 5322 section 3.2.3): no leading, trailing or
	 * doubled dots, in the local part and in the domain alike. */
	if (s[0] == '.' || at[-1] == '.' || at[1] == '.' || s[len - 1] == '.')
		return false;
	if (strstr(s, ".."))
		return false;
	return strchr(at + 1, '.') != NULL;
}

/* Characters that show as nothing: white space and zero-width format
 * characters.  A name made only of these looks empty. */
static bool blank_code_point(uint32_t cp)
{
	return cp == 0x20 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200f) ||
	       cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x2060 ||
	       cp == 0x3000 || cp == 0xfeff;
}

bool idp_name_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	size_t i = 0;
	size_t chars = 0;
	bool visible = false;

	if (!s)
		return false;
	/* Bound the work before decoding: 100 code points are at most 400 bytes. */
	len = strnlen(s, NAME_MAX_CHARS * 4 + 1);
	if (len == 0 || len > NAME_MAX_CHARS * 4)
		return false;
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		/* Unicode category Cc: C0, DEL and C1 (TAB, CR and LF included). */
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return false;
		/* Line/paragraph separators and bidirectional embeddings, overrides
		 * and isolates: a name shown in the console must not reorder or
		 * break the text around it (Unicode TR 36, "Trojan Source"). */
		if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return false;
		if (!blank_code_point(cp))
			visible = true;
		if (++chars > NAME_MAX_CHARS)
			return false;
		i += n;
	}
	return visible;
}

bool idp_slug_valid(const char *s)
{
	size_t len;
	size_t i;

	if (!s)
		return false;
	len = strnlen(s, SLUG_MAX + 1);
	if (len == 0 || len > SLUG_MAX)
		return false;
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/* Add byte c at position *pos of out when it fits, always counting it. */
static void csv_put(char *out, size_t outsz, size_t *pos, char c)
{
	if (outsz > 0 && *pos < outsz - 1)
		out[*pos] = c;
	(*pos)++;
}

size_t idp_csv_field(const char *s, char *out, size_t outsz)
{
	size_t pos = 0;
	bool quote;
	const char *p;

	if (!s)
		s = "";
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		csv_put(out, outsz, &pos, '"');
	/* OWASP CSV injection: a leading quote makes the cell plain text. */
	if (s[0] && strchr("=+-@\t\r", s[0]))
		csv_put(out, outsz, &pos, '\'');
	for (p = s; *p; p++) {
		if (*p == '"')
			csv_put(out, outsz, &pos, '"');
		csv_put(out, outsz, &pos, *p);
	}
	if (quote)
		csv_put(out, outsz, &pos, '"');
	if (outsz > 0)
		out[pos < outsz ? pos : outsz - 1] = '\0';
	return pos;
}

void idp_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n, lead, need;

	if (!dstsz)
		return;
	src = src ? src : "";
	n = strnlen(src, dstsz);
	if (n < dstsz) {
		memcpy(dst, src, n + 1);
		return;
	}
	/* Too long: cut, and never in the middle of a UTF-8 sequence. */
	n = dstsz - 1;
	memcpy(dst, src, n);
	lead = n;
	while (lead > 0 && ((unsigned char)dst[lead - 1] & 0xC0) == 0x80 && n - lead < 3)
		lead--;
	if (lead > 0 && ((unsigned char)dst[lead - 1] & 0x80)) {
		unsigned char c = (unsigned char)dst[lead - 1];
		need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (n - (lead - 1) < need)
			n = lead - 1;
	}
	dst[n] = 0;
}
