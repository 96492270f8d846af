/*
 * Tenants as stored: the directory row (slug, name, status) and the policy
 * document kept with it as JSON text.  The directory is readable without a
 * tenant setting; changing a policy happens inside that tenant's
 * transaction.
 */
#ifndef STORE_TENANT_H
#define STORE_TENANT_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"

struct store_conn;

#define STORE_SLUG_MAX        63
#define STORE_TENANT_NAME_MAX 200

struct store_tenant {
	int64_t id;
	char slug[STORE_SLUG_MAX + 1];
	char name[STORE_TENANT_NAME_MAX + 1];
	bool active;
	int64_t created_at; /* Unix seconds */
};

#define STORE_VERSION_MAX 23

/* The tenant named slug (active or not), one statement outside any
 * transaction; version (STORE_VERSION_MAX + 1 bytes) gets the version of its
 * row, which changes with every update.  *policy gets its policy JSON as a
 * new string (caller frees), or NULL when known_version (may be NULL) is
 * still the row's version: the caller already has it.
 * IDP_ERR_NOT_FOUND when there is none (*policy NULL). */
enum idp_err store_tenant_by_slug(struct store_conn *c, const char *slug, const char *known_version,
                                  struct store_tenant *out, char *version, char **policy);

/* Insert a tenant with policy JSON text; *id gets its id.  IDP_ERR_CONFLICT
 * when the slug exists. */
enum idp_err store_tenant_insert(struct store_conn *c, const char *slug, const char *name,
                                 const char *policy, int64_t *id);

/* Every tenant, by slug; *rows is a new array of *n (caller frees). */
enum idp_err store_tenant_list(struct store_conn *c, struct store_tenant **rows, int *n);

/* Lock tenant id's row for the rest of the transaction; *policy (may be
 * NULL) gets its policy JSON as a new string (caller frees).
 * IDP_ERR_NOT_FOUND when the tenant is not visible. */
enum idp_err store_tenant_lock(struct store_conn *c, int64_t id, char **policy);

/* Replace tenant id's policy JSON. */
enum idp_err store_tenant_policy_set(struct store_conn *c, int64_t id, const char *policy);

#endif
