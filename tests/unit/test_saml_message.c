/*
 * SAML messages as they arrive (saml/message.c): the HTTP-Redirect query
 * read strictly (order, duplicates, percent-encoding), its signature
 * verified with OpenSSL over the raw octets (bindings §3.4.4.1) and SHA-1
 * refused, base64 and raw DEFLATE with their bounds (a bomb stops at the
 * bound), and the XML inspection that keeps DOCTYPEs, split texts and
 * signature wrapping away from Lasso.  Signatures here are made with
 * OpenSSL in the test from a key pair made by idp/x509gen.c.
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "idp/x509gen.h"
#include "saml/message.h"
#include "tests/unit/check.h"

#define SHA1   "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
#define SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define SHA384 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
#define SHA512 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
#define DIG256 "http://www.w3.org/2001/04/xmlenc#sha256"
#define DIG1   "http://www.w3.org/2000/09/xmldsig#sha1"

/* ---- helpers ---- */

struct pair {
	char *key, *cert;
	char (*b64)[SAML_CERT_B64_MAX + 1]; /* the certificate as metadata gives it */
};

static struct pair alice, mallory;

static void pair_make(struct pair *p, const char *cn)
{
	unsigned char sha[32];
	const char *b, *e;
	size_t j = 0;

	if (idp_x509_keypair(2048, cn, 10, &p->key, &p->cert, sha) != IDP_OK)
		abort();
	p->b64 = calloc(1, sizeof *p->b64);
	b = strstr(p->cert, "-----\n") + 6;
	e = strstr(p->cert, "-----END");
	for (; b < e; b++)
		if (*b != '\n')
			p->b64[0][j++] = *b;
	p->b64[0][j] = 0;
}

static void pair_free(struct pair *p)
{
	free(p->key);
	free(p->cert);
	free(p->b64);
}

static char *b64(const void *in, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return out;
}

/* Percent-encode s: unreserved characters stay, the rest as %XX (lower
 * case hex when lower). */
static char *urlenc(const char *s, bool lower)
{
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			*o++ = (char)c;
		else
			o += sprintf(o, lower ? "%%%02x" : "%%%02X", c);
	}
	*o = 0;
	return out;
}

/* Raw DEFLATE (RFC 1951) of n bytes of in. */
static unsigned char *deflate_raw(const void *in, size_t n, size_t *outlen)
{
	z_stream z;
	unsigned char *out;
	size_t cap;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	cap = deflateBound(&z, n);
	out = malloc(cap);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

/* Base64 of the raw DEFLATE of s: what SAMLRequest carries. */
static char *redirect_msg(const char *s)
{
	size_t n;
	unsigned char *d = deflate_raw(s, strlen(s), &n);
	char *out = b64(d, n);

	free(d);
	return out;
}

/* The base64 of an RSA signature with md over data by key_pem. */
static char *rsa_sign(const char *key_pem, const EVP_MD *md, const char *data)
{
	BIO *bio = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	char *out = NULL;

	if (pk && ctx && EVP_DigestSignInit(ctx, NULL, md, NULL, pk) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)data, strlen(data)) == 1)
		out = b64(sig, siglen);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	if (!out)
		abort();
	return out;
}

/* A signed Redirect query as an SP sends it: SAMLRequest[&RelayState]&
 * SigAlg, signed with key over exactly those octets, then &Signature. */
static char *signed_query(const char *key, const EVP_MD *md, const char *sigalg, const char *xml,
                          const char *relay)
{
	char *msg = redirect_msg(xml), *emsg = urlenc(msg, false), *ealg = urlenc(sigalg, false);
	char *erelay = relay ? urlenc(relay, false) : NULL;
	size_t n = strlen(emsg) + strlen(ealg) + (erelay ? strlen(erelay) : 0) + 2048;
	char *part = malloc(n), *q = malloc(n), *sig, *esig;

	if (erelay)
		snprintf(part, n, "SAMLRequest=%s&RelayState=%s&SigAlg=%s", emsg, erelay, ealg);
	else
		snprintf(part, n, "SAMLRequest=%s&SigAlg=%s", emsg, ealg);
	sig = rsa_sign(key, md, part);
	esig = urlenc(sig, false);
	snprintf(q, n, "%s&Signature=%s", part, esig);
	free(msg);
	free(emsg);
	free(ealg);
	free(erelay);
	free(part);
	free(sig);
	free(esig);
	return q;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool has(const char *why, const char *word)
{
	return why && strstr(why, word);
}

/* ---- saml_urldecode ---- */

static enum idp_err dec(const char *s, char **out)
{
	return saml_urldecode(s, strlen(s), out);
}

TEST(urldecode_decodes_escapes_and_plus)
{
	char *o = NULL;

	CHECK(dec("a%41%2b%2F+b~", &o) == IDP_OK);
	CHECK(o && strcmp(o, "aA+/ b~") == 0);
	free(o);
	CHECK(dec("", &o) == IDP_OK);
	CHECK(o && o[0] == 0);
	free(o);
	CHECK(dec("%e3%81%82", &o) == IDP_OK); /* UTF-8 passes through */
	CHECK(o && strcmp(o, "\xe3\x81\x82") == 0);
	free(o);
}

TEST(urldecode_refuses_bad_escapes_and_nul)
{
	const char *bad[] = {"%", "%4", "a%", "a%4", "%zz", "%4g", "%g4", "%00", "x%00y", "% 41"};
	char *o = (char *)"unchanged";

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(dec(bad[i], &o) == IDP_ERR_INVALID);
		CHECK(o == NULL);
	}
	/* A raw NUL inside the counted bytes. */
	CHECK(saml_urldecode("a\0b", 3, &o) == IDP_ERR_INVALID);
	CHECK(o == NULL);
}

/* ---- saml_redirect_parse ---- */

TEST(redirect_parse_reads_the_four_parameters_and_keeps_the_signed_octets)
{
	struct saml_redirect q;
	const char *why = NULL;
	const char *query =
	    "SAMLRequest=fZA%2Bx%3D&RelayState=%2Fapp%3Fa%3D1+2&SigAlg=http%3A%2F%"
	    "2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=c2ln%3D";

	CHECK(saml_redirect_parse(query, &q, &why) == IDP_OK);
	CHECK(why == NULL);
	CHECK(!q.response);
	CHECK(q.msg && strcmp(q.msg, "fZA+x=") == 0);
	CHECK(q.relay && strcmp(q.relay, "/app?a=1 2") == 0);
	CHECK(q.sigalg && strcmp(q.sigalg, SHA256) == 0);
	CHECK(q.sig && strcmp(q.sig, "c2ln=") == 0);
	/* The signed part is the raw octets as received, never re-encoded. */
	CHECK(q.signed_part &&
	      strcmp(q.signed_part, "SAMLRequest=fZA%2Bx%3D&RelayState=%2Fapp%3Fa%3D1+2&SigAlg="
	                            "http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-"
	                            "sha256") == 0);
	saml_redirect_free(&q);
	CHECK(q.msg == NULL && q.signed_part == NULL);
}

