/*
 * Logins in more than one step, and the second factors they check: see
 * idp/flow.h.  Every step is one transaction on the rows as they are under
 * lock (the pending login, then the user), so two parallel uses of one code
 * cannot both pass: the time step is accepted by one atomic UPDATE, a
 * recovery code is spent by one.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/flow.h"
#include "idp/internal.h"
#include "idp/log.h"
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
	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_audit_write(c, t->id, actor, "login.success", actor->email, "success", detail);
	free(detail);
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

/* ---- checking a code ---- */

/* The HMAC a recovery code is stored as: bound to tenant and user. */
static void recovery_hash(int64_t tenant_id, int64_t user_id, const char *norm,
                          unsigned char out[IDP_SHA256_LEN])
{
	char msg[96];
	int n = snprintf(msg, sizeof msg, "%lld:%lld:%s", (long long)tenant_id, (long long)user_id,
	                 norm);

	idp_hmac_sha256(idp_rt.recovery_key, sizeof idp_rt.recovery_key, msg, (size_t)n, out);
	idp_wipe(msg, sizeof msg);
}

/* Open a sealed secret of user_id into secret (MFA_TOTP_SECRET_LEN). */
static enum idp_err secret_open(int64_t tenant_id, int64_t user_id, const unsigned char *sealed,
                                size_t n, unsigned char secret[MFA_TOTP_SECRET_LEN])
{
	size_t len = 0;
	enum idp_err err = mfa_open(idp_rt.totp_key, tenant_id, user_id, sealed, n, secret,
	                            MFA_TOTP_SECRET_LEN, &len);

	if (!err && len != MFA_TOTP_SECRET_LEN)
		err = IDP_ERR_CRYPTO;
	if (err)
		idp_error("TOTP secret of user %lld in tenant %lld does not open",
		          (long long)user_id, (long long)tenant_id);
	return err;
}

/* What a code proved. */
enum code_kind { CODE_WRONG, CODE_TOTP, CODE_RECOVERY };

/* Check code against the user's TOTP secret (sealed in m) or unused
 * recovery codes, spending the time step or the recovery code when it is
 * right.  *why names a wrong code's reason for the audit. */
static enum idp_err code_check(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                               const struct store_mfa *m, const char *code, bool recovery_ok,
                               enum code_kind *kind, const char **why)
{
	unsigned char secret[MFA_TOTP_SECRET_LEN], h[IDP_SHA256_LEN];
	char norm[MFA_RECOVERY_LEN + 1];
	int64_t step = 0;
	bool ok = false;
	enum idp_err err = IDP_OK;

	*kind = CODE_WRONG;
	*why = "malformed";
	if (mfa_totp_code_syntax(code)) {
		*why = "wrong_code";
		if (!m->secret_len)
			return IDP_OK;
		err = secret_open(tenant_id, user_id, m->secret, m->secret_len, secret);
		if (!err &&
		    mfa_totp_check(secret, sizeof secret, time(NULL), code, &step) == IDP_OK) {
			*why = "replayed";
			err = store_mfa_use_step(c, user_id, step, &ok);
			if (ok)
				*kind = CODE_TOTP;
		}
		idp_wipe(secret, sizeof secret);
		return err;
	}
	if (recovery_ok && mfa_recovery_normalize(code, norm)) {
		*why = "wrong_recovery_code";
		recovery_hash(tenant_id, user_id, norm, h);
		err = store_recovery_use(c, user_id, h, &ok);
		if (ok)
			*kind = CODE_RECOVERY;
		idp_wipe(norm, sizeof norm);
	}
	return err;
}

/* A wrong code: count it on its own counter, audit it, and at the limit
 * lock the account and end its pending logins. */
static enum idp_err code_wrong(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, const char *why)
{
	char detail[96];
	bool locked = false;
	enum idp_err err =
	    store_mfa_fail(c, actor->user_id, t->policy.lockout.max_failures, &locked);

