/*
 * Operations on users' sessions and access that are not logins: listing and
 * ending one's own sessions, and recording refused addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/idp.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "store/db.h"
#include "store/queries.h"

struct denied_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const char *who, *path;
};

static enum idp_err denied_tx(struct store_conn *c, void *arg)
{
	struct denied_args *a = arg;
	struct idp_actor actor;
	char detail[128];

	memset(&actor, 0, sizeof actor);
	snprintf(actor.email, sizeof actor.email, "%s", a->who ? a->who : "");
	snprintf(actor.ip, sizeof actor.ip, "%s", a->ri->ip);
	/* Only our own route prefix goes into the detail, never raw input. */
	snprintf(detail, sizeof detail, "{\"ip\":\"%s\"}", a->ri->ip);
	return idp_audit_write(c, a->t->id, &actor, "access.denied_ip", a->who ? a->who : "",
	                       "failure", detail);
}

void idp_access_denied_ip(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *who,
                          const char *path)
{
	struct denied_args a = {t, ri, who, path};
	enum idp_err err = idp_tx(t->id, denied_tx, &a);

	idp_info("access denied for %s to %s in tenant %s by IP policy", ri->ip, path ? path : "",
	         t->slug);
	if (err)
		idp_error("cannot audit IP denial: %s", idp_strerror(err));
}

struct slist_args {
	const struct idp_tenant *t;
	int64_t user_id;
	struct idp_session_row *rows;
	int n;
};

static enum idp_err slist_tx(struct store_conn *c, void *arg)
{
	struct slist_args *a = arg;
	struct store_res *r = NULL;
	char uid[24], idle[24];
	enum idp_err err;

	I64(uid, a->user_id);
	I64(idle, a->t->policy.session.idle_timeout_seconds);
	const char *p[2] = {uid, idle};
	err = store_exec(c, STMT_SESSION_LIST_USER, 2, p, &r);
	if (err)
		return err;
	a->rows = idp_rows_new(a->rows, sizeof *a->rows, r, &a->n);
	if (!a->rows) {
		store_res_free(r);
		return IDP_ERR_NOMEM;
	}
	for (int i = 0; i < a->n; i++) {
		a->rows[i].id = store_res_i64(r, i, 0);
		a->rows[i].created_at = store_res_i64(r, i, 1);
		a->rows[i].last_seen_at = store_res_i64(r, i, 2);
		snprintf(a->rows[i].ip, sizeof a->rows[i].ip, "%s", store_res_str(r, i, 3));
		snprintf(a->rows[i].user_agent, sizeof a->rows[i].user_agent, "%s",
		         store_res_str(r, i, 4));
	}
	store_res_free(r);
	return IDP_OK;
}

enum idp_err idp_sessions_list(const struct idp_tenant *t, int64_t user_id,
                               struct idp_session_row **rows, int *n)
{
	struct slist_args a = {t, user_id, NULL, 0};
	enum idp_err err = idp_tx(t->id, slist_tx, &a);

	if (err) {
		free(a.rows);
		*rows = NULL;
		*n = 0;
		return err;
	}
	*rows = a.rows;
	*n = a.n;
	return IDP_OK;
}

struct send_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
};

static enum idp_err send_tx(struct store_conn *c, void *arg)
{
	struct send_args *a = arg;
	struct store_res *r = NULL;
	char sid[24], uid[24], detail[64];
	enum idp_err err;

	I64(sid, a->id);
	I64(uid, a->by->user_id);
	const char *p[3] = {sid, uid, "ended_by_user"};
	err = store_exec(c, STMT_SESSION_END_OWN, 3, p, &r);
	if (err)
		return err;
	long n = store_res_affected(r);
	store_res_free(r);
	if (n != 1)
		return IDP_ERR_NOT_FOUND;
	snprintf(detail, sizeof detail, "{\"session\":%lld}", (long long)a->id);
	return idp_audit_write(c, a->t->id, a->by, "session.ended", a->by->email, "success",
	                       detail);
}

enum idp_err idp_session_end_own(const struct idp_tenant *t, const struct idp_actor *by,
                                 int64_t session_id)
{
	struct send_args a = {t, by, session_id};

	return idp_tx(t->id, send_tx, &a);
}
