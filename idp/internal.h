/*
 * Helpers shared by the idp/ operation files (ops.c, users.c, admin.c).
 * Not part of the API web/ uses.
 */
#ifndef IDP_INTERNAL_H
#define IDP_INTERNAL_H

#include <stdint.h>

#include "idp/idp.h"
#include "idp/password.h"

#define I64(buf, v) snprintf((buf), sizeof(buf), "%lld", (long long)(v))

/* "\x<hex of SHA-256(token)>" for a bytea parameter; out holds 67 bytes. */
void idp_token_hash_param(const char *token, char out[67]);

/* snprintf(dst, dstsz, "%s", src or ""). */
void idp_copy(char *dst, size_t dstsz, const char *src);

/* A JSON object text {k1: v1, k2: v2} (keys may be NULL); caller frees. */
char *idp_detail_json(const char *k1, const char *v1, const char *k2, const char *v2);

/* Fill an actor from a user and the request. */
void idp_actor_set(struct idp_actor *a, int64_t user_id, const char *email, const char *role,
                   const struct idp_reqinfo *ri);

struct store_conn;

struct store_res;

/* The result array of a listing: frees old (an earlier attempt of a retried
 * transaction), sets *n to the rows of r and returns a zeroed array of *n
 * elements of size bytes (at least one, so it can always be freed), or NULL
 * when out of memory. */
void *idp_rows_new(void *old, size_t size, const struct store_res *r, int *n);

/* Hash password with the configured Argon2id parameters into phc (which
 * arg's fields already point at), run fn(arg) as one transaction of tenant
 * tenant_id (idp_tx), then wipe phc whatever happened. */
enum idp_err idp_tx_with_hash(int64_t tenant_id, const char *password, char phc[IDP_PHC_MAX],
                              enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg);

/* Record a failed password for email inside the caller's transaction: when
 * user_id > 0 count it toward the lockout (one atomic UPDATE), audit
 * login.failure with reason (one of our constant identifiers) and, if this
 * failure locked the account, login.locked. */
enum idp_err idp_login_failed(struct store_conn *c, const struct idp_tenant *t,
                              const struct idp_actor *actor, int64_t user_id, const char *email,
                              const char *reason);

/* Link-token guessing (idp/probe.c).  idp_probe_gate: IDP_ERR_RATE when
 * ri's address is over the failed-attempt limit, else IDP_OK.
 * idp_probe_missed: count a lookup of an unknown, used or expired link of
 * kind what ("invitation", "reset", "API token") against ri's address, and log it
 * (rate-limited) for the operator; no audit event. */
enum idp_err idp_probe_gate(const struct idp_reqinfo *ri);
void idp_probe_missed(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *what);

#endif
