/*
 * The administrator console's frame, shared by its tabs (web/admin_users.c,
 * web/admin_invitations.c, web/admin_policy.c, web/admin_audit.c) and kept
 * in web/admin.c: the page with its tab bar, the notice or error above a
 * tab's content (a flash), the POST/redirect/GET answer that carries one, the
 * error pages, and the few HTML helpers the tabs write with.  Web-internal:
 * nothing outside the console includes it.
 */
#ifndef WEB_ADMIN_H
#define WEB_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/i18n.h"
#include "web/table.h"
#include "web/web.h"

#define WEB_ADMIN_PAGE_SIZE 50 /* rows of a listing page (users, audit log) */

enum web_admin_tab {
	WEB_TAB_OVERVIEW,
	WEB_TAB_USERS,
	WEB_TAB_INVITATIONS,
	WEB_TAB_POLICY,
	WEB_TAB_AUDIT,
	WEB_TAB_CERTS,
	WEB_TAB_APPS,
	WEB_TAB_SAML,
};

/* What a page says above its content: a notice or an error. */
struct web_admin_flash {
	enum web_msg msg; /* M__COUNT = nothing to say */
	bool error;
	const char *arg; /* {0} in msg, or NULL */
	int64_t until;   /* an invitation's expiry to add, or 0 */
	unsigned rules;  /* failed password rules to list, or 0 */
};

/* The flash that says nothing. */
extern const struct web_admin_flash web_admin_no_flash;

/* --- HTML helpers --- */

/* Append template tmpl with {0}..{9} replaced by args; everything escaped.
 * A placeholder past nargs stays as it is. */
void web_admin_subst(struct web_buf *b, const char *tmpl, const char *const *args, int nargs);
/* Append message m with {0} replaced by arg (NULL as ""), escaped. */
void web_admin_subst1(struct web_buf *b, const struct web_req *r, enum web_msg m, const char *arg);
/* Append message m with its {0} replaced by an e-mail address that may
 * wrap after its '@' only (web_buf_email). */
void web_admin_subst_email(struct web_buf *b, const struct web_req *r, enum web_msg m,
                           const char *email);
/* Append message m, escaped. */
void web_admin_text(struct web_buf *b, const struct web_req *r, enum web_msg m);
/* Append a hidden input name=value (value escaped); nothing when value is
 * NULL or empty. */
void web_admin_hidden(struct web_buf *b, const char *name, const char *value);
/* The role chooser (select name="role" with this id), role selected. */
void web_admin_role_select(struct web_buf *b, const struct web_req *r, const char *id,
                           enum idp_role role);
/* s percent-encoded, then escaped for an attribute. */
void web_admin_urlenc(struct web_buf *b, const char *s);
/* The attributes tying input id to its hint ("<id>.hint") and its error
 * ("<id>.error"): aria-invalid when bad, aria-describedby naming those
 * there are. */
void web_admin_described(struct web_buf *b, const char *id, bool bad, bool hint);
/* The error below input id: p.field-error#<id>.error saying m. */
void web_admin_field_error(struct web_buf *b, const struct web_req *r, const char *id,
                           enum web_msg m);
/* A set of roles (IDP_ROLESET_*) as the console names them, "User,
 * Administrator". */
void web_admin_roles_text(struct web_buf *b, const struct web_req *r, unsigned set);
/* "/t/slug/admin/users/<email>[/verb]", encoded and escaped for an href. */
void web_admin_user_href(struct web_buf *b, const struct web_req *r, const char *email,
                         const char *verb);

/* --- where a form returns to --- */

/* The "back" form field or query argument when it is a console address of
 * this tenant (else NULL): where Cancel and a finished action lead. */
const char *web_admin_back(const struct web_req *r);
/* Whether that way back is a user's page (/t/slug/admin/users/<email>). */
bool web_admin_back_is_user_page(const struct web_req *r);
/* This page's own address with its q and page arguments (not escaped). */
void web_admin_here(struct web_buf *b, const struct web_req *r);

/* --- confirmation of destructive actions (web/admin_confirm.c) --- */

/* What a confirmation page asks about: "Suspend {0}?" with {0} = object,
 * the consequence spelt out, and the button that does it. */
struct web_admin_confirm {
	enum web_msg title;       /* with {0} */
	enum web_msg consequence; /* with {0} */
	enum web_msg button;
	const char *object;     /* {0}: the e-mail address or invitation it acts on */
	const char *action;     /* the POST address (already safe to embed) */
	const char *back;       /* where Cancel leads (a console address) */
	enum web_admin_tab tab; /* the tab the page belongs to */
};

/* GET of a destructive action: a page naming the object and the
 * consequence, with a form that POSTs to c->action (CSRF token and back
 * included) and a Cancel link to c->back.  Changes nothing. */
int web_admin_confirm_page(struct web_req *r, const struct web_admin_confirm *c);

/* --- the page --- */

/* Start b (up to 8 MiB) as a console page titled after tab: the page frame,
 * the console heading and the tab bar with tab marked current.  Finish it
 * with web_admin_send. */
