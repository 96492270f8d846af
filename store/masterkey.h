/*
 * The master key as the database knows it: the one-row table master_key
 * (the current key's fingerprint and the recovery-code key sealed under
 * it), the advisory lock that keeps `sekisho key rotate` and every other
 * sekisho process apart, and the sealed secrets a rotation re-seals (TOTP
 * seeds and enrolment candidates; SAML keys are in store/samlkey.h).
 */
#ifndef STORE_MASTERKEY_H
#define STORE_MASTERKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/mfa.h"
#include "store/samlkey.h"

struct store_conn;

#define STORE_KEY_FP_LEN     32 /* hex digits */
#define STORE_KEY_SEALED_LEN 60 /* a sealed 32-byte key: nonce, key, tag */

struct store_masterkey {
	char fingerprint[STORE_KEY_FP_LEN + 1];
	unsigned char recovery_sealed[STORE_KEY_SEALED_LEN];
};

/* The row; with lock it stays locked until the transaction ends.
 * IDP_ERR_NOT_FOUND when there is none yet (first start after the
 * upgrade). */
enum idp_err store_masterkey_get(struct store_conn *c, bool lock, struct store_masterkey *out);

/* Insert the row unless one exists (then nothing changes: read it again). */
enum idp_err store_masterkey_init(struct store_conn *c, const struct store_masterkey *k);

/* Replace the row whose fingerprint is old_fp by k; IDP_ERR_NOT_FOUND when
 * the row has another fingerprint. */
enum idp_err store_masterkey_replace(struct store_conn *c, const char *old_fp,
                                     const struct store_masterkey *k);

/* Take the master-key lock of the connection's session (held until it is
 * released or the connection ends), without waiting: exclusive for a
 * rotation, shared for every other process.  *got false when another
 * session holds it in a conflicting mode.  Taking a lock already held adds
 * to it (release as often). */
enum idp_err store_keylock_try(struct store_conn *c, bool exclusive, bool *got);

/* Release one hold of the lock in that mode. */
enum idp_err store_keylock_release(struct store_conn *c, bool exclusive);

/* Make sure the session holds the lock shared (taking it again on a
 * connection that was re-established); *got false when it cannot (a
 * rotation holds it). */
enum idp_err store_keylock_keep(struct store_conn *c, bool *got);

/* A user's sealed TOTP seed and enrolment candidate (0 length: none). */
struct store_sealed_totp {
	int64_t user_id;
	unsigned char secret[STORE_SEALED_MAX];
	size_t secret_len;
	unsigned char pending[STORE_SEALED_MAX];
	size_t pending_len;
};

/* Every user of the transaction's tenant with a seed or a candidate, by
 * id, rows locked; *rows new (caller frees). */
enum idp_err store_sealed_totp_list(struct store_conn *c, struct store_sealed_totp **rows, int *n);

/* Replace the user's sealed seed and candidate by s's (same presence). */
enum idp_err store_sealed_totp_set(struct store_conn *c, const struct store_sealed_totp *s);

/* A SAML private key as sealed. */
struct store_sealed_samlkey {
	int64_t id;
	unsigned char sealed[STORE_SAMLKEY_SEALED_MAX];
	size_t sealed_len;
};

/* Every SAML key of the transaction's tenant, by id, rows locked; *rows
 * new (caller frees).  store_samlkey_set_sealed writes one back. */
enum idp_err store_sealed_samlkey_list(struct store_conn *c, struct store_sealed_samlkey **rows,
                                       int *n);

#endif
