/*
 * The console's landing tab (/admin/): the tenant at a glance, as an
 * administrator shows it to an auditor: accounts by state, who still lacks a
 * required second factor, sign-ins and failures of the last day and week,
 * unused accounts, passwords about to expire, and the last changes made by
 * administrators.
 */
#include <stdio.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

#define RECENT_CHANGES 10

/* One figure: its label and value; attention marks a number to act on. */
static void stat(struct web_buf *b, const struct web_req *r, const char *id, enum web_msg label,
                 long value, bool attention)
{
	web_buf_printf(b, "<div class=\"stat%s\" id=\"stat-%s\"><dt>",
	               attention && value > 0 ? " attention" : "", id);
	web_admin_text(b, r, label);
	web_buf_printf(b, "</dt><dd>%ld</dd></div>", value);
}

static void section_open(struct web_buf *b, const struct web_req *r, const char *id,
                         enum web_msg title)
{
	web_buf_printf(b, "<section class=\"card\" id=\"%s\"><h2>", id);
	web_admin_text(b, r, title);
	web_buf_puts(b, "</h2>");
}

int web_admin_overview_get(struct web_req *r)
{
	struct idp_audit_filter f = {.by_admins = true, .limit = RECENT_CHANGES};
	struct idp_audit_row *rows = NULL;
	struct idp_overview o;
	struct web_buf b;
	char days[16];
	long total = 0;
	int n = 0;

	if (idp_overview(&r->tenant, &o) != IDP_OK ||
	    idp_audit_list(&r->tenant, &f, &rows, &n, &total) != IDP_OK)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_OVERVIEW);
	section_open(&b, r, "accounts", M_ADM_OV_ACCOUNTS);
	web_buf_puts(&b, "<dl class=\"stats\">");
	stat(&b, r, "active", M_ADM_ST_ACTIVE, o.active, false);
	stat(&b, r, "invited", M_ADM_ST_INVITED, o.invited, false);
	stat(&b, r, "suspended", M_ADM_ST_SUSPENDED, o.suspended, false);
	stat(&b, r, "locked", M_ADM_ST_LOCKED, o.locked, true);
	if (o.mfa_required)
		stat(&b, r, "without-mfa", M_ADM_OV_NO_MFA, o.without_mfa, true);
	snprintf(days, sizeof days, "%d", IDP_OVERVIEW_UNUSED_DAYS);
	web_buf_puts(&b, "<div class=\"stat\" id=\"stat-unused\"><dt>");
	web_admin_subst1(&b, r, M_ADM_OV_UNUSED, days);
	web_buf_printf(&b, "</dt><dd>%ld</dd></div>", o.unused);
	if (o.expiry) {
		stat(&b, r, "pw-expired", M_ADM_OV_PW_EXPIRED, o.pw_expired, true);
		snprintf(days, sizeof days, "%d", IDP_OVERVIEW_WARN_DAYS);
		web_buf_printf(&b, "<div class=\"stat%s\" id=\"stat-pw-expiring\"><dt>",
		               o.pw_expiring ? " attention" : "");
		web_admin_subst1(&b, r, M_ADM_OV_PW_EXPIRING, days);
		web_buf_printf(&b, "</dt><dd>%ld</dd></div>", o.pw_expiring);
	}
	web_buf_puts(&b, "</dl>");
	if (o.mfa_required) {
		web_buf_puts(&b, "<p class=\"hint\">");
		web_admin_text(&b, r, M_ADM_OV_NO_MFA_HINT);
		web_buf_puts(&b, "</p>");
	}
	web_buf_puts(&b, "</section>");
	section_open(&b, r, "signins", M_ADM_OV_SIGNINS);
	web_buf_puts(&b, "<dl class=\"stats\">");
	stat(&b, r, "signins-24h", M_ADM_OV_OK_24H, o.signins_24h, false);
	stat(&b, r, "failures-24h", M_ADM_OV_FAIL_24H, o.failures_24h, true);
	stat(&b, r, "signins-7d", M_ADM_OV_OK_7D, o.signins_7d, false);
	stat(&b, r, "failures-7d", M_ADM_OV_FAIL_7D, o.failures_7d, true);
	web_buf_puts(&b, "</dl></section>");
	section_open(&b, r, "changes", M_ADM_OV_CHANGES);
	web_audit_table(&b, r, "recent-changes", rows, n, M_ADM_OV_NO_CHANGES);
	web_buf_printf(
	    &b, "<div class=\"actions\"><a class=\"button secondary\" href=\"/t/%s/admin/audit\">",
	    r->slug);
	web_admin_text(&b, r, M_ADM_OV_ALL_EVENTS);
	web_buf_puts(&b, "</a></div></section>");
	idp_audit_rows_free(rows, n);
	return web_admin_send(r, 200, &b);
}
