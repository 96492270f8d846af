/*
 * Password reset by e-mail.  Asking for a link answers the same for known
 * and unknown addresses, after the same work, and delivers in the
 * background, so neither the answer nor its timing tells whether an
 * account exists; every request counts against the source address like a
 * failed login, and an account gets at most one link per five minutes.
 * The link is single-use and expires after reset_ttl_minutes; using it sets
 * the password (policy and history as for a change), lifts a lockout and
 * ends every session.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/throttle.h"
#include "store/invitation.h"
#include "store/mfa.h"
#include "store/session.h"
#include "store/user.h"

/* ---- asking for a link ---- */

struct request_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	char email[IDP_EMAIL_MAX + 1];
	char token[IDP_TOKEN_LEN + 1];
	bool send;
};

static enum idp_err request_tx(struct store_conn *c, void *arg)
{
	struct request_args *a = arg;
	struct idp_actor actor;
	struct store_user u;
	unsigned char th[IDP_SHA256_LEN];
	long recent = 0;
	enum idp_err err;

	a->send = false;
	idp_actor_set(&actor, 0, a->email, "", a->ri);
	err = store_user_by_email(c, a->email, true, &u);
	if (err && err != IDP_ERR_NOT_FOUND)
		return err;
	if (err || !idp_status_is(u.status, IDP_STATUS_ACTIVE)) {
		/* Recorded for the administrator; the requester learns nothing. */
		return idp_audit_write(
		    c, a->t->id, &actor, "password.reset_requested", a->email, "failure",
		    err ? "{\"reason\":\"unknown_user\"}" : "{\"reason\":\"not_active\"}");
	}
	actor.user_id = u.id;
	idp_copy(actor.role, sizeof actor.role, u.role);
	/* One open link per account per five minutes: repeated requests must
	 * not flood the mailbox. */
	err = store_reset_recent(c, u.id, &recent);
	if (err)
		return err;
	if (recent > 0)
		return idp_audit_write(c, a->t->id, &actor, "password.reset_requested", a->email,
		                       "failure", "{\"reason\":\"too_soon\"}");
	err = idp_token_new(a->token);
	if (err)
		return err;
	idp_sha256(a->token, strlen(a->token), th);
	err = store_reset_insert(c, a->t->id, u.id, th,
	                         time(NULL) + (int64_t)idp_rt.cfg->reset_ttl_minutes * 60);
	if (err)
		return err;
	a->send = true;
	return idp_audit_write(c, a->t->id, &actor, "password.reset_requested", a->email, "success",
	                       NULL);
}

struct mail_job {
	char to[IDP_EMAIL_MAX + 1];
	char subject[300];
	char body[2048];
};

#define MAIL_THREADS_MAX 8
static atomic_int mail_threads;

static void *mail_thread(void *arg)
{
	struct mail_job *j = arg;

	if (idp_mail_send(j->to, j->subject, j->body) != IDP_OK)
		idp_warn("password reset mail to %s not sent", j->to);
	idp_wipe(j->body, sizeof j->body);
	free(j);
	atomic_fetch_sub(&mail_threads, 1);
	return NULL;
}

/* Deliver the link in the background: the answer's timing must not depend
 * on whether a mail is being sent (the address exists) or not.  At most
 * MAIL_THREADS_MAX at once; beyond that it is delivered right here. */
static enum idp_err send_link(const struct idp_tenant *t, const struct request_args *a)
{
	struct mail_job *j = calloc(1, sizeof *j);
	pthread_attr_t attr;
	pthread_t th;

