/*
 * The console's audit log tab (/admin/audit): filters by time, action and
 * actor, read in the tenant's time zone (policy.audit.timezone) and turned
 * into UTC for idp_audit_list, the action chosen by its name in the
 * reader's language; one page of events as the console's readable table
 * (web_audit_table, web/audit_text.c); and the same filtered view as a CSV
 * download (/admin/audit.csv, no paging) named after the tenant's date.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/admin.h"
#include "web/api.h"
#include "web/i18n.h"
#include "web/web.h"

#define CSV_ROWS 10000
#define CSV_MAX  (64 * 1024 * 1024)

/* Read "YYYY-MM-DD", "YYYY-MM-DDTHH:MM" or "...:SS" (T or space) as a time in
 * zone tz and write the UTC instant as ISO 8601.  end: the instant just after
 * the named day, minute or second, so a "to" bound includes what it names. */
static bool local_to_utc(const char *s, const char *tz, bool end, char out[21])
{
	struct tm tm, check;
	const char *p;
	int64_t local, utc, step = 86400;
	long off = 0, off2 = 0;
	time_t tt;

	if (strlen(s) > 25)
		return false;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%d", &tm);
	if (p && (*p == 'T' || *p == ' ')) {
		p = strptime(p + 1, "%H:%M", &tm);
		step = 60;
		if (p && *p == ':') {
			p = strptime(p + 1, "%S", &tm);
			step = 1;
		}
	}
	if (!p || *p || tm.tm_year < 70 || tm.tm_year > 8099)
		return false;
	check = tm;
	tt = timegm(&tm);
	/* timegm normalises 2026-02-30 to March; refuse such dates instead. */
	if (check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
		return false;
	local = (int64_t)tt + (end ? step : 0);
	idp_tz_offset(local, tz, &off);
	utc = local - off;
	/* Near a transition the offset at the UTC instant is the right one. */
	if (idp_tz_offset(utc, tz, &off2) && off2 != off)
		utc = local - off2;
	idp_time_iso(utc, out);
	return true;
}

/* The audit filters as given (tenant-local), and as idp_audit_list wants them. */
struct audit_q {
	const char *from, *to, *action, *actor; /* raw query values or NULL */
	char from_utc[21], to_utc[21];
	char actor_lc[IDP_EMAIL_MAX + 1];
	struct idp_audit_filter f;
};

/* Read the filters; false when one is malformed (*bad_time when it is a time). */
static bool audit_q_read(struct web_req *r, struct audit_q *a, bool *bad_time)
{
	const char *tz = r->tenant.policy.audit.timezone, *bad = NULL;

	memset(a, 0, sizeof *a);
	*bad_time = false;
	if (!web_audit_filter(r, &a->f, &bad))
		return false;
	a->from = a->f.from;
	a->to = a->f.to;
	a->action = a->f.action;
	a->actor = a->f.actor;
	if (a->from && !local_to_utc(a->from, tz, false, a->from_utc))
		*bad_time = true;
	if (a->to && !local_to_utc(a->to, tz, true, a->to_utc))
		*bad_time = true;
	if (*bad_time)
		return false;
	a->f.from = a->from ? a->from_utc : NULL;
	a->f.to = a->to ? a->to_utc : NULL;
	if (a->actor) {
		snprintf(a->actor_lc, sizeof a->actor_lc, "%s", a->actor);
		idp_ascii_lower(a->actor_lc);
		a->f.actor = a->actor_lc;
	}
	return true;
}

/* An href to path with the current filters and extra ("offset=50" or ""), escaped. */
static void audit_href(struct web_buf *b, const struct web_req *r, const char *path,
                       const struct audit_q *a, const char *extra)
{
	const char *names[4] = {"from", "to", "action", "actor"};
	const char *vals[4] = {a->from, a->to, a->action, a->actor};
	char sep = '?';
	struct web_buf u;

	web_buf_init(&u, 16384);
	web_buf_printf(&u, "/t/%s/admin/%s", r->slug, path);
	for (int i = 0; i < 4; i++) {
		if (!vals[i])
			continue;
		web_buf_printf(&u, "%c%s=", sep, names[i]);
		web_buf_urlenc(&u, vals[i]);
		sep = '&';
	}
	if (*extra)
		web_buf_printf(&u, "%c%s", sep, extra);
	if (u.overflow)
		b->overflow = true;
	web_buf_esc(b, u.data);
	web_buf_free(&u);
}

/* The input type that can show v again: a browser blanks a datetime-local
 * field whose value is a date alone or uses a space for the T, so those stay
 * text (the stylesheet styles text, not date, inputs). */
static const char *time_input_type(const char *v)
{
	if (!v || !*v)
		return "datetime-local";
	return strlen(v) == 10 || strchr(v, ' ') ? "text" : "datetime-local";
}

static void audit_input(struct web_buf *b, const struct web_req *r, const char *name,
                        const char *type, enum web_msg label, const char *value)
{
	web_buf_printf(b, "<div><label for=\"f-%s\">", name);
	web_admin_text(b, r, label);
	web_buf_printf(b, "</label><input type=\"%s\" id=\"f-%s\" name=\"%s\" value=\"", type, name,
	               name);
	web_buf_esc(b, value);
	web_buf_puts(b, "\"></div>");
}

/* A name in the action filter (web/i18n_audit.h). */
struct action_name {
	const char *key; /* an action, or a dotted prefix several actions share */
	enum web_msg name;
};

static const struct action_name action_names[] = {
    {"login.success", M_AUD_A_LOGIN_SUCCESS},
    {"login.failure", M_AUD_A_LOGIN_FAILURE},
    {"login.locked", M_AUD_A_LOGIN_LOCKED},
    {"logout", M_AUD_A_LOGOUT},
    {"session.ended", M_AUD_A_SESSION_ENDED},
    {"session.forced_logout", M_AUD_A_FORCED_LOGOUT},
    {"user.invited", M_AUD_A_USER_INVITED},
    {"user.suspended", M_AUD_A_USER_SUSPENDED},
    {"user.resumed", M_AUD_A_USER_RESUMED},
    {"user.unlocked", M_AUD_A_USER_UNLOCKED},
    {"user.deleted", M_AUD_A_USER_DELETED},
    {"user.password_set", M_AUD_A_PASSWORD_SET},
    {"user.role_changed", M_AUD_A_ROLE_CHANGED},
    {"invitation.accepted", M_AUD_A_INVITATION_ACCEPTED},
    {"invitation.revoked", M_AUD_A_INVITATION_REVOKED},
    {"password.changed", M_AUD_A_PASSWORD_CHANGED},
    {"password.reset_requested", M_AUD_A_RESET_REQUESTED},
    {"password.reset", M_AUD_A_PASSWORD_RESET},
    {"policy.updated", M_AUD_A_POLICY_UPDATED},
    {"access.denied_ip", M_AUD_A_DENIED_IP},
    {"token.created", M_AUD_A_TOKEN_CREATED},
    {"tenant.created", M_AUD_A_TENANT_CREATED},
    {"tenant.terminated", M_AUD_A_TENANT_TERMINATED},
    {"tenant.restored", M_AUD_A_TENANT_RESTORED},
    {"audit.pruned", M_AUD_A_AUDIT_PRUNED},
    {"mfa.totp.enrolled", M_AUD_A_MFA_ENROLLED},
    {"mfa.totp.failure", M_AUD_A_MFA_FAILURE},
    {"mfa.totp.removed", M_AUD_A_MFA_REMOVED},
    {"mfa.recovery.used", M_AUD_A_RECOVERY_USED},
    {"mfa.recovery.regenerated", M_AUD_A_RECOVERY_NEW},
    {"mfa.reset", M_AUD_A_MFA_RESET},
    {"mfa.cert.bound", M_AUD_A_CERT_BOUND},
    {"mfa.cert.unbound", M_AUD_A_CERT_UNBOUND},
    {"client_ca.added", M_AUD_A_CA_ADDED},
    {"client_ca.removed", M_AUD_A_CA_REMOVED},
    {"access.denied_cert", M_AUD_A_DENIED_CERT},
    {"access.cert_header_ignored", M_AUD_A_CERT_HEADER},
    {"app.created", M_AUD_A_APP_CREATED},
    {"app.deleted", M_AUD_A_APP_DELETED},
    {"gateway.denied", M_AUD_A_GATEWAY_DENIED},
    {"saml.key_created", M_AUD_A_SAML_KEY_CREATED},
    {"saml.key_activated", M_AUD_A_SAML_KEY_ACTIVATED},
    {"saml.key_deleted", M_AUD_A_SAML_KEY_DELETED},
    {"saml.sp_added", M_AUD_A_SAML_SP_ADDED},
    {"saml.sp_removed", M_AUD_A_SAML_SP_REMOVED},
    {"saml.sp_changed", M_AUD_A_SAML_SP_CHANGED},
    {"saml.assertion", M_AUD_A_SAML_ASSERTION},
    {"saml.refused", M_AUD_A_SAML_REFUSED},
    {"saml.logout", M_AUD_A_SAML_LOGOUT},
};

static const struct action_name group_names[] = {
    {"login", M_AUD_G_LOGIN},       {"session", M_AUD_G_SESSION},
    {"user", M_AUD_G_USER},         {"invitation", M_AUD_G_INVITATION},
    {"password", M_AUD_G_PASSWORD}, {"mfa", M_AUD_G_MFA},
    {"app", M_AUD_G_APP},           {"saml", M_AUD_G_SAML},
};

/* The name of action (or group) s in the reader's language; s itself
 * when it has none.  Cannot fail. */
static const char *action_label(const struct web_req *r, const char *s, bool group)
{
	const struct action_name *names = group ? group_names : action_names;
	size_t n = group ? sizeof group_names / sizeof group_names[0]
	                 : sizeof action_names / sizeof action_names[0];

	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i].key, s) == 0)
			return web_t(r, names[i].name);
	return s;
}

