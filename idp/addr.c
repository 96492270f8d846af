/*
 * IP addresses and CIDR ranges.  IPv4 is kept as an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d, RFC 4291 section 2.5.5.2) so one 128-bit
 * comparison serves both families; an IPv4 prefix p becomes 96 + p.
 * X-Forwarded-For is trusted only when the socket peer is one of the
 * configured proxies, and then walked from the right (the end our own
 * proxies appended) past further trusted proxies.
 * No I/O and no globals; safe from any thread.
 */
#include "idp/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XFF_MAX_ELEMENTS 64
#define ADDR_TEXT_MAX    63 /* longer than any address inet_pton accepts */

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
	/* Whom a request comes from when the chain cannot be read: nobody in
	 * particular ("::", in no allow list but "::/0"), never the trusted
	 * proxy that passed it on, which allow lists may well name. */
	struct idp_addr unknown = {{0}};
	size_t end;
	unsigned walked;

	if (!xff || !idp_cidr_list_contains(trusted, n, peer) || !xff[strspn(xff, " \t")])
		return *peer; /* no header, or an empty one: the peer is the client */
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
			return unknown;
		memcpy(text, xff + start, stop - start);
		text[stop - start] = '\0';
		if (idp_addr_parse(text, &a))
			return unknown;
		/* The first address that is not one of our proxies is the client;
		 * at the left end, all were ours: the leftmost is. */
		if (!idp_cidr_list_contains(trusted, n, &a) || begin == 0)
			return a;
		end = begin - 1;
	}
	return unknown;
}
