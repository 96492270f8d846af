/*
 * Authentication operations: tenants, invitations, password login, sessions,
 * API tokens and listings.  Each operation is one transaction with its audit
 * event; the slow part (Argon2id) runs outside any transaction so no row
 * lock is held while hashing.
 */
#include <json-c/json.h>
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

void idp_token_hash_param(const char *token, char out[67])
{
	unsigned char h[IDP_SHA256_LEN];

	idp_sha256(token, strlen(token), h);
	out[0] = '\\';
	out[1] = 'x';
	idp_hex(h, IDP_SHA256_LEN, out + 2);
}

void idp_copy(char *dst, size_t dstsz, const char *src)
{
	snprintf(dst, dstsz, "%s", src ? src : "");
}

void *idp_rows_new(void *old, size_t size, const struct store_res *r, int *n)
{
	free(old);
	*n = store_res_rows(r);
	return calloc(*n ? (size_t)*n : 1, size);
}

enum idp_err idp_tx_with_hash(int64_t tenant_id, const char *password, char phc[IDP_PHC_MAX],
                              enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg)
{
	enum idp_err err = idp_password_hash(password, &idp_rt.cfg->argon2, phc);

	if (!err)
		err = idp_tx(tenant_id, fn, arg);
	idp_wipe(phc, IDP_PHC_MAX);
	return err;
}

enum idp_err idp_tx(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                    void *arg)
{
	enum idp_err err = IDP_ERR_RETRY;

	for (int attempt = 0; attempt < 3 && err == IDP_ERR_RETRY; attempt++) {
		struct store_conn *c = store_conn_get();
		if (!c)
			return IDP_ERR_DB;
		err = store_begin(c, tenant_id);
		if (err)
			continue;
		err = fn(c, arg);
		if (!err)
			err = store_commit(c);
		if (err)
			store_rollback(c);
	}
	return err;
}

bool idp_ready(void)
{
	return store_ping();
}

void idp_thread_done(void)
{
	store_thread_done();
}

char *idp_detail_json(const char *k1, const char *v1, const char *k2, const char *v2)
{
	json_object *o = json_object_new_object();
	char *s;

	if (!o)
		return NULL;
	if (k1)
		json_object_object_add(o, k1, json_object_new_string(v1 ? v1 : ""));
	if (k2)
		json_object_object_add(o, k2, json_object_new_string(v2 ? v2 : ""));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

void idp_actor_set(struct idp_actor *a, int64_t user_id, const char *email, const char *role,
                   const struct idp_reqinfo *ri)
{
	memset(a, 0, sizeof *a);
	a->user_id = user_id;
	idp_copy(a->email, sizeof a->email, email);
	idp_copy(a->role, sizeof a->role, role);
	idp_copy(a->ip, sizeof a->ip, ri ? ri->ip : "");
}

/* ---- tenants ------------------------------------------------------------ */

enum idp_err idp_tenant_load(const char *slug, struct idp_tenant *out)
{
	struct store_conn *c;
	struct store_res *r = NULL;
	enum idp_err err;
	const char *p[1] = {slug};
	char field[64];
	struct idp_policy def;

	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	c = store_conn_get();
	if (!c)
		return IDP_ERR_DB;
	/* One statement, no transaction: the directory needs no tenant setting
	 * and this runs on every request. */
	err = store_exec(c, STMT_TENANT_BY_SLUG, 1, p, &r);
	if (err)
		goto out;
	if (store_res_rows(r) != 1) {
		err = IDP_ERR_NOT_FOUND;
		goto out;
	}
	memset(out, 0, sizeof *out);
	out->id = store_res_i64(r, 0, 0);
	idp_copy(out->slug, sizeof out->slug, store_res_str(r, 0, 1));
	idp_copy(out->name, sizeof out->name, store_res_str(r, 0, 2));
	out->active = strcmp(store_res_str(r, 0, 4), "active") == 0;
	idp_policy_default(&def);
	const char *pol = store_res_str(r, 0, 3);
	if (idp_policy_parse(pol, strlen(pol), &def, &out->policy, field, sizeof field) != IDP_OK) {
		/* A stored policy is validated on write; if it is unreadable now,
		 * refuse service rather than run with weaker defaults. */
		idp_error("tenant %s: stored policy invalid at %s", slug, field);
		err = IDP_ERR_DB;
		goto out;
	}
	if (!out->active)
		err = IDP_ERR_NOT_FOUND;
out:
	store_res_free(r);
	return err;
}

struct tenant_create_args {
	const char *slug, *name;
	int64_t id;
};

static enum idp_err tenant_create_tx(struct store_conn *c, void *arg)
{
	struct tenant_create_args *a = arg;
	struct store_res *r = NULL;
	struct idp_actor op;
	enum idp_err err;
	const char *p[3] = {a->slug, a->name, "{}"};
	char *detail = NULL;

	err = store_exec(c, STMT_TENANT_INSERT, 3, p, &r);
	if (err)
		goto out;
	a->id = store_res_i64(r, 0, 0);
	err = store_set_tenant(c, a->id);
	if (err)
		goto out;
	idp_actor_set(&op, 0, "operator", "operator", NULL);
	detail = idp_detail_json("name", a->name, NULL, NULL);
	err = idp_audit_write(c, a->id, &op, "tenant.created", a->slug, "success", detail);
out:
	free(detail);
	store_res_free(r);
	return err;
}

enum idp_err idp_tenant_create(const char *slug, const char *name, int64_t *id)
{
	struct tenant_create_args a = {slug, name && *name ? name : slug, 0};
	enum idp_err err;

	if (!idp_slug_valid(slug) || !idp_utf8_valid(a.name, strlen(a.name)) ||
	    idp_utf8_chars(a.name) > 200 || !idp_name_valid(a.name))
		return IDP_ERR_INVALID;
	err = idp_tx(0, tenant_create_tx, &a);
	if (!err && id)
		*id = a.id;
	return err;
}

/* ---- invitations -------------------------------------------------------- */

struct invite_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	char email[IDP_EMAIL_MAX + 1];
	const char *role;
	char token[IDP_TOKEN_LEN + 1];
	int64_t expires_at;
};

