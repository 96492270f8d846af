/*
 * Recovery codes: single-use fallbacks for a lost authenticator, shown once
 * and stored hashed by the caller.  Twelve symbols of Crockford's base32
 * (https://www.crockford.com/base32.html) give 60 bits, written lower case
 * in three groups of four.  The alphabet has no i, l, o or u, so no two of
 * its symbols look alike; when a user types one of those look-alikes anyway,
 * normalisation reads it the way Crockford's decoding does.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#include "idp/log.h"
#include "mfa/mfa.h"

#define SYMBOLS 12
#define IN_MAX  64 /* longer typed input is refused unread */

static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";

enum idp_err mfa_recovery_new(char out[MFA_RECOVERY_LEN + 1])
{
	unsigned char rnd[SYMBOLS];
	size_t o = 0;

	if (!out)
		return IDP_ERR_INVALID;
	out[0] = '\0';
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		idp_error("RAND_bytes failed for a recovery code");
		OPENSSL_cleanse(rnd, sizeof(rnd));
		return IDP_ERR_CRYPTO;
	}
	for (int i = 0; i < SYMBOLS; i++) {
		if (i == 4 || i == 8)
			out[o++] = '-';
		out[o++] = alphabet[rnd[i] & 31]; /* 32 divides 256: uniform */
	}
	out[o] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return IDP_OK;
}

/* The canonical symbol for a typed character, or 0 when it is none. */
static char symbol(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	switch (c) {
	case 'o': return '0';
	case 'i':
	case 'l': return '1';
	default: break;
	}
	if (c != '\0' && strchr(alphabet, c))
		return c;
	return 0;
}

bool mfa_recovery_normalize(const char *in, char out[MFA_RECOVERY_LEN + 1])
{
	size_t len, b = 0, e, o = 0, n = 0;
	bool dash_ok = false;

	if (!out)
		return false;
	out[0] = '\0';
	if (!in)
		return false;
	len = strnlen(in, IN_MAX + 1);
	if (len > IN_MAX)
		return false;
	while (b < len && (in[b] == ' ' || in[b] == '\t'))
		b++;
	e = len;
	while (e > b && (in[e - 1] == ' ' || in[e - 1] == '\t'))
		e--;
	for (size_t i = b; i < e; i++) {
		char c = in[i];

		if (c == '-') {
			/* A dash only between groups, at most one there. */
			if (!dash_ok)
				goto fail;
			dash_ok = false;
			continue;
		}
		c = symbol(c);
		if (!c || n == SYMBOLS)
			goto fail;
		if (n == 4 || n == 8)
			out[o++] = '-';
		out[o++] = c;
		n++;
		dash_ok = n == 4 || n == 8;
	}
	if (n != SYMBOLS)
		goto fail;
	out[o] = '\0';
	return true;
fail:
	OPENSSL_cleanse(out, MFA_RECOVERY_LEN + 1);
	out[0] = '\0';
	return false;
}