	snprintf(detail, sizeof detail, "{\"reason\":\"%s\"}", why);
	if (!err)
		err = idp_audit_write(c, t->id, actor, "mfa.totp.failure", actor->email, "failure",
		                      detail);
	if (!err && locked) {
		err = idp_audit_write(c, t->id, actor, "login.locked", actor->email, "failure",
		                      "{\"counter\":\"second_factor\"}");
		/* Every pending login of the account ends with the lock. */
		if (!err)
			err = store_flow_end_user(c, actor->user_id);
	}
	return err;
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

static enum idp_err fresh_recovery(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                   struct idp_recovery_codes *codes);

static enum idp_err login_code_tx(struct store_conn *c, void *arg)
{
	struct code_args *a = arg;
	struct store_flow fl;
	struct store_user u;
	struct store_mfa m;
	struct idp_actor actor;
	struct idp_proven p = {0};
	enum idp_role role = IDP_ROLE_USER;
	enum code_kind kind;
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
	err = code_check(c, a->t->id, u.id, &m, a->code, true, &kind, &why);
	if (err)
		return err;
	if (kind == CODE_WRONG)
		return code_wrong(c, a->t, &actor, why);
	if (kind == CODE_RECOVERY) {
		err = idp_audit_write(c, a->t->id, &actor, "mfa.recovery.used", u.email, "success",
		                      NULL);
		if (err)
			return err;
	}
	proven_of(&fl, &a->t->policy, &u, &p);
	p.second = kind == CODE_RECOVERY ? "recovery" : "otp";
	err = store_flow_end(c, fl.id);
	if (!err)
		err = idp_login_proceed(c, a->t, &actor, role, &p, a->prev, a->ri, a->out);
	if (err)
		return err;
	a->result = IDP_OK;
	return IDP_OK;
}

/* Run a code step: throttled by address, a wrong code counted there too. */
static enum idp_err code_step(struct code_args *a, enum idp_err (*fn)(struct store_conn *, void *))
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

/* ---- enrolment ---- */

struct offer_args {
	const struct idp_tenant *t;
	int64_t user_id;
	const unsigned char *owner;
	unsigned char secret[MFA_TOTP_SECRET_LEN];
};

static enum idp_err offer_tx(struct store_conn *c, void *arg)
{
	struct offer_args *a = arg;
	unsigned char sealed[STORE_SEALED_MAX];
	size_t n = 0;
	struct store_mfa m;
	enum idp_err err = store_mfa_get(c, a->user_id, true, a->owner, &m);

	if (err)
		return err;
	if (m.secret_len)
		return IDP_ERR_CONFLICT; /* another app replaces it only after removal */
	if (m.pending_len)               /* this browser's own candidate, still alive */
		return secret_open(a->t->id, a->user_id, m.pending, m.pending_len, a->secret);
	err = mfa_totp_secret_new(a->secret);
	if (!err)
		err = mfa_seal(idp_rt.totp_key, a->t->id, a->user_id, a->secret, sizeof a->secret,
		               sealed, sizeof sealed, &n);
	if (!err)
		err = store_mfa_set_pending(c, a->user_id, sealed, n, a->owner);
	return err;
}

enum idp_err idp_totp_offer(const struct idp_tenant *t, int64_t user_id, const char *email,
                            const unsigned char owner[IDP_SHA256_LEN], struct idp_totp_offer *out)
{
	struct offer_args a = {.t = t, .user_id = user_id, .owner = owner};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	err = idp_tx(t->id, offer_tx, &a);
	if (!err) {
		mfa_base32_encode(a.secret, sizeof a.secret, out->secret_b32,
		                  sizeof out->secret_b32);
		out->uri = mfa_otpauth_uri(t->name, email, a.secret, sizeof a.secret);
		out->qr_svg = out->uri ? mfa_qr_svg(out->uri, email) : NULL;
		if (!out->uri || !out->qr_svg) {
			idp_totp_offer_free(out);
			err = IDP_ERR_NOMEM;
		}
	}
	idp_wipe(a.secret, sizeof a.secret);
	return err;
}

void idp_totp_offer_free(struct idp_totp_offer *o)
{
	if (o->uri)
		idp_wipe(o->uri, strlen(o->uri));
	if (o->qr_svg) /* it draws the secret */
		idp_wipe(o->qr_svg, strlen(o->qr_svg));
	free(o->uri);
	free(o->qr_svg);
	idp_wipe(o->secret_b32, sizeof o->secret_b32);
	o->uri = o->qr_svg = NULL;
}

static enum idp_err fresh_recovery(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                   struct idp_recovery_codes *codes)
{
	unsigned char h[MFA_RECOVERY_COUNT][IDP_SHA256_LEN];
	enum idp_err err = IDP_OK;

