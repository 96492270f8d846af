/*
 * The audit log for export: the filter the API and the console read from
 * the query, and the CSV file (web/api.h).  Times in the tenant's zone come
 * from web/audit_text.c, which reads them for people too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/api.h"
#include "web/web.h"

/* Collect the audit filter from the query; false names the bad parameter. */
bool web_audit_filter(struct web_req *r, struct idp_audit_filter *f, const char **bad)
{
	const char *limit = web_query(r, "limit"), *offset = web_query(r, "offset");
	char *end;

	memset(f, 0, sizeof *f);
	f->from = web_query(r, "from");
	f->to = web_query(r, "to");
	f->action = web_query(r, "action");
	f->actor = web_query(r, "actor");
	if (f->from && !*f->from)
		f->from = NULL;
	if (f->to && !*f->to)
		f->to = NULL;
	if (f->action && !*f->action)
		f->action = NULL;
	if (f->actor && !*f->actor)
		f->actor = NULL;
	f->limit = 1000;
	if (limit) {
		long v = strtol(limit, &end, 10);
		if (*end || v < 1 || v > 10000) {
			*bad = "limit";
			return false;
		}
		f->limit = (int)v;
	}
	if (offset) {
		long v = strtol(offset, &end, 10);
		if (*end || v < 0 || v > 100000000) {
			*bad = "offset";
			return false;
		}
		f->offset = (int)v;
	}
	return true;
}

/* ---- CSV ---- */

/* Append s as one CSV cell through idp_csv_field, after a comma unless it
 * is the first of its line. */
static void csv_cell(struct web_buf *b, const char *s, bool first)
{
	size_t need = idp_csv_field(s, NULL, 0);
	char *tmp = malloc(need + 1);

	if (!tmp) {
		b->overflow = true;
		return;
	}
	idp_csv_field(s, tmp, need + 1);
	if (!first)
		web_buf_puts(b, ",");
	web_buf_add(b, tmp, need);
	free(tmp);
}

/* CSV of audit rows, times in zone tz with the offset and as stored (UTC);
 * every field through idp_csv_field (formula-safe). */
void web_audit_csv(struct web_buf *b, const struct idp_audit_row *rows, int n, const char *tz)
{
	web_buf_puts(b, "seq,time,time_utc,actor,role,source_ip,action,target,result,detail\r\n");
	for (int i = 0; i < n && !b->overflow; i++) {
		const struct idp_audit_row *e = &rows[i];
		char seq[24], local[40];
		const char *cols[] = {seq,   local,     e->at,     e->actor,  e->role,
		                      e->ip, e->action, e->target, e->result, e->detail};

		snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
		web_audit_time_iso(e->at, tz, local);
		for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
			csv_cell(b, cols[c] ? cols[c] : "", c == 0);
		web_buf_puts(b, "\r\n");
	}
}
