/*
 * SAML protocol messages as they arrive (saml/message.c), read strictly and
 * before Lasso sees them: the HTTP-Redirect query as received (SAML
 * bindings §3.4.4), base64 and DEFLATE with bounds on both sides, the XML
 * parsed by libxml2 with network, DTD and entity loading off, and what
 * Sekisho decides on taken out as plain values.  The Redirect signature is
 * verified here with OpenSSL over the raw query (bindings §3.4.4.1), so
 * Lasso's leaking verification path is never taken.  Pure functions: no
 * I/O, no Lasso.
 */
#ifndef SAML_MESSAGE_H
#define SAML_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "idp/err.h"
#include "saml/spmeta.h"

#define SAML_MSG_MAX     (64 * 1024)  /* bytes of a message's XML (after inflating) */
#define SAML_ENCODED_MAX (128 * 1024) /* bytes of its base64 form */
#define SAML_RELAY_MAX   1024         /* RelayState: see below */
#define SAML_ID_MAX      256
/* The bindings (§3.4.3, §3.5.3) limit RelayState to 80 bytes, but service
 * providers such as mod_auth_mellon send the whole URL the user asked for
 * there; it is kept as sent up to SAML_RELAY_MAX and refused beyond. */

enum saml_kind { SAML_AUTHN_REQUEST, SAML_LOGOUT_REQUEST, SAML_LOGOUT_RESPONSE };

/* An HTTP-Redirect query.  Values are percent-decoded copies; signed is the
 * octets the signature covers, exactly as received. */
struct saml_redirect {
	bool response; /* SAMLResponse rather than SAMLRequest */
	char *msg;     /* base64 of the DEFLATEd message */
	char *relay;   /* RelayState, or NULL */
	char *sigalg;  /* SigAlg, or NULL */
	char *sig;     /* Signature (base64), or NULL */
	char *signed_part;
};

/* Split query (the raw query string, without '?') into out (free it with
 * saml_redirect_free, also on error).  IDP_ERR_INVALID with *why: a SAML
 * parameter twice, out of the order SAML*, RelayState, SigAlg, Signature,
 * both or neither of SAMLRequest and SAMLResponse, SigAlg without
 * Signature or the reverse, bad percent-encoding; IDP_ERR_TOO_LARGE beyond
 * SAML_ENCODED_MAX or a RelayState over SAML_RELAY_MAX. */
enum idp_err saml_redirect_parse(const char *query, struct saml_redirect *out, const char **why);
void saml_redirect_free(struct saml_redirect *q);

/* Verify q's signature with any of the n certificates (base64 DER, as SP
 * metadata gives them).  IDP_ERR_INVALID with *why for a SHA-1 or unknown
 * SigAlg; IDP_ERR_AUTH for a signature no certificate verifies. */
enum idp_err saml_redirect_verify(const struct saml_redirect *q,
                                  const char (*certs)[SAML_CERT_B64_MAX + 1], int n,
                                  const char **why);

/* saml_redirect_verify with public keys parsed already (NULL entries are
 * skipped): what the IdP uses, each SP's keys read once per IdP build. */
enum idp_err saml_redirect_verify_keys(const struct saml_redirect *q, EVP_PKEY *const *keys, int n,
                                       const char **why);
/* The RSA public key of a certificate given as base64 DER, new (free with
 * EVP_PKEY_free); NULL when it does not parse or is not RSA. */
EVP_PKEY *saml_cert_pubkey(const char *b64);

/* The XML of an encoded message (white space in b64 is skipped): base64
 * decoded, then raw-DEFLATE inflated when deflated (the Redirect
 * binding), never past SAML_MSG_MAX (a bomb stops at the bound).  *xml new,
 * NUL-terminated.  IDP_ERR_TOO_LARGE, IDP_ERR_INVALID with *why. */
enum idp_err saml_decode(const char *b64, bool deflated, char **xml, size_t *len, const char **why);

/* What Sekisho reads of a request or logout response. */
struct saml_msg {
	enum saml_kind kind;
	char id[SAML_ID_MAX + 1];
	char issuer[1025];
	char destination[1025];
	int64_t issue_instant; /* Unix seconds */
	bool signed_inline;    /* one enveloped ds:Signature over the root */
	/* AuthnRequest */
	char acs_url[1025];
	int acs_index; /* -1: none */
	char protocol_binding[128];
	bool has_nameid_policy, allow_create;
	char nameid_format[128];
	bool force_authn, is_passive;
	/* LogoutRequest */
	char nameid[513];
	char session_index[129];
	/* LogoutResponse */
	char in_response_to[SAML_ID_MAX + 1];
	char status[128];
};

/* Read xml (len bytes) into m.  IDP_ERR_INVALID with *why for anything it
 * refuses: not well-formed, a DOCTYPE, a root other than AuthnRequest,
 * LogoutRequest or LogoutResponse of SAML 2.0, a missing or malformed ID,
 * Version or IssueInstant, not exactly one Issuer, comments or elements
 * inside Issuer or NameID, an Assertion inside a request, more than one
 * ds:Signature or one that is not a child of the root referencing the
 * root's ID, SHA-1 in SignatureMethod or DigestMethod (digests other than
 * SHA-256/384/512 are refused too), both an ACS URL and
 * an index, an encrypted NameID. */
enum idp_err saml_inspect(const char *xml, size_t len, struct saml_msg *m, const char **why);

/* Percent-decode n bytes of s into a new string (*out); '+' is a space.
 * IDP_ERR_INVALID for a bad escape or a NUL. */
enum idp_err saml_urldecode(const char *s, size_t n, char **out);

#endif
