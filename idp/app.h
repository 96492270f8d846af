/*
 * Applications behind the gateway (idp/app.c) and the URLs that name them
 * (idp/url.c).  An app is a base URL (scheme, host, port, path prefix) and
 * the roles it admits.  A request's original URL belongs to the registered
 * app whose URL is its longest prefix: scheme, host and port compared
 * exactly, the path on segment boundaries after normalisation, so that no
 * spelling of a path (dot segments, "//", percent-encoding, path
 * parameters, upper-case host, trailing dot, default port) reaches an app
 * other than the one the upstream server will serve.
 */
#ifndef IDP_APP_H
#define IDP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/err.h"
#include "idp/user.h"

#define IDP_APP_NAME_MAX 400 /* bytes: 100 code points (idp_name_valid) */
#define IDP_APP_URL_MAX  512
#define IDP_APPS_MAX     200  /* per tenant */
#define IDP_URL_MAX      4096 /* an original URL or rd */
#define IDP_URL_PATH_MAX 2048 /* its path, normalised */

/* Roles as a set. */
#define IDP_ROLESET(r)    (1u << (unsigned)(r))
#define IDP_ROLESET_USER  IDP_ROLESET(IDP_ROLE_USER)
#define IDP_ROLESET_ADMIN IDP_ROLESET(IDP_ROLE_ADMIN)
#define IDP_ROLESET_ALL   (IDP_ROLESET_USER | IDP_ROLESET_ADMIN)

/* A URL as the gateway compares it. */
struct idp_url {
	bool https;
	char host[256];                  /* lower case, no trailing dot; IPv6 in brackets */
	unsigned port;                   /* explicit or the scheme's default */
	char path[IDP_URL_PATH_MAX + 1]; /* normalised: "" for the root, else "/a/b"
	                                    (no trailing slash, no dot or empty
	                                    segments, unreserved characters decoded,
	                                    other escapes in upper case, path
	                                    parameters removed) */
	char alt[IDP_URL_PATH_MAX + 1];  /* the same with every escape decoded and
	                                    path parameters kept */
};

/* Parse the original URL of a request as a proxy reports it (absolute
 * http(s) URL; query and fragment ignored).  IDP_ERR_INVALID for anything
 * that does not parse, user information in the authority, a port out of
 * range, control or non-ASCII characters, a backslash, an encoded '/', '\'
 * or NUL, or ".." above the root.  Pure; cannot fail otherwise. */
enum idp_err idp_url_parse(const char *s, struct idp_url *out);

/* Parse an app's base URL as an administrator registers it: like
 * idp_url_parse but stricter (no query, fragment, dot segments, "//" or
 * path parameters).  canon (IDP_APP_URL_MAX + 1 bytes) gets its normal
 * form: "https://host[:port]/prefix" (default port and trailing slash left
 * out), which is what is stored and compared. */
enum idp_err idp_app_url_parse(const char *s, struct idp_url *out, char *canon);

/* Whether u belongs to the app at base (same scheme, host and port; base's
 * path a prefix of u's on a segment boundary).  Pure. */
bool idp_url_within(const struct idp_url *u, const struct idp_url *base);

struct idp_app {
	int64_t id;
	char name[IDP_APP_NAME_MAX + 1];
	char url[IDP_APP_URL_MAX + 1]; /* normal form */
	unsigned roles;                /* IDP_ROLESET_* */
	int64_t created_at;
	struct idp_url u; /* url, parsed */
};

/* The app of apps[0..n) that u belongs to, the longest prefix winning;
 * NULL when none, or when ignoring the case of the path would pick another
 * app (*ambiguous: some servers route without regard to case).  Pure. */
const struct idp_app *idp_app_match(const struct idp_app *apps, int n, const struct idp_url *u,
                                    bool *ambiguous);

/* Whether rd may be a redirect target after login: an absolute URL inside
 * one of apps (whichever roles it admits), spelled without anything a
 * browser could read differently (user information, backslashes, spaces or
 * control characters).  out (IDP_URL_MAX + 1 bytes) gets the target as the
 * browser must be sent to it.  Pure. */
bool idp_app_redirect_ok(const struct idp_app *apps, int n, const char *rd, char *out);

/* Parse a role set ("user", "admin") from names; false for an unknown or
 * repeated name or an empty list.  Pure. */
bool idp_roleset_add(unsigned *set, const char *name);
/* The stored form of a set ("user", "admin", "user,admin"); NULL for none. */
const char *idp_roleset_name(unsigned set);
bool idp_roleset_parse(const char *stored, unsigned *set);

/* The tenant's apps, fresh from the database, by name; *rows is new
 * (caller frees). */
enum idp_err idp_apps_list(const struct idp_tenant *t, struct idp_app **rows, int *n);

/* Register an app (app.created {"name","url","roles"}).  IDP_ERR_INVALID
 * with *field ("name", "url", "roles") for a bad value; IDP_ERR_CONFLICT
 * when the tenant has an app at that URL; IDP_ERR_TOO_LARGE when it has
 * IDP_APPS_MAX already.  *id (may be NULL) gets the new id. */
enum idp_err idp_app_create(const struct idp_tenant *t, const struct idp_actor *by,
                            const char *name, const char *url, unsigned roles, int64_t *id,
                            const char **field);

/* Remove one (app.deleted).  IDP_ERR_NOT_FOUND when the tenant has no such id. */
enum idp_err idp_app_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id);

#endif
