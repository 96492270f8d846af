/*
 * Logins in more than one step: see idp/flow.h.  Every step is one
 * transaction on the rows as they are under lock (the user, then its
 * pending login), so two parallel uses of one code cannot both pass; the
 * codes themselves are checked by idp/factor.c.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/flow.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "idp/metrics.h"
#include "idp/rules.h"
#include "idp/throttle.h"
#include "store/cert.h"
#include "store/mfa.h"
#include "store/user.h"

/* ---- the next step ---- */

/* The method name of a second factor as sessions and the audit record it
 * (RFC 8176 where it has one): "otp", "rec", "x509". */
static const char *second_amr(const char *second)
{
	return !second                           ? NULL
	       : strcmp(second, "recovery") == 0 ? "rec"
	       : strcmp(second, "cert") == 0     ? "x509"
	                                         : "otp";
}

/* "pwd", "pwd otp", "pwd rec", "pwd x509": how the session was authenticated. */
static void amr_of(const struct idp_proven *p, char out[32])
{
	const char *second = second_amr(p->second);

	snprintf(out, 32, "pwd%s%s", second ? " " : "", second ? second : "");
}

/* login.success's detail: the first method, every method, a re-hash, and
 * the client certificate the request presented (fingerprint and subject). */
static char *success_detail(const struct idp_proven *p, const struct idp_reqinfo *ri)
{
	json_object *o = json_object_new_object(), *m = json_object_new_array();
	const char *second = second_amr(p->second);
	char *s = NULL;

	if (o && m) {
		json_object_object_add(o, "method", json_object_new_string(p->first));
		json_object_array_add(m, json_object_new_string("pwd"));
		if (second)
			json_object_array_add(m, json_object_new_string(second));
		json_object_object_add(o, "methods", m);
		m = NULL;
		if (p->rehashed)
			json_object_object_add(o, "rehashed", json_object_new_boolean(1));
		if (ri && ri->cert_valid) {
			json_object_object_add(o, "cert_sha256",
			                       json_object_new_string(ri->cert_sha256_hex));
			json_object_object_add(o, "cert_subject",
			                       json_object_new_string(ri->cert_subject));
		}
		s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(m);
	json_object_put(o);
	return s;
}

enum idp_err idp_login_proceed(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, enum idp_role role,
                               const struct idp_proven *p, const struct idp_session *prev,
                               const struct idp_reqinfo *ri, struct idp_login *out)
{
	struct store_mfa m;
	struct idp_step_facts f = {.role = role,
	                           .second_factor_ok = p->second != NULL,
	                           .password_change = p->password_change,
	                           .cert_bound = p->cert_bound};
	unsigned char th[IDP_SHA256_LEN];
	char amr[32], methods[64], *detail;
	enum idp_err err = store_mfa_get(c, actor->user_id, false, NULL, &m);

	if (err)
		return err;
	f.totp_enrolled = m.secret_len > 0;
	out->step = idp_login_next(&t->policy, &f);
	idp_copy(out->continuation, sizeof out->continuation,
	         p->continuation ? p->continuation : "");
	if (out->step == IDP_STEP_CERT)
		return IDP_OK; /* the caller refuses the login */
	if (out->step != IDP_STEP_DONE) {
		/* Only a pending login: no session, nothing that counts as
		 * signed in, until the next step is done. */
		err = idp_token_new(out->flow_token);
		if (err)
			return err;
		idp_sha256(out->flow_token, strlen(out->flow_token), th);
		out->expires_at = time(NULL) + IDP_FLOW_TTL;
		/* What is proven so far travels with the pending login. */
		snprintf(methods, sizeof methods, "%s%s%s", p->first, p->second ? " " : "",
		         p->second ? p->second : "");
		return store_flow_insert(c, t->id, actor->user_id, th, out->expires_at, methods,
		                         out->continuation);
	}
	amr_of(p, amr);
	err = idp_session_start(c, t, actor, prev, ri, amr, out);
	if (err)
		return err;
	detail = success_detail(p, ri);
	err = idp_audit_write_owned(c, t->id, actor, "login.success", actor->email, "success",
	                            detail);
	return err;
}

/* ---- the pending login ---- */

/* What a pending login's methods ("password", "password otp") say was
 * proven, and what its user must still do, into p (strings static). */
static void proven_of(const struct store_flow *fl, const struct idp_policy *pol,
                      const struct store_user *u, struct idp_proven *p)
{
	const char *sp = strchr(fl->methods, ' ');

	memset(p, 0, sizeof *p);
	p->first = strncmp(fl->methods, "invitation", 10) == 0 ? "invitation" : "password";
	p->second = !sp ? NULL : strcmp(sp + 1, "recovery") == 0 ? "recovery" : "otp";
	p->continuation = fl->continuation;
	p->password_change = u->must_change || idp_password_expired(pol, u->changed_at, time(NULL));
}

/* The flow behind token and its user, both locked (the user's row first,
 * as everything that ends a user's flows takes it: two code steps of one
 * user queue on it instead of deadlocking); IDP_ERR_AUTH when either is
 * gone or the user can no longer sign in. */
static enum idp_err flow_load(struct store_conn *c, const struct idp_tenant *t, const char *token,
                              struct store_flow *fl, struct store_user *u)
{
	unsigned char th[IDP_SHA256_LEN];
	enum idp_err err;

	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_AUTH;
	idp_sha256(token, strlen(token), th);
	err = store_flow_by_hash(c, th, false, fl);
	if (!err)
		err = store_user_by_id(c, fl->user_id, true, u);
	/* Still open now that its user is ours? */
	if (!err)
		err = store_flow_by_hash(c, th, true, fl);
	if (err == IDP_ERR_NOT_FOUND)
		return IDP_ERR_AUTH;
	if (err)
		return err;
	/* Any lock, even one that has run out: the password step clears a run-
	 * out lock before a pending login exists, so a pending login that meets
	 * one was overtaken by it (wrong codes would no longer be counted). */
	(void)t;
	if (!idp_status_is(u->status, IDP_STATUS_ACTIVE) || u->locked_at)
		return IDP_ERR_AUTH;
	return IDP_OK;
}

struct get_args {
	const struct idp_tenant *t;
	const char *token;
	struct idp_flow *out;
};

static enum idp_err get_tx(struct store_conn *c, void *arg)
{
	struct get_args *a = arg;
	struct store_flow fl;
	struct store_user u;
	struct store_mfa m;
	struct idp_step_facts f = {0};
	struct idp_proven p;
	enum idp_err err = flow_load(c, a->t, a->token, &fl, &u);

	if (!err)
		err = store_mfa_get(c, u.id, false, NULL, &m);
	if (err)
		return err;
	a->out->user_id = u.id;
	idp_copy(a->out->email, sizeof a->out->email, u.email);
	if (!idp_role_parse(u.role, &a->out->role))
		a->out->role = IDP_ROLE_USER;
	idp_copy(a->out->continuation, sizeof a->out->continuation, fl.continuation);
	proven_of(&fl, &a->t->policy, &u, &p);
	f.role = a->out->role;
	f.totp_enrolled = m.secret_len > 0;
	f.second_factor_ok = p.second != NULL;
	f.password_change = p.password_change;
	a->out->step = idp_login_next(&a->t->policy, &f);
	idp_wipe(u.hash, sizeof u.hash);
	return a->out->step == IDP_STEP_DONE ? IDP_ERR_AUTH : IDP_OK;
}

enum idp_err idp_flow_get(const struct idp_tenant *t, const char *token, struct idp_flow *out)
{
	struct get_args a = {t, token, out};

	memset(out, 0, sizeof *out);
	return idp_tx(t->id, get_tx, &a);
}

struct code_args {
	const struct idp_tenant *t;
	const char *token, *code;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev;
	struct idp_login *out;
	struct idp_recovery_codes *codes; /* enrolment: the new recovery codes */
	enum idp_err result;              /* IDP_ERR_AUTH for a wrong code, committed */
};

static enum idp_err login_code_tx(struct store_conn *c, void *arg)
{
	struct code_args *a = arg;
	struct store_flow fl;
	struct store_user u;
	struct store_mfa m;
	struct idp_actor actor;
	struct idp_proven p = {0};
	enum idp_role role = IDP_ROLE_USER;
	enum idp_code_kind kind;
	const char *why;
	enum idp_err err;

	a->result = IDP_ERR_AUTH;
	err = flow_load(c, a->t, a->token, &fl, &u);
	idp_wipe(u.hash, sizeof u.hash);
	if (err == IDP_ERR_AUTH)
		return IDP_OK; /* nothing to count: there is no login to guess for */
	if (!err)
		err = store_mfa_get(c, u.id, true, NULL, &m);
	if (err)
		return err;
	idp_role_parse(u.role, &role);
	idp_actor_set(&actor, u.id, u.email, u.role, a->ri);
	err = idp_factor_check(c, a->t->id, u.id, &m, a->code, true, &kind, &why);
	if (err)
		return err;
	if (kind == IDP_CODE_WRONG)
		return idp_factor_wrong(c, a->t, &actor, why);
	if (kind == IDP_CODE_RECOVERY) {
		err = idp_audit_write(c, a->t->id, &actor, "mfa.recovery.used", u.email, "success",
		                      NULL);
		if (err)
			return err;
	}
	proven_of(&fl, &a->t->policy, &u, &p);
	p.second = kind == IDP_CODE_RECOVERY ? "recovery" : "otp";
	err = store_flow_end(c, fl.id);
	if (!err)
		err = idp_login_proceed(c, a->t, &actor, role, &p, a->prev, a->ri, a->out);
	if (err)
		return err;
	a->result = IDP_OK;
	return IDP_OK;
}

/* Run a code step: throttled by address, a wrong code counted there too. */
static enum idp_err code_step_run(struct code_args *a,
                                  enum idp_err (*fn)(struct store_conn *, void *))
{
	int64_t now = time(NULL);
	enum idp_err err;

	memset(a->out, 0, sizeof *a->out);
	if (idp_throttle_blocked(&a->ri->addr, now))
		return IDP_ERR_RATE;
	err = idp_tx(a->t->id, fn, a);
	if (err)
		return err;
	if (a->result == IDP_ERR_AUTH)
		idp_throttle_fail(&a->ri->addr, now);
	return a->result;
}

/* code_step_run, its result counted in sekisho_mfa_total. */
static enum idp_err code_step(struct code_args *a, enum idp_err (*fn)(struct store_conn *, void *))
{
	enum idp_err err = code_step_run(a, fn);

	idp_metrics_count(IDP_MF_MFA,
	                  err == IDP_OK             ? IDP_MM_SUCCESS
	                  : err == IDP_ERR_AUTH     ? IDP_MM_FAILURE
	                  : err == IDP_ERR_RATE     ? IDP_MM_RATE_LIMITED
	                  : err == IDP_ERR_CONFLICT ? IDP_MM_CONCURRENT
	                                            : IDP_MM_ERROR,
	                  a->t);
	return err;
}

enum idp_err idp_login_code(const struct idp_tenant *t, const char *flow_token, const char *code,
                            const struct idp_reqinfo *ri, const struct idp_session *prev,
                            struct idp_login *out)
{
	struct code_args a = {.t = t,
	                      .token = flow_token,
	                      .code = code ? code : "",
	                      .ri = ri,
	                      .prev = prev,
	                      .out = out};

	return code_step(&a, login_code_tx);
}

static enum idp_err login_enroll_tx(struct store_conn *c, void *arg)
{
	struct code_args *a = arg;
	struct store_flow fl;
	struct store_user u;
	struct idp_actor actor;
	struct idp_proven p = {0};
	enum idp_role role = IDP_ROLE_USER;
	unsigned char owner[IDP_SHA256_LEN];
	enum idp_err err;

	a->result = IDP_ERR_AUTH;
	err = flow_load(c, a->t, a->token, &fl, &u);
	idp_wipe(u.hash, sizeof u.hash);
	if (err == IDP_ERR_AUTH)
		return IDP_OK;
	if (err)
		return err;
	idp_role_parse(u.role, &role);
	idp_actor_set(&actor, u.id, u.email, u.role, a->ri);
	/* Only a pending login whose next step is enrolment enrols. */
	if (!idp_mfa_required(&a->t->policy, role))
		return IDP_OK;
	idp_sha256(a->token, strlen(a->token), owner);
	err = idp_totp_confirm_in(c, a->t, &actor, u.id, owner, a->code, a->codes);
	if (err == IDP_ERR_AUTH || err == IDP_ERR_NOT_FOUND || err == IDP_ERR_CONFLICT)
		return IDP_OK; /* a wrong code writes nothing */
	proven_of(&fl, &a->t->policy, &u, &p);
	p.second = "otp";
	if (!err)
		err = store_flow_end(c, fl.id);
	if (!err)
		err = idp_login_proceed(c, a->t, &actor, role, &p, a->prev, a->ri, a->out);
	if (err)
		return err;
	a->result = IDP_OK;
	return IDP_OK;
}

enum idp_err idp_login_enroll(const struct idp_tenant *t, const char *flow_token, const char *code,
                              const struct idp_reqinfo *ri, const struct idp_session *prev,
                              struct idp_login *out, struct idp_recovery_codes *codes)
{
	struct code_args a = {.t = t,
	                      .token = flow_token,
	                      .code = code ? code : "",
	                      .ri = ri,
	                      .prev = prev,
	                      .out = out,
	                      .codes = codes};
	enum idp_err err = code_step(&a, login_enroll_tx);

	if (err)
		idp_wipe(codes, sizeof *codes);
	return err;
}

/* ---- a new password as a step of the login ---- */

struct newpw_args {
	const struct idp_tenant *t;
	const char *token;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev;
	struct idp_login *out;
	struct store_user *peeked; /* the user, as read before hashing */
	const char *verified_hash; /* the hash the rules were checked against */
	const char *phc;
};

/* The pending login's user, for the rules a new password is checked by;
 * IDP_ERR_AUTH unless its next step is the password. */
static enum idp_err newpw_peek_tx(struct store_conn *c, void *arg)
{
	struct newpw_args *a = arg;
	struct store_user *u = a->peeked;
	struct store_flow fl;
	struct store_mfa m;
	struct idp_proven p;
	struct idp_step_facts f = {0};
	enum idp_role role = IDP_ROLE_USER;
	enum idp_err err = flow_load(c, a->t, a->token, &fl, u);

	if (!err)
		err = store_mfa_get(c, u->id, false, NULL, &m);
	if (err)
		return err;
	idp_role_parse(u->role, &role);
	proven_of(&fl, &a->t->policy, u, &p);
	f = (struct idp_step_facts){.role = role,
	                            .totp_enrolled = m.secret_len > 0,
	                            .second_factor_ok = p.second != NULL,
	                            .password_change = p.password_change};
	return idp_login_next(&a->t->policy, &f) == IDP_STEP_PASSWORD ? IDP_OK : IDP_ERR_AUTH;
}

/* Under lock: the same pending login, the hash unchanged; write the
 * password, end this pending login and go on. */
static enum idp_err newpw_tx(struct store_conn *c, void *arg)
{
	struct newpw_args *a = arg;
	struct store_flow fl;
	struct store_user u;
	struct idp_actor actor;
	struct idp_proven p;
	struct store_mfa m;
	struct idp_step_facts f;
	enum idp_role role = IDP_ROLE_USER;
	bool expired;
	enum idp_err err = flow_load(c, a->t, a->token, &fl, &u);

	idp_wipe(u.hash, sizeof u.hash);
	if (err)
		return err;
	err = idp_user_lock_unchanged(c, u.id, a->verified_hash, &u);
	idp_wipe(u.hash, sizeof u.hash);
	if (err)
		return err;
	idp_role_parse(u.role, &role);
	idp_actor_set(&actor, u.id, u.email, u.role, a->ri);
	proven_of(&fl, &a->t->policy, &u, &p);
	/* The step, again on the rows as they are now (an app enrolled while
	 * this password was hashed needs its code first). */
	err = store_mfa_get(c, u.id, false, NULL, &m);
	if (err)
		return err;
	f = (struct idp_step_facts){.role = role,
	                            .totp_enrolled = m.secret_len > 0,
	                            .second_factor_ok = p.second != NULL,
	                            .password_change = p.password_change};
	if (idp_login_next(&a->t->policy, &f) != IDP_STEP_PASSWORD)
		return IDP_ERR_AUTH;
	expired = !u.must_change && p.password_change;
	err = idp_password_write(c, a->t, u.id, a->phc, false);
	if (!err)
		err = idp_audit_write(c, a->t->id, &actor, "password.changed", u.email, "success",
		                      expired ? "{\"reason\":\"expired\"}"
		                              : "{\"reason\":\"first_login\"}");
	if (!err) /* this one and any other that proved the old password */
		err = store_flow_end_user(c, u.id);
	p.password_change = false;
	if (!err)
		err = idp_login_proceed(c, a->t, &actor, role, &p, a->prev, a->ri, a->out);
	return err;
}

enum idp_err idp_login_new_password(const struct idp_tenant *t, const char *flow_token,
                                    const char *password, const char *password2,
                                    const struct idp_reqinfo *ri, const struct idp_session *prev,
                                    struct idp_login *out, unsigned *rules)
{
	struct store_user u;
	struct newpw_args a = {
	    .t = t, .token = flow_token, .ri = ri, .prev = prev, .out = out, .peeked = &u};
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	memset(out, 0, sizeof *out);
	memset(&u, 0, sizeof u);
	err = idp_tx(t->id, newpw_peek_tx, &a);
	if (err == IDP_ERR_NOT_FOUND)
		err = IDP_ERR_AUTH;
	if (!err) {
		a.verified_hash = u.hash;
		a.phc = phc;
		err = idp_new_password_tx(t, u.id, u.email, u.name, u.hash, password, password2,
		                          rules, phc, newpw_tx, &a);
	}
	if (err == IDP_ERR_NOT_FOUND)
		err = IDP_ERR_AUTH;
	idp_wipe(u.hash, sizeof u.hash);
	idp_wipe(phc, sizeof phc);
	return err;
}
