/*
 * What an operation knows of the request that asked for it: the client's
 * address (already resolved behind trusted proxies) and browser, for the
 * audit log, the address rules and throttling.
 */
#ifndef IDP_REQUEST_H
#define IDP_REQUEST_H

#include "idp/addr.h"

#define IDP_EMAIL_MAX 254
#define IDP_NAME_MAX  400 /* bytes: 100 code points of up to 4 bytes */

/* Facts about the request an operation may record or check. */
struct idp_reqinfo {
	struct idp_addr addr;
	char ip[46];
	char user_agent[256]; /* truncated */
};

#endif
