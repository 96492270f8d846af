/*
 * Applications behind the gateway, as stored: a name, the normalised base
 * URL and the roles admitted.  Every function runs inside the caller's
 * tenant transaction.
 */
#ifndef STORE_APP_H
#define STORE_APP_H

#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

#define STORE_APP_NAME_MAX 400
#define STORE_APP_URL_MAX  512

struct store_app {
	int64_t id;
	char name[STORE_APP_NAME_MAX + 1];
	char url[STORE_APP_URL_MAX + 1];
	char roles[16]; /* "user", "admin" or "user,admin" */
	int64_t created_at;
};

/* A new app; *id gets its id.  IDP_ERR_CONFLICT when the tenant has an app
 * with that url already. */
enum idp_err store_app_insert(struct store_conn *c, int64_t tenant_id, const char *name,
                              const char *url, const char *roles, int64_t *id);

/* The tenant's apps, by name; *rows is a new array of *n (caller frees). */
enum idp_err store_app_list(struct store_conn *c, struct store_app **rows, int *n);

/* Delete app id; *out gets what it was.  IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_app_delete(struct store_conn *c, int64_t id, struct store_app *out);

#endif
