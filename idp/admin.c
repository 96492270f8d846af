/*
 * Tenant administration and users' own passwords: the policy document,
 * the user lifecycle (suspend, resume, unlock, delete, forced logout,
 * temporary password), and password change and reset with the history rule.
 * Hashing and history checks run before the transaction that writes.
 */
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/idp.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "idp/password.h"
#include "idp/throttle.h"
#include "store/db.h"
#include "store/queries.h"

/* Password history kept per user, whatever the policy says today, so raising
 * policy.password.history takes effect at once. */
#define HISTORY_KEEP 24

/* A user row locked for change. */
struct target {
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	char role[16];
	char status[16];
	bool locked;
	char hash[IDP_PHC_MAX];
};

static enum idp_err target_lock(struct store_conn *c, const char *email, struct target *u)
{
	struct store_res *r = NULL;
	char lower[IDP_EMAIL_MAX + 1];
	enum idp_err err;

	if (!email || strlen(email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	idp_copy(lower, sizeof lower, email);
	idp_ascii_lower(lower);
	const char *p[1] = {lower};
	err = store_exec(c, STMT_USER_LOCK_BY_EMAIL, 1, p, &r);
	if (err)
		return err;
	if (store_res_rows(r) != 1) {
		store_res_free(r);
		return IDP_ERR_NOT_FOUND;
	}
	u->id = store_res_i64(r, 0, USER_ID);
	idp_copy(u->email, sizeof u->email, store_res_str(r, 0, USER_EMAIL));
	idp_copy(u->role, sizeof u->role, store_res_str(r, 0, USER_ROLE));
	idp_copy(u->status, sizeof u->status, store_res_str(r, 0, USER_STATUS));
	idp_copy(u->hash, sizeof u->hash, store_res_str(r, 0, USER_HASH));
	u->locked = store_res_i64(r, 0, USER_LOCKED_EPOCH) != 0;
	store_res_free(r);
	return IDP_OK;
}

/* Lock user_id's row and confirm that its password hash is still expected:
 * the hash a decision made before the transaction (a verified current
 * password, the history and reuse checks) was taken against.  Password
 * history changes only with the hash, so an unchanged hash means those
 * decisions still hold.  IDP_ERR_NOT_FOUND when the user is gone,
 * IDP_ERR_CONFLICT when the hash changed meanwhile (nothing written). */
static enum idp_err lock_unchanged(struct store_conn *c, int64_t user_id, const char *expected,
                                   struct target *u)
{
	struct store_res *r = NULL;
	char uid[24];
	enum idp_err err;

	I64(uid, user_id);
	const char *p[1] = {uid};
	err = store_exec(c, STMT_USER_LOCK_BY_ID, 1, p, &r);
	if (err)
		goto out;
	if (store_res_rows(r) != 1) {
		err = IDP_ERR_NOT_FOUND;
		goto out;
	}
	if (strcmp(store_res_str(r, 0, USER_HASH), expected) != 0) {
		err = IDP_ERR_CONFLICT;
		goto out;
	}
	u->id = user_id;
	idp_copy(u->email, sizeof u->email, store_res_str(r, 0, USER_EMAIL));
	idp_copy(u->role, sizeof u->role, store_res_str(r, 0, USER_ROLE));
	idp_copy(u->status, sizeof u->status, store_res_str(r, 0, USER_STATUS));
	idp_copy(u->hash, sizeof u->hash, store_res_str(r, 0, USER_HASH));
	u->locked = store_res_i64(r, 0, USER_LOCKED_EPOCH) != 0;
out:
	store_res_free(r);
	return err;
}

/* Refuse to take away the tenant's last active administrator. */
static enum idp_err keep_last_admin(struct store_conn *c, const struct target *u)
{
	struct store_res *r = NULL;
	enum idp_err err;
	long n;

	if (strcmp(u->role, "admin") != 0 || strcmp(u->status, "active") != 0)
		return IDP_OK;
	err = store_exec(c, STMT_USER_COUNT_ACTIVE_ADMINS, 0, NULL, &r);
	if (err)
		return err;
	n = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	return n <= 1 ? IDP_ERR_CONFLICT : IDP_OK;
}

static enum idp_err end_sessions(struct store_conn *c, int64_t user_id, const char *reason,
                                 long *ended)
{
	struct store_res *r = NULL;
	char uid[24];
	enum idp_err err;

	I64(uid, user_id);
	const char *p[2] = {uid, reason};
	err = store_exec(c, STMT_SESSION_END_USER, 2, p, &r);
	if (!err && ended)
		*ended = store_res_affected(r);
	store_res_free(r);
	return err;
}

/* ---- the user lifecycle --------------------------------------------------- */

enum lifecycle { LC_SUSPEND, LC_RESUME, LC_UNLOCK, LC_DELETE, LC_LOGOUT };

struct lifecycle_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *email;
	enum lifecycle op;
};

static enum idp_err lifecycle_tx(struct store_conn *c, void *arg)
{
	struct lifecycle_args *a = arg;
	struct target u;
	char uid[24], detail[64] = "{}";
	const char *action = NULL;
	enum idp_err err;
	long ended = 0;

