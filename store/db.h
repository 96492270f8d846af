/*
 * PostgreSQL access: one connection per thread (created on first use,
 * closed when the thread ends), named prepared statements prepared lazily on
 * each connection, and transactions that carry the tenant id in the
 * transaction-local setting "sekisho.tenant" that row-level security checks.
 *
 * Errors: a lost connection is IDP_ERR_DB (the next call reconnects);
 * serialization failures and deadlocks are IDP_ERR_RETRY; unique violations
 * IDP_ERR_CONFLICT.  SQLSTATEs and server messages are logged here.
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/err.h"

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

/* Run named prepared statement with n text parameters (NULL = SQL NULL).
 * On success *res (may be NULL if the caller wants none) holds the result;
 * free it with store_res_free.  Outside a transaction it is a statement of
 * its own (autocommit, no tenant setting), retried once on a connection
 * found dead. */
enum idp_err store_exec(struct store_conn *c, int stmt, int n, const char *const *params,
                        struct store_res **res);

/* Run plain SQL text without parameters (migrations, bootstrap only). */
enum idp_err store_exec_sql(struct store_conn *c, const char *sql);

int store_res_rows(const struct store_res *r);
bool store_res_null(const struct store_res *r, int row, int col);
/* Borrowed text of a field ("" for NULL), valid until store_res_free. */
const char *store_res_str(const struct store_res *r, int row, int col);
int64_t store_res_i64(const struct store_res *r, int row, int col);
bool store_res_bool(const struct store_res *r, int row, int col);
/* Decode a bytea field (hex format) into out; returns bytes or -1. */
long store_res_bytea(const struct store_res *r, int row, int col, unsigned char *out, size_t outsz);
/* Rows affected by an INSERT/UPDATE/DELETE. */
long store_res_affected(const struct store_res *r);
void store_res_free(struct store_res *r);

/* True when a trivial query succeeds on this thread's connection. */
bool store_ping(void);

/* A statement known to the pool. Defined in store/queries.c. */
struct store_stmt {
	const char *name;
	const char *sql;
};
extern const struct store_stmt store_stmts[];
extern const int store_stmts_count;

#endif
