/* SAML single sign-on as rules and records: see idp/saml.h. */
#include "idp/saml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/crypto.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "idp/metrics.h"
#include "idp/rules.h"
#include "idp/tx.h"
#include "idp/user.h"
#include "store/saml.h"
#include "store/session.h"

/* ---- rules ---- */

static bool role_listed(const char *roles, enum idp_role r)
{
	const char *want = idp_role_name(r);
	size_t n = strlen(want);

	for (const char *p = roles; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, want, n) == 0)
			return true;
		p += len + (comma ? 1 : 0);
	}
	return false;
}

static bool second_factor(const char *amr)
{
	return strstr(amr, "otp") || strstr(amr, "rec") || strstr(amr, "x509");
}

enum idp_saml_refusal idp_saml_may_issue(const struct idp_tenant *t, const struct idp_session *s,
                                         const struct idp_sp *sp)
{
	if (!role_listed(sp->roles, s->role))
		return IDP_SAML_ROLE;
	if (s->must_change_password || s->password_expired)
		return IDP_SAML_PASSWORD;
	/* A session from before the policy required a second factor does not
	 * speak for one. */
	if (idp_mfa_required(&t->policy, s->role) && !second_factor(s->amr))
		return IDP_SAML_MFA;
	return IDP_SAML_OK;
}

const char *idp_saml_refusal_name(enum idp_saml_refusal r)
{
	switch (r) {
	case IDP_SAML_OK: return "ok";
	case IDP_SAML_ROLE: return "role";
	case IDP_SAML_MFA: return "mfa_required";
	case IDP_SAML_PASSWORD: return "password_change_required";
	}
	return "";
}

const char *idp_saml_authn_context(const char *amr)
{
	/* SAML authn context §3.4: the classes for what the login proved. */
	if (strstr(amr, "otp"))
		return "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken";
	if (strstr(amr, "x509"))
		return "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";
	if (strstr(amr, "rec"))
		return "https://refeds.org/profile/mfa";
	return "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
}

bool idp_saml_instant_ok(int64_t issue_instant, int64_t now)
{
	return issue_instant >= now - IDP_SAML_SKEW && issue_instant <= now + IDP_SAML_SKEW;
}

/* ---- audit ---- */

/* An audit detail {"sp": sp, k1: v1, k2: v2} (keys may be NULL). */
static char *detail_of(const char *sp, const char *k1, const char *v1, const char *k2,
                       const char *v2)
{
	return idp_detail_json3("sp", sp, k1, v1, k2, v2);
}

struct refused_args {
	const struct idp_tenant *t;
	struct idp_actor actor;
	const char *email;
	char *detail;
};

static enum idp_err refused_tx(struct store_conn *c, void *arg)
{
	struct refused_args *a = arg;

	return idp_audit_write(c, a->t->id, &a->actor, "saml.refused", a->email, "failure",
	                       a->detail);
}

void idp_saml_refused(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *email,
                      const char *sp, const char *reason, const char *detail)
{
	struct refused_args a = {.t = t, .email = email ? email : ""};
	enum idp_err err;

	idp_actor_set(&a.actor, 0, a.email, "", ri);
	a.detail = detail_of(sp, "reason", reason, detail ? "detail" : NULL, detail);
	idp_warn("tenant %s: SAML refused (sp %.200s): %s%s%.300s", t->slug, sp ? sp : "-", reason,
	         detail ? ": " : "", detail ? detail : "");
	err = a.detail ? idp_tx(t->id, refused_tx, &a) : IDP_ERR_NOMEM;
	if (err)
		idp_error("tenant %s: saml.refused not recorded: %s", t->slug, idp_strerror(err));
	free(a.detail);
}

/* ---- replay and parking ---- */

struct seen_args {
	const struct idp_tenant *t;
	int64_t sp_id;
	const char *request_id;
};

/* A request ID is kept as long as its IssueInstant could still pass. */
static enum idp_err seen(struct store_conn *c, int64_t tenant_id, int64_t sp_id, const char *id)
{
	bool fresh = false;
	unsigned char r = 0;
	enum idp_err err = store_saml_seen(c, tenant_id, sp_id, id,
	                                   (int64_t)time(NULL) + 2 * IDP_SAML_SKEW + 60, &fresh);

	if (!err && !fresh)
		return IDP_ERR_CONFLICT;
	/* Now and then, the ones past their window go. */
	if (!err && idp_random(&r, 1) == IDP_OK && r < 4)
		err = store_saml_prune(c);
	return err;
}

static enum idp_err seen_tx(struct store_conn *c, void *arg)
{
	struct seen_args *a = arg;

	return seen(c, a->t->id, a->sp_id, a->request_id);
}

enum idp_err idp_saml_request_seen(const struct idp_tenant *t, int64_t sp_id,
                                   const char *request_id)
{
	struct seen_args a = {t, sp_id, request_id};

	return idp_tx(t->id, seen_tx, &a);
}

