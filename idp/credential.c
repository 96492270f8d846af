/*
 * Passwords being set: an administrator's temporary password and the
 * user's own change (reset by e-mail is idp/reset.c; both share the checks
 * and the write here).  The slow parts, Argon2id and the history check,
 * run before the transaction that writes; that transaction then confirms,
 * under the user's row lock, that the hash those checks were made against
 * is still the user's, so concurrent changes cannot both win.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/throttle.h"
#include "store/invitation.h"
#include "store/mfa.h"
#include "store/session.h"
#include "store/user.h"

/* Password history kept per user, whatever the policy says today, so raising
 * policy.password.history takes effect at once. */
#define HISTORY_KEEP 24

enum idp_err idp_tx_with_hash(int64_t tenant_id, const char *password, char phc[IDP_PHC_MAX],
                              enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg)
{
	enum idp_err err = idp_password_hash(password, &idp_rt.cfg->argon2, phc);

	if (!err)
		err = idp_tx(tenant_id, fn, arg);
	idp_wipe(phc, IDP_PHC_MAX);
	return err;
}

/* The last n password hashes of user_id, read in a transaction of their own
 * (the write re-checks that nothing changed since). */
struct history_args {
	struct idp_rows r; /* first: idp_rows_reset */
	int64_t user_id;
	int n;
};

static enum idp_err history_tx(struct store_conn *c, void *arg)
{
	struct history_args *a = arg;

	return store_history_recent(c, a->user_id, a->n, (char(**)[STORE_HASH_MAX + 1]) & a->r.rows,
	                            &a->r.n);
}

unsigned idp_new_password_rules(const struct idp_tenant *t, int64_t user_id, const char *email,
                                const char *name, const char *current_hash, const char *password,
                                const char *password2, enum idp_err *err)
{
	struct history_args h = {.user_id = user_id, .n = t->policy.password.history};
	const char(*hashes)[STORE_HASH_MAX + 1];
	unsigned rules;

	*err = IDP_OK;
	if (!password || strlen(password) > IDP_PASSWORD_MAX)
		return IDP_PW_TOO_LONG;
	rules = idp_password_check(password, email, &t->policy);
	if (!rules) {
		struct idp_pw_context ctx = {email, name, t->slug, t->name};
		rules = idp_password_strength(password, &ctx, &t->policy);
	}
	if (password2 && strcmp(password, password2) != 0)
		rules |= IDP_PW_MISMATCH;
	if (rules)
		return rules;
	if (current_hash && current_hash[0] &&
	    idp_password_verify(password, current_hash) == IDP_OK)
		return IDP_PW_REUSED;
	if (h.n <= 0)
		return 0;
	*err = idp_tx_run(t->id, history_tx, idp_rows_reset, &h);
	/* History holds hashes, so "same password" means "verifies" (Argon2id). */
	hashes = h.r.rows;
	for (int i = 0; !*err && i < h.r.n && !rules; i++)
		if (idp_password_verify(password, hashes[i]) == IDP_OK)
			rules |= IDP_PW_REUSED;
	idp_rows_reset(&h);
	return rules;
}

enum idp_err idp_new_password_tx(const struct idp_tenant *t, int64_t user_id, const char *email,
                                 const char *name, const char *current_hash, const char *password,
                                 const char *password2, unsigned *rules, char phc[IDP_PHC_MAX],
                                 enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg)
{
	enum idp_err err;

	*rules = idp_new_password_rules(t, user_id, email, name, current_hash, password, password2,
	                                &err);
	if (!err && *rules)
		err = IDP_ERR_PASSWORD;
	if (!err)
		err = idp_tx_with_hash(t->id, password, phc, fn, arg);
	/* This node's gateway learns at once (the others by notification). */
	if (!err)
		idp_session_cache_forget_user(user_id);
	return err;
}

enum idp_err idp_password_write(struct store_conn *c, const struct idp_tenant *t, int64_t user_id,
                                const char *phc, bool must_change)
{
	enum idp_err err = store_user_set_hash(c, user_id, phc, must_change);

	if (!err)
		err = store_history_add(c, t->id, user_id, phc);
	if (!err)
		err = store_history_prune(c, user_id, HISTORY_KEEP);
	/* Outstanding reset links die with the old password. */
	if (!err)
		err = store_reset_invalidate_user(c, user_id);
	return err;
}

