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
 * it alone. */
enum idp_err idp_login_password(const struct idp_tenant *t, const char *email, const char *password,
                                const struct idp_reqinfo *ri, const struct idp_session *prev,
                                struct idp_login *out);

#endif
