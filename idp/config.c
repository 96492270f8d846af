/*
 * Configuration.  Precedence: defaults < file < environment.  Values are
 * validated as they are set so the error names the key that was wrong.
 */
#include "idp/config.h"
#include "idp/text.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096

void idp_config_default(struct idp_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
	c->listen_port = 8080;
	snprintf(c->public_url, sizeof c->public_url, "http://127.0.0.1:8080");
	snprintf(c->data_dir, sizeof c->data_dir, "var");
	c->argon2.memory_kib = 19456;
	c->argon2.iterations = 2;
	c->argon2.parallelism = 1;
	c->threads = 4;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	c->hash_threads = cpus > 0 && cpus <= 256 ? (unsigned)cpus : 2;
	snprintf(c->log_level, sizeof c->log_level, "info");
	snprintf(c->log_format, sizeof c->log_format, "logfmt");
	c->invitation_ttl_hours = 72;
	c->reset_ttl_minutes = 60;
	c->ip_max_failures = 30;
	c->ip_window_seconds = 300;
	c->session_cache_max = 200000;
	c->backup_minute = 3 * 60;
	c->backup_keep = 14;
	c->tenant_purge_days = 30;
	snprintf(c->pg_user, sizeof c->pg_user, "postgres");
	snprintf(c->pg_bindir, sizeof c->pg_bindir, "/usr/lib/postgresql/15/bin");
}

void idp_config_free(struct idp_config *c)
{
	if (!c)
		return;
	free(c->trusted_proxies);
	c->trusted_proxies = NULL;
	c->n_trusted_proxies = 0;
}

static enum idp_err set_str(char *dst, size_t dstsz, const char *v, char *why, size_t whysz)
{
	size_t n = strlen(v);

	if (n >= dstsz) {
		snprintf(why, whysz, "longer than %zu bytes", dstsz - 1);
		return IDP_ERR_INVALID;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(why, whysz, "contains a control character");
			return IDP_ERR_INVALID;
		}
	}
	memcpy(dst, v, n + 1);
	return IDP_OK;
}

static enum idp_err set_uint(unsigned *dst, const char *v, unsigned long lo, unsigned long hi,
                             char *why, size_t whysz)
{
	char *end;
	unsigned long x;

	if (!isdigit((unsigned char)v[0])) {
		snprintf(why, whysz, "not a number: \"%.40s\"", v);
		return IDP_ERR_INVALID;
	}
	errno = 0;
	x = strtoul(v, &end, 10);
	if (errno || *end) {
		snprintf(why, whysz, "not a number: \"%.40s\"", v);
		return IDP_ERR_INVALID;
	}
	if (x < lo || x > hi) {
		snprintf(why, whysz, "%lu out of range %lu..%lu", x, lo, hi);
		return IDP_ERR_INVALID;
	}
	*dst = (unsigned)x;
	return IDP_OK;
}

/* HOST:PORT (an IP address, IPv6 in brackets) into host[hostsz] and *port. */
static enum idp_err set_hostport(char *hostout, size_t hostsz, unsigned *port, const char *v,
                                 char *why, size_t whysz)
{
	const char *colon = strrchr(v, ':');
	const char *host = v;
	size_t hostlen;

	if (!colon || colon == v) {
		snprintf(why, whysz, "expected HOST:PORT");
		return IDP_ERR_INVALID;
	}
	hostlen = (size_t)(colon - v);
	if (host[0] == '[') { /* [::1]:8080 */
		if (hostlen < 3 || host[hostlen - 1] != ']') {
			snprintf(why, whysz, "expected [IPv6]:PORT");
			return IDP_ERR_INVALID;
		}
		host++;
		hostlen -= 2;
	}
	if (hostlen >= hostsz || hostlen >= 256) {
		snprintf(why, whysz, "host too long");
		return IDP_ERR_INVALID;
	}
	char tmp[256];
	memcpy(tmp, host, hostlen);
	tmp[hostlen] = 0;
	struct idp_addr a;
	if (idp_addr_parse(tmp, &a) != IDP_OK) {
		snprintf(why, whysz, "host must be an IP address, got \"%.60s\"", tmp);
		return IDP_ERR_INVALID;
	}
	if (set_uint(port, colon + 1, 1, 65535, why, whysz))
		return IDP_ERR_INVALID;
	memcpy(hostout, tmp, hostlen + 1);
	return IDP_OK;
}

/* "HH:MM", 24-hour, into minutes after midnight. */
static enum idp_err set_clock(unsigned *minutes, const char *v, char *why, size_t whysz)
{
	if (strlen(v) != 5 || !isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
	    v[2] != ':' || !isdigit((unsigned char)v[3]) || !isdigit((unsigned char)v[4]) ||
	    (v[0] - '0') * 10 + (v[1] - '0') > 23 || (v[3] - '0') * 10 + (v[4] - '0') > 59) {
		snprintf(why, whysz, "expected HH:MM (00:00 to 23:59, UTC), got \"%.20s\"", v);
		return IDP_ERR_INVALID;
	}
	*minutes =
	    (unsigned)(((v[0] - '0') * 10 + (v[1] - '0')) * 60 + (v[3] - '0') * 10 + (v[4] - '0'));
	return IDP_OK;
}