TEST(redirect_parse_reads_a_response_and_an_unsigned_message)
{
	struct saml_redirect q;
	const char *why;

	CHECK(saml_redirect_parse("SAMLResponse=abc%3D", &q, &why) == IDP_OK);
	CHECK(q.response);
	CHECK(q.msg && strcmp(q.msg, "abc=") == 0);
	CHECK(!q.relay && !q.sigalg && !q.sig && !q.signed_part);
	saml_redirect_free(&q);
	CHECK(saml_redirect_parse("SAMLRequest=abc&RelayState=r", &q, &why) == IDP_OK);
	CHECK(!q.response && q.relay && strcmp(q.relay, "r") == 0 && !q.signed_part);
	saml_redirect_free(&q);
}

TEST(redirect_parse_ignores_parameters_outside_the_binding)
{
	struct saml_redirect q;
	const char *why;

	/* Other parameters may sit anywhere and are not part of what is signed
	 * (bindings §3.4.4.1 lists exactly the signed ones). */
	CHECK(saml_redirect_parse("x=1&SAMLRequest=m&utm=2&RelayState=r&samlrequest=lower&SigAlg="
	                          "a&flag&Signature=s&z=%zz",
	                          &q, &why) == IDP_OK);
	CHECK(q.msg && strcmp(q.msg, "m") == 0);
	CHECK(q.signed_part && strcmp(q.signed_part, "SAMLRequest=m&RelayState=r&SigAlg=a") == 0);
	saml_redirect_free(&q);
}

TEST(redirect_parse_refuses_a_parameter_twice)
{
	const char *twice[] = {
	    "SAMLRequest=a&SAMLRequest=b",
	    "SAMLRequest=a&RelayState=r&RelayState=s",
	    "SAMLRequest=a&SigAlg=x&SigAlg=x&Signature=s",
	    "SAMLRequest=a&SigAlg=x&Signature=s&Signature=s",
	    "SAMLRequest=a&SAMLResponse=b",
	    "SAMLResponse=a&SAMLRequest=b",
	    "SAMLResponse=a&SAMLResponse=a",
	};

	for (size_t i = 0; i < sizeof twice / sizeof *twice; i++) {
		struct saml_redirect q;
		const char *why = NULL;
		CHECK(saml_redirect_parse(twice[i], &q, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "twice"));
		saml_redirect_free(&q);
	}
}

TEST(redirect_parse_refuses_parameters_out_of_order)
{
	const char *reordered[] = {
	    "RelayState=r&SAMLRequest=a",
	    "SigAlg=x&SAMLRequest=a&Signature=s",
	    "SAMLRequest=a&SigAlg=x&RelayState=r&Signature=s",
	    "SAMLRequest=a&Signature=s&SigAlg=x",
	    "Signature=s&SigAlg=x&RelayState=r&SAMLRequest=a",
	    "SAMLRequest=a&RelayState=r&Signature=s&SigAlg=x",
	};

	for (size_t i = 0; i < sizeof reordered / sizeof *reordered; i++) {
		struct saml_redirect q;
		const char *why = NULL;
		CHECK(saml_redirect_parse(reordered[i], &q, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "order"));
		saml_redirect_free(&q);
	}
}

TEST(redirect_parse_refuses_sigalg_and_signature_apart_and_no_message)
{
	struct saml_redirect q;
	const char *why;

	CHECK(saml_redirect_parse("SAMLRequest=a&SigAlg=x", &q, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "together"));
	saml_redirect_free(&q);
	CHECK(saml_redirect_parse("SAMLRequest=a&RelayState=r&Signature=s", &q, &why) ==
	      IDP_ERR_INVALID);
	CHECK(has(why, "together"));
	saml_redirect_free(&q);

	const char *none[] = {"",
	                      "RelayState=r",
	                      "samlrequest=a",
	                      "SAMLRequest",
	                      "SAMLRequest&x=1",
	                      "SAMLRequestX=a",
	                      "XSAMLRequest=a"};
	for (size_t i = 0; i < sizeof none / sizeof *none; i++) {
		CHECK(saml_redirect_parse(none[i], &q, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "no SAMLRequest"));
		saml_redirect_free(&q);
	}
	CHECK(saml_redirect_parse(NULL, &q, &why) == IDP_ERR_INVALID);
	saml_redirect_free(&q);
}

TEST(redirect_parse_refuses_bad_percent_encoding_in_any_saml_parameter)
{
	const char *bad[] = {
	    "SAMLRequest=ab%zz",
	    "SAMLRequest=ab%00cd",
	    "SAMLRequest=ab%",
	    "SAMLRequest=ab%4",
	    "SAMLRequest=a&RelayState=%00",
	    "SAMLRequest=a&RelayState=%G0",
	    "SAMLRequest=a&SigAlg=x%00&Signature=s",
	    "SAMLRequest=a&SigAlg=x&Signature=s%2",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct saml_redirect q;
		const char *why = NULL;
		CHECK(saml_redirect_parse(bad[i], &q, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "percent-encoded"));
		saml_redirect_free(&q);
	}
}

TEST(redirect_parse_bounds_relaystate_and_message)
{
	struct saml_redirect q;
	const char *why;
	size_t n = SAML_ENCODED_MAX + 8192;
	char *s = malloc(n);
	int k;

	/* RelayState up to SAML_RELAY_MAX bytes after decoding, escapes allowed. */
	k = sprintf(s, "SAMLRequest=a&RelayState=");
	for (int i = 0; i < SAML_RELAY_MAX; i++)
		k += sprintf(s + k, "%%41");
	CHECK(saml_redirect_parse(s, &q, &why) == IDP_OK);
	CHECK(q.relay && strlen(q.relay) == SAML_RELAY_MAX);
	saml_redirect_free(&q);
	strcpy(s + k, "B");
	CHECK(saml_redirect_parse(s, &q, &why) == IDP_ERR_TOO_LARGE);
	CHECK(has(why, "RelayState"));
	saml_redirect_free(&q);

	/* The message up to SAML_ENCODED_MAX, then too large. */
	k = sprintf(s, "SAMLRequest=");
	memset(s + k, 'A', SAML_ENCODED_MAX);
	s[k + SAML_ENCODED_MAX] = 0;
	CHECK(saml_redirect_parse(s, &q, &why) == IDP_OK);
	saml_redirect_free(&q);
	strcpy(s + k + SAML_ENCODED_MAX, "A");
	CHECK(saml_redirect_parse(s, &q, &why) == IDP_ERR_TOO_LARGE);
	saml_redirect_free(&q);

	/* A query far too long is refused before it is split. */
	memset(s, 'x', n - 1);
	s[n - 1] = 0;
	CHECK(saml_redirect_parse(s, &q, &why) == IDP_ERR_TOO_LARGE);
	saml_redirect_free(&q);
	free(s);
}

/* ---- saml_redirect_verify ---- */

static const char *request_xml =
    "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
    "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" "
    "IssueInstant=\"2026-03-01T10:20:30Z\" "
    "Destination=\"https://idp.test/t/acme/saml/sso\">"
    "<saml:Issuer>https://sp.test/saml</saml:Issuer></samlp:AuthnRequest>";