static enum idp_err invite_tx(struct store_conn *c, void *arg)
{
	struct invite_args *a = arg;
	struct store_res *r = NULL;
	enum idp_err err;
	char tid[24], uid[24], exp[24], th[67];
	int64_t user_id;
	char *detail = NULL;

	I64(tid, a->t->id);
	const char *p1[1] = {a->email};
	err = store_exec(c, STMT_USER_LOCK_BY_EMAIL, 1, p1, &r);
	if (err)
		goto out;
	if (store_res_rows(r) == 1) {
		if (strcmp(store_res_str(r, 0, USER_STATUS), "invited") != 0) {
			err = IDP_ERR_CONFLICT;
			goto out;
		}
		user_id = store_res_i64(r, 0, USER_ID);
		I64(uid, user_id);
		const char *p2[2] = {uid, a->role};
		/* A re-invitation replaces the old links and may change the role. */
		err = store_exec(c, STMT_INVITE_REVOKE_USER, 1, p2, NULL);
		if (!err)
			err = store_exec(c, STMT_USER_SET_ROLE, 2, p2, NULL);
		if (err)
			goto out;
	} else {
		store_res_free(r);
		r = NULL;
		const char *p3[3] = {tid, a->email, a->role};
		err = store_exec(c, STMT_USER_INSERT_INVITED, 3, p3, &r);
		if (err)
			goto out;
		user_id = store_res_i64(r, 0, 0);
		I64(uid, user_id);
	}
	store_res_free(r);
	r = NULL;
	err = idp_token_new(a->token);
	if (err)
		goto out;
	idp_token_hash_param(a->token, th);
	I64(exp, time(NULL) + (int64_t)idp_rt.cfg->invitation_ttl_hours * 3600);
	const char *p4[5] = {tid, uid, th, a->by->email, exp};
	err = store_exec(c, STMT_INVITE_INSERT, 5, p4, &r);
	if (err)
		goto out;
	a->expires_at = store_res_i64(r, 0, 1);
	detail = idp_detail_json("role", a->role, "expires_at", exp);
	err = idp_audit_write(c, a->t->id, a->by, "user.invited", a->email, "success", detail);
out:
	free(detail);
	store_res_free(r);
	return err;
}

enum idp_err idp_invite(const struct idp_tenant *t, const struct idp_actor *by, const char *email,
                        const char *role, struct idp_invitation *out)
{
	struct invite_args a = {.t = t, .by = by, .role = role};
	char subject[200], body[2048];
	enum idp_err err;

	if (!email || !idp_email_valid(email) || !role ||
	    (strcmp(role, "admin") != 0 && strcmp(role, "user") != 0))
		return IDP_ERR_INVALID;
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	err = idp_tx(t->id, invite_tx, &a);
	if (err)
		goto out;
	snprintf(out->url, sizeof out->url, "%s/t/%s/invite/%s", idp_rt.cfg->public_url, t->slug,
	         a.token);
	out->expires_at = a.expires_at;
	char when[21];
	idp_time_iso(a.expires_at, when);
	snprintf(subject, sizeof subject, "招待 / Invitation: %s", t->name);
	snprintf(body, sizeof body,
	         "%s への招待が届いています。次の URL を開いてアカウントを有効にしてください。\n"
	         "You have been invited to %s. Open this link to activate your account:\n\n"
	         "%s\n\n"
	         "有効期限 / Valid until: %s (UTC)\n"
	         "心当たりがない場合はこのメールを無視してください。\n"
	         "If you did not expect this, ignore this message.\n",
	         t->name, t->name, out->url, when);
	if (idp_mail_send(a.email, subject, body) != IDP_OK)
		idp_warn("invitation for %s in %s created but the e-mail was not sent", a.email,
		         t->slug);
out:
	idp_wipe(a.token, sizeof a.token);
	return err;
}

/* Load and lock an invitation; NOT_FOUND unless it is open. */
static enum idp_err invite_load(struct store_conn *c, const char *token, struct store_res **r)
{
	char th[67];
	enum idp_err err;

	*r = NULL;
	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_NOT_FOUND;
	idp_token_hash_param(token, th);
	const char *p[1] = {th};
	err = store_exec(c, STMT_INVITE_BY_HASH, 1, p, r);
	if (err)
		return err;
	if (store_res_rows(*r) != 1 || store_res_bool(*r, 0, 3) || store_res_bool(*r, 0, 4) ||
	    store_res_i64(*r, 0, 2) <= store_res_i64(*r, 0, 8) ||
	    strcmp(store_res_str(*r, 0, 7), "invited") != 0) {
		store_res_free(*r);
		*r = NULL;
		return IDP_ERR_NOT_FOUND;
	}
	return IDP_OK;
}