static enum idp_err set_bool(bool *dst, const char *v, char *why, size_t whysz)
{
	if (!strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes"))
		*dst = true;
	else if (!strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no"))
		*dst = false;
	else {
		snprintf(why, whysz, "must be true or false");
		return IDP_ERR_INVALID;
	}
	return IDP_OK;
}

static enum idp_err set_public_url(struct idp_config *c, const char *v, char *why, size_t whysz)
{
	size_t n = strlen(v);
	const char *rest;

	if (strncmp(v, "https://", 8) == 0) {
		rest = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		rest = v + 7;
	} else {
		snprintf(why, whysz, "must start with http:// or https://");
		return IDP_ERR_INVALID;
	}
	if (!*rest || *rest == '/') {
		snprintf(why, whysz, "has no host");
		return IDP_ERR_INVALID;
	}
	for (const char *p = rest; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]/_~", *p)) {
			snprintf(why, whysz, "character '%c' not allowed",
			         isprint((unsigned char)*p) ? *p : '?');
			return IDP_ERR_INVALID;
		}
	}
	if (strchr(rest, '?') || strchr(rest, '#')) {
		snprintf(why, whysz, "must not have a query or fragment");
		return IDP_ERR_INVALID;
	}
	while (n > 0 && v[n - 1] == '/')
		n--;
	if (n >= sizeof c->public_url) {
		snprintf(why, whysz, "too long");
		return IDP_ERR_INVALID;
	}
	memcpy(c->public_url, v, n);
	c->public_url[n] = 0;
	c->public_https = strncmp(v, "https://", 8) == 0;
	return IDP_OK;
}

/* A parent domain for the session cookie: a host name of at least two
 * labels ("example.com", not "com"), lower case, without a leading dot (RFC
 * 6265 ignores it) or a port; "" = host-only cookies. */
static enum idp_err set_cookie_domain(struct idp_config *c, const char *v, char *why, size_t whysz)
{
	size_t n = strlen(v);
	bool ok = n < sizeof c->cookie_domain && strchr(v, '.') && v[0] != '.' && v[n - 1] != '.' &&
	          !strstr(v, "..") && !strstr(v, ".-") && !strstr(v, "-.") && v[0] != '-';

