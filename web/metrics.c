/*
 * GET /metrics: the counters of idp/metrics.h in the Prometheus text
 * exposition format, version 0.0.4 (one "# HELP" and "# TYPE" line per
 * metric, then its samples).  Also the route classes the dispatcher counts
 * requests under, derived from the route table so the number of series
 * stays bounded whatever paths clients send.
 *
 * A scrape costs at most one database query (the last backup, from the
 * operator log, read at most every BACKUP_CACHE_SECONDS) and builds its
 * text in a buffer bounded by WEB_METRICS_MAX: an eager or hostile scraper
 * cannot make the daemon work harder than that.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "idp/log.h"
#include "idp/metrics.h"
#include "idp/oplog.h"
#include "idp/session.h"
#include "web/server.h"
#include "web/web.h"

#ifndef SEKISHO_VERSION
#define SEKISHO_VERSION "unknown"
#endif

#define BACKUP_CACHE_SECONDS 5

static int64_t started_at;

void web_metrics_started(void)
{
	started_at = (int64_t)time(NULL);
}

enum idp_mclass web_route_class(const struct web_route *rt)
{
	const char *p = rt->pattern;

	if (rt->flags & WEB_API)
		return IDP_MC_API;
	if (rt->flags & WEB_ADMIN)
		return IDP_MC_ADMIN;
	if ((rt->flags & WEB_SAML) || strncmp(p, "/saml/", 6) == 0)
		return IDP_MC_SAML;
	if (!(rt->flags & WEB_TENANT))
		return strcmp(p, "/healthz") == 0 || strcmp(p, "/readyz") == 0 ? IDP_MC_PROBE
		                                                               : IDP_MC_PAGE;
	if (strncmp(p, "/login/mfa", 10) == 0 || strncmp(p, "/mfa/", 5) == 0)
		return IDP_MC_MFA;
	if (strncmp(p, "/login", 6) == 0 || strcmp(p, "/logout") == 0 ||
	    strncmp(p, "/invite/", 8) == 0)
		return IDP_MC_LOGIN;
	if (strncmp(p, "/password", 9) == 0 || strncmp(p, "/reset", 6) == 0)
		return IDP_MC_PASSWORD;
	return IDP_MC_PAGE;
}

void web_metrics_saml_refused(const struct web_req *r)
{
	bool slo = r->tpath && strncmp(r->tpath, "/saml/slo", 9) == 0;

	idp_metrics_count(IDP_MF_SAML, slo ? IDP_MS_SLO_REFUSED : IDP_MS_SSO_REFUSED,
	                  r->have_tenant ? &r->tenant : NULL);
}

/* ---- the text ---- */

static void head(struct web_buf *b, const char *name, const char *type, const char *help)
{
	web_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the format escapes it: backslash, quote, newline. */
static void label_value(struct web_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			web_buf_add(b, "\\\\", 2);
		else if (*s == '"')
			web_buf_add(b, "\\\"", 2);
		else if (*s == '\n')
			web_buf_add(b, "\\n", 2);
		else
			web_buf_add(b, s, 1);
	}
}

static void gauge(struct web_buf *b, const char *name, const char *help, long long v)
{
	head(b, name, "gauge", help);
	web_buf_printf(b, "%s %lld\n", name, v);
}

static void counter(struct web_buf *b, const char *name, const char *help, unsigned long long v)
{
	head(b, name, "counter", help);
	web_buf_printf(b, "%s %llu\n", name, v);
}

static void http_requests(struct web_buf *b)
{
	head(b, "sekisho_http_requests_total", "counter",
	     "HTTP requests answered, by route class and status code.");
	for (unsigned c = 0; c < IDP_MC__N; c++)
		for (unsigned st = IDP_METRICS_STATUS_MIN; st <= IDP_METRICS_STATUS_MAX; st++) {
			uint64_t n = idp_metrics_http_count(c, st);
			if (n)
				web_buf_printf(
				    b,
				    "sekisho_http_requests_total{class=\"%s\",code=\"%u\"} "
				    "%llu\n",
				    idp_metrics_class_name(c), st, (unsigned long long)n);
		}
	head(b, "sekisho_http_request_duration_seconds", "histogram",
	     "Time from a request's arrival to its answer, by route class.");
	for (unsigned c = 0; c < IDP_MC__N; c++) {
		uint64_t bk[IDP_METRICS_BUCKETS + 1], cum = 0;
		double sum;
		const char *cls = idp_metrics_class_name(c);
		idp_metrics_http_hist(c, bk, &sum);
		for (unsigned i = 0; i < IDP_METRICS_BUCKETS; i++) {
			cum += bk[i];
			web_buf_printf(b,
			               "sekisho_http_request_duration_seconds_bucket{class=\"%s\","
			               "le=\"%g\"} %llu\n",
			               cls, idp_metrics_bucket_le[i], (unsigned long long)cum);
		}
		cum += bk[IDP_METRICS_BUCKETS];
		web_buf_printf(b,
		               "sekisho_http_request_duration_seconds_bucket{class=\"%s\","
		               "le=\"+Inf\"} %llu\n"
		               "sekisho_http_request_duration_seconds_sum{class=\"%s\"} %.6f\n"
		               "sekisho_http_request_duration_seconds_count{class=\"%s\"} %llu\n",
		               cls, (unsigned long long)cum, cls, sum, cls,
		               (unsigned long long)cum);
	}
}