/* One <option> of the action filter: value v, its name ("Users: all" for
 * a group), selected when it is the current filter. */
static void action_option(struct web_buf *b, const struct web_req *r, const char *v,
                          const char *cur, bool group)
{
	const char *args[1] = {action_label(r, v, group)};

	web_buf_puts(b, "<option value=\"");
	web_buf_esc(b, v);
	web_buf_printf(b, "\"%s>", cur && strcmp(cur, v) == 0 ? " selected" : "");
	if (group)
		web_admin_subst(b, web_t(r, M_ADM_AUD_GROUP_ALL), args, 1);
	else
		web_buf_esc(b, args[0]);
	web_buf_puts(b, "</option>");
}

/* The length of action i's dotted prefix ("login" of "login.success", all
 * of "logout"). */
static size_t prefix_len(size_t i)
{
	return strcspn(idp_audit_actions[i], ".");
}

/* Actions i and j share a dotted prefix. */
static bool same_group(size_t i, size_t j)
{
	size_t n = prefix_len(i);

	return n == prefix_len(j) && strncmp(idp_audit_actions[i], idp_audit_actions[j], n) == 0;
}

/* The action filter: any action, then every action idp records by its
 * name; actions sharing a dotted prefix form a group, led by the option
 * that matches all of them (the prefix).  A filter given in the address
 * that is none of these stays selected as it is. */
