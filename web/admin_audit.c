/*
 * The console's audit log tab (/admin/audit): filters by time, action and
 * actor, read in the tenant's time zone (policy.audit.timezone) and turned
 * into UTC for idp_audit_list; one page of entries, long details folded; and
 * the same filtered view as a CSV download (/admin/audit.csv, no paging).
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

#define CSV_ROWS     10000
#define CSV_MAX      (64 * 1024 * 1024)
#define DETAIL_SHORT 100 /* bytes of audit detail shown before "more" */

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

/* "2026-11-22T03:04:05.123456Z" (UTC) in the tenant's zone, or as stored. */
static void at_local(const char *at, const char *tz, char out[40])
{
	struct tm tm;
	const char *p;

	memset(&tm, 0, sizeof tm);
	p = strptime(at, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p) {
		snprintf(out, 40, "%s", at);
		return;
	}
	idp_time_local((int64_t)timegm(&tm), tz, out);
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
	web_buf_printf(b, "</label><input type=\"%s\" id=\"f-%s\" name=\"%s\"%s value=\"", type,
	               name, name, strcmp(name, "action") == 0 ? " list=\"audit-actions\"" : "");
	web_buf_esc(b, value);
	web_buf_puts(b, "\"></div>");
}

/* The dotted prefix of action i of idp's list into p (n bytes). */
static void action_prefix(size_t i, char *p, size_t n)
{
	snprintf(p, n, "%.*s", (int)strcspn(idp_audit_actions[i], "."), idp_audit_actions[i]);
}

/* Suggestions for the action filter: every action idp records, each group
 * of several led by its dotted prefix (which matches all of them). */
static void audit_actions_list(struct web_buf *b)
{
	char prev[64] = "", cur[64], next[64];

	for (size_t i = 0; i < idp_audit_actions_count; i++) {
		action_prefix(i, cur, sizeof cur);
		next[0] = 0;
		if (i + 1 < idp_audit_actions_count)
			action_prefix(i + 1, next, sizeof next);
		if (strcmp(cur, prev) != 0 && strcmp(cur, next) == 0)
			web_buf_printf(b, "<option value=\"%s\">", cur);
		web_buf_printf(b, "<option value=\"%s\">", idp_audit_actions[i]);
		snprintf(prev, sizeof prev, "%s", cur);
	}
}

static void audit_form(struct web_buf *b, const struct web_req *r, const struct audit_q *a)
{
	const char *args[1] = {r->tenant.policy.audit.timezone};

	web_buf_printf(b,
	               "<form method=\"get\" action=\"/t/%s/admin/audit\" id=\"audit-filter\">"
	               "<div class=\"row\">",
	               r->slug);
	audit_input(b, r, "from", time_input_type(a->from), M_ADM_AUD_FROM, a->from);
	audit_input(b, r, "to", time_input_type(a->to), M_ADM_AUD_TO, a->to);
	audit_input(b, r, "action", "text", M_ADM_AUD_ACTION, a->action);
	audit_input(b, r, "actor", "text", M_ADM_AUD_ACTOR, a->actor);
	web_buf_puts(b, "</div><datalist id=\"audit-actions\">");
	audit_actions_list(b);
	web_buf_puts(b, "</datalist><p class=\"muted\">");
	web_admin_subst(b, web_t(r, M_ADM_AUD_TZ_HINT), args, 1);
	web_buf_puts(b, "</p><button type=\"submit\">");
	web_admin_text(b, r, M_ADM_AUD_FILTER);
	web_buf_printf(b, "</button> <a href=\"/t/%s/admin/audit\">", r->slug);
	web_admin_text(b, r, M_ADM_AUD_CLEAR);
	web_buf_puts(b, "</a> <a class=\"button\" id=\"export\" href=\"");
	audit_href(b, r, "audit.csv", a, "");
	web_buf_puts(b, "\">");
	web_admin_text(b, r, M_ADM_AUD_EXPORT);
	web_buf_puts(b, "</a></form>");
}

/* s escaped, with a line-break opportunity after each comma: detail JSON has
 * no spaces and would otherwise stretch the table. */
