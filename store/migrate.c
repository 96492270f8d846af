/* Schema migrations: see store/migrate.h. */
#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "idp/log.h"
#include "store/internal.h"

/* Any constant; it only has to be the same on every node. */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(7365697368)"

enum idp_err store_migrate(int *applied)
{
	struct store_conn *c = store_conn_get();
	enum idp_err err = IDP_OK;
	int done = 0;

	if (applied)
		*applied = 0;
	if (!c)
		return IDP_ERR_DB;
	for (size_t i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		struct store_res *r = NULL;
		char v[16];
		const char *p[2] = {v, m->name};

		snprintf(v, sizeof v, "%d", m->version);
		err = store_begin(c, 0);
		if (err)
			goto out;
		err = store_exec_sql(c, MIGRATE_LOCK_SQL);
		if (!err)
			err = store_exec_sql(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			                        " version integer PRIMARY KEY, name text NOT NULL,"
			                        " applied_at timestamptz NOT NULL DEFAULT now())");
		if (!err)
			err = store_exec(c, STMT_MIGRATION_APPLIED, 1, p, &r);
		if (err) {
			store_rollback(c);
			goto out;
		}
		if (store_res_rows(r) > 0) {
			store_res_free(r);
			store_rollback(c);
			continue;
		}
		store_res_free(r);
		err = store_exec_sql(c, m->sql);
		if (!err)
			err = store_exec(c, STMT_MIGRATION_RECORD, 2, p, NULL);
		if (!err)
			err = store_commit(c);
		if (err) {
			idp_error("migration %s failed: %s", m->name, idp_strerror(err));
			store_rollback(c);
			goto out;
		}
		idp_info("applied migration %s", m->name);
		done++;
	}
out:
	if (applied)
		*applied = done;
	return err;
}
