/*
 * Verifying a backup in a scratch cluster and restoring one into the
 * configured database: see idp/backup.h.  Taking backups and checking their
 * files is idp/backup.c's.
 */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idp/backup.h"
#include "idp/backup_int.h"
#include "idp/idp.h"
#include "idp/keys.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/embedded.h"
#include "store/migrate.h"

static int known_schema(void)
{
	return store_migrations_count ? store_migrations[store_migrations_count - 1].version : 0;
}

/* Point the calling thread's store connection at conninfo. */
static enum idp_err use_db(const char *conninfo)
{
	store_thread_done();
	return store_configure(conninfo);
}

/* Verify every tenant's audit chain and the operator log's on the thread's
 * database; the first broken chain's name in rep->bad. */
static enum idp_err verify_chains(struct idp_backup_report *rep, char *why, size_t whysz)
{
	struct idp_tenant *rows = NULL;
	int n = 0;
	int64_t bad = 0;
	long checked = 0;
	enum idp_err err = idp_tenants_list(&rows, &n);

	if (err) {
		snprintf(why, whysz, "cannot list the tenants of the backup: %s",
		         idp_strerror(err));
		return err;
	}
	rep->tenants = n;
	for (int i = 0; i < n; i++) {
		enum idp_err e = idp_audit_verify(rows[i].id, &checked, &bad);
		rep->events += checked;
		if (e && !err) {
			err = e;
			idp_copy(rep->bad, sizeof rep->bad, rows[i].slug);
			snprintf(why, whysz, "audit chain of tenant %s %s at event %lld",
			         rows[i].slug, e == IDP_ERR_CONFLICT ? "broken" : "unreadable",
			         (long long)bad);
		}
	}
	free(rows);
	enum idp_err e = idp_oplog_verify(&checked, &bad);
	rep->op_events = checked;
	if (e && !err) {
		err = e;
		idp_copy(rep->bad, sizeof rep->bad, "operator log");
		snprintf(why, whysz, "operator log %s at event %lld",
		         e == IDP_ERR_CONFLICT ? "broken" : "unreadable", (long long)bad);
	}
	return err;
}

/* The checks verify and restore share before touching any database; *fd
 * the checked dump, open. */
static enum idp_err precheck(const char *path, struct idp_backup_report *rep, char *dump,
                             size_t dumpsz, int *fd, char *why, size_t whysz)
{
	enum idp_err err = idp_backup_check_open(path, &rep->m, dump, dumpsz, fd, why, whysz);

	if (err)
		return err;
	if (rep->m.schema_version > known_schema()) {
		snprintf(why, whysz,
		         "%s has schema version %d; this sekisho knows up to %d: use a newer one",
		         dump, rep->m.schema_version, known_schema());
		return IDP_ERR_INVALID;
	}
	return IDP_OK;
}

/* True (with why) when one of the signals blocked during a verify is
 * pending: the verify stops at the next step, cleans up, then ends. */
static bool interrupted(char *why, size_t whysz)
{
	sigset_t p;

	if (sigpending(&p) ||
	    !(sigismember(&p, SIGINT) || sigismember(&p, SIGTERM) || sigismember(&p, SIGHUP)))
		return false;
	snprintf(why, whysz, "interrupted");
	return true;
}

enum idp_err idp_backup_verify(const struct idp_backup_env *e, const char *path,
                               struct idp_backup_report *rep, char *why, size_t whysz)
{
	struct store_scratch *scratch = NULL;
	struct store_admin *db = NULL;
	char dump[4096], dbwhy[256] = "";
	bool switched = false;
	sigset_t block, old;
	int fd = -1;
	enum idp_err err;

