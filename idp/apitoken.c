/*
 * Admin API tokens: the operator creates one per integration (shown once,
 * stored as SHA-256); a request bearing it acts as an administrator of its
 * tenant.  An unknown token counts against the source address like a
 * failed login (idp/probe.c).
 */
#include <stdio.h>
#include <string.h>

#include "idp/internal.h"
#include "idp/oplog.h"
#include "store/apitoken.h"

struct create_args {
	const struct idp_tenant *t;
	const char *name;
	char *out;
};

static enum idp_err create_tx(struct store_conn *c, void *arg)
{
	struct create_args *a = arg;
	unsigned char th[IDP_SHA256_LEN];
	struct idp_actor op;
	enum idp_err err;

	err = idp_token_new(a->out);
	if (err)
		return err;
	idp_sha256(a->out, strlen(a->out), th);
	err = store_apitoken_insert(c, a->t->id, a->name, th);
	if (err)
		return err;
	idp_actor_set(&op, 0, "operator", "operator", NULL);
	err = idp_audit_write(c, a->t->id, &op, "token.created", a->name, "success", NULL);
	if (!err)
		err = idp_oplog_write_owned(c, "token.created", a->t->slug, "success",
		                            idp_detail_json("name", a->name, NULL, NULL));
	return err;
}

enum idp_err idp_token_create(const struct idp_tenant *t, const char *name,
                              char out[IDP_TOKEN_LEN + 1])
{
	struct create_args a = {t, name, out};

	if (!name || !idp_name_valid(name))
		return IDP_ERR_INVALID;
	return idp_tx(t->id, create_tx, &a);
}

struct auth_args {
	const char *token;
	struct idp_actor *actor;
};

static enum idp_err auth_tx(struct store_conn *c, void *arg)
{
	struct auth_args *a = arg;
	unsigned char th[IDP_SHA256_LEN];
	char name[STORE_TOKEN_NAME_MAX + 1];
	int64_t id;
	enum idp_err err;

	if (!a->token || !idp_token_syntax_ok(a->token))
		return IDP_ERR_AUTH;
	idp_sha256(a->token, strlen(a->token), th);
	err = store_apitoken_by_hash(c, th, &id, name);
	if (err == IDP_ERR_NOT_FOUND)
		return IDP_ERR_AUTH;
	if (err)
		return err;
	a->actor->user_id = 0;
	snprintf(a->actor->email, sizeof a->actor->email, "token:%s", name);
	idp_copy(a->actor->role, sizeof a->actor->role, "api");
	return store_apitoken_touch(c, id);
}

enum idp_err idp_token_auth(const struct idp_tenant *t, const char *token,
                            const struct idp_reqinfo *ri, struct idp_actor *actor)
{
	struct auth_args a = {token, actor};

	memset(actor, 0, sizeof *actor);
	idp_copy(actor->ip, sizeof actor->ip, ri->ip);
	return idp_probe_tx(t, ri, "API token", IDP_ERR_AUTH, auth_tx, &a);
}
