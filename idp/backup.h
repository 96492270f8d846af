/*
 * Backups: generations of the whole database in a directory, each a
 * pg_dump archive and a manifest that vouches for it.
 *
 *   sekisho-YYYYMMDDTHHMMSSZ.dump      pg_dump's custom format, one snapshot
 *   sekisho-YYYYMMDDTHHMMSSZ.manifest  JSON: format, time, sekisho version,
 *                                      schema version, file, size, sha256,
 *                                      key_fingerprint, hmac
 *
 * Both are written under a temporary name (".sekisho-….tmp"), synced, then
 * renamed, the manifest last: a generation exists only once its manifest
 * does, so a failed or killed run never leaves half of one.  One run at a
 * time per directory (a lock file in it); each run first removes what a
 * killed one left (temporary files, a dump without a manifest), and after a
 * new generation keeps only the newest `keep`.  Files not named like ours
 * are never touched.  Files are 0600, a directory we create 0700.
 *
 * The master key is not in a backup.  key_fingerprint (idp/keys.h: it
 * reveals nothing of the key) says which key the backup needs: restore
 * refuses another one, because TOTP seeds and SAML keys are sealed under it.
 * hmac, an HMAC-SHA-256 over every other member under a key derived from
 * the master key ("sekisho backup v1"), says the manifest was written by a
 * holder of that key: whoever may write the backup directory cannot alter
 * a dump and recompute its checksum (a restore runs the dump's SQL as a
 * superuser).  The dump is hashed and then read by pg_restore through the
 * same open file.
 *
 * Every run is recorded in the operator log: backup.created,
 * backup.verified, backup.restored, result success or failure.
 */
#ifndef IDP_BACKUP_H
#define IDP_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "idp/err.h"

#define IDP_BACKUP_NAME_MAX 48

/* What a manifest says. */
struct idp_backup_manifest {
	char file[IDP_BACKUP_NAME_MAX]; /* the dump's name, no directory */
	char time[24];                  /* ISO 8601 UTC, seconds */
	char version[32];               /* sekisho's */
	int schema_version;             /* highest migration applied */
	int64_t size;
	char sha256[65]; /* hex */
	char key_fp[33]; /* the master key's fingerprint (idp/keys.h) */
	char hmac[65];   /* hex HMAC-SHA-256 of the members above (idp_backup_mac) */
};

/* Where and how a backup is taken. */
struct idp_backup_opts {
	const char *dir;      /* the generations' directory */
	unsigned keep;        /* generations kept, at least 1 */
	const char *bindir;   /* PostgreSQL's programs */
	const char *conninfo; /* a role that reads every row (store/backup.h) */
	bool daily;           /* the daemon's daily backup (recorded as such) */
};

/* The manifest's HMAC (hex, 64 digits) under the backup key derived from
 * master. */
void idp_backup_mac(const struct idp_backup_manifest *m, const unsigned char *master, char out[65]);

/* What a backup did: the new dump's path and manifest, generations left and
 * deleted. */
struct idp_backup_result {
	char path[4096];
	struct idp_backup_manifest m;
	int kept, deleted;
};

/* Take a backup into o->dir (created 0700 when only it is missing), then
 * rotate.  On failure why (whysz bytes) says what went wrong in one line,
 * nothing of this run is left in the directory and earlier generations are
 * untouched.  Records backup.created (success, or failure with the reason
 * when the database can be reached). */
enum idp_err idp_backup_create(const struct idp_backup_opts *o, struct idp_backup_result *r,
                               char *why, size_t whysz);

/* Check the dump at path (or the manifest next to it, path naming either)
 * against its manifest: it must be of this master key, its HMAC right, the
 * size and SHA-256 must match.  *m receives the
 * manifest, dump the dump's path (dumpsz bytes).  IDP_ERR_INVALID with why
 * when the file is not ours, truncated or altered; IDP_ERR_IO when it
 * cannot be read. */
enum idp_err idp_backup_check(const char *path, struct idp_backup_manifest *m, char *dump,
                              size_t dumpsz, char *why, size_t whysz);

/* True when the master key this process runs with is the one of m. */
bool idp_backup_key_matches(const struct idp_backup_manifest *m);

/* What verifying a backup found. */
struct idp_backup_report {
	struct idp_backup_manifest m;
	int schema_version; /* as restored, before migrations */
	int tenants;
	long events;    /* tenant audit events checked */
	long op_events; /* operator events checked */
	char bad[80];   /* the chain that failed ("operator log" or a slug), "" if none */
};

/* How verify and restore reach databases. */
struct idp_backup_env {
	const char *bindir;
	const char *run_as;         /* scratch clusters' account when we are root */
	const char *admin_conninfo; /* the configured database, every row (restore) */
	const char *owner_conninfo; /* the configured database as the schema owner */
	const char *app_conninfo;   /* the configured database as the application */
};

/* Check the backup at path, restore it into a scratch cluster, check its
 * schema version, bring it to this binary's schema and verify the audit
 * chain of every tenant and the operator log's.  The calling thread's
 * database connection points at the scratch database meanwhile and at
 * e->app_conninfo after: single-threaded callers only.  Records
 * backup.verified.  IDP_ERR_CONFLICT when a chain is broken (rep->bad),
 * other errors with why. */
enum idp_err idp_backup_verify(const struct idp_backup_env *e, const char *path,
                               struct idp_backup_report *rep, char *why, size_t whysz);

/* Restore the backup at path into the configured database: refused when
 * the file fails its check, needs another master key or a newer schema,
 * other clients are connected, or (unless force) the database holds
 * tenants or operator events other than backups'.  Replaces the schema,
 * restores in one transaction, applies migrations and checks the
 * application role's grants.  Single-threaded callers only (as verify).
 * Records backup.restored.  rep->tenants: tenants restored. */
enum idp_err idp_backup_restore(const struct idp_backup_env *e, const char *path, bool force,
                                struct idp_backup_report *rep, char *why, size_t whysz);

/* The daemon's daily backup: when now is past today's minute (UTC minutes
 * after midnight) and the operator log has no successful daily
 * backup.created into o->dir since then (a manual backup does not count),
 * take one (recorded with "daily": true and "dir"), unless another node holds the backup lock.
 * *taken says whether this call tried. */
enum idp_err idp_backup_daily(const struct idp_backup_opts *o, unsigned minute, time_t now,
                              bool *taken);

#endif
