/*
 * Listening for PostgreSQL notifications (LISTEN/NOTIFY) on a connection of
 * its own, for caches that must learn when another node (or anyone) changed
 * what they hold.
 */
#ifndef STORE_NOTIFY_H
#define STORE_NOTIFY_H

#include "idp/err.h"

struct store_listener;

/* Connect (with the configured connection string) and LISTEN on each of
 * channels[0..n) (constant identifiers of ours).  *out is new (store_listen_close).
 * IDP_ERR_DB when the database cannot be reached. */
enum idp_err store_listen(const char *const *channels, int n, struct store_listener **out);

/* Wait up to timeout_ms for notifications and call fn(payload, arg) for each
 * that arrived.  IDP_OK after the wait (with or without notifications);
 * IDP_ERR_DB when the connection is lost (close it and listen again: what
 * was sent meanwhile is lost). */
enum idp_err store_listen_wait(struct store_listener *l, int timeout_ms,
                               void (*fn)(const char *channel, const char *payload, void *arg),
                               void *arg);

/* Send NOTIFY channel, 'payload' on the listening connection itself (payload:
 * letters, digits and '-' only), without waiting: when the caller listens on
 * channel, the notification coming back proves the connection alive.  At
 * most one is in flight (a second call meanwhile does nothing). */
enum idp_err store_listen_ping(struct store_listener *l, const char *channel, const char *payload);

/* Close the connection; NULL is fine. */
void store_listen_close(struct store_listener *l);

#endif
