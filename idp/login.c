/*
 * Password login, one transaction: the user is read without a lock, the
 * password verified (Argon2id, or a dummy hash of the same cost for an
 * unknown user, so the answer's timing tells nothing) while no row is
 * locked, and then every decision is made on the user's row as it is under
 * lock: failures that arrived while we were hashing may have locked or
 * suspended the account, and a password changed meanwhile voids the
 * verification.  The decision itself is idp_login_decide (idp/rules.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "idp/clientcert.h"
#include "idp/internal.h"
#include "idp/metrics.h"
#include "idp/rules.h"
#include "idp/throttle.h"
#include "store/mfa.h"
#include "store/user.h"

/* What the first, unlocked look at the user found. */
/* What the first, unlocked look at the user found. */
struct login_user {
	bool found;
	struct store_user row;
};

struct login_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev; /* the browser's live session, or NULL */
	const char *continuation;       /* where the login goes afterwards, or NULL */
	const char *password;
	char email[IDP_EMAIL_MAX + 1]; /* lower-cased, or "(invalid)" */
	struct login_user *u;
	bool well_formed;
	bool password_ok;
	char new_hash[IDP_PHC_MAX]; /* rehash on success, or "" */
	int64_t now;
	struct idp_login *out;
	enum idp_err result;
	bool locked; /* refused because the account is locked */
};

/* Audit a refusal and count it when it counts (the caller's transaction). */
static enum idp_err refuse(struct store_conn *c, struct login_args *a,
                           const struct idp_actor *actor, enum idp_login_refusal why, bool counts,
                           enum idp_user_status status)
{
	const char *reason = idp_login_refusal_reason(why, status);

	a->locked = why == IDP_LOGIN_LOCKED;
	return idp_login_failed(c, a->t, actor, counts ? a->u->row.id : 0, actor->email, reason);
}

/* Read the user (no lock) and verify the password against the hash read,
 * spending one Argon2id verification whatever is found; prepare a rehash
 * when the parameters changed. */
static enum idp_err look_and_verify(struct store_conn *c, struct login_args *a)
{
	const struct idp_argon2_params *params = &idp_rt.cfg->argon2;
	enum idp_err err;

	memset(a->u, 0, sizeof *a->u);
	idp_wipe(a->new_hash, sizeof a->new_hash);
	a->password_ok = false;
	if (a->well_formed) {
		err = store_user_by_email(c, a->email, false, &a->u->row);
		if (err && err != IDP_ERR_NOT_FOUND)
			return err;
		a->u->found = !err;
	}
	idp_copy(a->u->row.email, sizeof a->u->row.email, a->email);
	if (a->u->found && a->u->row.hash[0])
		a->password_ok = idp_password_verify(a->password, a->u->row.hash) == IDP_OK;
	else
		idp_password_verify_dummy(a->password, params);
	if (a->password_ok && idp_password_needs_rehash(a->u->row.hash, params) &&
	    idp_password_hash(a->password, params, a->new_hash) != IDP_OK)
		a->new_hash[0] = 0;
	return IDP_OK;
}

static enum idp_err login_tx(struct store_conn *c, void *arg)
{
	struct login_args *a = arg;
	const struct idp_policy *pol = &a->t->policy;
	struct store_user cur = {0}; /* the row as it is now, locked */
	struct idp_login_facts f;
	struct idp_actor actor;
	enum idp_login_refusal why;
	struct idp_proven proven = {.first = "password"};
	enum idp_role role = IDP_ROLE_USER;
	bool counts;
	enum idp_err err;

	a->result = IDP_ERR_AUTH;
	a->locked = false;
	/* The hash is verified inside the transaction but before any lock. */
	err = look_and_verify(c, a);
	if (err)
		return err;
	f = (struct idp_login_facts){.well_formed = a->well_formed, .found = a->u->found};
	idp_actor_set(&actor, a->u->found ? a->u->row.id : 0, a->u->row.email,
	              a->u->found ? a->u->row.role : "", a->ri);
	if (f.found) {
		err = store_user_by_email(c, a->u->row.email, true, &cur);
		if (err && err != IDP_ERR_NOT_FOUND)
			return err;
		f.found = !err && cur.id == a->u->row.id; /* else deleted meanwhile */
	}
	if (f.found) {
		idp_copy(actor.role, sizeof actor.role, cur.role);
		if (idp_lock_expired(pol, cur.locked_at, a->now)) {
			/* The lock has run out: the account starts again from zero. */
			err = store_user_unlock(c, cur.id);
			if (!err)
				err = idp_audit_write(c, a->t->id, &actor, "user.unlocked",
				                      cur.email, "success", "{\"by\":\"timeout\"}");
			if (err)
				return err;
			cur.locked_at = 0;
		}
		f.locked = cur.locked_at != 0;
		if (!idp_status_parse(cur.status, &f.status))
			f.status = IDP_STATUS_SUSPENDED;
		f.has_password = a->u->row.hash[0] != 0;
		f.password_ok = a->password_ok;
		/* Verified against the hash read first: void if it changed (and a
		 * rehash would write the old password back). */
		f.hash_changed = strcmp(cur.hash, a->u->row.hash) != 0;
	}
	why = idp_login_decide(&f, &counts);
	if (why != IDP_LOGIN_OK)
		return refuse(c, a, &actor, why, counts, f.status);
	/* Administrators are held to both address lists.  Checked only now, for
	 * a usable account and the right password, so a refused address learns
	 * nothing more than any failed login would. */
	if (idp_role_is(cur.role, IDP_ROLE_ADMIN) && pol->ip.n_admin_allow &&
	    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow, &a->ri->addr)) {
		a->result = IDP_ERR_ADDRESS;
		return idp_audit_write(c, a->t->id, &actor, "access.denied_ip", cur.email,
		                       "failure", "{\"list\":\"admin_allow\"}");
	}
	if (a->new_hash[0]) {
		err = store_user_rehash(c, cur.id, a->new_hash);
		if (err)
			return err;
	}
	proven.rehashed = a->new_hash[0] != 0;
	proven.continuation = a->continuation;
	proven.password_change =
	    cur.must_change || idp_password_expired(pol, cur.changed_at, a->now);
	/* A valid certificate bound to this user is the second factor. */
	if (pol->mfa.client_cert == IDP_CERT_FACTOR && idp_cert_bound_to(c, a->ri, cur.id))
		proven.second = "cert";
	/* A user with one bound who does not present it is refused. */
	proven.cert_bound = pol->mfa.client_cert == IDP_CERT_FACTOR && cur.cert;
	idp_role_parse(cur.role, &role);
	err = idp_login_proceed(c, a->t, &actor, role, &proven, a->prev, a->ri, a->out);
	if (err == IDP_ERR_CONFLICT) {
		a->result = IDP_ERR_CONFLICT;
		return idp_audit_write(c, a->t->id, &actor, "login.failure", cur.email, "failure",
		                       "{\"reason\":\"concurrent_session\"}");
	}
	if (err)
		return err;
	if (a->out->step == IDP_STEP_CERT) /* looks like any refusal; not counted */
		return idp_audit_write(c, a->t->id, &actor, "login.failure", cur.email, "failure",
		                       "{\"reason\":\"certificate_missing\"}");
	a->result = IDP_OK;
	return IDP_OK;
}

