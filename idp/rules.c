/* Login and session rules as plain functions: see idp/rules.h. */
#include "idp/rules.h"

#include <stddef.h>

/* Activity is written at most this often (seconds). */
#define TOUCH_EVERY 5

enum idp_session_verdict idp_session_verdict(const struct idp_session_facts *s,
                                             const struct idp_policy *pol)
{
	if (s->ended)
		return IDP_SESSION_ENDED;
	if (s->status != IDP_STATUS_ACTIVE)
		return IDP_SESSION_USER_INACTIVE;
	if (s->locked)
		return IDP_SESSION_USER_LOCKED;
	if (s->now >= s->expires_at ||
	    s->now >= s->created_at + pol->session.absolute_timeout_seconds)
		return IDP_SESSION_ABSOLUTE_TIMEOUT;
	if (s->now - s->last_seen_at >= pol->session.idle_timeout_seconds)
		return IDP_SESSION_IDLE_TIMEOUT;
	return IDP_SESSION_OK;
}

const char *idp_session_verdict_reason(enum idp_session_verdict v)
{
	switch (v) {
	case IDP_SESSION_USER_INACTIVE: return "user_inactive";
	case IDP_SESSION_USER_LOCKED: return "user_locked";
	case IDP_SESSION_ABSOLUTE_TIMEOUT: return "absolute_timeout";
	case IDP_SESSION_IDLE_TIMEOUT: return "idle_timeout";
	case IDP_SESSION_OK:
	case IDP_SESSION_ENDED: break;
	}
	return NULL;
}

bool idp_session_touch_due(int64_t now, int64_t last_seen_at)
{
	return now - last_seen_at >= TOUCH_EVERY;
}

bool idp_password_expired(const struct idp_policy *pol, int64_t changed_at, int64_t now)
{
	int days = pol->password.expiry_days;

	return days > 0 && now - changed_at >= (int64_t)days * 86400;
}

enum idp_concurrent_action idp_concurrent_rule(const struct idp_policy *pol, long live_others)
{
	switch (pol->session.concurrent) {
	case IDP_CONCURRENT_DENY_NEW:
		return live_others > 0 ? IDP_CONCURRENT_REFUSE : IDP_CONCURRENT_ADMIT;
	case IDP_CONCURRENT_END_OLD: return IDP_CONCURRENT_END_OTHERS;
	case IDP_CONCURRENT_ALLOW: break;
	}
	return IDP_CONCURRENT_ADMIT;
}

bool idp_lock_expired(const struct idp_policy *pol, int64_t locked_at, int64_t now)
{
	return locked_at && pol->lockout.unlock_after_seconds > 0 &&
	       now - locked_at >= pol->lockout.unlock_after_seconds;
}

bool idp_lock_holds(const struct idp_policy *pol, int64_t locked_at, int64_t now)
{
	return locked_at && !idp_lock_expired(pol, locked_at, now);
}

enum idp_login_refusal idp_login_decide(const struct idp_login_facts *f, bool *counts)
{
	enum idp_login_refusal r = IDP_LOGIN_OK;

	if (!f->well_formed)
		r = IDP_LOGIN_MALFORMED;
	else if (!f->found)
		r = IDP_LOGIN_UNKNOWN_USER;
	else if (f->locked)
		r = IDP_LOGIN_LOCKED;
	else if (f->status != IDP_STATUS_ACTIVE)
		r = IDP_LOGIN_NOT_ACTIVE;
	else if (!f->has_password)
		r = IDP_LOGIN_NO_PASSWORD;
	else if (f->hash_changed)
		r = IDP_LOGIN_CREDENTIAL_CHANGED;
	else if (!f->password_ok)
		r = IDP_LOGIN_BAD_PASSWORD;
	*counts = r == IDP_LOGIN_BAD_PASSWORD;
	return r;
}

const char *idp_login_refusal_reason(enum idp_login_refusal r, enum idp_user_status status)
{
	switch (r) {
	case IDP_LOGIN_MALFORMED: return "malformed";
	case IDP_LOGIN_UNKNOWN_USER: return "unknown_user";
	case IDP_LOGIN_NO_PASSWORD: return "no_password";
	case IDP_LOGIN_LOCKED: return "locked";
	case IDP_LOGIN_NOT_ACTIVE: return idp_status_name(status);
	case IDP_LOGIN_CREDENTIAL_CHANGED: return "credential_changed";
	case IDP_LOGIN_BAD_PASSWORD: return "bad_password";
	case IDP_LOGIN_OK: break;
	}
	return NULL;
}

bool idp_last_admin(enum idp_role role, enum idp_user_status status, long active_admins)
{
	return role == IDP_ROLE_ADMIN && status == IDP_STATUS_ACTIVE && active_admins <= 1;
}

bool idp_mfa_required(const struct idp_policy *pol, enum idp_role role)
{
	return pol->mfa.require == IDP_MFA_ALL ||
	       (pol->mfa.require == IDP_MFA_ADMINS && role == IDP_ROLE_ADMIN);
}

enum idp_login_step idp_login_next(const struct idp_policy *pol, const struct idp_step_facts *f)
{
	if (!f->second_factor_ok && f->totp_enrolled)
		return IDP_STEP_TOTP;
	/* A user whose factor is a certificate is never sent to enrol one
	 * without it: that would let a password replace the certificate. */
	if (!f->second_factor_ok && f->cert_bound)
		return IDP_STEP_CERT;
	if (!f->second_factor_ok && idp_mfa_required(pol, f->role))
		return IDP_STEP_ENROLL;
	return f->password_change ? IDP_STEP_PASSWORD : IDP_STEP_DONE;
}
