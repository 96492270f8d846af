/*
 * The HTTP daemon: libmicrohttpd with a bounded thread pool on epoll, one
 * request context per request (allocated in the URI log callback, which also
 * keeps the raw URI for later SAML Redirect signature checks) and a body
 * accumulated with a hard limit; once a request is all in, web/dispatch.c
 * answers it.  Also the check of the TLS certificate and key files.
 */
#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "idp/log.h"
#include "web/server.h"
#include "web/web.h"

static struct MHD_Daemon *daemon_handle;
static struct MHD_Daemon *metrics_handle; /* metrics_listen's, when set */
static const struct idp_config *cfg;
static char *tls_cert_pem, *tls_key_pem;

/* The server's certificate chain and key as GnuTLS hands them out from the
 * retrieval callback below (with TLS on). */
static gnutls_pcert_st tls_pcert[8];
static unsigned tls_npcert;
static gnutls_privkey_t tls_privkey;

/* GnuTLS asks for the server's certificate: hand it out, and first tell
 * the session not to name any CA in its certificate request.  Clients
 * may then offer a certificate of any issuer (browsers filter by the names
 * otherwise); which CAs count is the tenant's business (web/cert.c). */
static int cert_retrieve(gnutls_session_t session, const struct gnutls_cert_retr_st *info,
                         gnutls_pcert_st **certs, unsigned int *n, gnutls_ocsp_data_st **ocsp,
                         unsigned int *n_ocsp, gnutls_privkey_t *key, unsigned int *flags)
{
	(void)info;
	gnutls_certificate_send_x509_rdn_sequence(session, 1);
	*certs = tls_pcert;
	*n = tls_npcert;
	*ocsp = NULL;
	*n_ocsp = 0;
	*key = tls_privkey;
	*flags = 0;
	return 0;
}

/* Load tls_cert_pem/tls_key_pem for cert_retrieve; false on failure. */
static bool tls_load(void)
{
	gnutls_datum_t cert = {(unsigned char *)tls_cert_pem, (unsigned)strlen(tls_cert_pem)};
	gnutls_datum_t key = {(unsigned char *)tls_key_pem, (unsigned)strlen(tls_key_pem)};

	tls_npcert = sizeof tls_pcert / sizeof tls_pcert[0];
	if (gnutls_pcert_list_import_x509_raw(tls_pcert, &tls_npcert, &cert, GNUTLS_X509_FMT_PEM,
	                                      0) < 0) {
		tls_npcert = 0; /* GnuTLS may have written the count it wanted */
		return false;
	}
	if (gnutls_privkey_init(&tls_privkey) < 0)
		return false;
	return gnutls_privkey_import_x509_raw(tls_privkey, &key, GNUTLS_X509_FMT_PEM, NULL, 0) >= 0;
}

static void tls_unload(void)
{
	for (unsigned i = 0; i < tls_npcert; i++)
		gnutls_pcert_deinit(&tls_pcert[i]);
	tls_npcert = 0;
	if (tls_privkey)
		gnutls_privkey_deinit(tls_privkey);
	tls_privkey = NULL;
}

static bool count_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	size_t *total = cls;

	(void)kind;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4;
	return true;
}

static enum MHD_Result header_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
	return count_header(cls, kind, key, value) ? MHD_YES : MHD_NO;
}

static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct web_ctx *x = calloc(1, sizeof *x);
	size_t n;

	(void)conn;
	if (!x)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &x->t0);
	x->metrics_listener = cls != NULL;
	x->cls = IDP_MC_OTHER;
	n = strlen(uri);
	if (n > WEB_RAW_URI_MAX) {
		x->uri_too_long = true;
		n = 0;
	}
	memcpy(x->raw_uri, uri, n);
	x->raw_uri[n] = 0;
	return x;
}

static void free_ctx(struct web_ctx *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->r.nform; i++) {
		if (x->r.form[i].value)
			idp_wipe(x->r.form[i].value, strlen(x->r.form[i].value));
		free(x->r.form[i].key);
		free(x->r.form[i].value);
	}
	if (x->r.body) {
		idp_wipe(x->r.body, x->r.body_len);
		free(x->r.body);
	}
	idp_wipe(x->r.session_token, sizeof x->r.session_token);
	if (x->r.pending)
		MHD_destroy_response(x->r.pending);
	idp_snapshot_put(x->r.snap);
	free(x);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	free_ctx(*con_cls);
	*con_cls = NULL;
}

/* Count x's request once its answer is queued: before libmicrohttpd sends
 * it, so a client that has its answer finds it counted.  The latency is
 * the time from its arrival to then. */