/* The login's result as sekisho_logins_total counts it. */
static enum idp_mlogin login_metric(enum idp_err err, const struct idp_login *out, bool locked)
{
	switch (err) {
	case IDP_OK:
		return out->step == IDP_STEP_DONE       ? IDP_ML_SUCCESS
		       : out->step == IDP_STEP_PASSWORD ? IDP_ML_PASSWORD_CHANGE
		       : out->step == IDP_STEP_CERT     ? IDP_ML_FAILURE
		                                        : IDP_ML_MFA_REQUIRED;
	case IDP_ERR_AUTH: return locked ? IDP_ML_LOCKED : IDP_ML_FAILURE;
	case IDP_ERR_RATE: return IDP_ML_RATE_LIMITED;
	case IDP_ERR_ADDRESS: return IDP_ML_IP_DENIED;
	case IDP_ERR_CONFLICT: return IDP_ML_CONCURRENT;
	default: return IDP_ML_ERROR;
	}
}

static enum idp_err login_password(const struct idp_tenant *t, const char *email,
                                   const char *password, const struct idp_reqinfo *ri,
                                   const struct idp_session *prev, const char *continuation,
                                   struct idp_login *out, bool *locked)
{
	struct login_user u;
	struct login_args a = {
	    .t = t, .ri = ri, .prev = prev, .continuation = continuation, .u = &u, .out = out};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	a.now = time(NULL);
	if (idp_throttle_blocked(&ri->addr, a.now))
		return IDP_ERR_RATE;
	if (t->policy.ip.n_allow &&
	    !idp_cidr_list_contains(t->policy.ip.allow, t->policy.ip.n_allow, &ri->addr)) {
		idp_access_denied_ip(t, ri, "", "login");
		return IDP_ERR_ADDRESS;
	}
	a.password = password ? password : "";
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	a.well_formed = idp_email_valid(a.email) && strlen(a.password) <= IDP_PASSWORD_MAX;
	if (!a.well_formed && !idp_utf8_valid(a.email, strlen(a.email)))
		idp_copy(a.email, sizeof a.email, "(invalid)");
	err = idp_tx(t->id, login_tx, &a);
	idp_wipe(a.new_hash, sizeof a.new_hash);
	idp_wipe(u.row.hash, sizeof u.row.hash);
	if (err)
		return err;
	if (a.result == IDP_ERR_AUTH)
		idp_throttle_fail(&ri->addr, a.now);
	*locked = a.locked;
	return a.result;
}

enum idp_err idp_login_password(const struct idp_tenant *t, const char *email, const char *password,
                                const struct idp_reqinfo *ri, const struct idp_session *prev,
                                const char *continuation, struct idp_login *out)
{
	bool locked = false;
	enum idp_err err = login_password(t, email, password, ri, prev, continuation, out, &locked);

	idp_metrics_count(IDP_MF_LOGIN, login_metric(err, out, locked), t);
	return err;
}

enum idp_err idp_login_failed(struct store_conn *c, const struct idp_tenant *t,
                              const struct idp_actor *actor, int64_t user_id, const char *email,
                              const char *reason)
{
	char detail[96];
	bool locked = false;
	enum idp_err err;

	if (user_id > 0) {
		err = store_user_login_fail(c, user_id, t->policy.lockout.max_failures, &locked);
		if (err)
			return err;
	}
	snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", reason);
	err = idp_audit_write(c, t->id, actor, "login.failure", email, "failure", detail);
	if (!err && locked)
		err = idp_audit_write(c, t->id, actor, "login.locked", email, "failure", NULL);
	/* A lock ends the sign-ins on their way too. */
	if (!err && locked)
		err = store_flow_end_user(c, user_id);
	return err;
}