struct invite_check_args {
	const char *token;
	struct idp_invite_info *out;
};

static enum idp_err invite_check_tx(struct store_conn *c, void *arg)
{
	struct invite_check_args *a = arg;
	struct store_res *r;
	enum idp_err err = invite_load(c, a->token, &r);

	if (err)
		return err;
	idp_copy(a->out->email, sizeof a->out->email, store_res_str(r, 0, 5));
	idp_copy(a->out->role, sizeof a->out->role, store_res_str(r, 0, 6));
	store_res_free(r);
	return IDP_OK;
}

enum idp_err idp_invite_check(const struct idp_tenant *t, const char *token,
                              const struct idp_reqinfo *ri, struct idp_invite_info *out)
{
	struct invite_check_args a = {token, out};
	enum idp_err err = idp_probe_gate(ri);

	if (err)
		return err;
	err = idp_tx(t->id, invite_check_tx, &a);
	if (err == IDP_ERR_NOT_FOUND)
		idp_probe_missed(t, ri, "invitation");
	return err;
}

/* End the live session prev that the browser presented when it logged in
 * again (OWASP ASVS 5.0 7.2: a new login ends the session it replaces),
 * audited as session.ended with the reason.  Nothing to do when prev is NULL
 * or already over. */
static enum idp_err session_end_replaced(struct store_conn *c, const struct idp_tenant *t,
                                         const struct idp_actor *actor,
                                         const struct idp_session *prev)
{
	struct store_res *r = NULL;
	char sid[24], detail[96];
	enum idp_err err;
	long n;

	if (!prev || prev->id <= 0)
		return IDP_OK;
	I64(sid, prev->id);
	const char *p[2] = {sid, "relogin"};
	err = store_exec(c, STMT_SESSION_END, 2, p, &r);
	if (err)
		return err;
	n = store_res_affected(r);
	store_res_free(r);
	if (n != 1)
		return IDP_OK;
	snprintf(detail, sizeof detail, "{\"session\":%lld,\"reason\":\"relogin\"}",
	         (long long)prev->id);
	return idp_audit_write(c, t->id, actor, "session.ended", prev->email, "success", detail);
}

/* Create a session for user_id under the tenant's concurrency rule, ending
 * prev (the browser's live session, may be NULL) whatever the rule: prev
 * does not count against deny_new, and it ends only when the new session is
 * made.  IDP_ERR_CONFLICT (nothing changed) when deny_new refuses. */
static enum idp_err session_create(struct store_conn *c, const struct idp_tenant *t,
                                   const struct idp_actor *actor, const struct idp_session *prev,
                                   const struct idp_reqinfo *ri, struct idp_login *out)
{
	const struct idp_policy *pol = &t->policy;
	struct store_res *r = NULL;
	char tid[24], uid[24], exp[24], idle[24], sid[24], prev_id[24], th[67];
	enum idp_err err;

	I64(tid, t->id);
	I64(uid, actor->user_id);
	I64(idle, pol->session.idle_timeout_seconds);
	I64(prev_id, prev ? prev->id : 0);
	if (pol->session.concurrent == IDP_CONCURRENT_DENY_NEW) {
		const char *p[3] = {uid, idle, prev_id};
		err = store_exec(c, STMT_SESSION_LIVE_COUNT, 3, p, &r);
		if (err)
			return err;
		long live = store_res_i64(r, 0, 0);
		store_res_free(r);
		r = NULL;
		if (live > 0)
			return IDP_ERR_CONFLICT;
	}
	err = session_end_replaced(c, t, actor, prev);
	if (err)
		return err;
	err = idp_token_new(out->token);
	if (err)
		return err;
	idp_token_hash_param(out->token, th);
	out->expires_at = time(NULL) + pol->session.absolute_timeout_seconds;
	I64(exp, out->expires_at);
	const char *p[6] = {tid, uid, th, exp, ri->ip, ri->user_agent};
	err = store_exec(c, STMT_SESSION_INSERT, 6, p, &r);
	if (err)
		return err;
	I64(sid, store_res_i64(r, 0, 0));
	store_res_free(r);
	if (pol->session.concurrent == IDP_CONCURRENT_END_OLD) {
		const char *q[3] = {uid, sid, "replaced"};
		err = store_exec(c, STMT_SESSION_END_OTHERS, 3, q, NULL);
	}
	return err;
}

struct accept_args {
	const struct idp_tenant *t;
	const char *token, *name, *hash;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev;
	struct idp_login *out;
	char email[IDP_EMAIL_MAX + 1];
};

/* Run a statement that must change exactly one row; IDP_ERR_NOT_FOUND when
 * it changed none (the row moved on since it was read). */
static enum idp_err exec_one(struct store_conn *c, enum store_stmt_id id, int n,
                             const char *const *p)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, id, n, p, &r);

	if (!err && store_res_affected(r) != 1)
		err = IDP_ERR_NOT_FOUND;
	store_res_free(r);
	return err;
}

static enum idp_err accept_tx(struct store_conn *c, void *arg)
{
	struct accept_args *a = arg;
	struct store_res *r;
	struct idp_actor actor;
	char uid[24], iid[24], tid[24];
	/* invite_load locks the invitation and its user: every decision below
	 * is on the rows as they are now. */
	enum idp_err err = invite_load(c, a->token, &r);

