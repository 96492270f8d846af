/*
 * Small pure helpers shared by every layer.
 *
 * Tokens: 32 bytes from the OS CSPRNG, handed to clients as unpadded
 * base64url and stored only as SHA-256 hashes; comparisons of secrets are
 * constant-time and secrets are wiped with explicit_bzero.
 *
 * Text: validators for UTF-8, display names, e-mail addresses and tenant slugs.
 * They are deliberately strict: anything they accept can be logged, shown in
 * HTML after escaping, and stored without further checks.
 *
 * Addresses: IPv4 is kept as an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
 * RFC 4291 section 2.5.5.2) so one 128-bit comparison serves both families; an
 * IPv4 prefix p becomes 96 + p.  X-Forwarded-For is trusted only when the
 * socket peer is one of the configured proxies, and then walked from the right
 * (the end our own proxies appended) past further trusted proxies.
 *
 * Output: safe local redirect targets (no open redirects) and CSV fields that
 * spreadsheets will not evaluate as formulas (OWASP "CSV Injection").
 *
 * No I/O and no globals; every function is safe to call from any thread.
 */
#include "idp/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define REDIRECT_MAX     2048
#define EMAIL_MAX        254 /* RFC 5321 section 4.5.3.1.3 path limit minus the brackets */
#define EMAIL_LOCAL_MAX  64
#define EMAIL_DOMAIN_MAX 253
#define NAME_MAX_CHARS   100
#define SLUG_MAX         63
#define XFF_MAX_ELEMENTS 64
#define ADDR_TEXT_MAX    63 /* longer than any address inet_pton accepts */

/* ---- randomness, hashes, encodings ---- */

enum idp_err idp_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	/* RAND_bytes takes an int, so feed it in chunks. */
	while (n > 0) {
		int chunk = n > INT_MAX ? INT_MAX : (int)n;

		if (RAND_bytes(p, chunk) != 1)
			return IDP_ERR_CRYPTO;
		p += chunk;
		n -= (size_t)chunk;
	}
	return IDP_OK;
}

enum idp_err idp_token_new(char out[IDP_TOKEN_LEN + 1])
{
	unsigned char raw[IDP_TOKEN_BYTES];
	enum idp_err err;

	out[0] = '\0';
	err = idp_random(raw, sizeof raw);
	if (err)
		goto out;
	if (idp_b64url_encode(raw, sizeof raw, out, IDP_TOKEN_LEN + 1) != IDP_TOKEN_LEN)
		err = IDP_ERR_CRYPTO; /* cannot happen: the sizes are constants */
out:
	idp_wipe(raw, sizeof raw);
	return err;
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of base64url character c, or -1. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

bool idp_token_syntax_ok(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < IDP_TOKEN_LEN; i++)
		if (b64url_value((unsigned char)s[i]) < 0)
			return false; /* also stops at a NUL before the end */
	return s[IDP_TOKEN_LEN] == '\0';
}

/* The one-shot digests only fail when OpenSSL cannot allocate or has no
 * provider; carrying on with an unset digest could make unrelated secrets
 * compare equal, so that is fatal rather than reported. */
void idp_sha256(const void *data, size_t n, unsigned char out[IDP_SHA256_LEN])
{
	static const unsigned char empty = 0;

	if (!SHA256(data ? data : &empty, n, out))
		abort();
}

void idp_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                     unsigned char out[IDP_SHA256_LEN])
{
	static const unsigned char empty = 0;
	unsigned int outlen = 0;

	if (keylen > INT_MAX)
		abort();
	if (!HMAC(EVP_sha256(), key ? key : &empty, (int)keylen, data ? data : &empty, n, out,
	          &outlen) ||
	    outlen != IDP_SHA256_LEN)
		abort();
}

void idp_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

