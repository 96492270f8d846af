/* Lasso's process-wide set-up: see saml/saml.h. */
#include "saml/saml.h"

#include <glib.h>
#include <lasso/lasso.h>
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
