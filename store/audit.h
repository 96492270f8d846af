/*
 * The audit log as stored: append-only events chained per tenant, and the
 * chain head (last sequence number and hash) that an append locks.  The
 * hashing itself is idp/audit.c's; this only moves rows.  Every function
 * runs inside the caller's tenant transaction.
 */
#ifndef STORE_AUDIT_H
#define STORE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"
#include "store/user.h"

/* One event as stored.  detail is JSON text: borrowed in an event being
 * appended, owned (freed by store_audit_rows_free) in rows read back. */
struct store_audit_event {
	int64_t seq;
	char at[32]; /* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" */
	char actor[STORE_EMAIL_MAX + 1];
	char role[16];
	char ip[46];
	char action[64];
	char target[300];
	char result[16];
	char *detail;
	unsigned char prev[STORE_SHA256_LEN], hash[STORE_SHA256_LEN];
};

/* Which events a listing wants; NULL members are no filter. */
struct store_audit_filter {
	const char *from, *to; /* timestamps PostgreSQL reads */
	const char *action;    /* exact, or a dotted prefix */
	const char *actor;     /* exact e-mail */
	const char *subject;   /* exact e-mail as actor or target */
	bool by_admins;        /* only changes administrators, API tokens or the operator made
	                          to users, invitations, the policy, tokens or others' sessions */
	int limit, offset;
};

/* Read (and lock) tenant_id's chain head: *seq and hash get the last
 * event's number and hash (0 and zeros for an empty chain).
 * IDP_ERR_NOT_FOUND when there is none, IDP_ERR_DB when it is corrupt. */
enum idp_err store_audit_head_get(struct store_conn *c, int64_t tenant_id, int64_t *seq,
                                  unsigned char hash[STORE_SHA256_LEN]);

/* Create tenant_id's chain head (empty chain) if it has none. */
enum idp_err store_audit_head_init(struct store_conn *c, int64_t tenant_id);

/* Append e to tenant_id's chain: the next sequence number, prev and hash
 * are the database's (the statement locks the head, hashes as
 * idp_audit_hash does, inserts and moves the head); e's seq, prev and hash
 * are not read.  Sent without waiting: a failure (no chain head, say) comes
 * back with the transaction's next statement or its commit. */
enum idp_err store_audit_append(struct store_conn *c, int64_t tenant_id,
                                const struct store_audit_event *e);

/* Events matching f, newest first; *total gets all matches.  *rows is a new
 * array of *n (store_audit_rows_free). */
enum idp_err store_audit_query(struct store_conn *c, const struct store_audit_filter *f,
                               struct store_audit_event **rows, int *n, long *total);

/* Successful and failed sign-ins in the last 24 hours and 7 days. */
enum idp_err store_audit_signins(struct store_conn *c, long *ok_24h, long *failed_24h, long *ok_7d,
                                 long *failed_7d);

/* Every event of the tenant, by sequence number, with prev and hash. */
enum idp_err store_audit_all(struct store_conn *c, struct store_audit_event **rows, int *n);

void store_audit_rows_free(struct store_audit_event *rows, int n);

/* The newest event older than days: *seq and hash.  IDP_ERR_NOT_FOUND when
 * none is that old. */
enum idp_err store_audit_prune_point(struct store_conn *c, int days, int64_t *seq,
                                     unsigned char hash[STORE_SHA256_LEN]);

/* Delete events up to and including seq; *n gets how many. */
enum idp_err store_audit_prune(struct store_conn *c, int64_t seq, long *n);

/* The operator log (no tenant; any transaction may write it).  Append e:
 * sequence number, prev and hash are the database's, as for a tenant's
 * chain with tenant id 0. */
enum idp_err store_oplog_append(struct store_conn *c, const struct store_audit_event *e);

/* Read (and lock) the operator log's head. */
enum idp_err store_oplog_head(struct store_conn *c, int64_t *seq,
                              unsigned char hash[STORE_SHA256_LEN]);

/* Every operator event by sequence number, with prev and hash. */
enum idp_err store_oplog_all(struct store_conn *c, struct store_audit_event **rows, int *n);

/* The newest operator event of action into *row (its detail owned: free
 * it); IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_oplog_last(struct store_conn *c, const char *action,
                              struct store_audit_event *row);

/* The same for the newest successful one whose detail contains the JSON
 * object with (as jsonb's @>). */
enum idp_err store_oplog_last_with(struct store_conn *c, const char *action, const char *with,
                                   struct store_audit_event *row);

#endif
