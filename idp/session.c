/*
 * Sessions: made by a login (idp_session_start, inside the login's
 * transaction), checked on every request, ended by logout, timeouts, the
 * user, an administrator, or the next login from the same browser.  The
 * decisions are idp/rules.c's; this file gathers the facts and records what
 * follows from them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/rules.h"
#include "store/session.h"

/* End the live session prev that the browser presented when it logged in
 * again (OWASP ASVS 5.0 7.2: a new login ends the session it replaces),
 * audited as session.ended with the reason.  Nothing to do when prev is
 * NULL or already over. */
static enum idp_err end_replaced(struct store_conn *c, const struct idp_tenant *t,
                                 const struct idp_actor *actor, const struct idp_session *prev)
{
	char detail[96];
	bool ended = false;
	enum idp_err err;

	if (!prev || prev->id <= 0)
		return IDP_OK;
	err = store_session_end(c, prev->id, "relogin", &ended);
	if (err || !ended)
		return err;
	snprintf(detail, sizeof detail, "{\"session\":%lld,\"reason\":\"relogin\"}",
	         (long long)prev->id);
	return idp_audit_write(c, t->id, actor, "session.ended", prev->email, "success", detail);
}

enum idp_err idp_session_start(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, const struct idp_session *prev,
                               const struct idp_reqinfo *ri, const char *amr, struct idp_login *out)
{
	const struct idp_policy *pol = &t->policy;
	unsigned char th[IDP_SHA256_LEN];
	enum idp_concurrent_action rule;
	long live = 0;
	enum idp_err err;

	if (pol->session.concurrent == IDP_CONCURRENT_DENY_NEW) {
		err = store_session_live_count(c, actor->user_id, pol->session.idle_timeout_seconds,
		                               prev ? prev->id : 0, &live);
		if (err)
			return err;
	}
	rule = idp_concurrent_rule(pol, live);
	if (rule == IDP_CONCURRENT_REFUSE)
		return IDP_ERR_CONFLICT;
	err = end_replaced(c, t, actor, prev);
	if (err)
		return err;
	err = idp_token_new(out->token);
	if (err)
		return err;
	idp_sha256(out->token, strlen(out->token), th);
	out->expires_at = time(NULL) + pol->session.absolute_timeout_seconds;
	/* Awaited: a tenant terminated while this login ran has no row to
	 * give the session (IDP_ERR_NOT_FOUND). */
	int64_t sid;
	err = store_session_insert(c, t->id, actor->user_id, th, out->expires_at, ri->ip,
	                           ri->user_agent, amr, &sid);
	if (!err && rule == IDP_CONCURRENT_END_OTHERS)
		err = store_session_end_user_but(c, actor->user_id, th, "replaced");
	return err;
}

struct check_args {
	const struct idp_tenant *t;
	struct idp_session *out;
	bool expired; /* ended here for a timeout: commit that, answer "no session" */
	bool unknown; /* the database has no such session at all */
};

static enum idp_err check_tx(struct store_conn *c, void *arg)
{
	struct check_args *a = arg;
	const struct idp_policy *pol = &a->t->policy;
	struct idp_session *s = a->out;
	struct store_session row;
	struct idp_session_facts f;
	enum idp_session_verdict v;
	enum idp_err err;

	a->expired = false;
	a->unknown = false;
	err = store_session_by_hash(c, s->token_hash, &row);
	a->unknown = err == IDP_ERR_NOT_FOUND;
	if (err == IDP_ERR_NOT_FOUND)
		return IDP_ERR_AUTH;
	if (err)
		return err;
	s->id = row.id;
	s->user_id = row.user_id;
	s->created_at = row.created_at;
	s->last_seen_at = row.last_seen_at;
	s->expires_at = row.expires_at;
	idp_copy(s->email, sizeof s->email, row.email);
	idp_copy(s->name, sizeof s->name, row.name);
	if (!idp_role_parse(row.role, &s->role))
		s->role = IDP_ROLE_USER; /* the schema allows nothing else */
	s->must_change_password = row.must_change;
	s->password_expired = idp_password_expired(pol, row.changed_at, row.now);
	s->password_changed_at = row.changed_at;
	idp_copy(s->amr, sizeof s->amr, row.amr);
	f = (struct idp_session_facts){
	    .now = row.now,
	    .created_at = row.created_at,
	    .last_seen_at = row.last_seen_at,
	    .expires_at = row.expires_at,
	    .ended = row.ended,
	    .locked = row.locked_at != 0,
	};
	if (!idp_status_parse(row.status, &f.status))
		f.status = IDP_STATUS_SUSPENDED; /* unknown: not usable */
	v = idp_session_verdict(&f, pol);
	if (v == IDP_SESSION_ENDED)
		return IDP_ERR_AUTH;
	if (v != IDP_SESSION_OK) {
		a->expired = true;
		return store_session_end(c, s->id, idp_session_verdict_reason(v), NULL);
	}
	if (idp_session_touch_due(row.now, row.last_seen_at)) {
		err = store_session_touch(c, s->id);
		if (err)
			return err;
		s->last_seen_at = row.now;
	}
	return IDP_OK;
}

