/*
 * TOTP (RFC 6238) and the text forms around it: RFC 4648 base32 and the
 * otpauth:// key URI that authenticator apps scan.  HOTP itself (RFC 4226
 * HMAC-SHA-1 and dynamic truncation) is liboath's; the time window and the
 * constant-time comparison are ours, so that every step in the window is
 * computed and compared whatever matches.
 */
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "mfa/mfa.h"

#define TOTP_STEP    30 /* RFC 6238 §4.1 X, the usual default */
#define TOTP_DIGITS  6
#define B32_IN_MAX   4096 /* longer base32 text is refused unread */
#define URI_PART_MAX 512

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

enum idp_err mfa_totp_secret_new(unsigned char secret[MFA_TOTP_SECRET_LEN])
{
	if (!secret)
		return IDP_ERR_INVALID;
	if (RAND_bytes(secret, MFA_TOTP_SECRET_LEN) != 1) {
		OPENSSL_cleanse(secret, MFA_TOTP_SECRET_LEN);
		idp_error("RAND_bytes failed for a TOTP secret");
		return IDP_ERR_CRYPTO;
	}
	return IDP_OK;
}

void mfa_base32_encode(const unsigned char *in, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	unsigned buf = 0;
	int bits = 0;

	if (!out || outsz == 0)
		return;
	out[0] = '\0';
	if ((!in && n > 0) || n > (SIZE_MAX - 5) / 8 || (n * 8 + 4) / 5 + 1 > outsz)
		return;
	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(buf >> bits) & 31];
		}
		buf &= (1u << bits) - 1; /* keep only the unread bits (no overflow) */
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(buf << (5 - bits)) & 31];
	out[o] = '\0';
	buf = 0;
}

static int b32_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

enum idp_err mfa_base32_decode(const char *in, unsigned char *out, size_t outsz, size_t *outlen)
{
	size_t len, d, pad = 0, nout, o = 0;
	unsigned buf = 0;
	int bits = 0;
	enum idp_err err = IDP_ERR_INVALID;

	if (outlen)
		*outlen = 0;
	if (!in || (!out && outsz > 0))
		return IDP_ERR_INVALID;
	len = strnlen(in, B32_IN_MAX + 1);
	if (len > B32_IN_MAX)
		return IDP_ERR_INVALID;
	while (pad < len && in[len - 1 - pad] == '=')
		pad++;
	d = len - pad;
	/* RFC 4648 §6: a final quantum of 8, 16, 24 or 32 bits gives 2, 4, 5 or 7 symbols
	 * followed by 6, 4, 3 or 1 '='. */
	switch (d % 8) {
	case 0:
		if (pad != 0)
			return IDP_ERR_INVALID;
		break;
	case 2:
	case 4:
	case 5:
	case 7:
		if (pad != 0 && d % 8 + pad != 8)
			return IDP_ERR_INVALID;
		break;
	default: return IDP_ERR_INVALID;
	}
	nout = d * 5 / 8;
	if (nout > outsz)
		return IDP_ERR_TOO_LARGE;
	for (size_t i = 0; i < d; i++) {
		int v = b32_value(in[i]);

		if (v < 0)
			goto out;
		buf = (buf << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(buf >> bits);
		}
		buf &= (1u << bits) - 1;
	}
	/* Canonical encodings only (RFC 4648 §3.5): the unused low bits are zero. */
	if (buf != 0)
		goto out;
	if (outlen)
		*outlen = o;
	err = IDP_OK;
out:
	buf = 0;
	if (err != IDP_OK && o > 0)
		OPENSSL_cleanse(out, o);
	return err;
}

/* RFC 3986 §2.3 unreserved characters pass; every other byte becomes %XX. */
static char *pct_append(char *p, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			*p++ = (char)c;
			continue;
		}
		*p++ = '%';
		*p++ = hex[c >> 4];
		*p++ = hex[c & 15];
	}
	return p;
}

