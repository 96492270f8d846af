/*
 * The second factors a user manages and an administrator resets (see
 * idp/flow.h): enrolment of an authenticator app (a candidate secret per
 * browser, confirmed with a code), recovery codes, removal, the reset, and
 * the checking of a code that both these and the login's steps
 * (idp/flow.c) use: a TOTP time step is accepted by one atomic UPDATE, a
 * recovery code spent by one, and a wrong code counted on its own counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/flow.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "idp/rules.h"
#include "store/cert.h"
#include "store/mfa.h"
#include "store/user.h"

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

/* Check code against the user's TOTP secret (sealed in m) or unused
 * recovery codes, spending the time step or the recovery code when it is
 * right.  *why names a wrong code's reason for the audit. */
enum idp_err idp_factor_check(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                              const struct store_mfa *m, const char *code, bool recovery_ok,
                              enum idp_code_kind *kind, const char **why)
{
	unsigned char secret[MFA_TOTP_SECRET_LEN], h[IDP_SHA256_LEN];
	char norm[MFA_RECOVERY_LEN + 1];
	int64_t step = 0;
	bool ok = false;
	enum idp_err err = IDP_OK;

	*kind = IDP_CODE_WRONG;
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
				*kind = IDP_CODE_TOTP;
		}
		idp_wipe(secret, sizeof secret);
		return err;
	}
	if (recovery_ok && mfa_recovery_normalize(code, norm)) {
		*why = "wrong_recovery_code";
		recovery_hash(tenant_id, user_id, norm, h);
		err = store_recovery_use(c, user_id, h, &ok);
		if (ok)
			*kind = IDP_CODE_RECOVERY;
		idp_wipe(norm, sizeof norm);
	}
	return err;
}

/* A wrong code: count it on its own counter, audit it, and at the limit
 * lock the account and end its pending logins. */
enum idp_err idp_factor_wrong(struct store_conn *c, const struct idp_tenant *t,
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
enum idp_err idp_totp_confirm_in(struct store_conn *c, const struct idp_tenant *t,
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

	a->result =
	    idp_totp_confirm_in(c, a->t, a->by, a->by->user_id, a->owner, a->code, a->codes);
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

/* ---- the user's own settings, and the administrator's reset ---- */

struct own_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	enum idp_role role;
	const char *code;
	struct idp_recovery_codes *codes;
	enum idp_err result;
};

/* The signed-in user's own TOTP, under lock, proven with a current code of
 * the app (a recovery code is neither accepted nor spent here): false, with
 * a->result saying why (a wrong code counted), when the action must not go
 * on; *err gets a failure of the database. */
static bool own_code_ok(struct store_conn *c, struct own_args *a, bool refuse_if_required,
                        enum idp_err *err)
{
	struct store_mfa m;
	enum idp_code_kind kind;
	const char *why;

	a->result = IDP_OK;
	*err = store_mfa_get(c, a->by->user_id, true, NULL, &m);
	if (*err)
		return false;
	if (!m.secret_len)
		a->result = IDP_ERR_NOT_FOUND;
	else if (refuse_if_required && idp_mfa_required(&a->t->policy, a->role))
		a->result = IDP_ERR_CONFLICT;
	if (a->result)
		return false;
	*err = idp_factor_check(c, a->t->id, a->by->user_id, &m, a->code, false, &kind, &why);
	if (*err)
		return false;
	if (kind == IDP_CODE_TOTP)
		return true;
	a->result = IDP_ERR_AUTH;
	*err = idp_factor_wrong(c, a->t, a->by, why);
	return false;
}

/* A session alone does not mint codes that pass the second factor: the
 * app's current code does. */
static enum idp_err regenerate_tx(struct store_conn *c, void *arg)
{
	struct own_args *a = arg;
	enum idp_err err;

	if (!own_code_ok(c, a, false, &err))
		return err;
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
	enum idp_err err;

	if (!own_code_ok(c, a, true, &err))
		return err;
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
