/* A SAML round trip in process with Lasso alone, IdP built from our own
 * metadata (saml/metadata.c) and keys (idp/x509gen.c), SP made by a second
 * Lasso server: the SP's signed AuthnRequest is read by the IdP, which
 * answers with a signed (RSA-SHA256) Response the SP accepts.  It proves
 * the pieces fit without saml/idp.c (tests/unit/test_saml_idp.c covers
 * that).  The request goes over HTTP-POST with an enveloped signature and
 * both servers sign with a preloaded key: Lasso 2.8.1's own HTTP-Redirect
 * verification leaks (lasso_query_verify_helper) and its per-signature PEM
 * reload leaks in xmlsec (STACK.md); the daemon takes neither path, and
 * neither does this test, so LeakSanitizer has nothing to report. */
#include <lasso/lasso.h>
#include <stdio.h>
#include <stdlib.h>

#include "idp/x509gen.h"
#include "saml/metadata.h"
#include "tests/unit/check.h"

struct party {
	char *key, *cert;
};

static void make(struct party *p, const char *cn)
{
	unsigned char sha[32];

	if (idp_x509_keypair(2048, cn, 10, &p->key, &p->cert, sha) != IDP_OK)
		abort();
}

/* Sign for remote (as s) with a key loaded once. */
static void preload(LassoServer *s, const char *remote, const char *key_pem)
{
	LassoKey *k = lasso_key_new_for_signature_from_memory(
	    key_pem, strlen(key_pem), NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256, NULL);
	LassoProvider *p = lasso_server_get_provider(s, remote);

	CHECK(k && p && lasso_provider_set_server_signing_key(p, k) == 0);
	if (k)
		g_object_unref(k);
}

static char *b64_body(const char *pem)
{
	const char *b = strstr(pem, "-----\n") + 6, *e = strstr(pem, "-----END");
	char *out = malloc((size_t)(e - b) + 1);
	size_t j = 0;

	for (; b < e; b++)
		if (*b != '\n')
			out[j++] = *b;
	out[j] = 0;
	return out;
}

static char *sp_metadata(const char *cert_pem)
{
	char *b64 = b64_body(cert_pem), *out;
	size_t n = strlen(b64) + 2048;

	out = malloc(n);
	snprintf(
	    out, n,
	    "<EntityDescriptor entityID=\"https://sp.test/saml\" "
	    "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
	    "<SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
	    "AuthnRequestsSigned=\"true\">"
	    "<KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
	    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
	    "<AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	    "Location=\"https://sp.test/acs\" index=\"0\"/>"
	    "</SPSSODescriptor></EntityDescriptor>",
	    b64);
	free(b64);
	return out;
}

TEST(sp_initiated_post_round_trip)
{
	struct party idp, sp;
	char *idp_md = NULL, *sp_md;
	LassoServer *is = NULL, *ss = NULL;
	LassoLogin *il = NULL, *sl = NULL;
	int rc;

	make(&idp, "acme SAML IdP");
	make(&sp, "sp.test");
	const char *certs[] = {idp.cert};
	struct saml_metadata_in in = {"https://idp.test/t/acme", certs, 1, true};
	CHECK(saml_metadata(&in, &idp_md) == IDP_OK);
	sp_md = sp_metadata(sp.cert);

	is = lasso_server_new_from_buffers(idp_md, idp.key, NULL, idp.cert);
	ss = lasso_server_new_from_buffers(sp_md, sp.key, NULL, sp.cert);
	CHECK(is && ss);
	if (!is || !ss)
		goto out;
	is->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	ss->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	CHECK(lasso_server_add_provider_from_buffer(is, LASSO_PROVIDER_ROLE_SP, sp_md, NULL,
	                                            NULL) == 0);
	CHECK(lasso_server_add_provider_from_buffer(ss, LASSO_PROVIDER_ROLE_IDP, idp_md, NULL,
	                                            NULL) == 0);
	preload(is, "https://sp.test/saml", idp.key);
	preload(ss, "https://idp.test/t/acme/saml/metadata", sp.key);

	/* The SP asks, over HTTP-POST with an enveloped signature. */
	sl = lasso_login_new(ss);
	CHECK(lasso_login_init_authn_request(sl, "https://idp.test/t/acme/saml/metadata",
	                                     LASSO_HTTP_METHOD_POST) == 0);
	CHECK(lasso_login_build_authn_request_msg(sl) == 0);
	const char *url = LASSO_PROFILE(sl)->msg_url, *body = LASSO_PROFILE(sl)->msg_body;
	CHECK(url && strcmp(url, "https://idp.test/t/acme/saml/sso") == 0);
	CHECK(body != NULL);
	if (!body)
		goto out;
	{
		gsize n = 0;
		guchar *xml = g_base64_decode(body, &n);
		char *x = g_strndup((const char *)xml, n);
		CHECK(strstr(x, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256") != NULL);
		g_free(x);
		g_free(xml);
	}

	/* The IdP reads it, verifying the signature, and answers for the user. */
	il = lasso_login_new(is);
	lasso_profile_set_signature_verify_hint(LASSO_PROFILE(il),
	                                        LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	rc = lasso_login_process_authn_request_msg(il, (char *)body);
	CHECK(rc == 0);
	CHECK(LASSO_PROFILE(il)->signature_status == 0);
	CHECK(lasso_login_validate_request_msg(il, TRUE, TRUE) == 0);
	CHECK(lasso_login_build_assertion(il,
	                                  LASSO_SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT,
	                                  "2026-11-30T00:00:00Z", NULL, "2026-11-29T23:59:55Z",
	                                  "2036-11-30T00:05:00Z") == 0);
	CHECK(lasso_login_build_authn_response_msg(il) == 0);
	CHECK(LASSO_PROFILE(il)->msg_url &&
	      strcmp(LASSO_PROFILE(il)->msg_url, "https://sp.test/acs") == 0);
	CHECK(LASSO_PROFILE(il)->msg_body && strlen(LASSO_PROFILE(il)->msg_body) > 1000);
	if (!LASSO_PROFILE(il)->msg_body)
		goto out;

	/* A Response changed on the way is refused (a fresh SP login). */
	{
		char *bad = g_strdup(LASSO_PROFILE(il)->msg_body);
		size_t mid = strlen(bad) / 2;
		LassoLogin *tl = lasso_login_new(ss);
		bad[mid] = bad[mid] == 'A' ? 'B' : 'A';
		rc = lasso_login_process_authn_response_msg(tl, bad);
		CHECK(rc != 0);
		lasso_login_destroy(tl);
		g_free(bad);
	}
	/* The SP accepts the signed Response. */
	rc = lasso_login_process_authn_response_msg(sl, LASSO_PROFILE(il)->msg_body);
	CHECK(rc == 0);
	CHECK(lasso_login_accept_sso(sl) == 0);
out:
	if (sl)
		lasso_login_destroy(sl);
	if (il)
		lasso_login_destroy(il);
	if (is)
		lasso_server_destroy(is);
	if (ss)
		lasso_server_destroy(ss);
	free(idp_md);
	free(sp_md);
	free(idp.key);
	free(idp.cert);
	free(sp.key);
	free(sp.cert);
}

int main(void)
{
	lasso_init();
	RUN(sp_initiated_post_round_trip);
	lasso_shutdown();
	return check_summary();
}
