/*
 * Admin API tokens: created by the operator, shown once, stored as
 * SHA-256; a bearer token acts as an administrator of its tenant
 * (idp/apitoken.c).
 */
#ifndef IDP_APITOKEN_H
#define IDP_APITOKEN_H

#include "idp/audit.h"
#include "idp/crypto.h"
#include "idp/request.h"
#include "idp/tenant.h"

/* Operator: create an admin API token named name; the token (shown once)
 * goes to out.  Audited as token.created. */
enum idp_err idp_token_create(const struct idp_tenant *t, const char *name,
                              char out[IDP_TOKEN_LEN + 1]);

/* Authenticate a bearer token for tenant t; fills *actor (role "api").
 * IDP_ERR_AUTH when unknown, revoked or of another tenant (counted against
 * ri's address like a failed login); IDP_ERR_RATE for an address over that
 * limit. */
enum idp_err idp_token_auth(const struct idp_tenant *t, const char *token,
                            const struct idp_reqinfo *ri, struct idp_actor *actor);

#endif
