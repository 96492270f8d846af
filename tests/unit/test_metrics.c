/*
 * The metrics: counters and histograms of idp/metrics.c, their text in the
 * Prometheus exposition format (web/metrics.c), and the route classes.
 */
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "idp/metrics.h"
#include "idp/tenant.h"
#include "web/server.h"
#include "web/web.h"

static struct web_metrics_extra extra = {.start_time = 1700000000};

/* The text of every counter now, owned by the caller. */
static char *render(void)
{
	struct web_buf b;

	web_buf_init(&b, WEB_METRICS_MAX);
	web_metrics_render(&b, &extra);
	CHECK(!b.overflow);
	return b.data; /* web_buf_init + growth: data is malloc'd */
}

/* line is in text, as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* How many lines of text start with prefix. */
static int count_of(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += strncmp(p, prefix, len) == 0;
	return n;
}

/* Every line is a HELP, a TYPE or a sample; each metric's HELP and TYPE
 * come once, before its samples; sample values are numbers. */
static bool well_formed(const char *text)
{
	regex_t sample, comment;
	char seen[64][80];
	int nseen = 0;
	bool ok = true;
	char *copy = strdup(text), *save = NULL;

	regcomp(&sample,
	        "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\""
	        "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\")*\\})? "
	        "(-?[0-9]+(\\.[0-9]+)?(e[-+]?[0-9]+)?|\\+Inf|NaN)$",
	        REG_EXTENDED);
	regcomp(&comment, "^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$", REG_EXTENDED);
	for (char *line = strtok_r(copy, "\n", &save); ok && line;
	     line = strtok_r(NULL, "\n", &save)) {
		regmatch_t mt[4];
		if (line[0] == '#') {
			ok = regexec(&comment, line, 4, mt, 0) == 0;
			if (ok && line[2] == 'T' && nseen < 64) {
				int len = (int)(mt[2].rm_eo - mt[2].rm_so);
				for (int i = 0; i < nseen; i++)
					ok = ok && !(strlen(seen[i]) == (size_t)len &&
					             !strncmp(seen[i], line + mt[2].rm_so, len));
				snprintf(seen[nseen++], 80, "%.*s", len, line + mt[2].rm_so);
			}
			continue;
		}
		ok = regexec(&sample, line, 2, mt, 0) == 0;
		if (!ok)
			printf("  bad line: %s\n", line);
		/* Its metric (or histogram base) was typed just before. */
		bool typed = false;
		for (int i = 0; ok && i < nseen && !typed; i++)
			typed = !strncmp(line, seen[i], strlen(seen[i]));
		ok = ok && typed;
	}
	regfree(&sample);
	regfree(&comment);
	free(copy);
	return ok;
}

TEST(http_requests_by_class_and_code)
{
	idp_metrics_reset();
	idp_metrics_http(IDP_MC_LOGIN, 200, 500);
	idp_metrics_http(IDP_MC_LOGIN, 200, 3000);
	idp_metrics_http(IDP_MC_LOGIN, 303, 7 * 1000 * 1000);
	idp_metrics_http(IDP_MC_GATEWAY, 401, 10);
	idp_metrics_http(IDP_MC_GATEWAY, 99, 10);  /* not a status: not counted */
	idp_metrics_http(IDP_MC_GATEWAY, 600, 10); /* nor this */
	char *t = render();
	CHECK(has_line(t, "sekisho_http_requests_total{class=\"login\",code=\"200\"} 2"));
	CHECK(has_line(t, "sekisho_http_requests_total{class=\"login\",code=\"303\"} 1"));
	CHECK(has_line(t, "sekisho_http_requests_total{class=\"gateway\",code=\"401\"} 1"));
	CHECK(!strstr(t, "code=\"99\""));
	CHECK(!strstr(t, "code=\"600\""));
	CHECK(!strstr(t, "class=\"admin\",code="));
	CHECK(well_formed(t));
	free(t);
}

