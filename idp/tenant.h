/*
 * Tenants: the operator creates them; each carries its policy document,
 * which its administrators change (idp/tenant.c).
 */
#ifndef IDP_TENANT_H
#define IDP_TENANT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/err.h"
#include "idp/policy.h"

struct idp_tenant {
	int64_t id;
	char slug[64];
	char name[201];
	bool active;
	int64_t created_at; /* Unix seconds */
	struct idp_policy policy;
};

struct idp_app;

/* A tenant as this node holds it: the row, its parsed policy and its apps
 * (idp/app.h), shared read-only by the requests that use it. */
struct idp_snapshot {
	struct idp_tenant t;
	struct idp_app *apps; /* n_apps, by name */
	int n_apps;
	/* private to idp/tenant.c */
	atomic_int refs;
	char version[24];
};

/* A reference to the current snapshot of the tenant named slug (release it
 * with idp_snapshot_put).  From memory while the watcher listens, else
 * checked against the database.  IDP_ERR_NOT_FOUND for unknown, invalid
 * or terminated tenants, IDP_ERR_DB when the database is unreachable. */
enum idp_err idp_snapshot_get(const char *slug, struct idp_snapshot **out);
/* Release a reference; NULL is fine. */
void idp_snapshot_put(struct idp_snapshot *s);
/* The tenant row's version the snapshot was built at: it moves with every
 * change of the tenant, its policy, apps, SAML keys or service providers. */
const char *idp_snapshot_version(const struct idp_snapshot *s);

/* Look a tenant up by slug (a copy of its snapshot's row and policy). IDP_ERR_NOT_FOUND for unknown
 * or invalid slugs, IDP_ERR_DB when the database is unreachable. */
enum idp_err idp_tenant_load(const char *slug, struct idp_tenant *out);

/* Operator: create a tenant (audited as tenant.created).  IDP_ERR_INVALID for
 * a bad slug or name, IDP_ERR_CONFLICT if the slug exists. */
enum idp_err idp_tenant_create(const char *slug, const char *name, int64_t *id);

/* Forget this node's cached copy of tenant slug (after a change made here;
 * other nodes learn it from the database's notification).  Cannot fail. */
void idp_tenant_forget(const char *slug);

/* Every tenant (operator's listing): *rows is a new array of *n (caller
 * frees); the policy of each is not loaded. */
enum idp_err idp_tenants_list(struct idp_tenant **rows, int *n);

/* Replace the tenant's policy by the (possibly partial) JSON document json
 * merged over the current one.  On a bad field returns IDP_ERR_INVALID with
 * its dotted name in field and changes nothing.  Audited as policy.updated
 * with {"before":…,"after":…}.  *out receives the new policy. */
enum idp_err idp_policy_update(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *json, size_t len, char *field, size_t fieldsz,
                               struct idp_policy *out);

#endif