static enum idp_err verify_query(const char *query, const struct pair *const *with, int n,
                                 const char **why)
{
	struct saml_redirect q;
	char(*certs)[SAML_CERT_B64_MAX + 1] = calloc((size_t)(n ? n : 1), sizeof *certs);
	enum idp_err err;

	for (int i = 0; i < n; i++)
		strcpy(certs[i], with[i]->b64[0]);
	err = saml_redirect_parse(query, &q, why);
	if (!err)
		err = saml_redirect_verify(&q, certs, n, why);
	saml_redirect_free(&q);
	free(certs);
	return err;
}

TEST(redirect_rsa_sha256_signature_made_with_openssl_verifies)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	char *q = signed_query(alice.key, EVP_sha256(), SHA256, request_xml, "/app?x=1&y=é");
	struct saml_redirect r;

	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	CHECK(why == NULL);
	/* And the message inside is the request. */
	CHECK(saml_redirect_parse(q, &r, &why) == IDP_OK);
	{
		char *xml = NULL;
		size_t len = 0;
		CHECK(saml_decode(r.msg, true, &xml, &len, &why) == IDP_OK);
		CHECK(xml && len == strlen(request_xml) && strcmp(xml, request_xml) == 0);
		free(xml);
	}
	CHECK(r.relay && strcmp(r.relay, "/app?x=1&y=é") == 0);
	saml_redirect_free(&r);
	free(q);
	/* Without RelayState too. */
	q = signed_query(alice.key, EVP_sha256(), SHA256, request_xml, NULL);
	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	free(q);
}

TEST(redirect_rsa_sha384_and_sha512_signatures_verify)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	char *q = signed_query(alice.key, EVP_sha384(), SHA384, request_xml, "r");

	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	free(q);
	q = signed_query(alice.key, EVP_sha512(), SHA512, request_xml, "r");
	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	free(q);
}

TEST(redirect_signature_refused_when_one_signed_byte_changes)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	char *q = signed_query(alice.key, EVP_sha256(), SHA256, request_xml, "relay-state");
	char *p, was;

	/* In the message. */
	p = strstr(q, "SAMLRequest=") + 20;
	was = *p;
	*p = was == 'A' ? 'B' : 'A';
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_AUTH);
	CHECK(has(why, "does not verify"));
	*p = was;
	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	/* In RelayState. */
	p = strstr(q, "relay-state");
	p[0] = 'R';
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_AUTH);
	p[0] = 'r';
	/* In SigAlg: another algorithm named than the one used. */
	free(q);
	q = signed_query(alice.key, EVP_sha256(), SHA512, request_xml, NULL);
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_AUTH);
	free(q);
}

TEST(redirect_signature_refused_with_another_certificate)
{
	const struct pair *m[] = {&mallory};
	const struct pair *both[] = {&mallory, &alice};
	const char *why = NULL;
	char *q = signed_query(alice.key, EVP_sha256(), SHA256, request_xml, NULL);

	CHECK(verify_query(q, m, 1, &why) == IDP_ERR_AUTH);
	CHECK(verify_query(q, m, 0, &why) == IDP_ERR_AUTH);
	/* Any of the SP's certificates (a rollover) verifies. */
	CHECK(verify_query(q, both, 2, &why) == IDP_OK);
	free(q);
	/* Signed by another key, checked against the SP's certificate. */
	q = signed_query(mallory.key, EVP_sha256(), SHA256, request_xml, NULL);
	CHECK(verify_query(q, (const struct pair *const[]){&alice}, 1, &why) == IDP_ERR_AUTH);
	free(q);
}

TEST(redirect_sha1_and_unknown_sigalg_refused)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	/* A real RSA-SHA1 signature: valid, and still refused. */
	char *q = signed_query(alice.key, EVP_sha1(), SHA1, request_xml, "r");

	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	free(q);
	q = signed_query(alice.key, EVP_sha1(), "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
	                 request_xml, NULL);
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	free(q);
	const char *unknown[] = {"http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
	                         "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	                         "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256x",
	                         "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
	                         "rsa-sha256"};
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
		q = signed_query(alice.key, EVP_sha256(), unknown[i], request_xml, NULL);
		CHECK(verify_query(q, a, 1, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "not supported"));
		free(q);
	}
}

TEST(redirect_signature_covers_the_octets_as_sent_not_a_re_encoding)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	char *msg = redirect_msg(request_xml), *lo = urlenc(msg, true), *up = urlenc(msg, false);
	char *alg_lo = urlenc(SHA256, true), *alg_up = urlenc(SHA256, false);
	size_t n = strlen(lo) + 4096;
	char *part = malloc(n), *q = malloc(n), *sig, *esig;

	/* An SP that escapes in lower case signs what it sends: accepted. */
	snprintf(part, n, "SAMLRequest=%s&SigAlg=%s", lo, alg_lo);
	sig = rsa_sign(alice.key, EVP_sha256(), part);
	esig = urlenc(sig, true);
	snprintf(q, n, "%s&Signature=%s", part, esig);
	CHECK(strstr(q, "%2f") || strstr(q, "%2b") || strstr(q, "%3d"));
	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	/* The same values sent with other escapes than were signed: the IdP
	 * never re-encodes, so this is refused. */
	snprintf(q, n, "SAMLRequest=%s&SigAlg=%s&Signature=%s", up, alg_up, esig);
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_AUTH);
	/* Parameters outside the binding between the signed ones change nothing. */
	snprintf(q, n, "SAMLRequest=%s&foo=bar&SigAlg=%s&Signature=%s&x=y", lo, alg_lo, esig);
	CHECK(verify_query(q, a, 1, &why) == IDP_OK);
	free(msg);
	free(lo);
	free(up);
	free(alg_lo);
	free(alg_up);
	free(part);
	free(q);
	free(sig);
	free(esig);
}

TEST(redirect_signature_that_is_not_base64_refused)
{
	const struct pair *a[] = {&alice};
	const char *why = NULL;
	char *alg = urlenc(SHA256, false);
	char q[512];

	snprintf(q, sizeof q, "SAMLRequest=abc&SigAlg=%s&Signature=%%25%%25not-base64", alg);
	CHECK(verify_query(q, a, 1, &why) == IDP_ERR_AUTH);
	CHECK(has(why, "base64"));
	free(alg);
	/* And a query without a signature is nothing to verify. */
	{
		struct saml_redirect r;
		CHECK(saml_redirect_parse("SAMLRequest=abc", &r, &why) == IDP_OK);
		CHECK(saml_redirect_verify(&r, alice.b64, 1, &why) != IDP_OK);
		saml_redirect_free(&r);
	}
}

/* ---- saml_decode ---- */

TEST(decode_reads_post_base64_with_white_space)
{
	char *e = b64(request_xml, strlen(request_xml)), *ws = malloc(strlen(e) * 2 + 8);
	char *xml = NULL;
	size_t len = 0, j = 0;
	const char *why;

	/* As a form carries it: CRLF every 76 characters, some spaces and tabs. */
	for (size_t i = 0; e[i]; i++) {
		if (i && i % 76 == 0) {
			ws[j++] = '\r';
			ws[j++] = '\n';
		}
		if (i % 50 == 7)
			ws[j++] = i % 2 ? ' ' : '\t';
		ws[j++] = e[i];
	}
	ws[j++] = '\n';
	ws[j] = 0;
	CHECK(saml_decode(ws, false, &xml, &len, &why) == IDP_OK);
	CHECK(xml && len == strlen(request_xml) && strcmp(xml, request_xml) == 0);
	free(xml);
	free(e);
	free(ws);
}