	/* Suspend and delete check "not the last active administrator": take the
	 * tenant row first so two such changes cannot both see two admins. */
	if (a->op == LC_SUSPEND || a->op == LC_DELETE) {
		char tid[24];
		struct store_res *r = NULL;
		I64(tid, a->t->id);
		const char *p[1] = {tid};
		if ((err = store_exec(c, STMT_TENANT_POLICY_LOCK, 1, p, &r)))
			return err;
		store_res_free(r);
	}
	err = target_lock(c, a->email, &u);
	if (err)
		return err;
	I64(uid, u.id);
	switch (a->op) {
	case LC_SUSPEND: {
		if (strcmp(u.status, "active") != 0)
			return IDP_ERR_CONFLICT;
		if ((err = keep_last_admin(c, &u)))
			return err;
		const char *p[2] = {uid, "suspended"};
		if ((err = store_exec(c, STMT_USER_SET_STATUS, 2, p, NULL)))
			return err;
		/* A suspended user's sessions end now, not at their next timeout. */
		if ((err = end_sessions(c, u.id, "suspended", &ended)))
			return err;
		action = "user.suspended";
		break;
	}
	case LC_RESUME: {
		if (strcmp(u.status, "suspended") != 0)
			return IDP_ERR_CONFLICT;
		const char *p[2] = {uid, "active"};
		if ((err = store_exec(c, STMT_USER_SET_STATUS, 2, p, NULL)))
			return err;
		action = "user.resumed";
		break;
	}
	case LC_UNLOCK: {
		const char *p[1] = {uid};
		if ((err = store_exec(c, STMT_USER_UNLOCK, 1, p, NULL)))
			return err;
		snprintf(detail, sizeof detail, "{\"was_locked\":%s}", u.locked ? "true" : "false");
		action = "user.unlocked";
		break;
	}
	case LC_DELETE: {
		if ((err = keep_last_admin(c, &u)))
			return err;
		const char *p[1] = {uid};
		if ((err = store_exec(c, STMT_USER_DELETE, 1, p, NULL)))
			return err;
		action = "user.deleted";
		break;
	}
	case LC_LOGOUT:
		if ((err = end_sessions(c, u.id, "forced_logout", &ended)))
			return err;
		snprintf(detail, sizeof detail, "{\"sessions\":%ld}", ended);
		action = "session.forced_logout";
		break;
	}
	return idp_audit_write(c, a->t->id, a->by, action, u.email, "success", detail);
}

static enum idp_err lifecycle(const struct idp_tenant *t, const struct idp_actor *by,
                              const char *email, enum lifecycle op)
{
	struct lifecycle_args a = {t, by, email, op};

	return idp_tx(t->id, lifecycle_tx, &a);
}

enum idp_err idp_user_suspend(const struct idp_tenant *t, const struct idp_actor *by,
                              const char *email)
{
	return lifecycle(t, by, email, LC_SUSPEND);
}

enum idp_err idp_user_resume(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email)
{
	return lifecycle(t, by, email, LC_RESUME);
}

enum idp_err idp_user_unlock(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email)
{
	return lifecycle(t, by, email, LC_UNLOCK);
}

enum idp_err idp_user_delete(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email)
{
	return lifecycle(t, by, email, LC_DELETE);
}

enum idp_err idp_user_force_logout(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email)
{
	return lifecycle(t, by, email, LC_LOGOUT);
}

/* ---- policy --------------------------------------------------------------- */

struct policy_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *json;
	size_t len;
	char *field;
	size_t fieldsz;
	struct idp_policy *out;
};

