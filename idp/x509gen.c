/* Signing key pairs: see idp/x509gen.h. */
#include "idp/x509gen.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/log.h"

static void log_openssl(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	idp_error("%s: %s", what, buf);
	ERR_clear_error();
}

/* The contents of mem as a new string; NULL when out of memory. */
static char *bio_string(BIO *mem)
{
	char *data = NULL, *out;
	long n = BIO_get_mem_data(mem, &data);

	if (n <= 0 || !data)
		return NULL;
	out = malloc((size_t)n + 1);
	if (!out)
		return NULL;
	memcpy(out, data, (size_t)n);
	out[n] = 0;
	return out;
}

static bool add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	bool ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e && X509_add_ext(x, e, -1) == 1;
	X509_EXTENSION_free(e);
	return ok;
}

enum idp_err idp_x509_keypair(int bits, const char *cn, int days, char **key_pem, char **cert_pem,
                              unsigned char sha256[32])
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *serial = NULL;
	BIO *kb = NULL, *cb = NULL;
	unsigned char rnd[16];
	unsigned int mdlen = 0;
	enum idp_err err = IDP_ERR_CRYPTO;

	*key_pem = *cert_pem = NULL;
	if ((bits != 2048 && bits != 3072) || !cn || !*cn || strlen(cn) > IDP_X509_CN_MAX ||
	    days < 1 || days > 36500)
		return IDP_ERR_INVALID;
	key = EVP_RSA_gen((unsigned)bits);
	x = X509_new();
	if (!key || !x) {
		log_openssl("RSA key generation");
		goto out;
	}
	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		log_openssl("RAND_bytes");
		goto out;
	}
	rnd[0] &= 0x7f; /* a positive serial */
	serial = BN_bin2bn(rnd, sizeof rnd, NULL);
	name = X509_get_subject_name(x);
	if (!serial || X509_set_version(x, 2) != 1 ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	                               0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    X509_sign(x, key, EVP_sha256()) <= 0 ||
	    X509_digest(x, EVP_sha256(), sha256, &mdlen) != 1 || mdlen != 32) {
		log_openssl("self-signed certificate");
		goto out;
	}
	kb = BIO_new(BIO_s_secmem());
	cb = BIO_new(BIO_s_mem());
	if (!kb || !cb || PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    PEM_write_bio_X509(cb, x) != 1) {
		log_openssl("PEM encoding");
		goto out;
	}
	*key_pem = bio_string(kb);
	*cert_pem = bio_string(cb);
	if (!*key_pem || !*cert_pem) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	err = IDP_OK;
out:
	if (err && *key_pem) {
		OPENSSL_cleanse(*key_pem, strlen(*key_pem));
		free(*key_pem);
	}
	if (err) {
		free(*cert_pem);
		*key_pem = *cert_pem = NULL;
	}
	BIO_free(kb);
	BIO_free(cb);
	BN_free(serial);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}

enum idp_err idp_x509_not_after(const char *cert_pem, int64_t *out)
{
	BIO *in = cert_pem ? BIO_new_mem_buf(cert_pem, -1) : NULL;
	X509 *x = in ? PEM_read_bio_X509(in, NULL, NULL, NULL) : NULL;
	const ASN1_TIME *t = x ? X509_get0_notAfter(x) : NULL;
	struct tm tm;
	bool ok;

	memset(&tm, 0, sizeof tm);
	ok = t && ASN1_TIME_to_tm(t, &tm) == 1;
	*out = ok ? (int64_t)timegm(&tm) : 0;
	X509_free(x);
	BIO_free(in);
	ERR_clear_error();
	return ok ? IDP_OK : IDP_ERR_INVALID;
}
