/*
 * Password reset by e-mail: a single-use link to whoever controls the
 * mailbox, without telling anyone whether an address has an account
 * (idp/reset.c).
 */
#ifndef IDP_RESET_H
#define IDP_RESET_H

#include "idp/request.h"
#include "idp/tenant.h"

/* Start a reset: when email is an active user of t without a link made in
 * the last five minutes, e-mail a single-use link (valid reset_ttl_minutes);
 * audit password.reset_requested either way.  Returns IDP_OK for unknown
 * addresses too, after the same work, so the answer does not tell whether the
 * account exists.  Each request counts against the source address like a
 * failed login; IDP_ERR_RATE once it is over the limit. */
enum idp_err idp_reset_request(const struct idp_tenant *t, const char *email,
                               const struct idp_reqinfo *ri);

/* IDP_OK when token is an open reset link of t, else IDP_ERR_NOT_FOUND (the
 * lookup then counts against ri's address like a failed login);
 * IDP_ERR_RATE for an address over that limit. */
enum idp_err idp_reset_check(const struct idp_tenant *t, const char *token,
                             const struct idp_reqinfo *ri);

/* Finish a reset: set the password (policy and history as for a change),
 * use up the link, unlock the account, end all sessions.  Audited
 * password.reset.  IDP_ERR_NOT_FOUND and IDP_ERR_RATE as idp_reset_check;
 * IDP_ERR_CONFLICT (nothing written) when the password changed between the
 * checks and the write. */
enum idp_err idp_reset_complete(const struct idp_tenant *t, const char *token, const char *password,
                                const char *password2, const struct idp_reqinfo *ri,
                                unsigned *rules);

#endif
