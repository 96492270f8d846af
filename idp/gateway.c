/* The gateway's decision and the audit of its refusals: see idp/gateway.h. */
#include "idp/gateway.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"

enum idp_gw_verdict idp_gateway_decide(const struct idp_snapshot *t, const struct idp_session *s,
                                       const struct idp_addr *a, const struct idp_url *u,
                                       const struct idp_app **app)
{
	const struct idp_policy *pol = &t->t.policy;
	bool ambiguous;

	*app = idp_app_match(t->apps, t->n_apps, u, &ambiguous);
	if (s->must_change_password || s->password_expired)
		return IDP_GW_PASSWORD_CHANGE;
	if (pol->ip.n_allow && !idp_cidr_list_contains(pol->ip.allow, pol->ip.n_allow, a))
		return IDP_GW_IP;
	if (s->role == IDP_ROLE_ADMIN && pol->ip.n_admin_allow &&
	    !idp_cidr_list_contains(pol->ip.admin_allow, pol->ip.n_admin_allow, a))
		return IDP_GW_IP;
	if (ambiguous)
		return IDP_GW_AMBIGUOUS;
	if (!*app)
		return IDP_GW_NO_APP;
	if (!((*app)->roles & IDP_ROLESET(s->role)))
		return IDP_GW_ROLE;
	return IDP_GW_PASS;
}

const char *idp_gw_verdict_name(enum idp_gw_verdict v)
{
	switch (v) {
	case IDP_GW_PASSWORD_CHANGE: return "password_change";
	case IDP_GW_IP: return "ip";
	case IDP_GW_AMBIGUOUS: return "ambiguous_url";
	case IDP_GW_NO_APP: return "no_app";
	case IDP_GW_ROLE: return "role";
	case IDP_GW_PASS: break;
	}
	return NULL;
}

/* ---- collapsing refusals ---- */

#define SLOTS  4096
#define PROBES 8

struct slot {
	unsigned char key[IDP_SHA256_LEN]; /* tenant, session or address, reason */
	int64_t window_start;
	unsigned left_out; /* refusals not recorded in this window */
	bool used;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned long not_recorded; /* refusals no slot could take */
static int64_t not_recorded_logged;

/* Whether this refusal is to be recorded now; *repeated gets how many of
 * its kind were left out before it.  A key takes a free slot, or one whose
 * window has passed, among a few next to its own; when all are busy the
 * refusal is only counted (and the count logged once a minute), so no mix
 * of reasons or sessions can turn the audit log into a request log. */
static bool worth_recording(const unsigned char key[IDP_SHA256_LEN], int64_t now,
                            unsigned *repeated)
{
	unsigned idx;
	struct slot *sl = NULL, *spare = NULL;
	bool record = false;
	unsigned long lost = 0;

	memcpy(&idx, key, sizeof idx);
	*repeated = 0;
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < PROBES && !sl; i++) {
		struct slot *c = &slots[(idx + i) % SLOTS];
		if (c->used && memcmp(c->key, key, IDP_SHA256_LEN) == 0)
			sl = c;
		else if (!spare && (!c->used || now - c->window_start >= IDP_GW_AUDIT_WINDOW))
			spare = c;
	}
	if (sl && now - sl->window_start >= IDP_GW_AUDIT_WINDOW) {
		*repeated = sl->left_out;
		sl->window_start = now;
		sl->left_out = 0;
		record = true;
	} else if (sl) {
		sl->left_out++;
	} else if (spare) {
		memcpy(spare->key, key, IDP_SHA256_LEN);
		spare->used = true;
		spare->window_start = now;
		spare->left_out = 0;
		record = true;
	} else {
		not_recorded++;
		if (now - not_recorded_logged >= IDP_GW_AUDIT_WINDOW) {
			lost = not_recorded;
			not_recorded = 0;
			not_recorded_logged = now;
		}
	}
	pthread_mutex_unlock(&lock);
	if (lost)
		idp_warn("gateway: %lu refusals counted but not audited (too many kinds at once)",
		         lost);
	return record;
}

struct denied_args {
	const struct idp_tenant *t;
	const struct idp_session *s;
	const struct idp_reqinfo *ri;
	const char *detail;
};

static enum idp_err denied_tx(struct store_conn *c, void *arg)
{
	struct denied_args *a = arg;
	struct idp_actor actor;

	if (a->s)
		idp_session_actor(a->s, a->ri, &actor);
	else
		idp_actor_set(&actor, 0, "", "", a->ri);
	return idp_audit_write(c, a->t->id, &actor, "gateway.denied", a->s ? a->s->email : "",
	                       "failure", a->detail);
}

void idp_gateway_denied(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri, const char *reason, const char *url,
                        const char *app)
{
	char keytext[128];
	unsigned char key[IDP_SHA256_LEN];
	unsigned repeated = 0;
	json_object *o;
	struct denied_args a = {t, s, ri, NULL};
	enum idp_err err;

	if (s)
		snprintf(keytext, sizeof keytext, "%lld/s%lld/%s", (long long)t->id,
		         (long long)s->id, reason);
	else
		snprintf(keytext, sizeof keytext, "%lld/a%s/%s", (long long)t->id, ri->ip, reason);
	idp_sha256(keytext, strlen(keytext), key);
	if (!worth_recording(key, (int64_t)time(NULL), &repeated))
		return;
	idp_info("gateway denied %s to %s in tenant %s: %s", s ? s->email : ri->ip, url ? url : "",
	         t->slug, reason);
	o = json_object_new_object();
	if (!o)
		return;
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "url", json_object_new_string(url ? url : ""));
	json_object_object_add(o, "app", json_object_new_string(app ? app : ""));
	if (repeated)
		json_object_object_add(o, "repeated", json_object_new_int64(repeated));
	a.detail = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	err = idp_tx(t->id, denied_tx, &a);
	json_object_put(o);
	if (err)
		idp_error("cannot audit gateway denial: %s", idp_strerror(err));
}
