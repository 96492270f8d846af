/*
 * Guessing tokens.  Invitation and reset links and API tokens are 256-bit
 * random values, so guessing one is hopeless; still, a lookup that finds
 * nothing counts against the source address exactly like a failed login
 * (idp/throttle.h: the same window and limit, "too many attempts" beyond
 * it), so a prober is slowed, and the operator's log shows the probing
 * address.  Probes write no audit event: a flood of them must not fill a
 * tenant's log.
 */
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/throttle.h"

enum idp_err idp_probe_tx(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                          const char *what, enum idp_err miss,
                          enum idp_err (*fn)(struct store_conn *c, void *arg), void *arg)
{
	unsigned n;
	enum idp_err err;

	if (idp_throttle_blocked(&ri->addr, time(NULL)))
		return IDP_ERR_RATE;
	err = idp_tx(t->id, fn, arg);
	if (err != miss)
		return err;
	n = idp_throttle_fail(&ri->addr, time(NULL));
	/* The first probe of a window and the one that reaches the limit. */
	if (idp_throttle_worth_logging(n))
		idp_warn(
		    "unknown %s link from %s in tenant %s: failed attempt %u from this address "
		    "in the current window",
		    what, ri->ip, t->slug, n);
	return err;
}