TEST(decode_refuses_what_is_not_base64)
{
	const char *bad[] = {"@@@@", "abc", "ab=c", "YWJj*", "YQ", "YQ==YQ=="};
	char *xml = (char *)"x";
	size_t len = 1;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(saml_decode(bad[i], false, &xml, &len, &why) == IDP_ERR_INVALID);
		CHECK(xml == NULL && len == 0);
		CHECK(has(why, "base64"));
		CHECK(saml_decode(bad[i], true, &xml, &len, &why) == IDP_ERR_INVALID);
	}
}

TEST(decode_refuses_what_is_not_raw_deflate)
{
	char *plain = b64(request_xml, strlen(request_xml)), *xml = NULL;
	size_t len = 0;
	const char *why = NULL;

	CHECK(saml_decode(plain, true, &xml, &len, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "DEFLATE"));
	free(plain);
	/* zlib-wrapped (RFC 1950) is not what the binding says (§3.4.4.1). */
	{
		uLongf n = compressBound(strlen(request_xml));
		unsigned char *z = malloc(n);
		char *e;
		compress(z, &n, (const unsigned char *)request_xml, strlen(request_xml));
		e = b64(z, n);
		CHECK(saml_decode(e, true, &xml, &len, &why) != IDP_OK);
		CHECK(xml == NULL);
		free(e);
		free(z);
	}
}

TEST(decode_refuses_a_truncated_deflate_stream_as_invalid)
{
	size_t n;
	unsigned char *d = deflate_raw(request_xml, strlen(request_xml), &n);
	char *e = b64(d, n / 2), *xml = NULL;
	size_t len;
	const char *why = NULL;

	/* Cut in half: not too large, just broken. */
	CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_ERR_INVALID);
	CHECK(xml == NULL);
	free(e);
	free(d);
}

/* n bytes of text, DEFLATEd and base64ed. */
static char *inflates_to(size_t n, char fill)
{
	char *s = malloc(n);
	size_t dn;
	unsigned char *d;
	char *e;

	memset(s, fill, n);
	d = deflate_raw(s, n, &dn);
	e = b64(d, dn);
	free(s);
	free(d);
	return e;
}

