/*
 * The IdP's SAML 2.0 metadata (saml/metadata.c): an EntityDescriptor with
 * one IDPSSODescriptor, written from a template (Lasso makes no IdP
 * metadata), every value escaped.
 */
#ifndef SAML_METADATA_H
#define SAML_METADATA_H

#include <stdbool.h>

#include "idp/err.h"

struct saml_metadata_in {
	const char *base;         /* public_url + "/t/" + slug, no trailing slash */
	const char *const *certs; /* PEM certificates to publish for signing (active first) */
	int n_certs;
	bool want_requests_signed; /* WantAuthnRequestsSigned */
};

/* The metadata document as a new string (caller frees): entityID
 * base/saml/metadata; signing KeyDescriptors (use="signing") for each
 * certificate; SingleLogoutService and SingleSignOnService at
 * base/saml/slo and base/saml/sso for the HTTP-Redirect and HTTP-POST
 * bindings; the NameID formats persistent, emailAddress, transient and
 * unspecified.  IDP_ERR_INVALID for a certificate that is not one PEM
 * CERTIFICATE block, no certificate or an unsafe base. */
enum idp_err saml_metadata(const struct saml_metadata_in *in, char **out);

#endif