size_t idp_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t need;
	size_t i;
	size_t o = 0;

	if (n / 3 >= (SIZE_MAX - 4) / 4)
		return 0;
	need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	if (outsz < need + 1)
		return 0;
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64url_alphabet[v >> 18 & 63];
		out[o++] = b64url_alphabet[v >> 12 & 63];
		out[o++] = b64url_alphabet[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/* Strict decoding (RFC 4648 section 3.5): the unused low bits of the last
 * character must be zero, so every byte string has exactly one encoding. */
enum idp_err idp_b64url_decode(const char *s, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t len;
	size_t need;
	size_t i;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (outlen)
		*outlen = 0;
	if (!s)
		return IDP_ERR_INVALID;
	len = strlen(s);
	if (len % 4 == 1)
		return IDP_ERR_INVALID;
	for (i = 0; i < len; i++)
		if (b64url_value((unsigned char)s[i]) < 0)
			return IDP_ERR_INVALID;
	if (len % 4 == 2 && (b64url_value((unsigned char)s[len - 1]) & 0x0f))
		return IDP_ERR_INVALID;
	if (len % 4 == 3 && (b64url_value((unsigned char)s[len - 1]) & 0x03))
		return IDP_ERR_INVALID;
	need = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (need > outsz)
		return IDP_ERR_TOO_LARGE;
	for (i = 0; i < len; i++) {
		acc = (acc << 6 | (uint32_t)b64url_value((unsigned char)s[i])) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (outlen)
		*outlen = o;
	return IDP_OK;
}

bool idp_ct_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return true;
	return CRYPTO_memcmp(a, b, n) == 0;
}

void idp_wipe(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}

/* ---- text ---- */

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

/* ---- addresses ---- */

static const unsigned char v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool addr_is_v4mapped(const struct idp_addr *a)
{
	return memcmp(a->b, v4mapped_prefix, sizeof v4mapped_prefix) == 0;
}

/* Parse s as an address; *v4 says whether it was written as IPv4.
 * inet_pton already refuses brackets, ports, zones, white space and
 * (on glibc) IPv4 octets with leading zeros. */
static enum idp_err addr_parse(const char *s, struct idp_addr *out, bool *v4)
{
	struct in_addr a4;

	if (!s || !*s)
		return IDP_ERR_INVALID;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out->b, v4mapped_prefix, sizeof v4mapped_prefix);
		memcpy(out->b + 12, &a4, 4);
		*v4 = true;
		return IDP_OK;
	}
	if (inet_pton(AF_INET6, s, out->b) == 1) {
		*v4 = false;
		return IDP_OK;
	}
	return IDP_ERR_INVALID;
}

enum idp_err idp_addr_parse(const char *s, struct idp_addr *out)
{
	struct idp_addr a;
	bool v4;
	enum idp_err err;

	err = addr_parse(s, &a, &v4);
	if (err)
		return err;
	*out = a;
	return IDP_OK;
}

void idp_addr_format(const struct idp_addr *a, char out[46])
{
	if (addr_is_v4mapped(a)) {
		if (!inet_ntop(AF_INET, a->b + 12, out, 46))
			out[0] = '\0';
		return;
	}
	if (!inet_ntop(AF_INET6, a->b, out, 46))
		out[0] = '\0';
}

/* Clear the bits of a beyond prefix; returns true if any were set. */
static bool addr_mask(struct idp_addr *a, unsigned prefix)
{
	bool host_bits = false;
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned char keep;

		if (prefix >= 8 * (i + 1))
			continue;
		keep = prefix > 8 * i ? (unsigned char)(0xff << (8 - (prefix - 8 * i))) : 0;
		if (a->b[i] & ~keep)
			host_bits = true;
		a->b[i] &= keep;
	}
	return host_bits;
}

/* Decimal prefix length: 1..3 digits, no sign, no leading zero. */
static enum idp_err prefix_parse(const char *s, unsigned *out)
{
	size_t len = strnlen(s, 4);
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return IDP_ERR_INVALID;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return IDP_ERR_INVALID;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return IDP_OK;
}

enum idp_err idp_cidr_parse(const char *s, struct idp_cidr *out)
{
	char text[ADDR_TEXT_MAX + 1];
	struct idp_cidr c;
	const char *slash;
	size_t alen;
	unsigned prefix;
	bool v4;
	enum idp_err err;