	if (err)
		return err;
	int64_t user_id = store_res_i64(r, 0, 1);
	I64(iid, store_res_i64(r, 0, 0));
	I64(uid, user_id);
	I64(tid, a->t->id);
	idp_copy(a->email, sizeof a->email, store_res_str(r, 0, 5));
	idp_actor_set(&actor, user_id, a->email, store_res_str(r, 0, 6), a->ri);
	store_res_free(r);
	const char *p1[1] = {iid};
	err = exec_one(c, STMT_INVITE_USE, 1, p1);
	if (err)
		return err;
	const char *p2[3] = {uid, a->name, a->hash};
	err = exec_one(c, STMT_USER_ACTIVATE, 3, p2);
	if (err)
		return err;
	const char *p3[3] = {tid, uid, a->hash};
	err = store_exec(c, STMT_HISTORY_INSERT, 3, p3, NULL);
	if (err)
		return err;
	err =
	    idp_audit_write(c, a->t->id, &actor, "invitation.accepted", a->email, "success", NULL);
	if (err)
		return err;
	err = session_create(c, a->t, &actor, a->prev, a->ri, a->out);
	if (err == IDP_ERR_CONFLICT) /* a brand-new account has no other session */
		err = IDP_ERR_DB;
	if (!err)
		err = idp_audit_write(c, a->t->id, &actor, "login.success", a->email, "success",
		                      "{\"method\":\"invitation\"}");
	return err;
}

enum idp_err idp_invite_accept(const struct idp_tenant *t, const char *token, const char *name,
                               const char *password, const char *password2,
                               const struct idp_reqinfo *ri, const struct idp_session *prev,
                               unsigned *rules, struct idp_login *out)
{
	struct idp_invite_info info;
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	memset(out, 0, sizeof *out);
	/* Check the token first: a dead link gets the dead-link page whatever was typed. */
	err = idp_invite_check(t, token, ri, &info);
	if (err)
		return err;
	if (!name || !idp_name_valid(name))
		return IDP_ERR_INVALID;
	if (!password || strlen(password) > IDP_PASSWORD_MAX) {
		*rules = IDP_PW_TOO_LONG;
		return IDP_ERR_POLICY;
	}
	*rules = idp_password_check(password, info.email, &t->policy);
	if (!password2 || strcmp(password, password2) != 0)
		*rules |= IDP_PW_MISMATCH;
	if (*rules)
		return IDP_ERR_POLICY;
	struct accept_args a = {
	    .t = t, .token = token, .name = name, .hash = phc, .ri = ri, .prev = prev, .out = out};
	return idp_tx_with_hash(t->id, password, phc, accept_tx, &a);
}

struct revoke_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
};

static enum idp_err revoke_tx(struct store_conn *c, void *arg)
{
	struct revoke_args *a = arg;
	struct store_res *r = NULL;
	char iid[24];
	enum idp_err err;

	I64(iid, a->id);
	const char *p[1] = {iid};
	err = store_exec(c, STMT_INVITE_REVOKE_ID, 1, p, &r);
	if (err)
		return err;
	if (store_res_rows(r) != 1) {
		store_res_free(r);
		return IDP_ERR_NOT_FOUND;
	}
	err = idp_audit_write(c, a->t->id, a->by, "invitation.revoked", store_res_str(r, 0, 1),
	                      "success", NULL);
	store_res_free(r);
	return err;
}

enum idp_err idp_invite_revoke(const struct idp_tenant *t, const struct idp_actor *by, int64_t id)
{
	struct revoke_args a = {t, by, id};

	return idp_tx(t->id, revoke_tx, &a);
}

/* ---- login -------------------------------------------------------------- */

/* What the first, read-only look at the user found. */
struct login_user {
	bool found;
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	char role[16];
	char status[16];
	char hash[IDP_PHC_MAX];
	int64_t locked_at;
	int64_t changed_at;
	bool must_change;
	int64_t now;
};

static enum idp_err login_lookup_tx(struct store_conn *c, void *arg)
{
	struct login_user *u = arg;
	struct store_res *r = NULL;
	const char *p[1] = {u->email};
	enum idp_err err = store_exec(c, STMT_USER_BY_EMAIL, 1, p, &r);

	if (err)
		return err;
	if (store_res_rows(r) == 1) {
		u->found = true;
		u->id = store_res_i64(r, 0, USER_ID);
		idp_copy(u->role, sizeof u->role, store_res_str(r, 0, USER_ROLE));
		idp_copy(u->status, sizeof u->status, store_res_str(r, 0, USER_STATUS));
		idp_copy(u->hash, sizeof u->hash, store_res_str(r, 0, USER_HASH));
		u->locked_at = store_res_i64(r, 0, USER_LOCKED_EPOCH);
		u->changed_at = store_res_i64(r, 0, USER_CHANGED_EPOCH);
		u->must_change = store_res_bool(r, 0, USER_MUST_CHANGE);
	}
	store_res_free(r);
	return IDP_OK;
}

struct login_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev; /* the browser's live session, or NULL */
	struct login_user *u;
	bool password_ok;
	const char *reason;   /* why a failure failed, for the audit detail */
	const char *new_hash; /* rehash on success, or NULL */
	struct idp_login *out;
	enum idp_err result;
};

