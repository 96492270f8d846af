/* A service provider's metadata, read strictly: see saml/spmeta.h. */
#include "saml/spmeta.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "idp/app.h"

#define MD_NS   "urn:oasis:names:tc:SAML:2.0:metadata"
#define DS_NS   "http://www.w3.org/2000/09/xmldsig#"
#define PROTO   "urn:oasis:names:tc:SAML:2.0:protocol"
#define BINDING "urn:oasis:names:tc:SAML:2.0:bindings:"

static bool is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Attribute name of n as a new string (xmlFree), or NULL. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, BAD_CAST name);
}

static bool attr_true(const xmlNode *n, const char *name)
{
	char *v = attr(n, name);
	bool t = v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);

	xmlFree(v);
	return t;
}

/* The text of n, without white space, into out; false when too long. */
static bool text_squeezed(const xmlNode *n, char *out, size_t outsz)
{
	xmlChar *t = xmlNodeGetContent(n);
	size_t j = 0;
	bool ok = t != NULL;

	for (const xmlChar *p = t; ok && *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (j + 1 >= outsz)
			ok = false;
		else
			out[j++] = (char)*p;
	}
	if (outsz)
		out[j] = 0;
	xmlFree(t);
	return ok && j > 0;
}

/* Whether b64 is a base64 DER X.509 certificate. */
static bool cert_ok(const char *b64)
{
	size_t n = strlen(b64), cap = n / 4 * 3 + 3;
	unsigned char *der = malloc(cap);
	const unsigned char *p = der;
	int len;
	X509 *x = NULL;

	if (!der)
		return false;
	len = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)n);
	if (len > 0) {
		while (n && b64[n - 1] == '=') { /* EVP_DecodeBlock counts padding */
			len--;
			n--;
		}
		x = d2i_X509(NULL, &p, len);
	}
	free(der);
	X509_free(x);
	return x != NULL;
}

/* An endpoint element: false with *why when it does not parse; *skip
 * when its binding is not one Sekisho speaks. */
static bool endpoint(const xmlNode *n, bool acs, struct saml_endpoint *e, bool *skip,
                     const char **why)
{
	char *b = attr(n, "Binding"), *loc = attr(n, "Location"), *idx = attr(n, "index");
	struct idp_url u;
	bool ok = true;

	*skip = false;
	memset(e, 0, sizeof *e);
	e->index = -1;
	if (!b || !loc) {
		*why = "an endpoint without Binding or Location";
		ok = false;
	} else if (strcmp(b, BINDING "HTTP-POST") == 0) {
		e->binding = SAML_BINDING_POST;
	} else if (strcmp(b, BINDING "HTTP-Redirect") == 0 && !acs) {
		e->binding = SAML_BINDING_REDIRECT;
	} else {
		*skip = true;
	}
	if (ok && !*skip) {
		if (strlen(loc) > SAML_LOCATION_MAX || idp_url_parse(loc, &u)) {
			*why = "an endpoint Location that is not an absolute http(s) URL";
			ok = false;
		} else {
			strcpy(e->location, loc);
		}
	}
	if (ok && !*skip && acs && idx) {
		char *end;
		long v = strtol(idx, &end, 10);
		if (!*idx || *end || v < 0 || v > 65535) {
			*why = "an AssertionConsumerService index that is not a number";
			ok = false;
		}
		e->index = (int)v;
	}
	if (ok && !*skip && acs)
		e->is_default = attr_true(n, "isDefault");
	xmlFree(b);
	xmlFree(loc);
	xmlFree(idx);
	return ok;
}

/* A KeyDescriptor: its certificate into the lists its use says. */
static bool key(const xmlNode *kd, struct saml_sp_meta *m, const char **why)
{
	char *use = attr(kd, "use");
	const xmlNode *cert = NULL;
	char b64[SAML_CERT_B64_MAX + 1];
	bool sign = !use || strcmp(use, "signing") == 0;
	bool enc = !use || strcmp(use, "encryption") == 0;

	xmlFree(use);
	for (const xmlNode *ki = kd->children; ki; ki = ki->next)
		if (is(ki, DS_NS, "KeyInfo"))
			for (const xmlNode *xd = ki->children; xd; xd = xd->next)
				if (is(xd, DS_NS, "X509Data"))
					for (const xmlNode *c = xd->children; c; c = c->next)
						if (is(c, DS_NS, "X509Certificate") && !cert)
							cert = c;
	if (!sign && !enc) {
		*why = "a KeyDescriptor whose use is neither signing nor encryption";
		return false;
	}
	if (!cert || !text_squeezed(cert, b64, sizeof b64) || !cert_ok(b64)) {
		*why = "a KeyDescriptor without an X.509 certificate that parses";
		return false;
	}
	if ((sign && m->n_signing >= SAML_SP_CERTS) || (enc && m->n_encryption >= SAML_SP_CERTS)) {
		*why = "too many certificates";
		return false;
	}
	if (sign)
		strcpy(m->signing[m->n_signing++], b64);
	if (enc)
		strcpy(m->encryption[m->n_encryption++], b64);
	return true;
}

