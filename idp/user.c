/*
 * Users of a tenant as administrators see them: the role and status
 * vocabularies, the listing (with "locked" derived from the lock and the
 * policy), and the lifecycle an administrator drives: suspend (sessions end
 * at once), resume, unlock, delete, forced logout.  Suspension and deletion
 * keep at least one active administrator (idp_last_admin), decided under
 * the tenant row's lock so two such changes cannot both pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/rules.h"
#include "store/mfa.h"
#include "store/session.h"
#include "store/tenant.h"
#include "store/user.h"

static const char *const role_names[] = {[IDP_ROLE_USER] = "user", [IDP_ROLE_ADMIN] = "admin"};
static const char *const status_names[] = {
    [IDP_STATUS_INVITED] = "invited",
    [IDP_STATUS_ACTIVE] = "active",
    [IDP_STATUS_SUSPENDED] = "suspended",
};

bool idp_role_parse(const char *s, enum idp_role *out)
{
	for (size_t i = 0; s && i < sizeof role_names / sizeof role_names[0]; i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum idp_role)i;
			return true;
		}
	}
	return false;
}

bool idp_status_parse(const char *s, enum idp_user_status *out)
{
	for (size_t i = 0; s && i < sizeof status_names / sizeof status_names[0]; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (enum idp_user_status)i;
			return true;
		}
	}
	return false;
}

bool idp_status_is(const char *stored, enum idp_user_status s)
{
	enum idp_user_status v;

	return idp_status_parse(stored, &v) && v == s;
}

bool idp_role_is(const char *stored, enum idp_role r)
{
	enum idp_role v;

	return idp_role_parse(stored, &v) && v == r;
}

const char *idp_role_name(enum idp_role r)
{
	return (unsigned)r < sizeof role_names / sizeof role_names[0] ? role_names[r] : "user";
}

const char *idp_status_name(enum idp_user_status s)
{
	return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s]
	                                                                  : "suspended";
}

const char *idp_user_state(const struct idp_user_row *u)
{
	return u->locked ? "locked" : idp_status_name(u->status);
}

/* ---- listing ---- */

/* What an administrator sees of stored user s at now. */
static enum idp_err row_of(const struct idp_tenant *t, const struct store_user *s, int64_t now,
                           struct idp_user_row *u)
{
	memset(u, 0, sizeof *u);
	u->id = s->id;
	idp_copy(u->email, sizeof u->email, s->email);
	idp_copy(u->name, sizeof u->name, s->name);
	if (!idp_role_parse(s->role, &u->role) || !idp_status_parse(s->status, &u->status))
		return IDP_ERR_DB; /* the schema allows nothing else */
	/* "locked" is derived: a lock that has run out no longer shows. */
	u->locked = u->status == IDP_STATUS_ACTIVE && idp_lock_holds(&t->policy, s->locked_at, now);
	u->last_login = s->last_login_at;
	u->created_at = s->created_at;
	u->failed_count = s->failed_count;
	u->password_changed_at = s->changed_at;
	u->must_change_password = s->must_change;
	u->mfa = s->totp;
	u->cert = s->cert;
	return IDP_OK;
}

struct list_args {
	struct idp_rows r; /* first: idp_rows_reset */
	const char *q;
	int limit, offset;
};

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct list_args *a = arg;

	return store_user_list(c, a->q && *a->q ? a->q : NULL, a->limit, a->offset,
	                       (struct store_user **)&a->r.rows, &a->r.n);
}

