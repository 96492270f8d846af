/*
 * URLs as the gateway compares them: see idp/app.h.  The rules follow RFC
 * 3986 (section 6.2.2 normalisation: case of scheme and host, percent-
 * encoding of unreserved characters, dot segments) and refuse, rather than
 * guess at, whatever upstream servers read in different ways: encoded
 * separators, backslashes, user information, bytes outside printable ASCII.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "idp/app.h"
#include "idp/text.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool unreserved(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Printable ASCII but space, '\\' and the characters no URL carries raw. */
static bool url_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\' && c != '"' && c != '<' && c != '>' && c != '`' &&
	       c != '{' && c != '}' && c != '|' && c != '^';
}

/* Scheme and authority of s into out; *rest points after them. */
static enum idp_err parse_authority(const char *s, struct idp_url *out, const char **rest)
{
	const char *a, *end, *colon = NULL;
	size_t hlen;

	if (strncasecmp(s, "https://", 8) == 0) {
		out->https = true;
		a = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		out->https = false;
		a = s + 7;
	} else {
		return IDP_ERR_INVALID;
	}
	end = a + strcspn(a, "/?#");
	for (const char *p = a; p < end; p++)
		if (*p == '@' || *p == '%' || !url_char_ok((unsigned char)*p))
			return IDP_ERR_INVALID;
	if (*a == '[') {
		const char *close = memchr(a, ']', (size_t)(end - a));
		if (!close)
			return IDP_ERR_INVALID;
		if (close + 1 < end) {
			if (close[1] != ':')
				return IDP_ERR_INVALID;
			colon = close + 1;
		}
		hlen = (size_t)(close + 1 - a);
		for (const char *p = a + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return IDP_ERR_INVALID;
	} else {
		colon = memchr(a, ':', (size_t)(end - a));
		hlen = (size_t)((colon ? colon : end) - a);
		for (const char *p = a; p < a + hlen; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
				return IDP_ERR_INVALID;
		/* One trailing dot names the same host (a fully qualified name). */
		if (hlen > 1 && a[hlen - 1] == '.')
			hlen--;
		if (hlen && (a[0] == '.' || a[hlen - 1] == '.' || memmem(a, hlen, "..", 2)))
			return IDP_ERR_INVALID;
	}
	if (hlen == 0 || hlen >= sizeof out->host)
		return IDP_ERR_INVALID;
	memcpy(out->host, a, hlen);
	out->host[hlen] = 0;
	idp_ascii_lower(out->host);
	out->port = out->https ? 443 : 80;
	if (colon) {
		unsigned port = 0;
		const char *p = colon + 1;
		if (p == end || end - p > 5)
			return IDP_ERR_INVALID;
		for (; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return IDP_ERR_INVALID;
			port = port * 10 + (unsigned)(*p - '0');
		}
		if (port == 0 || port > 65535)
			return IDP_ERR_INVALID;
		out->port = port;
	}
	*rest = end;
	return IDP_OK;
}

/* Append segment seg (n bytes) to path (*len used of IDP_URL_PATH_MAX + 1),
 * or go up one for "..": false when it does not fit or climbs above the root. */
static bool path_step(char *path, size_t *len, const char *seg, size_t n, bool up)
{
	if (up) {
		char *last = *len ? strrchr(path, '/') : NULL;
		if (!last)
			return false;
		*len = (size_t)(last - path);
		path[*len] = 0;
		return true;
	}
	if (*len + 1 + n > IDP_URL_PATH_MAX)
		return false;
	path[(*len)++] = '/';
	memcpy(path + *len, seg, n);
	*len += n;
	path[*len] = 0;
	return true;
}

/* Normalise the path [p, end) into out->path, and into out->alt as servers
 * that decode every escape and take ';' literally read it.  strict: refuse
 * what an app's base URL never needs (dot and empty segments, path
 * parameters). */
static enum idp_err parse_path(const char *p, const char *end, bool strict, struct idp_url *out)
{
	char seg[IDP_URL_PATH_MAX + 1], alt[IDP_URL_PATH_MAX + 1];
	size_t len = 0, alen = 0, slen, blen;

	out->path[0] = out->alt[0] = 0;
	if (p < end && *p != '/')
		return IDP_ERR_INVALID;
	while (p < end) {
		const char *s = p + 1, *e = s;
		bool param = false, dot, dotdot;
		while (e < end && *e != '/')
			e++;
		if ((size_t)(e - s) > IDP_URL_PATH_MAX)
			return IDP_ERR_INVALID;
		slen = blen = 0;
		for (const char *q = s; q < e; q++) {
			unsigned char c = (unsigned char)*q;
			if (!url_char_ok(c))
				return IDP_ERR_INVALID;
			if (c == ';') {
				/* Path parameters ("/a;x=1"): servers that honour them
				 * route by the name before ';'. */
				if (strict)
					return IDP_ERR_INVALID;
				param = true;
			}
			if (c == '%') {
				int hi = q + 2 < e ? hexval(q[1]) : -1,
				    lo = hi >= 0 ? hexval(q[2]) : -1, v;
				if (hi < 0 || lo < 0)
					return IDP_ERR_INVALID;
				v = hi << 4 | lo;
				/* An encoded separator or NUL is read as one by some
				 * servers and not by others: never guess. */
				if (v == '/' || v == '\\' || v == 0)
					return IDP_ERR_INVALID;
				alt[blen++] = (char)v;
				if (!param) {
					if (unreserved(v))
						seg[slen++] = (char)v;
					else
						slen +=
						    (size_t)snprintf(seg + slen, 4, "%%%02X", v);
				}
				q += 2;
				continue;
			}
			alt[blen++] = (char)c;
			if (!param)
				seg[slen++] = (char)c;
		}
		seg[slen] = alt[blen] = 0;
		p = e;
		dot = strcmp(seg, ".") == 0;
		dotdot = strcmp(seg, "..") == 0;
		/* "..;x" is ".." to some servers and a name to others (nginx,
		 * Caddy): never guess. */
		if (param && (dot || dotdot))
			return IDP_ERR_INVALID;
		if (slen == 0 || dot) {
			/* "//", "/./" and a trailing "/" add nothing. */
			if (strict && (slen || p < end))
				return IDP_ERR_INVALID;
			if (slen == 0 && blen)
				return IDP_ERR_INVALID; /* ";x" alone: a name only to some */
			continue;
		}
		if (dotdot && strict)
			return IDP_ERR_INVALID;
		if (!path_step(out->path, &len, seg, slen, dotdot) ||
		    !path_step(out->alt, &alen, alt, blen, dotdot))
			return IDP_ERR_INVALID;
	}
	return IDP_OK;
}

static enum idp_err url_parse(const char *s, bool strict, struct idp_url *out)
{
	const char *rest, *end;
	enum idp_err err;

	memset(out, 0, sizeof *out);
	if (!s || strnlen(s, IDP_URL_MAX + 1) > IDP_URL_MAX)
		return IDP_ERR_INVALID;
	err = parse_authority(s, out, &rest);
	if (err)
		return err;
	end = rest + strcspn(rest, "?#");
	if (strict && *end)
		return IDP_ERR_INVALID;
	for (const char *q = end; *q; q++)
		if (!url_char_ok((unsigned char)*q))
			return IDP_ERR_INVALID;
	return parse_path(rest, end, strict, out);
}

enum idp_err idp_url_parse(const char *s, struct idp_url *out)
{
	return url_parse(s, false, out);
}

/* The origin of u as a browser is sent to it. */
static int origin(const struct idp_url *u, char *out, size_t outsz)
{
	bool dflt = u->port == (u->https ? 443u : 80u);
	char port[8] = "";

	if (!dflt)
		snprintf(port, sizeof port, ":%u", u->port);
	return snprintf(out, outsz, "%s://%s%s", u->https ? "https" : "http", u->host, port);
}

enum idp_err idp_app_url_parse(const char *s, struct idp_url *out, char *canon)
{
	int n;

	if (!s || strlen(s) > IDP_APP_URL_MAX || url_parse(s, true, out))
		return IDP_ERR_INVALID;
	n = origin(out, canon, IDP_APP_URL_MAX + 1);
	if (n < 0 || (size_t)n + strlen(out->path) > IDP_APP_URL_MAX)
		return IDP_ERR_INVALID;
	strcat(canon, out->path);
	return IDP_OK;
}

/* The ways servers read one path: as normalised here; ignoring case
 * (Caddy's path matcher, IIS); with every escape decoded and ';' taken
 * literally (nginx, Go, most frameworks). */
enum reading { READ_NORMAL, READ_NOCASE, READ_DECODED };

/* Whether u is inside base under reading r. */
static bool within(const struct idp_url *u, const struct idp_url *base, enum reading r)
{
	const char *up = r == READ_DECODED ? u->alt : u->path;
	const char *bp = r == READ_DECODED ? base->alt : base->path;
	size_t n = strlen(bp);

	if (u->https != base->https || u->port != base->port || strcmp(u->host, base->host) != 0)
		return false;
	if ((r == READ_NOCASE ? strncasecmp(up, bp, n) : strncmp(up, bp, n)) != 0)
		return false;
	return up[n] == 0 || up[n] == '/';
}

bool idp_url_within(const struct idp_url *u, const struct idp_url *base)
{
	return within(u, base, READ_NORMAL);
}

static const struct idp_app *longest(const struct idp_app *apps, int n, const struct idp_url *u,
                                     enum reading r)
{
	const struct idp_app *best = NULL;

	for (int i = 0; i < n; i++)
		if (within(u, &apps[i].u, r) &&
		    (!best || strlen(apps[i].u.path) > strlen(best->u.path)))
			best = &apps[i];
	return best;
}

const struct idp_app *idp_app_match(const struct idp_app *apps, int n, const struct idp_url *u,
                                    bool *ambiguous)
{
	const struct idp_app *exact = longest(apps, n, u, READ_NORMAL);

	/* A URL that another reading would hand to another app belongs to
	 * none: the gateway cannot know which reading the upstream uses. */
	*ambiguous =
	    longest(apps, n, u, READ_NOCASE) != exact || longest(apps, n, u, READ_DECODED) != exact;
	return *ambiguous ? NULL : exact;
}

bool idp_app_redirect_ok(const struct idp_app *apps, int n, const char *rd, char *out)
{
	struct idp_url u;
	const char *rest;
	int len;

	bool ambiguous;

	if (!rd || url_parse(rd, false, &u) || !idp_app_match(apps, n, &u, &ambiguous))
		return false;
	/* Send the browser to the origin as parsed here and the rest as given
	 * (already refused above unless printable ASCII without '\\'). */
	if (parse_authority(rd, &u, &rest))
		return false;
	len = origin(&u, out, IDP_URL_MAX + 1);
	if (len < 0 || (size_t)len + strlen(rest) > IDP_URL_MAX)
		return false;
	strcat(out, rest);
	return true;
}

bool idp_roleset_add(unsigned *set, const char *name)
{
	enum idp_role r;

	if (!name || !idp_role_parse(name, &r) || (*set & IDP_ROLESET(r)))
		return false;
	*set |= IDP_ROLESET(r);
	return true;
}

const char *idp_roleset_name(unsigned set)
{
	switch (set) {
	case IDP_ROLESET_USER: return "user";
	case IDP_ROLESET_ADMIN: return "admin";
	case IDP_ROLESET_ALL: return "user,admin";
	default: return NULL;
	}
}

bool idp_roleset_parse(const char *stored, unsigned *set)
{
	static const unsigned sets[] = {IDP_ROLESET_USER, IDP_ROLESET_ADMIN, IDP_ROLESET_ALL};

	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
		if (stored && strcmp(stored, idp_roleset_name(sets[i])) == 0) {
			*set = sets[i];
			return true;
		}
	return false;
}
