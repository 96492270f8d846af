/*
 * Randomness, digests and secrets: 256-bit tokens from the OS CSPRNG handed
 * out as unpadded base64url and stored only as SHA-256, HMAC-SHA-256 for
 * derived keys and CSRF tokens, constant-time comparison, and wiping.
 * No I/O and no globals; safe from any thread.
 */
#include "idp/crypto.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "idp/base64.h"

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
	if (idp_base64_encode(IDP_B64_URL, raw, sizeof raw, out, IDP_TOKEN_LEN + 1) !=
	    IDP_TOKEN_LEN)
		err = IDP_ERR_CRYPTO; /* cannot happen: the sizes are constants */
out:
	idp_wipe(raw, sizeof raw);
	return err;
}

bool idp_token_syntax_ok(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < IDP_TOKEN_LEN; i++)
		if (!idp_base64_char(IDP_B64_URL, s[i]))
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

enum idp_err idp_sha256_fd(int fd, unsigned char out[IDP_SHA256_LEN], int64_t *size)
{
	unsigned char buf[65536];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	enum idp_err err = IDP_ERR_NOMEM;

	*size = 0;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = IDP_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			goto out;
		*size += n;
	}
	err = EVP_DigestFinal_ex(ctx, out, NULL) ? IDP_OK : IDP_ERR_NOMEM;
out:
	EVP_MD_CTX_free(ctx);
	return err;
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