	for (const char *p = v; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
	if (n && !ok) {
		snprintf(why, whysz,
		         "must be a lower-case domain name of two or more labels, "
		         "without a leading dot or a port (e.g. example.com)");
		return IDP_ERR_INVALID;
	}
	return set_str(c->cookie_domain, sizeof c->cookie_domain, v, why, whysz);
}

enum idp_err idp_config_set(struct idp_config *c, const char *key, const char *v, char *why,
                            size_t whysz)
{
	unsigned u;

	why[0] = 0;
	if (strcmp(key, "listen") == 0)
		return set_hostport(c->listen_host, sizeof c->listen_host, &c->listen_port, v, why,
		                    whysz);
	if (strcmp(key, "metrics_listen") == 0) {
		if (!*v) {
			c->metrics_listen_host[0] = 0;
			c->metrics_listen_port = 0;
			return IDP_OK;
		}
		return set_hostport(c->metrics_listen_host, sizeof c->metrics_listen_host,
		                    &c->metrics_listen_port, v, why, whysz);
	}
	if (strcmp(key, "metrics_tenant_labels") == 0)
		return set_bool(&c->metrics_tenant_labels, v, why, whysz);
	if (strcmp(key, "backup_dir") == 0)
		return set_str(c->backup_dir, sizeof c->backup_dir, v, why, whysz);
	if (strcmp(key, "backup_time") == 0)
		return set_clock(&c->backup_minute, v, why, whysz);
	if (strcmp(key, "backup_keep") == 0)
		return set_uint(&c->backup_keep, v, 1, 366, why, whysz);
	if (strcmp(key, "tenant_purge_days") == 0)
		return set_uint(&c->tenant_purge_days, v, 0, 3650, why, whysz);
	if (strcmp(key, "public_url") == 0)
		return set_public_url(c, v, why, whysz);
	if (strcmp(key, "data_dir") == 0) {
		if (!*v) {
			snprintf(why, whysz, "must not be empty");
			return IDP_ERR_INVALID;
		}
		return set_str(c->data_dir, sizeof c->data_dir, v, why, whysz);
	}
	if (strcmp(key, "database_url") == 0)
		return set_str(c->database_url, sizeof c->database_url, v, why, whysz);
	if (strcmp(key, "database_app_url") == 0)
		return set_str(c->database_app_url, sizeof c->database_app_url, v, why, whysz);
	if (strcmp(key, "trusted_proxies") == 0) {
		struct idp_cidr *list = NULL;
		size_t n = 0;
		char bad[64];
		if (idp_cidr_list_parse(v, &list, &n, bad, sizeof bad) != IDP_OK) {
			snprintf(why, whysz, "bad CIDR \"%s\"", bad);
			return IDP_ERR_INVALID;
		}
		free(c->trusted_proxies);
		c->trusted_proxies = list;
		c->n_trusted_proxies = n;
		return IDP_OK;
	}
	if (strcmp(key, "tls_cert") == 0)
		return set_str(c->tls_cert, sizeof c->tls_cert, v, why, whysz);
	if (strcmp(key, "tls_key") == 0)
		return set_str(c->tls_key, sizeof c->tls_key, v, why, whysz);
	if (strcmp(key, "tls_client_ca") == 0)
		return set_str(c->tls_client_ca, sizeof c->tls_client_ca, v, why, whysz);
	if (strcmp(key, "master_key_file") == 0)
		return set_str(c->master_key_file, sizeof c->master_key_file, v, why, whysz);
	if (strcmp(key, "smtp_url") == 0) {
		if (*v && strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0) {
			snprintf(why, whysz, "must start with smtp:// or smtps://");
			return IDP_ERR_INVALID;
		}
		return set_str(c->smtp_url, sizeof c->smtp_url, v, why, whysz);
	}
	if (strcmp(key, "smtp_from") == 0) {
		if (*v && !idp_email_valid(v)) {
			snprintf(why, whysz, "not an e-mail address");
			return IDP_ERR_INVALID;
		}
		return set_str(c->smtp_from, sizeof c->smtp_from, v, why, whysz);
	}
	if (strcmp(key, "argon2_memory_kib") == 0) {
		if (set_uint(&u, v, 8192, 4194304, why, whysz))
			return IDP_ERR_INVALID;
		c->argon2.memory_kib = u;
		return IDP_OK;
	}
	if (strcmp(key, "argon2_iterations") == 0) {
		if (set_uint(&u, v, 1, 100, why, whysz))
			return IDP_ERR_INVALID;
		c->argon2.iterations = u;
		return IDP_OK;
	}
	if (strcmp(key, "argon2_parallelism") == 0) {
		if (set_uint(&u, v, 1, 64, why, whysz))
			return IDP_ERR_INVALID;
		c->argon2.parallelism = u;
		return IDP_OK;
	}
	if (strcmp(key, "threads") == 0)
		return set_uint(&c->threads, v, 1, 256, why, whysz);
	if (strcmp(key, "hash_threads") == 0)
		return set_uint(&c->hash_threads, v, 1, 256, why, whysz);
	if (strcmp(key, "log_level") == 0) {
		if (strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") &&
		    strcmp(v, "error")) {
			snprintf(why, whysz, "must be debug, info, warn or error");
			return IDP_ERR_INVALID;
		}
		return set_str(c->log_level, sizeof c->log_level, v, why, whysz);
	}
	if (strcmp(key, "log_format") == 0) {
		if (strcmp(v, "logfmt") && strcmp(v, "json")) {
			snprintf(why, whysz, "must be logfmt or json");
			return IDP_ERR_INVALID;
		}
		return set_str(c->log_format, sizeof c->log_format, v, why, whysz);
	}
	if (strcmp(key, "invitation_ttl_hours") == 0)
		return set_uint(&c->invitation_ttl_hours, v, 1, 24 * 90, why, whysz);
	if (strcmp(key, "reset_ttl_minutes") == 0)
		return set_uint(&c->reset_ttl_minutes, v, 5, 24 * 60, why, whysz);
	if (strcmp(key, "ip_max_failures") == 0)
		return set_uint(&c->ip_max_failures, v, 1, 100000, why, whysz);
	if (strcmp(key, "ip_window_seconds") == 0)
		return set_uint(&c->ip_window_seconds, v, 1, 86400, why, whysz);
	if (strcmp(key, "pg_user") == 0)
		return set_str(c->pg_user, sizeof c->pg_user, v, why, whysz);
	if (strcmp(key, "pg_bindir") == 0)
		return set_str(c->pg_bindir, sizeof c->pg_bindir, v, why, whysz);
	if (strcmp(key, "cookie_domain") == 0)
		return set_cookie_domain(c, v, why, whysz);
	if (strcmp(key, "session_cache_max") == 0)
		return set_uint(&c->session_cache_max, v, 1000, 10000000, why, whysz);
	snprintf(why, whysz, "unknown key");
	return IDP_ERR_INVALID;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

enum idp_err idp_config_parse_text(struct idp_config *c, const char *text, const char *origin,
                                   char *msg, size_t msgsz)
{
	const char *p = text;
	unsigned lineno = 0;
	char line[LINE_MAX_BYTES];
	char why[160];

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *k, *v, *eq;

		lineno++;
		if (n >= sizeof line) {
			snprintf(msg, msgsz, "%s:%u: line longer than %d bytes", origin, lineno,
			         LINE_MAX_BYTES - 1);
			return IDP_ERR_CONFIG;
		}
		memcpy(line, p, n);
		line[n] = 0;
		p += n + (nl ? 1 : 0);
		k = trim(line);
		if (!*k || *k == '#' || *k == ';')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(msg, msgsz, "%s:%u: expected \"key = value\"", origin, lineno);
			return IDP_ERR_CONFIG;
		}
		*eq = 0;
		v = trim(eq + 1);
		k = trim(k);
		/* Allow "value" in double quotes so values may keep edge spaces. */
		size_t vl = strlen(v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
			v[vl - 1] = 0;
			v++;
		}
		if (idp_config_set(c, k, v, why, sizeof why) != IDP_OK) {
			snprintf(msg, msgsz, "%s:%u: %.64s: %s", origin, lineno, k, why);
			return IDP_ERR_CONFIG;
		}
	}
	return IDP_OK;
}

