/*
 * Users of a tenant: their role and status (one parser and one printer for
 * each), the administrator's listing, and the lifecycle an administrator
 * drives: suspend, resume, unlock, delete, forced logout (idp/user.c).
 */
#ifndef IDP_USER_H
#define IDP_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/request.h"
#include "idp/tenant.h"

enum idp_role { IDP_ROLE_USER, IDP_ROLE_ADMIN };

enum idp_user_status { IDP_STATUS_INVITED, IDP_STATUS_ACTIVE, IDP_STATUS_SUSPENDED };

/* Parse the stored or submitted name ("user", "admin"; "invited",
 * "active", "suspended"); false for anything else.  Cannot fail. */
bool idp_role_parse(const char *s, enum idp_role *out);
bool idp_status_parse(const char *s, enum idp_user_status *out);

/* The name of a role or status; never NULL, cannot fail. */
const char *idp_role_name(enum idp_role r);
const char *idp_status_name(enum idp_user_status s);

/* Whether stored text names status s (or role r): the parser, not strcmp. */
bool idp_status_is(const char *stored, enum idp_user_status s);
bool idp_role_is(const char *stored, enum idp_role r);

struct idp_user_row;

/* What an administrator sees as a user's state: "locked" for an active user
 * whose lock holds, else the status name.  Never NULL, cannot fail. */
const char *idp_user_state(const struct idp_user_row *u);

struct idp_user_row {
	int64_t id;
	char email[IDP_EMAIL_MAX + 1];
	char name[IDP_NAME_MAX + 1];
	enum idp_role role;
	enum idp_user_status status;
	bool locked;        /* active but locked (a lock that has run out does not count) */
	bool mfa;           /* a confirmed TOTP secret */
	bool cert;          /* a client certificate bound as a second factor */
	int64_t last_login; /* 0 = never */
	int64_t created_at;
	int failed_count;
	int64_t password_changed_at; /* 0 = no password yet */
	bool must_change_password;
};

/* Users of tenant t matching q (substring of e-mail or name, NULL = all),
 * at most limit from offset.  *rows is a new array (caller frees). */
enum idp_err idp_users_list(const struct idp_tenant *t, const char *q, int limit, int offset,
                            struct idp_user_row **rows, int *n);

/* The user with this e-mail in tenant t.  IDP_ERR_NOT_FOUND when none. */
enum idp_err idp_user_get(const struct idp_tenant *t, const char *email, struct idp_user_row *out);

/* Record that ri's address was refused by the tenant's IP allow list
 * (access.denied_ip).  Failures are logged, never returned. */
void idp_access_denied_ip(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *who,
                          const char *path);

/* --- tenant administration (issue: policies and console) ---------------
 * All of these are for administrators (the web layer checks the role) and
 * audit what they do with the administrator as actor.  Users are named by
 * e-mail address within tenant t; IDP_ERR_NOT_FOUND for an address that is
 * not a user of t (whatever other tenants hold). */

/* Suspend (ends all the user's sessions at once), resume, unlock, delete.
 * IDP_ERR_CONFLICT when suspending or deleting the last active
 * administrator, or when the state does not allow it (resume of a user that
 * is not suspended).  Audited user.suspended, user.resumed, user.unlocked,
 * user.deleted. */
enum idp_err idp_user_suspend(const struct idp_tenant *t, const struct idp_actor *by,
                              const char *email);
enum idp_err idp_user_resume(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);
enum idp_err idp_user_unlock(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);
enum idp_err idp_user_delete(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *email);

/* Give the user role ("admin" or "user"; IDP_ERR_INVALID otherwise).
 * IDP_ERR_CONFLICT when that would leave no active administrator.  The same
 * role again changes nothing and records nothing.  Audited
 * user.role_changed {"from", "to"}; takes effect at the user's next request
 * (sessions read the role from the user). */
enum idp_err idp_user_set_role(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *email, const char *role);

/* End one open session of the user (session.ended {"session": id}, the
 * administrator as actor).  IDP_ERR_NOT_FOUND when it is not an open
 * session of that user. */
enum idp_err idp_user_session_end(const struct idp_tenant *t, const struct idp_actor *by,
                                  const char *email, int64_t session_id);

/* End every session of the user (session.forced_logout). */
enum idp_err idp_user_force_logout(const struct idp_tenant *t, const struct idp_actor *by,
                                   const char *email);

#endif
