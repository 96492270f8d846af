/*
 * The node's watcher (idp/watch.c): one connection of its own that LISTENs
 * for the database's notifications and keeps this node's caches (tenant
 * snapshots, sessions) coherent with every other node's writes; and the
 * flusher that writes the session cache's activity back in batches.  While
 * the watcher listens, the caches are served from memory; when its
 * connection drops they are emptied and every request reads the database
 * until it is back (it reconnects by itself).
 */
#ifndef IDP_WATCH_H
#define IDP_WATCH_H

#include "idp/err.h"

/* Start both threads (the daemon, idp/main.c); without them nothing is
 * served from memory. */
enum idp_err idp_watch_start(void);
/* Stop them, write the activity not yet written and free the caches. */
void idp_watch_stop(void);

#endif
