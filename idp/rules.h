/*
 * The rules that decide logins and sessions, as plain functions over plain
 * values: no database, no clock, no I/O.  The transaction code gathers the
 * facts (rows read under lock, the database's clock), asks these functions,
 * and carries out the answer; unit tests ask them directly
 * (tests/unit/test_rules.c).
 */
#ifndef IDP_RULES_H
#define IDP_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/policy.h"
#include "idp/user.h"

/* ---- sessions ---- */

/* What decides whether a session still stands. */
struct idp_session_facts {
	int64_t now; /* Unix seconds */
	int64_t created_at, last_seen_at, expires_at;
	bool ended;                  /* ended before (logout, forced, ...) */
	enum idp_user_status status; /* the user's, now */
	bool locked;                 /* the user's account is locked */
};

enum idp_session_verdict {
	IDP_SESSION_OK,
	IDP_SESSION_ENDED,         /* ended earlier: nothing to record */
	IDP_SESSION_USER_INACTIVE, /* suspended (or no longer active) */
	IDP_SESSION_USER_LOCKED,
	IDP_SESSION_ABSOLUTE_TIMEOUT, /* past expires_at or created + absolute timeout */
	IDP_SESSION_IDLE_TIMEOUT,     /* no activity for the idle timeout */
};

/* Whether session s stands under policy pol, and if not, why.  The first
 * reason in the order above wins.  Cannot fail. */
enum idp_session_verdict idp_session_verdict(const struct idp_session_facts *s,
                                             const struct idp_policy *pol);

/* The end reason recorded for a verdict ("idle_timeout", ...); NULL for
 * IDP_SESSION_OK and IDP_SESSION_ENDED (nothing to record). */
const char *idp_session_verdict_reason(enum idp_session_verdict v);

/* Whether a request at now should write the session's last activity:
 * at most every few seconds (fewer writes, the same timeouts). */
bool idp_session_touch_due(int64_t now, int64_t last_seen_at);

/* Whether a password set at changed_at has expired at now
 * (policy.password.expiry_days; 0 = never). */
bool idp_password_expired(const struct idp_policy *pol, int64_t changed_at, int64_t now);

/* ---- concurrent sessions ---- */

enum idp_concurrent_action {
	IDP_CONCURRENT_ADMIT,      /* create the new session, leave the others */
	IDP_CONCURRENT_REFUSE,     /* deny_new with another live session: no new session */
	IDP_CONCURRENT_END_OTHERS, /* end_old: create it and end every other */
};

/* What a new login does under pol when the user has live_others other live
 * sessions (the one the browser itself presented never counts). */
enum idp_concurrent_action idp_concurrent_rule(const struct idp_policy *pol, long live_others);

/* ---- lockout ---- */

/* Whether a lock set at locked_at (0 = none) has run out at now: only when
 * policy.lockout.unlock_after_seconds > 0 (0 = an administrator unlocks). */
bool idp_lock_expired(const struct idp_policy *pol, int64_t locked_at, int64_t now);

/* Whether the account counts as locked at now (a lock that ran out does not). */
bool idp_lock_holds(const struct idp_policy *pol, int64_t locked_at, int64_t now);

/* What a password login found, read under the user's row lock. */
struct idp_login_facts {
	bool well_formed;  /* the e-mail and password were acceptable input */
	bool found;        /* a user with that e-mail exists (still) */
	bool has_password; /* the user has a password hash */
	bool password_ok;  /* the password verified against the hash read first */
	bool hash_changed; /* that hash is no longer the user's */
	bool locked;       /* locked now (after an expired lock was lifted) */
	enum idp_user_status status;
};

enum idp_login_refusal {
	IDP_LOGIN_OK,
	IDP_LOGIN_MALFORMED,
	IDP_LOGIN_UNKNOWN_USER,
	IDP_LOGIN_LOCKED,
	IDP_LOGIN_NOT_ACTIVE, /* invited or suspended: the audit names the status */
	IDP_LOGIN_NO_PASSWORD,
	IDP_LOGIN_CREDENTIAL_CHANGED,
	IDP_LOGIN_BAD_PASSWORD,
};

/* Decide a password login: IDP_LOGIN_OK, or the reason it is refused (the
 * first in the order of the checks: input, user, lock, status, password
 * set, the hash, the password).  *counts tells whether the refusal counts toward the
 * account's lockout: only a wrong password for an unlocked account does.
 * Every refusal looks the same to the user.  Cannot fail. */
enum idp_login_refusal idp_login_decide(const struct idp_login_facts *f, bool *counts);

/* The audit reason of a refusal ("bad_password", ...); for
 * IDP_LOGIN_NOT_ACTIVE the status name.  NULL for IDP_LOGIN_OK. */
const char *idp_login_refusal_reason(enum idp_login_refusal r, enum idp_user_status status);

/* ---- administrators ---- */

/* Whether taking a user of role and status out of service (suspension,
 * deletion) would leave the tenant without an active administrator, when
 * it has active_admins of them now. */
bool idp_last_admin(enum idp_role role, enum idp_user_status status, long active_admins);

/* ---- the steps of a login ---- */

/* Whether the policy makes a user of role use a second factor. */
bool idp_mfa_required(const struct idp_policy *pol, enum idp_role role);

/* What a login still needs once the password is proven. */
enum idp_login_step {
	IDP_STEP_DONE,     /* nothing: the session can be made */
	IDP_STEP_TOTP,     /* a code from the user's authenticator (or a recovery code) */
	IDP_STEP_ENROLL,   /* the policy requires a second factor the user has not set up */
	IDP_STEP_PASSWORD, /* a new password: the old one was set by an administrator or expired */
	IDP_STEP_CERT,     /* refused: the user's second factor is a certificate, not presented */
};

struct idp_step_facts {
	enum idp_role role;
	bool totp_enrolled;    /* the user has a confirmed TOTP secret */
	bool second_factor_ok; /* a code (or recovery code) was proven in this login */
	bool password_change;  /* the password must be replaced before a session */
	bool cert_bound;       /* a certificate bound to the user is their factor (policy factor) */
};

/* The next step.  A user with TOTP always gives a code, whatever the
 * policy; a user without one enrolls when the policy requires it.  The
 * second factor comes before a forced password change, so a password
 * alone can never replace itself. */
enum idp_login_step idp_login_next(const struct idp_policy *pol, const struct idp_step_facts *f);

#endif