void web_admin_begin(struct web_buf *b, const struct web_req *r, enum web_admin_tab tab);
/* Append the flash f, if it says anything (and the failed password rules it
 * lists). */
void web_admin_flash(struct web_buf *b, const struct web_req *r, const struct web_admin_flash *f);
/* End the page, send it as HTML with status and free b.  Returns the MHD result. */
int web_admin_send(struct web_req *r, unsigned status, struct web_buf *b);
/* The notice named by ?done=, ?u= and ?until= of a list page (only a valid
 * e-mail address is echoed, only a plausible time is shown). */
struct web_admin_flash web_admin_flash_from_query(const struct web_req *r);
/* Answer 303 to /t/slug/admin/<where>?done=<done>[&u=<email>][&until=]
 * [&q=&page=], carrying the form's q and page back; 400 if it is too long.
 * email may be NULL, until 0.  Returns the MHD result. */
int web_admin_back_with(struct web_req *r, const char *where, const char *done, const char *email,
                        int64_t until);

/* --- error pages (return the MHD result) --- */

int web_admin_not_found(struct web_req *r);   /* 404 */
int web_admin_bad_request(struct web_req *r); /* 400 */
int web_admin_unavailable(struct web_req *r); /* 503 */

/* --- the tabs' handlers, for web_routes_admin (web/admin.c) --- */

/* Overview (web/admin_overview.c). */
int web_admin_overview_get(struct web_req *r);
/* Users (web/admin_users.c) and one user (web/admin_user.c). */
int web_admin_users_get(struct web_req *r);
int web_admin_user_get(struct web_req *r);
int web_admin_user_confirm_get(struct web_req *r);
int web_admin_user_role_post(struct web_req *r);
int web_admin_user_session_end_get(struct web_req *r);
int web_admin_user_session_end_post(struct web_req *r);
int web_admin_invite_post(struct web_req *r);
int web_admin_user_action_post(struct web_req *r);
int web_admin_user_password_post(struct web_req *r);
/* Invitations (web/admin_invitations.c). */
int web_admin_invitations_get(struct web_req *r);
int web_admin_invitation_resend_post(struct web_req *r);
int web_admin_invitation_revoke_post(struct web_req *r);
int web_admin_invitation_revoke_get(struct web_req *r);
/* Invite email as role (re-sending when done is "resent").  When mail goes
 * out: 303 to the invitations tab with the notice.  When it does not, the
 * invitations tab with the acceptance link shown this once.  Returns -1
 * without answering when idp refuses (*err: IDP_ERR_CONFLICT for an address
 * that has an account, IDP_ERR_INVALID), for the caller to say why. */
int web_admin_invite_result(struct web_req *r, const char *email, const char *role,
                            const char *done, enum idp_err *err);

/* The users tab's pieces the user page shares (web/admin_users.c). */
void web_admin_user_actions(struct web_buf *b, const struct web_req *r,
                            const struct idp_user_row *u);
void web_admin_user_badge(struct web_buf *b, const struct web_req *r, const struct idp_user_row *u);
/* The user page with flash f (web/admin_user.c). */
int web_admin_user_render(struct web_req *r, unsigned status, const char *email,
                          const struct web_admin_flash *f);
/* Policy (web/admin_policy.c). */
int web_admin_policy_get(struct web_req *r);
int web_admin_policy_post(struct web_req *r);
/* Audit log (web/admin_audit.c). */
int web_admin_audit_get(struct web_req *r);
int web_admin_audit_csv_get(struct web_req *r);
/* Client CAs and CRLs (web/admin_certs.c). */
int web_admin_certs_get(struct web_req *r);
int web_admin_certs_post(struct web_req *r);
int web_admin_cert_delete_get(struct web_req *r);
int web_admin_cert_delete_post(struct web_req *r);

/* --- what several pages show (web/audit_text.c, web/admin_policy.c) --- */

/* One sentence for event e in r's language, escaped: who did what to whom,
 * with the detail's values translated and times in the tenant's zone. */
void web_audit_sentence(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e);
/* The events as the console's readable table with this id: time in the
 * tenant's zone, the sentence, the result, and the raw detail folded
 * (expandable without script); message none when there are no rows. */
void web_audit_table(struct web_buf *b, const struct web_req *r, const char *id,
                     const struct idp_audit_row *rows, int n, enum web_msg none);
/* The console's label of a policy field or section by its dotted name
 * ("session.idle_timeout_seconds"); the name itself when there is none. */
const char *web_policy_label(const struct web_req *r, const char *key);
/* A value of policy field key, given as idp_policy_field_text writes it, in
 * the console's words (units, choice labels, yes/no), escaped. */
void web_policy_value(struct web_buf *b, const struct web_req *r, const char *key,
                      const char *text);
/* A service provider's setting key ("name", "nameid_format", "attributes",
 * "sign", "encrypt", "roles") with its stored value (encrypt: "true" or
 * "false") in the console's words, escaped (web/admin_saml.c). */
void web_saml_setting_label(struct web_buf *b, const struct web_req *r, const char *key);
void web_saml_setting_value(struct web_buf *b, const struct web_req *r, const char *key,
                            const char *stored);

#endif
