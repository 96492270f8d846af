/*
 * Base64 (RFC 4648) in the three forms Sekisho needs, from one codec:
 * unpadded base64url for tokens and CSRF values (section 5), unpadded
 * standard base64 inside PHC password-hash strings, and padded standard
 * base64 for MIME encoded-words in mail headers (RFC 2047).  Decoding is
 * strict: only the canonical encoding of a byte string is accepted.
 */
#ifndef IDP_BASE64_H
#define IDP_BASE64_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/err.h"

enum idp_b64 {
	IDP_B64_URL,     /* A-Z a-z 0-9 - _, no padding */
	IDP_B64_STD,     /* A-Z a-z 0-9 + /, no padding */
	IDP_B64_STD_PAD, /* A-Z a-z 0-9 + /, padded with = to a multiple of 4 */
};

/* Encode n bytes of in into out (outsz bytes, NUL-terminated).  Returns the
 * length written without the NUL, or 0 when out is too small (out is then
 * ""). */
size_t idp_base64_encode(enum idp_b64 form, const unsigned char *in, size_t n, char *out,
                         size_t outsz);

/* Decode len characters of s into out (outsz bytes); *outlen (may be NULL)
 * gets the bytes written.  IDP_ERR_INVALID for a character outside the
 * alphabet, an impossible length, padding in an unpadded form, or unused
 * low bits that are not zero; IDP_ERR_TOO_LARGE when out is too small. */
enum idp_err idp_base64_decode(enum idp_b64 form, const char *s, size_t len, unsigned char *out,
                               size_t outsz, size_t *outlen);

/* True when c belongs to form's alphabet (padding excluded). */
bool idp_base64_char(enum idp_b64 form, char c);

#endif
