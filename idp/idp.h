/*
 * Sekisho's domain operations: what web/ (and the CLI) call.  Each one loads
 * what it needs through store/, applies the tenant's rules, writes its audit
 * event in the same transaction as its change, and returns an enum idp_err
 * with results in out parameters.  Nothing here knows HTTP.
 */
#ifndef IDP_IDP_H
#define IDP_IDP_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/config.h"
#include "idp/err.h"
#include "idp/policy.h"
#include "idp/util.h"

#define IDP_EMAIL_MAX 254
#define IDP_NAME_MAX  400 /* bytes: 100 code points of up to 4 bytes */

/* Process-wide state set up once by idp_init. */
struct idp_runtime {
	const struct idp_config *cfg;
	unsigned char csrf_key[IDP_SHA256_LEN]; /* derived from the master key */
};
extern struct idp_runtime idp_rt;

/* Load or create the master key, derive keys.  cfg must outlive the process. */
enum idp_err idp_init(const struct idp_config *cfg);

/* Facts about the request an operation may record or check. */
struct idp_reqinfo {
	struct idp_addr addr;
	char ip[46];
	char user_agent[256]; /* truncated */
};

struct idp_tenant {
	int64_t id;
	char slug[64];
	char name[201];
	bool active;
	struct idp_policy policy;
};

/* Look a tenant up by slug. IDP_ERR_NOT_FOUND for unknown or invalid slugs,
 * IDP_ERR_DB when the database is unreachable. */
enum idp_err idp_tenant_load(const char *slug, struct idp_tenant *out);

/* Operator: create a tenant (audited as tenant.created).  IDP_ERR_INVALID for
 * a bad slug or name, IDP_ERR_CONFLICT if the slug exists. */
enum idp_err idp_tenant_create(const char *slug, const char *name, int64_t *id);

/* --- invitations ------------------------------------------------------ */

struct idp_session; /* a live session, below */

struct idp_invitation {
	char url[700];      /* public_url/t/slug/invite/<token> */
	int64_t expires_at; /* Unix seconds */
};

/* Invite email with role ("admin" or "user") and send the e-mail (SMTP or the
 * outbox).  An invited-but-not-yet-active user is re-invited (older links are
 * revoked).  IDP_ERR_INVALID for a bad e-mail/role, IDP_ERR_CONFLICT when the
 * address already belongs to an active or suspended user. */
enum idp_err idp_invite(const struct idp_tenant *t, const struct idp_actor *by, const char *email,
                        const char *role, struct idp_invitation *out);

/* What the acceptance page shows. */
struct idp_invite_info {
	char email[IDP_EMAIL_MAX + 1];
	char role[16];
};

/* Check an invitation token without changing anything.  IDP_ERR_NOT_FOUND
 * for unknown, used, expired or revoked tokens alike; such a lookup counts
 * against ri's address like a failed login, and IDP_ERR_RATE answers an
 * address over that limit, valid token or not. */
enum idp_err idp_invite_check(const struct idp_tenant *t, const char *token,
                              const struct idp_reqinfo *ri, struct idp_invite_info *out);

/* A logged-in session handed to web/ to set as a cookie. */
struct idp_login {
	char token[IDP_TOKEN_LEN + 1];
	int64_t expires_at; /* absolute expiry, Unix seconds */
	bool must_change_password;
};

/* Accept an invitation: set name and password (checked against the tenant's
 * password policy; *rules gets the failed rules when IDP_ERR_POLICY),
 * activate the account and log the user in, ending prev (the browser's live
 * session of this tenant, may be NULL) as a login does.  IDP_ERR_NOT_FOUND
 * and IDP_ERR_RATE as in idp_invite_check (no state change),
 * IDP_ERR_INVALID for a bad name. */
enum idp_err idp_invite_accept(const struct idp_tenant *t, const char *token, const char *name,
                               const char *password, const char *password2,
                               const struct idp_reqinfo *ri, const struct idp_session *prev,
                               unsigned *rules, struct idp_login *out);

/* Revoke an open invitation by id (admin).  IDP_ERR_NOT_FOUND otherwise. */
enum idp_err idp_invite_revoke(const struct idp_tenant *t, const struct idp_actor *by, int64_t id);

/* --- login and sessions ------------------------------------------------ */

/* Password login.  IDP_ERR_AUTH for every kind of refusal that must look the
 * same to the user (unknown, wrong password, locked, suspended, invited);
 * IDP_ERR_RATE when the source address is throttled; IDP_ERR_CONFLICT when
 * the policy refuses a second concurrent session (deny_new); IDP_ERR_POLICY
 * (audited as access.denied_ip) when the source address is not in ip.allow,
 * or, for an administrator whose password was right and account usable, not
 * in ip.admin_allow.  Spends one Argon2id verification whatever the outcome
 * of the checks that follow it.
 * prev is the live session of this tenant the browser presented (NULL when
 * none): a successful login ends it in the same transaction (session.ended,
 * reason relogin), whoever it belonged to and whatever policy.session.
 * concurrent says; it never counts against deny_new.  A failed login leaves
 * it alone. */