	/* Ctrl-C, kill and a hang-up wait until the scratch cluster, a full
	 * copy of the data, is gone; then a pending one ends us as usual. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	memset(rep, 0, sizeof *rep);
	/* And what a process killed outright (kill -9) left. */
	store_scratch_reap(e->bindir, e->run_as);
	err = precheck(path, rep, dump, sizeof dump, &fd, why, whysz);
	if (err)
		goto out;
	err = store_scratch_start(e->bindir, e->run_as, &scratch);
	if (err) {
		snprintf(why, whysz, "cannot start a scratch PostgreSQL cluster (see log)");
		goto out;
	}
	err = interrupted(why, whysz)
	          ? IDP_ERR_IO
	          : store_pg_restore(e->bindir, store_scratch_admin(scratch), fd, why, whysz);
	if (!err && interrupted(why, whysz))
		err = IDP_ERR_IO;
	if (err)
		goto out;
	err = store_admin_open(store_scratch_admin(scratch), &db, dbwhy, sizeof dbwhy);
	if (!err)
		err = store_admin_schema_version(db, &rep->schema_version);
	if (err) {
		snprintf(why, whysz, "scratch database: %s", dbwhy[0] ? dbwhy : "see log");
		goto out;
	}
	if (rep->schema_version < 1 || rep->schema_version > known_schema()) {
		snprintf(why, whysz, "restored schema version %d is not one this sekisho knows",
		         rep->schema_version);
		err = IDP_ERR_INVALID;
		goto out;
	}
	/* As a restore would: bring it to this binary's schema, as the owner. */
	switched = true;
	err = use_db(store_scratch_owner(scratch));
	if (!err)
		err = store_migrate(NULL);
	if (err) {
		snprintf(why, whysz, "migrating the restored schema failed (see log)");
		goto out;
	}
	err = verify_chains(rep, why, whysz);
out:
	if (fd >= 0)
		close(fd);
	store_admin_close(db);
	if (switched && use_db(e->app_conninfo) && !err)
		err = IDP_ERR_NOMEM;
	store_scratch_free(scratch);
	json_object *d = idp_backup_detail(&rep->m);
	if (d) {
		json_object_object_add(d, "tenants", json_object_new_int(rep->tenants));
		json_object_object_add(d, "events", json_object_new_int64(rep->events));
		json_object_object_add(d, "operator_events", json_object_new_int64(rep->op_events));
	}
	idp_backup_record("backup.verified", rep->m.file[0] ? rep->m.file : path, err ? why : NULL,
	                  d);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err;
}

enum idp_err idp_backup_restore(const struct idp_backup_env *e, const char *path, bool force,
                                struct idp_backup_report *rep, char *why, size_t whysz)
{
	struct store_admin *db = NULL;
	char dump[4096], dbwhy[256] = "";
	long tenants = 0, events = 0, others = 0;
	bool grants = false;
	int applied = 0, fd = -1;
	enum idp_err err;

	memset(rep, 0, sizeof *rep);
	err = precheck(path, rep, dump, sizeof dump, &fd, why, whysz);
	if (err)
		goto out;
	/* Our own connection (it holds the key lock) would count as another
	 * client; it reconnects for the operator log at the end. */
	store_thread_done();
	err = store_admin_open(e->admin_conninfo, &db, dbwhy, sizeof dbwhy);
	if (!err)
		err = store_admin_other_sessions(db, &others);
	if (!err)
		err = store_admin_contents(db, &tenants, &events);
	if (err) {
		snprintf(why, whysz, "database: %s", dbwhy[0] ? dbwhy : "see log");
		goto out;
	}
	if ((tenants || events) && !force) {
		snprintf(why, whysz,
		         "the database is not empty (%ld tenants, %ld operator events): refusing "
		         "to replace it without --force",
		         tenants, events);
		err = IDP_ERR_CONFLICT;
		goto out;
	}
	if (others > 0) {
		snprintf(why, whysz,
		         "the database is in use (%ld other connections): stop the daemon on "
		         "every node first",
		         others);
		err = IDP_ERR_CONFLICT;
		goto out;
	}
	/* The schema emptied and the backup loaded in one transaction. */
	err = store_pg_replace(e->bindir, e->admin_conninfo, fd, why, whysz);
	if (err) {
		snprintf(why + strlen(why), whysz - strlen(why),
		         "; nothing was changed: the database is as it was");
		goto out;
	}
	idp_info("restore: schema replaced (%ld tenants, %ld operator events before)", tenants,
	         events);
	/* A backup of an older schema is brought up to this binary's. */
	err = use_db(e->owner_conninfo);
	if (!err)
		err = store_migrate(&applied);
	if (use_db(e->app_conninfo) && !err)
		err = IDP_ERR_NOMEM;
	if (err) {
		snprintf(why, whysz, "migrations after the restore failed (see log)");
		goto out;
	}
	err = store_admin_app_grants(db, &grants);
	if (!err && !grants) {
		snprintf(why, whysz,
		         "restored, but the role sekisho_app lacks its grants: run the GRANT "
		         "statements of store/migrations/002_app_role.sql and 009_operations.sql "
		         "as the owner");
		err = IDP_ERR_INVALID;
	}
	if (!err)
		err = store_admin_contents(db, &tenants, &events);
	rep->tenants = (int)tenants;
	rep->op_events = events;
	rep->schema_version = rep->m.schema_version + applied;
out:
	if (fd >= 0)
		close(fd);
	store_admin_close(db);
	json_object *d = idp_backup_detail(&rep->m);
	if (d) {
		json_object_object_add(d, "migrations_applied", json_object_new_int(applied));
		json_object_object_add(d, "tenants", json_object_new_int(rep->tenants));
		json_object_object_add(d, "forced", json_object_new_boolean(force));
	}
	idp_backup_record("backup.restored", rep->m.file[0] ? rep->m.file : path, err ? why : NULL,
	                  d);
	return err;
}