static enum idp_err policy_tx(struct store_conn *c, void *arg)
{
	struct policy_args *a = arg;
	struct store_res *r = NULL;
	struct idp_policy def, *before = NULL;
	char tid[24], *bjson = NULL, *ajson = NULL, *detail = NULL;
	enum idp_err err;

	I64(tid, a->t->id);
	const char *p[1] = {tid};
	/* Merge over the stored document under a row lock: two administrators
	 * saving at once cannot undo each other's other fields. */
	err = store_exec(c, STMT_TENANT_POLICY_LOCK, 1, p, &r);
	if (err)
		goto out;
	before = malloc(sizeof *before);
	if (!before) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	idp_policy_default(&def);
	const char *stored = store_res_rows(r) == 1 ? store_res_str(r, 0, 0) : "{}";
	err = idp_policy_parse(stored, strlen(stored), &def, before, a->field, a->fieldsz);
	if (err) {
		idp_error("tenant %s: stored policy unreadable", a->t->slug);
		err = IDP_ERR_DB;
		goto out;
	}
	err = idp_policy_parse(a->json, a->len, before, a->out, a->field, a->fieldsz);
	if (err)
		goto out;
	bjson = idp_policy_to_json(before);
	ajson = idp_policy_to_json(a->out);
	if (!bjson || !ajson) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	const char *q[2] = {tid, ajson};
	err = store_exec(c, STMT_TENANT_POLICY_SET, 2, q, NULL);
	if (err)
		goto out;
	size_t dl = strlen(bjson) + strlen(ajson) + 32;
	detail = malloc(dl);
	if (!detail) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	snprintf(detail, dl, "{\"before\":%s,\"after\":%s}", bjson, ajson);
	err = idp_audit_write(c, a->t->id, a->by, "policy.updated", a->t->slug, "success", detail);
out:
	free(detail);
	free(bjson);
	free(ajson);
	free(before);
	store_res_free(r);
	return err;
}

enum idp_err idp_policy_update(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *json, size_t len, char *field, size_t fieldsz,
                               struct idp_policy *out)
{
	struct policy_args a = {t, by, json, len, field, fieldsz, NULL};
	enum idp_err err;

	if (fieldsz)
		field[0] = 0;
	a.out = malloc(sizeof *a.out);
	if (!a.out)
		return IDP_ERR_NOMEM;
	err = idp_tx(t->id, policy_tx, &a);
	if (!err && out)
		*out = *a.out;
	free(a.out);
	return err;
}

/* ---- setting passwords ---------------------------------------------------- */

/* Check password against the static rules, the confirmation and the last
 * policy.password.history passwords (and always the current one).  Returns
 * the failed rules; *err is set when the history could not be read. */