TEST(histogram_is_cumulative_with_sum_and_count)
{
	idp_metrics_reset();
	idp_metrics_http(IDP_MC_API, 200, 500);     /* 0.0005 s: le 0.001 */
	idp_metrics_http(IDP_MC_API, 200, 1000);    /* exactly 0.001: le 0.001 */
	idp_metrics_http(IDP_MC_API, 200, 30000);   /* 0.03: le 0.05 */
	idp_metrics_http(IDP_MC_API, 500, 9000000); /* 9 s: +Inf only */
	char *t = render();
	CHECK(has_line(
	    t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"0.001\"} 2"));
	CHECK(has_line(
	    t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"0.0025\"} 2"));
	CHECK(has_line(
	    t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"0.025\"} 2"));
	CHECK(has_line(
	    t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"0.05\"} 3"));
	CHECK(
	    has_line(t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"5\"} 3"));
	CHECK(has_line(
	    t, "sekisho_http_request_duration_seconds_bucket{class=\"api\",le=\"+Inf\"} 4"));
	CHECK(has_line(t, "sekisho_http_request_duration_seconds_count{class=\"api\"} 4"));
	CHECK(has_line(t, "sekisho_http_request_duration_seconds_sum{class=\"api\"} 9.031500"));
	/* Every class has its histogram, zero or not. */
	CHECK(has_line(t, "sekisho_http_request_duration_seconds_count{class=\"other\"} 0"));
	CHECK(has_line(t, "# TYPE sekisho_http_request_duration_seconds histogram"));
	CHECK(well_formed(t));
	free(t);
}

TEST(families_show_every_result_without_tenant_labels)
{
	struct idp_tenant acme = {.id = 7, .slug = "acme"};

	idp_metrics_reset();
	idp_metrics_configure(false);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_SUCCESS, &acme);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_FAILURE, &acme);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_FAILURE, NULL);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML__N, &acme); /* out of range: ignored */
	idp_metrics_count(IDP_MF_SAML, IDP_MS_SLO_REFUSED, NULL);
	idp_metrics_count(IDP_MF_GATEWAY, IDP_MG_ALLOW, NULL);
	idp_metrics_count(IDP_MF_MFA, IDP_MM_RATE_LIMITED, &acme);
	char *t = render();
	CHECK(has_line(t, "sekisho_logins_total{result=\"success\"} 1"));
	CHECK(has_line(t, "sekisho_logins_total{result=\"failure\"} 2"));
	CHECK(has_line(t, "sekisho_logins_total{result=\"locked\"} 0"));
	CHECK(has_line(t, "sekisho_saml_total{kind=\"slo\",result=\"refused\"} 1"));
	CHECK(has_line(t, "sekisho_saml_total{kind=\"sso\",result=\"success\"} 0"));
	CHECK(has_line(t, "sekisho_gateway_decisions_total{result=\"allow\"} 1"));
	CHECK(has_line(t, "sekisho_mfa_total{result=\"rate_limited\"} 1"));
	CHECK(!strstr(t, "tenant="));
	CHECK(has_line(t, "# TYPE sekisho_logins_total counter"));
	CHECK(strstr(t, "# HELP sekisho_logins_total ") != NULL);
	CHECK(well_formed(t));
	free(t);
}

