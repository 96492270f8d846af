/*
 * Invitations and password-reset links as stored: single-use links found by
 * the SHA-256 of their token, with expiry, use and revocation.  Every
 * function runs inside the caller's tenant transaction.
 */
#ifndef STORE_INVITATION_H
#define STORE_INVITATION_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"
#include "store/user.h"

/* An invitation with its user, as the lookup by token found it. */
struct store_invitation {
	int64_t id, user_id;
	int64_t expires_at, now; /* Unix seconds; now is the database's clock */
	bool used, revoked;
	char email[STORE_EMAIL_MAX + 1];
	char role[16];
	char status[16]; /* the user's */
};

/* An open invitation as the administrator's list shows it. */
struct store_invitation_row {
	int64_t id;
	char email[STORE_EMAIL_MAX + 1];
	char role[16];
	char created_by[STORE_EMAIL_MAX + 1];
	int64_t created_at, expires_at;
};

/* The invitation whose token hashes to token_hash, locked with its user
 * until the transaction ends.  IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_invitation_by_hash(struct store_conn *c,
                                      const unsigned char token_hash[STORE_SHA256_LEN],
                                      struct store_invitation *out);

/* A new invitation of user_id; *stored_expiry gets expires_at as stored.
 * IDP_ERR_NOT_FOUND when the tenant is no longer active (its row is
 * share-locked against a termination until the transaction ends). */
enum idp_err store_invitation_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                     const unsigned char token_hash[STORE_SHA256_LEN],
                                     const char *created_by, int64_t expires_at,
                                     int64_t *stored_expiry);

/* Use invitation id up.  IDP_ERR_NOT_FOUND unless it was open. */
enum idp_err store_invitation_use(struct store_conn *c, int64_t id);

/* Revoke every open invitation of user_id. */
enum idp_err store_invitation_revoke_user(struct store_conn *c, int64_t user_id);

/* Revoke open invitation id; email (STORE_EMAIL_MAX + 1 bytes) gets its
 * address.  IDP_ERR_NOT_FOUND unless it was open. */
enum idp_err store_invitation_revoke(struct store_conn *c, int64_t id, char *email);

/* Open invitations, newest first (at most 500); *rows is a new array of *n
 * (caller frees). */
enum idp_err store_invitation_list_open(struct store_conn *c, struct store_invitation_row **rows,
                                        int *n);

/* A password-reset link as the lookup by token found it. */
struct store_reset {
	int64_t id, user_id;
	bool expired, used;
};

/* A new reset link of user_id valid until expires_at; IDP_ERR_NOT_FOUND
 * when the tenant is no longer active (as for invitations). */
enum idp_err store_reset_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                const unsigned char token_hash[STORE_SHA256_LEN],
                                int64_t expires_at);

/* The reset link whose token hashes to token_hash, locked.
 * IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_reset_by_hash(struct store_conn *c,
                                 const unsigned char token_hash[STORE_SHA256_LEN],
                                 struct store_reset *out);

/* Use reset link id up; IDP_ERR_NOT_FOUND unless it was open. */
enum idp_err store_reset_use(struct store_conn *c, int64_t id);

/* Use up every open reset link of user_id (the password changed). */
enum idp_err store_reset_invalidate_user(struct store_conn *c, int64_t user_id);

/* Open links of user_id made in the last five minutes. */
enum idp_err store_reset_recent(struct store_conn *c, int64_t user_id, long *n);

#endif
