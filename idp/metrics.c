/*
 * The daemon's counters (see idp/metrics.h): fixed arrays of atomics updated
 * with relaxed adds, so counting costs a request no lock and no allocation.
 * A reader may see one counter of a pair (a histogram's bucket and its sum)
 * before the other; Prometheus tolerates that, as every client library does.
 *
 * The per-tenant table is open-addressed by tenant id: a row is claimed by
 * a compare-and-swap of its id and published (its slug readable) by a
 * release store of ready, so readers never see a half-written slug.  A row
 * is never given back: the table is bounded by IDP_METRICS_TENANTS, and
 * whatever comes after it is counted in the last row, "_other".
 */
#include "idp/metrics.h"

#include <stdatomic.h>
#include <string.h>

#include "idp/tenant.h"

#define MAX_RESULTS IDP_ML__N /* the largest family */
#define N_STATUS    (IDP_METRICS_STATUS_MAX - IDP_METRICS_STATUS_MIN + 1)
#define N_TENANT_F  2 /* logins and second factors are counted per tenant */

const double idp_metrics_bucket_le[IDP_METRICS_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5,   5};

struct family {
	const char *name, *help;
	unsigned n;
	int tenant_index; /* its counters in a tenant row, or -1 */
	const char *labels[MAX_RESULTS];
};

static const struct family families[IDP_MF__N] = {
    [IDP_MF_LOGIN] = {"sekisho_logins_total",
                      "Password logins by result (mfa_required and password_change: the "
                      "password was right and another step follows).",
                      IDP_ML__N,
                      0,
                      {"result=\"success\"", "result=\"mfa_required\"",
                       "result=\"password_change\"", "result=\"failure\"", "result=\"locked\"",
                       "result=\"rate_limited\"", "result=\"ip_denied\"",
                       "result=\"concurrent_session\"", "result=\"error\""}},
    [IDP_MF_MFA] = {"sekisho_mfa_total",
                    "Second login steps with a TOTP or recovery code (and enrolment at login), "
                    "by result.",
                    IDP_MM__N,
                    1,
                    {"result=\"success\"", "result=\"failure\"", "result=\"rate_limited\"",
                     "result=\"concurrent_session\"", "result=\"error\""}},
    [IDP_MF_SAML] = {"sekisho_saml_total",
                     "SAML messages: assertions issued (sso), sessions ended by a service "
                     "provider (slo), and messages refused (saml.refused in the audit log).",
                     IDP_MS__N,
                     -1,
                     {"kind=\"sso\",result=\"success\"", "kind=\"sso\",result=\"refused\"",
                      "kind=\"slo\",result=\"success\"", "kind=\"slo\",result=\"refused\""}},
    [IDP_MF_GATEWAY] = {"sekisho_gateway_decisions_total",
                        "Answers of the forward-auth check (/gateway/auth) by result.",
                        IDP_MG__N,
                        -1,
                        {"result=\"allow\"", "result=\"login\"", "result=\"password_change\"",
                         "result=\"deny\"", "result=\"bad_request\"", "result=\"error\""}},
};

static const char *const class_names[IDP_MC__N] = {
    [IDP_MC_LOGIN] = "login", [IDP_MC_MFA] = "mfa",         [IDP_MC_PASSWORD] = "password",
    [IDP_MC_PAGE] = "page",   [IDP_MC_ADMIN] = "admin",     [IDP_MC_API] = "api",
    [IDP_MC_SAML] = "saml",   [IDP_MC_GATEWAY] = "gateway", [IDP_MC_STATIC] = "static",
    [IDP_MC_PROBE] = "probe", [IDP_MC_OTHER] = "other",
};

struct tenant_row {
	_Atomic int64_t id; /* 0: free */
	atomic_bool ready;  /* slug written */
	char slug[64];
	_Atomic uint64_t c[N_TENANT_F][MAX_RESULTS];
};

static struct {
	atomic_bool tenant_labels;
	_Atomic uint64_t fam[IDP_MF__N][MAX_RESULTS];
	_Atomic uint64_t http[IDP_MC__N][N_STATUS];
	_Atomic uint64_t hist[IDP_MC__N][IDP_METRICS_BUCKETS + 1];
	_Atomic uint64_t hist_usec[IDP_MC__N];
	_Atomic long gauge[IDP_MGA__N];
	_Atomic uint64_t db_errors, audit_events;
	struct tenant_row tenants[IDP_METRICS_TENANTS + 1]; /* the last: "_other" */
} m;

/* Audit events written in this thread's open transaction. */
static __thread unsigned audit_pending;

#define ADD(x, n) atomic_fetch_add_explicit(&(x), (n), memory_order_relaxed)
#define GET(x)    atomic_load_explicit(&(x), memory_order_relaxed)

void idp_metrics_configure(bool tenant_labels)
{
	atomic_store(&m.tenant_labels, tenant_labels);
}

bool idp_metrics_tenant_labels(void)
{
	return atomic_load(&m.tenant_labels);
}

void idp_metrics_http(enum idp_mclass cls, unsigned status, uint64_t usec)
{
	unsigned b = 0;
	double s = (double)usec / 1e6;

	if ((unsigned)cls >= IDP_MC__N || status < IDP_METRICS_STATUS_MIN ||
	    status > IDP_METRICS_STATUS_MAX)
		return;
	ADD(m.http[cls][status - IDP_METRICS_STATUS_MIN], 1);
	while (b < IDP_METRICS_BUCKETS && s > idp_metrics_bucket_le[b])
		b++;
	ADD(m.hist[cls][b], 1);
	ADD(m.hist_usec[cls], usec);
}

