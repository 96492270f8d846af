/* SAML signing key pairs (idp/x509gen.c): checked back with OpenSSL. */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/x509gen.h"
#include "tests/unit/check.h"

static X509 *cert_of(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

	BIO_free(b);
	return x;
}

static EVP_PKEY *key_of(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	BIO_free(b);
	return k;
}

TEST(keypair_is_a_matching_self_signed_rsa_certificate)
{
	char *key = NULL, *cert = NULL, cn[128];
	unsigned char sha[32], want[32];
	unsigned int n = 0;
	X509 *x;
	EVP_PKEY *k;

	CHECK(idp_x509_keypair(2048, "acme.example SAML", 3650, &key, &cert, sha) == IDP_OK);
	CHECK(key && strstr(key, "-----BEGIN PRIVATE KEY-----"));
	CHECK(cert && strstr(cert, "-----BEGIN CERTIFICATE-----"));
	x = cert_of(cert);
	k = key_of(key);
	CHECK(x && k);
	if (x && k) {
		CHECK(EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) == 2048);
		CHECK(X509_check_private_key(x, k) == 1);
		CHECK(X509_verify(x, X509_get0_pubkey(x)) == 1); /* self-signed */
		CHECK(X509_get_signature_nid(x) == NID_sha256WithRSAEncryption);
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
		CHECK_STR(cn, "acme.example SAML");
		CHECK(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0);
		CHECK(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);
		CHECK(X509_cmp_current_time(X509_get0_notAfter(x)) > 0);
		CHECK((X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE) && X509_check_ca(x) == 0);
		CHECK(X509_digest(x, EVP_sha256(), want, &n) == 1 && n == 32);
		CHECK(memcmp(sha, want, 32) == 0);
	}
	X509_free(x);
	EVP_PKEY_free(k);
	free(key);
	free(cert);
}

TEST(keypair_of_3072_bits_and_distinct_each_time)
{
	char *k1 = NULL, *c1 = NULL, *k2 = NULL, *c2 = NULL;
	unsigned char s1[32], s2[32];
	EVP_PKEY *k;

	CHECK(idp_x509_keypair(3072, "t", 1, &k1, &c1, s1) == IDP_OK);
	CHECK(idp_x509_keypair(3072, "t", 1, &k2, &c2, s2) == IDP_OK);
	k = k1 ? key_of(k1) : NULL;
	CHECK(k && EVP_PKEY_get_bits(k) == 3072);
	CHECK(memcmp(s1, s2, 32) != 0 && k1 && k2 && strcmp(k1, k2) != 0);
	EVP_PKEY_free(k);
	free(k1);
	free(c1);
	free(k2);
	free(c2);
}

TEST(keypair_refuses_bad_arguments)
{
	char *k = (char *)"x", *c = (char *)"x", longcn[100];
	unsigned char s[32];

	memset(longcn, 'a', sizeof longcn - 1);
	longcn[sizeof longcn - 1] = 0;
	CHECK(idp_x509_keypair(1024, "t", 10, &k, &c, s) == IDP_ERR_INVALID && !k && !c);
	CHECK(idp_x509_keypair(4096, "t", 10, &k, &c, s) == IDP_ERR_INVALID);
	CHECK(idp_x509_keypair(2048, "", 10, &k, &c, s) == IDP_ERR_INVALID);
	CHECK(idp_x509_keypair(2048, NULL, 10, &k, &c, s) == IDP_ERR_INVALID);
	CHECK(idp_x509_keypair(2048, longcn, 10, &k, &c, s) == IDP_ERR_INVALID);
	CHECK(idp_x509_keypair(2048, "t", 0, &k, &c, s) == IDP_ERR_INVALID);
	CHECK(idp_x509_keypair(2048, "t", 36501, &k, &c, s) == IDP_ERR_INVALID);
}

TEST(not_after_of_a_made_certificate)
{
	char *k = NULL, *c = NULL;
	unsigned char s[32];
	int64_t t = 1, now = (int64_t)time(NULL);

	CHECK(idp_x509_keypair(2048, "t", 30, &k, &c, s) == IDP_OK);
	CHECK(idp_x509_not_after(c, &t) == IDP_OK);
	CHECK(t > now + 30 * 86400 - 3700 && t < now + 30 * 86400 + 60);
	CHECK(idp_x509_not_after("not a certificate", &t) == IDP_ERR_INVALID && t == 0);
	CHECK(idp_x509_not_after(NULL, &t) == IDP_ERR_INVALID);
	CHECK(idp_x509_not_after("", &t) == IDP_ERR_INVALID);
	free(k);
	free(c);
}

int main(void)
{
	RUN(keypair_is_a_matching_self_signed_rsa_certificate);
	RUN(keypair_of_3072_bits_and_distinct_each_time);
	RUN(keypair_refuses_bad_arguments);
	RUN(not_after_of_a_made_certificate);
	return check_summary();
}
