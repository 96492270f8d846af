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
	int64_t created_at;    /* Unix seconds */
	int64_t terminated_at; /* Unix seconds, 0 while active (idp_tenants_list only) */
	int64_t purge_after;   /* Unix seconds, 0 while active (idp_tenants_list only) */
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
/* True when slug names a terminated tenant (idp_snapshot_get says
 * IDP_ERR_NOT_FOUND for it, as for an unknown one); from the same cache.
 * False for unknown, active or unreadable ones. */
bool idp_snapshot_terminated(const char *slug);
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

/* ---- the end of a tenant's contract (idp/tenant_ops.c) ---- */

/* Longest --purge-after-days accepted (ten years). */
#define IDP_PURGE_DAYS_MAX 3650

/* Terminate tenant slug: in one transaction its status becomes terminated
 * (every node refuses it from then on), every session and pending login
 * ends, open invitations and reset links are revoked, parked SAML requests
 * dropped, and the event is audited (tenant.terminated) and written to the
 * operator log; its rows are purged after days days (0..IDP_PURGE_DAYS_MAX),
 * *purge_after (may be NULL) gets when.  IDP_ERR_INVALID for bad days,
 * IDP_ERR_NOT_FOUND for an unknown tenant, IDP_ERR_CONFLICT when it is
 * terminated already. */
enum idp_err idp_tenant_terminate(const char *slug, int days, int64_t *purge_after);

/* Undo a termination before its purge date (tenant.restored): the tenant is
 * active again; its ended sessions and revoked links stay ended.
 * IDP_ERR_NOT_FOUND for an unknown tenant, IDP_ERR_CONFLICT for an active
 * one, IDP_ERR_EXPIRED when the purge date has passed. */
enum idp_err idp_tenant_restore(const char *slug);

/* Delete every row of terminated tenant slug and the tenant itself, in one
 * transaction recorded in the operator log (tenant.purged, with the rows
 * deleted per table).  Only once the purge date has passed:
 * IDP_ERR_FORBIDDEN before it; IDP_ERR_CONFLICT for an active
 * tenant; IDP_ERR_NOT_FOUND for an unknown (or already purged) one.
 * *rows (may be NULL) gets the number of rows deleted. */
enum idp_err idp_tenant_purge(const char *slug, long *rows);

/* The daemon's job: purge every terminated tenant whose date has passed
 * (another node purging the same one at once is not an error).  *purged
 * (may be NULL) gets how many this call purged.  The first error, after
 * trying every tenant. */
enum idp_err idp_tenant_purge_due(int *purged);

/* What an export wrote. */
struct idp_export_counts {
	long users, events;
};

/* Write tenant slug's users (users.csv, users.json: e-mail, name, role,
 * status, second factors, created, last login; never a hash or secret) and
 * its audit log with the chain's hashes (audit.csv, audit.json) into dir,
 * created 0700 when missing; files 0600, never over existing ones (all or
 * nothing: on failure none is left).  Active and terminated tenants alike;
 * recorded in the operator log (tenant.exported).  IDP_ERR_NOT_FOUND for an
 * unknown tenant, IDP_ERR_CONFLICT when a file exists, IDP_ERR_IO when dir
 * cannot be made or written (*why, may be NULL, says which file and why:
 * a borrowed static string or errno text). */
enum idp_err idp_tenant_export(const char *slug, const char *dir, struct idp_export_counts *out,
                               char *why, size_t whysz);

#endif
