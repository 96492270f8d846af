/*
 * Daemon configuration: a "key = value" file (-c FILE) overlaid by
 * SEKISHO_<KEY> environment variables, every value validated at start.  The
 * first bad key stops the program with one line naming it.
 */
#ifndef IDP_CONFIG_H
#define IDP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/addr.h"
#include "idp/err.h"
#include "idp/password.h"

#define IDP_CONFIG_PATH_MAX 1024

struct idp_config {
	char listen_host[256];
	unsigned listen_port;
	char public_url[512]; /* no trailing slash */
	bool public_https;
	char data_dir[IDP_CONFIG_PATH_MAX];
	char database_url[1024];
	char database_app_url[1024]; /* optional: the daemon's queries; database_url migrates */
	struct idp_cidr *trusted_proxies; /* owned */
	size_t n_trusted_proxies;
	char tls_cert[IDP_CONFIG_PATH_MAX];
	char tls_key[IDP_CONFIG_PATH_MAX];
	char tls_client_ca[IDP_CONFIG_PATH_MAX];
	char master_key_file[IDP_CONFIG_PATH_MAX];
	char smtp_url[512];
	char smtp_from[256];
	struct idp_argon2_params argon2;
	unsigned threads;
	unsigned hash_threads; /* Argon2id workers, default: online CPUs */
	/* additions to the first set of keys, documented in the README */
	char log_level[8];
	char log_format[8];            /* "logfmt" or "json" */
	unsigned invitation_ttl_hours; /* default 72 */
	unsigned reset_ttl_minutes;    /* default 60 */
	unsigned ip_max_failures;      /* login failures per source IP per window, default 30 */
	unsigned ip_window_seconds;    /* default 300 */
	char pg_user[64];              /* OS account for the embedded cluster when run as root */
	char pg_bindir[IDP_CONFIG_PATH_MAX];
	char cookie_domain[254];    /* session cookie's Domain; "" = host-only */
	unsigned session_cache_max; /* sessions cached per node, default 200000 */
	/* operations */
	char metrics_listen_host[256]; /* "" = /metrics on the main listener */
	unsigned metrics_listen_port;
	bool metrics_tenant_labels;           /* per-tenant series (bounded by the tenants) */
	char backup_dir[IDP_CONFIG_PATH_MAX]; /* "" = no daily backup */
	unsigned backup_minute;     /* backup_time as minutes after 00:00 UTC, default 03:00 */
	unsigned backup_keep;       /* generations kept, default 14 */
	unsigned tenant_purge_days; /* terminate's default delay before the purge, 30 */
};

/* Fill c with defaults. Cannot fail. */
void idp_config_default(struct idp_config *c);

/* Set one key from text.  IDP_ERR_INVALID (unknown key or bad value) with a
 * reason in why[0..whysz). */
enum idp_err idp_config_set(struct idp_config *c, const char *key, const char *value, char *why,
                            size_t whysz);

/* Read file path (NULL = no file) then the SEKISHO_* environment over the
 * defaults, then derive dependent values (master_key_file default).
 * On error writes a one-line message naming the key (and file:line) into
 * msg and returns IDP_ERR_CONFIG. */
enum idp_err idp_config_load(struct idp_config *c, const char *path, char *msg, size_t msgsz);

/* Parse config text (for tests).  Same error contract, origin names the
 * source in messages. */
enum idp_err idp_config_parse_text(struct idp_config *c, const char *text, const char *origin,
                                   char *msg, size_t msgsz);

/* Release what c owns. NULL-safe. */
void idp_config_free(struct idp_config *c);

#endif
