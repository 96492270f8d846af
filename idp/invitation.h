/*
 * Invitations: the only way into a tenant.  A single-use, expiring,
 * revocable link is mailed; accepting it sets the name and password and
 * logs the user in (idp/invitation.c).
 */
#ifndef IDP_INVITATION_H
#define IDP_INVITATION_H

#include <stdint.h>

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/session.h"
#include "idp/tenant.h"
#include "idp/user.h"

struct idp_invitation {
	char url[700];      /* public_url/t/slug/invite/<token> */
	int64_t expires_at; /* Unix seconds */
	bool mailed;        /* delivered to an SMTP server (not only to the outbox) */
};

/* Invite email with role ("admin" or "user") and send the e-mail (SMTP or the
 * outbox).  An invited-but-not-yet-active user is re-invited (older links are
 * revoked).  IDP_ERR_INVALID for a bad e-mail/role, IDP_ERR_CONFLICT when the
 * address already belongs to an active or suspended user. */
enum idp_err idp_invite(const struct idp_tenant *t, const struct idp_actor *by, const char *email,
                        const char *role, struct idp_invitation *out);

/* What the acceptance page shows. */
struct idp_invite_info {
	char email[IDP_EMAIL_MAX + 1];
	enum idp_role role;
};

/* Check an invitation token without changing anything.  IDP_ERR_NOT_FOUND
 * for unknown, used, expired or revoked tokens alike; such a lookup counts
 * against ri's address like a failed login, and IDP_ERR_RATE answers an
 * address over that limit, valid token or not. */
enum idp_err idp_invite_check(const struct idp_tenant *t, const char *token,
                              const struct idp_reqinfo *ri, struct idp_invite_info *out);

/* Accept an invitation: set name and password (checked against the tenant's
 * password policy; *rules gets the failed rules when IDP_ERR_PASSWORD),
 * activate the account and log the user in, ending prev (the browser's live
 * session of this tenant, may be NULL) as a login does.  IDP_ERR_NOT_FOUND
 * and IDP_ERR_RATE as in idp_invite_check (no state change),
 * IDP_ERR_INVALID for a bad name. */
enum idp_err idp_invite_accept(const struct idp_tenant *t, const char *token, const char *name,
                               const char *password, const char *password2,
                               const struct idp_reqinfo *ri, const struct idp_session *prev,
                               unsigned *rules, struct idp_login *out);

/* Revoke an open invitation by id (admin).  IDP_ERR_NOT_FOUND otherwise. */
enum idp_err idp_invite_revoke(const struct idp_tenant *t, const struct idp_actor *by, int64_t id);

struct idp_invite_row {
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	enum idp_role role;
	char created_by[IDP_EMAIL_MAX + 1];
	int64_t created_at, expires_at;
};

/* Open (unused, unrevoked, unexpired) invitations, newest first; *rows new. */
enum idp_err idp_invitations_list(const struct idp_tenant *t, struct idp_invite_row **rows, int *n);

#endif
