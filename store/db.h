/*
 * PostgreSQL access: one connection per thread (created on first use,
 * closed when the thread ends), named prepared statements prepared lazily on
 * each connection, and transactions that carry the tenant id in the
 * transaction-local setting "sekisho.tenant" that row-level security checks.
 *
 * Errors: a lost connection is IDP_ERR_DB (the next call reconnects);
 * serialization failures and deadlocks are IDP_ERR_RETRY; unique violations
 * IDP_ERR_CONFLICT.  SQLSTATEs and server messages are logged here.
 *
 * This header is what the rest of the program sees of the pool; the typed
 * operations on each aggregate are in store/<aggregate>.h, and statements,
 * results and columns stay inside store/ (store/internal.h).
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"

#define STORE_SHA256_LEN 32

struct store_conn;
struct store_res;

/* Set the libpq connection string for every later connection. Not thread-safe:
 * call before threads start. conninfo is copied. */
enum idp_err store_configure(const char *conninfo);

/* The calling thread's connection, connecting if needed; NULL (and an error
 * logged) when the database is unreachable. Borrowed: freed at thread exit
 * or by store_thread_done(). */
struct store_conn *store_conn_get(void);

/* Close the calling thread's connection now (main thread before exit). */
void store_thread_done(void);

/* BEGIN and, when tenant_id > 0, SET LOCAL sekisho.tenant = tenant_id. */
enum idp_err store_begin(struct store_conn *c, int64_t tenant_id);

/* Change the tenant setting inside the open transaction (tenant creation). */
enum idp_err store_set_tenant(struct store_conn *c, int64_t tenant_id);

enum idp_err store_commit(struct store_conn *c);

/* Roll back if a transaction is open. Cannot fail (errors are logged). */
void store_rollback(struct store_conn *c);

/* True when a trivial query succeeds on this thread's connection. */
bool store_ping(void);

#endif
