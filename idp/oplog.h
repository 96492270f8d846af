/*
 * The operator log: what operators did on the command line (tenant create,
 * terminate, restore, purge and export, backups, restores, key rotation, API
 * token creation) and what the daemon did on its own (daily backups,
 * purges).  It belongs to no tenant, so it survives a tenant's purge, and it
 * is hash-chained exactly like a tenant's audit log (tenant id 0), verified
 * by `sekisho audit verify --operator`.
 */
#ifndef IDP_OPLOG_H
#define IDP_OPLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"

struct store_conn;

/* Who the events of this process are by: role "operator" with the OS
 * account's name for the command line, role "daemon" for the daemon's own
 * jobs.  The host name is recorded as the source.  Call once at start;
 * until then events are by "operator"/"unknown". */
void idp_oplog_identity(const char *role);

/* Append an event inside the caller's open transaction on c (any tenant
 * binding: the operator log has no row-level security).  action is dotted
 * lower case ("tenant.terminated"), result "success" or "failure", detail a
 * JSON object text or NULL for "{}".  Locks the operator log's head until
 * the transaction ends. */
enum idp_err idp_oplog_write(struct store_conn *c, const char *action, const char *target,
                             const char *result, const char *detail);

/* idp_oplog_write taking detail over (freed); NULL (a builder out of
 * memory) is IDP_ERR_NOMEM and writes nothing. */
enum idp_err idp_oplog_write_owned(struct store_conn *c, const char *action, const char *target,
                                   const char *result, char *detail);

/* idp_oplog_write in a transaction of its own: for what is not itself a
 * database change (a backup file written, a failure to record). */
enum idp_err idp_oplog_record(const char *action, const char *target, const char *result,
                              const char *detail);

/* Re-hash the whole operator log.  *checked = events verified, *first_bad =
 * seq of the first that does not match (0 if none).  IDP_OK when intact,
 * IDP_ERR_CONFLICT when broken. */
enum idp_err idp_oplog_verify(long *checked, int64_t *first_bad);

/* The newest event of action: *at_unix its time (seconds), *ok whether its
 * result was "success".  IDP_ERR_NOT_FOUND when there is none. */
enum idp_err idp_oplog_last(const char *action, int64_t *at_unix, bool *ok);

/* The time of the newest successful event of action whose detail contains
 * the JSON object with (every member equal).  IDP_ERR_NOT_FOUND when there
 * is none. */
enum idp_err idp_oplog_last_with(const char *action, const char *with, int64_t *at_unix);

#endif
