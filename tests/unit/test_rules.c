/* Login and session rules as plain functions (idp/rules.c), at their
 * boundaries: no database, no clock. */
#include "idp/rules.h"
#include "tests/unit/check.h"

static struct idp_policy pol(void)
{
	struct idp_policy p;

	idp_policy_default(&p);
	p.session.idle_timeout_seconds = 600;
	p.session.absolute_timeout_seconds = 3600;
	return p;
}

/* A live session created at 1000, last seen at 1500, expiring at 4600. */
static struct idp_session_facts live(int64_t now)
{
	return (struct idp_session_facts){.now = now,
	                                  .created_at = 1000,
	                                  .last_seen_at = 1500,
	                                  .expires_at = 4600,
	                                  .status = IDP_STATUS_ACTIVE};
}

TEST(session_stands_until_idle_timeout)
{
	struct idp_policy p = pol();
	struct idp_session_facts s = live(1500 + 599);

	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_OK);
	s.now = 1500 + 600;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_IDLE_TIMEOUT);
	CHECK_STR(idp_session_verdict_reason(IDP_SESSION_IDLE_TIMEOUT), "idle_timeout");
}

TEST(session_ends_at_absolute_timeout_or_expiry)
{
	struct idp_policy p = pol();
	struct idp_session_facts s = live(4599);

	s.last_seen_at = 4590;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_OK);
	s.now = 4600; /* created + absolute timeout, and expires_at */
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_ABSOLUTE_TIMEOUT);
	/* expires_at (fixed at login) holds on its own after the policy grows. */
	p.session.absolute_timeout_seconds = 86400;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_ABSOLUTE_TIMEOUT);
	s.now = 4599;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_OK);
	/* and the policy shrinking ends it before expires_at. */
	p.session.absolute_timeout_seconds = 3000;
	s.now = 4000;
	s.last_seen_at = 3990;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_ABSOLUTE_TIMEOUT);
	CHECK_STR(idp_session_verdict_reason(IDP_SESSION_ABSOLUTE_TIMEOUT), "absolute_timeout");
}

TEST(session_verdict_order_ended_user_lock_time)
{
	struct idp_policy p = pol();
	struct idp_session_facts s = live(99999); /* timed out, too */

	s.ended = true;
	s.status = IDP_STATUS_SUSPENDED;
	s.locked = true;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_ENDED);
	CHECK(idp_session_verdict_reason(IDP_SESSION_ENDED) == NULL);
	s.ended = false;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_USER_INACTIVE);
	CHECK_STR(idp_session_verdict_reason(IDP_SESSION_USER_INACTIVE), "user_inactive");
	s.status = IDP_STATUS_ACTIVE;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_USER_LOCKED);
	CHECK_STR(idp_session_verdict_reason(IDP_SESSION_USER_LOCKED), "user_locked");
	s.locked = false;
	CHECK(idp_session_verdict(&s, &p) == IDP_SESSION_ABSOLUTE_TIMEOUT);
	CHECK(idp_session_verdict_reason(IDP_SESSION_OK) == NULL);
}

TEST(session_activity_is_written_every_five_seconds)
{
	CHECK(!idp_session_touch_due(1004, 1000));
	CHECK(idp_session_touch_due(1005, 1000));
}

TEST(password_expiry_boundary)
{
	struct idp_policy p = pol();

	CHECK(!idp_password_expired(&p, 0, 1000000000)); /* expiry_days 0: never */
	p.password.expiry_days = 90;
	CHECK(!idp_password_expired(&p, 1000, 1000 + 90 * 86400 - 1));
	CHECK(idp_password_expired(&p, 1000, 1000 + 90 * 86400));
}

TEST(concurrent_rule_per_mode)
{
	struct idp_policy p = pol();

	p.session.concurrent = IDP_CONCURRENT_ALLOW;
	CHECK(idp_concurrent_rule(&p, 0) == IDP_CONCURRENT_ADMIT);
	CHECK(idp_concurrent_rule(&p, 5) == IDP_CONCURRENT_ADMIT);
	p.session.concurrent = IDP_CONCURRENT_DENY_NEW;
	CHECK(idp_concurrent_rule(&p, 0) == IDP_CONCURRENT_ADMIT);
	CHECK(idp_concurrent_rule(&p, 1) == IDP_CONCURRENT_REFUSE);
	p.session.concurrent = IDP_CONCURRENT_END_OLD;
	CHECK(idp_concurrent_rule(&p, 0) == IDP_CONCURRENT_END_OTHERS);
	CHECK(idp_concurrent_rule(&p, 3) == IDP_CONCURRENT_END_OTHERS);
}