static unsigned check_new_password(const struct idp_tenant *t, int64_t user_id, const char *email,
                                   const char *current_hash, const char *password,
                                   const char *password2, enum idp_err *err)
{
	unsigned rules;

	*err = IDP_OK;
	if (!password || strlen(password) > IDP_PASSWORD_MAX)
		return IDP_PW_TOO_LONG;
	rules = idp_password_check(password, email, &t->policy);
	if (password2 && strcmp(password, password2) != 0)
		rules |= IDP_PW_MISMATCH;
	if (rules)
		return rules;
	if (current_hash && current_hash[0] &&
	    idp_password_verify(password, current_hash) == IDP_OK)
		return IDP_PW_REUSED;
	if (t->policy.password.history <= 0)
		return 0;
	struct store_conn *c = store_conn_get();
	struct store_res *r = NULL;
	char uid[24], n[24];
	if (!c) {
		*err = IDP_ERR_DB;
		return 0;
	}
	I64(uid, user_id);
	I64(n, t->policy.password.history);
	const char *p[2] = {uid, n};
	if ((*err = store_begin(c, t->id)))
		return 0;
	*err = store_exec(c, STMT_HISTORY_RECENT, 2, p, &r);
	store_rollback(c);
	if (*err)
		return 0;
	/* History holds hashes, so "same password" means "verifies" (Argon2id). */
	for (int i = 0; i < store_res_rows(r) && !rules; i++)
		if (idp_password_verify(password, store_res_str(r, i, 0)) == IDP_OK)
			rules |= IDP_PW_REUSED;
	store_res_free(r);
	return rules;
}

/* Store a new hash and its history entry; clear or set the forced change. */
static enum idp_err store_password(struct store_conn *c, const struct idp_tenant *t,
                                   int64_t user_id, const char *phc, bool must_change)
{
	char tid[24], uid[24], keep[24];
	enum idp_err err;

	I64(tid, t->id);
	I64(uid, user_id);
	I64(keep, HISTORY_KEEP);
	const char *p[3] = {uid, phc, must_change ? "true" : "false"};
	if ((err = store_exec(c, STMT_USER_SET_HASH, 3, p, NULL)))
		return err;
	const char *h[3] = {tid, uid, phc};
	if ((err = store_exec(c, STMT_HISTORY_INSERT, 3, h, NULL)))
		return err;
	const char *k[2] = {uid, keep};
	if ((err = store_exec(c, STMT_HISTORY_PRUNE, 2, k, NULL)))
		return err;
	const char *x[1] = {uid};
	/* Outstanding reset links die with the old password. */
	return store_exec(c, STMT_RESET_INVALIDATE_USER, 1, x, NULL);
}

/* Read a user by e-mail outside any change (for checks before hashing). */
struct peek_args {
	const char *email;
	struct target *u;
};

static enum idp_err peek_tx(struct store_conn *c, void *arg)
{
	struct peek_args *a = arg;

	return target_lock(c, a->email, a->u);
}

static enum idp_err peek(const struct idp_tenant *t, const char *email, struct target *u)
{
	struct peek_args a = {email, u};

	return idp_tx(t->id, peek_tx, &a);
}

struct setpw_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t user_id;
	const char *phc;
	const char *checked_hash; /* the hash the history check was made under */
};

static enum idp_err setpw_tx(struct store_conn *c, void *arg)
{
	struct setpw_args *a = arg;
	struct target u;
	bool must = a->t->policy.password.change_at_first_login;
	enum idp_err err;
	char detail[64];

	err = lock_unchanged(c, a->user_id, a->checked_hash, &u);
	if (err)
		return err;
	if (strcmp(u.status, "active") != 0)
		return IDP_ERR_CONFLICT;
	if ((err = store_password(c, a->t, u.id, a->phc, must)))
		return err;
	if ((err = end_sessions(c, u.id, "password_set", NULL)))
		return err;
	snprintf(detail, sizeof detail, "{\"change_at_first_login\":%s}", must ? "true" : "false");
	return idp_audit_write(c, a->t->id, a->by, "user.password_set", u.email, "success", detail);
}

enum idp_err idp_user_set_password(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email, const char *password, unsigned *rules)
{
	struct target u;
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	err = peek(t, email, &u);
	if (err)
		return err;
	if (strcmp(u.status, "active") != 0)
		return IDP_ERR_CONFLICT;
	*rules = check_new_password(t, u.id, u.email, NULL, password, NULL, &err);
	if (err)
		return err;
	if (*rules)
		return IDP_ERR_POLICY;
	struct setpw_args a = {t, by, u.id, phc, u.hash};
	return idp_tx_with_hash(t->id, password, phc, setpw_tx, &a);
}

