/*
 * A tenant at a glance, for its administrators and their auditors: how many
 * accounts are in each state, how many must use a second factor, sign-ins
 * and failures of the last day and week, unused accounts and passwords about
 * to expire (idp/overview.c).
 */
#ifndef IDP_OVERVIEW_H
#define IDP_OVERVIEW_H

#include <stdbool.h>

#include "idp/err.h"
#include "idp/tenant.h"

#define IDP_OVERVIEW_UNUSED_DAYS 90 /* an active account unused this long is listed */
#define IDP_OVERVIEW_WARN_DAYS   14 /* a password expiring within this is "about to" */

struct idp_overview {
	long active, invited, suspended, locked; /* locked: active but locked out */
	bool mfa_required;                       /* policy mfa.require is not off */
	long without_mfa;                        /* active users it applies to who have none */
	long signins_24h, failures_24h, signins_7d, failures_7d;
	long unused; /* active, no sign-in for IDP_OVERVIEW_UNUSED_DAYS */
	bool expiry; /* policy password.expiry_days > 0 */
	long pw_expired, pw_expiring;
};

/* The figures of tenant t now, read in one transaction. */
enum idp_err idp_overview(const struct idp_tenant *t, struct idp_overview *out);

#endif
