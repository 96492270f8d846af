/*
 * Inside store/: running named prepared statements and reading their
 * results.  Only the files of store/ include this; everything outside uses the
 * typed operations of store/<aggregate>.h, so statement ids, parameter order
 * and column positions never leave this folder.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store/db.h"
#include "store/queries.h"

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

/* A statement known to the pool. Defined in store/queries.c. */
struct store_stmt {
	const char *name;
	const char *sql;
};
extern const struct store_stmt store_stmts[];
extern const int store_stmts_count;

/* The connection string store_configure was given ("" when none). */
const char *store_conninfo(void);

/* Text of an integer parameter, in buf (24 bytes); returns buf. */
const char *store_i64(char buf[24], int64_t v);

/* Bytes as a bytea parameter ("\\x" and hex) in out; false when outsz
 * (at least 2n + 3) is too small. */
bool store_bytea_param(const unsigned char *in, size_t n, char *out, size_t outsz);

/* A SHA-256 as a bytea parameter ("\\x" and 64 hex digits) in out. */
void store_sha256_param(const unsigned char h[STORE_SHA256_LEN], char out[67]);

/* Copy text field (row, col) of r into dst (dstsz bytes, truncated, NUL-ended). */
void store_res_copy(const struct store_res *r, int row, int col, char *dst, size_t dstsz);

/* Run a statement that must change exactly one row: IDP_ERR_NOT_FOUND when
 * it changed none. */
enum idp_err store_exec_one(struct store_conn *c, int stmt, int n, const char *const *params);

/* Run a statement and report how many rows it changed (*n may be NULL). */
enum idp_err store_exec_count(struct store_conn *c, int stmt, int n, const char *const *params,
                              long *changed);

/* Run a statement that yields one row: *r holds it (caller frees).
 * IDP_ERR_NOT_FOUND (and *r NULL) when it yields none or several. */
enum idp_err store_exec_row(struct store_conn *c, int stmt, int n, const char *const *params,
                            struct store_res **r);

/* Run a listing: *r holds its rows (caller frees, also on error) and *rows
 * is a new zeroed array (caller frees) of *count elements of size bytes
 * for the caller to fill from *r; NULL with IDP_ERR_NOMEM when out of
 * memory. */
enum idp_err store_exec_rows(struct store_conn *c, int stmt, int n, const char *const *params,
                             size_t size, void **rows, int *count, struct store_res **r);

#endif