	for (int i = 0; !err && i < MFA_RECOVERY_COUNT; i++) {
		err = mfa_recovery_new(codes->code[i]);
		if (!err)
			recovery_hash(tenant_id, user_id, codes->code[i], h[i]);
	}
	if (!err)
		err = store_recovery_replace(c, tenant_id, user_id,
		                             (const unsigned char(*)[STORE_SHA256_LEN])h,
		                             MFA_RECOVERY_COUNT);
	idp_wipe(h, sizeof h);
	return err;
}

/* Confirm user u's candidate with code inside the caller's transaction:
 * IDP_ERR_AUTH (nothing written) for a wrong code. */
static enum idp_err confirm_in(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, int64_t user_id,
                               const unsigned char owner[IDP_SHA256_LEN], const char *code,
                               struct idp_recovery_codes *codes)
{
	unsigned char secret[MFA_TOTP_SECRET_LEN];
	struct store_mfa m;
	int64_t step = 0;
	enum idp_err err = store_mfa_get(c, user_id, true, owner, &m);

	if (err)
		return err;
	if (m.secret_len)
		return IDP_ERR_CONFLICT; /* another app replaces it only after removal */
	if (!m.pending_len)
		return IDP_ERR_NOT_FOUND;
	err = secret_open(t->id, user_id, m.pending, m.pending_len, secret);
	if (!err && mfa_totp_check(secret, sizeof secret, time(NULL), code, &step) != IDP_OK)
		err = IDP_ERR_AUTH;
	idp_wipe(secret, sizeof secret);
	/* The confirming step is spent: it cannot sign in afterwards. */
	if (!err)
		err = store_mfa_confirm(c, user_id, step > m.last_step ? step : m.last_step, owner);
	if (!err)
		err = fresh_recovery(c, t->id, user_id, codes);
	if (!err)
		err = idp_audit_write(c, t->id, actor, "mfa.totp.enrolled", actor->email, "success",
		                      NULL);
	return err;
}

struct confirm_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const unsigned char *owner;
	const char *code;
	struct idp_recovery_codes *codes;
	enum idp_err result;
};

static enum idp_err confirm_tx(struct store_conn *c, void *arg)
{
	struct confirm_args *a = arg;

	a->result = confirm_in(c, a->t, a->by, a->by->user_id, a->owner, a->code, a->codes);
	return a->result == IDP_ERR_AUTH || a->result == IDP_ERR_NOT_FOUND ||
	               a->result == IDP_ERR_CONFLICT
	           ? IDP_OK
	           : a->result;
}

enum idp_err idp_totp_confirm(const struct idp_tenant *t, const struct idp_actor *by,
                              const unsigned char owner[IDP_SHA256_LEN], const char *code,
                              struct idp_recovery_codes *codes)
{
	struct confirm_args a = {t, by, owner, code ? code : "", codes, IDP_OK};
	enum idp_err err = idp_tx(t->id, confirm_tx, &a);

	if (err || a.result)
		idp_wipe(codes, sizeof *codes);
	return err ? err : a.result;
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
	err = confirm_in(c, a->t, &actor, u.id, owner, a->code, a->codes);
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

/* ---- the user's own settings, and the administrator's reset ---- */

struct own_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	enum idp_role role;
	const char *code;
	struct idp_recovery_codes *codes;
	enum idp_err result;
};

static enum idp_err regenerate_tx(struct store_conn *c, void *arg)
{
	struct own_args *a = arg;
	struct store_mfa m;
	enum code_kind kind;
	const char *why;
	enum idp_err err = store_mfa_get(c, a->by->user_id, true, NULL, &m);

	if (err)
		return err;
	a->result = m.secret_len ? IDP_OK : IDP_ERR_NOT_FOUND;
	if (a->result)
		return IDP_OK;
	/* A session alone does not mint codes that pass the second factor:
	 * the app's current code does (a recovery code is not spent here). */
	err = code_check(c, a->t->id, a->by->user_id, &m, a->code, false, &kind, &why);
	if (err)
		return err;
	if (kind != CODE_TOTP) {
		a->result = IDP_ERR_AUTH;
		return code_wrong(c, a->t, a->by, why);
	}
	err = fresh_recovery(c, a->t->id, a->by->user_id, a->codes);
	if (!err)
		err = idp_audit_write(c, a->t->id, a->by, "mfa.recovery.regenerated", a->by->email,
		                      "success", NULL);
	return err;
}

