/*
 * What the operation files of idp/ share among themselves and nobody else
 * sees: small helpers for actors and audit details, the hash-then-write
 * pattern of password operations, and the pieces one operation lends
 * another (a failed password, a new session, token probes).
 */
#ifndef IDP_INTERNAL_H
#define IDP_INTERNAL_H

#include <stdint.h>

#include "idp/idp.h"
#include "idp/password.h"

struct store_conn;

/* An audit detail: the JSON object text {k1: v1, k2: v2} (keys may be NULL); caller frees;
 * NULL when out of memory. */
char *idp_detail_json(const char *k1, const char *v1, const char *k2, const char *v2);
/* The same with a third member. */
char *idp_detail_json3(const char *k1, const char *v1, const char *k2, const char *v2,
                       const char *k3, const char *v3);

/* Fill an audit actor from a user and the request (ri may be NULL).
 * (idp/audit.c, like idp_detail_json.) */
void idp_actor_set(struct idp_actor *a, int64_t user_id, const char *email, const char *role,
                   const struct idp_reqinfo *ri);

/* Hash password with the configured Argon2id parameters into phc (which
 * arg's fields already point at), run fn(arg) as one transaction of tenant
 * tenant_id (idp_tx), then wipe phc whatever happened (idp/credential.c). */
enum idp_err idp_tx_with_hash(int64_t tenant_id, const char *password, char phc[IDP_PHC_MAX],
                              enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg);

struct store_user;

/* The rules a new password breaks (IDP_PW_* bits; 0 = none), for user_id
 * with e-mail email and display name name (idp/credential.c): the static
 * rules, then (when they pass) the strength estimate, the confirmation
 * password2 (NULL = none asked), the current hash (NULL = none) and the
 * last policy.password.history passwords, read in a transaction of their
 * own.  *err is set when the history could not be read. */
unsigned idp_new_password_rules(const struct idp_tenant *t, int64_t user_id, const char *email,
                                const char *name, const char *current_hash, const char *password,
                                const char *password2, enum idp_err *err);

/* Check a new password (idp_new_password_rules: IDP_ERR_PASSWORD with
 * *rules when it breaks any), then hash it into phc and run fn(arg) as one
 * transaction (idp_tx_with_hash). */
enum idp_err idp_new_password_tx(const struct idp_tenant *t, int64_t user_id, const char *email,
                                 const char *name, const char *current_hash, const char *password,
                                 const char *password2, unsigned *rules, char phc[IDP_PHC_MAX],
                                 enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg);

/* Store a new password hash for user_id inside the caller's transaction:
 * the hash with its age and must_change, the history entry (and pruning),
 * and the end of outstanding reset links. */
enum idp_err idp_password_write(struct store_conn *c, const struct idp_tenant *t, int64_t user_id,
                                const char *phc, bool must_change);

/* Lock user_id's row into *u and confirm that its password hash is still
 * expected: the hash a decision made before the transaction (a verified
 * current password, the history and reuse checks) was taken against.
 * Password history changes only with the hash, so an unchanged hash means
 * those decisions still hold.  IDP_ERR_NOT_FOUND when the user is gone,
 * IDP_ERR_CONFLICT when the hash changed meanwhile. */
enum idp_err idp_user_lock_unchanged(struct store_conn *c, int64_t user_id, const char *expected,
                                     struct store_user *u);

/* Record a failed password for email inside the caller's transaction
 * (idp/login.c): when user_id > 0 count it toward the lockout (one atomic
 * UPDATE), audit login.failure with reason (one of our constant
 * identifiers) and, if this failure locked the account, login.locked. */
enum idp_err idp_login_failed(struct store_conn *c, const struct idp_tenant *t,
                              const struct idp_actor *actor, int64_t user_id, const char *email,
                              const char *reason);

/* Start a session for actor's user inside the caller's transaction
 * (idp/session.c), under the tenant's concurrent-session rule, ending prev
 * (the browser's live session, may be NULL) as a login must: prev never
 * counts against deny_new and ends only when the new session is made
 * (session.ended, reason relogin).  IDP_ERR_CONFLICT, with nothing changed,
 * when deny_new refuses. */
enum idp_err idp_session_start(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, const struct idp_session *prev,
                               const struct idp_reqinfo *ri, const char *amr,
                               struct idp_login *out);

/* ---- second factors (idp/factor.c), for the login's steps (idp/flow.c) ---- */

struct store_mfa;
struct idp_recovery_codes;

/* What a code proved. */
enum idp_code_kind { IDP_CODE_WRONG, IDP_CODE_TOTP, IDP_CODE_RECOVERY };

