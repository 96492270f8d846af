/*
 * Sekisho's domain, as web/ and the command line see it: the process-wide
 * runtime (configuration, derived keys), CSRF tokens, and every operation's
 * header.  Each operation loads what it needs through store/, applies the
 * tenant's rules, writes its audit event in the same transaction as its
 * change, and returns an enum idp_err with results in out parameters.
 * Nothing here knows HTTP.
 */
#ifndef IDP_IDP_H
#define IDP_IDP_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/addr.h"
#include "idp/apitoken.h"
#include "idp/app.h"
#include "idp/audit.h"
#include "idp/clientcert.h"
#include "idp/config.h"
#include "idp/credential.h"
#include "idp/crypto.h"
#include "idp/err.h"
#include "idp/flow.h"
#include "idp/gateway.h"
#include "idp/invitation.h"
#include "idp/login.h"
#include "idp/mail.h"
#include "idp/overview.h"
#include "idp/policy.h"
#include "idp/redirect.h"
#include "idp/request.h"
#include "idp/reset.h"
#include "idp/samlkey.h"
#include "idp/session.h"
#include "idp/sp.h"
#include "idp/tenant.h"
#include "idp/text.h"
#include "idp/time.h"
#include "idp/tx.h"
#include "idp/user.h"

/* Process-wide state set up once by idp_init. */
struct idp_runtime {
	const struct idp_config *cfg;
	unsigned char csrf_key[IDP_SHA256_LEN];     /* derived from the master key */
	unsigned char totp_key[IDP_SHA256_LEN];     /* seals TOTP secrets (AES-256-GCM) */
	unsigned char recovery_key[IDP_SHA256_LEN]; /* HMAC of recovery codes */
	unsigned char samlkey_key[IDP_SHA256_LEN];  /* seals SAML private keys (AES-256-GCM) */
};
extern struct idp_runtime idp_rt;

/* Load or create the master key, derive keys.  cfg must outlive the process. */
enum idp_err idp_init(const struct idp_config *cfg);

/* --- CSRF ---------------------------------------------------------------- */

/* The CSRF token for a form bound to binding (the session cookie value when
 * logged in, else the pre-session cookie value): base64url HMAC. */
void idp_csrf_token(const char *binding, char out[IDP_TOKEN_LEN + 1]);

/* Constant-time check of a submitted CSRF token against binding. */
bool idp_csrf_ok(const char *binding, const char *submitted);

#endif
