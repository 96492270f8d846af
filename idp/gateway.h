/*
 * The gateway's decision (idp/gateway.c): whether a request a reverse proxy
 * asks about may pass, from the tenant's snapshot (policy and apps), the
 * session and the client's address, all in memory; and the audit of
 * refusals, collapsed so that a flood cannot fill the audit log.
 */
#ifndef IDP_GATEWAY_H
#define IDP_GATEWAY_H

#include <stdint.h>

#include "idp/app.h"
#include "idp/request.h"
#include "idp/session.h"
#include "idp/tenant.h"

enum idp_gw_verdict {
	IDP_GW_PASS,
	IDP_GW_PASSWORD_CHANGE, /* the session must change its password first (401) */
	IDP_GW_IP,              /* the address is outside the tenant's allow list(s) (403) */
	IDP_GW_AMBIGUOUS,       /* another app when the path's case is ignored (403) */
	IDP_GW_NO_APP,          /* the URL belongs to no registered app (403) */
	IDP_GW_ROLE,            /* the app does not admit the user's role (403) */
};

/* The verdict on session s (valid) asking for url u from address a under
 * snapshot t; *app gets the app u belongs to (or NULL).  The first reason
 * in the order above wins.  Pure; cannot fail. */
enum idp_gw_verdict idp_gateway_decide(const struct idp_snapshot *t, const struct idp_session *s,
                                       const struct idp_addr *a, const struct idp_url *u,
                                       const struct idp_app **app);

/* The reason's name in gateway.denied ("ip", "role", "no_app",
 * "ambiguous_url", "password_change"); NULL for IDP_GW_PASS. */
const char *idp_gw_verdict_name(enum idp_gw_verdict v);

/* Seconds within which refusals of one session (or, without one, one
 * address) for one reason are recorded once. */
#define IDP_GW_AUDIT_WINDOW 60

/* Record a refusal as gateway.denied {"reason","url","app","repeated"}:
 * the first of each session (s, may be NULL: then ri's address) and reason
 * in an IDP_GW_AUDIT_WINDOW, with how many were left out since the last
 * one recorded; the rest are counted only.  reason: idp_gw_verdict_name, or
 * "client_certificate".  Never fails visibly (a failed write is logged). */
void idp_gateway_denied(const struct idp_tenant *t, const struct idp_session *s,
                        const struct idp_reqinfo *ri, const char *reason, const char *url,
                        const char *app);

#endif