	if (!s)
		return IDP_ERR_INVALID;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strnlen(s, ADDR_TEXT_MAX + 1);
	if (alen == 0 || alen > ADDR_TEXT_MAX)
		return IDP_ERR_INVALID;
	memcpy(text, s, alen);
	text[alen] = '\0';
	err = addr_parse(text, &c.addr, &v4);
	if (err)
		return err;
	if (!slash) {
		c.prefix = 128;
		*out = c;
		return IDP_OK;
	}
	err = prefix_parse(slash + 1, &prefix);
	if (err)
		return err;
	if (prefix > (v4 ? 32u : 128u))
		return IDP_ERR_INVALID;
	c.prefix = v4 ? 96 + prefix : prefix;
	if (addr_mask(&c.addr, c.prefix))
		return IDP_ERR_INVALID; /* "10.0.0.1/8" is a typo, not a range */
	*out = c;
	return IDP_OK;
}

void idp_cidr_format(const struct idp_cidr *c, char out[50])
{
	char a[46];
	unsigned prefix = c->prefix;

	idp_addr_format(&c->addr, a);
	/* A range that lies inside ::ffff:0:0/96 is an IPv4 range. */
	if (prefix >= 96 && addr_is_v4mapped(&c->addr))
		prefix -= 96;
	snprintf(out, 50, "%s/%u", a, prefix);
}

bool idp_cidr_contains(const struct idp_cidr *c, const struct idp_addr *a)
{
	struct idp_addr m = *a;

	if (c->prefix > 128)
		return false;
	addr_mask(&m, c->prefix);
	return memcmp(m.b, c->addr.b, sizeof m.b) == 0;
}

bool idp_cidr_list_contains(const struct idp_cidr *list, size_t n, const struct idp_addr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (idp_cidr_contains(&list[i], a))
			return true;
	return false;
}

static bool list_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Copy the element s[0..len) into bad[0..badsz), truncated, NUL-terminated. */
static void copy_bad(char *bad, size_t badsz, const char *s, size_t len)
{
	if (!bad || badsz == 0)
		return;
	if (len > badsz - 1)
		len = badsz - 1;
	memcpy(bad, s, len);
	bad[len] = '\0';
}

enum idp_err idp_cidr_list_parse(const char *s, struct idp_cidr **out, size_t *n, char *bad,
                                 size_t badsz)
{
	struct idp_cidr *list = NULL;
	size_t count = 0;
	size_t i = 0;
	const char *p;
	enum idp_err err = IDP_OK;

	*out = NULL;
	*n = 0;
	if (bad && badsz > 0)
		bad[0] = '\0';
	if (!s)
		return IDP_OK;
	/* Count elements first so the array is allocated once. */
	for (p = s; *p;) {
		while (list_separator(*p))
			p++;
		if (!*p)
			break;
		count++;
		while (*p && !list_separator(*p))
			p++;
	}
	if (count == 0)
		return IDP_OK;
	list = calloc(count, sizeof *list);
	if (!list)
		return IDP_ERR_NOMEM;
	for (p = s; i < count;) {
		char text[ADDR_TEXT_MAX + 5]; /* address, '/', three digits, NUL */
		size_t len = 0;

		while (list_separator(*p))
			p++;
		while (p[len] && !list_separator(p[len]))
			len++;
		if (len >= sizeof text) {
			err = IDP_ERR_INVALID;
		} else {
			memcpy(text, p, len);
			text[len] = '\0';
			err = idp_cidr_parse(text, &list[i]);
		}
		if (err) {
			copy_bad(bad, badsz, p, len);
			goto out;
		}
		i++;
		p += len;
	}
	*out = list;
	*n = count;
	list = NULL;
out:
	free(list);
	return err;
}

/* Trim spaces and tabs (RFC 9110 OWS) around x[*start..*end). */
static void trim_ows(const char *x, size_t *start, size_t *end)
{
	while (*start < *end && (x[*start] == ' ' || x[*start] == '\t'))
		(*start)++;
	while (*end > *start && (x[*end - 1] == ' ' || x[*end - 1] == '\t'))
		(*end)--;
}