enum idp_err idp_users_list(const struct idp_tenant *t, const char *q, int limit, int offset,
                            struct idp_user_row **rows, int *n)
{
	struct list_args a = {.q = q, .limit = limit, .offset = offset};
	const struct store_user *v;
	int64_t now = time(NULL);
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	if (limit < 1 || limit > 1000 || offset < 0 || (q && strlen(q) > 254))
		return IDP_ERR_INVALID;
	err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);
	if (!err) {
		*rows = calloc(a.r.n ? (size_t)a.r.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	v = a.r.rows;
	for (int i = 0; !err && i < a.r.n; i++)
		err = row_of(t, &v[i], now, &(*rows)[i]);
	if (!err)
		*n = a.r.n;
	idp_rows_reset(&a);
	return err;
}

struct get_args {
	const char *email; /* lower case */
	struct store_user u;
};

static enum idp_err get_tx(struct store_conn *c, void *arg)
{
	struct get_args *a = arg;

	return store_user_by_email(c, a->email, false, &a->u);
}

enum idp_err idp_user_get(const struct idp_tenant *t, const char *email, struct idp_user_row *out)
{
	struct get_args a;
	char lower[IDP_EMAIL_MAX + 1];
	enum idp_err err;

	if (!email || strlen(email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	idp_copy(lower, sizeof lower, email);
	idp_ascii_lower(lower);
	a.email = lower;
	err = idp_tx_run(t->id, get_tx, NULL, &a);
	if (!err)
		err = row_of(t, &a.u, time(NULL), out);
	idp_wipe(a.u.hash, sizeof a.u.hash);
	return err;
}

/* ---- the lifecycle ---- */

enum lifecycle { LC_SUSPEND, LC_RESUME, LC_UNLOCK, LC_DELETE, LC_LOGOUT, LC_ROLE, LC_END_SESSION };

struct lifecycle_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *email;
	enum lifecycle op;
	enum idp_role role; /* LC_ROLE: the new role */
	int64_t session_id; /* LC_END_SESSION: which session */
	bool unchanged;     /* LC_ROLE: it already had that role (nothing audited) */
	int64_t user_id;    /* out: whom it changed */
};

/* Refuse to take away the tenant's last active administrator. */
static enum idp_err keep_last_admin(struct store_conn *c, const struct store_user *u)
{
	enum idp_role role;
	enum idp_user_status status;
	long admins = 0;
	enum idp_err err;

	if (!idp_role_parse(u->role, &role) || !idp_status_parse(u->status, &status))
		return IDP_OK; /* not an active administrator */
	if (role != IDP_ROLE_ADMIN || status != IDP_STATUS_ACTIVE)
		return IDP_OK;
	err = store_user_count_active_admins(c, &admins);
	if (err)
		return err;
	return idp_last_admin(role, status, admins) ? IDP_ERR_CONFLICT : IDP_OK;
}

/* A new role for the locked row u: demoting the last active administrator
 * is refused; the same role again changes (and audits) nothing. */
static enum idp_err role_apply(struct store_conn *c, struct lifecycle_args *a,
                               const struct store_user *u, const char **action, char *detail)
{
	enum idp_role old;
	enum idp_err err;

	if (!idp_role_parse(u->role, &old))
		return IDP_ERR_DB;
	*action = "user.role_changed";
	if (old == a->role) {
		a->unchanged = true;
		return IDP_OK;
	}
	if (old == IDP_ROLE_ADMIN) {
		err = keep_last_admin(c, u);
		if (err)
			return err;
	}
	snprintf(detail, 64, "{\"from\":\"%s\",\"to\":\"%s\"}", idp_role_name(old),
	         idp_role_name(a->role));
	return store_user_set_role(c, u->id, idp_role_name(a->role));
}

/* Carry out op on the locked row u; *action and detail (64 bytes) say what
 * to audit. */
static enum idp_err lifecycle_apply(struct store_conn *c, struct lifecycle_args *a,
                                    const struct store_user *u, const char **action, char *detail)
{
	long ended = 0;
	bool one = false;
	enum idp_err err;

	switch (a->op) {
	case LC_SUSPEND:
		if (!idp_status_is(u->status, IDP_STATUS_ACTIVE))
			return IDP_ERR_CONFLICT;
		err = keep_last_admin(c, u);
		if (!err)
			err =
			    store_user_set_status(c, u->id, idp_status_name(IDP_STATUS_SUSPENDED));
		/* A suspended user's sessions end now, not at their next timeout. */
		if (!err)
			err = store_session_end_user(c, u->id, 0, "suspended", &ended);
		if (!err)
			err = store_flow_end_user(c, u->id);
		snprintf(detail, 64, "{\"sessions\":%ld}", ended);
		*action = "user.suspended";
		return err;
	case LC_RESUME:
		if (!idp_status_is(u->status, IDP_STATUS_SUSPENDED))
			return IDP_ERR_CONFLICT;
		*action = "user.resumed";
		return store_user_set_status(c, u->id, idp_status_name(IDP_STATUS_ACTIVE));
	case LC_UNLOCK:
		snprintf(detail, 64, "{\"was_locked\":%s}", u->locked_at ? "true" : "false");
		*action = "user.unlocked";
		return store_user_unlock(c, u->id);
	case LC_DELETE:
		err = keep_last_admin(c, u);
		if (!err)
			err = store_user_delete(c, u->id);
		*action = "user.deleted";
		return err;
	case LC_LOGOUT:
		err = store_session_end_user(c, u->id, 0, "forced_logout", &ended);
		if (!err) /* and the sign-ins on their way */
			err = store_flow_end_user(c, u->id);
		snprintf(detail, 64, "{\"sessions\":%ld}", ended);
		*action = "session.forced_logout";
		return err;
	case LC_ROLE: return role_apply(c, a, u, action, detail);
	case LC_END_SESSION:
		err = store_session_end_own(c, a->session_id, u->id, "ended_by_admin", &one);
		if (!err && !one)
			err = IDP_ERR_NOT_FOUND; /* not this user's, or over already */
		snprintf(detail, 64, "{\"session\":%lld}", (long long)a->session_id);
		*action = "session.ended";
		return err;
	}
	return IDP_ERR_INVALID;
}

static enum idp_err lifecycle_tx(struct store_conn *c, void *arg)
{
	struct lifecycle_args *a = arg;
	struct store_user u;
	char lower[IDP_EMAIL_MAX + 1], detail[64] = "{}";
	const char *action = NULL;
	enum idp_err err;

	if (!a->email || strlen(a->email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	/* Suspend and delete check "not the last active administrator": take the
	 * tenant row first so two such changes cannot both see two admins. */
	if (a->op == LC_SUSPEND || a->op == LC_DELETE || a->op == LC_ROLE) {
		err = store_tenant_lock(c, a->t->id, NULL);
		if (err)
			return err;
	}
	idp_copy(lower, sizeof lower, a->email);
	idp_ascii_lower(lower);
	err = store_user_by_email(c, lower, true, &u);
	a->user_id = err ? 0 : u.id;
	if (!err)
		err = lifecycle_apply(c, a, &u, &action, detail);
	if (err || a->unchanged)
		return err;
	return idp_audit_write(c, a->t->id, a->by, action, u.email, "success", detail);
}

/* Run a lifecycle change; this node's gateway forgets the user's sessions
 * at once (the other nodes by the database's notification). */
static enum idp_err lifecycle_run(struct lifecycle_args *a)
{
	enum idp_err err = idp_tx(a->t->id, lifecycle_tx, a);

	if (!err && a->user_id)
		idp_session_cache_forget_user(a->user_id);
	return err;
}

static enum idp_err lifecycle(const struct idp_tenant *t, const struct idp_actor *by,
                              const char *email, enum lifecycle op)
{
	struct lifecycle_args a = {.t = t, .by = by, .email = email, .op = op};

	return lifecycle_run(&a);
}

enum idp_err idp_user_set_role(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *email, const char *role)
{
	struct lifecycle_args a = {.t = t, .by = by, .email = email, .op = LC_ROLE};

	if (!idp_role_parse(role, &a.role))
		return IDP_ERR_INVALID;
	return lifecycle_run(&a);
}

enum idp_err idp_user_session_end(const struct idp_tenant *t, const struct idp_actor *by,
                                  const char *email, int64_t session_id)
{
	struct lifecycle_args a = {
	    .t = t, .by = by, .email = email, .op = LC_END_SESSION, .session_id = session_id};

	if (session_id <= 0)
		return IDP_ERR_NOT_FOUND;
	return lifecycle_run(&a);
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

/* ---- refused addresses ---- */

struct denied_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const char *who;
};

static enum idp_err denied_tx(struct store_conn *c, void *arg)
{
	struct denied_args *a = arg;
	struct idp_actor actor;
	char detail[128];

	idp_actor_set(&actor, 0, a->who, "", a->ri);
	snprintf(detail, sizeof detail, "{\"ip\":\"%s\"}", a->ri->ip);
	return idp_audit_write(c, a->t->id, &actor, "access.denied_ip", a->who, "failure", detail);
}

void idp_access_denied_ip(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *who,
                          const char *path)
{
	struct denied_args a = {t, ri, who ? who : ""};
	enum idp_err err = idp_tx(t->id, denied_tx, &a);

	idp_info("access denied for %s to %s in tenant %s by IP policy", ri->ip, path ? path : "",
	         t->slug);
	if (err)
		idp_error("cannot audit IP denial: %s", idp_strerror(err));
}