static enum idp_err login_finish_tx(struct store_conn *c, void *arg)
{
	struct login_args *a = arg;
	const struct idp_policy *pol = &a->t->policy;
	struct idp_actor actor;
	char uid[24];
	enum idp_err err;

	idp_actor_set(&actor, a->u->found ? a->u->id : 0, a->u->email,
	              a->u->found ? a->u->role : "", a->ri);
	I64(uid, a->u->id);
	a->result = IDP_ERR_AUTH;
	if (a->u->found) {
		/* Decide on the row as it is now, locked: failures that arrived
		 * while we were hashing may have locked or suspended the account. */
		struct store_res *r = NULL;
		const char *p[1] = {a->u->email};
		err = store_exec(c, STMT_USER_LOCK_BY_EMAIL, 1, p, &r);
		if (err)
			return err;
		if (store_res_rows(r) != 1 || store_res_i64(r, 0, USER_ID) != a->u->id) {
			a->u->found = false; /* deleted meanwhile */
			a->reason = "unknown_user";
		} else {
			a->u->locked_at = store_res_i64(r, 0, USER_LOCKED_EPOCH);
			idp_copy(a->u->status, sizeof a->u->status,
			         store_res_str(r, 0, USER_STATUS));
			idp_copy(a->u->role, sizeof a->u->role, store_res_str(r, 0, USER_ROLE));
			/* The password was verified against the hash read before
			 * hashing; if it is no longer the user's (changed, reset or
			 * rehashed meanwhile) that verdict is void, and a rehash
			 * would write the old password back.  Refused, not
			 * counted: it was no guess. */
			if (strcmp(store_res_str(r, 0, USER_HASH), a->u->hash) != 0) {
				a->reason = "credential_changed";
				a->password_ok = false;
			}
		}
		store_res_free(r);
	}
	if (a->u->found && a->u->locked_at && pol->lockout.unlock_after_seconds > 0 &&
	    a->u->now - a->u->locked_at >= pol->lockout.unlock_after_seconds) {
		/* The lock has run out: the account starts again from zero failures. */
		const char *p[1] = {uid};
		err = store_exec(c, STMT_USER_UNLOCK, 1, p, NULL);
		if (err)
			return err;
		err = idp_audit_write(c, a->t->id, &actor, "user.unlocked", a->u->email, "success",
		                      "{\"by\":\"timeout\"}");
		if (err)
			return err;
		a->u->locked_at = 0;
	}
	if (a->u->found && a->u->locked_at)
		a->reason = "locked";
	else if (a->u->found && strcmp(a->u->status, "active") != 0)
		a->reason = a->u->status;
	if (a->reason || !a->password_ok) {
		if (!a->reason)
			a->reason = "bad_password";
		bool count =
		    a->u->found && !a->u->locked_at && strcmp(a->reason, "bad_password") == 0;
		return idp_login_failed(c, a->t, &actor, count ? a->u->id : 0, a->u->email,
		                        a->reason);
	}
	/* Administrators are held to both address lists.  Checked only now, for
	 * a usable account and the right password, so a refused address learns
	 * nothing more than any failed login would. */
	if (strcmp(a->u->role, "admin") == 0 && pol->ip.n_admin_allow &&
	    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow, &a->ri->addr)) {
		a->result = IDP_ERR_POLICY;
		return idp_audit_write(c, a->t->id, &actor, "access.denied_ip", a->u->email,
		                       "failure", "{\"list\":\"admin_allow\"}");
	}
	if (a->new_hash) {
		const char *p[2] = {uid, a->new_hash};
		err = store_exec(c, STMT_USER_REHASH, 2, p, NULL);
		if (err)
			return err;
	}
	err = session_create(c, a->t, &actor, a->prev, a->ri, a->out);
	if (err == IDP_ERR_CONFLICT) {
		a->result = IDP_ERR_CONFLICT;
		return idp_audit_write(c, a->t->id, &actor, "login.failure", a->u->email, "failure",
		                       "{\"reason\":\"concurrent_session\"}");
	}
	if (err)
		return err;
	err = idp_audit_write(c, a->t->id, &actor, "login.success", a->u->email, "success",
	                      a->new_hash ? "{\"method\":\"password\",\"rehashed\":true}"
	                                  : "{\"method\":\"password\"}");
	if (!err)
		a->result = IDP_OK;
	return err;
}

enum idp_err idp_login_password(const struct idp_tenant *t, const char *email, const char *password,
                                const struct idp_reqinfo *ri, const struct idp_session *prev,
                                struct idp_login *out)
{
	struct login_user u = {0};
	struct login_args a = {.t = t, .ri = ri, .prev = prev, .u = &u, .out = out};
	char newphc[IDP_PHC_MAX];
	enum idp_err err;
	int64_t now = time(NULL);

