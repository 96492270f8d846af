/*
 * Users as stored: identity (e-mail, name, role, status), the password hash
 * with its age and the forced-change flag, the failure count and lock, and
 * the password history.  Roles and statuses are the database's text
 * ("admin", "active", ...); idp/ turns them into its enums.  Every function
 * runs inside the caller's tenant transaction.
 */
#ifndef STORE_USER_H
#define STORE_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"

struct store_conn;

#define STORE_EMAIL_MAX 254
#define STORE_NAME_MAX  400 /* bytes */
#define STORE_HASH_MAX  200 /* a PHC string */

struct store_user {
	int64_t id;
	char email[STORE_EMAIL_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char role[16];
	char status[16];
	char hash[STORE_HASH_MAX + 1]; /* "" when none */
	int64_t changed_at;            /* password set, Unix seconds (0 = never) */
	bool must_change;
	int failed_count;
	int64_t locked_at; /* 0 = not locked */
	int64_t last_login_at, created_at;
	bool totp; /* a confirmed TOTP secret */
	bool cert; /* a client certificate bound as a second factor */
};

/* The user with this (lower-case) e-mail; with lock, its row stays locked
 * (FOR UPDATE) until the transaction ends.  IDP_ERR_NOT_FOUND when none. */
enum idp_err store_user_by_email(struct store_conn *c, const char *email, bool lock,
                                 struct store_user *out);

/* The same by id. */
enum idp_err store_user_by_id(struct store_conn *c, int64_t id, bool lock, struct store_user *out);

/* Users whose e-mail or name contains q (NULL = all), by e-mail, at most
 * limit from offset; *rows is a new array of *n (caller frees). */
enum idp_err store_user_list(struct store_conn *c, const char *q, int limit, int offset,
                             struct store_user **rows, int *n);

/* Active administrators of the tenant. */
enum idp_err store_user_count_active_admins(struct store_conn *c, long *n);

/* The overview's figures about users (see STMT_USER_STATS). */
struct store_user_stats {
	long active, invited, suspended, locked;
	long mfa_scope; /* active users who must use a second factor and have none */
	long unused;    /* active, no sign-in for idle_days */
	long pw_expired, pw_expiring;
};

/* unlock_after: the policy's seconds (0 = administrator only); mfa_scope:
 * "admins", "all" or NULL; expiry_days: 0 = never; warn_days: how far ahead
 * an expiry counts as coming; idle_days: when an account counts as unused. */
enum idp_err store_user_stats(struct store_conn *c, int unlock_after, const char *mfa_scope,
                              int expiry_days, int warn_days, int idle_days,
                              struct store_user_stats *out);

/* A new user in status "invited"; *id gets its id. */
enum idp_err store_user_insert_invited(struct store_conn *c, int64_t tenant_id, const char *email,
                                       const char *role, int64_t *id);

/* Activate an invited user with name and password hash (also its first
 * login).  IDP_ERR_NOT_FOUND when the user is no longer invited. */
enum idp_err store_user_activate(struct store_conn *c, int64_t id, const char *name,
                                 const char *hash);

/* Count a failed password (one atomic statement: parallel failures cannot
 * overshoot); *locked is true for exactly the failure that locked the
 * account at max_failures (0 = never lock).  An already locked row is not
 * counted. */
enum idp_err store_user_login_fail(struct store_conn *c, int64_t id, int max_failures,
                                   bool *locked);

/* A new password hash: stamps its age and sets or clears the forced change. */
enum idp_err store_user_set_hash(struct store_conn *c, int64_t id, const char *hash,
                                 bool must_change);

/* The same password hashed with new parameters: the age stays. */
enum idp_err store_user_rehash(struct store_conn *c, int64_t id, const char *hash);

enum idp_err store_user_unlock(struct store_conn *c, int64_t id);
enum idp_err store_user_set_status(struct store_conn *c, int64_t id, const char *status);
enum idp_err store_user_set_role(struct store_conn *c, int64_t id, const char *role);
enum idp_err store_user_delete(struct store_conn *c, int64_t id);

/* Password history: record a hash; the n most recent hashes, newest first,
 * as a new array of *count strings of STORE_HASH_MAX + 1 bytes (caller
 * frees); keep only the keep most recent. */
enum idp_err store_history_add(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                               const char *hash);
enum idp_err store_history_recent(struct store_conn *c, int64_t user_id, int n,
                                  char (**hashes)[STORE_HASH_MAX + 1], int *count);
enum idp_err store_history_prune(struct store_conn *c, int64_t user_id, int keep);

#endif
