/*
 * A service provider's SAML 2.0 metadata, read strictly (saml/spmeta.c):
 * libxml2 with network access, DTDs and entity substitution off, a size
 * bound, one EntityDescriptor with one SPSSODescriptor.  What Sekisho
 * needs of it comes out as plain values.
 */
#ifndef SAML_SPMETA_H
#define SAML_SPMETA_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/err.h"

#define SAML_SPMETA_MAX    (256 * 1024) /* bytes of metadata */
#define SAML_ENTITY_ID_MAX 1024
#define SAML_LOCATION_MAX  1024
#define SAML_SP_ENDPOINTS  16
#define SAML_SP_CERTS      4
#define SAML_SP_FORMATS    8
#define SAML_CERT_B64_MAX  12288

enum saml_binding { SAML_BINDING_POST, SAML_BINDING_REDIRECT };

struct saml_endpoint {
	enum saml_binding binding;
	char location[SAML_LOCATION_MAX + 1];
	int index;       /* ACS: its index (-1 when it has none) */
	bool is_default; /* ACS: isDefault="true" */
};

struct saml_sp_meta {
	char entity_id[SAML_ENTITY_ID_MAX + 1];
	bool authn_requests_signed;
	bool want_assertions_signed;
	struct saml_endpoint acs[SAML_SP_ENDPOINTS];
	int n_acs;
	struct saml_endpoint slo[SAML_SP_ENDPOINTS];
	int n_slo;
	/* Certificates as base64 DER (white space removed); a KeyDescriptor
	 * without use="..." counts for both. */
	char signing[SAML_SP_CERTS][SAML_CERT_B64_MAX + 1];
	int n_signing;
	char encryption[SAML_SP_CERTS][SAML_CERT_B64_MAX + 1];
	int n_encryption;
	char formats[SAML_SP_FORMATS][128]; /* NameIDFormat, in the metadata's order */
	int n_formats;
};

/* Read metadata xml (len bytes) into out (heap it: it is large).
 * IDP_ERR_TOO_LARGE beyond SAML_SPMETA_MAX; IDP_ERR_INVALID with *why (a
 * static sentence for the administrator) for anything else wrong: not
 * well-formed, a DOCTYPE, not one EntityDescriptor with one SPSSODescriptor
 * for SAML 2.0, no or an overlong entityID, no AssertionConsumerService
 * with a supported binding (HTTP-POST) at an absolute http(s) URL, an
 * endpoint or certificate that does not parse, too many of them.
 * Endpoints with other bindings (Artifact, SOAP, PAOS) are left out. */
enum idp_err saml_spmeta_parse(const char *xml, size_t len, struct saml_sp_meta *out,
                               const char **why);

#endif