enum idp_err idp_session_check_hash(const struct idp_tenant *t, const unsigned char *hash,
                                    struct idp_session *out, bool *unknown)
{
	struct check_args a = {t, out, false, false};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	memcpy(out->token_hash, hash, IDP_SHA256_LEN);
	err = idp_tx(t->id, check_tx, &a);
	/* An expired session was ended (and that committed); to the caller it is
	 * simply not a session. */
	if (!err && a.expired)
		err = IDP_ERR_AUTH;
	if (unknown)
		*unknown = err == IDP_ERR_AUTH && a.unknown;
	return err;
}

enum idp_err idp_session_check(const struct idp_tenant *t, const char *token,
                               const struct idp_reqinfo *ri, struct idp_session *out)
{
	unsigned char hash[IDP_SHA256_LEN];

	(void)ri;
	memset(out, 0, sizeof *out);
	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_AUTH;
	idp_sha256(token, strlen(token), hash);
	return idp_session_check_hash(t, hash, out, NULL);
}

void idp_session_actor(const struct idp_session *s, const struct idp_reqinfo *ri,
                       struct idp_actor *out)
{
	idp_actor_set(out, s->user_id, s->email, idp_role_name(s->role), ri);
}

struct logout_args {
	const struct idp_tenant *t;
	const struct idp_session *s;
	const struct idp_reqinfo *ri;
};

static enum idp_err logout_tx(struct store_conn *c, void *arg)
{
	struct logout_args *a = arg;
	struct idp_actor actor;
	enum idp_err err;

	err = store_session_end(c, a->s->id, "logout", NULL);
	if (err)
		return err;
	idp_session_actor(a->s, a->ri, &actor);
	return idp_audit_write(c, a->t->id, &actor, "logout", a->s->email, "success", NULL);
}

enum idp_err idp_logout(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri)
{
	struct logout_args a = {t, s, ri};
	enum idp_err err = idp_tx(t->id, logout_tx, &a);

	if (!err)
		idp_session_cache_forget_user(s->user_id);
	return err;
}

struct list_args {
	struct idp_rows r; /* first: idp_rows_reset */
	const struct idp_tenant *t;
	int64_t user_id;
};

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct list_args *a = arg;

	return store_session_list_user(c, a->user_id, a->t->policy.session.idle_timeout_seconds,
	                               (struct store_session_brief **)&a->r.rows, &a->r.n);
}

enum idp_err idp_sessions_list(const struct idp_tenant *t, int64_t user_id,
                               struct idp_session_row **rows, int *n)
{
	struct list_args a = {{NULL, 0}, t, user_id};
	const struct store_session_brief *v;
	enum idp_err err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.r.n ? (size_t)a.r.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	v = a.r.rows;
	for (int i = 0; !err && i < a.r.n; i++) {
		struct idp_session_row *r = &(*rows)[i];
		r->id = v[i].id;
		r->created_at = v[i].created_at;
		r->last_seen_at = v[i].last_seen_at;
		idp_copy(r->ip, sizeof r->ip, v[i].ip);
		idp_copy(r->user_agent, sizeof r->user_agent, v[i].user_agent);
	}
	if (!err)
		*n = a.r.n;
	idp_rows_reset(&a);
	return err;
}

struct end_own_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
};

static enum idp_err end_own_tx(struct store_conn *c, void *arg)
{
	struct end_own_args *a = arg;
	char detail[64];
	bool ended = false;
	enum idp_err err;

	err = store_session_end_own(c, a->id, a->by->user_id, "ended_by_user", &ended);
	if (err)
		return err;
	if (!ended)
		return IDP_ERR_NOT_FOUND;
	snprintf(detail, sizeof detail, "{\"session\":%lld}", (long long)a->id);
	return idp_audit_write(c, a->t->id, a->by, "session.ended", a->by->email, "success",
	                       detail);
}

enum idp_err idp_session_end_own(const struct idp_tenant *t, const struct idp_actor *by,
                                 int64_t session_id)
{
	struct end_own_args a = {t, by, session_id};
	enum idp_err err = idp_tx(t->id, end_own_tx, &a);

	if (!err)
		idp_session_cache_forget_user(by->user_id);
	return err;
}
