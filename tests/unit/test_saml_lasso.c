/* WIP issue 12: a SAML round trip in process with Lasso, IdP built from our
 * own metadata (saml/metadata.c) and keys (idp/x509gen.c), SP made by a
 * second Lasso server: the SP's signed Redirect AuthnRequest is read by the
 * IdP, which answers with a signed (RSA-SHA256) Response the SP accepts.
 * It proves the pieces fit before the endpoints are written. */
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

TEST(sp_initiated_redirect_round_trip)
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

	/* The SP asks, over HTTP-Redirect. */
	sl = lasso_login_new(ss);
	CHECK(lasso_login_init_authn_request(sl, "https://idp.test/t/acme/saml/metadata",
	                                     LASSO_HTTP_METHOD_REDIRECT) == 0);
	CHECK(lasso_login_build_authn_request_msg(sl) == 0);
	const char *url = LASSO_PROFILE(sl)->msg_url;
	CHECK(url && strncmp(url, "https://idp.test/t/acme/saml/sso?", 33) == 0);
	CHECK(
	    url &&
	    strstr(url, "SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"));
	if (!url)
		goto out;

	/* The IdP reads it (the query after '?'), and answers for the user. */
	il = lasso_login_new(is);
	rc = lasso_login_process_authn_request_msg(il, strchr(url, '?') + 1);
	CHECK(rc == 0);
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
	RUN(sp_initiated_redirect_round_trip);
	lasso_shutdown();
	return check_summary();
}
