/*
 * Each tenant's SAML signing keys (idp/samlkey.c): made with the tenant (or
 * on first use), the private key sealed under a key derived from the master
 * key, and rolled over in three steps: create the next key (published in
 * metadata beside the active one), activate it (signing switches; the old
 * one stays published as "previous"), delete the old one.
 */
#ifndef IDP_SAMLKEY_H
#define IDP_SAMLKEY_H

#include <stdint.h>

#include "idp/audit.h"
#include "idp/tenant.h"

#define IDP_SAMLKEY_PEM_MAX 8192

enum idp_samlkey_state { IDP_SAMLKEY_NEXT, IDP_SAMLKEY_ACTIVE, IDP_SAMLKEY_PREVIOUS };

struct idp_samlkey {
	int64_t id;
	int bits;
	enum idp_samlkey_state state;
	char cert_pem[IDP_SAMLKEY_PEM_MAX + 1];
	char sha256[65]; /* hex, of the DER certificate */
	int64_t created_at, activated_at;
};

/* "next", "active", "previous". */
const char *idp_samlkey_state_name(enum idp_samlkey_state s);

/* The tenant's keys, newest first; *rows new (caller frees). */
enum idp_err idp_samlkeys_list(const struct idp_tenant *t, struct idp_samlkey **rows, int *n);

/* Make a key of bits (2048 or 3072): the active one when the tenant has
 * none, else the next one.  Audited saml.key_created {"id","bits","sha256",
 * "state"}.  IDP_ERR_INVALID for other sizes; IDP_ERR_TOO_LARGE when the
 * tenant has IDP_SAMLKEYS_MAX keys.  by may be NULL (the operator). */
#define IDP_SAMLKEYS_MAX 5
enum idp_err idp_samlkey_create(const struct idp_tenant *t, const struct idp_actor *by, int bits,
                                int64_t *id);

/* Switch signing to key id (saml.key_activated); the key that was active
 * becomes "previous".  IDP_ERR_NOT_FOUND for no such key of the tenant. */
enum idp_err idp_samlkey_activate(const struct idp_tenant *t, const struct idp_actor *by,
                                  int64_t id);

/* Delete key id (saml.key_deleted); IDP_ERR_CONFLICT for the active one,
 * IDP_ERR_NOT_FOUND for no such key. */
enum idp_err idp_samlkey_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id);

/* The active key's private key and certificate as PEM (*key_pem new: wipe
 * and free it; *cert_pem new), made first when the tenant has none.
 * IDP_ERR_CRYPTO when the sealed key does not open (another master key). */
enum idp_err idp_samlkey_signing(const struct idp_tenant *t, char **key_pem, char **cert_pem);

#endif
