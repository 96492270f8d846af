/*
 * Per-source-address login throttling, independent of accounts: after
 * ip_max_failures failed logins from one address within ip_window_seconds,
 * that address gets "too many attempts" until the window has passed.  It
 * slows credential stuffing across many accounts and keeps one address from
 * locking out a whole tenant cheaply.  IPv6 addresses count by their /64.
 * State is in memory, per node, in a fixed-size table (the oldest entry is
 * evicted when it is full).
 */
#ifndef IDP_THROTTLE_H
#define IDP_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/addr.h"

void idp_throttle_configure(unsigned max_failures, unsigned window_seconds);

/* True when a is over its limit at time now (Unix seconds). */
bool idp_throttle_blocked(const struct idp_addr *a, int64_t now);

/* Count one failure for a at now; returns a's failures in the current
 * window, this one included (at least 1). */
unsigned idp_throttle_fail(const struct idp_addr *a, int64_t now);

/* Whether a failure that brought a's count to n deserves a line in the
 * operator's log: the first of a window and the one that reaches the limit,
 * so a prober is seen at once and again when it is stopped, however fast it
 * goes.  Pure; cannot fail. */
bool idp_throttle_worth_logging(unsigned n);

/* Forget everything (tests). */
void idp_throttle_reset(void);

#endif
