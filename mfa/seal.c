/*
 * Secrets at rest: AES-256-GCM with a fresh random 96-bit nonce per seal
 * (NIST SP 800-38D §8.2.2) and associated data naming the tenant and user the
 * secret belongs to, so a ciphertext copied to another user's row, another
 * tenant or sealed under another key fails to open.  The key comes from the
 * caller (derived from the master key); it is never stored here.
 */
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "idp/log.h"
#include "mfa/mfa.h"

#define NONCE_LEN 12
#define TAG_LEN   16
#define SEAL_MAX  65536

static const char aad_label[] = "sekisho totp v1";

/* aad = label || tenant_id || user_id, the ids as 8 bytes big-endian each. */
#define AAD_LEN (sizeof(aad_label) - 1 + 16)

static void make_aad(unsigned char aad[AAD_LEN], int64_t tenant_id, int64_t user_id)
{
	uint64_t t = (uint64_t)tenant_id, u = (uint64_t)user_id;
	size_t o = sizeof(aad_label) - 1;

	memcpy(aad, aad_label, o);
	for (int i = 7; i >= 0; i--) {
		aad[o + (size_t)i] = (unsigned char)(t & 0xff);
		aad[o + 8 + (size_t)i] = (unsigned char)(u & 0xff);
		t >>= 8;
		u >>= 8;
	}
}

static void log_openssl(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	ERR_error_string_n(e, buf, sizeof(buf));
	idp_error("%s: %s", what, buf);
	ERR_clear_error();
}

enum idp_err mfa_seal(const unsigned char key[32], int64_t tenant_id, int64_t user_id,
                      const unsigned char *in, size_t n, unsigned char *out, size_t outsz,
                      size_t *outlen)
{
	unsigned char aad[AAD_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	enum idp_err err = IDP_ERR_CRYPTO;
	int len = 0, fin = 0;

	if (outlen)
		*outlen = 0;
	if (!key || (!in && n > 0) || !out || !outlen)
		return IDP_ERR_INVALID;
	if (n > SEAL_MAX || outsz < n + MFA_SEAL_OVERHEAD)
		return IDP_ERR_TOO_LARGE;
	make_aad(aad, tenant_id, user_id);
	if (RAND_bytes(out, NONCE_LEN) != 1) {
		log_openssl("RAND_bytes");
		goto out;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, out) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)sizeof(aad)) != 1 ||
	    EVP_EncryptUpdate(ctx, out + NONCE_LEN, &len, in ? in : aad, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + NONCE_LEN + len, &fin) != 1 ||
	    (size_t)len + (size_t)fin != n ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + NONCE_LEN + n) != 1) {
		log_openssl("AES-256-GCM seal");
		goto out;
	}
	*outlen = n + MFA_SEAL_OVERHEAD;
	err = IDP_OK;
out:
	if (err != IDP_OK)
		OPENSSL_cleanse(out, outsz < n + MFA_SEAL_OVERHEAD ? outsz : n + MFA_SEAL_OVERHEAD);
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

enum idp_err mfa_open(const unsigned char key[32], int64_t tenant_id, int64_t user_id,
                      const unsigned char *in, size_t n, unsigned char *out, size_t outsz,
                      size_t *outlen)
{
	unsigned char aad[AAD_LEN];
	unsigned char tag[TAG_LEN];
	EVP_CIPHER_CTX *ctx = NULL;
	enum idp_err err = IDP_ERR_CRYPTO;
	size_t m;
	int len = 0, fin = 0;

	if (outlen)
		*outlen = 0;
	if (!key || !in || !outlen || n < MFA_SEAL_OVERHEAD)
		return IDP_ERR_INVALID;
	m = n - MFA_SEAL_OVERHEAD;
	if (m > SEAL_MAX)
		return IDP_ERR_TOO_LARGE;
	if (!out || outsz < m)
		return out ? IDP_ERR_TOO_LARGE : IDP_ERR_INVALID;
	make_aad(aad, tenant_id, user_id);
	memcpy(tag, in + NONCE_LEN + m, TAG_LEN); /* EVP wants a writable tag buffer */
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &len, aad, (int)sizeof(aad)) != 1 ||
	    EVP_DecryptUpdate(ctx, out, &len, in + NONCE_LEN, (int)m) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1) {
		log_openssl("AES-256-GCM open");
		goto out;
	}
	/* The tag is checked here: a failure is a wrong key, tenant, user or tampering,
	 * which is expected input, not an operator-worthy error. */
	if (EVP_DecryptFinal_ex(ctx, out + len, &fin) != 1) {
		ERR_clear_error();
		goto out;
	}
	*outlen = m;
	err = IDP_OK;
out:
	/* DecryptUpdate wrote unauthenticated plaintext: never leave it behind. */
	if (err != IDP_OK && out)
		OPENSSL_cleanse(out, m);
	EVP_CIPHER_CTX_free(ctx);
	return err;
}