TEST(decode_takes_exactly_the_bound_and_not_a_byte_more)
{
	char *e = inflates_to(SAML_MSG_MAX, 'x'), *xml = NULL;
	size_t len = 0;
	const char *why = NULL;

	CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_OK);
	CHECK(len == SAML_MSG_MAX && xml && strlen(xml) == SAML_MSG_MAX);
	free(xml);
	free(e);
	e = inflates_to(SAML_MSG_MAX + 1, 'x');
	CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
	CHECK(xml == NULL && len == 0);
	CHECK(has(why, "too large"));
	free(e);
	/* Not deflated: the decoded bytes have the same bound. */
	{
		char *s = malloc(SAML_MSG_MAX + 1);
		memset(s, 'y', SAML_MSG_MAX + 1);
		e = b64(s, SAML_MSG_MAX);
		CHECK(saml_decode(e, false, &xml, &len, &why) == IDP_OK);
		CHECK(len == SAML_MSG_MAX);
		free(xml);
		free(e);
		e = b64(s, SAML_MSG_MAX + 1);
		CHECK(saml_decode(e, false, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
		free(e);
		free(s);
	}
}

TEST(decode_refuses_an_encoded_message_over_its_bound)
{
	char *s = malloc(SAML_ENCODED_MAX + 2), *xml = NULL;
	size_t len;
	const char *why = NULL;

	memset(s, 'A', SAML_ENCODED_MAX + 1);
	s[SAML_ENCODED_MAX + 1] = 0;
	CHECK(saml_decode(s, true, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
	CHECK(saml_decode(s, false, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
	CHECK(xml == NULL);
	free(s);
}

TEST(decode_stops_a_deflate_bomb_at_the_bound_quickly)
{
	/* 64 MiB of zeros DEFLATE into ~64 KiB: ~87 KiB of base64, within
	 * SAML_ENCODED_MAX, a thousand times SAML_MSG_MAX once inflated. */
	size_t total = (size_t)64 << 20, chunk = (size_t)1 << 20;
	unsigned char *zeros = calloc(1, chunk), *d = malloc((size_t)128 << 10);
	z_stream z;
	char *e, *xml = NULL;
	size_t len = 0;
	const char *why = NULL;
	double t0, dt;

	memset(&z, 0, sizeof z);
	deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
	z.next_out = d;
	z.avail_out = (uInt)128 << 10;
	for (size_t done = 0; done < total; done += chunk) {
		z.next_in = zeros;
		z.avail_in = (uInt)chunk;
		deflate(&z, done + chunk < total ? Z_NO_FLUSH : Z_FINISH);
	}
	CHECK(z.avail_in == 0);
	e = b64(d, z.total_out);
	deflateEnd(&z);
	CHECK(strlen(e) <= SAML_ENCODED_MAX);
	t0 = now_s();
	for (int i = 0; i < 10; i++) {
		CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
		CHECK(xml == NULL);
	}
	dt = now_s() - t0;
	/* Ten rounds of inflating 64 KiB, not 640 MiB (that takes seconds). */
	CHECK(dt < 1.0);
	free(e);
	free(d);
	free(zeros);
}

TEST(decode_stops_inflating_at_the_bound_before_the_rest_of_the_stream)
{
	/* A stream that inflates past the bound and is corrupt further on:
	 * stopping at the bound answers "too large"; inflating everything
	 * would have reached the corruption and answered "invalid". */
	size_t n = (size_t)4 << 20, dn;
	unsigned char *zeros = calloc(1, n), *d = deflate_raw(zeros, n, &dn);
	char *e, *xml = NULL;
	size_t len;
	const char *why = NULL;

	CHECK(dn > 1000);
	memset(d + dn - 200, 0xff, 200);
	e = b64(d, dn);
	CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_ERR_TOO_LARGE);
	free(e);
	/* The same corruption in a stream within the bound is invalid. */
	free(d);
	d = deflate_raw(request_xml, strlen(request_xml), &dn);
	d[dn - 1] ^= 0xff;
	d[dn - 2] ^= 0xff;
	e = b64(d, dn);
	CHECK(saml_decode(e, true, &xml, &len, &why) == IDP_ERR_INVALID);
	free(e);
	free(d);
	free(zeros);
}

/* ---- saml_inspect ---- */

static enum idp_err insp(const char *xml, struct saml_msg *m, const char **why)
{
	return saml_inspect(xml, strlen(xml), m, why);
}

#define NS                                                                                         \
	"xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "                                    \
	"xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" "                                    \
	"xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\""
#define HEAD(root, id) "<samlp:" root " " NS " ID=\"" id "\" Version=\"2.0\" "
#define INSTANT        "IssueInstant=\"2026-03-01T10:20:30Z\" "
#define ISSUER         "<saml:Issuer>https://sp.test/saml</saml:Issuer>"

/* An AuthnRequest with extra root attributes and children after Issuer. */
static char *authn(const char *attrs, const char *issuer, const char *body)
{
	size_t n = strlen(attrs) + strlen(issuer) + strlen(body) + 1024;
	char *s = malloc(n);

	snprintf(s, n, HEAD("AuthnRequest", "_a1") INSTANT "%s>%s%s</samlp:AuthnRequest>", attrs,
	         issuer, body);
	return s;
}

/* A structural ds:Signature (inspect checks placement and algorithms; the
 * cryptography is Lasso's). */
static char *signature(const char *method, const char *uri, const char *digest)
{
	size_t n = 2048;
	char *s = malloc(n);

	snprintf(
	    s, n,
	    "<ds:Signature><ds:SignedInfo>"
	    "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
	    "<ds:SignatureMethod Algorithm=\"%s\"/><ds:Reference URI=\"%s\"><ds:Transforms>"
	    "<ds:Transform "
	    "Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
	    "</ds:Transforms><ds:DigestMethod Algorithm=\"%s\"/>"
	    "<ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo>"
	    "<ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>",
	    method, uri, digest);
	return s;
}

/* Inspect an AuthnRequest built from the parts; *why kept for checks. */
static enum idp_err insp_authn(const char *attrs, const char *issuer, const char *body,
                               struct saml_msg *m, const char **why)
{
	char *x = authn(attrs, issuer, body);
	enum idp_err err = insp(x, m, why);

	free(x);
	return err;
}

TEST(inspect_reads_an_authn_request)
{
	struct saml_msg m;
	const char *why = NULL;
	struct tm tm = {
	    .tm_year = 126, .tm_mon = 2, .tm_mday = 1, .tm_hour = 10, .tm_min = 20, .tm_sec = 30};
	char *x = authn("Destination=\"https://idp.test/t/acme/saml/sso\" "
	                "AssertionConsumerServiceURL=\"https://sp.test/acs\" "
	                "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	                "ForceAuthn=\"true\" IsPassive=\"0\"",
	                ISSUER,
	                "<samlp:NameIDPolicy "
	                "Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress\" "
	                "AllowCreate=\"1\"/>");

	CHECK(insp(x, &m, &why) == IDP_OK);
	CHECK(why == NULL);
	CHECK(m.kind == SAML_AUTHN_REQUEST);
	CHECK_STR(m.id, "_a1");
	CHECK_STR(m.issuer, "https://sp.test/saml");
	CHECK_STR(m.destination, "https://idp.test/t/acme/saml/sso");
	CHECK(m.issue_instant == (int64_t)timegm(&tm));
	CHECK(!m.signed_inline);
	CHECK_STR(m.acs_url, "https://sp.test/acs");
	CHECK(m.acs_index == -1);
	CHECK_STR(m.protocol_binding, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
	CHECK(m.has_nameid_policy && m.allow_create);
	CHECK_STR(m.nameid_format, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
	CHECK(m.force_authn && !m.is_passive);
	free(x);
}

TEST(inspect_reads_the_minimal_request_and_the_accepted_variants)
{
	struct saml_msg m;
	const char *why = NULL;
	char *x;

	/* Nothing optional. */
	CHECK(insp_authn("", ISSUER, "", &m, &why) == IDP_OK);
	CHECK(!m.has_nameid_policy && !m.force_authn && !m.is_passive && m.acs_index == -1);
	CHECK(m.destination[0] == 0 && m.acs_url[0] == 0);
	/* An index instead of a URL; IsPassive; AllowCreate false. */
	CHECK(insp_authn("AssertionConsumerServiceIndex=\"3\" IsPassive=\"true\"", ISSUER,
	                 "<samlp:NameIDPolicy AllowCreate=\"false\"/>", &m, &why) == IDP_OK);
	CHECK(m.acs_index == 3 && m.is_passive && m.has_nameid_policy && !m.allow_create);
	CHECK(m.nameid_format[0] == 0);
	/* An XML declaration, white space, fractions of a second, &amp;. */
	CHECK(insp("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" HEAD(
	               "AuthnRequest",
	               "a-b.c_1") "IssueInstant=\"2026-03-01T10:20:30.123456Z\">\n  "
	                          "<saml:Issuer>https://sp.test/"
	                          "?a=1&amp;b=2</saml:Issuer>\n</samlp:AuthnRequest>\n",
	           &m, &why) == IDP_OK);
	CHECK_STR(m.id, "a-b.c_1");
	CHECK_STR(m.issuer, "https://sp.test/?a=1&b=2");
	/* An enveloped SHA-256 signature that is the root's own. */
	x = signature(SHA256, "#_a1", DIG256);
	CHECK(insp_authn("", ISSUER, x, &m, &why) == IDP_OK);
	CHECK(m.signed_inline);
	free(x);
	x = signature(SHA512, "#_a1", "http://www.w3.org/2001/04/xmlenc#sha512");
	CHECK(insp_authn("", ISSUER, x, &m, &why) == IDP_OK);
	CHECK(m.signed_inline);
	free(x);
}

TEST(inspect_refuses_a_doctype_with_entities)
{
	struct saml_msg m;
	const char *why = NULL;
	const char *docs[] = {
	    /* An internal entity spliced into the Issuer. */
	    "<!DOCTYPE samlp:AuthnRequest [<!ENTITY e \"https://idp.evil\">]>" HEAD(
	        "AuthnRequest", "_a1") INSTANT "><saml:Issuer>&e;</saml:Issuer>"
	                                       "</samlp:AuthnRequest>",
	    /* An external entity (file). */
	    "<!DOCTYPE x [<!ENTITY f SYSTEM \"file:///etc/passwd\">]>" HEAD("AuthnRequest", "_a1")
	        INSTANT "><saml:Issuer>&f;</saml:Issuer>"
	                "</samlp:AuthnRequest>",
	    /* An external DTD over the network. */
	    "<!DOCTYPE x SYSTEM \"http://127.0.0.1:9/x.dtd\">" HEAD("AuthnRequest", "_a1") INSTANT
	    ">" ISSUER "</samlp:AuthnRequest>",
	    /* A plain DOCTYPE, nothing in it. */
	    "<!DOCTYPE x>" HEAD("AuthnRequest", "_a1") INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	};

	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		CHECK(insp(docs[i], &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "DOCTYPE"));
		CHECK(m.issuer[0] == 0);
	}
}

TEST(inspect_refuses_a_billion_laughs_quickly)
{
	struct saml_msg m;
	const char *why = NULL;
	char doc[4096];
	int k = sprintf(doc, "<!DOCTYPE x [<!ENTITY l0 \"ha\">");
	double t0;

	for (int i = 1; i < 10; i++)
		k += sprintf(doc + k, "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">",
		             i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	sprintf(doc + k, "]>" HEAD("AuthnRequest", "_a1") INSTANT "><saml:Issuer>&l9;</saml:Issuer>"
	                                                          "</samlp:AuthnRequest>");
	t0 = now_s();
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	CHECK(now_s() - t0 < 1.0);
}

TEST(inspect_refuses_what_is_not_a_well_formed_saml_request)
{
	struct saml_msg m;
	const char *why = NULL;
	char big[64];

	CHECK(insp("<samlp:AuthnRequest", &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "well-formed"));
	CHECK(saml_inspect("", 0, &m, &why) == IDP_ERR_INVALID);
	CHECK(saml_inspect(NULL, 0, &m, &why) == IDP_ERR_INVALID);
	{
		char *x = authn("", ISSUER, "");
		size_t n = strlen(x);
		x[n - 3] = 0; /* a NUL inside the counted bytes */
		CHECK(saml_inspect(x, n, &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "NUL"));
		free(x);
	}
	snprintf(big, sizeof big, "x");
	CHECK(saml_inspect(big, SAML_MSG_MAX + 1, &m, &why) == IDP_ERR_TOO_LARGE);

	const char *roots[] = {
	    /* A Response is not what the IdP reads. */
	    HEAD("Response", "_a1") INSTANT ">" ISSUER "</samlp:Response>",
	    /* The right name in another namespace. */
	    "<AuthnRequest " NS
	    " xmlns=\"urn:oasis:names:tc:SAML:1.0:protocol\" ID=\"_a1\" Version=\"2.0\" " INSTANT
	    ">" ISSUER "</AuthnRequest>",
	    "<AuthnRequest ID=\"_a1\" Version=\"2.0\" " INSTANT "/>",
	    "<saml:Assertion " NS " ID=\"_a1\" Version=\"2.0\" " INSTANT ">" ISSUER
	    "</saml:Assertion>",
	};
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		CHECK(insp(roots[i], &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "not a SAML 2.0"));
	}
}

TEST(inspect_refuses_a_bad_id_version_or_instant)
{
	struct saml_msg m;
	const char *why = NULL;
	char longid[400], doc[1024];
	const char *bad[] = {
	    "<samlp:AuthnRequest " NS " ID=\"_a1\" " INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	    "<samlp:AuthnRequest " NS " ID=\"_a1\" Version=\"1.1\" " INSTANT ">" ISSUER
	    "</samlp:AuthnRequest>",
	    "<samlp:AuthnRequest " NS " Version=\"2.0\" " INSTANT ">" ISSUER
	    "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "1abc") INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "a b") INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "#a") INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "") INSTANT ">" ISSUER "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "_a1") ">" ISSUER "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "_a1") "IssueInstant=\"2026-03-01T10:20:30+09:00\">" ISSUER
	                                "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "_a1") "IssueInstant=\"2026-03-01T10:20:30\">" ISSUER
	                                "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "_a1") "IssueInstant=\"2026-03-01T10:20:30.Z\">" ISSUER
	                                "</samlp:AuthnRequest>",
	    HEAD("AuthnRequest", "_a1") "IssueInstant=\"yesterday\">" ISSUER
	                                "</samlp:AuthnRequest>",
	};
	const char *words[] = {"Version", "Version", "ID",           "ID",
	                       "ID",      "ID",      "ID",           "IssueInstant",
	                       "UTC",     "UTC",     "IssueInstant", "IssueInstant"};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(insp(bad[i], &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, words[i]));
	}
	/* An ID longer than SAML_ID_MAX. */
	memset(longid, 'a', SAML_ID_MAX + 1);
	longid[SAML_ID_MAX + 1] = 0;
	snprintf(doc, sizeof doc,
	         HEAD("AuthnRequest", "%s") INSTANT ">" ISSUER "</samlp:AuthnRequest>", longid);
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	longid[SAML_ID_MAX] = 0;
	snprintf(doc, sizeof doc,
	         HEAD("AuthnRequest", "%s") INSTANT ">" ISSUER "</samlp:AuthnRequest>", longid);
	CHECK(insp(doc, &m, &why) == IDP_OK);
	/* A Destination longer than 1024 bytes. */
	{
		char d[1200];
		memset(d, 'x', sizeof d);
		memcpy(d, "Destination=\"", 13);
		strcpy(d + 1100, "\"");
		CHECK(insp_authn(d, ISSUER, "", &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "Destination"));
	}
}

TEST(inspect_refuses_an_issuer_that_is_not_exactly_one_plain_text)
{
	struct saml_msg m;
	const char *why = NULL;
	char longiss[1200];
	const char *bad[] = {
	    "",
	    ISSUER ISSUER,
	    "<saml:Issuer/>",
	    "<saml:Issuer></saml:Issuer>",
	    /* A comment splits the text: one reader sees "https://sp.test/saml", another
	     * "https://sp.test" (the classic SAML comment truncation). */
	    "<saml:Issuer>https://sp.test<!-- -->/saml</saml:Issuer>",
	    "<saml:Issuer><!-- x -->https://sp.test/saml</saml:Issuer>",
	    "<saml:Issuer>https://sp.test/saml<!---->.evil</saml:Issuer>",
	    "<saml:Issuer>https://sp<x/>.test</saml:Issuer>",
	    "<saml:Issuer>https://sp<?pi x?>.test</saml:Issuer>",
	    "<saml:Issuer><![CDATA[https://sp.test/saml]]></saml:Issuer>",
	    /* An Issuer in the protocol namespace is not the assertion's one. */
	    "<samlp:Issuer>https://sp.test/saml</samlp:Issuer>",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(insp_authn("", bad[i], "", &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "Issuer"));
	}
	/* Over 1024 bytes. */
	memset(longiss, 'i', sizeof longiss);
	memcpy(longiss, "<saml:Issuer>", 13);
	strcpy(longiss + 1050, "</saml:Issuer>");
	CHECK(insp_authn("", longiss, "", &m, &why) == IDP_ERR_INVALID);
	/* An Issuer nested deeper is not the message's: the root's own is missing. */
	CHECK(insp_authn("", "", "<samlp:Extensions>" ISSUER "</samlp:Extensions>", &m, &why) ==
	      IDP_ERR_INVALID);
}

TEST(inspect_refuses_signature_wrapping)
{
	struct saml_msg m;
	const char *why = NULL;
	char *own = signature(SHA256, "#_a1", DIG256), *other = signature(SHA256, "#_x", DIG256);
	char body[8192];

	/* A second Signature beside the root's own. */
	snprintf(body, sizeof body, "%s%s", own, own);
	CHECK(insp_authn("", ISSUER, body, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "Signature"));
	CHECK(!m.signed_inline);
	/* A second Signature hidden deeper. */
	snprintf(body, sizeof body, "%s<samlp:Extensions>%s</samlp:Extensions>", own, other);
	CHECK(insp_authn("", ISSUER, body, &m, &why) == IDP_ERR_INVALID);
	/* The only Signature not a child of the root (wrapped in Extensions,
	 * over an element that carries the root's ID elsewhere). */
	snprintf(body, sizeof body,
	         "<samlp:Extensions><samlp:AuthnRequest ID=\"_x\" Version=\"2.0\" " INSTANT
	         ">" ISSUER "%s</samlp:AuthnRequest></samlp:Extensions>",
	         other);
	CHECK(insp_authn("", ISSUER, body, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "Signature"));
	/* A Signature inside the Issuer's parent chain: in NameIDPolicy. */
	snprintf(body, sizeof body, "<samlp:NameIDPolicy>%s</samlp:NameIDPolicy>", own);
	CHECK(insp_authn("", ISSUER, body, &m, &why) == IDP_ERR_INVALID);
	free(own);
	free(other);

	/* The root's Signature whose Reference points to another element, to
	 * the whole document, or nowhere. */
	const char *uris[] = {"#_x", "", "_a1", "#", "#_a1 ", "#_A1"};
	for (size_t i = 0; i < sizeof uris / sizeof *uris; i++) {
		char *s = signature(SHA256, uris[i], DIG256);
		CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "reference"));
		free(s);
	}
	/* Two References in one SignedInfo. */
	{
		char *s = signature(SHA256, "#_a1", DIG256), *r = strstr(s, "<ds:Reference");
		char *end = strstr(s, "</ds:Reference>") + strlen("</ds:Reference>");
		snprintf(body, sizeof body, "%.*s%.*s%s", (int)(end - s), s, (int)(end - r), r,
		         end);
		CHECK(insp_authn("", ISSUER, body, &m, &why) == IDP_ERR_INVALID);
		free(s);
	}
	/* No SignedInfo. */
	CHECK(insp_authn("", ISSUER,
	                 "<ds:Signature><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>",
	                 &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SignedInfo"));
}

TEST(inspect_refuses_sha1_and_unknown_signature_algorithms)
{
	struct saml_msg m;
	const char *why = NULL;
	char *s;

	s = signature(SHA1, "#_a1", DIG256);
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	free(s);
	s = signature(SHA256, "#_a1", DIG1);
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	free(s);
	s = signature("http://www.w3.org/2000/09/xmldsig#hmac-sha1", "#_a1", DIG256);
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	free(s);
	s = signature("http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", "#_a1", DIG256);
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "not supported"));
	free(s);
	/* No SignatureMethod, no DigestMethod. */
	s = signature(SHA256, "#_a1", DIG256);
	{
		char *p = strstr(s, "<ds:SignatureMethod"), *e = strstr(p, "/>") + 2;
		memmove(p, e, strlen(e) + 1);
		CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "SignatureMethod"));
	}
	free(s);
	s = signature(SHA256, "#_a1", DIG256);
	{
		char *p = strstr(s, "<ds:DigestMethod"), *e = strstr(p, "/>") + 2;
		memmove(p, e, strlen(e) + 1);
		CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, "DigestMethod"));
	}
	free(s);
	/* Digests: SHA-2 only (an MD5 digest under an RSA-SHA256 signature is
	 * as weak as MD5). */
	s = signature(SHA256, "#_a1", "http://www.w3.org/2001/04/xmldsig-more#md5");
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "digest algorithm"));
	free(s);
	s = signature(SHA256, "#_a1", "http://www.w3.org/2001/04/xmldsig-more#sha384");
	CHECK(insp_authn("", ISSUER, s, &m, &why) == IDP_OK);
	free(s);
}