TEST(lock_runs_out_only_with_unlock_after)
{
	struct idp_policy p = pol();

	p.lockout.unlock_after_seconds = 0; /* only an administrator unlocks */
	CHECK(!idp_lock_expired(&p, 1000, 1000000));
	CHECK(idp_lock_holds(&p, 1000, 1000000));
	p.lockout.unlock_after_seconds = 300;
	CHECK(!idp_lock_expired(&p, 1000, 1299));
	CHECK(idp_lock_holds(&p, 1000, 1299));
	CHECK(idp_lock_expired(&p, 1000, 1300));
	CHECK(!idp_lock_holds(&p, 1000, 1300));
	CHECK(!idp_lock_expired(&p, 0, 1300)); /* not locked */
	CHECK(!idp_lock_holds(&p, 0, 1300));
}

static struct idp_login_facts good(void)
{
	return (struct idp_login_facts){.well_formed = true,
	                                .found = true,
	                                .has_password = true,
	                                .password_ok = true,
	                                .status = IDP_STATUS_ACTIVE};
}

TEST(login_succeeds_only_when_everything_holds)
{
	struct idp_login_facts f = good();
	bool counts = true;

	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_OK && !counts);
	CHECK(idp_login_refusal_reason(IDP_LOGIN_OK, IDP_STATUS_ACTIVE) == NULL);
}

TEST(login_refusals_in_order_and_only_a_wrong_password_counts)
{
	struct idp_login_facts f = good();
	bool counts;

	f.password_ok = false;
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_BAD_PASSWORD && counts);
	CHECK_STR(idp_login_refusal_reason(IDP_LOGIN_BAD_PASSWORD, f.status), "bad_password");
	f.hash_changed = true; /* verified against a replaced hash: no guess */
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_CREDENTIAL_CHANGED && !counts);
	f.has_password = false;
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_NO_PASSWORD && !counts);
	f.status = IDP_STATUS_INVITED; /* an invited user has no password: "invited" */
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_NOT_ACTIVE && !counts);
	CHECK_STR(idp_login_refusal_reason(IDP_LOGIN_NOT_ACTIVE, f.status), "invited");
	f.status = IDP_STATUS_SUSPENDED;
	CHECK_STR(idp_login_refusal_reason(idp_login_decide(&f, &counts), f.status), "suspended");
	f.locked = true; /* a lock is named before the status */
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_LOCKED && !counts);
	CHECK_STR(idp_login_refusal_reason(IDP_LOGIN_LOCKED, f.status), "locked");
	f.found = false;
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_UNKNOWN_USER && !counts);
	CHECK_STR(idp_login_refusal_reason(IDP_LOGIN_UNKNOWN_USER, f.status), "unknown_user");
	f.well_formed = false;
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_MALFORMED && !counts);
	CHECK_STR(idp_login_refusal_reason(IDP_LOGIN_MALFORMED, f.status), "malformed");
}

TEST(a_locked_account_with_the_right_password_is_refused_uncounted)
{
	struct idp_login_facts f = good();
	bool counts = true;

	f.locked = true;
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_LOCKED && !counts);
	f.password_ok = false; /* wrong password on a locked account: not counted again */
	CHECK(idp_login_decide(&f, &counts) == IDP_LOGIN_LOCKED && !counts);
}

TEST(last_active_admin_is_kept)
{
	CHECK(idp_last_admin(IDP_ROLE_ADMIN, IDP_STATUS_ACTIVE, 1));
	CHECK(idp_last_admin(IDP_ROLE_ADMIN, IDP_STATUS_ACTIVE, 0));
	CHECK(!idp_last_admin(IDP_ROLE_ADMIN, IDP_STATUS_ACTIVE, 2));
	CHECK(!idp_last_admin(IDP_ROLE_USER, IDP_STATUS_ACTIVE, 1));
	CHECK(!idp_last_admin(IDP_ROLE_ADMIN, IDP_STATUS_SUSPENDED, 1));
	CHECK(!idp_last_admin(IDP_ROLE_ADMIN, IDP_STATUS_INVITED, 1));
}