enum idp_err idp_config_load(struct idp_config *c, const char *path, char *msg, size_t msgsz)
{
	enum idp_err err = IDP_OK;
	char *text = NULL;
	FILE *f = NULL;
	char why[160];
	extern char **environ;

	if (path) {
		long len;
		f = fopen(path, "r");
		if (!f) {
			snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
			err = IDP_ERR_CONFIG;
			goto out;
		}
		if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
			snprintf(msg, msgsz, "%s: cannot read", path);
			err = IDP_ERR_CONFIG;
			goto out;
		}
		if (len > 1024 * 1024) {
			snprintf(msg, msgsz, "%s: larger than 1 MiB", path);
			err = IDP_ERR_CONFIG;
			goto out;
		}
		text = malloc((size_t)len + 1);
		if (!text || fread(text, 1, (size_t)len, f) != (size_t)len) {
			snprintf(msg, msgsz, "%s: cannot read", path);
			err = IDP_ERR_CONFIG;
			goto out;
		}
		text[len] = 0;
		if (strlen(text) != (size_t)len) {
			snprintf(msg, msgsz, "%s: contains a NUL byte", path);
			err = IDP_ERR_CONFIG;
			goto out;
		}
		err = idp_config_parse_text(c, text, path, msg, msgsz);
		if (err)
			goto out;
	}
	/* Unknown SEKISHO_* variables are an error too: a typo must not pass. */
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "SEKISHO_", 8) != 0)
			continue;
		const char *eq = strchr(*e, '=');
		char key[64];
		size_t kl = eq ? (size_t)(eq - (*e + 8)) : 0;
		if (!eq || kl == 0 || kl >= sizeof key) {
			snprintf(msg, msgsz, "environment: %.64s: unknown key", *e);
			err = IDP_ERR_CONFIG;
			goto out;
		}
		for (size_t i = 0; i < kl; i++)
			key[i] = (char)tolower((unsigned char)(*e)[8 + i]);
		key[kl] = 0;
		/* Every key idp_config_set knows, and only those ("unknown key"). */
		if (idp_config_set(c, key, eq + 1, why, sizeof why) != IDP_OK) {
			snprintf(msg, msgsz, "environment: %.*s: %s", (int)(eq - *e), *e, why);
			err = IDP_ERR_CONFIG;
			goto out;
		}
	}
	if (!c->master_key_file[0]) {
		if ((size_t)snprintf(c->master_key_file, sizeof c->master_key_file, "%s/master.key",
		                     c->data_dir) >= sizeof c->master_key_file) {
			snprintf(msg, msgsz, "data_dir: too long");
			err = IDP_ERR_CONFIG;
			goto out;
		}
	}
	if (!c->tls_cert[0] != !c->tls_key[0]) {
		snprintf(msg, msgsz, "%s: tls_cert and tls_key must be set together",
		         c->tls_cert[0] ? "tls_key" : "tls_cert");
		err = IDP_ERR_CONFIG;
		goto out;
	}
	if (c->tls_client_ca[0] && !c->tls_cert[0]) {
		snprintf(msg, msgsz, "tls_client_ca: needs tls_cert and tls_key");
		err = IDP_ERR_CONFIG;
		goto out;
	}
	if (c->smtp_url[0] && !c->smtp_from[0]) {
		snprintf(msg, msgsz, "smtp_from: required when smtp_url is set");
		err = IDP_ERR_CONFIG;
		goto out;
	}
out:
	free(text);
	if (f)
		fclose(f);
	return err;
}
