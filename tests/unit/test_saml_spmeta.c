/* Service provider metadata, read strictly (saml/spmeta.c). */
#include <stdio.h>
#include <stdlib.h>

#include "idp/x509gen.h"
#include "saml/spmeta.h"
#include "tests/unit/check.h"

static char cert_b64[4096]; /* a real certificate, base64 DER on one line */

static void make_cert(void)
{
	char *k, *c;
	unsigned char sha[32];
	const char *b, *e;
	size_t j = 0;

	if (idp_x509_keypair(2048, "sp.example.test", 10, &k, &c, sha) != IDP_OK)
		abort();
	b = strstr(c, "-----\n") + 6;
	e = strstr(c, "-----END");
	for (; b < e; b++)
		if (*b != '\n')
			cert_b64[j++] = *b;
	cert_b64[j] = 0;
	free(k);
	free(c);
}

/* Metadata the way mod_auth_mellon's mellon_create_metadata writes it, with
 * extra put in the SPSSODescriptor and use_sign as the signing key's use
 * attribute (or none). */
static char *mellon(const char *extra, const char *use_sign)
{
	static const char tmpl[] =
	    "<EntityDescriptor entityID=\"https://sp.example.test/mellon\" "
	    "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n"
	    "  <SPSSODescriptor "
	    "protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
	    "AuthnRequestsSigned=\"true\">\n"
	    "    <KeyDescriptor%s>\n      <ds:KeyInfo><ds:X509Data>\n"
	    "          <ds:X509Certificate>%.64s\n%s</ds:X509Certificate>\n"
	    "      </ds:X509Data></ds:KeyInfo>\n    </KeyDescriptor>\n"
	    "    <SingleLogoutService "
	    "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
	    "Location=\"https://sp.example.test/mellon/logout\"/>\n"
	    "    <AssertionConsumerService "
	    "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	    "Location=\"https://sp.example.test/mellon/postResponse\" index=\"0\"/>\n"
	    "%s  </SPSSODescriptor>\n</EntityDescriptor>\n";
	size_t n = sizeof tmpl + strlen(cert_b64) + strlen(extra) + 64;
	char *out = malloc(n);

	snprintf(out, n, tmpl, use_sign, cert_b64, cert_b64 + 64, extra);
	return out;
}

static struct saml_sp_meta *meta(void)
{
	static struct saml_sp_meta m;
	return &m;
}

static enum idp_err parse(const char *xml, const char **why)
{
	return saml_spmeta_parse(xml, strlen(xml), meta(), why);
}

TEST(reads_mellon_metadata)
{
	char *x = mellon("", " use=\"signing\"");
	const char *why = NULL;
	struct saml_sp_meta *m = meta();

	CHECK(parse(x, &why) == IDP_OK);
	CHECK_STR(m->entity_id, "https://sp.example.test/mellon");
	CHECK(m->authn_requests_signed && !m->want_assertions_signed);
	CHECK(m->n_acs == 1 && m->acs[0].binding == SAML_BINDING_POST && m->acs[0].index == 0);
	CHECK_STR(m->acs[0].location, "https://sp.example.test/mellon/postResponse");
	CHECK(m->n_slo == 1 && m->slo[0].binding == SAML_BINDING_REDIRECT);
	CHECK(m->n_signing == 1 && m->n_encryption == 0);
	CHECK_STR(m->signing[0], cert_b64);
	free(x);
}

TEST(key_without_use_is_for_both)
{
	char *x = mellon("", "");
	const char *why = NULL;

	CHECK(parse(x, &why) == IDP_OK);
	CHECK(meta()->n_signing == 1 && meta()->n_encryption == 1);
	free(x);
}

TEST(other_bindings_are_left_out_and_formats_kept)
{
	char *x =
	    mellon("    <AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:"
	           "HTTP-Artifact\" Location=\"https://sp.example.test/art\" index=\"1\"/>\n"
	           "    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	           "</NameIDFormat>\n",
	           "");
	const char *why = NULL;

	CHECK(parse(x, &why) == IDP_OK);
	CHECK(meta()->n_acs == 1);
	CHECK(meta()->n_formats == 1);
	CHECK_STR(meta()->formats[0], "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent");
	free(x);
}

TEST(refuses_what_is_not_sp_metadata)
{
	const char *why = NULL;
	char big[64];
	char *x;

	CHECK(parse("", &why) == IDP_ERR_INVALID && why);
	CHECK(parse("<a>", &why) == IDP_ERR_INVALID);
	CHECK(parse("<EntityDescriptor xmlns=\"urn:other\" entityID=\"x\"/>", &why) ==
	      IDP_ERR_INVALID);
	CHECK(parse("<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	            "entityID=\"x\"/>",
	            &why) == IDP_ERR_INVALID);
	CHECK(why && strstr(why, "SPSSODescriptor"));
	/* A DOCTYPE (entity expansion, external DTDs) is refused outright. */
	CHECK(parse("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
	            "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	            "entityID=\"&a;\"/>",
	            &why) == IDP_ERR_INVALID);
	CHECK(why && strstr(why, "DOCTYPE"));
	CHECK(parse("<!DOCTYPE x SYSTEM \"http://127.0.0.1:1/x.dtd\"><EntityDescriptor "
	            "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>",
	            &why) == IDP_ERR_INVALID);
	/* A certificate that is no certificate. */
	x = mellon("", "");
	memcpy(strstr(x, "<ds:X509Certificate>") + 20, "AAAA", 4);
	CHECK(parse(x, &why) == IDP_ERR_INVALID && why && strstr(why, "certificate"));
	free(x);
	/* An ACS that is not an absolute URL. */
	x = mellon("", "");
	memcpy(strstr(x, "https://sp.example.test/mellon/postResponse"), "javascript", 10);
	CHECK(parse(x, &why) == IDP_ERR_INVALID && why && strstr(why, "Location"));
	free(x);
	/* Too large. */
	CHECK(saml_spmeta_parse(big, SAML_SPMETA_MAX + 1, meta(), &why) == IDP_ERR_TOO_LARGE);
	/* A NUL inside. */
	CHECK(saml_spmeta_parse("<a>\0</a>", 8, meta(), &why) == IDP_ERR_INVALID);
}

int main(void)
{
	make_cert();
	RUN(reads_mellon_metadata);
	RUN(key_without_use_is_for_both);
	RUN(other_bindings_are_left_out_and_formats_kept);
	RUN(refuses_what_is_not_sp_metadata);
	return check_summary();
}
