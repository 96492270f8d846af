/*
 * Invitations: the only way into a tenant.  An administrator (or the
 * operator) invites an address with a role; the invitee gets a mail with a
 * single-use link (256-bit token, stored as SHA-256) valid
 * invitation_ttl_hours; accepting it sets the display name and password,
 * activates the account and logs the user in, in one transaction.  A
 * re-invitation replaces the open links and may change the role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "store/invitation.h"
#include "store/user.h"

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
	struct store_user u;
	unsigned char th[IDP_SHA256_LEN];
	char exp[24], *detail = NULL;
	int64_t user_id, expires = time(NULL) + (int64_t)idp_rt.cfg->invitation_ttl_hours * 3600;
	enum idp_err err;

	err = store_user_by_email(c, a->email, true, &u);
	if (err && err != IDP_ERR_NOT_FOUND)
		goto out;
	if (!err) {
		if (!idp_status_is(u.status, IDP_STATUS_INVITED)) {
			err = IDP_ERR_CONFLICT;
			goto out;
		}
		user_id = u.id;
		/* A re-invitation replaces the old links and may change the role. */
		err = store_invitation_revoke_user(c, user_id);
		if (!err)
			err = store_user_set_role(c, user_id, a->role);
	} else {
		err = store_user_insert_invited(c, a->t->id, a->email, a->role, &user_id);
	}
	if (err)
		goto out;
	err = idp_token_new(a->token);
	if (err)
		goto out;
	idp_sha256(a->token, strlen(a->token), th);
	err = store_invitation_insert(c, a->t->id, user_id, th, a->by->email, expires,
	                              &a->expires_at);
	if (err)
		goto out;
	snprintf(exp, sizeof exp, "%lld", (long long)expires);
	detail = idp_detail_json("role", a->role, "expires_at", exp);
	if (!detail) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	err = idp_audit_write(c, a->t->id, a->by, "user.invited", a->email, "success", detail);
out:
	free(detail);
	return err;
}

/* Mail the invitation link in out->url (valid until out->expires_at);
 * out->mailed tells whether an SMTP server took it. */
static void invite_mail(const struct idp_tenant *t, const char *email, struct idp_invitation *out)
{
	char subject[200], body[2048], when[21];

	idp_time_iso(out->expires_at, when);
	snprintf(subject, sizeof subject, "招待 / Invitation: %s", t->name);
	snprintf(body, sizeof body,
	         "%s への招待が届いています。次の URL を開いてアカウントを有効にしてください。\n"
	         "You have been invited to %s. Open this link to activate your account:\n\n"
	         "%s\n\n"
	         "有効期限 / Valid until: %s (UTC)\n"
	         "心当たりがない場合はこのメールを無視してください。\n"
	         "If you did not expect this, ignore this message.\n",
	         t->name, t->name, out->url, when);
	out->mailed = idp_mail_send(email, subject, body) == IDP_OK && idp_mail_configured();
	if (!out->mailed && idp_mail_configured())
		idp_warn("invitation for %s in %s created but the e-mail was not sent", email,
		         t->slug);
	idp_wipe(body, sizeof body);
}

enum idp_err idp_invite(const struct idp_tenant *t, const struct idp_actor *by, const char *email,
                        const char *role, struct idp_invitation *out)
{
	struct invite_args a = {.t = t, .by = by, .role = role};
	enum idp_role r;
	enum idp_err err;

	if (!email || !idp_email_valid(email) || !role || !idp_role_parse(role, &r))
		return IDP_ERR_INVALID;
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	err = idp_tx(t->id, invite_tx, &a);
	if (err)
		goto out;
	snprintf(out->url, sizeof out->url, "%s/t/%s/invite/%s", idp_rt.cfg->public_url, t->slug,
	         a.token);
	out->expires_at = a.expires_at;
	invite_mail(t, a.email, out);
out:
	idp_wipe(a.token, sizeof a.token);
	return err;
}

/* Load and lock an invitation with its user; IDP_ERR_NOT_FOUND unless it
 * is open (unused, unrevoked, unexpired, user still invited). */
static enum idp_err invite_load(struct store_conn *c, const char *token,
                                struct store_invitation *inv)
{
	unsigned char th[IDP_SHA256_LEN];
	enum idp_err err;

	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_NOT_FOUND;
	idp_sha256(token, strlen(token), th);
	err = store_invitation_by_hash(c, th, inv);
	if (err)
		return err;
	if (inv->used || inv->revoked || inv->expires_at <= inv->now ||
	    !idp_status_is(inv->status, IDP_STATUS_INVITED))
		return IDP_ERR_NOT_FOUND;
	return IDP_OK;
}

