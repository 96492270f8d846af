/*
 * Passwords: Argon2id hashing in PHC string form (libargon2), parameter
 * upgrade on login, and the tenant password policy rules (length in code
 * points, character classes, e-mail local part, common-password blocklist).
 */
#ifndef IDP_PASSWORD_H
#define IDP_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"
#include "idp/policy.h"

#define IDP_PHC_MAX      160  /* longest PHC string we produce or accept */
#define IDP_PASSWORD_MAX 1024 /* bytes; longer input is refused before hashing */

struct idp_argon2_params {
	uint32_t memory_kib;  /* default 19456 (19 MiB) */
	uint32_t iterations;  /* default 2 */
	uint32_t parallelism; /* default 1 */
};

/* Parameters read back from a PHC string. */
struct idp_phc {
	uint32_t version; /* 19 */
	struct idp_argon2_params params;
	size_t salt_len;
	size_t hash_len;
};

/* Hash password (NUL-terminated, at most IDP_PASSWORD_MAX bytes) with a fresh
 * 16-byte salt into out as "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
 * IDP_ERR_TOO_LARGE for a longer password, IDP_ERR_CRYPTO when libargon2
 * fails (logged with its message).  Reuses a per-thread work buffer. */
enum idp_err idp_password_hash(const char *password, const struct idp_argon2_params *params,
                               char out[IDP_PHC_MAX]);

/* Verify password against PHC string phc in constant time.  IDP_OK on match,
 * IDP_ERR_AUTH on mismatch, IDP_ERR_INVALID when phc is not a well-formed
 * Argon2id PHC string (then a dummy verification is still performed, so the
 * time taken does not reveal it). */
enum idp_err idp_password_verify(const char *password, const char *phc);

/* Verify password against a fixed dummy hash made with params, spending the
 * same time as a real verification; used for unknown users.  Cannot fail. */
void idp_password_verify_dummy(const char *password, const struct idp_argon2_params *params);

/* Parse an Argon2id PHC string. IDP_ERR_INVALID when malformed. */
enum idp_err idp_phc_parse(const char *phc, struct idp_phc *out);

/* True when phc was made with parameters other than params (rehash due).
 * A malformed phc counts as needing a rehash. */
bool idp_password_needs_rehash(const char *phc, const struct idp_argon2_params *params);

/* Rule failures as bit flags, so the user is told exactly which failed. */
enum idp_pw_rule {
	IDP_PW_TOO_SHORT = 1 << 0,
	IDP_PW_TOO_LONG = 1 << 1,
	IDP_PW_NEED_UPPER = 1 << 2,
	IDP_PW_NEED_LOWER = 1 << 3,
	IDP_PW_NEED_DIGIT = 1 << 4,
	IDP_PW_NEED_SYMBOL = 1 << 5,
	IDP_PW_FEW_CLASSES = 1 << 6,
	IDP_PW_HAS_EMAIL = 1 << 7,
	IDP_PW_BLOCKLISTED = 1 << 8,
	IDP_PW_REUSED = 1 << 9,    /* set by the caller after the history check */
	IDP_PW_MISMATCH = 1 << 10, /* confirmation differs; set by the caller */
	IDP_PW_BAD_UTF8 = 1 << 11,
	IDP_PW_GUESSABLE = 1 << 12, /* zxcvbn's score is below policy.password.min_score */
	/* Why it is guessable (with IDP_PW_GUESSABLE only): */
	IDP_PW_HINT_COMMON = 1 << 13,   /* a common password or word */
	IDP_PW_HINT_KEYBOARD = 1 << 14, /* a keyboard pattern */
	IDP_PW_HINT_DATE = 1 << 15,     /* a date or a year */
	IDP_PW_HINT_REPEAT = 1 << 16,   /* a repetition or a sequence */
	IDP_PW_HINT_PERSONAL = 1 << 17, /* the user's name or e-mail, the organisation's */
};

/* Every rule once, in the order they are reported to users and in the API,
 * with its API name ("too_short", ...). */
struct idp_pw_rule_info {
	enum idp_pw_rule bit;
	const char *name;
};
extern const struct idp_pw_rule_info idp_pw_rules[];
extern const size_t idp_pw_rules_count;

/* Check password against every static rule of policy for the user with
 * e-mail address email; returns the OR of failed rules (0 = acceptable).
 * Length counts code points.  Classes: upper/lower are Unicode-agnostic ASCII
 * letters A-Z/a-z, digit 0-9, symbol is any other printable character
 * (including non-ASCII).  HAS_EMAIL: the local part (case-insensitive, only
 * when at least 3 characters long) occurs in the password.  BLOCKLISTED:
 * the lower-cased password is on the built-in list.  Cannot fail. */
unsigned idp_password_check(const char *password, const char *email,
                            const struct idp_policy *policy);

/* Whose password it is, for the strength estimate: words the guesser should
 * try first.  Any member may be NULL. */
struct idp_pw_context {
	const char *email;       /* its local part and domain labels */
	const char *name;        /* the display name and its words */
	const char *tenant_slug; /* the tenant's slug, and its parts */
	const char *tenant_name; /* the tenant's name and its words */
};

/* zxcvbn's score of password (0 to 4: guesses < 10^3, < 10^6, < 10^8,
 * < 10^10, more), with ctx's words as a dictionary of their own; *hints
 * (may be NULL) gets the IDP_PW_HINT_* bits of the patterns it found.  The
 * score is never logged.  Cannot fail. */
int idp_password_score(const char *password, const struct idp_pw_context *ctx, unsigned *hints);

/* The strength rule of policy: IDP_PW_GUESSABLE with the hints when
 * password.min_score > 0 and the score is below it, else 0. */
unsigned idp_password_strength(const char *password, const struct idp_pw_context *ctx,
                               const struct idp_policy *policy);

/* True when lower-cased s is on the built-in common-password list. */
bool idp_password_blocklisted(const char *s);

#endif
