/*
 * The console's invitations tab (/admin/invitations): the invitations still
 * open, each with "re-send" (a new invitation for the same address, which
 * ends the older link) and "revoke" (after a confirmation page).  Inviting
 * is on the users tab.  When no SMTP server is configured the invitation
 * mail only reaches the outbox directory, so the console shows the
 * acceptance link once, for the administrator to pass on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

static void invitation_row(struct web_buf *b, const struct web_req *r,
                           const struct idp_invite_row *v)
{
	const char *tz = r->tenant.policy.audit.timezone;
	char created[40], expires[40];

	idp_time_local(v->created_at, tz, created);
	idp_time_local(v->expires_at, tz, expires);
	web_buf_printf(b, "<tr data-invitation=\"%lld\">", (long long)v->id);
	web_td(b, r, M_EMAIL, NULL);
	web_buf_email(b, v->email);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ROLE, "nowrap");
	web_admin_text(b, r, v->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ADM_INVITED_BY, NULL);
	if (strchr(v->created_by, '@'))
		web_buf_email(b, v->created_by);
	else /* the operator's command line invites as "operator" */
		web_admin_text(b, r, M_AUD_ACTOR_OPERATOR);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ADM_CREATED, "muted");
	web_buf_time(b, created);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_ADM_EXPIRES, "muted");
	web_buf_time(b, expires);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	web_buf_printf(b,
	               "<div class=\"actions\"><form method=\"post\" "
	               "action=\"/t/%s/admin/invitations/resend\">",
	               r->slug);
	web_page_csrf(b, r);
	web_admin_hidden(b, "email", v->email);
	web_admin_hidden(b, "role", idp_role_name(v->role));
	web_buf_puts(b, "<button type=\"submit\" class=\"secondary\" data-action=\"resend\">");
	web_admin_text(b, r, M_ADM_RESEND);
	web_buf_printf(b,
	               "</button></form><a class=\"button danger\" data-action=\"revoke\" "
	               "href=\"/t/%s/admin/invitations/%lld/revoke\">",
	               r->slug, (long long)v->id);
	web_admin_text(b, r, M_ADM_REVOKE);
	web_buf_puts(b, "</a></div></td></tr>");
}

/* The link of an invitation just made, to copy and pass on. */
static void link_box(struct web_buf *b, const struct web_req *r, const char *email, const char *url,
                     int64_t until, bool resent)
{
	char when[40];

	idp_time_local(until, r->tenant.policy.audit.timezone, when);
	web_buf_puts(b,
	             "<section class=\"warning link-box\" id=\"invite-link\" role=\"status\"><p>");
	web_admin_subst1(b, r, resent ? M_ADM_LINK_RESENT : M_ADM_LINK_CREATED, email);
	web_buf_puts(b, " ");
	web_admin_text(b, r, idp_mail_configured() ? M_ADM_LINK_MAIL_FAILED : M_ADM_LINK_NO_MAIL);
	web_buf_puts(b, " ");
	web_admin_subst1(b, r, M_ADM_VALID_UNTIL, when);
	web_buf_puts(b, "</p><label for=\"invite-url\">");
	web_admin_text(b, r, M_ADM_LINK_LABEL);
	web_buf_puts(b, "</label><input type=\"text\" id=\"invite-url\" readonly "
	                "spellcheck=\"false\" value=\"");
	web_buf_esc(b, url);
	web_buf_puts(b, "\"><p class=\"hint\">");
	web_admin_text(b, r, M_ADM_LINK_ONCE);
	web_buf_puts(b, "</p></section>");
}

