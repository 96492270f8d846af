/*
 * SAML single sign-on as rules and records (idp/saml.c), without Lasso:
 * who may receive an assertion and how they authenticated, request IDs
 * seen (replay), requests parked while the user logs in, persistent
 * pairwise NameIDs, the service providers a session has logged in to (for
 * Single Logout), and the audit of each assertion and refusal.
 */
#ifndef IDP_SAML_H
#define IDP_SAML_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/session.h"
#include "idp/sp.h"
#include "idp/tenant.h"

#define IDP_SAML_SKEW        180 /* seconds an IssueInstant may be off */
#define IDP_SAML_PARK_TTL    600 /* seconds a parked request waits for the login */
#define IDP_SAML_NOT_BEFORE  5   /* seconds NotBefore lies in the past */
#define IDP_SAML_ASSERT_LIFE 300 /* seconds an assertion may be presented */

/* Why an assertion is not issued (the audit's reason, a short word). */
enum idp_saml_refusal {
	IDP_SAML_OK,
	IDP_SAML_ROLE,     /* the SP's roles do not include the user's */
	IDP_SAML_MFA,      /* the policy requires a second factor the session did not use */
	IDP_SAML_PASSWORD, /* the password must be changed first */
};

/* May session s (valid, of tenant t) receive an assertion for sp?  The IP
 * allow list, client certificate, timeouts and suspension are the
 * dispatcher's and the session check's. */
enum idp_saml_refusal idp_saml_may_issue(const struct idp_tenant *t, const struct idp_session *s,
                                         const struct idp_sp *sp);
const char *idp_saml_refusal_name(enum idp_saml_refusal r);

/* The AuthnContextClassRef for how the session was proven (its amr):
 * a multi-factor class for a password with TOTP or a certificate, X509 for
 * a certificate alone, PasswordProtectedTransport for a password. */
const char *idp_saml_authn_context(const char *amr);

/* The request IssueInstant is acceptable at now (within IDP_SAML_SKEW
 * either way). */
bool idp_saml_instant_ok(int64_t issue_instant, int64_t now);

/* Record a refused SAML message (saml.refused: sp, reason, detail). Logged,
 * never returned. */
void idp_saml_refused(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *email,
                      const char *sp, const char *reason, const char *detail);

/* Record request_id of sp_id as seen (replays are refused for its
 * IssueInstant window).  IDP_ERR_CONFLICT for a replay. */
enum idp_err idp_saml_request_seen(const struct idp_tenant *t, int64_t sp_id,
                                   const char *request_id);

/* A request parked while its user logs in. */
struct idp_saml_parked {
	int64_t sp_id;
	char request_id[257];
	char *xml; /* new */
	char relay[1025];
	bool force_authn;
	int64_t session_before; /* ForceAuthn: the session present when it came (0: none) */
	int64_t created_at;
};

/* Park an AuthnRequest (its ID recorded as seen in the same transaction:
 * IDP_ERR_CONFLICT for a replay) under a new random handle (out, the
 * login's continuation names it; stored hashed). */
enum idp_err idp_saml_park(const struct idp_tenant *t, const struct idp_saml_parked *p,
                           char handle[IDP_TOKEN_LEN + 1]);
/* The parked request behind handle (out->xml new).  IDP_ERR_NOT_FOUND when
 * unknown, answered already or expired. */
enum idp_err idp_saml_parked(const struct idp_tenant *t, const char *handle,
                             struct idp_saml_parked *out);

/* One assertion about to be sent. */
struct idp_saml_issue {
	const struct idp_sp *sp;
	const struct idp_session *s;
	const char *request_id;  /* the AuthnRequest's ID, or NULL (IdP-initiated) */
	const char *park_handle; /* the parked request answered, or NULL */
	const char *format;      /* NameID format short name */
	const char *authn_context;
	char session_index[65]; /* out: the SessionIndex to put in the assertion */
	char nameid[129];       /* out: the NameID value */
};

/* In one transaction: the request ID recorded as seen (IDP_ERR_CONFLICT
 * for a replay) or the parked request taken (IDP_ERR_NOT_FOUND when it was
 * answered already), the NameID chosen (persistent: the stored pairwise
 * value, made on first use; email: the address; transient: random), the
 * session's service provider recorded for logout, and saml.assertion
 * audited {sp, nameid_format, authn_context}. */
enum idp_err idp_saml_issue(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                            struct idp_saml_issue *io);

/* ---- Single Logout ---- */

/* An SP asks to end the session it knows as nameid (and session_index when
 * not ""): that session ends (logout, audited saml.logout {sp}) and the SP
 * is forgotten by it.  IDP_ERR_NOT_FOUND when no live session matches. */
enum idp_err idp_saml_sp_logout(const struct idp_tenant *t, const struct idp_reqinfo *ri,
                                const struct idp_sp *sp, const char *nameid,
                                const char *session_index);

struct idp_saml_ssp {
	int64_t sp_id;
	char nameid[513];
	char format[16];
	char session_index[129];
	char logout_id[257];
};

/* The service providers session_id has logged in to, oldest first (*rows
 * new). */
enum idp_err idp_saml_session_sps(const struct idp_tenant *t, int64_t session_id,
                                  struct idp_saml_ssp **rows, int *n);
/* Remember that a LogoutRequest logout_id went to sp for session_id (or
 * forget the SP, logout_id NULL: it has no logout endpoint). */
enum idp_err idp_saml_logout_sent(const struct idp_tenant *t, int64_t session_id, int64_t sp_id,
                                  const char *logout_id);
/* sp answered logout_id: forget it; *session_id is the session whose
 * logout goes on.  IDP_ERR_NOT_FOUND when nothing waits for it. */
enum idp_err idp_saml_logout_answered(const struct idp_tenant *t, int64_t sp_id,
                                      const char *logout_id, int64_t *session_id);

#endif
