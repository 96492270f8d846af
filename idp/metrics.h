/*
 * The daemon's counters for Prometheus (idp/metrics.c): what happened since
 * start (requests, logins, second factors, SAML messages, gateway
 * decisions, audit events, database errors) and what is going on now
 * (hashing queue, database connections).  Every update is one relaxed
 * atomic add on a fixed array: no lock, no allocation, callable from any
 * thread, and none can fail.  web/metrics.c puts them into the text
 * exposition format; this file knows nothing of HTTP.
 *
 * A family is a metric name with a fixed list of label sets (so the number
 * of series is bounded by the code, never by requests).  Logins and second
 * factors can also be counted per tenant (metrics_tenant_labels), in a
 * fixed table of IDP_METRICS_TENANTS tenants; the rest share one "_other"
 * row.
 */
#ifndef IDP_METRICS_H
#define IDP_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct idp_tenant;

/* Route classes of HTTP requests: bounded, from the route table. */
enum idp_mclass {
	IDP_MC_LOGIN,    /* login, logout, invitations */
	IDP_MC_MFA,      /* the second step and second-factor management */
	IDP_MC_PASSWORD, /* password change and reset */
	IDP_MC_PAGE,     /* the home page and the neutral / */
	IDP_MC_ADMIN,    /* the console */
	IDP_MC_API,      /* /api/v1 */
	IDP_MC_SAML,     /* SAML endpoints and metadata */
	IDP_MC_GATEWAY,  /* the forward-auth check */
	IDP_MC_STATIC,   /* stylesheet and script */
	IDP_MC_PROBE,    /* /healthz, /readyz, /metrics */
	IDP_MC_OTHER,    /* no route (404, 405) or refused before routing */
	IDP_MC__N
};

/* The families counted by result (label sets fixed in idp/metrics.c). */
enum idp_mfamily {
	IDP_MF_LOGIN,   /* sekisho_logins_total{result} */
	IDP_MF_MFA,     /* sekisho_mfa_total{result} */
	IDP_MF_SAML,    /* sekisho_saml_total{kind,result} */
	IDP_MF_GATEWAY, /* sekisho_gateway_decisions_total{result} */
	IDP_MF__N
};

/* Results of a password login (idp_login_password). */
enum idp_mlogin {
	IDP_ML_SUCCESS,         /* a session was made */
	IDP_ML_MFA_REQUIRED,    /* the password was right; a second factor is next */
	IDP_ML_PASSWORD_CHANGE, /* the password was right; a new one is next */
	IDP_ML_FAILURE,         /* refused: unknown user, wrong password, suspended... */
	IDP_ML_LOCKED,          /* refused: the account is locked */
	IDP_ML_RATE_LIMITED,    /* the source address is throttled */
	IDP_ML_IP_DENIED,       /* outside the tenant's allow list */
	IDP_ML_CONCURRENT,      /* a second session refused by the policy */
	IDP_ML_ERROR,           /* the database failed */
	IDP_ML__N
};

/* Results of a second step with a code (idp_login_code, idp_login_enroll). */
enum idp_mmfa {
	IDP_MM_SUCCESS,
	IDP_MM_FAILURE,
	IDP_MM_RATE_LIMITED,
	IDP_MM_CONCURRENT,
	IDP_MM_ERROR,
	IDP_MM__N
};

/* SAML messages: kind and result in one. */
enum idp_msaml {
	IDP_MS_SSO_SUCCESS, /* an assertion issued */
	IDP_MS_SSO_REFUSED, /* saml.refused on a sign-on */
	IDP_MS_SLO_SUCCESS, /* a session ended by a service provider's LogoutRequest */
	IDP_MS_SLO_REFUSED, /* saml.refused on a logout */
	IDP_MS__N
};

/* The gateway's answers. */
enum idp_mgw {
	IDP_MG_ALLOW,           /* 200 */
	IDP_MG_LOGIN,           /* 401: no valid session */
	IDP_MG_PASSWORD_CHANGE, /* 401: the session must change its password */
	IDP_MG_DENY,            /* 403: address, app, role, certificate, bad URL, untrusted proxy */
	IDP_MG_BAD_REQUEST,     /* 400, 431 */
	IDP_MG_ERROR,           /* 503 */
	IDP_MG__N
};

/* Gauges: what is the case now. */
enum idp_mgauge {
	IDP_MGA_HASH_QUEUE,     /* requests waiting for a hashing worker */
	IDP_MGA_HASH_BUSY,      /* hashing workers running a request */
	IDP_MGA_DB_CONNECTIONS, /* open database connections of this process */
	IDP_MGA__N
};

#define IDP_METRICS_BUCKETS    12 /* latency buckets, +Inf not counted */
#define IDP_METRICS_TENANTS    1024
#define IDP_METRICS_STATUS_MIN 100
#define IDP_METRICS_STATUS_MAX 599

/* The upper bounds of the latency buckets, in seconds, ascending. */
extern const double idp_metrics_bucket_le[IDP_METRICS_BUCKETS];

/* Count tenants separately from now on (logins and second factors); off
 * by default.  Call before the daemon starts serving. */
void idp_metrics_configure(bool tenant_labels);
bool idp_metrics_tenant_labels(void);

/* One HTTP request of class cls answered with status after usec
 * microseconds.  A status outside 100..599 is not counted. */
void idp_metrics_http(enum idp_mclass cls, unsigned status, uint64_t usec);
/* One result of family f (its enum above), for tenant t (NULL: none). */
void idp_metrics_count(enum idp_mfamily f, unsigned result, const struct idp_tenant *t);
void idp_metrics_gauge_add(enum idp_mgauge g, long delta);
void idp_metrics_db_error(void);

/* An audit event was written in the calling thread's transaction: counted
 * once it commits (idp_metrics_tx_end), dropped if it rolls back. */
void idp_metrics_audit_written(void);
void idp_metrics_tx_end(bool committed);

/* ---- reading (web/metrics.c) ---- */

/* Names, in the order of the enums; "" past the end. */
const char *idp_metrics_class_name(enum idp_mclass c);
/* A family's metric name, help text, number of results and each result's
 * label set as exposition text (kind="sso",result="success"). */
const char *idp_metrics_family_name(enum idp_mfamily f);
const char *idp_metrics_family_help(enum idp_mfamily f);
unsigned idp_metrics_family_size(enum idp_mfamily f);
const char *idp_metrics_family_labels(enum idp_mfamily f, unsigned result);
/* Whether f is counted per tenant when tenant labels are on. */
bool idp_metrics_family_per_tenant(enum idp_mfamily f);

uint64_t idp_metrics_family_value(enum idp_mfamily f, unsigned result);
/* Row i (0..IDP_METRICS_TENANTS; the last is "_other") of the tenant
 * table: false when it holds no tenant; else *slug (borrowed, stays valid)
 * and *value the count of result of family f. */
bool idp_metrics_tenant_value(unsigned i, enum idp_mfamily f, unsigned result, const char **slug,
                              uint64_t *value);

uint64_t idp_metrics_http_count(enum idp_mclass c, unsigned status);
/* The latency histogram of class c: counts per bucket (not cumulative;
 * index IDP_METRICS_BUCKETS is past the last bound), and the sum. */
void idp_metrics_http_hist(enum idp_mclass c, uint64_t buckets[IDP_METRICS_BUCKETS + 1],
                           double *sum_seconds);
long idp_metrics_gauge(enum idp_mgauge g);
uint64_t idp_metrics_db_errors(void);
uint64_t idp_metrics_audit_events(void);

/* Zero every counter and forget the tenants (tests only). */
void idp_metrics_reset(void);

#endif