static void count_request(struct web_ctx *x)
{
	struct timespec t1;
	int64_t us;

	if (!x->r.status)
		return; /* nothing answered: the connection is closed */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (int64_t)(t1.tv_sec - x->t0.tv_sec) * 1000000 + (t1.tv_nsec - x->t0.tv_nsec) / 1000;
	idp_metrics_http(x->cls, x->r.status, us > 0 ? (uint64_t)us : 0);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **con_cls)
{
	struct web_ctx *x = *con_cls;

	(void)cls;
	(void)version;
	if (!x)
		return MHD_NO;
	if (!x->started) {
		size_t total = 0;
		x->started = true;
		x->r.conn = conn;
		x->r.method = method;
		x->r.path = url;
		x->r.https = cfg->tls_cert[0] != 0 && !x->metrics_listener;
		MHD_get_connection_values(conn, MHD_HEADER_KIND, header_cb, &total);
		x->r.headers_too_large = total > WEB_HEADERS_MAX;
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > WEB_BODY_MAX)
			x->r.body_too_large = true;
		/* Answer on a later call: queueing on the first closes keep-alive
		 * connections in libmicrohttpd 0.9.75 (measured). */
		return MHD_YES;
	}
	if (x->r.deferred) {
		/* Back from a hashing worker: send what it answered. */
		int ret = MHD_YES;
		if (x->r.pending) {
			ret = MHD_queue_response(conn, x->r.pending_status, x->r.pending);
			MHD_destroy_response(x->r.pending);
			x->r.pending = NULL;
			count_request(x);
		}
		return ret == MHD_YES ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (x->r.body_too_large || x->r.body_len + n > WEB_BODY_MAX) {
			x->r.body_too_large = true;
			return MHD_YES; /* drain, then answer 413 */
		}
		if (x->r.body_len + n + 1 > x->body_cap) {
			size_t cap = x->body_cap ? x->body_cap * 2 : 4096;
			while (cap < x->r.body_len + n + 1)
				cap *= 2;
			char *b = realloc(x->r.body, cap);
			if (!b)
				return MHD_NO;
			x->r.body = b;
			x->body_cap = cap;
		}
		memcpy(x->r.body + x->r.body_len, upload_data, n);
		x->r.body_len += n;
		x->r.body[x->r.body_len] = 0;
		return MHD_YES;
	}
	int ret = web_dispatch(x, cfg);
	/* A request handed to a hashing worker is counted when it comes back
	 * (the worker sets its status meanwhile). */
	if (!x->r.deferred)
		count_request(x);
	return ret == MHD_YES ? MHD_YES : MHD_NO;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	/* libmicrohttpd only logs what went wrong (bad requests, TLS set-up). */
	idp_warn("http: %s", msg);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && len < 1 << 20 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
		if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
			free(buf);
			buf = NULL;
		} else {
			buf[len] = 0;
		}
	}
	fclose(f);
	return buf;
}

/* Read one PEM object from path with OpenSSL: a certificate or a private key. */
static bool pem_ok(const char *path, bool key, char *why, size_t whysz)
{
	struct stat st;
	FILE *f;
	bool ok = false;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "cannot read: not a regular file");
		return false;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, whysz, "cannot read: %s", strerror(errno));
		return false;
	}
	if (key) {
		EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		ok = k != NULL;
		EVP_PKEY_free(k);
	} else {
		X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
		ok = x != NULL;
		X509_free(x);
	}
	fclose(f);
	if (!ok)
		snprintf(why, whysz, "not a PEM %s", key ? "private key" : "certificate");
	ERR_clear_error();
	return ok;
}

enum idp_err web_tls_check(const struct idp_config *c)
{
	char why[160];

	if (!c->tls_cert[0])
		return IDP_OK;
	if (!pem_ok(c->tls_cert, false, why, sizeof why)) {
		idp_error("tls_cert %s: %s", c->tls_cert, why);
		return IDP_ERR_CONFIG;
	}
	if (!pem_ok(c->tls_key, true, why, sizeof why)) {
		idp_error("tls_key %s: %s", c->tls_key, why);
		return IDP_ERR_CONFIG;
	}
	return IDP_OK;
}

/* host:port as a socket address into ss; *ipv6 when it is one.  False
 * when host is no IP address (the configuration checked it already). */
static bool sockaddr_of(const char *host, unsigned port, struct sockaddr_storage *ss, bool *ipv6)
{
	static const unsigned char v4map[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct idp_addr a;

	memset(ss, 0, sizeof *ss);
	if (idp_addr_parse(host, &a) != IDP_OK)
		return false;
	*ipv6 = memcmp(a.b, v4map, 12) != 0;
	if (!*ipv6) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, a.b + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, a.b, 16);
	}
	return true;
}

