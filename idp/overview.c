/* A tenant at a glance: see idp/overview.h. */
#include <string.h>

#include "idp/internal.h"
#include "idp/overview.h"
#include "store/audit.h"
#include "store/user.h"

struct overview_args {
	const struct idp_policy *p;
	struct idp_overview *o;
};

static enum idp_err overview_tx(struct store_conn *c, void *arg)
{
	struct overview_args *a = arg;
	struct idp_overview *o = a->o;
	struct store_user_stats s;
	const char *scope =
	    a->p->mfa.require == IDP_MFA_OFF ? NULL : idp_mfa_require_name(a->p->mfa.require);
	enum idp_err err;

	memset(&s, 0, sizeof s);
	err = store_user_stats(c, a->p->lockout.unlock_after_seconds, scope,
	                       a->p->password.expiry_days, IDP_OVERVIEW_WARN_DAYS,
	                       IDP_OVERVIEW_UNUSED_DAYS, &s);
	if (!err)
		err = store_audit_signins(c, &o->signins_24h, &o->failures_24h, &o->signins_7d,
		                          &o->failures_7d);
	o->active = s.active;
	o->invited = s.invited;
	o->suspended = s.suspended;
	o->locked = s.locked;
	o->without_mfa = s.mfa_scope;
	o->unused = s.unused;
	o->pw_expired = s.pw_expired;
	o->pw_expiring = s.pw_expiring;
	return err;
}

enum idp_err idp_overview(const struct idp_tenant *t, struct idp_overview *out)
{
	struct overview_args a = {&t->policy, out};

	memset(out, 0, sizeof *out);
	out->mfa_required = t->policy.mfa.require != IDP_MFA_OFF;
	out->expiry = t->policy.password.expiry_days > 0;
	return idp_tx(t->id, overview_tx, &a);
}