struct check_args {
	const char *token;
	struct idp_invite_info *out;
};

static enum idp_err check_tx(struct store_conn *c, void *arg)
{
	struct check_args *a = arg;
	struct store_invitation inv;
	enum idp_err err = invite_load(c, a->token, &inv);

	if (err)
		return err;
	idp_copy(a->out->email, sizeof a->out->email, inv.email);
	if (!idp_role_parse(inv.role, &a->out->role))
		return IDP_ERR_DB; /* the schema allows nothing else */
	return IDP_OK;
}

enum idp_err idp_invite_check(const struct idp_tenant *t, const char *token,
                              const struct idp_reqinfo *ri, struct idp_invite_info *out)
{
	struct check_args a = {token, out};

	return idp_probe_tx(t, ri, "invitation", IDP_ERR_NOT_FOUND, check_tx, &a);
}

struct accept_args {
	const struct idp_tenant *t;
	const char *token, *name, *hash;
	const struct idp_reqinfo *ri;
	const struct idp_session *prev;
	struct idp_login *out;
};

static enum idp_err accept_tx(struct store_conn *c, void *arg)
{
	struct accept_args *a = arg;
	struct store_invitation inv;
	struct idp_actor actor;
	struct idp_proven proven = {.first = "invitation"};
	enum idp_role role = IDP_ROLE_USER;
	/* invite_load locks the invitation and its user: every decision below
	 * is on the rows as they are now. */
	enum idp_err err = invite_load(c, a->token, &inv);

	if (err)
		return err;
	idp_role_parse(inv.role, &role);
	idp_actor_set(&actor, inv.user_id, inv.email, inv.role, a->ri);
	err = store_invitation_use(c, inv.id);
	if (!err)
		err = store_user_activate(c, inv.user_id, a->name, a->hash);
	if (!err)
		err = store_history_add(c, a->t->id, inv.user_id, a->hash);
	if (!err)
		err = idp_audit_write(c, a->t->id, &actor, "invitation.accepted", inv.email,
		                      "success", NULL);
	if (err)
		return err;
	/* A policy that requires a second factor sends the new user to enrol
	 * it before there is any session. */
	err = idp_login_proceed(c, a->t, &actor, role, &proven, a->prev, a->ri, a->out);
	if (err == IDP_ERR_CONFLICT) /* a brand-new account has no other session */
		err = IDP_ERR_DB;
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
		return IDP_ERR_PASSWORD;
	}
	*rules = idp_password_check(password, info.email, &t->policy);
	if (!*rules) {
		struct idp_pw_context ctx = {info.email, name, t->slug, t->name};
		*rules = idp_password_strength(password, &ctx, &t->policy);
	}
	if (!password2 || strcmp(password, password2) != 0)
		*rules |= IDP_PW_MISMATCH;
	if (*rules)
		return IDP_ERR_PASSWORD;
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
	char email[IDP_EMAIL_MAX + 1];
	enum idp_err err = store_invitation_revoke(c, a->id, email);

	if (err)
		return err;
	return idp_audit_write(c, a->t->id, a->by, "invitation.revoked", email, "success", NULL);
}

enum idp_err idp_invite_revoke(const struct idp_tenant *t, const struct idp_actor *by, int64_t id)
{
	struct revoke_args a = {t, by, id};

	return idp_tx(t->id, revoke_tx, &a);
}

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct idp_rows *a = arg;

	return store_invitation_list_open(c, (struct store_invitation_row **)&a->rows, &a->n);
}

enum idp_err idp_invitations_list(const struct idp_tenant *t, struct idp_invite_row **rows, int *n)
{
	struct idp_rows a = {NULL, 0};
	const struct store_invitation_row *v;
	enum idp_err err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	v = a.rows;
	for (int i = 0; !err && i < a.n; i++) {
		struct idp_invite_row *r = &(*rows)[i];
		r->id = v[i].id;
		idp_copy(r->email, sizeof r->email, v[i].email);
		if (!idp_role_parse(v[i].role, &r->role))
			err = IDP_ERR_DB; /* the schema allows nothing else */
		idp_copy(r->created_by, sizeof r->created_by, v[i].created_by);
		r->created_at = v[i].created_at;
		r->expires_at = v[i].expires_at;
	}
	if (!err)
		*n = a.n;
	idp_rows_reset(&a);
	return err;
}
