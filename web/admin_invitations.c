/*
 * The console's invitations tab (/admin/invitations): the invitations still
 * open, each with "re-send" (a new invitation for the same address, which
 * ends the older link) and "revoke".  Inviting is on the users tab.
 */
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
	web_buf_printf(b, "<tr data-invitation=\"%lld\"><td>", (long long)v->id);
	web_buf_esc(b, v->email);
	web_buf_puts(b, "</td><td>");
	web_admin_text(b, r, v->role == IDP_ROLE_ADMIN ? M_ROLE_ADMIN : M_ROLE_USER);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, v->created_by);
	web_buf_puts(b, "</td><td class=\"muted\">");
	web_buf_esc(b, created);
	web_buf_puts(b, "</td><td class=\"muted\">");
	web_buf_esc(b, expires);
	web_buf_printf(b,
	               "</td><td><form method=\"post\" class=\"inline\" "
	               "action=\"/t/%s/admin/invitations/resend\">",
	               r->slug);
	web_page_csrf(b, r);
	web_admin_hidden(b, "email", v->email);
	web_admin_hidden(b, "role", idp_role_name(v->role));
	web_buf_puts(b, "<button type=\"submit\" class=\"link\">");
	web_admin_text(b, r, M_ADM_RESEND);
	web_buf_printf(b,
	               "</button></form> <form method=\"post\" class=\"inline\" "
	               "action=\"/t/%s/admin/invitations/%lld/revoke\">",
	               r->slug, (long long)v->id);
	web_page_csrf(b, r);
	web_buf_puts(b, "<button type=\"submit\" class=\"link\">");
	web_admin_text(b, r, M_ADM_REVOKE);
	web_buf_puts(b, "</button></form></td></tr>");
}

static int invitations_render(struct web_req *r, unsigned status, const struct web_admin_flash *f)
{
	static const enum web_msg heads[] = {M_EMAIL,       M_ROLE,        M_ADM_INVITED_BY,
	                                     M_ADM_CREATED, M_ADM_EXPIRES, M_ADM_ACTIONS};
	struct idp_invite_row *rows = NULL;
	struct web_buf b;
	int n = 0;

	if (idp_invitations_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_INVITATIONS);
	web_admin_flash(&b, r, f);
	web_buf_puts(&b, "<section class=\"card\">");
	web_admin_table_open(&b, r, "invitations", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		invitation_row(&b, r, &rows[i]);
	web_admin_table_close(&b, r, n, M_ADM_NO_INVITATIONS);
	web_buf_printf(&b, "<p><a href=\"/t/%s/admin/#invite\">", r->slug);
	web_admin_text(&b, r, M_ADM_INVITE);
	web_buf_puts(&b, "</a></p></section>");
	free(rows);
	return web_admin_send(r, status, &b);
}

int web_admin_invitations_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return invitations_render(r, 200, &f);
}

/* Re-send: a new invitation for the same address (older links end). */
int web_admin_invitation_resend_post(struct web_req *r)
{
	const char *email = web_form(r, "email"), *role = web_form(r, "role");
	struct idp_invitation inv;
	struct web_admin_flash f = web_admin_no_flash;
	enum idp_err err;

	memset(&inv, 0, sizeof inv);
	if (!email || !role)
		return web_admin_bad_request(r);
	err = idp_invite(&r->tenant, &r->actor, email, role, &inv);
	idp_wipe(inv.url, sizeof inv.url);
	if (err == IDP_OK)
		return web_admin_back_with(r, "invitations", "resent", email, inv.expires_at);
	if (err == IDP_ERR_INVALID)
		return web_admin_bad_request(r);
	if (err != IDP_ERR_CONFLICT)
		return web_admin_unavailable(r);
	f.msg = M_ADM_ERR_EXISTS;
	f.error = true;
	f.arg = email;
	return invitations_render(r, 409, &f);
}

int web_admin_invitation_revoke_post(struct web_req *r)
{
	char *end;
	long long id = strtoll(r->wild[0], &end, 10);
	enum idp_err err;

	if (*end || id <= 0)
		return web_admin_not_found(r);
	err = idp_invite_revoke(&r->tenant, &r->actor, id);
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "invitations", "revoked", NULL, 0);
}