/* The metrics_listen listener: plain HTTP, two threads, few connections;
 * the dispatcher lets only /metrics, /healthz and /readyz through. */
static enum idp_err metrics_start(const struct idp_config *c)
{
	struct sockaddr_storage ss;
	bool ipv6;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (!c->metrics_listen_port)
		return IDP_OK;
	if (!sockaddr_of(c->metrics_listen_host, c->metrics_listen_port, &ss, &ipv6))
		return IDP_ERR_CONFIG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	struct MHD_OptionItem opts[] = {
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
	    {MHD_OPTION_THREAD_POOL_SIZE, 2, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, 64, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
	    /* A non-NULL closure marks the requests of this listener. */
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, (void *)&metrics_handle},
	    {MHD_OPTION_SOCK_ADDR, 0, &ss},
	    {MHD_OPTION_END, 0, NULL},
	};
	metrics_handle =
	    MHD_start_daemon(flags, (uint16_t)c->metrics_listen_port, NULL, NULL, access_handler,
	                     NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!metrics_handle) {
		idp_error("metrics_listen: cannot listen on %s:%u: %s", c->metrics_listen_host,
		          c->metrics_listen_port, strerror(errno));
		return IDP_ERR_IO;
	}
	idp_info("metrics on http://%s:%u/metrics", c->metrics_listen_host, c->metrics_listen_port);
	return IDP_OK;
}

enum idp_err web_start(const struct idp_config *c)
{
	struct sockaddr_storage ss;
	bool ipv6;
	enum idp_err err;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	                 MHD_ALLOW_SUSPEND_RESUME;

	cfg = c;
	web_cookies_configure(c->cookie_domain, strncmp(c->public_url, "https://", 8) == 0);
	idp_metrics_configure(c->metrics_tenant_labels);
	web_metrics_started();
	if (!sockaddr_of(c->listen_host, c->listen_port, &ss, &ipv6))
		return IDP_ERR_CONFIG;
	if (ipv6)
		flags |= MHD_USE_IPv6;
	if (c->tls_cert[0]) {
		tls_cert_pem = read_file(c->tls_cert);
		tls_key_pem = read_file(c->tls_key);
		if (!tls_cert_pem || !tls_key_pem) {
			idp_error("tls_cert/tls_key: cannot read %s or %s", c->tls_cert,
			          c->tls_key);
			return IDP_ERR_CONFIG;
		}
		if (!tls_load()) {
			idp_error("tls_cert/tls_key: GnuTLS cannot load %s and %s", c->tls_cert,
			          c->tls_key);
			tls_unload();
			return IDP_ERR_CONFIG;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
	    {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
	    {MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL},
	    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 128 * 1024, NULL},
	    {MHD_OPTION_CONNECTION_LIMIT, 2000, NULL},
	    {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
	    {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, NULL},
	    {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log, NULL},
	    {MHD_OPTION_SOCK_ADDR, 0, &ss},
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_CERT_CALLBACK2 : MHD_OPTION_END, 0,
	     (void *)&cert_retrieve},
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_PRIORITIES : MHD_OPTION_END, 0,
	     (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
	    /* Ask every TLS client for a certificate, never require one: a
	     * "trust" list only makes GnuTLS ask (cert_retrieve keeps it from
	     * naming any CA); the tenant's CAs decide per request (web/cert.c). */
	    {c->tls_cert[0] ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, tls_cert_pem},
	    {MHD_OPTION_END, 0, NULL},
	};
	daemon_handle =
	    MHD_start_daemon(flags, (uint16_t)c->listen_port, NULL, NULL, access_handler, NULL,
	                     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!daemon_handle) {
		idp_error("cannot listen on %s:%u: %s", c->listen_host, c->listen_port,
		          strerror(errno));
		return IDP_ERR_IO;
	}
	err = metrics_start(c);
	if (err) {
		MHD_stop_daemon(daemon_handle);
		daemon_handle = NULL;
		return err;
	}
	web_workers_start(c->hash_threads);
	idp_info("listening on %s:%u (%s), public_url %s", c->listen_host, c->listen_port,
	         c->tls_cert[0] ? "https" : "http", c->public_url);
	return IDP_OK;
}

void web_stop(void)
{
	web_workers_stop();
	if (metrics_handle)
		MHD_stop_daemon(metrics_handle);
	metrics_handle = NULL;
	if (daemon_handle)
		MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
	tls_unload();
	free(tls_cert_pem);
	free(tls_key_pem);
	tls_cert_pem = tls_key_pem = NULL;
}
