/* The transaction runner: see idp/tx.h. */
#include "idp/tx.h"

#include <stddef.h>
#include <stdlib.h>

#include "idp/metrics.h"
#include "store/db.h"

#define ATTEMPTS 3

enum idp_err idp_tx_run(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                        void (*reset)(void *arg), void *arg)
{
	enum idp_err err = IDP_ERR_RETRY;

	for (int attempt = 0; attempt < ATTEMPTS && err == IDP_ERR_RETRY; attempt++) {
		struct store_conn *c = store_conn_get();

		if (!c)
			return IDP_ERR_DB;
		if (reset)
			reset(arg);
		err = store_begin(c, tenant_id);
		if (err)
			continue;
		err = fn(c, arg);
		if (!err)
			err = store_commit(c);
		if (err)
			store_rollback(c);
		/* Audit events count once they are durable. */
		idp_metrics_tx_end(!err);
	}
	return err;
}

enum idp_err idp_tx(int64_t tenant_id, enum idp_err (*fn)(struct store_conn *c, void *arg),
                    void *arg)
{
	return idp_tx_run(tenant_id, fn, NULL, arg);
}

void idp_rows_reset(void *arg)
{
	struct idp_rows *r = arg;

	free(r->rows);
	r->rows = NULL;
	r->n = 0;
}

bool idp_ready(void)
{
	return store_ping();
}

void idp_thread_done(void)
{
	store_thread_done();
}
