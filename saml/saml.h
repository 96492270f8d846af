/*
 * SAML 2.0 on Lasso.  For now: process-wide Lasso set-up and hardening,
 * done once in main() before any thread starts (Lasso is not thread-safe there).
 */
#ifndef SAML_SAML_H
#define SAML_SAML_H

#include "idp/err.h"

/* Refuse LASSO_* environment variables (LASSO_FLAG=no-verify-signature would
 * turn signature checks off), route Lasso's GLib log into ours, lasso_init(). */
enum idp_err saml_global_init(void);
void saml_global_done(void);

#endif