TEST(role_and_status_have_one_parser_and_one_printer)
{
	enum idp_role r;
	enum idp_user_status s;

	CHECK(idp_role_parse("admin", &r) && r == IDP_ROLE_ADMIN);
	CHECK(idp_role_parse("user", &r) && r == IDP_ROLE_USER);
	CHECK(!idp_role_parse("Admin", &r) && !idp_role_parse("", &r) && !idp_role_parse(NULL, &r));
	CHECK(!idp_role_parse("admin ", &r));
	CHECK_STR(idp_role_name(IDP_ROLE_ADMIN), "admin");
	CHECK_STR(idp_role_name(IDP_ROLE_USER), "user");
	CHECK(idp_status_parse("invited", &s) && s == IDP_STATUS_INVITED);
	CHECK(idp_status_parse("active", &s) && s == IDP_STATUS_ACTIVE);
	CHECK(idp_status_parse("suspended", &s) && s == IDP_STATUS_SUSPENDED);
	CHECK(!idp_status_parse("locked", &s)); /* derived, never stored */
	for (int i = IDP_STATUS_INVITED; i <= IDP_STATUS_SUSPENDED; i++)
		CHECK(idp_status_parse(idp_status_name((enum idp_user_status)i), &s) &&
		      (int)s == i);
}

TEST(mfa_required_by_policy_and_role)
{
	struct idp_policy p;

	idp_policy_default(&p);
	CHECK(!idp_mfa_required(&p, IDP_ROLE_ADMIN) && !idp_mfa_required(&p, IDP_ROLE_USER));
	p.mfa.require = IDP_MFA_ADMINS;
	CHECK(idp_mfa_required(&p, IDP_ROLE_ADMIN) && !idp_mfa_required(&p, IDP_ROLE_USER));
	p.mfa.require = IDP_MFA_ALL;
	CHECK(idp_mfa_required(&p, IDP_ROLE_ADMIN) && idp_mfa_required(&p, IDP_ROLE_USER));
}

TEST(login_next_step_fails_closed)
{
	struct idp_policy p;
	struct idp_step_facts f = {.role = IDP_ROLE_USER};

	idp_policy_default(&p);
	/* Nothing required, nothing enrolled: the password is enough. */
	CHECK(idp_login_next(&p, &f) == IDP_STEP_DONE);
	/* An enrolled user always gives a code, whatever the policy. */
	f.totp_enrolled = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_TOTP);
	f.second_factor_ok = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_DONE);
	/* Required and not enrolled: enrol before anything else. */
	f = (struct idp_step_facts){.role = IDP_ROLE_ADMIN};
	p.mfa.require = IDP_MFA_ADMINS;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_ENROLL);
	f.role = IDP_ROLE_USER;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_DONE);
	p.mfa.require = IDP_MFA_ALL;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_ENROLL);
	f.totp_enrolled = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_TOTP);
	/* A proven second factor finishes the login, enrolled or just enrolled. */
	f.second_factor_ok = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_DONE);
	/* A forced password change comes after the second factor, never before. */
	f.password_change = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_PASSWORD);
	f.second_factor_ok = false;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_TOTP);
	f = (struct idp_step_facts){.role = IDP_ROLE_USER, .password_change = true};
	p.mfa.require = IDP_MFA_OFF;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_PASSWORD);
	/* A user whose factor is a bound certificate, without it, is refused:
	 * never sent to enrol another factor with the password alone. */
	f = (struct idp_step_facts){.role = IDP_ROLE_USER, .cert_bound = true};
	p.mfa.require = IDP_MFA_ALL;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_CERT);
	p.mfa.require = IDP_MFA_OFF;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_CERT);
	f.second_factor_ok = true;
	CHECK(idp_login_next(&p, &f) == IDP_STEP_DONE);
	f = (struct idp_step_facts){
	    .role = IDP_ROLE_USER, .cert_bound = true, .totp_enrolled = true};
	CHECK(idp_login_next(&p, &f) == IDP_STEP_TOTP);
}

int main(void)
{
	RUN(session_stands_until_idle_timeout);
	RUN(session_ends_at_absolute_timeout_or_expiry);
	RUN(session_verdict_order_ended_user_lock_time);
	RUN(session_activity_is_written_every_five_seconds);
	RUN(password_expiry_boundary);
	RUN(concurrent_rule_per_mode);
	RUN(lock_runs_out_only_with_unlock_after);
	RUN(login_succeeds_only_when_everything_holds);
	RUN(login_refusals_in_order_and_only_a_wrong_password_counts);
	RUN(a_locked_account_with_the_right_password_is_refused_uncounted);
	RUN(last_active_admin_is_kept);
	RUN(role_and_status_have_one_parser_and_one_printer);
	RUN(mfa_required_by_policy_and_role);
	RUN(login_next_step_fails_closed);
	return check_summary();
}