/* Check code against the user's TOTP secret (sealed in m) or, with
 * recovery_ok, an unused recovery code, spending the time step or the
 * recovery code when it is right; *why names a wrong code's reason. */
enum idp_err idp_factor_check(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                              const struct store_mfa *m, const char *code, bool recovery_ok,
                              enum idp_code_kind *kind, const char **why);

/* A wrong code: counted on its own counter and audited; at the limit the
 * account locks and its pending logins end. */
enum idp_err idp_factor_wrong(struct store_conn *c, const struct idp_tenant *t,
                              const struct idp_actor *actor, const char *why);

/* Confirm owner's candidate secret of user_id with code (IDP_ERR_AUTH,
 * nothing written, for a wrong one), with new recovery codes in *codes. */
enum idp_err idp_totp_confirm_in(struct store_conn *c, const struct idp_tenant *t,
                                 const struct idp_actor *actor, int64_t user_id,
                                 const unsigned char owner[IDP_SHA256_LEN], const char *code,
                                 struct idp_recovery_codes *codes);

/* What a login has proven so far, for idp_login_proceed. */
struct idp_proven {
	const char *first;        /* "password" or "invitation" (the audit's "method") */
	const char *second;       /* NULL, "otp" or "recovery" */
	bool rehashed;            /* the password was re-hashed with new parameters */
	bool password_change;     /* the password must be replaced before a session */
	bool cert_bound;          /* the user's factor is a bound certificate (policy factor) */
	const char *continuation; /* where to go afterwards (may be NULL) */
};

/* Inside the caller's transaction, after the user (actor) proved p: when
 * nothing is left (idp_login_next), start the session (idp_session_start)
 * and audit login.success with the methods; else open a pending login
 * (out->flow_token, valid IDP_FLOW_TTL seconds) and say which step is next
 * in out->step.  IDP_ERR_CONFLICT as idp_session_start (nothing changed). */
enum idp_err idp_login_proceed(struct store_conn *c, const struct idp_tenant *t,
                               const struct idp_actor *actor, enum idp_role role,
                               const struct idp_proven *p, const struct idp_session *prev,
                               const struct idp_reqinfo *ri, struct idp_login *out);

/* A token lookup as one transaction of t (idp/probe.c): IDP_ERR_RATE, with
 * nothing run, when ri's address is over the failed-attempt limit; else
 * fn(arg) via idp_tx, and when it answers miss (the token is unknown, used
 * or expired) the lookup counts against ri's address and is logged
 * (rate-limited) for the operator, naming the token's kind what
 * ("invitation", "reset", "API token"); no audit event. */
enum idp_err idp_probe_tx(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                          const char *what, enum idp_err miss,
                          enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg);

/* idp_session_check for the token whose SHA-256 is hash (idp/session.c);
 * *unknown (may be NULL) tells, with IDP_ERR_AUTH, that the database has
 * no such session at all (rather than an ended or expired one). */
enum idp_err idp_session_check_hash(const struct idp_tenant *t, const unsigned char *hash,
                                    struct idp_session *out, bool *unknown);

/* The caches the watcher keeps coherent (idp/watch.c): trust them (the
 * watcher listens) or not (it lost its connection, or never had one);
 * either way they start empty.  Forget what a notification names. */
void idp_tenant_cache_trust(bool trusted);
void idp_session_cache_trust(bool trusted);
void idp_session_cache_forget_hash(const char *hex);
void idp_session_cache_forget_user(int64_t user_id);
/* Write the activity the session cache saw (the flusher, every
 * IDP_SESSION_FLUSH_SECONDS; and at shutdown). */
void idp_session_cache_flush(void);
/* Free the session cache (at exit). */
void idp_session_cache_free(void);

/* The tenant's apps inside the caller's tenant transaction (idp/app.c):
 * *rows new (caller frees); IDP_ERR_DB (logged) when a stored row no longer
 * parses, since leaving it out would widen another app. */
struct idp_app;
enum idp_err idp_apps_read(struct store_conn *c, struct idp_app **rows, int *n);

/* The audit hash chain's check (idp/audit.c), shared by the tenants' logs
 * and the operator log (tenant_id 0): rows by seq against each other and
 * the head (when have_head).  IDP_ERR_CONFLICT, *first_bad set, when
 * broken. */
struct store_audit_event;
enum idp_err idp_audit_chain_check(int64_t tenant_id, const struct store_audit_event *rows, int n,
                                   bool have_head, int64_t head_seq,
                                   const unsigned char head[IDP_SHA256_LEN], long *checked,
                                   int64_t *first_bad);

/* Now as the audit logs store and hash it: "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void idp_audit_now(char out[32]);

#endif
