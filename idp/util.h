/*
 * Small pure helpers every layer needs: random tokens and their hashes,
 * constant-time comparison, text validation (UTF-8, e-mail), IP addresses and
 * CIDR ranges, safe redirect targets and CSV escaping.  No I/O, no globals;
 * all of it is unit-tested in tests/unit/test_util.c.
 */
#ifndef IDP_UTIL_H
#define IDP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"

/* A token is 32 random bytes (256 bits) written as unpadded base64url. */
#define IDP_TOKEN_BYTES 32
#define IDP_TOKEN_LEN   43 /* characters, without the NUL */
#define IDP_SHA256_LEN  32

/* Fill buf with n bytes from the OS CSPRNG (OpenSSL RAND_bytes).
 * Returns IDP_ERR_CRYPTO if the generator fails; buf is then undefined. */
enum idp_err idp_random(void *buf, size_t n);

/* Write a new random token into out (IDP_TOKEN_LEN + 1 bytes, NUL-terminated). */
enum idp_err idp_token_new(char out[IDP_TOKEN_LEN + 1]);

/* True when s is exactly IDP_TOKEN_LEN base64url characters. Cannot fail. */
bool idp_token_syntax_ok(const char *s);

/* SHA-256 of n bytes of data into out. Cannot fail. */
void idp_sha256(const void *data, size_t n, unsigned char out[IDP_SHA256_LEN]);

/* HMAC-SHA-256 with key over data into out. Cannot fail. */
void idp_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                     unsigned char out[IDP_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void idp_hex(const unsigned char *in, size_t n, char *out);

/* Unpadded base64url of n bytes into out, which holds outsz bytes.
 * Returns the length written (without NUL) or 0 if out is too small. */
size_t idp_b64url_encode(const unsigned char *in, size_t n, char *out, size_t outsz);

/* Decode unpadded base64url text s into out (outsz bytes); *outlen = bytes.
 * IDP_ERR_INVALID on a bad character or length, IDP_ERR_TOO_LARGE if out is short. */
enum idp_err idp_b64url_decode(const char *s, unsigned char *out, size_t outsz, size_t *outlen);

/* Constant-time equality of n bytes (CRYPTO_memcmp). */
bool idp_ct_equal(const void *a, const void *b, size_t n);

/* Wipe n bytes so the compiler cannot elide it (explicit_bzero). NULL-safe. */
void idp_wipe(void *p, size_t n);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points over U+10FFFF) and contains no NUL and no C0 control
 * characters except TAB, LF and CR. */
bool idp_utf8_valid(const char *s, size_t n);

/* Number of code points in valid UTF-8 string s. */
size_t idp_utf8_chars(const char *s);

/* True for a plausible address: 3..254 bytes, exactly one '@', a local part
 * of 1..64 bytes and a domain of 1..253 bytes with at least one dot, printable
 * ASCII only, no spaces or any of  "(),:;<>[\]/?#%  (the last four would break
 * /users/{email}/ URLs).  Cannot fail. */
bool idp_email_valid(const char *s);

/* Lower-case the ASCII letters of s in place (e-mails compare case-blind). */
void idp_ascii_lower(char *s);

/* True for a display name: valid UTF-8, 1..100 code points, not all blank, no
 * control characters, line separators or bidirectional overrides/isolates. */
bool idp_name_valid(const char *s);

/* True for a tenant slug: 1..63 chars of [a-z0-9-], not starting or ending in '-'. */
bool idp_slug_valid(const char *s);

/* An IPv4 or IPv6 address.  IPv4 is stored as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) so one comparison routine serves both families. */
struct idp_addr {
	unsigned char b[16];
};

/* A CIDR range; prefix counts bits of the 128-bit (mapped) form. */
struct idp_cidr {
	struct idp_addr addr; /* already masked to prefix */
	unsigned prefix;      /* 0..128 */
};

/* Parse "192.0.2.1" or "2001:db8::1" (no brackets, no port, no zone).
 * IDP_ERR_INVALID otherwise. */
enum idp_err idp_addr_parse(const char *s, struct idp_addr *out);

/* Text form of a, IPv4-mapped addresses as dotted quads; out holds 46 bytes. */
void idp_addr_format(const struct idp_addr *a, char out[46]);

/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (host route).
 * Rejects host bits set beyond the prefix ("10.0.0.1/8") and prefixes out of
 * range for the family.  IDP_ERR_INVALID otherwise. */
enum idp_err idp_cidr_parse(const char *s, struct idp_cidr *out);

/* Canonical text of c ("10.0.0.0/8", "2001:db8::/32"); out holds 50 bytes. */
void idp_cidr_format(const struct idp_cidr *c, char out[50]);

/* True when a lies inside c. Cannot fail. */
bool idp_cidr_contains(const struct idp_cidr *c, const struct idp_addr *a);

/* True when a lies inside any of the n ranges. */
bool idp_cidr_list_contains(const struct idp_cidr *list, size_t n, const struct idp_addr *a);

/* Parse a list of CIDRs separated by commas and/or white space into a new
 * array (*out, caller frees; NULL when *n == 0).  On a bad element returns
 * IDP_ERR_INVALID and, if bad is not NULL, copies the offending element
 * (truncated) into bad[0..badsz). */
enum idp_err idp_cidr_list_parse(const char *s, struct idp_cidr **out, size_t *n, char *bad,
                                 size_t badsz);

/* Decide which address a request comes from.  peer is the socket address.
 * When peer is in trusted (n ranges) and xff (X-Forwarded-For, may be NULL)
 * is present, walk xff right to left and return the first address that is not
 * itself a trusted proxy (or the leftmost one if all are trusted).  A
 * malformed element stops the walk at the last good address.  Otherwise the
 * peer.  Cannot fail. */
struct idp_addr idp_client_addr(const struct idp_addr *peer, const char *xff,
                                const struct idp_cidr *trusted, size_t n);

/* True when rd is a safe local redirect target: starts with exactly one '/',
 * is not "//..." or "/\...", contains no backslash, no control characters
 * and no scheme, and is at most 2048 bytes.  Cannot fail. */
bool idp_redirect_safe(const char *rd);

/* Append the CSV form of field s to out (at most outsz bytes, NUL-terminated):
 * quoted when it contains  , " CR or LF  (quotes doubled), and prefixed with
 * a single quote when it starts with = + - @ TAB or CR so spreadsheets do not
 * read it as a formula (OWASP CSV injection).  Returns the bytes the full
 * field needs (without NUL), like snprintf. */
size_t idp_csv_field(const char *s, char *out, size_t outsz);

/* Format t (Unix seconds, UTC) as "2026-11-22T03:04:05Z" into out (21 bytes). */
void idp_time_iso(int64_t t, char out[21]);

/* Current Unix time in microseconds (CLOCK_REALTIME). */
int64_t idp_now_us(void);

#endif