/* ---- the user's own password ---------------------------------------------- */

struct change_args {
	const struct idp_tenant *t;
	const struct idp_session *s;
	const struct idp_reqinfo *ri;
	const char *verified_hash; /* the hash the current password was checked against */
	const char *phc;           /* NULL: record a wrong current password */
};

/* Decide under the user's row lock, on the rows as they are now: the
 * session must still be open (another change may have ended it while this
 * one was hashing) and the hash must be the one the current password was
 * checked against.  Otherwise nothing is written. */
static enum idp_err change_tx(struct store_conn *c, void *arg)
{
	struct change_args *a = arg;
	struct store_res *r = NULL;
	struct idp_actor actor;
	struct target u;
	char uid[24], sid[24];
	enum idp_err err;

	err = lock_unchanged(c, a->s->user_id, a->verified_hash, &u);
	if (err == IDP_ERR_NOT_FOUND)
		return IDP_ERR_EXPIRED;
	if (err)
		return err;
	I64(sid, a->s->id);
	const char *ps[1] = {sid};
	if ((err = store_exec(c, STMT_SESSION_LOCK_OPEN, 1, ps, &r)))
		return err;
	bool open = store_res_rows(r) == 1;
	store_res_free(r);
	if (!open)
		return IDP_ERR_EXPIRED;
	idp_actor_set(&actor, a->s->user_id, a->s->email, a->s->role, a->ri);
	I64(uid, a->s->user_id);
	if (!a->phc) /* a wrong current password counts toward the lockout like a login */
		return idp_login_failed(c, a->t, &actor, a->s->user_id, a->s->email,
		                        "bad_current_password");
	if ((err = store_password(c, a->t, a->s->user_id, a->phc, false)))
		return err;
	const char *q[3] = {uid, sid, "password_changed"};
	if ((err = store_exec(c, STMT_SESSION_END_OTHERS, 3, q, NULL)))
		return err;
	return idp_audit_write(c, a->t->id, &actor, "password.changed", a->s->email, "success",
	                       a->s->password_expired       ? "{\"reason\":\"expired\"}"
	                       : a->s->must_change_password ? "{\"reason\":\"first_login\"}"
	                                                    : "{}");
}

enum idp_err idp_password_change(const struct idp_tenant *t, const struct idp_session *s,
                                 const char *current, const char *password, const char *password2,
                                 const struct idp_reqinfo *ri, unsigned *rules)
{
	struct change_args a = {t, s, ri, NULL, NULL};
	struct target u;
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	err = peek(t, s->email, &u);
	if (!err && u.id != s->user_id)
		err = IDP_ERR_NOT_FOUND;
	if (err)
		return err == IDP_ERR_NOT_FOUND ? IDP_ERR_AUTH : err;
	a.verified_hash = u.hash;
	if (!current || strlen(current) > IDP_PASSWORD_MAX ||
	    idp_password_verify(current, u.hash) != IDP_OK) {
		err = idp_tx(t->id, change_tx, &a);
		if (err)
			return err; /* the session ended or the password changed meanwhile */
		idp_throttle_fail(&ri->addr, time(NULL));
		return IDP_ERR_AUTH;
	}
	*rules = check_new_password(t, u.id, u.email, u.hash, password, password2, &err);
	if (err)
		return err;
	if (*rules)
		return IDP_ERR_POLICY;
	a.phc = phc;
	return idp_tx_with_hash(t->id, password, phc, change_tx, &a);
}

/* ---- reset by e-mail ------------------------------------------------------- */

struct reset_req_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	char email[IDP_EMAIL_MAX + 1];
	char token[IDP_TOKEN_LEN + 1];
	bool send;
};

static enum idp_err reset_req_tx(struct store_conn *c, void *arg)
{
	struct reset_req_args *a = arg;
	struct idp_actor actor;
	struct target u;
	char tid[24], uid[24], exp[24], th[67];
	enum idp_err err;