/* The tab; link (may be NULL) is an invitation just made to show once. */
static int invitations_render(struct web_req *r, unsigned status, const struct web_admin_flash *f,
                              const struct idp_invitation *link, const char *email, bool resent)
{
	static const enum web_msg heads[] = {M_EMAIL,       M_ROLE,        M_ADM_INVITED_BY,
	                                     M_ADM_CREATED, M_ADM_EXPIRES, M_ADM_ACTIONS};
	struct idp_invite_row *rows = NULL;
	struct web_buf b;
	int n = 0;

	if (idp_invitations_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_INVITATIONS);
	b.secret = link != NULL; /* the page holds the link: wipe it once sent */
	web_admin_flash(&b, r, f);
	if (link)
		link_box(&b, r, email, link->url, link->expires_at, resent);
	web_buf_puts(&b, "<section class=\"card\">");
	web_table_open(&b, r, "invitations", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		invitation_row(&b, r, &rows[i]);
	web_table_close(&b, r, n, M_ADM_NO_INVITATIONS);
	web_buf_printf(
	    &b, "<div class=\"actions\"><a class=\"button\" href=\"/t/%s/admin/users#invite\">",
	    r->slug);
	web_admin_text(&b, r, M_ADM_INVITE);
	web_buf_puts(&b, "</a></div></section>");
	free(rows);
	return web_admin_send(r, status, &b);
}

int web_admin_invitations_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return invitations_render(r, 200, &f, NULL, NULL, false);
}

int web_admin_invite_result(struct web_req *r, const char *email, const char *role,
                            const char *done, enum idp_err *err)
{
	bool resent = strcmp(done, "resent") == 0;
	struct idp_invitation inv;
	int ret;

	memset(&inv, 0, sizeof inv);
	*err = idp_invite(&r->tenant, &r->actor, email, role, &inv);
	if (*err == IDP_ERR_CONFLICT || *err == IDP_ERR_INVALID) {
		ret = -1;
	} else if (*err) {
		ret = web_admin_unavailable(r);
	} else if (inv.mailed) {
		ret = web_admin_back_with(r, "invitations", done, email, inv.expires_at);
	} else {
		/* Shown once, in this answer only (never in a URL); the page is
		 * not stored (no-store), and the invitation can be re-sent. */
		ret = invitations_render(r, 200, &web_admin_no_flash, &inv, email, resent);
	}
	idp_wipe(inv.url, sizeof inv.url);
	return ret;
}

/* Re-send: a new invitation for the same address (older links end). */
int web_admin_invitation_resend_post(struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	struct web_admin_flash f = web_admin_no_flash;
	enum idp_err err;
	int ret;

	if (!email || !role)
		return web_admin_bad_request(r);
	ret = web_admin_invite_result(r, email, role, "resent", &err);
	if (ret >= 0)
		return ret;
	if (err == IDP_ERR_INVALID)
		return web_admin_bad_request(r);
	f.msg = M_ADM_ERR_EXISTS;
	f.error = true;
	f.arg = email;
	return invitations_render(r, 409, &f, NULL, NULL, false);
}

/* GET /admin/invitations/{id}/revoke: the confirmation. */
int web_admin_invitation_revoke_get(struct web_req *r)
{
	struct idp_invite_row *rows = NULL;
	long long id = web_wild_id(r, 0);
	char action[128], back[100];
	int n = 0, ret = -1;

	if (!id)
		return web_admin_not_found(r);
	if (idp_invitations_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	snprintf(action, sizeof action, "/t/%s/admin/invitations/%lld/revoke", r->slug, id);
	snprintf(back, sizeof back, "/t/%s/admin/invitations", r->slug);
	for (int i = 0; i < n && ret < 0; i++) {
		if (rows[i].id != id)
			continue;
		struct web_admin_confirm c = {M_ADM_CONFIRM_REVOKE,
		                              M_ADM_CONFIRM_REVOKE_WHAT,
		                              M_ADM_REVOKE,
		                              rows[i].email,
		                              action,
		                              back,
		                              WEB_TAB_INVITATIONS};
		ret = web_admin_confirm_page(r, &c);
	}
	free(rows);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

int web_admin_invitation_revoke_post(struct web_req *r)
{
	long long id = web_wild_id(r, 0);
	enum idp_err err;

	if (!id)
		return web_admin_not_found(r);
	err = idp_invite_revoke(&r->tenant, &r->actor, id);
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "invitations", "revoked", NULL, 0);
}
