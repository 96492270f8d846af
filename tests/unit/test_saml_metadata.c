/* The IdP's metadata (saml/metadata.c): parsed back with libxml2. */
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>

#include "idp/x509gen.h"
#include "saml/metadata.h"
#include "tests/unit/check.h"

static xmlDocPtr parse(const char *s)
{
	return xmlReadMemory(s, (int)strlen(s), "metadata.xml", NULL, XML_PARSE_NONET);
}

/* The string value of an XPath expression over doc. */
static char *xp(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr c = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r;
	char *out;

	xmlXPathRegisterNs(c, BAD_CAST "md", BAD_CAST "urn:oasis:names:tc:SAML:2.0:metadata");
	xmlXPathRegisterNs(c, BAD_CAST "ds", BAD_CAST "http://www.w3.org/2000/09/xmldsig#");
	r = xmlXPathEvalExpression(BAD_CAST expr, c);
	out = (char *)xmlXPathCastToString(r);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(c);
	return out;
}

static bool xp_is(xmlDocPtr doc, const char *expr, const char *want)
{
	char *got = xp(doc, expr);
	bool ok = got && strcmp(got, want) == 0;

	if (!ok)
		printf("  %s: got \"%s\", want \"%s\"\n", expr, got ? got : "(null)", want);
	xmlFree(got);
	return ok;
}

/* The PEM's base64 body on one line. */
static void body_of(const char *pem, char *out)
{
	const char *b = strstr(pem, "-----\n") + 6, *e = strstr(pem, "-----END");
	size_t j = 0;

	for (; b < e; b++)
		if (*b != '\n')
			out[j++] = *b;
	out[j] = 0;
}

TEST(metadata_describes_the_idp)
{
	char *k1, *c1, *k2, *c2, *md = NULL, body[4096];
	unsigned char sha[32];
	xmlDocPtr doc;

	CHECK(idp_x509_keypair(2048, "a", 10, &k1, &c1, sha) == IDP_OK);
	CHECK(idp_x509_keypair(2048, "b", 10, &k2, &c2, sha) == IDP_OK);
	const char *certs[] = {c1, c2};
	struct saml_metadata_in in = {"https://sso.example/t/acme", certs, 2, true};
	CHECK(saml_metadata(&in, &md) == IDP_OK && md);
	doc = md ? parse(md) : NULL;
	CHECK(doc);
	if (doc) {
		CHECK(xp_is(doc, "string(/md:EntityDescriptor/@entityID)",
		            "https://sso.example/t/acme/saml/metadata"));
		CHECK(xp_is(doc, "string(//md:IDPSSODescriptor/@WantAuthnRequestsSigned)", "true"));
		CHECK(xp_is(doc, "string(//md:IDPSSODescriptor/@protocolSupportEnumeration)",
		            "urn:oasis:names:tc:SAML:2.0:protocol"));
		CHECK(xp_is(doc, "string(count(//md:KeyDescriptor[@use='signing']))", "2"));
		body_of(c2, body);
		CHECK(xp_is(doc, "string(//md:KeyDescriptor[2]//ds:X509Certificate)", body));
		CHECK(xp_is(doc,
		            "string(//md:SingleSignOnService[@Binding='urn:oasis:names:tc:SAML:2.0:"
		            "bindings:HTTP-Redirect']/@Location)",
		            "https://sso.example/t/acme/saml/sso"));
		CHECK(xp_is(doc,
		            "string(//md:SingleSignOnService[@Binding='urn:oasis:names:tc:SAML:2.0:"
		            "bindings:HTTP-POST']/@Location)",
		            "https://sso.example/t/acme/saml/sso"));
		CHECK(xp_is(doc, "string(count(//md:SingleLogoutService))", "2"));
		CHECK(xp_is(doc, "string(count(//md:NameIDFormat))", "4"));
		CHECK(xp_is(doc, "string(//md:NameIDFormat[1])",
		            "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"));
		xmlFreeDoc(doc);
	}
	free(md);
	free(k1);
	free(c1);
	free(k2);
	free(c2);
}

TEST(metadata_refuses_bad_input)
{
	char *k, *c, *md = (char *)"x";
	unsigned char sha[32];

	CHECK(idp_x509_keypair(2048, "a", 10, &k, &c, sha) == IDP_OK);
	const char *one[] = {c};
	const char *junk[] = {"-----BEGIN CERTIFICATE-----\nabc<def\n-----END CERTIFICATE-----\n"};
	const char *none[] = {"no certificate"};
	struct saml_metadata_in in = {"https://sso.example/t/acme", one, 0, false};
	CHECK(saml_metadata(&in, &md) == IDP_ERR_INVALID && md == NULL);
	in.n_certs = 1;
	in.base = "https://sso.example/t/a\"b";
	CHECK(saml_metadata(&in, &md) == IDP_ERR_INVALID);
	in.base = "javascript:x";
	CHECK(saml_metadata(&in, &md) == IDP_ERR_INVALID);
	in.base = "https://sso.example/t/acme";
	in.certs = junk;
	CHECK(saml_metadata(&in, &md) == IDP_ERR_INVALID);
	in.certs = none;
	CHECK(saml_metadata(&in, &md) == IDP_ERR_INVALID);
	free(k);
	free(c);
}

int main(void)
{
	RUN(metadata_describes_the_idp);
	RUN(metadata_refuses_bad_input);
	xmlCleanupParser();
	return check_summary();
}
