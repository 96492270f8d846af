/*
 * Logins in more than one step (idp/flow.c).  A correct password for a user
 * who has, or must set up, a second factor gives only a pending login: a
 * short-lived server-side record behind its own cookie, holding the user,
 * what is proven and where to go afterwards.  No page, API call or later
 * SAML and gateway check accepts it as signed in; the session is made only
 * when nothing is left, and records how the user authenticated.
 *
 * Second factors: TOTP (RFC 6238, a time step accepted once, wrong codes on
 * their own counter that locks the account at the policy's max_failures),
 * and ten single-use recovery codes.
 */
#ifndef IDP_FLOW_H
#define IDP_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/rules.h"
#include "idp/session.h"
#include "idp/tenant.h"
#include "mfa/mfa.h"

#define IDP_FLOW_TTL 600 /* seconds a pending login lives */

/* A pending login as its pages see it. */
struct idp_flow {
	int64_t user_id;
	char email[IDP_EMAIL_MAX + 1];
	enum idp_role role;
	enum idp_login_step step; /* IDP_STEP_TOTP or IDP_STEP_ENROLL */
	char continuation[2049];
};

/* The pending login behind cookie value token.  IDP_ERR_AUTH when there is
 * none (unknown, ended, expired, another tenant's, or its user is no longer
 * active). */
enum idp_err idp_flow_get(const struct idp_tenant *t, const char *token, struct idp_flow *out);

/* The second step: code is a 6-digit TOTP code or a recovery code.  On
 * IDP_OK out is a finished login (step done) or, for an unlucky race, as
 * idp_login_password says.  IDP_ERR_AUTH alike for a wrong, replayed or
 * malformed code, a locked or suspended account and a dead pending login
 * (a wrong code counts; the one that reaches max_failures ends the login
 * and locks the account); IDP_ERR_RATE when the address is throttled;
 * IDP_ERR_CONFLICT when deny_new refuses the session. */
enum idp_err idp_login_code(const struct idp_tenant *t, const char *flow_token, const char *code,
                            const struct idp_reqinfo *ri, const struct idp_session *prev,
                            struct idp_login *out);

/* The forced password change as a step of the login (the password was set
 * by an administrator, or has expired): password and password2 under the
 * tenant's rules (IDP_ERR_PASSWORD with *rules), decided under the user's
 * row lock (IDP_ERR_CONFLICT when the password changed meanwhile); then the
 * login goes on (out).  IDP_ERR_AUTH when there is no pending login whose
 * next step this is.  Audited password.changed. */
enum idp_err idp_login_new_password(const struct idp_tenant *t, const char *flow_token,
                                    const char *password, const char *password2,
                                    const struct idp_reqinfo *ri, const struct idp_session *prev,
                                    struct idp_login *out, unsigned *rules);

/* ---- enrolment ---- */

/* What the enrolment page shows: the candidate secret in base32, the
 * otpauth:// URI and its QR code as inline SVG (both owned). */
struct idp_totp_offer {
	char secret_b32[MFA_B32_MAX];
	char *uri;
	char *qr_svg;
};

/* The user's candidate secret for owner (the SHA-256 of the token of the
 * pending login or session asking): the same one again while it lives (ten
 * minutes), else a new one that replaces any other browser's (a candidate
 * counts for nothing until confirmed, and is never shown to another
 * browser); IDP_ERR_CONFLICT when the user has TOTP already.  The issuer is the
 * tenant's name, the account the e-mail address. */
enum idp_err idp_totp_offer(const struct idp_tenant *t, int64_t user_id, const char *email,
                            const unsigned char owner[IDP_SHA256_LEN], struct idp_totp_offer *out);
void idp_totp_offer_free(struct idp_totp_offer *o);

struct idp_recovery_codes {
	char code[MFA_RECOVERY_COUNT][MFA_RECOVERY_LEN + 1];
};

/* Confirm owner's candidate with a code as the signed-in user by: it becomes
 * the user's TOTP secret (the confirming step counts as used) and *codes
 * gets ten new recovery codes (the old ones end).  IDP_ERR_AUTH for a wrong
 * code (not counted: nothing is protected by it yet), IDP_ERR_NOT_FOUND
 * when there is no candidate, IDP_ERR_CONFLICT when the user has TOTP
 * already (another app replaces it only after removal, which takes a
 * current code).  Audited mfa.totp.enrolled. */
enum idp_err idp_totp_confirm(const struct idp_tenant *t, const struct idp_actor *by,
                              const unsigned char owner[IDP_SHA256_LEN], const char *code,
                              struct idp_recovery_codes *codes);

/* The same for a pending login that must enrol; then the login finishes
 * (out, as idp_login_code). */
enum idp_err idp_login_enroll(const struct idp_tenant *t, const char *flow_token, const char *code,
                              const struct idp_reqinfo *ri, const struct idp_session *prev,
                              struct idp_login *out, struct idp_recovery_codes *codes);

/* New recovery codes for the signed-in user by, proven with a current code
 * of the app (a session alone does not mint codes that pass the second
 * factor); the old ones end.  IDP_ERR_NOT_FOUND without TOTP, IDP_ERR_AUTH
 * for a wrong code (counted as at login).  Audited
 * mfa.recovery.regenerated. */
enum idp_err idp_recovery_regenerate(const struct idp_tenant *t, const struct idp_actor *by,
                                     const char *code, struct idp_recovery_codes *codes);

/* Remove the signed-in user's own TOTP, proven with a current code.
 * IDP_ERR_CONFLICT while the policy requires a second factor of them (no
 * other factor exists yet), IDP_ERR_AUTH for a wrong code (counted as
 * at login).  Audited mfa.totp.removed. */
enum idp_err idp_totp_remove(const struct idp_tenant *t, const struct idp_actor *by,
                             enum idp_role role, const char *code);

/* An administrator resets a user's second factors: TOTP, candidate and
 * recovery codes go, the user's pending logins end.  Audited mfa.reset. */
enum idp_err idp_mfa_reset(const struct idp_tenant *t, const struct idp_actor *by,
                           const char *email);

struct idp_mfa_state {
	bool totp;
	int64_t enrolled_at;
	long recovery_left;
};

enum idp_err idp_mfa_state(const struct idp_tenant *t, int64_t user_id, struct idp_mfa_state *out);

#endif
