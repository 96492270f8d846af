/* Listening for notifications: see store/notify.h. */
#include "store/notify.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "idp/log.h"
#include "store/internal.h"

struct store_listener {
	PGconn *pg;
	bool busy; /* a ping was sent and its result not read yet */
};

enum idp_err store_listen(const char *const *channels, int n, struct store_listener **out)
{
	struct store_listener *l = calloc(1, sizeof *l);
	char sql[96];
	PGresult *r;

	*out = NULL;
	if (!l)
		return IDP_ERR_NOMEM;
	/* A connection that only reads would not notice a peer that vanished
	 * without a word (a dead host, a NAT that forgot it): TCP keepalives
	 * and a user timeout, besides the caller's pings (store_listen_ping). */
	static const char *const keys[] = {
	    "dbname",           "keepalives",       "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "connect_timeout", NULL};
	const char *vals[] = {store_conninfo(), "1", "5", "2", "2", "5000", "5", NULL};
	l->pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(l->pg) != CONNECTION_OK) {
		idp_warn("database listener: %s", PQerrorMessage(l->pg));
		store_listen_close(l);
		return IDP_ERR_DB;
	}
	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof sql, "LISTEN %s", channels[i]);
		r = PQexec(l->pg, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			idp_warn("database listener: LISTEN %s: %s", channels[i],
			         PQresultErrorMessage(r));
			PQclear(r);
			store_listen_close(l);
			return IDP_ERR_DB;
		}
		PQclear(r);
	}
	*out = l;
	return IDP_OK;
}

enum idp_err store_listen_wait(struct store_listener *l, int timeout_ms,
                               void (*fn)(const char *channel, const char *payload, void *arg),
                               void *arg)
{
	struct pollfd p = {.fd = PQsocket(l->pg), .events = POLLIN};
	PGnotify *n;

	if (p.fd < 0 || PQstatus(l->pg) != CONNECTION_OK)
		return IDP_ERR_DB;
	if (poll(&p, 1, timeout_ms) < 0)
		return IDP_OK; /* interrupted: the caller waits again */
	if (!PQconsumeInput(l->pg) || PQstatus(l->pg) != CONNECTION_OK) {
		idp_warn("database listener: connection lost: %s", PQerrorMessage(l->pg));
		return IDP_ERR_DB;
	}
	while (l->busy && !PQisBusy(l->pg)) {
		PGresult *r = PQgetResult(l->pg);
		if (!r) {
			l->busy = false;
			break;
		}
		PQclear(r);
	}
	while ((n = PQnotifies(l->pg)) != NULL) {
		fn(n->relname, n->extra, arg);
		PQfreemem(n);
	}
	return IDP_OK;
}

enum idp_err store_listen_ping(struct store_listener *l, const char *channel, const char *payload)
{
	char sql[160];

	if (l->busy)
		return IDP_OK; /* the last one is still on its way */
	snprintf(sql, sizeof sql, "NOTIFY %s, '%s'", channel, payload);
	if (!PQsendQuery(l->pg, sql))
		return IDP_ERR_DB;
	l->busy = true;
	return IDP_OK;
}

void store_listen_close(struct store_listener *l)
{
	if (!l)
		return;
	if (l->pg)
		PQfinish(l->pg);
	free(l);
}
