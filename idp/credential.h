/*
 * Passwords being set: an administrator's temporary password and the
 * user's own change, checked against the policy and the history, decided
 * under the user's row lock (idp/credential.c).
 */
#ifndef IDP_CREDENTIAL_H
#define IDP_CREDENTIAL_H

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/session.h"
#include "idp/tenant.h"

/* Set a temporary password for an active user (user.password_set).  It is
 * checked against the password policy (IDP_ERR_PASSWORD with *rules); when
 * policy.password.change_at_first_login is on the user must change it at
 * the next login.  The user's sessions end.  IDP_ERR_CONFLICT (nothing
 * written) when the user is not active, or the password changed while this
 * one was checked and hashed. */
enum idp_err idp_user_set_password(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email, const char *password, unsigned *rules);

/* Change the logged-in user's password: current must verify (IDP_ERR_AUTH
 * otherwise, counted like a failed login), the new one must pass the policy
 * and the history (IDP_ERR_PASSWORD with *rules).  Clears a forced change, ends
 * the user's other sessions.  Audited password.changed.  The change commits
 * only if, under the user's row lock, session s is still open and the hash
 * is the one current was verified against: IDP_ERR_EXPIRED when s ended
 * meanwhile (e.g. a concurrent change won), IDP_ERR_CONFLICT when the
 * password changed meanwhile; either way nothing is written. */
enum idp_err idp_password_change(const struct idp_tenant *t, const struct idp_session *s,
                                 const char *current, const char *password, const char *password2,
                                 const struct idp_reqinfo *ri, unsigned *rules);

#endif