TEST(tenant_labels_bounded_and_escaped)
{
	struct idp_tenant t1 = {.id = 1, .slug = "acme"};
	struct idp_tenant odd = {.id = 2, .slug = "we\"ird\\"};
	static struct idp_tenant many[IDP_METRICS_TENANTS + 10];

	idp_metrics_reset();
	idp_metrics_configure(true);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_SUCCESS, &t1);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_SUCCESS, &t1);
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_LOCKED, &odd);
	idp_metrics_count(IDP_MF_GATEWAY, IDP_MG_DENY, &t1); /* not per tenant */
	char *t = render();
	CHECK(has_line(t, "sekisho_logins_total{tenant=\"acme\",result=\"success\"} 2"));
	CHECK(has_line(t, "sekisho_logins_total{tenant=\"we\\\"ird\\\\\",result=\"locked\"} 1"));
	CHECK(!strstr(t, "sekisho_logins_total{result="));
	CHECK(has_line(t, "sekisho_gateway_decisions_total{result=\"deny\"} 1"));
	CHECK(well_formed(t));
	free(t);
	/* A tenant purged and made again under its slug (a new id) counts on
	 * in its row: the label never appears twice. */
	struct idp_tenant again = {.id = 99, .slug = "acme"};
	idp_metrics_count(IDP_MF_LOGIN, IDP_ML_SUCCESS, &again);
	t = render();
	CHECK(has_line(t, "sekisho_logins_total{tenant=\"acme\",result=\"success\"} 3"));
	CHECK(count_of(t, "sekisho_logins_total{tenant=\"acme\",result=\"success\"}") == 1);
	free(t);
	/* More tenants than the table holds: the rest are "_other". */
	for (int i = 0; i < IDP_METRICS_TENANTS + 10; i++) {
		many[i].id = 1000 + i;
		snprintf(many[i].slug, sizeof many[i].slug, "t%d", i);
		idp_metrics_count(IDP_MF_LOGIN, IDP_ML_FAILURE, &many[i]);
	}
	t = render();
	/* acme and the odd one took two rows: 12 of the new ones did not fit. */
	CHECK(has_line(t, "sekisho_logins_total{tenant=\"_other\",result=\"failure\"} 12"));
	CHECK(has_line(t, "sekisho_logins_total{tenant=\"t0\",result=\"failure\"} 1"));
	CHECK(well_formed(t));
	free(t);
	idp_metrics_configure(false);
}

struct worker_arg {
	int base;
};

static void *count_many(void *p)
{
	struct worker_arg *a = p;

	for (int i = 0; i < 20000; i++) {
		struct idp_tenant t = {.id = 1 + (a->base + i) % 50};
		snprintf(t.slug, sizeof t.slug, "s%lld", (long long)t.id);
		idp_metrics_count(IDP_MF_LOGIN, IDP_ML_SUCCESS, &t);
		idp_metrics_http(IDP_MC_PAGE, 200, (uint64_t)i);
	}
	return NULL;
}

