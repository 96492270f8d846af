/*
 * The master key and its rotation.  master_key_file holds 32 random bytes;
 * every purpose key (CSRF, TOTP seeds, SAML private keys, the wrapping of
 * the recovery-code key) is derived from it with HMAC-SHA-256 over a label.
 * The database (migration 010) records the current key's fingerprint, so a
 * start with a wrong key file is refused at once, and after a crash during
 * `sekisho key rotate` the fingerprint says which key file is the right one:
 *
 *   1. the new key is written to <master_key_file>.new (0600, fsync, fsync
 *      of the directory);
 *   2. one transaction re-seals every secret under keys derived from the new
 *      key, replaces the fingerprint and records key.rotated in the operator
 *      log;
 *   3. master_key_file is renamed to <master_key_file>.old-<UTC time> and
 *      the .new file to master_key_file (fsync of the directory).
 *
 * Every start (idp_keys_open) finishes step 3 when the database already has
 * the new fingerprint, or deletes the .new file when it still has the old
 * one.  An advisory lock keeps processes apart: each sekisho process holds it
 * shared for its lifetime, a rotation exclusive (so it never runs under a
 * daemon that holds the old derived keys in memory).
 *
 * Recovery codes are keyed hashes: they cannot be re-keyed without the codes
 * themselves, so their key is not derived from the current master key but
 * kept, sealed under it, in the database, and re-sealed by each rotation.
 */
#ifndef IDP_KEYS_H
#define IDP_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "idp/crypto.h"
#include "idp/err.h"

#define IDP_MASTER_LEN 32
#define IDP_KEY_FP_LEN 32 /* hex digits */

/* The keys derived from one master key. */
struct idp_derived {
	unsigned char csrf[IDP_SHA256_LEN];
	unsigned char totp[IDP_SHA256_LEN];    /* seals TOTP seeds and candidates */
	unsigned char samlkey[IDP_SHA256_LEN]; /* seals SAML private keys */
	unsigned char wrap[IDP_SHA256_LEN];    /* seals the recovery-code key */
	unsigned char backup[IDP_SHA256_LEN];  /* signs backup manifests (idp/backup.h) */
};

/* Derive d from master.  Cannot fail. */
void idp_key_derive(const unsigned char master[IDP_MASTER_LEN], struct idp_derived *d);

/* The key's fingerprint: hex of the first 16 bytes of an HMAC-SHA-256
 * under the key over a label of its own, an id that reveals nothing of the
 * key or of the derived keys.  Cannot fail. */
void idp_key_fingerprint(const unsigned char master[IDP_MASTER_LEN], char out[IDP_KEY_FP_LEN + 1]);

/* ---- deciding what the key files mean (pure; unit-tested) ---- */

enum idp_keyfile {
	IDP_KEYFILE_ABSENT, /* no such file */
	IDP_KEYFILE_BAD,    /* unreadable, wrong size or readable by others */
	IDP_KEYFILE_OK,     /* a key, whose fingerprint is known */
};

struct idp_key_seen {
	enum idp_keyfile master, next;   /* master_key_file and its .new */
	const char *master_fp, *next_fp; /* when OK */
	const char *db_fp;               /* NULL: the database has none yet */
	bool exclusive;                  /* we hold the lock exclusive */
};

enum idp_key_action {
	IDP_KEY_USE,           /* master_key_file is the database's key */
	IDP_KEY_USE_IGNORE,    /* the same; a stale .new stays for an exclusive holder */
	IDP_KEY_RECORD,        /* first start after the upgrade: record master's fp */
	IDP_KEY_CREATE,        /* first start: create master_key_file, record it */
	IDP_KEY_FINISH,        /* a rotation committed: .new becomes master_key_file */
	IDP_KEY_DISCARD,       /* a rotation did not commit: delete .new */
	IDP_KEY_ERR_BAD,       /* master_key_file unusable */
	IDP_KEY_ERR_MISSING,   /* master_key_file absent, the database has a key */
	IDP_KEY_ERR_MISMATCH,  /* master_key_file is not the database's key */
	IDP_KEY_ERR_NEW_ALONE, /* a .new that matches nothing the database knows */
	IDP_KEY_ERR_BUSY,      /* a rotation to finish, but others run: no exclusive lock */
};

/* What to do with the key files seen in s.  Cannot fail. */
enum idp_key_action idp_key_decide(const struct idp_key_seen *s);

/* The name the old key gets when a rotation finishes at t:
 * "<path>.old-YYYYMMDDTHHMMSSZ", with "-N" appended for N > 0.  False when
 * out is too small. */
bool idp_key_old_name(const char *path, time_t t, int n, char *out, size_t outsz);

/* ---- at start ---- */

/* With the database open (migrated, application role): take the key lock
 * (exclusive when asked, for `key rotate`; otherwise shared, waiting a few
 * seconds for a starting sibling), settle the key files (idp_key_decide),
 * check master_key_file against the database's fingerprint and derive the
 * keys into idp_rt.  Errors are logged with the reason and the remedy:
 * IDP_ERR_CONFLICT when the lock is held against us, IDP_ERR_CONFIG for a
 * wrong or missing key file, IDP_ERR_IO, IDP_ERR_DB. */
enum idp_err idp_keys_open(bool exclusive);

/* For the daemon, now and then: keep the key lock (taking it again when the
 * connection was re-established) and compare the database's fingerprint with
 * the key in use.  IDP_ERR_CONFLICT (logged) when a rotation holds the lock
 * or changed the key: the daemon's derived keys are stale and it must stop;
 * IDP_ERR_DB when the database cannot say. */
enum idp_err idp_keys_guard(void);

/* ---- rotation (idp/keyrotate.c) ---- */

struct idp_key_rotation {
	long totp_secrets, totp_candidates, saml_keys; /* secrets re-sealed */
	char old_fp[IDP_KEY_FP_LEN + 1], new_fp[IDP_KEY_FP_LEN + 1];
	char old_path[4096]; /* where the old key now is */
};

/* Rotate the master key (steps 1 to 3 above).  Needs idp_keys_open(true).
 * Returns IDP_ERR_CRYPTO when a secret does not open with the current key
 * (nothing changed; logged with tenant and row), IDP_ERR_IO for the key
 * files, IDP_ERR_DB; on every error the old key stays in force unless the
 * database already committed the new one (then the next start finishes). */
enum idp_err idp_key_rotate(struct idp_key_rotation *out);

/* Open every sealed secret with the current key without changing anything
 * (counts in out, old_fp the current key's fingerprint).  IDP_ERR_CRYPTO
 * (logged with tenant and row) when one does not open. */
enum idp_err idp_key_check(struct idp_key_rotation *out);

/* ---- inside idp/ (keys.c for keyrotate.c) ---- */

/* The current master key (for the rotation) and its fingerprint. */
const unsigned char *idp_key_current(void);
const char *idp_key_current_fp(void);

/* Write key to path (created 0600, must not exist), fsync it and its
 * directory. */
enum idp_err idp_key_write_new(const char *path, const unsigned char key[IDP_MASTER_LEN]);

/* Move master_key_file to its .old name (when it exists) and path_new to
 * master_key_file, then fsync the directory; *old_path (may be NULL) gets
 * the old key's new name ("" when there was none). */
enum idp_err idp_key_finish(const char *master, const char *path_new, char *old_path,
                            size_t old_sz);

/* The path of master's .new file in out; false when too long. */
bool idp_key_new_path(const char *master, char *out, size_t outsz);

#endif