/* One family: every result, or with tenant labels every tenant's results
 * that are not zero. */
static void family(struct web_buf *b, enum idp_mfamily f)
{
	const char *name = idp_metrics_family_name(f);
	bool per_tenant = idp_metrics_tenant_labels() && idp_metrics_family_per_tenant(f);

	head(b, name, "counter", idp_metrics_family_help(f));
	for (unsigned r = 0; r < idp_metrics_family_size(f); r++) {
		if (!per_tenant) {
			web_buf_printf(b, "%s{%s} %llu\n", name, idp_metrics_family_labels(f, r),
			               (unsigned long long)idp_metrics_family_value(f, r));
			continue;
		}
		for (unsigned i = 0; i <= IDP_METRICS_TENANTS; i++) {
			const char *slug;
			uint64_t v;
			if (!idp_metrics_tenant_value(i, f, r, &slug, &v) || !v)
				continue;
			web_buf_printf(b, "%s{tenant=\"", name);
			label_value(b, slug);
			web_buf_printf(b, "\",%s} %llu\n", idp_metrics_family_labels(f, r),
			               (unsigned long long)v);
		}
	}
}

void web_metrics_render(struct web_buf *b, const struct web_metrics_extra *e)
{
	head(b, "sekisho_build_info", "gauge", "The daemon's version (the value is always 1).");
	web_buf_puts(b, "sekisho_build_info{version=\"");
	label_value(b, SEKISHO_VERSION);
	web_buf_puts(b, "\"} 1\n");
	gauge(b, "sekisho_start_time_seconds", "When the daemon started (Unix time).",
	      (long long)e->start_time);
	http_requests(b);
	for (unsigned f = 0; f < IDP_MF__N; f++)
		family(b, f);
	gauge(b, "sekisho_hash_queue_depth",
	      "Requests waiting for a password hashing (Argon2id) worker.",
	      idp_metrics_gauge(IDP_MGA_HASH_QUEUE));
	gauge(b, "sekisho_hash_workers_busy", "Password hashing workers running a request.",
	      idp_metrics_gauge(IDP_MGA_HASH_BUSY));
	gauge(b, "sekisho_db_connections", "Open database connections of the daemon's threads.",
	      idp_metrics_gauge(IDP_MGA_DB_CONNECTIONS));
	counter(b, "sekisho_db_errors_total",
	        "Database errors: failed connections, lost connections and failed statements.",
	        (unsigned long long)idp_metrics_db_errors());
	if (e->have_sessions)
		gauge(b, "sekisho_sessions_cached", "Live sessions held in this node's cache.",
		      e->sessions_cached);
	counter(b, "sekisho_audit_events_total",
	        "Audit events written and committed (durable) since start.",
	        (unsigned long long)idp_metrics_audit_events());
	if (e->have_backup) {
		gauge(b, "sekisho_backup_last_time_seconds",
		      "When the last backup was recorded in the operator log (Unix time; 0: no "
		      "backup recorded).",
		      (long long)e->backup_time);
		gauge(b, "sekisho_backup_last_success",
		      "Whether the last backup recorded succeeded (1) or failed (0; also 0 when no "
		      "backup is recorded).",
		      e->backup_ok ? 1 : 0);
	}
}

/* ---- the handler ---- */

static pthread_mutex_t backup_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int64_t read_at; /* monotonic seconds; 0: never */
	bool have, ok;
	int64_t at;
} backup;

/* The last backup from the operator log, at most every
 * BACKUP_CACHE_SECONDS; a database failure leaves the series out. */
static void backup_read(struct web_metrics_extra *e)
{
	struct timespec now;
	enum idp_err err;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&backup_lock);
	if (!backup.read_at || now.tv_sec - backup.read_at >= BACKUP_CACHE_SECONDS) {
		int64_t at = 0;
		bool ok = false;
		err = idp_oplog_last("backup.created", &at, &ok);
		backup.have = err == IDP_OK || err == IDP_ERR_NOT_FOUND;
		backup.at = err ? 0 : at;
		backup.ok = !err && ok;
		backup.read_at = now.tv_sec ? now.tv_sec : 1;
		if (!backup.have)
			idp_warn("metrics: the last backup cannot be read: %s", idp_strerror(err));
	}
	e->have_backup = backup.have;
	e->backup_time = backup.at;
	e->backup_ok = backup.ok;
	pthread_mutex_unlock(&backup_lock);
}

int web_metrics_get(struct web_req *r)
{
	struct web_metrics_extra e = {.start_time = started_at};
	struct idp_session_cache_stats sc;
	struct web_buf b;
	int ret;

	backup_read(&e);
	idp_session_cache_stats(&sc);
	e.have_sessions = true;
	e.sessions_cached = sc.sessions;
	web_buf_init(&b, WEB_METRICS_MAX);
	web_metrics_render(&b, &e);
	if (b.overflow) {
		idp_error("metrics: the text exceeds %u bytes", (unsigned)WEB_METRICS_MAX);
		web_buf_free(&b);
		return web_respond(r, 500, "text/plain; charset=utf-8", "metrics too large\n", 18);
	}
	ret = web_respond_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}