TEST(counts_from_many_threads_are_exact)
{
	pthread_t th[4];
	struct worker_arg args[4];
	uint64_t per_tenant = 0;

	idp_metrics_reset();
	idp_metrics_configure(true);
	for (int i = 0; i < 4; i++) {
		args[i].base = i * 7;
		pthread_create(&th[i], NULL, count_many, &args[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK(idp_metrics_family_value(IDP_MF_LOGIN, IDP_ML_SUCCESS) == 80000);
	CHECK(idp_metrics_http_count(IDP_MC_PAGE, 200) == 80000);
	int rows = 0;
	for (unsigned i = 0; i <= IDP_METRICS_TENANTS; i++) {
		const char *slug;
		uint64_t v;
		if (idp_metrics_tenant_value(i, IDP_MF_LOGIN, IDP_ML_SUCCESS, &slug, &v) && v) {
			per_tenant += v;
			rows++;
		}
	}
	CHECK(per_tenant == 80000);
	CHECK(rows == 50); /* one row per tenant, however the claims raced */
	idp_metrics_configure(false);
}

TEST(audit_events_count_only_when_committed)
{
	idp_metrics_reset();
	idp_metrics_audit_written();
	idp_metrics_audit_written();
	idp_metrics_tx_end(false);
	CHECK(idp_metrics_audit_events() == 0);
	idp_metrics_audit_written();
	idp_metrics_tx_end(true);
	idp_metrics_tx_end(true); /* nothing pending: adds nothing */
	CHECK(idp_metrics_audit_events() == 1);
	char *t = render();
	CHECK(has_line(t, "sekisho_audit_events_total 1"));
	free(t);
}

TEST(gauges_backup_and_build_info)
{
	idp_metrics_reset();
	idp_metrics_gauge_add(IDP_MGA_HASH_QUEUE, 3);
	idp_metrics_gauge_add(IDP_MGA_HASH_QUEUE, -1);
	idp_metrics_gauge_add(IDP_MGA_DB_CONNECTIONS, 4);
	idp_metrics_db_error();
	extra.have_backup = false;
	extra.have_sessions = false;
	char *t = render();
	CHECK(has_line(t, "sekisho_hash_queue_depth 2"));
	CHECK(has_line(t, "sekisho_hash_workers_busy 0"));
	CHECK(has_line(t, "sekisho_db_connections 4"));
	CHECK(has_line(t, "sekisho_db_errors_total 1"));
	CHECK(has_line(t, "sekisho_start_time_seconds 1700000000"));
	CHECK(has_line(t, "sekisho_build_info{version=\"" SEKISHO_VERSION "\"} 1"));
	CHECK(!strstr(t, "sekisho_backup_"));   /* unreadable: left out */
	CHECK(!strstr(t, "sekisho_sessions_")); /* no cache */
	free(t);
	extra.have_backup = true;
	extra.backup_time = 0;
	extra.have_sessions = true;
	extra.sessions_cached = 5;
	t = render();
	CHECK(has_line(t, "sekisho_backup_last_time_seconds 0"));
	CHECK(has_line(t, "sekisho_backup_last_success 0"));
	CHECK(has_line(t, "sekisho_sessions_cached 5"));
	free(t);
	extra.backup_time = 1700000123;
	extra.backup_ok = true;
	t = render();
	CHECK(has_line(t, "sekisho_backup_last_time_seconds 1700000123"));
	CHECK(has_line(t, "sekisho_backup_last_success 1"));
	CHECK(well_formed(t));
	free(t);
}

TEST(text_is_bounded)
{
	struct web_buf b;

	web_buf_init(&b, 2000);
	web_metrics_render(&b, &extra);
	CHECK(b.overflow);
	CHECK(b.len < 2000);
	web_buf_free(&b);
}

TEST(route_classes_come_from_the_route_table)
{
	static const struct web_route rs[] = {
	    {"POST", "/login", NULL, WEB_TENANT | WEB_SLOW},
	    {"POST", "/login/mfa", NULL, WEB_TENANT},
	    {"GET", "/login/password", NULL, WEB_TENANT | WEB_FLOW},
	    {"POST", "/reset/*", NULL, WEB_TENANT},
	    {"GET", "/admin/users", NULL, WEB_TENANT | WEB_SESSION | WEB_ADMIN},
	    {"GET", "/api/v1/users", NULL, WEB_TENANT | WEB_API | WEB_ADMIN},
	    {"GET", "/saml/sso", NULL, WEB_TENANT | WEB_SAML},
	    {"GET", "/saml/metadata", NULL, WEB_TENANT},
	    {"GET", "/healthz", NULL, 0},
	    {"GET", "/", NULL, WEB_TENANT | WEB_SESSION},
	};
	static const enum idp_mclass want[] = {
	    IDP_MC_LOGIN, IDP_MC_MFA,  IDP_MC_LOGIN, IDP_MC_PASSWORD, IDP_MC_ADMIN,
	    IDP_MC_API,   IDP_MC_SAML, IDP_MC_SAML,  IDP_MC_PROBE,    IDP_MC_PAGE,
	};
	for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
		CHECK(web_route_class(&rs[i]) == want[i]);
	CHECK_STR(idp_metrics_class_name(IDP_MC_OTHER), "other");
	CHECK_STR(idp_metrics_class_name(IDP_MC__N), "");
}

int main(void)
{
	RUN(http_requests_by_class_and_code);
	RUN(histogram_is_cumulative_with_sum_and_count);
	RUN(families_show_every_result_without_tenant_labels);
	RUN(tenant_labels_bounded_and_escaped);
	RUN(counts_from_many_threads_are_exact);
	RUN(audit_events_count_only_when_committed);
	RUN(gauges_backup_and_build_info);
	RUN(text_is_bounded);
	RUN(route_classes_come_from_the_route_table);
	return check_summary();
}