static void esc_wrap(struct web_buf *b, const char *s)
{
	char part[256];

	while (*s) {
		size_t n = strcspn(s, ",");
		if (s[n] == ',')
			n++;
		if (n >= sizeof part)
			n = sizeof part - 1;
		while (n > 1 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--; /* do not cut a UTF-8 sequence */
		memcpy(part, s, n);
		part[n] = 0;
		web_buf_esc(b, part);
		web_buf_puts(b, "<wbr>");
		s += n;
	}
}

/* Detail JSON: short ones inline, long ones folded after DETAIL_SHORT bytes. */
static void audit_detail(struct web_buf *b, const char *d)
{
	char head[DETAIL_SHORT + 1];
	size_t n = strlen(d);

	if (strcmp(d, "{}") == 0)
		return;
	if (n <= DETAIL_SHORT) {
		web_buf_puts(b, "<code>");
		esc_wrap(b, d);
		web_buf_puts(b, "</code>");
		return;
	}
	n = DETAIL_SHORT;
	while (n > 0 && ((unsigned char)d[n] & 0xC0) == 0x80)
		n--; /* do not cut a UTF-8 sequence */
	memcpy(head, d, n);
	head[n] = 0;
	web_buf_puts(b, "<details><summary><code>");
	esc_wrap(b, head);
	web_buf_puts(b, "…</code></summary><code>");
	esc_wrap(b, d);
	web_buf_puts(b, "</code></details>");
}

static void audit_row(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	char when[40];
	bool ok = strcmp(e->result, "success") == 0;

	at_local(e->at, r->tenant.policy.audit.timezone, when);
	web_buf_printf(b, "<tr data-seq=\"%lld\"><td class=\"muted\">", (long long)e->seq);
	web_buf_esc(b, when);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->actor);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->role);
	web_buf_puts(b, "</td><td>");
	web_buf_esc(b, e->ip);
	web_buf_puts(b, "</td><td><code>");
	web_buf_esc(b, e->action);
	web_buf_puts(b, "</code></td><td>");
	web_buf_esc(b, e->target);
	web_buf_printf(b, "</td><td><span class=\"badge %s\">", ok ? "active" : "locked");
	web_buf_esc(b, e->result);
	web_buf_puts(b, "</span></td><td>");
	audit_detail(b, e->detail);
	web_buf_puts(b, "</td></tr>");
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
	web_buf_puts(b, "<p class=\"muted\" id=\"pager\">");
	if (off > 0) {
		snprintf(extra, sizeof extra, "offset=%d",
		         off > WEB_ADMIN_PAGE_SIZE ? off - WEB_ADMIN_PAGE_SIZE : 0);
		web_buf_puts(b, "<a rel=\"prev\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		web_admin_text(b, r, M_ADM_PREV);
		web_buf_puts(b, "</a> ");
	}
	if (n > 0)
		web_admin_subst(b, web_t(r, M_ADM_AUD_RANGE), args, 3);
	if (off + n < total) {
		snprintf(extra, sizeof extra, "offset=%d", off + WEB_ADMIN_PAGE_SIZE);
		web_buf_puts(b, " <a rel=\"next\" href=\"");
		audit_href(b, r, "audit", a, extra);
		web_buf_puts(b, "\">");
		web_admin_text(b, r, M_ADM_NEXT);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</p>");
}

static void audit_table(struct web_buf *b, const struct web_req *r,
                        const struct idp_audit_row *rows, int n)
{
	static const enum web_msg heads[] = {M_ADM_AUD_TIME,   M_ADM_AUD_WHO,    M_ROLE,
	                                     M_SESSION_IP,     M_ADM_AUD_ACTION, M_ADM_AUD_TARGET,
	                                     M_ADM_AUD_RESULT, M_ADM_AUD_DETAIL};

	web_admin_table_open(b, r, "audit", heads, sizeof heads / sizeof heads[0]);
	for (int i = 0; i < n; i++)
		audit_row(b, r, &rows[i]);
	web_admin_table_close(b, r, n, M_ADM_AUD_NONE);
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
		audit_table(&b, r, rows, n);
	}
	web_buf_puts(&b, "</section>");
	idp_audit_rows_free(rows, n);
	return web_admin_send(r, bad_time ? 400 : 200, &b);
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
	char name[120], now[21];
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
	web_audit_csv(&b, rows, n);
	idp_audit_rows_free(rows, n);
	idp_time_iso((int64_t)time(NULL), now);
	now[10] = 0; /* the date is enough for a file name */
	snprintf(name, sizeof name, "audit-%s-%s.csv", r->slug, now);
	ret = send_download(r, &b, "text/csv; charset=utf-8", name);
	web_buf_free(&b);
	return ret;
}
