/*
 * Client certificates as stored: a tenant's CAs and CRLs (DER with the
 * facts the console lists) and the certificates bound to its users (by
 * SHA-256 fingerprint).  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_CERT_H
#define STORE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

struct store_conn;

#define STORE_DER_MAX 16384
#define STORE_DN_MAX  512

struct store_ca {
	int64_t id;
	bool crl;           /* a CRL, else a CA certificate */
	unsigned char *der; /* owned (store_cas_free) */
	size_t der_len;
	char subject[STORE_DN_MAX + 1], issuer[STORE_DN_MAX + 1];
	int64_t not_after; /* certificate: notAfter; CRL: nextUpdate; 0 = none */
	unsigned char sha256[STORE_SHA256_LEN];
	int64_t created_at;
};

/* A CA certificate or CRL.  IDP_ERR_CONFLICT when the tenant has it already. */
enum idp_err store_ca_insert(struct store_conn *c, int64_t tenant_id, const struct store_ca *ca,
                             int64_t *id);
/* Every CA and CRL of the tenant, oldest first; *rows new (store_cas_free). */
enum idp_err store_ca_list(struct store_conn *c, struct store_ca **rows, int *n);
void store_cas_free(struct store_ca *rows, int n);
/* Whether the tenant has at least one CA certificate. */
enum idp_err store_ca_has_cert(struct store_conn *c, bool *any);
/* IDP_ERR_NOT_FOUND when the tenant has no such id; *out gets what it was. */
enum idp_err store_ca_delete(struct store_conn *c, int64_t id, struct store_ca *out);

struct store_user_cert {
	int64_t user_id;
	unsigned char sha256[STORE_SHA256_LEN];
	char subject[STORE_DN_MAX + 1];
	int64_t created_at;
};

/* Bind a certificate to a user; IDP_ERR_CONFLICT when some user of the
 * tenant has it already. */
enum idp_err store_user_cert_insert(struct store_conn *c, int64_t tenant_id,
                                    const struct store_user_cert *uc);
/* The user's certificates, newest first; *rows new (caller frees). */
enum idp_err store_user_cert_list(struct store_conn *c, int64_t user_id,
                                  struct store_user_cert **rows, int *n);
/* IDP_ERR_NOT_FOUND when the user has no such certificate. */
enum idp_err store_user_cert_delete(struct store_conn *c, int64_t user_id,
                                    const unsigned char sha256[STORE_SHA256_LEN]);
/* Unbind every certificate of the user; *n (may be NULL) gets how many. */
enum idp_err store_user_cert_delete_all(struct store_conn *c, int64_t user_id, long *n);

/* The user the certificate is bound to; IDP_ERR_NOT_FOUND when none. */
enum idp_err store_user_cert_owner(struct store_conn *c,
                                   const unsigned char sha256[STORE_SHA256_LEN], int64_t *user_id);

#endif