TEST(inspect_refuses_assertions_inside_a_request)
{
	struct saml_msg m;
	const char *why = NULL;

	CHECK(insp_authn("", ISSUER,
	                 "<samlp:Extensions><saml:Assertion ID=\"_s\" Version=\"2.0\" " INSTANT
	                 ">" ISSUER "</saml:Assertion></samlp:Extensions>",
	                 &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "Assertion"));
	CHECK(insp_authn("", ISSUER,
	                 "<samlp:Extensions><saml:EncryptedAssertion/></samlp:Extensions>", &m,
	                 &why) == IDP_ERR_INVALID);
	CHECK(has(why, "Assertion"));
	CHECK(insp(HEAD("LogoutRequest", "_l1") INSTANT
	           ">" ISSUER "<saml:NameID>alice</saml:NameID><samlp:Extensions><saml:Assertion/>"
	           "</samlp:Extensions></samlp:LogoutRequest>",
	           &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "Assertion"));
}

TEST(inspect_refuses_acs_url_with_index_and_bad_flags)
{
	struct saml_msg m;
	const char *why = NULL;
	const char *bad[] = {
	    "AssertionConsumerServiceIndex=\"0\" "
	    "AssertionConsumerServiceURL=\"https://sp.test/acs\"",
	    "AssertionConsumerServiceIndex=\"0\" "
	    "ProtocolBinding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\"",
	    "AssertionConsumerServiceIndex=\"x\"",
	    "AssertionConsumerServiceIndex=\"-1\"",
	    "AssertionConsumerServiceIndex=\"65536\"",
	    "AssertionConsumerServiceIndex=\"1x\"",
	    "AssertionConsumerServiceIndex=\"\"",
	    "ForceAuthn=\"yes\"",
	    "IsPassive=\"TRUE\"",
	    "IsPassive=\"\"",
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(insp_authn(bad[i], ISSUER, "", &m, &why) == IDP_ERR_INVALID);
	CHECK(insp_authn("AssertionConsumerServiceIndex=\"65535\"", ISSUER, "", &m, &why) ==
	      IDP_OK);
	CHECK(m.acs_index == 65535);
	CHECK(insp_authn("", ISSUER, "<samlp:NameIDPolicy AllowCreate=\"maybe\"/>", &m, &why) ==
	      IDP_ERR_INVALID);
	CHECK(has(why, "AllowCreate"));
	CHECK(insp_authn("", ISSUER, "<samlp:NameIDPolicy/><samlp:NameIDPolicy/>", &m, &why) ==
	      IDP_ERR_INVALID);
	CHECK(has(why, "NameIDPolicy"));
}

#define LOGOUT(body)                                                                               \
	HEAD("LogoutRequest", "_l1")                                                               \
	INSTANT "Destination=\"https://idp.test/t/acme/saml/slo\">" ISSUER body                    \
	        "</samlp:LogoutRequest>"

TEST(inspect_reads_a_logout_request)
{
	struct saml_msg m;
	const char *why = NULL;

	CHECK(insp(LOGOUT("<saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:"
	                  "persistent\">p-42</saml:NameID><samlp:SessionIndex>_s9</"
	                  "samlp:SessionIndex>"),
	           &m, &why) == IDP_OK);
	CHECK(m.kind == SAML_LOGOUT_REQUEST);
	CHECK_STR(m.id, "_l1");
	CHECK_STR(m.issuer, "https://sp.test/saml");
	CHECK_STR(m.destination, "https://idp.test/t/acme/saml/slo");
	CHECK_STR(m.nameid, "p-42");
	CHECK_STR(m.session_index, "_s9");
	CHECK(insp(LOGOUT("<saml:NameID>alice@example.com</saml:NameID>"), &m, &why) == IDP_OK);
	CHECK_STR(m.nameid, "alice@example.com");
	CHECK(m.session_index[0] == 0);
}

TEST(inspect_refuses_a_logout_request_without_one_plain_nameid)
{
	struct saml_msg m;
	const char *why = NULL;
	char longid[700], doc[2048];
	const char *bad[] = {
	    LOGOUT(""),
	    LOGOUT("<saml:NameID>a</saml:NameID><saml:NameID>b</saml:NameID>"),
	    LOGOUT("<saml:NameID></saml:NameID>"),
	    LOGOUT("<saml:NameID>alice<!-- -->@example.com</saml:NameID>"),
	    LOGOUT("<saml:NameID><!---->alice</saml:NameID>"),
	    LOGOUT("<saml:NameID>alice<b/></saml:NameID>"),
	    LOGOUT("<saml:EncryptedID><xenc:EncryptedData "
	           "xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></saml:EncryptedID>"),
	    LOGOUT("<saml:BaseID/><saml:NameID>alice</saml:NameID>"),
	    LOGOUT("<saml:NameID>alice</saml:NameID><samlp:SessionIndex>_s<!-- -->9</"
	           "samlp:SessionIndex>"),
	    LOGOUT("<saml:NameID>alice</saml:NameID><samlp:SessionIndex/>"),
	};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(insp(bad[i], &m, &why) == IDP_ERR_INVALID);
		CHECK(why != NULL);
	}
	memset(longid, 'n', sizeof longid);
	longid[513] = 0;
	snprintf(doc, sizeof doc, LOGOUT("<saml:NameID>%s</saml:NameID>"), longid);
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	longid[512] = 0;
	snprintf(doc, sizeof doc, LOGOUT("<saml:NameID>%s</saml:NameID>"), longid);
	CHECK(insp(doc, &m, &why) == IDP_OK);
}