enum idp_err idp_login_password(const struct idp_tenant *t, const char *email, const char *password,
                                const struct idp_reqinfo *ri, const struct idp_session *prev,
                                struct idp_login *out);

/* A live session as the pages see it. */
struct idp_session {
	int64_t id;
	int64_t user_id;
	char email[IDP_EMAIL_MAX + 1];
	char name[IDP_NAME_MAX + 1];
	char role[16];
	int64_t created_at, last_seen_at, expires_at; /* Unix seconds */
	bool must_change_password; /* first login after an administrator-set password */
	bool password_expired;     /* past policy.password.expiry_days */
	unsigned char token_hash[IDP_SHA256_LEN];
};

/* Validate the session cookie value token: exists, not ended, within idle
 * and absolute timeouts, user active and not locked.  Refreshes last activity.
 * IDP_ERR_AUTH when there is no valid session (expired ones are ended). */
enum idp_err idp_session_check(const struct idp_tenant *t, const char *token,
                               const struct idp_reqinfo *ri, struct idp_session *out);

/* End the session (logout).  Audited as logout. Cannot fail visibly: a
 * missing session is not an error. */
enum idp_err idp_logout(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri);

/* --- API tokens -------------------------------------------------------- */

/* Operator: create an admin API token named name; the token (shown once)
 * goes to out.  Audited as token.created. */
enum idp_err idp_token_create(const struct idp_tenant *t, const char *name,
                              char out[IDP_TOKEN_LEN + 1]);

/* Authenticate a bearer token for tenant t; fills *actor (role "api").
 * IDP_ERR_AUTH when unknown, revoked or of another tenant (counted against
 * ri's address like a failed login); IDP_ERR_RATE for an address over that
 * limit. */
enum idp_err idp_token_auth(const struct idp_tenant *t, const char *token,
                            const struct idp_reqinfo *ri, struct idp_actor *actor);

/* --- CSRF ---------------------------------------------------------------- */

/* The CSRF token for a form bound to binding (the session cookie value when
 * logged in, else the pre-session cookie value): base64url HMAC. */
void idp_csrf_token(const char *binding, char out[IDP_TOKEN_LEN + 1]);

/* Constant-time check of a submitted CSRF token against binding. */
bool idp_csrf_ok(const char *binding, const char *submitted);

/* --- listings for the API and console ---------------------------------- */

struct idp_user_row {
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	char name[IDP_NAME_MAX + 1];
	char role[16];
	char status[16]; /* invited, active, suspended, locked */
	bool mfa;
	int64_t last_login; /* 0 = never */
	int64_t created_at;
	int failed_count;
};

/* Users of tenant t matching q (substring of e-mail or name, NULL = all),
 * at most limit from offset.  *rows is a new array (caller frees). */
enum idp_err idp_users_list(const struct idp_tenant *t, const char *q, int limit, int offset,
                            struct idp_user_row **rows, int *n);

struct idp_audit_row {
	int64_t seq;
	char at[32];
	char actor[IDP_EMAIL_MAX + 1];
	char role[16];
	char ip[46];
	char action[64];
	char target[300];
	char result[16];
	char *detail; /* owned JSON text */
};

struct idp_audit_filter {
	const char *from, *to; /* ISO 8601 or NULL */
	const char *action;    /* exact, or a dotted prefix ("login" matches login.*) */
	const char *actor;     /* exact e-mail */
	int limit, offset;
};

/* Audit events of t matching f, newest first; *total = all matches.
 * IDP_ERR_INVALID for a malformed time.  Free with idp_audit_rows_free. */
enum idp_err idp_audit_list(const struct idp_tenant *t, const struct idp_audit_filter *f,
                            struct idp_audit_row **rows, int *n, long *total);
void idp_audit_rows_free(struct idp_audit_row *rows, int n);

/* Record that ri's address was refused by the tenant's IP allow list
 * (access.denied_ip).  Failures are logged, never returned. */
void idp_access_denied_ip(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *who,
                          const char *path);

struct idp_session_row {
	int64_t id;
	int64_t created_at, last_seen_at;
	char ip[46];
	char user_agent[256];
};

/* Live sessions of user_id, newest first (at most 100); *rows is new. */
enum idp_err idp_sessions_list(const struct idp_tenant *t, int64_t user_id,
                               struct idp_session_row **rows, int *n);

/* End one of the caller's own sessions (session.ended). IDP_ERR_NOT_FOUND
 * when it is not theirs or already over. */
enum idp_err idp_session_end_own(const struct idp_tenant *t, const struct idp_actor *by,
                                 int64_t session_id);

/* --- tenant administration (issue: policies and console) ---------------
 * All of these are for administrators (the web layer checks the role) and
 * audit what they do with the administrator as actor.  Users are named by
 * e-mail address within tenant t; IDP_ERR_NOT_FOUND for an address that is
 * not a user of t (whatever other tenants hold). */

