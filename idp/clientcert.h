/*
 * X.509 client certificates (idp/clientcert.c): each tenant's CAs and CRLs,
 * the check of a certificate a request presents against them, and the
 * certificates bound to users as a second factor.  The policy's
 * mfa.client_cert says what they are for: "required" (no page, API call or
 * login without a valid certificate from the tenant's CAs), "factor" (a valid
 * certificate bound to the user counts as the second factor).
 */
#ifndef IDP_CLIENTCERT_H
#define IDP_CLIENTCERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/tenant.h"

struct idp_client_ca {
	int64_t id;
	bool crl;
	char subject[513], issuer[513];
	int64_t not_after; /* certificate: notAfter; CRL: nextUpdate; 0 = none */
	char sha256[65];   /* hex */
	int64_t created_at;
};

/* The tenant's CAs and CRLs; *rows new (caller frees). */
enum idp_err idp_client_cas_list(const struct idp_tenant *t, struct idp_client_ca **rows, int *n);

/* Add every CERTIFICATE and X509 CRL block of pem (one transaction, one
 * client_ca.added event each).  IDP_ERR_INVALID with *why (static, for the
 * operator and the API's answer) for anything that is not such a PEM, a
 * certificate that is not a CA, or a CRL; IDP_ERR_CONFLICT when one of them
 * is there already.  *added gets how many. */
enum idp_err idp_client_cas_add(const struct idp_tenant *t, const struct idp_actor *by,
                                const char *pem, size_t len, int *added, const char **why);

/* Remove one (client_ca.removed).  IDP_ERR_NOT_FOUND when the tenant has no
 * such id. */
enum idp_err idp_client_ca_delete(const struct idp_tenant *t, const struct idp_actor *by,
                                  int64_t id);

/* Check a certificate (DER) a request presented against the tenant's CAs
 * and CRLs now, into ri's cert_* fields.  A database failure is returned;
 * an invalid certificate is not an error (ri->cert_valid false, cert_why). */
enum idp_err idp_cert_check(const struct idp_tenant *t, const unsigned char *der, size_t len,
                            struct idp_reqinfo *ri);

/* A request from a peer that is not a trusted proxy carried a client
 * certificate header: it was ignored; audited access.cert_header_ignored. */
void idp_cert_header_ignored(const struct idp_tenant *t, const struct idp_reqinfo *ri);

/* The request was refused for want of a valid client certificate
 * (mfa.client_cert required); audited access.denied_cert. */
void idp_cert_denied(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *path);

struct idp_user_cert {
	char sha256[65]; /* hex */
	char subject[513];
	int64_t created_at;
};

/* The certificates bound to the user with this e-mail; *rows new. */
enum idp_err idp_user_certs_list(const struct idp_tenant *t, const char *email,
                                 struct idp_user_cert **rows, int *n);

/* Bind a certificate to a user by its PEM (checked against the tenant's CAs
 * now) or by its SHA-256 in hex (sha256_hex, pem NULL).  Audited
 * mfa.cert.bound.  IDP_ERR_INVALID (*why) for a bad PEM or fingerprint or a
 * certificate the tenant's CAs do not vouch for; IDP_ERR_CONFLICT when it is
 * bound to someone already. */
enum idp_err idp_user_cert_add(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *email, const char *pem, size_t len,
                               const char *sha256_hex, const char **why);

/* Unbind (mfa.cert.unbound).  IDP_ERR_NOT_FOUND when not bound to them. */
enum idp_err idp_user_cert_delete(const struct idp_tenant *t, const struct idp_actor *by,
                                  const char *email, const char *sha256_hex);

/* Bind the valid certificate this request presented to the signed-in user
 * by ("use this browser's certificate").  IDP_ERR_INVALID without one. */
enum idp_err idp_user_cert_bind_own(const struct idp_tenant *t, const struct idp_actor *by,
                                    const struct idp_reqinfo *ri);

/* Whether the request's valid certificate is bound to user_id (inside the
 * caller's transaction: idp/login.c). */
struct store_conn;
bool idp_cert_bound_to(struct store_conn *c, const struct idp_reqinfo *ri, int64_t user_id);

#endif