	memset(out, 0, sizeof *out);
	if (idp_throttle_blocked(&ri->addr, now))
		return IDP_ERR_RATE;
	if (t->policy.ip.n_allow &&
	    !idp_cidr_list_contains(t->policy.ip.allow, t->policy.ip.n_allow, &ri->addr)) {
		idp_access_denied_ip(t, ri, "", "login");
		return IDP_ERR_POLICY;
	}
	if (!password)
		password = "";
	idp_copy(u.email, sizeof u.email, email);
	idp_ascii_lower(u.email);
	if (idp_email_valid(u.email) && strlen(password) <= IDP_PASSWORD_MAX) {
		err = idp_tx(t->id, login_lookup_tx, &u);
		if (err)
			return err;
	} else {
		a.reason = "malformed";
		if (!idp_utf8_valid(u.email, strlen(u.email)))
			idp_copy(u.email, sizeof u.email, "(invalid)");
	}
	u.now = now;
	if (u.found && u.hash[0] && strlen(password) <= IDP_PASSWORD_MAX) {
		err = idp_password_verify(password, u.hash);
		a.password_ok = err == IDP_OK;
	} else {
		idp_password_verify_dummy(password, &idp_rt.cfg->argon2);
		if (!a.reason)
			a.reason = u.found ? "no_password" : "unknown_user";
	}
	if (a.password_ok && idp_password_needs_rehash(u.hash, &idp_rt.cfg->argon2) &&
	    idp_password_hash(password, &idp_rt.cfg->argon2, newphc) == IDP_OK)
		a.new_hash = newphc;
	err = idp_tx(t->id, login_finish_tx, &a);
	idp_wipe(newphc, sizeof newphc);
	if (err)
		return err;
	if (a.result == IDP_ERR_AUTH)
		idp_throttle_fail(&ri->addr, now);
	if (a.result == IDP_OK) {
		int days = t->policy.password.expiry_days;
		out->must_change_password =
		    u.must_change || (days > 0 && now - u.changed_at >= (int64_t)days * 86400);
	}
	return a.result;
}

enum idp_err idp_login_failed(struct store_conn *c, const struct idp_tenant *t,
                              const struct idp_actor *actor, int64_t user_id, const char *email,
                              const char *reason)
{
	struct store_res *r = NULL;
	char uid[24], maxf[24], detail[96];
	bool locked = false;
	enum idp_err err;

	if (user_id > 0) {
		I64(uid, user_id);
		I64(maxf, t->policy.lockout.max_failures);
		const char *p[2] = {uid, maxf};
		err = store_exec(c, STMT_USER_LOGIN_FAIL, 2, p, &r);
		if (err)
			return err;
		locked = store_res_rows(r) == 1 && store_res_bool(r, 0, 1);
		store_res_free(r);
	}
	snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", reason);
	err = idp_audit_write(c, t->id, actor, "login.failure", email, "failure", detail);
	if (!err && locked)
		err = idp_audit_write(c, t->id, actor, "login.locked", email, "success", NULL);
	return err;
}

/* ---- sessions ----------------------------------------------------------- */

struct check_args {
	const struct idp_tenant *t;
	const char *token;
	struct idp_session *out;
	bool expired; /* ended here for a timeout: commit that, answer "no session" */
};

static enum idp_err check_tx(struct store_conn *c, void *arg)
{
	struct check_args *a = arg;
	const struct idp_policy *pol = &a->t->policy;
	struct store_res *r = NULL;
	char th[67], sid[24];
	const char *why = NULL;
	enum idp_err err;

	idp_token_hash_param(a->token, th);
	const char *p[1] = {th};
	err = store_exec(c, STMT_SESSION_BY_HASH, 1, p, &r);
	if (err)
		return err;
	if (store_res_rows(r) != 1) {
		store_res_free(r);
		return IDP_ERR_AUTH;
	}
	int64_t now = store_res_i64(r, 0, SES_NOW_EPOCH);
	struct idp_session *s = a->out;
	s->id = store_res_i64(r, 0, SES_ID);
	s->user_id = store_res_i64(r, 0, SES_USER_ID);
	s->created_at = store_res_i64(r, 0, SES_CREATED_EPOCH);
	s->last_seen_at = store_res_i64(r, 0, SES_LAST_SEEN_EPOCH);
	s->expires_at = store_res_i64(r, 0, SES_EXPIRES_EPOCH);
	idp_copy(s->email, sizeof s->email, store_res_str(r, 0, SES_EMAIL));
	idp_copy(s->name, sizeof s->name, store_res_str(r, 0, SES_NAME));
	idp_copy(s->role, sizeof s->role, store_res_str(r, 0, SES_ROLE));
	s->must_change_password = store_res_bool(r, 0, SES_MUST_CHANGE);
	int64_t changed = store_res_i64(r, 0, SES_CHANGED_EPOCH);
	s->password_expired = pol->password.expiry_days > 0 &&
	                      now - changed >= (int64_t)pol->password.expiry_days * 86400;
	bool ended = store_res_bool(r, 0, SES_ENDED);
	if (ended)
		why = NULL;
	else if (strcmp(store_res_str(r, 0, SES_STATUS), "active") != 0)
		why = "user_inactive";
	else if (store_res_i64(r, 0, SES_LOCKED_EPOCH))
		why = "user_locked";
	else if (now >= s->expires_at ||
	         now >= s->created_at + pol->session.absolute_timeout_seconds)
		why = "absolute_timeout";
	else if (now - s->last_seen_at >= pol->session.idle_timeout_seconds)
		why = "idle_timeout";
	store_res_free(r);
	I64(sid, s->id);
	if (ended)
		return IDP_ERR_AUTH;
	if (why) {
		const char *q[2] = {sid, why};
		a->expired = true;
		return store_exec(c, STMT_SESSION_END, 2, q, NULL);
	}
	/* Write last activity at most every few seconds: fewer writes, same rules. */
	if (now - s->last_seen_at >= 5) {
		const char *q[1] = {sid};
		err = store_exec(c, STMT_SESSION_TOUCH, 1, q, NULL);
		if (err)
			return err;
		s->last_seen_at = now;
	}
	return IDP_OK;
}