char *mfa_otpauth_uri(const char *issuer, const char *account, const unsigned char *secret,
                      size_t n)
{
	static const char head[] = "otpauth://totp/";
	static const char q1[] = "?secret=";
	static const char q2[] = "&issuer=";
	static const char tail[] = "&algorithm=SHA1&digits=6&period=30";
	char b32[MFA_B32_MAX];
	size_t li, la, size;
	char *uri = NULL, *p;

	if (!issuer || !account || !secret || n == 0 || (n * 8 + 4) / 5 + 1 > sizeof(b32))
		return NULL;
	li = strnlen(issuer, URI_PART_MAX + 1);
	la = strnlen(account, URI_PART_MAX + 1);
	if (li == 0 || la == 0 || li > URI_PART_MAX || la > URI_PART_MAX)
		return NULL;
	mfa_base32_encode(secret, n, b32, sizeof(b32));
	size = sizeof(head) + 3 * li + 1 + 3 * la + sizeof(q1) + strlen(b32) + sizeof(q2) + 3 * li +
	       sizeof(tail) + 1;
	uri = malloc(size);
	if (!uri)
		goto out;
	p = uri;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	/* Key URI format: the label is "issuer:account" with both parts encoded, so a ':'
	 * inside either cannot move the split. */
	p = pct_append(p, issuer);
	*p++ = ':';
	p = pct_append(p, account);
	memcpy(p, q1, sizeof(q1) - 1);
	p += sizeof(q1) - 1;
	memcpy(p, b32, strlen(b32));
	p += strlen(b32);
	memcpy(p, q2, sizeof(q2) - 1);
	p += sizeof(q2) - 1;
	p = pct_append(p, issuer);
	memcpy(p, tail, sizeof(tail)); /* with its NUL */
out:
	OPENSSL_cleanse(b32, sizeof(b32));
	return uri;
}

bool mfa_totp_code_syntax(const char *code)
{
	if (!code)
		return false;
	for (int i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return false; /* also stops at the NUL of a short code */
	return code[TOTP_DIGITS] == '\0';
}

/* RFC 4226 HOTP at counter, 6 digits, into out[7]. */
static enum idp_err hotp(const unsigned char *secret, size_t n, uint64_t counter, char out[7])
{
	int rc = oath_hotp_generate((const char *)secret, n, counter, TOTP_DIGITS, false,
	                            OATH_HOTP_DYNAMIC_TRUNCATION, out);

	if (rc != OATH_OK) {
		out[0] = '\0';
		idp_error("oath_hotp_generate: [%d] %s", rc, oath_strerror(rc));
		return IDP_ERR_CRYPTO;
	}
	return IDP_OK;
}

enum idp_err mfa_totp_code(const unsigned char *secret, size_t n, int64_t now, char out[7])
{
	if (!out)
		return IDP_ERR_INVALID;
	out[0] = '\0';
	if (!secret || n == 0 || now < 0)
		return IDP_ERR_INVALID;
	/* RFC 6238 §4.2: T = floor((now - T0) / X), T0 = 0; now >= 0 so '/' is floor. */
	return hotp(secret, n, (uint64_t)(now / TOTP_STEP), out);
}

enum idp_err mfa_totp_check(const unsigned char *secret, size_t n, int64_t now, const char *code,
                            int64_t *step)
{
	/* Preference order when more than one step matches: current, earlier, later. */
	static const int offsets[3] = {0, -1, 1};
	char gen[7];
	uint64_t t;
	int64_t found = -1;
	enum idp_err err = IDP_OK;

	if (!secret || n == 0 || now < 0)
		return IDP_ERR_INVALID;
	if (!mfa_totp_code_syntax(code))
		return IDP_ERR_AUTH;
	t = (uint64_t)(now / TOTP_STEP);
	/* RFC 6238 §5.2: accept one step of drift either way.  No early exit: the time
	 * taken does not depend on which step (if any) matched. */
	for (int i = 0; i < 3; i++) {
		uint64_t s;
		int same;

		if (offsets[i] < 0 && t == 0)
			continue; /* no step before the epoch */
		s = t + (uint64_t)(int64_t)offsets[i];
		err = hotp(secret, n, s, gen);
		if (err != IDP_OK)
			goto out;
		same = CRYPTO_memcmp(gen, code, TOTP_DIGITS) == 0;
		if (same && found < 0)
			found = (int64_t)s;
	}
	if (found < 0) {
		err = IDP_ERR_AUTH;
		goto out;
	}
	if (step)
		*step = found;
out:
	OPENSSL_cleanse(gen, sizeof(gen));
	return err;
}
