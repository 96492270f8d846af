/*
 * The transaction runner: every domain operation is one database
 * transaction, bound to its tenant, with its audit event inside it
 * (idp/tx.c).
 */
#ifndef IDP_TX_H
#define IDP_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"

struct store_conn;

/* Run fn(c, arg) in a transaction bound to tenant_id (0 = none: the tenant
 * directory only) and commit when fn returns IDP_OK; roll back otherwise.
 *
 * Re-run contract: a serialization failure or deadlock (IDP_ERR_RETRY)
 * rolls back and runs fn again, at most three attempts in all, with the
 * same arg.  So fn must decide only on what it reads through c in that
 * attempt, and must not rely on anything it wrote into arg in an earlier
 * attempt: whatever fn fills in arg must be (re)set by fn itself, or by
 * reset.  fn must not commit or roll back.
 *
 * reset (may be NULL) is called with arg before every attempt, the first
 * included: the place to free results an earlier attempt allocated and to
 * clear per-attempt outputs.
 *
 * Returns fn's error, a commit error, IDP_ERR_DB when the database is
 * unreachable, or IDP_ERR_RETRY after three conflicting attempts. */
enum idp_err idp_tx_run(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                        void (*reset)(void *arg), void *arg);

/* idp_tx_run without a reset: for callbacks whose outputs are plain values
 * they set in full on every attempt. */
enum idp_err idp_tx(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                    void *arg);

/* The store rows a listing transaction fills: put it first in the
 * callback's argument and pass idp_rows_reset as idp_tx_run's reset, so an
 * attempt starts from nothing and the caller frees .rows (free()) after. */
struct idp_rows {
	void *rows;
	int n;
};

/* Free and clear the struct idp_rows at the start of arg.  Cannot fail. */
void idp_rows_reset(void *arg);

/* True when the database answers a trivial query on this thread's
 * connection (readiness). */
bool idp_ready(void);

/* Release what the calling thread holds in the layers below (its database
 * connection); for threads that are about to end. */
void idp_thread_done(void);

#endif
