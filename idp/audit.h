/*
 * The audit log: every security-relevant event, written in the same
 * transaction as the change it records, chained per tenant by SHA-256 so that
 * a removed or altered row breaks the chain (idp_audit_verify).
 */
#ifndef IDP_AUDIT_H
#define IDP_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/crypto.h"
#include "idp/err.h"
#include "idp/request.h"

struct store_conn;
struct idp_tenant;

/* Who did it: an end user, an administrator, an API token ("api"), or the
 * operator's command line ("operator").  Strings are copied into the event. */
struct idp_actor {
	int64_t user_id; /* 0 when not a user */
	char email[255]; /* or token name / "operator" */
	char role[16];   /* "admin", "user", "api", "operator", "" */
	char ip[46];
};

/* One event as the chain hashes it.  at is "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
struct idp_audit_fields {
	int64_t tenant_id;
	int64_t seq;
	const char *at, *actor, *role, *ip, *action, *target, *result, *detail;
};

/* SHA-256 over prev and the length-prefixed fields of e. Pure; cannot fail. */
void idp_audit_hash(const unsigned char prev[IDP_SHA256_LEN], const struct idp_audit_fields *e,
                    unsigned char out[IDP_SHA256_LEN]);

/* Every action Sekisho records, grouped by their dotted prefix; the audit
 * vocabulary is closed: idp_audit_write refuses any other. */
extern const char *const idp_audit_actions[];
extern const size_t idp_audit_actions_count;

/* True when action is one of idp_audit_actions.  Cannot fail. */
bool idp_audit_action_known(const char *action);

/* Append an event inside the caller's open transaction on c (bound to
 * tenant_id).  detail is a JSON object text or NULL for "{}".  Locks the
 * tenant's chain head until the transaction ends. */
enum idp_err idp_audit_write(struct store_conn *c, int64_t tenant_id, const struct idp_actor *a,
                             const char *action, const char *target, const char *result,
                             const char *detail);

/* idp_audit_write taking detail over (it is freed): a NULL detail, what a
 * detail builder returns out of memory, is IDP_ERR_NOMEM and writes
 * nothing. */
enum idp_err idp_audit_write_owned(struct store_conn *c, int64_t tenant_id,
                                   const struct idp_actor *a, const char *action,
                                   const char *target, const char *result, char *detail);

/* Retention: delete the tenant's events older than days, in one transaction
 * that also records audit.pruned {"through_seq": N, "anchor": hex of the
 * last deleted event's hash, "deleted": n}, so the chain stays verifiable
 * from the oldest event kept.  *deleted (may be NULL) gets the count. */
enum idp_err idp_audit_prune(int64_t tenant_id, int days, long *deleted);

/* Re-hash the whole chain of a tenant.  A chain that starts after seq 1 is
 * accepted only when an audit.pruned event names exactly where it starts and
 * the hash it starts from.  *checked = events verified;
 * *first_bad = seq of the first event that does not match (0 if none).
 * IDP_OK when intact, IDP_ERR_CONFLICT when broken. */
enum idp_err idp_audit_verify(int64_t tenant_id, long *checked, int64_t *first_bad);

struct idp_audit_row {
	int64_t seq;
	char at[32];
	char actor[IDP_EMAIL_MAX + 1];
	char role[16];
	char ip[46];
	char action[64];
	char target[300];
	char result[16];
	char *detail; /* owned JSON text */
};

struct idp_audit_filter {
	const char *from, *to; /* ISO 8601 or NULL */
	const char *action;    /* exact, or a dotted prefix ("login" matches login.*) */
	const char *actor;     /* exact e-mail */
	const char *subject;   /* exact e-mail, as the actor or the target */
	bool by_admins;        /* only administrative changes: what administrators, API tokens
	                          or the operator did to users, invitations, the policy, tokens
	                          or other people's sessions (not their own sign-ins) */
	int limit, offset;
};

/* Audit events of t matching f, newest first; *total = all matches.
 * IDP_ERR_INVALID for a malformed time.  Free with idp_audit_rows_free. */
enum idp_err idp_audit_list(const struct idp_tenant *t, const struct idp_audit_filter *f,
                            struct idp_audit_row **rows, int *n, long *total);
void idp_audit_rows_free(struct idp_audit_row *rows, int n);

/* Apply every active tenant's audit.retention_days now (idp_audit_prune);
 * *deleted (may be NULL) gets the number of events removed in all. */
enum idp_err idp_retention_run(long *deleted);

#endif