struct idp_addr idp_client_addr(const struct idp_addr *peer, const char *xff,
                                const struct idp_cidr *trusted, size_t n)
{
	struct idp_addr last = *peer;
	size_t end;
	unsigned walked;

	if (!xff || !idp_cidr_list_contains(trusted, n, peer))
		return *peer;
	end = strlen(xff);
	/* Right to left: the rightmost element was added by the proxy that
	 * talked to us, so it is the most trustworthy; everything further left
	 * was supplied by whoever talked to that proxy. */
	for (walked = 0; walked < XFF_MAX_ELEMENTS; walked++) {
		char text[ADDR_TEXT_MAX + 1];
		struct idp_addr a;
		size_t begin = end;
		size_t start;
		size_t stop = end;

		while (begin > 0 && xff[begin - 1] != ',')
			begin--;
		start = begin;
		trim_ows(xff, &start, &stop);
		if (stop - start == 0 || stop - start > ADDR_TEXT_MAX)
			break;
		memcpy(text, xff + start, stop - start);
		text[stop - start] = '\0';
		if (idp_addr_parse(text, &a))
			break;
		last = a;
		if (!idp_cidr_list_contains(trusted, n, &a))
			break;
		/* At the left end all were trusted; else step over the comma. */
		if (begin == 0)
			break;
		end = begin - 1;
	}
	return last;
}

/* ---- output ---- */

static bool hex_pair_is(const char *p, char hi, char lo)
{
	return p[0] == '%' && p[1] == hi && (char)tolower((unsigned char)p[2]) == lo;
}

bool idp_redirect_safe(const char *rd)
{
	size_t len;
	size_t i;

	if (!rd)
		return false;
	len = strnlen(rd, REDIRECT_MAX + 1);
	if (len == 0 || len > REDIRECT_MAX)
		return false;
	/* A path-absolute reference (RFC 3986 section 4.2) and nothing that a
	 * browser turns into a network-path reference: "//host" and, since
	 * browsers treat '\' as '/', "/\host".  Some servers decode %2F and
	 * %5C before routing, so "/%2F..." and "/%5C..." are refused too. */
	if (rd[0] != '/' || rd[1] == '/' || rd[1] == '\\')
		return false;
	if (hex_pair_is(rd + 1, '2', 'f') || hex_pair_is(rd + 1, '5', 'c'))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)rd[i];

		/* Browsers strip TAB, CR and LF inside URLs ("/\t/evil" becomes
		 * "//evil"); a real target is percent-encoded, so anything
		 * outside printable ASCII, and the space, is refused. */
		if (c <= 0x20 || c >= 0x7f || c == '\\')
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

/* ---- time ---- */

/* Write v as exactly width decimal digits ending before p. */
static void put_digits(char *p, unsigned v, int width)
{
	while (width-- > 0) {
		*--p = (char)('0' + v % 10);
		v /= 10;
	}
}

void idp_time_iso(int64_t t, char out[21])
{
	/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the four-digit years. */
	const int64_t min = INT64_C(-62167219200);
	const int64_t max = INT64_C(253402300799);
	struct tm tm;
	time_t tt;

	if (t < min)
		t = min;
	if (t > max)
		t = max;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm)) {
		/* Cannot happen for the clamped range with a 64-bit time_t. */
		memcpy(out, "1970-01-01T00:00:00Z", 21);
		return;
	}
	memcpy(out, "0000-00-00T00:00:00Z", 21);
	put_digits(out + 4, (unsigned)(tm.tm_year + 1900), 4);
	put_digits(out + 7, (unsigned)(tm.tm_mon + 1), 2);
	put_digits(out + 10, (unsigned)tm.tm_mday, 2);
	put_digits(out + 13, (unsigned)tm.tm_hour, 2);
	put_digits(out + 16, (unsigned)tm.tm_min, 2);
	put_digits(out + 19, (unsigned)tm.tm_sec, 2);
}

int64_t idp_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