/* Replace the tenant's policy by the (possibly partial) JSON document json
 * merged over the current one.  On a bad field returns IDP_ERR_INVALID with
 * its dotted name in field and changes nothing.  Audited as policy.updated
 * with {"before":…,"after":…}.  *out receives the new policy. */
enum idp_err idp_policy_update(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *json, size_t len, char *field, size_t fieldsz,
                               struct idp_policy *out);

/* Suspend (ends all the user's sessions at once), resume, unlock, delete.
 * IDP_ERR_CONFLICT when suspending or deleting the last active
 * administrator, or when the state does not allow it (resume of a user that
 * is not suspended).  Audited user.suspended, user.resumed, user.unlocked,
 * user.deleted. */
enum idp_err idp_user_suspend(const struct idp_tenant *t, const struct idp_actor *by,
                              const char *email);
enum idp_err idp_user_resume(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);
enum idp_err idp_user_unlock(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);
enum idp_err idp_user_delete(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);

/* End every session of the user (session.forced_logout). */
enum idp_err idp_user_force_logout(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email);

/* Set a temporary password for an active user (user.password_set).  It is
 * checked against the password policy (IDP_ERR_POLICY with *rules); when
 * policy.password.change_at_first_login is on the user must change it at
 * the next login.  The user's sessions end.  IDP_ERR_CONFLICT (nothing
 * written) when the user is not active, or the password changed while this
 * one was checked and hashed. */
enum idp_err idp_user_set_password(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email, const char *password, unsigned *rules);

struct idp_invite_row {
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	char role[16];
	char created_by[IDP_EMAIL_MAX + 1];
	int64_t created_at, expires_at;
};

/* Open (unused, unrevoked, unexpired) invitations, newest first; *rows new. */
enum idp_err idp_invitations_list(const struct idp_tenant *t, struct idp_invite_row **rows, int *n);

/* --- the user's own password -------------------------------------------- */

/* Change the logged-in user's password: current must verify (IDP_ERR_AUTH
 * otherwise, counted like a failed login), the new one must pass the policy
 * and the history (IDP_ERR_POLICY with *rules).  Clears a forced change, ends
 * the user's other sessions.  Audited password.changed.  The change commits
 * only if, under the user's row lock, session s is still open and the hash
 * is the one current was verified against: IDP_ERR_EXPIRED when s ended
 * meanwhile (e.g. a concurrent change won), IDP_ERR_CONFLICT when the
 * password changed meanwhile; either way nothing is written. */
enum idp_err idp_password_change(const struct idp_tenant *t, const struct idp_session *s,
                                 const char *current, const char *password, const char *password2,
                                 const struct idp_reqinfo *ri, unsigned *rules);

/* Start a reset: when email is an active user of t without a link made in
 * the last five minutes, e-mail a single-use link (valid reset_ttl_minutes);
 * audit password.reset_requested either way.  Returns IDP_OK for unknown
 * addresses too, after the same work, so the answer does not tell whether the
 * account exists.  Each request counts against the source address like a
 * failed login; IDP_ERR_RATE once it is over the limit. */
enum idp_err idp_reset_request(const struct idp_tenant *t, const char *email,
                               const struct idp_reqinfo *ri);

/* IDP_OK when token is an open reset link of t, else IDP_ERR_NOT_FOUND (the
 * lookup then counts against ri's address like a failed login);
 * IDP_ERR_RATE for an address over that limit. */
enum idp_err idp_reset_check(const struct idp_tenant *t, const char *token,
                             const struct idp_reqinfo *ri);

/* Finish a reset: set the password (policy and history as for a change),
 * use up the link, unlock the account, end all sessions.  Audited
 * password.reset.  IDP_ERR_NOT_FOUND and IDP_ERR_RATE as idp_reset_check;
 * IDP_ERR_CONFLICT (nothing written) when the password changed between the
 * checks and the write. */
enum idp_err idp_reset_complete(const struct idp_tenant *t, const char *token, const char *password,
                                const char *password2, const struct idp_reqinfo *ri,
                                unsigned *rules);

/* Apply every active tenant's audit.retention_days now (idp_audit_prune);
 * *deleted (may be NULL) gets the number of events removed in all. */
enum idp_err idp_retention_run(long *deleted);

/* Send a mail: SMTP when smtp_url is set, else a file in <data_dir>/outbox/.
 * Body is plain UTF-8 text. */
enum idp_err idp_mail_send(const char *to, const char *subject, const char *body);

/* True when the database answers a trivial query on this thread's
 * connection (readiness). */
bool idp_ready(void);

/* Release what the calling thread holds in the layers below (its database
 * connection); for worker threads that are about to end. */
void idp_thread_done(void);

/* Run fn(c, arg) in a transaction bound to tenant_id, retrying up to three
 * times on IDP_ERR_RETRY.  fn must not commit. */
enum idp_err idp_tx(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                    void *arg);

#endif
