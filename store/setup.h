/*
 * Setting up an existing PostgreSQL server for Sekisho (`sekisho db setup`):
 * with an administrator's connection, create the schema owner role
 * "sekisho" (runs migrations), the application role "sekisho_app" (the
 * daemon's queries: owns nothing, no BYPASSRLS, so row-level security binds
 * it) and the database, each only when missing.  Idempotent: a second run
 * changes nothing and says so.
 */
#ifndef STORE_SETUP_H
#define STORE_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/err.h"

#define STORE_SETUP_OWNER "sekisho"
#define STORE_SETUP_APP   "sekisho_app"

struct store_setup {
	const char *admin_url; /* libpq URI or key=value string */
	const char *dbname;    /* database to create, e.g. "sekisho" */
	bool reset_passwords;  /* set new passwords on existing roles too */
	const char *owner_pw;  /* password for the owner role when it is set */
	const char *app_pw;    /* password for the application role when it is set */
	/* each step done or found, one line (no newline) */
	void (*say)(void *ctx, const char *line);
	void *ctx;
	/* out */
	bool owner_pw_set, app_pw_set;
	char host[256], port[16];
	char why[512]; /* the reason on failure, one line */
};

/* Do it.  IDP_ERR_DB when the server cannot be reached or refuses a step,
 * IDP_ERR_CONFIG when the administrator lacks the privileges, the server is
 * older than PostgreSQL 13, or an existing role or database is unfit (a
 * superuser or BYPASSRLS application role, a database owned by another
 * role); s->why says which. */
enum idp_err store_setup_run(struct store_setup *s);

#endif
