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
	int64_t created_at;    /* Unix seconds */
	int64_t terminated_at; /* Unix seconds; 0 while active (tenant list only) */
	int64_t purge_after;   /* Unix seconds; 0 while active (tenant list only) */
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

/* Every table holding rows of a tenant (a tenant_id column), children
 * first: what a purge deletes and counts. */
#define STORE_TENANT_TABLES(X)                                                                     \
	X(saml_session_sps)                                                                        \
	X(saml_nameids)                                                                            \
	X(saml_parked)                                                                             \
	X(saml_seen)                                                                               \
	X(service_providers)                                                                       \
	X(saml_keys)                                                                               \
	X(apps)                                                                                    \
	X(user_certificates)                                                                       \
	X(client_cas)                                                                              \
	X(mfa_recovery_codes)                                                                      \
	X(login_flows)                                                                             \
	X(api_tokens)                                                                              \
	X(sessions)                                                                                \
	X(reset_tokens)                                                                            \
	X(invitations)                                                                             \
	X(password_history)                                                                        \
	X(users)                                                                                   \
	X(audit_events)                                                                            \
	X(audit_heads)

/* The names of STORE_TENANT_TABLES, in that order. */
extern const char *const store_tenant_tables[];
extern const int store_tenant_tables_count;

/* A tenant's state, read by slug in a tenant-less transaction. */
struct store_tenant_state {
	int64_t id;
	bool active;
	int64_t purge_after; /* Unix seconds, 0 while active */
	bool purge_due;      /* terminated and purge_after has passed */
};

/* Lock the tenant named slug (exclusive with lock, else shared) for the
 * rest of the transaction and read its state.  IDP_ERR_NOT_FOUND when
 * there is none (a purge that committed first included). */
enum idp_err store_tenant_lock_slug(struct store_conn *c, const char *slug, bool exclusive,
                                    struct store_tenant_state *out);

/* Mark tenant id terminated now, to be purged after days; *purge_after
 * gets that time (Unix seconds). */
enum idp_err store_tenant_terminate(struct store_conn *c, int64_t id, int days,
                                    int64_t *purge_after);

/* Undo a termination.  IDP_ERR_NOT_FOUND when the tenant is not terminated. */
enum idp_err store_tenant_restore(struct store_conn *c, int64_t id);

/* What ending a tenant's access ended. */
struct store_tenant_ended {
	long sessions, flows, invitations, resets, parked;
};

/* End every live session and pending login of tenant id, revoke its open
 * invitations and reset links, drop its parked SAML requests (inside the
 * transaction bound to it). */
enum idp_err store_tenant_end_access(struct store_conn *c, int64_t id,
                                     struct store_tenant_ended *out);

/* Delete every row of tenant id in STORE_TENANT_TABLES (inside the
 * transaction bound to it); deleted[store_tenant_tables_count] gets the
 * counts. */
enum idp_err store_tenant_purge_rows(struct store_conn *c, int64_t id, long *deleted);

/* Delete the tenant row (cascading to anything left).  IDP_ERR_NOT_FOUND
 * when it is gone already. */
enum idp_err store_tenant_delete(struct store_conn *c, int64_t id);

/* The slugs of terminated tenants whose purge date has passed: *slugs a
 * new array of *n (caller frees). */
enum idp_err store_tenant_purge_due(struct store_conn *c, char (**slugs)[STORE_SLUG_MAX + 1],
                                    int *n);

#endif
