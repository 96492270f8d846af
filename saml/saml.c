/* Lasso's process-wide set-up: see saml/saml.h. */
#include "saml/saml.h"

#include <glib.h>
#include <lasso/lasso.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"

extern char **environ;

static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)data;
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		idp_error("%s: %s", domain ? domain : "glib", msg);
	else if (level & G_LOG_LEVEL_WARNING)
		idp_warn("%s: %s", domain ? domain : "glib", msg);
	else
		idp_debug("%s: %s", domain ? domain : "glib", msg);
}

enum idp_err saml_global_init(void)
{
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "LASSO_", 6) == 0) {
			idp_error("environment variable %.40s is set: Lasso would read it; "
			          "refusing to start",
			          *e);
			return IDP_ERR_CONFIG;
		}
	}
	/* Lasso encrypts each assertion through a new xmlsec keys manager
	 * whose X.509 store loads OpenSSL's default CA file
	 * (X509_STORE_set_default_paths): the whole system bundle parsed per
	 * SSO, 40 ms of CPU.  SAML trusts the certificates of metadata, never
	 * the system's CAs, so the default file and directory are emptied for
	 * this process (libcurl, the one other user of peer verification,
	 * reads its own compiled-in bundle; client certificates are checked
	 * against each tenant's CAs). */
	/* (Nothing is logged here: this runs before the configuration says
	 * how log lines look; the README documents it.) */
	setenv("SSL_CERT_FILE", "/dev/null", 1);
	setenv("SSL_CERT_DIR", "/dev/null", 1);
	g_log_set_handler("Lasso", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
	                  glib_log, NULL);
	if (lasso_init() != 0) {
		idp_error("lasso_init failed");
		return IDP_ERR_CRYPTO;
	}
	return IDP_OK;
}

void saml_global_done(void)
{
	lasso_shutdown();
}