	idp_actor_set(&actor, 0, a->email, "", a->ri);
	err = target_lock(c, a->email, &u);
	if (err && err != IDP_ERR_NOT_FOUND)
		return err;
	if (err || strcmp(u.status, "active") != 0) {
		/* Recorded for the administrator; the requester learns nothing. */
		return idp_audit_write(
		    c, a->t->id, &actor, "password.reset_requested", a->email, "failure",
		    err ? "{\"reason\":\"unknown_user\"}" : "{\"reason\":\"not_active\"}");
	}
	actor.user_id = u.id;
	idp_copy(actor.role, sizeof actor.role, u.role);
	I64(uid, u.id);
	/* One open link per account per five minutes: repeated requests must
	 * not flood the mailbox. */
	struct store_res *r = NULL;
	const char *q[1] = {uid};
	if ((err = store_exec(c, STMT_RESET_RECENT, 1, q, &r)))
		return err;
	long recent = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	if (recent > 0)
		return idp_audit_write(c, a->t->id, &actor, "password.reset_requested", a->email,
		                       "failure", "{\"reason\":\"too_soon\"}");
	if ((err = idp_token_new(a->token)))
		return err;
	idp_token_hash_param(a->token, th);
	I64(tid, a->t->id);
	I64(exp, time(NULL) + (int64_t)idp_rt.cfg->reset_ttl_minutes * 60);
	const char *p[4] = {tid, uid, th, exp};
	if ((err = store_exec(c, STMT_RESET_INSERT, 4, p, NULL)))
		return err;
	a->send = true;
	return idp_audit_write(c, a->t->id, &actor, "password.reset_requested", a->email, "success",
	                       NULL);
}

struct mail_job {
	char to[IDP_EMAIL_MAX + 1];
	char subject[300];
	char body[2048];
};

#define MAIL_THREADS_MAX 8
static atomic_int mail_threads;

static void *mail_thread(void *arg)
{
	struct mail_job *j = arg;

	if (idp_mail_send(j->to, j->subject, j->body) != IDP_OK)
		idp_warn("password reset mail to %s not sent", j->to);
	idp_wipe(j->body, sizeof j->body);
	free(j);
	atomic_fetch_sub(&mail_threads, 1);
	return NULL;
}

