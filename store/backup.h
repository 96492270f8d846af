/*
 * Database tooling for backups: running Debian's pg_dump and pg_restore
 * (from the configured bindir, so their version matches the server's) and
 * one connection of its own for what a backup or a restore asks of the
 * database as a whole (schema version, whether it is empty, wiping the
 * schema (with the restore), the application role's grants, the lock that lets only one node
 * take the daily backup).
 *
 * The connection strings given here must be of a role that reads and
 * writes every row: row-level security is forced even on the schema owner,
 * so the embedded cluster's superuser, or for an external database a role
 * with BYPASSRLS.  The rules (file names, manifests, rotation) are
 * idp/backup.c's.
 */
#ifndef STORE_BACKUP_H
#define STORE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/err.h"

/* The tools get conninfo without its password, which goes into their
 * environment (PGPASSWORD) only: a command line is readable by every local
 * user in /proc.
 *
 * Dump the database at conninfo in pg_dump's custom format (-Fc, one
 * consistent snapshot) into out_fd.  The child dies with us.  On failure
 * IDP_ERR_IO (the tool failed; why holds its last error line, and the log
 * all of it) or IDP_ERR_NOMEM. */
enum idp_err store_pg_dump(const char *bindir, const char *conninfo, int out_fd, char *why,
                           size_t whysz);

/* Restore the archive read from in_fd (from its start: the same open file
 * the caller checked) into the database at conninfo, in one transaction
 * that stops at the first error (all or nothing).  Errors as
 * store_pg_dump. */
enum idp_err store_pg_restore(const char *bindir, const char *conninfo, int in_fd, char *why,
                              size_t whysz);

/* Replace the schema of the database at conninfo by the archive read from
 * in_fd: the archive becomes an SQL script (a file without a name, 0600,
 * gone with its descriptor even if we are killed), then psql drops the schema with everything in
 * it, creates it empty again as PostgreSQL makes it and runs the script, all
 * in ONE transaction that stops at the first error: a restore that fails or
 * is killed leaves the database as it was.  Errors as store_pg_dump. */
enum idp_err store_pg_replace(const char *bindir, const char *conninfo, int in_fd, char *why,
                              size_t whysz);

struct store_admin;

/* Open a connection of its own to conninfo.  On failure *out is NULL and
 * why holds libpq's reason (IDP_ERR_DB). */
enum idp_err store_admin_open(const char *conninfo, struct store_admin **out, char *why,
                              size_t whysz);

/* Close it (releasing its lock).  Accepts NULL. */
void store_admin_close(struct store_admin *a);

/* The highest migration applied (0 for a database without the schema). */
enum idp_err store_admin_schema_version(struct store_admin *a, int *version);

/* How many tenants the database holds, and operator events other than
 * backups' (which an empty database may hold: a backup verified there). */
enum idp_err store_admin_contents(struct store_admin *a, long *tenants, long *op_events);

/* How many other clients are connected to this database. */
enum idp_err store_admin_other_sessions(struct store_admin *a, long *n);

/* *ok: the application role sekisho_app, when it exists, may use the
 * tables it needs (the grants of migrations 002 and 009 are in place). */
enum idp_err store_admin_app_grants(struct store_admin *a, bool *ok);

/* Try to take the daily backup's lock (a session advisory lock, held until
 * store_admin_close): *got false when another node holds it. */
enum idp_err store_admin_try_backup_lock(struct store_admin *a, bool *got);

#endif
