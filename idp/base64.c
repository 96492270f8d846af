/* Base64 in three forms from one codec: see idp/base64.h. */
#include "idp/base64.h"

#include <stdint.h>

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static const char *alphabet(enum idp_b64 form)
{
	return form == IDP_B64_URL ? url_alphabet : std_alphabet;
}

/* Value of character c in form's alphabet, or -1. */
static int value(enum idp_b64 form, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (unsigned char)alphabet(form)[62])
		return 62;
	if (c == (unsigned char)alphabet(form)[63])
		return 63;
	return -1;
}

bool idp_base64_char(enum idp_b64 form, char c)
{
	return value(form, (unsigned char)c) >= 0;
}

size_t idp_base64_encode(enum idp_b64 form, const unsigned char *in, size_t n, char *out,
                         size_t outsz)
{
	const char *abc = alphabet(form);
	size_t need, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (outsz)
		out[0] = '\0';
	if (n / 3 >= (SIZE_MAX - 8) / 4)
		return 0;
	need = form == IDP_B64_STD_PAD ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	if (outsz < need + 1)
		return 0;
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8 | in[i]) & 0xffff;
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = abc[(acc >> bits) & 63];
		}
	}
	if (bits)
		out[o++] = abc[(acc << (6 - bits)) & 63];
	while (o < need)
		out[o++] = '=';
	out[o] = '\0';
	return o;
}

enum idp_err idp_base64_decode(enum idp_b64 form, const char *s, size_t len, unsigned char *out,
                               size_t outsz, size_t *outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	if (outlen)
		*outlen = 0;
	if (!s)
		return IDP_ERR_INVALID;
	if (form == IDP_B64_STD_PAD) {
		if (len % 4)
			return IDP_ERR_INVALID;
		for (int pad = 0; pad < 2 && len > 0 && s[len - 1] == '='; pad++)
			len--;
	}
	if (len % 4 == 1)
		return IDP_ERR_INVALID;
	if (len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0) > outsz)
		return IDP_ERR_TOO_LARGE;
	for (size_t i = 0; i < len; i++) {
		int v = value(form, (unsigned char)s[i]);

		if (v < 0)
			return IDP_ERR_INVALID;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* RFC 4648 section 3.5: the unused low bits of the last character must
	 * be zero, so every byte string has exactly one encoding. */
	if (acc & ((1u << bits) - 1))
		return IDP_ERR_INVALID;
	if (outlen)
		*outlen = o;
	return IDP_OK;
}