struct park_args {
	const struct idp_tenant *t;
	const struct idp_saml_parked *p;
	unsigned char hash[IDP_SHA256_LEN];
};

static enum idp_err park_tx(struct store_conn *c, void *arg)
{
	struct park_args *a = arg;
	struct store_saml_parked row = {.sp_id = a->p->sp_id,
	                                .xml = a->p->xml,
	                                .force_authn = a->p->force_authn,
	                                .session_before = a->p->session_before,
	                                .expires_at = (int64_t)time(NULL) + IDP_SAML_PARK_TTL};
	enum idp_err err = seen(c, a->t->id, a->p->sp_id, a->p->request_id);

	idp_copy(row.request_id, sizeof row.request_id, a->p->request_id);
	idp_copy(row.relay, sizeof row.relay, a->p->relay);
	return err ? err : store_saml_park(c, a->t->id, a->hash, &row);
}

enum idp_err idp_saml_park(const struct idp_tenant *t, const struct idp_saml_parked *p,
                           char handle[IDP_TOKEN_LEN + 1])
{
	struct park_args a = {t, p, {0}};
	enum idp_err err = idp_token_new(handle);

	if (err)
		return err;
	idp_sha256(handle, strlen(handle), a.hash);
	return idp_tx(t->id, park_tx, &a);
}

struct parked_args {
	unsigned char hash[IDP_SHA256_LEN];
	struct idp_saml_parked *out;
};

static enum idp_err parked_tx(struct store_conn *c, void *arg)
{
	struct parked_args *a = arg;
	struct store_saml_parked row;
	enum idp_err err = store_saml_parked_get(c, a->hash, &row);

	if (err)
		return err;
	if (row.expires_at < (int64_t)time(NULL)) {
		free(row.xml);
		return IDP_ERR_NOT_FOUND;
	}
	free(a->out->xml);
	a->out->sp_id = row.sp_id;
	idp_copy(a->out->request_id, sizeof a->out->request_id, row.request_id);
	a->out->xml = row.xml;
	idp_copy(a->out->relay, sizeof a->out->relay, row.relay);
	a->out->force_authn = row.force_authn;
	a->out->session_before = row.session_before;
	a->out->created_at = row.created_at;
	return IDP_OK;
}

enum idp_err idp_saml_parked(const struct idp_tenant *t, const char *handle,
                             struct idp_saml_parked *out)
{
	struct parked_args a = {.out = out};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	if (!handle || !idp_token_syntax_ok(handle))
		return IDP_ERR_NOT_FOUND;
	idp_sha256(handle, strlen(handle), a.hash);
	err = idp_tx(t->id, parked_tx, &a);
	if (err) {
		free(out->xml);
		out->xml = NULL;
	}
	return err;
}

/* ---- issuing ---- */

struct issue_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	struct idp_saml_issue *io;
	char fresh_nameid[129];
};

static enum idp_err issue_tx(struct store_conn *c, void *arg)
{
	struct issue_args *a = arg;
	struct idp_saml_issue *io = a->io;
	struct store_saml_ssp row = {.sp_id = io->sp->id};
	struct idp_actor actor;
	char *detail;
	enum idp_err err = IDP_OK;

	if (io->park_handle) {
		unsigned char h[IDP_SHA256_LEN];
		idp_sha256(io->park_handle, strlen(io->park_handle), h);
		err = store_saml_parked_take(c, h);
	} else if (io->request_id) {
		err = seen(c, a->t->id, io->sp->id, io->request_id);
	}
	if (err)
		return err;
	if (strcmp(io->format, "persistent") == 0) {
		err = store_saml_nameid_get(c, io->s->user_id, io->sp->id, io->nameid);
		if (!err && !io->nameid[0]) {
			err = store_saml_nameid_insert(c, a->t->id, io->s->user_id, io->sp->id,
			                               a->fresh_nameid);
			if (!err)
				err = store_saml_nameid_get(c, io->s->user_id, io->sp->id,
				                            io->nameid);
			if (!err && !io->nameid[0])
				err = IDP_ERR_RETRY;
		}
	} else if (strcmp(io->format, "email") == 0) {
		idp_copy(io->nameid, sizeof io->nameid, io->s->email);
	} else {
		idp_copy(io->nameid, sizeof io->nameid, a->fresh_nameid);
	}
	if (err)
		return err;
	idp_copy(row.nameid, sizeof row.nameid, io->nameid);
	idp_copy(row.format, sizeof row.format, io->format);
	idp_copy(row.session_index, sizeof row.session_index, io->session_index);
	err = store_saml_ssp_upsert(c, a->t->id, io->s->id, &row);
	if (err)
		return err;
	idp_session_actor(io->s, a->ri, &actor);
	detail = detail_of(io->sp->entity_id, "nameid_format", io->format, "authn_context",
	                   io->authn_context);
	err = idp_audit_write_owned(c, a->t->id, &actor, "saml.assertion", io->s->email, "success",
	                            detail);
	return err;
}

/* A random identifier: 256 bits as base64url (a persistent NameID, a
 * transient one, a SessionIndex). */
