/*
 * Sessions: a login's cookie token (stored only as its SHA-256), checked
 * on every request against the tenant's timeouts and the user's state;
 * logout, the user's own list of sessions, and ending one of them
 * (idp/session.c).
 */
#ifndef IDP_SESSION_H
#define IDP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/crypto.h"
#include "idp/request.h"
#include "idp/rules.h"
#include "idp/tenant.h"
#include "idp/user.h"

/* A logged-in session handed to web/ to set as a cookie. */
struct idp_login {
	enum idp_login_step step;           /* IDP_STEP_DONE: token is a session's */
	char token[IDP_TOKEN_LEN + 1];      /* the session cookie (step done) */
	char flow_token[IDP_TOKEN_LEN + 1]; /* the pending login's cookie (other steps) */
	int64_t expires_at;                 /* of the session or the pending login */
	char continuation[2049];            /* where the login goes afterwards ("" = home) */
};

/* A live session as the pages see it. */
struct idp_session {
	int64_t id;
	int64_t user_id;
	char email[IDP_EMAIL_MAX + 1];
	char name[IDP_NAME_MAX + 1];
	enum idp_role role;
	int64_t created_at, last_seen_at, expires_at; /* Unix seconds */
	bool must_change_password; /* first login after an administrator-set password */
	bool password_expired;     /* past policy.password.expiry_days */
	int64_t password_changed_at;
	char amr[32]; /* how the login was proven: "pwd", "pwd otp", "pwd x509", ... */
	unsigned char token_hash[IDP_SHA256_LEN];
};

/* Validate the session cookie value token: exists, not ended, within idle
 * and absolute timeouts, user active and not locked.  Refreshes last activity.
 * IDP_ERR_AUTH when there is no valid session (expired ones are ended). */
enum idp_err idp_session_check(const struct idp_tenant *t, const char *token,
                               const struct idp_reqinfo *ri, struct idp_session *out);

/* idp_session_check answered from this node's session cache (the
 * gateway's way, idp/session_cache.c): no database round trip for a
 * session seen before, while the cache listens for the database's
 * notifications; activity is written back in batches (every
 * IDP_SESSION_FLUSH_SECONDS).  A cookie the database does not know counts
 * against ri's address like a failed login, and once the address is over
 * its limit, unknown cookies from it are refused without asking the
 * database.  Same answers as idp_session_check. */
enum idp_err idp_session_check_cached(const struct idp_tenant *t, const char *token,
                                      const struct idp_reqinfo *ri, struct idp_session *out);

/* Record activity of session s (from idp_session_check_cached) now: the
 * request it answered was let through. */
void idp_session_cache_seen(const struct idp_session *s);

#define IDP_SESSION_FLUSH_SECONDS 5

/* Size the cache (entries for live sessions, and for cookies known to be
 * no session) before the daemon starts; defaults 200000 and 20000. */
void idp_session_cache_configure(unsigned max_sessions, unsigned max_unknown);

/* What the cache holds now (metrics, benchmarks). */
struct idp_session_cache_stats {
	unsigned sessions, unknown;
	unsigned long hits, misses, db_lookups;
	bool trusted;
};
void idp_session_cache_stats(struct idp_session_cache_stats *out);

/* The audit actor of session s's user acting from ri. Cannot fail. */
void idp_session_actor(const struct idp_session *s, const struct idp_reqinfo *ri,
                       struct idp_actor *out);

/* End the session (logout).  Audited as logout. Cannot fail visibly: a
 * missing session is not an error. */
enum idp_err idp_logout(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri);

struct idp_session_row {
	int64_t id;
	int64_t created_at, last_seen_at;
	char ip[46];
	char user_agent[256];
};

/* Live sessions of user_id, newest first (at most 100); *rows is new. */
enum idp_err idp_sessions_list(const struct idp_tenant *t, int64_t user_id,
                               struct idp_session_row **rows, int *n);

/* End one of the caller's own sessions (session.ended). IDP_ERR_NOT_FOUND
 * when it is not theirs or already over. */
enum idp_err idp_session_end_own(const struct idp_tenant *t, const struct idp_actor *by,
                                 int64_t session_id);

#endif
