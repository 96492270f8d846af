/*
 * The audit log as people read it: the API's filter parameters, the CSV
 * export, and (for the console) one sentence per event in the reader's
 * language and the table of events that the audit tab, the overview and the
 * user page share.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/api.h"
#include "web/i18n.h"
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

/* CSV of audit rows; every field through idp_csv_field (formula-safe). */
void web_audit_csv(struct web_buf *b, const struct idp_audit_row *rows, int n)
{
	web_buf_puts(b, "seq,time_utc,actor,role,source_ip,action,target,result,detail\r\n");
	for (int i = 0; i < n; i++) {
		char seq[24];
		const char *cols[9];
		snprintf(seq, sizeof seq, "%lld", (long long)rows[i].seq);
		cols[0] = seq;
		cols[1] = rows[i].at;
		cols[2] = rows[i].actor;
		cols[3] = rows[i].role;
		cols[4] = rows[i].ip;
		cols[5] = rows[i].action;
		cols[6] = rows[i].target;
		cols[7] = rows[i].result;
		cols[8] = rows[i].detail;
		for (int c = 0; c < 9; c++) {
			size_t need = idp_csv_field(cols[c], NULL, 0);
			char *tmp = malloc(need + 1);
			if (!tmp) {
				b->overflow = true;
				return;
			}
			idp_csv_field(cols[c], tmp, need + 1);
			if (c)
				web_buf_puts(b, ",");
			web_buf_add(b, tmp, need);
			free(tmp);
		}
		web_buf_puts(b, "\r\n");
	}
}

/* FIXME(audit helper): the sentence and table below are placeholders. */
void web_audit_sentence(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	(void)r;
	web_buf_esc(b, e->action);
	web_buf_puts(b, " ");
	web_buf_esc(b, e->target);
}

void web_audit_table(struct web_buf *b, const struct web_req *r, const char *id,
                     const struct idp_audit_row *rows, int n, enum web_msg none)
{
	web_buf_printf(b, "<table id=\"%s\">", id);
	for (int i = 0; i < n; i++) {
		web_buf_printf(b, "<tr data-seq=\"%lld\"><td>", (long long)rows[i].seq);
		web_audit_sentence(b, r, &rows[i]);
		web_buf_puts(b, "</td></tr>");
	}
	web_admin_table_close(b, r, n, none);
}