#define LOGOUT_RESPONSE(attrs, body)                                                               \
	HEAD("LogoutResponse", "_r1") INSTANT attrs ">" ISSUER body "</samlp:LogoutResponse>"
#define SUCCESS "urn:oasis:names:tc:SAML:2.0:status:Success"

TEST(inspect_reads_a_logout_response)
{
	struct saml_msg m;
	const char *why = NULL;

	CHECK(insp(LOGOUT_RESPONSE("InResponseTo=\"_q7\"",
	                           "<samlp:Status><samlp:StatusCode Value=\"" SUCCESS
	                           "\"/></samlp:Status>"),
	           &m, &why) == IDP_OK);
	CHECK(m.kind == SAML_LOGOUT_RESPONSE);
	CHECK_STR(m.in_response_to, "_q7");
	CHECK_STR(m.status, SUCCESS);
}

TEST(inspect_refuses_a_logout_response_without_in_response_to_or_status)
{
	struct saml_msg m;
	const char *why = NULL;
	const char *bad[] = {
	    LOGOUT_RESPONSE("", "<samlp:Status><samlp:StatusCode Value=\"" SUCCESS
	                        "\"/></samlp:Status>"),
	    LOGOUT_RESPONSE("InResponseTo=\"_q7\"", ""),
	    LOGOUT_RESPONSE("InResponseTo=\"_q7\"",
	                    "<samlp:Status><samlp:StatusCode Value=\"" SUCCESS "\"/></samlp:Status>"
	                    "<samlp:Status><samlp:StatusCode Value=\"" SUCCESS
	                    "\"/></samlp:Status>"),
	    LOGOUT_RESPONSE("InResponseTo=\"_q7\"", "<samlp:Status/>"),
	    LOGOUT_RESPONSE("InResponseTo=\"_q7\"",
	                    "<samlp:Status><samlp:StatusCode/></samlp:Status>"),
	};
	const char *words[] = {"InResponseTo", "Status", "Status", "StatusCode", "StatusCode"};

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(insp(bad[i], &m, &why) == IDP_ERR_INVALID);
		CHECK(has(why, words[i]));
	}
}

