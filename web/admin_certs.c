/*
 * The console's client certificates tab (/admin/client-cas): the tenant's
 * CAs and CRLs with their validity (a CRL whose next update is near or past
 * is flagged: verification fails closed once it is past), a form to add a
 * PEM bundle, and removal through a confirmation page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

#define WARN_DAYS 7

static void ca_row(struct web_buf *b, const struct web_req *r, const struct idp_client_ca *ca,
                   int64_t now)
{
	char when[40];

	web_buf_printf(b, "<tr data-ca=\"%lld\">", (long long)ca->id);
	web_td(b, r, M_CA_KIND, "nowrap");
	web_admin_text(b, r, ca->crl ? M_CA_KIND_CRL : M_CA_KIND_CERT);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_CA_SUBJECT, NULL);
	web_buf_esc(b, ca->crl ? ca->issuer : ca->subject);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_CA_UNTIL, NULL);
	if (ca->not_after) {
		idp_time_local(ca->not_after, r->tenant.policy.audit.timezone, when);
		web_buf_time(b, when);
		if (ca->not_after <= now + WARN_DAYS * 86400) {
			web_buf_printf(b, " <span class=\"badge %s\">",
			               ca->not_after <= now ? "failure" : "invited");
			web_admin_text(b, r, ca->not_after <= now ? M_CA_EXPIRED : M_CA_SOON);
			web_buf_puts(b, "</span>");
		}
	}
	web_buf_puts(b, "</td>");
	web_td(b, r, M_CA_SHA256, NULL);
	web_buf_puts(b, "<code>");
	web_buf_add(b, ca->sha256, 16);
	web_buf_puts(b, "…</code></td>");
	web_td(b, r, M__COUNT, NULL);
	web_buf_printf(b,
	               "<a class=\"button danger\" data-action=\"delete-ca\" "
	               "href=\"/t/%s/admin/client-cas/%lld/delete\">",
	               r->slug, (long long)ca->id);
	web_admin_text(b, r, M_ADM_DELETE);
	web_buf_puts(b, "</a></td></tr>");
}

static int certs_render(struct web_req *r, unsigned status, const struct web_admin_flash *f,
                        const char *why)
{
	static const enum web_msg heads[] = {M_CA_KIND, M_CA_SUBJECT, M_CA_UNTIL, M_CA_SHA256,
	                                     M_ADM_ACTIONS};
	struct idp_client_ca *rows = NULL;
	struct web_buf b;
	int64_t now = time(NULL);
	int n = 0;

	if (idp_client_cas_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_CERTS);
	web_admin_flash(&b, r, f);
	if (why && *why) {
		web_buf_puts(&b, "<p class=\"error\" role=\"alert\" id=\"error\">");
		web_admin_text(&b, r, M_CA_REFUSED);
		web_buf_puts(&b, " ");
		web_buf_esc(&b, why);
		web_buf_puts(&b, "</p>");
	}
	web_buf_puts(&b, "<section class=\"card\"><p class=\"hint\">");
	web_admin_text(&b, r, M_CA_INTRO);
	web_buf_puts(&b, "</p>");
	web_table_open(&b, r, "client-cas", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		ca_row(&b, r, &rows[i], now);
	web_table_close(&b, r, n, M_CA_NONE);
	web_buf_puts(&b, "</section><section class=\"card\" id=\"add-ca\"><h2>");
	web_admin_text(&b, r, M_CA_ADD);
	web_buf_printf(&b, "</h2><form method=\"post\" action=\"/t/%s/admin/client-cas\">",
	               r->slug);
	web_page_csrf(&b, r);
	web_buf_puts(&b, "<label for=\"pem\">");
	web_admin_text(&b, r, M_CA_PEM);
	web_buf_puts(&b,
	             "</label><textarea id=\"pem\" name=\"pem\" rows=\"8\" spellcheck=\"false\" "
	             "required></textarea><button type=\"submit\" id=\"add-ca-submit\">");
	web_admin_text(&b, r, M_CA_ADD);
	web_buf_puts(&b, "</button></form></section>");
	free(rows);
	return web_admin_send(r, status, &b);
}

int web_admin_certs_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return certs_render(r, 200, &f, NULL);
}

int web_admin_certs_post(struct web_req *r)
{
	const char *pem = web_form(r, "pem"), *why = "";
	int added = 0;
	enum idp_err err;

	if (!pem || !*pem)
		return certs_render(r, 400, &web_admin_no_flash, "empty");
	err = idp_client_cas_add(&r->tenant, &r->actor, pem, strlen(pem), &added, &why);
	if (err == IDP_ERR_INVALID || err == IDP_ERR_TOO_LARGE)
		return certs_render(r, 400, &web_admin_no_flash, why);
	if (err == IDP_ERR_CONFLICT) {
		struct web_admin_flash f = {M_CA_DUPLICATE, true, NULL, 0, 0};
		return certs_render(r, 409, &f, NULL);
	}
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "client-cas", "ca_added", NULL, 0);
}

int web_admin_cert_delete_get(struct web_req *r)
{
	struct idp_client_ca *rows = NULL;
	int64_t id = web_wild_id(r, 0);
	char action[128], back[100];
	int n = 0, ret = -1;

	if (!id)
		return web_admin_not_found(r);
	if (idp_client_cas_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	snprintf(action, sizeof action, "/t/%s/admin/client-cas/%lld/delete", r->slug,
	         (long long)id);
	snprintf(back, sizeof back, "/t/%s/admin/client-cas", r->slug);
	for (int i = 0; i < n && ret < 0; i++) {
		if (rows[i].id != id)
			continue;
		struct web_admin_confirm c = {
		    M_CA_CONFIRM, M_CA_CONFIRM_WHAT,
		    M_ADM_DELETE, rows[i].crl ? rows[i].issuer : rows[i].subject,
		    action,       back,
		    WEB_TAB_CERTS};
		ret = web_admin_confirm_page(r, &c);
	}
	free(rows);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

int web_admin_cert_delete_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? idp_client_ca_delete(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "client-cas", "ca_removed", NULL, 0);
}
