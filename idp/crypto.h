/*
 * Randomness, digests and secrets: random tokens and their SHA-256, HMAC,
 * constant-time comparison and wiping (idp/crypto.c).  No I/O, no globals;
 * unit-tested in tests/unit/test_util.c.
 */
#ifndef IDP_CRYPTO_H
#define IDP_CRYPTO_H

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

/* SHA-256 of everything fd holds from its current offset to its end into
 * out, and *size the bytes read.  IDP_ERR_IO on a read error,
 * IDP_ERR_NOMEM when OpenSSL cannot allocate. */
enum idp_err idp_sha256_fd(int fd, unsigned char out[IDP_SHA256_LEN], int64_t *size);

/* HMAC-SHA-256 with key over data into out. Cannot fail. */
void idp_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                     unsigned char out[IDP_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void idp_hex(const unsigned char *in, size_t n, char *out);

/* Constant-time equality of n bytes (CRYPTO_memcmp). */
bool idp_ct_equal(const void *a, const void *b, size_t n);

/* Wipe n bytes so the compiler cannot elide it (explicit_bzero). NULL-safe. */
void idp_wipe(void *p, size_t n);

#endif