TEST(inspect_refuses_wrapping_and_sha1_in_logout_messages_too)
{
	struct saml_msg m;
	const char *why = NULL;
	char *s1 = signature(SHA1, "#_l1", DIG256), *other = signature(SHA256, "#_x", DIG256);
	char *own = signature(SHA256, "#_l1", DIG256);
	char doc[8192];

	snprintf(doc, sizeof doc, LOGOUT("%s<saml:NameID>alice</saml:NameID>"), s1);
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	CHECK(has(why, "SHA-1"));
	snprintf(doc, sizeof doc, LOGOUT("%s<saml:NameID>alice</saml:NameID>"), other);
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	snprintf(doc, sizeof doc, LOGOUT("%s%s<saml:NameID>alice</saml:NameID>"), own, own);
	CHECK(insp(doc, &m, &why) == IDP_ERR_INVALID);
	snprintf(doc, sizeof doc, LOGOUT("%s<saml:NameID>alice</saml:NameID>"), own);
	CHECK(insp(doc, &m, &why) == IDP_OK);
	CHECK(m.signed_inline);
	free(s1);
	free(other);
	free(own);
}

int main(void)
{
	pair_make(&alice, "sp.test");
	pair_make(&mallory, "mallory.test");

	RUN(urldecode_decodes_escapes_and_plus);
	RUN(urldecode_refuses_bad_escapes_and_nul);
	RUN(redirect_parse_reads_the_four_parameters_and_keeps_the_signed_octets);
	RUN(redirect_parse_reads_a_response_and_an_unsigned_message);
	RUN(redirect_parse_ignores_parameters_outside_the_binding);
	RUN(redirect_parse_refuses_a_parameter_twice);
	RUN(redirect_parse_refuses_parameters_out_of_order);
	RUN(redirect_parse_refuses_sigalg_and_signature_apart_and_no_message);
	RUN(redirect_parse_refuses_bad_percent_encoding_in_any_saml_parameter);
	RUN(redirect_parse_bounds_relaystate_and_message);
	RUN(redirect_rsa_sha256_signature_made_with_openssl_verifies);
	RUN(redirect_rsa_sha384_and_sha512_signatures_verify);
	RUN(redirect_signature_refused_when_one_signed_byte_changes);
	RUN(redirect_signature_refused_with_another_certificate);
	RUN(redirect_sha1_and_unknown_sigalg_refused);
	RUN(redirect_signature_covers_the_octets_as_sent_not_a_re_encoding);
	RUN(redirect_signature_that_is_not_base64_refused);
	RUN(decode_reads_post_base64_with_white_space);
	RUN(decode_refuses_what_is_not_base64);
	RUN(decode_refuses_what_is_not_raw_deflate);
	RUN(decode_refuses_a_truncated_deflate_stream_as_invalid);
	RUN(decode_takes_exactly_the_bound_and_not_a_byte_more);
	RUN(decode_refuses_an_encoded_message_over_its_bound);
	RUN(decode_stops_a_deflate_bomb_at_the_bound_quickly);
	RUN(decode_stops_inflating_at_the_bound_before_the_rest_of_the_stream);
	RUN(inspect_reads_an_authn_request);
	RUN(inspect_reads_the_minimal_request_and_the_accepted_variants);
	RUN(inspect_refuses_a_doctype_with_entities);
	RUN(inspect_refuses_a_billion_laughs_quickly);
	RUN(inspect_refuses_what_is_not_a_well_formed_saml_request);
	RUN(inspect_refuses_a_bad_id_version_or_instant);
	RUN(inspect_refuses_an_issuer_that_is_not_exactly_one_plain_text);
	RUN(inspect_refuses_signature_wrapping);
	RUN(inspect_refuses_sha1_and_unknown_signature_algorithms);
	RUN(inspect_refuses_assertions_inside_a_request);
	RUN(inspect_refuses_acs_url_with_index_and_bad_flags);
	RUN(inspect_reads_a_logout_request);
	RUN(inspect_refuses_a_logout_request_without_one_plain_nameid);
	RUN(inspect_reads_a_logout_response);
	RUN(inspect_refuses_a_logout_response_without_in_response_to_or_status);
	RUN(inspect_refuses_wrapping_and_sha1_in_logout_messages_too);

	pair_free(&alice);
	pair_free(&mallory);
	return check_summary();
}