static void audit_action_select(struct web_buf *b, const struct web_req *r, const char *cur)
{
	bool known = !cur;
	char prefix[64];

	web_buf_puts(b, "<div><label for=\"f-action\">");
	web_admin_text(b, r, M_ADM_AUD_ACTION);
	web_buf_puts(b, "</label><select id=\"f-action\" name=\"action\"><option value=\"\">");
	web_admin_text(b, r, M_ADM_AUD_ANY);
	web_buf_puts(b, "</option>");
	for (size_t i = 0; i < idp_audit_actions_count;) {
		size_t end = i + 1;
		while (end < idp_audit_actions_count && same_group(i, end))
			end++;
		bool grouped = end - i > 1;
		snprintf(prefix, sizeof prefix, "%.*s", (int)prefix_len(i), idp_audit_actions[i]);
		if (grouped) {
			web_buf_puts(b, "<optgroup label=\"");
			web_buf_esc(b, action_label(r, prefix, true));
			web_buf_puts(b, "\">");
			action_option(b, r, prefix, cur, true);
			known = known || strcmp(cur, prefix) == 0;
		}
		for (; i < end; i++) {
			action_option(b, r, idp_audit_actions[i], cur, false);
			known = known || strcmp(cur, idp_audit_actions[i]) == 0;
		}
		if (grouped)
			web_buf_puts(b, "</optgroup>");
	}
	if (!known) {
		web_buf_puts(b, "<option value=\"");
		web_buf_esc(b, cur);
		web_buf_puts(b, "\" selected>");
		web_buf_esc(b, cur);
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select></div>");
}

/* The filters and their buttons side by side in one row. */
static void audit_form(struct web_buf *b, const struct web_req *r, const struct audit_q *a)
{
	const char *args[1] = {r->tenant.policy.audit.timezone};

	web_buf_printf(b,
	               "<form method=\"get\" action=\"/t/%s/admin/audit\" id=\"audit-filter\">"
	               "<div class=\"row\">",
	               r->slug);
	audit_input(b, r, "from", time_input_type(a->from), M_ADM_AUD_FROM, a->from);
	audit_input(b, r, "to", time_input_type(a->to), M_ADM_AUD_TO, a->to);
	audit_action_select(b, r, a->action);
	audit_input(b, r, "actor", "text", M_ADM_AUD_ACTOR, a->actor);
	web_buf_puts(b, "<button type=\"submit\">");
	web_admin_text(b, r, M_ADM_AUD_FILTER);
	web_buf_printf(b, "</button><a class=\"button secondary\" href=\"/t/%s/admin/audit\">",
	               r->slug);
	web_admin_text(b, r, M_ADM_AUD_CLEAR);
	web_buf_puts(b, "</a></div><p class=\"hint\">");
	web_admin_subst(b, web_t(r, M_ADM_AUD_TZ_HINT), args, 1);
	web_buf_puts(b, "</p></form>");
}

static void audit_pager(struct web_buf *b, const struct web_req *r, const struct audit_q *a, int n,
                        long total)
{
	char lo[24], hi[24], all[24], extra[40];
	const char *args[3] = {lo, hi, all};
	int off = a->f.offset;

	snprintf(lo, sizeof lo, "%d", n ? off + 1 : 0);
	snprintf(hi, sizeof hi, "%d", off + n);
	snprintf(all, sizeof all, "%ld", total);
	web_buf_puts(b, "<div class=\"actions\"><p class=\"muted\" id=\"pager\">");
	if (off > 0) {
		snprintf(extra, sizeof extra, "offset=%d",
		         off > WEB_ADMIN_PAGE_SIZE ? off - WEB_ADMIN_PAGE_SIZE : 0);
		web_buf_puts(b, "<a rel=\"prev\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		web_admin_text(b, r, M_ADM_PREV);
		web_buf_puts(b, "</a> ");
	}
	if (n > 0) /* "1 event", "2 events" */
		web_admin_subst(b, web_t(r, total == 1 ? M_ADM_AUD_RANGE_ONE : M_ADM_AUD_RANGE),
		                args, 3);
	if (off + n < total) {
		snprintf(extra, sizeof extra, "offset=%d", off + WEB_ADMIN_PAGE_SIZE);
		web_buf_puts(b, " <a rel=\"next\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		web_admin_text(b, r, M_ADM_NEXT);
		web_buf_puts(b, "</a>");
	}
	/* The export beside the count: it holds what the filters found. */
	web_buf_puts(b,
	             "</p><span class=\"sep\"></span><a class=\"button secondary\" id=\"export\" "
	             "href=\"");
	audit_href(b, r, "audit.csv", a, "");
	web_buf_puts(b, "\">");
	web_admin_text(b, r, M_ADM_AUD_EXPORT);
	web_buf_puts(b, "</a></div>");
}

int web_admin_audit_get(struct web_req *r)
{
	struct idp_audit_row *rows = NULL;
	struct web_admin_flash fl = web_admin_no_flash;
	struct audit_q a;
	struct web_buf b;
	bool bad_time;
	enum idp_err err = IDP_OK;
	long total = 0;
	int n = 0;

	if (!audit_q_read(r, &a, &bad_time) && !bad_time)
		return web_admin_bad_request(r);
	if (bad_time) {
		fl.msg = M_ADM_AUD_BAD_TIME;
		fl.error = true;
	} else {
		a.f.limit = WEB_ADMIN_PAGE_SIZE;
		err = idp_audit_list(&r->tenant, &a.f, &rows, &n, &total);
	}
	if (err == IDP_ERR_INVALID)
		return web_admin_bad_request(r);
	if (err)
		return web_admin_unavailable(r);
	web_admin_begin(&b, r, WEB_TAB_AUDIT);
	web_admin_flash(&b, r, &fl);
	web_buf_puts(&b, "<section class=\"card\">");
	audit_form(&b, r, &a);
	web_buf_puts(&b, "</section><section class=\"card\">");
	if (!bad_time) {
		audit_pager(&b, r, &a, n, total);
		web_audit_table(&b, r, "audit", rows, n, M_ADM_AUD_NONE);
	}
	web_buf_puts(&b, "</section>");
	idp_audit_rows_free(rows, n);
	return web_admin_send(r, bad_time ? 400 : 200, &b);
}

/* Today's date in zone tz, "YYYY-MM-DD" (UTC when the zone cannot be read). */
static void local_date(const char *tz, char out[21])
{
	int64_t now = (int64_t)time(NULL);
	long off = 0;

	if (!idp_tz_offset(now, tz, &off))
		off = 0;
	idp_time_iso(now + off, out);
	out[10] = 0;
}

/* A download: the common response path plus Content-Disposition. */
static int send_download(struct web_req *r, struct web_buf *b, const char *type,
                         const char *filename)
{
	snprintf(r->disposition, sizeof r->disposition, "attachment; filename=\"%s\"", filename);
	return web_respond_buf(r, 200, type, b);
}

/* GET /admin/audit.csv: the filtered view without paging, up to CSV_ROWS. */
int web_admin_audit_csv_get(struct web_req *r)
{
	struct idp_audit_row *rows = NULL;
	struct audit_q a;
	struct web_buf b;
	bool bad_time;
	enum idp_err err;
	char name[120], today[21];
	long total = 0;
	int n = 0, ret;

	if (!audit_q_read(r, &a, &bad_time))
		return web_admin_bad_request(r);
	a.f.limit = CSV_ROWS;
	a.f.offset = 0;
	err = idp_audit_list(&r->tenant, &a.f, &rows, &n, &total);
	if (err == IDP_ERR_INVALID)
		return web_admin_bad_request(r);
	if (err)
		return web_admin_unavailable(r);
	web_buf_init(&b, CSV_MAX);
	web_audit_csv(&b, rows, n, r->tenant.policy.audit.timezone);
	idp_audit_rows_free(rows, n);
	local_date(r->tenant.policy.audit.timezone, today);
	snprintf(name, sizeof name, "audit-%s-%s.csv", r->slug, today);
	ret = send_download(r, &b, "text/csv; charset=utf-8", name);
	web_buf_free(&b);
	return ret;
}
