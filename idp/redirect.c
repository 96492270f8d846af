/*
 * Where a browser may be sent after login: only local paths, so nobody can
 * turn a Sekisho link into a redirect to a site of their choosing (OWASP
 * "Unvalidated Redirects and Forwards").
 */
#include "idp/redirect.h"

#include <ctype.h>
#include <string.h>

#define REDIRECT_MAX 2048

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