enum idp_err idp_reset_request(const struct idp_tenant *t, const char *email,
                               const struct idp_reqinfo *ri)
{
	struct reset_req_args a = {.t = t, .ri = ri};
	struct mail_job *j;
	enum idp_err err;
	pthread_t th;
	pthread_attr_t attr;

	/* Every request counts against the source address, like a failed login. */
	if (idp_throttle_blocked(&ri->addr, time(NULL)))
		return IDP_ERR_RATE;
	idp_throttle_fail(&ri->addr, time(NULL));
	if (!email || !idp_email_valid(email))
		return IDP_OK; /* same answer as for an unknown address */
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	err = idp_tx(t->id, reset_req_tx, &a);
	if (err || !a.send)
		goto out;
	j = calloc(1, sizeof *j);
	if (!j) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	idp_copy(j->to, sizeof j->to, a.email);
	snprintf(j->subject, sizeof j->subject, "パスワード再設定 / Password reset: %s", t->name);
	snprintf(
	    j->body, sizeof j->body,
	    "パスワード再設定のリクエストを受け付けました。次の URL から新しいパスワードを設定し"
	    "てください (%u 分間有効、1 回のみ)。\n"
	    "A password reset was requested for your account. Set a new password here (valid "
	    "for %u minutes, once):\n\n%s/t/%s/reset/%s\n\n"
	    "心当たりがない場合はこのメールを無視してください。\n"
	    "If you did not ask for this, ignore this message; your password stays as it is.\n",
	    idp_rt.cfg->reset_ttl_minutes, idp_rt.cfg->reset_ttl_minutes, idp_rt.cfg->public_url,
	    t->slug, a.token);
	/* Deliver in the background: the answer's timing must not depend on
	 * whether a mail is being sent (the address exists) or not. */
	atomic_fetch_add(&mail_threads, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* At most MAIL_THREADS_MAX at once; beyond that deliver right here. */
	if (atomic_load(&mail_threads) > MAIL_THREADS_MAX ||
	    pthread_create(&th, &attr, mail_thread, j))
		mail_thread(j);
	pthread_attr_destroy(&attr);
out:
	idp_wipe(a.token, sizeof a.token);
	return err;
}

/* Load and lock an open reset link; NOT_FOUND otherwise. */
static enum idp_err reset_load(struct store_conn *c, const char *token, int64_t *id,
                               int64_t *user_id)
{
	struct store_res *r = NULL;
	char th[67];
	enum idp_err err;

	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_NOT_FOUND;
	idp_token_hash_param(token, th);
	const char *p[1] = {th};
	err = store_exec(c, STMT_RESET_BY_HASH, 1, p, &r);
	if (err)
		return err;
	if (store_res_rows(r) != 1 || store_res_bool(r, 0, 2) || store_res_bool(r, 0, 3)) {
		store_res_free(r);
		return IDP_ERR_NOT_FOUND;
	}
	*id = store_res_i64(r, 0, 0);
	*user_id = store_res_i64(r, 0, 1);
	store_res_free(r);
	return IDP_OK;
}

struct reset_args {
	const struct idp_tenant *t;
	const char *token;
	const struct idp_reqinfo *ri;
	const char *phc; /* NULL: only look */
	int64_t user_id;
	char email[IDP_EMAIL_MAX + 1];
	char hash[IDP_PHC_MAX];
};

static enum idp_err reset_tx(struct store_conn *c, void *arg)
{
	struct reset_args *a = arg;
	struct store_res *r = NULL;
	struct idp_actor actor;
	int64_t id, user_id;
	char uid[24], rid[24];
	enum idp_err err;

	if ((err = reset_load(c, a->token, &id, &user_id)))
		return err;
	I64(uid, user_id);
	const char *p[1] = {uid};
	if ((err = store_exec(c, STMT_USER_LOCK_BY_ID, 1, p, &r)))
		return err;
	if (store_res_rows(r) != 1 || strcmp(store_res_str(r, 0, USER_STATUS), "active") != 0) {
		store_res_free(r);
		return IDP_ERR_NOT_FOUND;
	}
	/* Completing: the reuse and history checks were made against the hash
	 * the first look read; they hold only while it is still the user's. */
	if (a->phc && (user_id != a->user_id || strcmp(store_res_str(r, 0, USER_HASH), a->hash))) {
		store_res_free(r);
		return IDP_ERR_CONFLICT;
	}
	a->user_id = user_id;
	idp_copy(a->email, sizeof a->email, store_res_str(r, 0, USER_EMAIL));
	idp_copy(a->hash, sizeof a->hash, store_res_str(r, 0, USER_HASH));
	idp_actor_set(&actor, user_id, a->email, store_res_str(r, 0, USER_ROLE), a->ri);
	store_res_free(r);
	if (!a->phc)
		return IDP_OK;
	I64(rid, id);
	const char *q[1] = {rid};
	if ((err = store_exec(c, STMT_RESET_USE, 1, q, NULL)))
		return err;
	if ((err = store_password(c, a->t, user_id, a->phc, false)))
		return err;
	/* Proving control of the mailbox also lifts a lockout. */
	if ((err = store_exec(c, STMT_USER_UNLOCK, 1, p, NULL)))
		return err;
	if ((err = end_sessions(c, user_id, "password_reset", NULL)))
		return err;
	return idp_audit_write(c, a->t->id, &actor, "password.reset", a->email, "success", NULL);
}

/* The first look at a reset link (a->phc NULL): counted as a probe when the
 * link is unknown, IDP_ERR_RATE for an address over its limit. */
static enum idp_err reset_look(struct reset_args *a)
{
	enum idp_err err = idp_probe_gate(a->ri);

	if (err)
		return err;
	err = idp_tx(a->t->id, reset_tx, a);
	if (err == IDP_ERR_NOT_FOUND)
		idp_probe_missed(a->t, a->ri, "reset");
	return err;
}

enum idp_err idp_reset_check(const struct idp_tenant *t, const char *token,
                             const struct idp_reqinfo *ri)
{
	struct reset_args a = {.t = t, .token = token, .ri = ri};

	return reset_look(&a);
}

enum idp_err idp_reset_complete(const struct idp_tenant *t, const char *token, const char *password,
                                const char *password2, const struct idp_reqinfo *ri,
                                unsigned *rules)
{
	struct reset_args a = {.t = t, .token = token, .ri = ri};
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	if ((err = reset_look(&a)))
		return err;
	*rules = check_new_password(t, a.user_id, a.email, a.hash, password, password2, &err);
	if (err)
		return err;
	if (*rules)
		return IDP_ERR_POLICY;
	a.phc = phc;
	return idp_tx_with_hash(t->id, password, phc, reset_tx, &a);
}

/* ---- invitations listing --------------------------------------------------- */

struct inv_list_args {
	struct idp_invite_row *rows;
	int n;
};

static enum idp_err inv_list_tx(struct store_conn *c, void *arg)
{
	struct inv_list_args *a = arg;
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_INVITE_LIST_OPEN, 0, NULL, &r);

	if (err)
		return err;
	a->rows = idp_rows_new(a->rows, sizeof *a->rows, r, &a->n);
	if (!a->rows) {
		store_res_free(r);
		return IDP_ERR_NOMEM;
	}
	for (int i = 0; i < a->n; i++) {
		a->rows[i].id = store_res_i64(r, i, 0);
		idp_copy(a->rows[i].email, sizeof a->rows[i].email, store_res_str(r, i, 1));
		idp_copy(a->rows[i].role, sizeof a->rows[i].role, store_res_str(r, i, 2));
		idp_copy(a->rows[i].created_by, sizeof a->rows[i].created_by,
		         store_res_str(r, i, 3));
		a->rows[i].created_at = store_res_i64(r, i, 4);
		a->rows[i].expires_at = store_res_i64(r, i, 5);
	}
	store_res_free(r);
	return IDP_OK;
}