	if (!j)
		return IDP_ERR_NOMEM;
	idp_copy(j->to, sizeof j->to, a->email);
	snprintf(j->subject, sizeof j->subject, "パスワード再設定 / Password reset: %s", t->name);
	snprintf(
	    j->body, sizeof j->body,
	    "パスワード再設定のリクエストを受け付けました。次の URL から新しいパスワードを設定し"
	    "てください (%u 分間有効、1 回のみ)。\n"
	    "A password reset was requested for your account. Set a new password here (valid "
	    "for %u minutes, once):\n\n%s/t/%s/reset/%s\n\n"
	    "心当たりがない場合はこのメールを無視してください。\n"
	    "If you did not ask for this, ignore this message; your password stays as it is.\n",
	    idp_rt.cfg->reset_ttl_minutes, idp_rt.cfg->reset_ttl_minutes, idp_rt.cfg->public_url,
	    t->slug, a->token);
	atomic_fetch_add(&mail_threads, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (atomic_load(&mail_threads) > MAIL_THREADS_MAX ||
	    pthread_create(&th, &attr, mail_thread, j))
		mail_thread(j);
	pthread_attr_destroy(&attr);
	return IDP_OK;
}

enum idp_err idp_reset_request(const struct idp_tenant *t, const char *email,
                               const struct idp_reqinfo *ri)
{
	struct request_args a = {.t = t, .ri = ri};
	enum idp_err err;

	/* Every request counts against the source address, like a failed login. */
	if (idp_throttle_blocked(&ri->addr, time(NULL)))
		return IDP_ERR_RATE;
	idp_throttle_fail(&ri->addr, time(NULL));
	if (!email || !idp_email_valid(email))
		return IDP_OK; /* same answer as for an unknown address */
	idp_copy(a.email, sizeof a.email, email);
	idp_ascii_lower(a.email);
	err = idp_tx(t->id, request_tx, &a);
	if (!err && a.send)
		err = send_link(t, &a);
	idp_wipe(a.token, sizeof a.token);
	return err;
}

/* ---- using a link ---- */

struct reset_args {
	const struct idp_tenant *t;
	const char *token;
	const struct idp_reqinfo *ri;
	const char *phc; /* NULL: only look */
	int64_t user_id;
	char email[IDP_EMAIL_MAX + 1];
	char name[IDP_NAME_MAX + 1];
	char hash[IDP_PHC_MAX];
};

/* Load and lock an open reset link; NOT_FOUND otherwise. */
static enum idp_err link_load(struct store_conn *c, const char *token, struct store_reset *link)
{
	unsigned char th[IDP_SHA256_LEN];
	enum idp_err err;

	if (!token || !idp_token_syntax_ok(token))
		return IDP_ERR_NOT_FOUND;
	idp_sha256(token, strlen(token), th);
	err = store_reset_by_hash(c, th, link);
	if (!err && (link->expired || link->used))
		err = IDP_ERR_NOT_FOUND;
	return err;
}

static enum idp_err reset_tx(struct store_conn *c, void *arg)
{
	struct reset_args *a = arg;
	struct store_reset link;
	struct store_user u;
	struct idp_actor actor;
	enum idp_err err;

	err = link_load(c, a->token, &link);
	if (!err)
		err = store_user_by_id(c, link.user_id, true, &u);
	if (!err && !idp_status_is(u.status, IDP_STATUS_ACTIVE))
		err = IDP_ERR_NOT_FOUND;
	if (err)
		return err;
	/* Completing: the reuse and history checks were made against the hash
	 * the first look read; they hold only while it is still the user's. */
	if (a->phc && (u.id != a->user_id || strcmp(u.hash, a->hash) != 0))
		return IDP_ERR_CONFLICT;
	a->user_id = u.id;
	idp_copy(a->email, sizeof a->email, u.email);
	idp_copy(a->name, sizeof a->name, u.name);
	idp_copy(a->hash, sizeof a->hash, u.hash);
	if (!a->phc)
		return IDP_OK;
	idp_actor_set(&actor, u.id, u.email, u.role, a->ri);
	err = store_reset_use(c, link.id);
	if (!err)
		err = idp_password_write(c, a->t, u.id, a->phc, false);
	/* Proving control of the mailbox also lifts a lockout. */
	if (!err)
		err = store_user_unlock(c, u.id);
	if (!err)
		err = store_session_end_user(c, u.id, 0, "password_reset", NULL);
	if (!err) /* a sign-in on its way proved the old password */
		err = store_flow_end_user(c, u.id);
	if (err)
		return err;
	return idp_audit_write(c, a->t->id, &actor, "password.reset", u.email, "success", NULL);
}

/* The first look at a reset link (a->phc NULL): counted as a probe when the
 * link is unknown, IDP_ERR_RATE for an address over its limit. */
static enum idp_err reset_look(struct reset_args *a)
{
	return idp_probe_tx(a->t, a->ri, "reset", IDP_ERR_NOT_FOUND, reset_tx, a);
}

enum idp_err idp_reset_check(const struct idp_tenant *t, const char *token,
                             const struct idp_reqinfo *ri)
{
	struct reset_args a = {.t = t, .token = token, .ri = ri};
	enum idp_err err = reset_look(&a);

	idp_wipe(a.hash, sizeof a.hash);
	return err;
}

enum idp_err idp_reset_complete(const struct idp_tenant *t, const char *token, const char *password,
                                const char *password2, const struct idp_reqinfo *ri,
                                unsigned *rules)
{
	struct reset_args a = {.t = t, .token = token, .ri = ri};
	char phc[IDP_PHC_MAX];
	enum idp_err err;

	*rules = 0;
	err = reset_look(&a);
	if (err)
		goto out;
	a.phc = phc;
	err = idp_new_password_tx(t, a.user_id, a.email, a.name, a.hash, password, password2, rules,
	                          phc, reset_tx, &a);
out:
	idp_wipe(a.hash, sizeof a.hash);
	return err;
}
