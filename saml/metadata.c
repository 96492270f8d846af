/* The IdP's metadata: see saml/metadata.h. */
#include "saml/metadata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_MAX (64 * 1024)

struct out {
	char *p;
	size_t len, cap;
	bool bad;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->bad || o->len + n + 1 > o->cap) {
		o->bad = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* s escaped for an XML attribute or text. */
static void esc(struct out *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': puts_(o, "&amp;"); break;
		case '<': puts_(o, "&lt;"); break;
		case '>': puts_(o, "&gt;"); break;
		case '"': puts_(o, "&quot;"); break;
		case '\'': puts_(o, "&apos;"); break;
		default: put(o, s, 1);
		}
	}
}

/* The base64 body of one PEM CERTIFICATE block, without line breaks. */
static bool cert_body(struct out *o, const char *pem)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----",
	                  end[] = "-----END CERTIFICATE-----";
	const char *b = pem ? strstr(pem, begin) : NULL, *e;

	if (!b || strstr(b + 1, begin))
		return false;
	b += sizeof begin - 1;
	e = strstr(b, end);
	if (!e)
		return false;
	for (; b < e; b++) {
		if (*b == '\n' || *b == '\r')
			continue;
		if (!((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z') ||
		      (*b >= '0' && *b <= '9') || *b == '+' || *b == '/' || *b == '='))
			return false;
		put(o, b, 1);
	}
	return true;
}

static void endpoint(struct out *o, const char *elem, const char *binding, const char *base,
                     const char *path)
{
	puts_(o, "    <md:");
	puts_(o, elem);
	puts_(o, " Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:");
	puts_(o, binding);
	puts_(o, "\" Location=\"");
	esc(o, base);
	puts_(o, path);
	puts_(o, "\"/>\n");
}

enum idp_err saml_metadata(const struct saml_metadata_in *in, char **result)
{
	static const char *const formats[] = {
	    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
	    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
	    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
	    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
	};
	struct out o = {malloc(META_MAX), 0, META_MAX, false};

	*result = NULL;
	if (!in || !in->base ||
	    (strncmp(in->base, "https://", 8) && strncmp(in->base, "http://", 7)) ||
	    strpbrk(in->base, "\"<>&' \t\r\n") || in->n_certs < 1) {
		free(o.p);
		return IDP_ERR_INVALID;
	}
	if (!o.p)
		return IDP_ERR_NOMEM;
	o.p[0] = 0;
	puts_(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	          "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	          "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" entityID=\"");
	esc(&o, in->base);
	puts_(&o, "/saml/metadata\">\n  <md:IDPSSODescriptor WantAuthnRequestsSigned=\"");
	puts_(&o, in->want_requests_signed ? "true" : "false");
	puts_(&o, "\" protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\">\n");
	for (int i = 0; i < in->n_certs; i++) {
		puts_(&o, "    <md:KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data>"
		          "<ds:X509Certificate>");
		if (!cert_body(&o, in->certs[i])) {
			free(o.p);
			return IDP_ERR_INVALID;
		}
		puts_(&o, "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n");
	}
	endpoint(&o, "SingleLogoutService", "HTTP-Redirect", in->base, "/saml/slo");
	endpoint(&o, "SingleLogoutService", "HTTP-POST", in->base, "/saml/slo");
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		puts_(&o, "    <md:NameIDFormat>");
		puts_(&o, formats[i]);
		puts_(&o, "</md:NameIDFormat>\n");
	}
	endpoint(&o, "SingleSignOnService", "HTTP-Redirect", in->base, "/saml/sso");
	endpoint(&o, "SingleSignOnService", "HTTP-POST", in->base, "/saml/sso");
	puts_(&o, "  </md:IDPSSODescriptor>\n</md:EntityDescriptor>\n");
	if (o.bad) {
		free(o.p);
		return IDP_ERR_TOO_LARGE;
	}
	*result = o.p;
	return IDP_OK;
}