static enum idp_err random_id(char out[IDP_TOKEN_LEN + 1])
{
	return idp_token_new(out);
}

enum idp_err idp_saml_issue(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                            struct idp_saml_issue *io)
{
	struct issue_args a = {t, ri, io, ""};
	char si[IDP_TOKEN_LEN + 1];
	enum idp_err err = random_id(a.fresh_nameid);

	io->nameid[0] = 0;
	if (!err)
		err = random_id(si);
	if (err)
		return err;
	/* The SessionIndex names this session to this SP without telling it
	 * anything about the session's own identifiers. */
	snprintf(io->session_index, sizeof io->session_index, "_%s", si);
	err = idp_tx(t->id, issue_tx, &a);
	if (!err)
		idp_metrics_count(IDP_MF_SAML, IDP_MS_SSO_SUCCESS, t);
	return err;
}

/* ---- Single Logout ---- */

struct sp_logout_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const struct idp_sp *sp;
	const char *nameid, *session_index;
};

static enum idp_err sp_logout_tx(struct store_conn *c, void *arg)
{
	struct sp_logout_args *a = arg;
	struct idp_actor actor;
	int64_t sid = 0;
	char *detail;
	enum idp_err err = store_saml_ssp_session(c, a->sp->id, a->nameid, a->session_index, &sid);

	if (!err)
		err = store_saml_ssp_delete(c, sid, a->sp->id);
	if (!err)
		err = store_session_end(c, sid, "saml_logout", NULL);
	if (err)
		return err;
	idp_actor_set(&actor, 0, "", "", a->ri);
	detail = detail_of(a->sp->entity_id, NULL, NULL, NULL, NULL);
	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_audit_write(c, a->t->id, &actor, "saml.logout", a->sp->entity_id, "success",
	                      detail);
	free(detail);
	return err;
}

enum idp_err idp_saml_sp_logout(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                                const struct idp_sp *sp, const char *nameid,
                                const char *session_index)
{
	struct sp_logout_args a = {t, ri, sp, nameid, session_index ? session_index : ""};
	/* The session's end reaches every node's cache through the database's
	 * notification. */
	enum idp_err err = idp_tx(t->id, sp_logout_tx, &a);

	if (!err)
		idp_metrics_count(IDP_MF_SAML, IDP_MS_SLO_SUCCESS, t);
	return err;
}

struct ssp_args {
	struct idp_rows rows;
	int64_t session_id;
};

static enum idp_err ssp_tx(struct store_conn *c, void *arg)
{
	struct ssp_args *a = arg;

	return store_saml_ssp_list(c, a->session_id, (struct store_saml_ssp **)&a->rows.rows,
	                           &a->rows.n);
}

enum idp_err idp_saml_session_sps(const struct idp_tenant *t, int64_t session_id,
                                  struct idp_saml_ssp **rows, int *n)
{
	struct ssp_args a = {{NULL, 0}, session_id};
	enum idp_err err = idp_tx_run(t->id, ssp_tx, idp_rows_reset, &a);
	const struct store_saml_ssp *v = a.rows.rows;

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.rows.n ? (size_t)a.rows.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.rows.n; i++) {
		struct idp_saml_ssp *o = &(*rows)[i];
		o->sp_id = v[i].sp_id;
		idp_copy(o->nameid, sizeof o->nameid, v[i].nameid);
		idp_copy(o->format, sizeof o->format, v[i].format);
		idp_copy(o->session_index, sizeof o->session_index, v[i].session_index);
		idp_copy(o->logout_id, sizeof o->logout_id, v[i].logout_id);
	}
	if (!err)
		*n = a.rows.n;
	idp_rows_reset(&a);
	return err;
}

struct sent_args {
	int64_t session_id, sp_id;
	const char *logout_id;
};

static enum idp_err sent_tx(struct store_conn *c, void *arg)
{
	struct sent_args *a = arg;

	if (!a->logout_id)
		return store_saml_ssp_delete(c, a->session_id, a->sp_id);
	return store_saml_ssp_set_logout(c, a->session_id, a->sp_id, a->logout_id);
}

enum idp_err idp_saml_logout_sent(const struct idp_tenant *t, int64_t session_id, int64_t sp_id,
                                  const char *logout_id)
{
	struct sent_args a = {session_id, sp_id, logout_id};

	return idp_tx(t->id, sent_tx, &a);
}

struct answered_args {
	int64_t sp_id;
	const char *logout_id;
	int64_t session_id;
};

static enum idp_err answered_tx(struct store_conn *c, void *arg)
{
	struct answered_args *a = arg;

	return store_saml_ssp_done(c, a->logout_id, a->sp_id, &a->session_id);
}

enum idp_err idp_saml_logout_answered(const struct idp_tenant *t, int64_t sp_id,
                                      const char *logout_id, int64_t *session_id)
{
	struct answered_args a = {sp_id, logout_id, 0};
	enum idp_err err = idp_tx(t->id, answered_tx, &a);

	*session_id = a.session_id;
	return err;
}