static bool sp_descriptor(const xmlNode *sp, struct saml_sp_meta *m, const char **why)
{
	char *proto = attr(sp, "protocolSupportEnumeration");
	bool ok = proto && strstr(proto, PROTO);

	xmlFree(proto);
	if (!ok) {
		*why = "the SPSSODescriptor does not support SAML 2.0";
		return false;
	}
	m->authn_requests_signed = attr_true(sp, "AuthnRequestsSigned");
	m->want_assertions_signed = attr_true(sp, "WantAssertionsSigned");
	for (const xmlNode *n = sp->children; n; n = n->next) {
		struct saml_endpoint e;
		bool skip;
		if (is(n, MD_NS, "KeyDescriptor")) {
			if (!key(n, m, why))
				return false;
		} else if (is(n, MD_NS, "AssertionConsumerService") ||
		           is(n, MD_NS, "SingleLogoutService")) {
			bool acs = is(n, MD_NS, "AssertionConsumerService");
			if (!endpoint(n, acs, &e, &skip, why))
				return false;
			if (skip)
				continue;
			if ((acs ? m->n_acs : m->n_slo) >= SAML_SP_ENDPOINTS) {
				*why = "too many endpoints";
				return false;
			}
			if (acs)
				m->acs[m->n_acs++] = e;
			else
				m->slo[m->n_slo++] = e;
		} else if (is(n, MD_NS, "NameIDFormat") && m->n_formats < SAML_SP_FORMATS) {
			if (!text_squeezed(n, m->formats[m->n_formats], sizeof m->formats[0])) {
				*why = "a NameIDFormat that is empty or too long";
				return false;
			}
			m->n_formats++;
		}
	}
	if (!m->n_acs) {
		*why = "no AssertionConsumerService with the HTTP-POST binding";
		return false;
	}
	return true;
}

enum idp_err saml_spmeta_parse(const char *xml, size_t len, struct saml_sp_meta *out,
                               const char **why)
{
	xmlDocPtr doc;
	const xmlNode *root, *sp = NULL;
	char *eid;
	int n_sp = 0;
	bool ok = false;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (len > SAML_SPMETA_MAX)
		return IDP_ERR_TOO_LARGE;
	if (!xml || !len || memchr(xml, 0, len)) {
		*why = "empty metadata, or a NUL byte in it";
		return IDP_ERR_INVALID;
	}
	/* No network, no DTD loading, no entity substitution. */
	doc = xmlReadMemory(xml, (int)len, "sp-metadata.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		*why = "the metadata is not well-formed XML";
		return IDP_ERR_INVALID;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset) {
		*why = "the metadata has a DOCTYPE";
	} else if (!is(root, MD_NS, "EntityDescriptor")) {
		*why = "the metadata is not one EntityDescriptor";
	} else {
		for (const xmlNode *n = root->children; n; n = n->next)
			if (is(n, MD_NS, "SPSSODescriptor")) {
				sp = n;
				n_sp++;
			}
		eid = attr(root, "entityID");
		if (!eid || !*eid || strlen(eid) > SAML_ENTITY_ID_MAX) {
			*why = "no entityID, or one over 1024 characters";
		} else if (n_sp != 1) {
			*why = "not exactly one SPSSODescriptor";
		} else {
			strcpy(out->entity_id, eid);
			ok = sp_descriptor(sp, out, why);
		}
		xmlFree(eid);
	}
	xmlFreeDoc(doc);
	if (!ok) {
		memset(out, 0, sizeof *out);
		return IDP_ERR_INVALID;
	}
	return IDP_OK;
}