/* The row of tenant t: found, or claimed, or "_other" when the table is
 * full.  A row is its slug's: a tenant purged and made again under the same
 * slug (a new id) counts on in the same row, so no label appears twice.
 * Cannot fail. */
static struct tenant_row *tenant_row(const struct idp_tenant *t)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a of the slug */

	for (const char *p = t->slug; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	size_t start = (size_t)(h % IDP_METRICS_TENANTS);

	for (size_t k = 0; k < IDP_METRICS_TENANTS; k++) {
		struct tenant_row *row = &m.tenants[(start + k) % IDP_METRICS_TENANTS];
		int64_t id = atomic_load_explicit(&row->id, memory_order_acquire);
		if (id == 0) {
			int64_t zero = 0;
			if (atomic_compare_exchange_strong(&row->id, &zero, t->id)) {
				memcpy(row->slug, t->slug, sizeof row->slug);
				row->slug[sizeof row->slug - 1] = 0;
				atomic_store_explicit(&row->ready, true, memory_order_release);
				return row;
			}
			id = zero; /* another thread claimed it: for whom? */
		}
		if (id == t->id || (atomic_load_explicit(&row->ready, memory_order_acquire) &&
		                    strcmp(row->slug, t->slug) == 0))
			return row;
	}
	return &m.tenants[IDP_METRICS_TENANTS];
}

void idp_metrics_count(enum idp_mfamily f, unsigned result, const struct idp_tenant *t)
{
	if ((unsigned)f >= IDP_MF__N || result >= families[f].n)
		return;
	ADD(m.fam[f][result], 1);
	if (t && t->id > 0 && families[f].tenant_index >= 0 && GET(m.tenant_labels))
		ADD(tenant_row(t)->c[families[f].tenant_index][result], 1);
}

void idp_metrics_gauge_add(enum idp_mgauge g, long delta)
{
	if ((unsigned)g < IDP_MGA__N)
		ADD(m.gauge[g], delta);
}

void idp_metrics_db_error(void)
{
	ADD(m.db_errors, 1);
}

void idp_metrics_audit_written(void)
{
	audit_pending++;
}

void idp_metrics_tx_end(bool committed)
{
	if (committed && audit_pending)
		ADD(m.audit_events, audit_pending);
	audit_pending = 0;
}

const char *idp_metrics_class_name(enum idp_mclass c)
{
	return (unsigned)c < IDP_MC__N ? class_names[c] : "";
}

const char *idp_metrics_family_name(enum idp_mfamily f)
{
	return (unsigned)f < IDP_MF__N ? families[f].name : "";
}

const char *idp_metrics_family_help(enum idp_mfamily f)
{
	return (unsigned)f < IDP_MF__N ? families[f].help : "";
}

unsigned idp_metrics_family_size(enum idp_mfamily f)
{
	return (unsigned)f < IDP_MF__N ? families[f].n : 0;
}

const char *idp_metrics_family_labels(enum idp_mfamily f, unsigned result)
{
	return (unsigned)f < IDP_MF__N && result < families[f].n ? families[f].labels[result] : "";
}

bool idp_metrics_family_per_tenant(enum idp_mfamily f)
{
	return (unsigned)f < IDP_MF__N && families[f].tenant_index >= 0;
}

uint64_t idp_metrics_family_value(enum idp_mfamily f, unsigned result)
{
	if ((unsigned)f >= IDP_MF__N || result >= families[f].n)
		return 0;
	return GET(m.fam[f][result]);
}

bool idp_metrics_tenant_value(unsigned i, enum idp_mfamily f, unsigned result, const char **slug,
                              uint64_t *value)
{
	struct tenant_row *row;

	if (i > IDP_METRICS_TENANTS || !idp_metrics_family_per_tenant(f) || result >= families[f].n)
		return false;
	row = &m.tenants[i];
	if (i == IDP_METRICS_TENANTS) {
		*slug = "_other";
	} else {
		if (!atomic_load_explicit(&row->ready, memory_order_acquire))
			return false;
		*slug = row->slug;
	}
	*value = GET(row->c[families[f].tenant_index][result]);
	return true;
}

uint64_t idp_metrics_http_count(enum idp_mclass c, unsigned status)
{
	if ((unsigned)c >= IDP_MC__N || status < IDP_METRICS_STATUS_MIN ||
	    status > IDP_METRICS_STATUS_MAX)
		return 0;
	return GET(m.http[c][status - IDP_METRICS_STATUS_MIN]);
}

void idp_metrics_http_hist(enum idp_mclass c, uint64_t buckets[IDP_METRICS_BUCKETS + 1],
                           double *sum_seconds)
{
	*sum_seconds = 0;
	memset(buckets, 0, (IDP_METRICS_BUCKETS + 1) * sizeof buckets[0]);
	if ((unsigned)c >= IDP_MC__N)
		return;
	for (unsigned b = 0; b <= IDP_METRICS_BUCKETS; b++)
		buckets[b] = GET(m.hist[c][b]);
	*sum_seconds = (double)GET(m.hist_usec[c]) / 1e6;
}

long idp_metrics_gauge(enum idp_mgauge g)
{
	return (unsigned)g < IDP_MGA__N ? GET(m.gauge[g]) : 0;
}

uint64_t idp_metrics_db_errors(void)
{
	return GET(m.db_errors);
}

uint64_t idp_metrics_audit_events(void)
{
	return GET(m.audit_events);
}

void idp_metrics_reset(void)
{
	bool labels = atomic_load(&m.tenant_labels);

	memset(&m, 0, sizeof m);
	atomic_store(&m.tenant_labels, labels);
	audit_pending = 0;
}
