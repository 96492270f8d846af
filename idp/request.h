/*
 * What an operation knows of the request that asked for it: the client's
 * address (already resolved behind trusted proxies) and browser, for the
 * audit log, the address rules and throttling.
 */
#ifndef IDP_REQUEST_H
#define IDP_REQUEST_H

#include <stdbool.h>

#include "idp/addr.h"

#define IDP_EMAIL_MAX 254
#define IDP_NAME_MAX  400 /* bytes: 100 code points of up to 4 bytes */

/* Facts about the request an operation may record or check. */
struct idp_reqinfo {
	struct idp_addr addr;
	char ip[46];
	char user_agent[256]; /* truncated */
	/* The client certificate presented (directly over TLS, or by a trusted
	 * TLS-terminating proxy), once checked against the tenant's CAs. */
	bool cert_present;
	bool cert_valid;
	unsigned char cert_sha256[32];
	char cert_sha256_hex[65];
	char cert_subject[512];
	char cert_why[96]; /* why it is not valid, for the operator */
};

#endif