enum idp_err idp_session_check(const struct idp_tenant *t, const char *token,
                               const struct idp_reqinfo *ri, struct idp_session *out)
{
	struct check_args a = {t, token, out, false};
	enum idp_err err;

	(void)ri;
	memset(out, 0, sizeof *out);
	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_AUTH;
	idp_sha256(token, strlen(token), out->token_hash);
	err = idp_tx(t->id, check_tx, &a);
	/* An expired session was ended (and that committed); to the caller it is
	 * simply not a session. */
	if (!err && a.expired)
		err = IDP_ERR_AUTH;
	return err;
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
	char sid[24];
	enum idp_err err;

	I64(sid, a->s->id);
	const char *p[2] = {sid, "logout"};
	err = store_exec(c, STMT_SESSION_END, 2, p, NULL);
	if (err)
		return err;
	idp_actor_set(&actor, a->s->user_id, a->s->email, a->s->role, a->ri);
	return idp_audit_write(c, a->t->id, &actor, "logout", a->s->email, "success", NULL);
}

enum idp_err idp_logout(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri)
{
	struct logout_args a = {t, s, ri};

	return idp_tx(t->id, logout_tx, &a);
}

/* ---- API tokens --------------------------------------------------------- */

struct token_args {
	const struct idp_tenant *t;
	const char *name;
	char *out;
};

static enum idp_err token_create_tx(struct store_conn *c, void *arg)
{
	struct token_args *a = arg;
	struct idp_actor op;
	char tid[24], th[67];
	enum idp_err err;

	err = idp_token_new(a->out);
	if (err)
		return err;
	I64(tid, a->t->id);
	idp_token_hash_param(a->out, th);
	const char *p[3] = {tid, a->name, th};
	err = store_exec(c, STMT_TOKEN_INSERT, 3, p, NULL);
	if (err)
		return err;
	idp_actor_set(&op, 0, "operator", "operator", NULL);
	return idp_audit_write(c, a->t->id, &op, "token.created", a->name, "success", NULL);
}

enum idp_err idp_token_create(const struct idp_tenant *t, const char *name,
                              char out[IDP_TOKEN_LEN + 1])
{
	struct token_args a = {t, name, out};

	if (!name || !idp_name_valid(name))
		return IDP_ERR_INVALID;
	return idp_tx(t->id, token_create_tx, &a);
}

struct token_auth_args {
	const char *token;
	struct idp_actor *actor;
};

static enum idp_err token_auth_tx(struct store_conn *c, void *arg)
{
	struct token_auth_args *a = arg;
	struct store_res *r = NULL;
	char th[67];
	enum idp_err err;

	idp_token_hash_param(a->token, th);
	const char *p[1] = {th};
	err = store_exec(c, STMT_TOKEN_BY_HASH, 1, p, &r);
	if (err)
		return err;
	if (store_res_rows(r) != 1) {
		store_res_free(r);
		return IDP_ERR_AUTH;
	}
	a->actor->user_id = 0;
	snprintf(a->actor->email, sizeof a->actor->email, "token:%s", store_res_str(r, 0, 1));
	idp_copy(a->actor->role, sizeof a->actor->role, "api");
	const char *q[1] = {store_res_str(r, 0, 0)};
	err = store_exec(c, STMT_TOKEN_TOUCH, 1, q, NULL);
	store_res_free(r);
	return err;
}

enum idp_err idp_token_auth(const struct idp_tenant *t, const char *token,
                            const struct idp_reqinfo *ri, struct idp_actor *actor)
{
	struct token_auth_args a = {token, actor};

	enum idp_err err;

	memset(actor, 0, sizeof *actor);
	err = idp_probe_gate(ri);
	if (err)
		return err;
	idp_copy(actor->ip, sizeof actor->ip, ri->ip);
	err = token && idp_token_syntax_ok(token) ? idp_tx(t->id, token_auth_tx, &a) : IDP_ERR_AUTH;
	if (err == IDP_ERR_AUTH)
		idp_probe_missed(t, ri, "API token");
	return err;
}

/* ---- listings ----------------------------------------------------------- */

struct list_args {
	const char *q;
	int limit, offset;
	struct idp_user_row *rows;
	int n;
	int64_t now;
	const struct idp_policy *pol;
};

static enum idp_err users_list_tx(struct store_conn *c, void *arg)
{
	struct list_args *a = arg;
	struct store_res *r = NULL;
	char lim[24], off[24];
	enum idp_err err;