enum idp_err idp_user_lock_unchanged(struct store_conn *c, int64_t user_id, const char *expected,
                                     struct store_user *u)
{
	enum idp_err err = store_user_by_id(c, user_id, true, u);

	if (!err && strcmp(u->hash, expected) != 0)
		err = IDP_ERR_CONFLICT;
	return err;
}

/* Read a user by e-mail before any change (for the checks before hashing). */
struct peek_args {
	char email[IDP_EMAIL_MAX + 1];
	struct store_user *u;
};

static enum idp_err peek_tx(struct store_conn *c, void *arg)
{
	struct peek_args *a = arg;

	return store_user_by_email(c, a->email, false, a->u);
}

static enum idp_err peek(const struct idp_tenant *t, const char *email, struct store_user *u)
{
	struct peek_args a = {.u = u};

	if (!email || strlen(email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	return idp_tx(t->id, peek_tx, &a);
}

/* ---- an administrator's temporary password ---- */

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
	struct store_user u;
	bool must = a->t->policy.password.change_at_first_login;
	char detail[64];
	enum idp_err err;

	err = idp_user_lock_unchanged(c, a->user_id, a->checked_hash, &u);
	if (err)
		return err;
	if (!idp_status_is(u.status, IDP_STATUS_ACTIVE))
		return IDP_ERR_CONFLICT;
	err = idp_password_write(c, a->t, u.id, a->phc, must);
	if (!err)
		err = store_session_end_user(c, u.id, 0, "password_set", NULL);
	if (!err) /* a sign-in on its way proved the old password */
		err = store_flow_end_user(c, u.id);
	if (err)
		return err;
	snprintf(detail, sizeof detail, "{\"change_at_first_login\":%s}", must ? "true" : "false");
	return idp_audit_write(c, a->t->id, a->by, "user.password_set", u.email, "success", detail);
}

enum idp_err idp_user_set_password(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email, const char *password, unsigned *rules)
{
	struct store_user u;
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	err = peek(t, email, &u);
	if (err)
		return err;
	if (!idp_status_is(u.status, IDP_STATUS_ACTIVE))
		return IDP_ERR_CONFLICT;
	struct setpw_args a = {t, by, u.id, phc, u.hash};
	err = idp_new_password_tx(t, u.id, u.email, u.name, NULL, password, NULL, rules, phc,
	                          setpw_tx, &a);
	idp_wipe(u.hash, sizeof u.hash);
	return err;
}

/* ---- the user's own change ---- */

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
	struct idp_actor actor;
	struct store_user u;
	bool open = false;
	enum idp_err err;

	err = idp_user_lock_unchanged(c, a->s->user_id, a->verified_hash, &u);
	if (err == IDP_ERR_NOT_FOUND)
		return IDP_ERR_EXPIRED;
	if (!err)
		err = store_session_lock_open(c, a->s->id, &open);
	if (err)
		return err;
	if (!open)
		return IDP_ERR_EXPIRED;
	idp_session_actor(a->s, a->ri, &actor);
	if (!a->phc) /* a wrong current password counts toward the lockout like a login */
		return idp_login_failed(c, a->t, &actor, a->s->user_id, a->s->email,
		                        "bad_current_password");
	err = idp_password_write(c, a->t, a->s->user_id, a->phc, false);
	if (!err)
		err = store_session_end_user(c, a->s->user_id, a->s->id, "password_changed", NULL);
	if (!err) /* sign-ins on their way proved the old password */
		err = store_flow_end_user(c, a->s->user_id);
	if (err)
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
	struct store_user u;
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
			goto out; /* the session ended or the password changed meanwhile */
		idp_throttle_fail(&ri->addr, time(NULL));
		err = IDP_ERR_AUTH;
		goto out;
	}
	a.phc = phc;
	err = idp_new_password_tx(t, u.id, u.email, u.name, u.hash, password, password2, rules, phc,
	                          change_tx, &a);
out:
	idp_wipe(u.hash, sizeof u.hash);
	return err;
}
