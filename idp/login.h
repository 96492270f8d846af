/*
 * Password login: one Argon2id verification whatever the outcome, then
 * every decision on the user's row as it is under lock (idp/login.c).
 */
#ifndef IDP_LOGIN_H
#define IDP_LOGIN_H

#include "idp/request.h"
#include "idp/session.h"
#include "idp/tenant.h"

/* Password login.  IDP_ERR_AUTH for every kind of refusal that must look the
 * same to the user (unknown, wrong password, locked, suspended, invited);
 * IDP_ERR_RATE when the source address is throttled; IDP_ERR_CONFLICT when
 * the policy refuses a second concurrent session (deny_new); IDP_ERR_ADDRESS
 * (audited as access.denied_ip) when the source address is not in ip.allow,
 * or, for an administrator whose password was right and account usable, not
 * in ip.admin_allow.  Spends one Argon2id verification whatever the outcome
 * of the checks that follow it.
 * prev is the live session of this tenant the browser presented (NULL when
 * none): a successful login ends it in the same transaction (session.ended,
 * reason relogin), whoever it belonged to and whatever policy.session.
 * concurrent says; it never counts against deny_new.  A failed login leaves
 * it alone.
 * On IDP_OK, out->step says what happened: IDP_STEP_DONE, a session was
 * made (out->token); IDP_STEP_TOTP or IDP_STEP_ENROLL, only a pending login
 * (out->flow_token) that no page accepts as signed in, to be finished with
 * idp_login_code or idp_login_enroll (idp/flow.h).  continuation (a same-
 * site path, or NULL) is kept in the pending login for afterwards. */
enum idp_err idp_login_password(const struct idp_tenant *t, const char *email, const char *password,
                                const struct idp_reqinfo *ri, const struct idp_session *prev,
                                const char *continuation, struct idp_login *out);

#endif
