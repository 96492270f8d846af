/*
 * The embedded PostgreSQL cluster: when database_url is empty Sekisho runs a
 * private cluster under <data_dir>/pg (Debian's initdb/pg_ctl, Unix socket
 * only).  Every sekisho process that needs it (the daemon, each CLI command)
 * becomes a "user" of the cluster: the first starts it, the last one to leave
 * stops it.  Two flock(2) files make that safe between processes:
 *   pg/ctl.lock   exclusive while starting or stopping;
 *   pg/users.lock shared by every user for as long as it runs.
 * So a CLI command while the daemon runs uses the daemon's cluster and leaves
 * it running; a CLI command alone starts it and stops it again.
 *
 * The same code runs scratch clusters: short-lived ones in a directory of
 * their own, where `sekisho backup verify` restores a backup to check it.
 */
#ifndef STORE_EMBEDDED_H
#define STORE_EMBEDDED_H

#include <stddef.h>

#include "idp/err.h"

struct store_embedded_opts {
	const char *data_dir; /* the cluster lives in <data_dir>/pg */
	const char *bindir;   /* where initdb, pg_ctl, postgres live */
	const char *run_as;   /* OS account for the cluster when we are root */
};

/* Initialise the cluster if it does not exist, start it if it is not running,
 * create the roles (sekisho owns the schema and runs migrations; sekisho_app
 * runs the daemon's queries, owning nothing, so row-level security always
 * binds it) and the database, and write a libpq connection string for each
 * role (conninfosz bytes each).  Logs the reason on failure. */
enum idp_err store_embedded_start(const struct store_embedded_opts *o, char *owner_conninfo,
                                  char *app_conninfo, size_t conninfosz);

/* Leave the cluster; stop it when no other process uses it. Safe to call
 * when store_embedded_start was never called or failed. */
void store_embedded_stop(void);

/* The libpq connection string of the cluster's superuser, which alone reads
 * and writes every row whatever row-level security says (backups and
 * restores).  IDP_ERR_INVALID when the cluster is not started. */
enum idp_err store_embedded_admin_conninfo(char *conninfo, size_t conninfosz);

/* A scratch cluster: a throwaway private cluster (Unix socket only, in its
 * own new directory under /tmp, run as run_as when we are root) with the
 * same roles and database as the embedded one, for restoring a backup to
 * check it.  *out is the caller's (store_scratch_free); on failure it is
 * NULL, the reason is logged and nothing is left behind. */
struct store_scratch;
enum idp_err store_scratch_start(const char *bindir, const char *run_as,
                                 struct store_scratch **out);

/* Connection strings of the scratch cluster's superuser and of the schema
 * owner; borrowed from s. */
const char *store_scratch_admin(const struct store_scratch *s);
const char *store_scratch_owner(const struct store_scratch *s);

/* Remove the scratch clusters a dead process left (killed during a verify):
 * each directory records its creator's pid; for one of ours (our account's
 * or run_as's, 0700) whose creator is gone, stop its postmaster (immediate)
 * and delete it.  Returns how many were removed. */
int store_scratch_reap(const char *bindir, const char *run_as);

/* Stop the scratch cluster at once and delete its directory.  Accepts NULL. */
void store_scratch_free(struct store_scratch *s);

#endif
