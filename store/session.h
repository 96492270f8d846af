/*
 * Sessions as stored: one row per login, found by the SHA-256 of its cookie
 * token, with its times and how it ended.  The lookup joins the user, so a
 * request learns in one statement everything that decides whether its
 * session is still good.  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_SESSION_H
#define STORE_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"
#include "store/user.h"

/* A session with what its user looks like now. */
struct store_session {
	int64_t id, user_id;
	int64_t created_at, last_seen_at, expires_at; /* Unix seconds */
	bool ended;
	int64_t now; /* the database's clock when read */
	char email[STORE_EMAIL_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	char role[16];
	char status[16];
	bool must_change;
	int64_t changed_at, locked_at;
	char amr[32]; /* how the login was proven: "pwd", "pwd otp", ... */
};

/* A live session as its owner's list shows it. */
struct store_session_brief {
	int64_t id;
	int64_t created_at, last_seen_at;
	char ip[46];
	char user_agent[256];
};

/* The session whose token hashes to token_hash.  IDP_ERR_NOT_FOUND when
 * there is none (ended ones are found, with ended set). */
enum idp_err store_session_by_hash(struct store_conn *c,
                                   const unsigned char token_hash[STORE_SHA256_LEN],
                                   struct store_session *out);

/* A new session while the tenant is active (its row share-locked against a
 * termination until the transaction ends); *id gets its id.
 * IDP_ERR_NOT_FOUND when the tenant is no longer active.  The same
 * statement clears the user's failure count and lock and stamps the login:
 * a new session is a successful login. */
enum idp_err store_session_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                  const unsigned char token_hash[STORE_SHA256_LEN],
                                  int64_t expires_at, const char *ip, const char *user_agent,
                                  const char *amr, int64_t *id);

/* Record activity seen by a node's cache: session ids[i] was used at
 * seen[i] (Unix seconds); never moves a last activity back, leaves ended
 * sessions alone. */
enum idp_err store_session_touch_batch(struct store_conn *c, const int64_t *ids,
                                       const int64_t *seen, int n);

/* Record activity now. */
enum idp_err store_session_touch(struct store_conn *c, int64_t id);

/* End session id with reason; *ended (may be NULL) tells whether it was
 * still open. */
enum idp_err store_session_end(struct store_conn *c, int64_t id, const char *reason, bool *ended);

/* End session id only when it belongs to user_id; *ended as above. */
enum idp_err store_session_end_own(struct store_conn *c, int64_t id, int64_t user_id,
                                   const char *reason, bool *ended);

/* End every open session of user_id (but keep_id, 0 = none); *n (may be
 * NULL: then sent without waiting) gets how many ended. */
enum idp_err store_session_end_user(struct store_conn *c, int64_t user_id, int64_t keep_id,
                                    const char *reason, long *n);

/* End every open session of user_id but the one whose token hashes to
 * keep_hash; sent without waiting. */
enum idp_err store_session_end_user_but(struct store_conn *c, int64_t user_id,
                                        const unsigned char keep_hash[STORE_SHA256_LEN],
                                        const char *reason);

/* Live sessions of user_id (open, not expired, active within
 * idle_seconds), not counting except_id (0 = none). */
enum idp_err store_session_live_count(struct store_conn *c, int64_t user_id, int idle_seconds,
                                      int64_t except_id, long *n);

/* Lock session id's row; *open tells whether it exists and has not ended. */
enum idp_err store_session_lock_open(struct store_conn *c, int64_t id, bool *open);

/* Live sessions of user_id, newest first, at most 100; *rows is a new array
 * of *n (caller frees). */
enum idp_err store_session_list_user(struct store_conn *c, int64_t user_id, int idle_seconds,
                                     struct store_session_brief **rows, int *n);

#endif
