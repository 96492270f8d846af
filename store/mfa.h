/*
 * Second factors and login flows as stored: a user's TOTP state (the sealed
 * secret, the last time step accepted, a candidate secret during enrolment,
 * wrong codes on their own counter), recovery codes as HMACs, and the
 * pending logins.  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_MFA_H
#define STORE_MFA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

struct store_conn;

#define STORE_SEALED_MAX    128 /* a sealed TOTP secret: nonce, 20 bytes, tag */
#define STORE_FLOW_CONT_MAX 2048

struct store_mfa {
	unsigned char secret[STORE_SEALED_MAX]; /* sealed; secret_len 0 = not enrolled */
	size_t secret_len;
	unsigned char pending[STORE_SEALED_MAX]; /* the owner's live candidate, sealed */
	size_t pending_len;
	int64_t enrolled_at; /* Unix seconds, 0 = not enrolled */
	int64_t last_step;   /* the last TOTP time step accepted */
	int failed;          /* wrong codes in a row */
	long recovery_left;  /* unused recovery codes */
};

/* The TOTP state of user_id; with lock the user's row stays locked.  The
 * enrolment candidate is returned only to its owner (the SHA-256 of the
 * token of the pending login or session that asked for it; NULL: nobody)
 * while it lives. */
enum idp_err store_mfa_get(struct store_conn *c, int64_t user_id, bool lock,
                           const unsigned char *owner, struct store_mfa *out);

/* A candidate secret (sealed) for the user's enrolment, owned by owner for
 * ten minutes, replacing any other. */
enum idp_err store_mfa_set_pending(struct store_conn *c, int64_t user_id,
                                   const unsigned char *sealed, size_t n,
                                   const unsigned char owner[STORE_SHA256_LEN]);

/* owner's live candidate becomes the secret, the step that confirmed it
 * counts as used.  IDP_ERR_NOT_FOUND when there is no such candidate. */
enum idp_err store_mfa_confirm(struct store_conn *c, int64_t user_id, int64_t step,
                               const unsigned char owner[STORE_SHA256_LEN]);

/* Accept time step for the user once: *ok is false when that step or a
 * later one was accepted before (one atomic UPDATE: of two parallel uses of
 * a code, exactly one gets true).  Clears the wrong-code count on success. */
enum idp_err store_mfa_use_step(struct store_conn *c, int64_t user_id, int64_t step, bool *ok);

/* Count a wrong code (one atomic statement); *locked is true for exactly the
 * code that locked the account at max_failures (0 = never lock).  An already
 * locked row is not counted. */
enum idp_err store_mfa_fail(struct store_conn *c, int64_t user_id, int max_failures, bool *locked);

/* Remove the user's TOTP, candidate and recovery codes. */
enum idp_err store_mfa_remove(struct store_conn *c, int64_t user_id);

/* Replace the user's recovery codes with these n HMACs (32 bytes each). */
enum idp_err store_recovery_replace(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                    const unsigned char (*hashes)[STORE_SHA256_LEN], int n);

/* Use the unused code with this HMAC once: *ok false when there is none
 * (unknown, or used before; of two parallel uses exactly one gets true). */
enum idp_err store_recovery_use(struct store_conn *c, int64_t user_id,
                                const unsigned char hash[STORE_SHA256_LEN], bool *ok);

/* ---- pending logins ---- */

struct store_flow {
	int64_t id, user_id;
	int64_t expires_at;
	char methods[101];
	char continuation[STORE_FLOW_CONT_MAX + 1];
};

enum idp_err store_flow_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                               const unsigned char token_hash[STORE_SHA256_LEN], int64_t expires_at,
                               const char *methods, const char *continuation);

/* The open flow (not ended, not expired) whose token hashes to token_hash;
 * with lock it stays locked.  IDP_ERR_NOT_FOUND when none.  Lock a flow
 * only after its user's row: whoever ends a user's flows holds that row. */
enum idp_err store_flow_by_hash(struct store_conn *c,
                                const unsigned char token_hash[STORE_SHA256_LEN], bool lock,
                                struct store_flow *out);

enum idp_err store_flow_set_methods(struct store_conn *c, int64_t id, const char *methods);
enum idp_err store_flow_end(struct store_conn *c, int64_t id);

/* End every open flow of the user (an MFA reset, a suspension). */
enum idp_err store_flow_end_user(struct store_conn *c, int64_t user_id);

#endif
