/*
 * Admin API tokens as stored: a name and the SHA-256 of the token, per
 * tenant, revocable.  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_APITOKEN_H
#define STORE_APITOKEN_H

#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

#define STORE_TOKEN_NAME_MAX 400

/* A new token named name. */
enum idp_err store_apitoken_insert(struct store_conn *c, int64_t tenant_id, const char *name,
                                   const unsigned char token_hash[STORE_SHA256_LEN]);

/* The unrevoked token whose value hashes to token_hash: *id and name
 * (STORE_TOKEN_NAME_MAX + 1 bytes).  IDP_ERR_NOT_FOUND otherwise. */
enum idp_err store_apitoken_by_hash(struct store_conn *c,
                                    const unsigned char token_hash[STORE_SHA256_LEN], int64_t *id,
                                    char *name);

/* Stamp its use (at most once a minute). */
enum idp_err store_apitoken_touch(struct store_conn *c, int64_t id);

#endif