enum idp_err idp_recovery_regenerate(const struct idp_tenant *t, const struct idp_actor *by,
                                     const char *code, struct idp_recovery_codes *codes)
{
	struct own_args a = {.t = t, .by = by, .code = code ? code : "", .codes = codes};
	enum idp_err err = idp_tx(t->id, regenerate_tx, &a);

	if (err || a.result)
		idp_wipe(codes, sizeof *codes);
	return err ? err : a.result;
}

static enum idp_err remove_tx(struct store_conn *c, void *arg)
{
	struct own_args *a = arg;
	struct store_mfa m;
	enum code_kind kind;
	const char *why;
	enum idp_err err = store_mfa_get(c, a->by->user_id, true, NULL, &m);

	if (err)
		return err;
	a->result = IDP_OK;
	if (!m.secret_len) {
		a->result = IDP_ERR_NOT_FOUND;
		return IDP_OK;
	}
	if (idp_mfa_required(&a->t->policy, a->role)) {
		a->result = IDP_ERR_CONFLICT;
		return IDP_OK;
	}
	/* Only the app's code turns it off: a recovery code is not spent here. */
	err = code_check(c, a->t->id, a->by->user_id, &m, a->code, false, &kind, &why);
	if (err)
		return err;
	if (kind != CODE_TOTP) {
		a->result = IDP_ERR_AUTH;
		return code_wrong(c, a->t, a->by, why);
	}
	err = store_mfa_remove(c, a->by->user_id);
	if (!err)
		err = idp_audit_write(c, a->t->id, a->by, "mfa.totp.removed", a->by->email,
		                      "success", NULL);
	return err;
}

enum idp_err idp_totp_remove(const struct idp_tenant *t, const struct idp_actor *by,
                             enum idp_role role, const char *code)
{
	struct own_args a = {.t = t, .by = by, .role = role, .code = code ? code : ""};
	enum idp_err err = idp_tx(t->id, remove_tx, &a);

	return err ? err : a.result;
}

struct reset_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *email;
};

static enum idp_err reset_tx(struct store_conn *c, void *arg)
{
	struct reset_args *a = arg;
	char lower[IDP_EMAIL_MAX + 1], detail[48];
	long certs = 0;
	struct store_user u;
	enum idp_err err;

	if (!a->email || strlen(a->email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	idp_copy(lower, sizeof lower, a->email);
	idp_ascii_lower(lower);
	err = store_user_by_email(c, lower, true, &u);
	idp_wipe(u.hash, sizeof u.hash);
	if (!err)
		err = store_mfa_remove(c, u.id);
	/* A lost device takes its certificate with it: those go too. */
	if (!err)
		err = store_user_cert_delete_all(c, u.id, &certs);
	if (!err)
		err = store_flow_end_user(c, u.id);
	snprintf(detail, sizeof detail, "{\"certificates\":%ld}", certs);
	if (!err)
		err = idp_audit_write(c, a->t->id, a->by, "mfa.reset", u.email, "success", detail);
	return err;
}

enum idp_err idp_mfa_reset(const struct idp_tenant *t, const struct idp_actor *by,
                           const char *email)
{
	struct reset_args a = {t, by, email};

	return idp_tx(t->id, reset_tx, &a);
}

struct state_args {
	int64_t user_id;
	struct store_mfa m;
};

static enum idp_err state_tx(struct store_conn *c, void *arg)
{
	struct state_args *a = arg;

	return store_mfa_get(c, a->user_id, false, NULL, &a->m);
}

enum idp_err idp_mfa_state(const struct idp_tenant *t, int64_t user_id, struct idp_mfa_state *out)
{
	struct state_args a = {.user_id = user_id};
	enum idp_err err = idp_tx(t->id, state_tx, &a);

	memset(out, 0, sizeof *out);
	if (!err) {
		out->totp = a.m.secret_len > 0;
		out->enrolled_at = a.m.enrolled_at;
		out->recovery_left = out->totp ? a.m.recovery_left : 0;
	}
	idp_wipe(&a.m, sizeof a.m);
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
