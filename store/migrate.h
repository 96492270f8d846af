/*
 * Numbered schema migrations compiled into the binary (store/migrations/
 * NNN_name.sql, embedded by scripts/embed.py).  Each is applied once, in
 * order, in its own transaction, under an advisory lock so that several
 * nodes starting together do not race.
 */
#ifndef STORE_MIGRATE_H
#define STORE_MIGRATE_H

#include <stddef.h>

#include "idp/err.h"

struct store_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;

/* Apply pending migrations on the calling thread's connection.
 * *applied (may be NULL) receives how many ran. */
enum idp_err store_migrate(int *applied);

#endif