enum idp_err idp_invitations_list(const struct idp_tenant *t, struct idp_invite_row **rows, int *n)
{
	struct inv_list_args a = {NULL, 0};
	enum idp_err err = idp_tx(t->id, inv_list_tx, &a);

	if (err) {
		free(a.rows);
		*rows = NULL;
		*n = 0;
		return err;
	}
	*rows = a.rows;
	*n = a.n;
	return IDP_OK;
}

/* ---- retention --------------------------------------------------------------- */

enum idp_err idp_retention_run(long *deleted)
{
	struct store_conn *c = store_conn_get();
	struct store_res *r = NULL;
	enum idp_err err, first = IDP_OK;
	long total = 0;

	if (deleted)
		*deleted = 0;
	if (!c)
		return IDP_ERR_DB;
	if ((err = store_exec(c, STMT_TENANT_LIST, 0, NULL, &r)))
		return err;
	for (int i = 0; i < store_res_rows(r); i++) {
		struct idp_tenant *t = malloc(sizeof *t);
		long n = 0;
		if (!t) {
			err = IDP_ERR_NOMEM;
		} else if ((err = idp_tenant_load(store_res_str(r, i, 1), t)) == IDP_OK) {
			err = idp_audit_prune(t->id, t->policy.audit.retention_days, &n);
			if (!err && n)
				idp_info(
				    "retention: removed %ld audit events of %s older than %d days",
				    n, t->slug, t->policy.audit.retention_days);
		}
		free(t);
		if (err == IDP_ERR_NOT_FOUND) /* terminated meanwhile */
			err = IDP_OK;
		if (err && !first)
			first = err;
		total += n;
	}
	store_res_free(r);
	if (deleted)
		*deleted = total;
	return first;
}