	I64(lim, a->limit);
	I64(off, a->offset);
	const char *p[3] = {a->q && *a->q ? a->q : NULL, lim, off};
	err = store_exec(c, STMT_USER_LIST, 3, p, &r);
	if (err)
		return err;
	a->rows = idp_rows_new(a->rows, sizeof *a->rows, r, &a->n);
	if (!a->rows) {
		store_res_free(r);
		return IDP_ERR_NOMEM;
	}
	for (int i = 0; i < a->n; i++) {
		struct idp_user_row *u = &a->rows[i];
		int64_t locked = store_res_i64(r, i, USER_LOCKED_EPOCH);
		u->id = store_res_i64(r, i, USER_ID);
		idp_copy(u->email, sizeof u->email, store_res_str(r, i, USER_EMAIL));
		idp_copy(u->name, sizeof u->name, store_res_str(r, i, USER_NAME));
		idp_copy(u->role, sizeof u->role, store_res_str(r, i, USER_ROLE));
		idp_copy(u->status, sizeof u->status, store_res_str(r, i, USER_STATUS));
		/* "locked" is derived: a lock that has run out no longer shows. */
		if (locked && strcmp(u->status, "active") == 0 &&
		    (a->pol->lockout.unlock_after_seconds == 0 ||
		     a->now - locked < a->pol->lockout.unlock_after_seconds))
			idp_copy(u->status, sizeof u->status, "locked");
		u->last_login = store_res_i64(r, i, USER_LAST_LOGIN_EPOCH);
		u->created_at = store_res_i64(r, i, USER_CREATED_EPOCH);
		u->failed_count = (int)store_res_i64(r, i, USER_FAILED);
	}
	store_res_free(r);
	return IDP_OK;
}

enum idp_err idp_users_list(const struct idp_tenant *t, const char *q, int limit, int offset,
                            struct idp_user_row **rows, int *n)
{
	struct list_args a = {
	    .q = q, .limit = limit, .offset = offset, .now = time(NULL), .pol = &t->policy};
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	if (limit < 1 || limit > 1000 || offset < 0 || (q && strlen(q) > 254))
		return IDP_ERR_INVALID;
	err = idp_tx(t->id, users_list_tx, &a);
	if (err) {
		free(a.rows);
		return err;
	}
	*rows = a.rows;
	*n = a.n;
	return IDP_OK;
}

struct audit_args {
	const struct idp_audit_filter *f;
	struct idp_audit_row *rows;
	int n;
	long total;
};

static enum idp_err audit_list_tx(struct store_conn *c, void *arg)
{
	struct audit_args *a = arg;
	struct store_res *r = NULL;
	char lim[24], off[24];
	enum idp_err err;
	const char *p[6] = {a->f->from, a->f->to, a->f->action, a->f->actor, lim, off};

	I64(lim, a->f->limit);
	I64(off, a->f->offset);
	err = store_exec(c, STMT_AUDIT_COUNT, 4, p, &r);
	if (err)
		return err;
	a->total = (long)store_res_i64(r, 0, 0);
	store_res_free(r);
	err = store_exec(c, STMT_AUDIT_QUERY, 6, p, &r);
	if (err)
		return err;
	/* A retried transaction starts over: the details of an earlier attempt go too. */
	idp_audit_rows_free(a->rows, a->n);
	a->rows = idp_rows_new(NULL, sizeof *a->rows, r, &a->n);
	if (!a->rows) {
		store_res_free(r);
		return IDP_ERR_NOMEM;
	}
	for (int i = 0; i < a->n; i++) {
		struct idp_audit_row *e = &a->rows[i];
		e->seq = store_res_i64(r, i, AUD_SEQ);
		idp_copy(e->at, sizeof e->at, store_res_str(r, i, AUD_AT));
		idp_copy(e->actor, sizeof e->actor, store_res_str(r, i, AUD_ACTOR));
		idp_copy(e->role, sizeof e->role, store_res_str(r, i, AUD_ROLE));
		idp_copy(e->ip, sizeof e->ip, store_res_str(r, i, AUD_IP));
		idp_copy(e->action, sizeof e->action, store_res_str(r, i, AUD_ACTION));
		idp_copy(e->target, sizeof e->target, store_res_str(r, i, AUD_TARGET));
		idp_copy(e->result, sizeof e->result, store_res_str(r, i, AUD_RESULT));
		e->detail = strdup(store_res_str(r, i, AUD_DETAIL));
		if (!e->detail) {
			store_res_free(r);
			return IDP_ERR_NOMEM;
		}
	}
	store_res_free(r);
	return IDP_OK;
}

/* Accept "2026-11-22", "2026-11-22T10:00:00Z", "...+09:00"; length-bounded. */
static bool time_param_ok(const char *s)
{
	struct tm tm;
	const char *end;

	if (!s)
		return true;
	if (strlen(s) < 10 || strlen(s) > 40)
		return false;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return false;
	for (const char *p = end; *p; p++)
		if (!strchr("0123456789:T.Z+- ", *p))
			return false;
	return true;
}

enum idp_err idp_audit_list(const struct idp_tenant *t, const struct idp_audit_filter *f,
                            struct idp_audit_row **rows, int *n, long *total)
{
	struct audit_args a = {.f = f};
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	*total = 0;
	if (!time_param_ok(f->from) || !time_param_ok(f->to) || f->limit < 1 || f->limit > 10000 ||
	    f->offset < 0 || (f->action && strlen(f->action) > 63) ||
	    (f->actor && strlen(f->actor) > IDP_EMAIL_MAX))
		return IDP_ERR_INVALID;
	err = idp_tx(t->id, audit_list_tx, &a);
	if (err) {
		idp_audit_rows_free(a.rows, a.n);
		/* A time PostgreSQL could not read is the caller's mistake. */
		return err;
	}
	*rows = a.rows;
	*n = a.n;
	*total = a.total;
	return IDP_OK;
}

void idp_audit_rows_free(struct idp_audit_row *rows, int n)
{
	if (!rows)
		return;
	for (int i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}
