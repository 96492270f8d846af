/*
 * Each tenant's SAML signing keys as stored: the certificate (public), the
 * private key sealed by idp, its SHA-256, its state in the rollover ("next",
 * "active", "previous").  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_SAMLKEY_H
#define STORE_SAMLKEY_H

#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

#define STORE_SAMLKEY_PEM_MAX    8192
#define STORE_SAMLKEY_SEALED_MAX 8192

struct store_samlkey {
	int64_t id;
	int bits;
	char state[16];
	char cert_pem[STORE_SAMLKEY_PEM_MAX + 1];
	unsigned char sha256[STORE_SHA256_LEN];
	int64_t created_at, activated_at; /* 0 = never */
};

/* A new key in state; *id gets its id. */
enum idp_err store_samlkey_insert(struct store_conn *c, int64_t tenant_id, int bits,
                                  const char *state, const char *cert_pem,
                                  const unsigned char *sealed, size_t sealed_len,
                                  const unsigned char sha256[STORE_SHA256_LEN], int64_t *id);

/* Set key id's sealed private key (it is sealed bound to its id, known only
 * after the insert). */
enum idp_err store_samlkey_set_sealed(struct store_conn *c, int64_t id, const unsigned char *sealed,
                                      size_t sealed_len);

/* The tenant's keys, newest first; *rows new (caller frees). */
enum idp_err store_samlkey_list(struct store_conn *c, struct store_samlkey **rows, int *n);

/* Key id and its sealed private key (*sealed new, caller frees).
 * IDP_ERR_NOT_FOUND when the tenant has none such. */
enum idp_err store_samlkey_get(struct store_conn *c, int64_t id, struct store_samlkey *out,
                               unsigned char **sealed, size_t *sealed_len);

/* The active key's id (0 when there is none). */
enum idp_err store_samlkey_active_id(struct store_conn *c, int64_t *id);

/* Make key id the active one; the one that was becomes "previous".
 * IDP_ERR_NOT_FOUND when the tenant has no such key. */
enum idp_err store_samlkey_activate(struct store_conn *c, int64_t id);

/* Delete key id unless it is the active one (IDP_ERR_CONFLICT);
 * IDP_ERR_NOT_FOUND when there is no such key. */
enum idp_err store_samlkey_delete(struct store_conn *c, int64_t id);

#endif
