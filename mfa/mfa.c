/* liboath's process-wide set-up: see mfa/mfa.h. */
#include "mfa/mfa.h"

#include <liboath/oath.h>

#include "idp/log.h"

enum idp_err mfa_global_init(void)
{
	int rc = oath_init();

	if (rc != OATH_OK) {
		idp_error("oath_init: [%d] %s", rc, oath_strerror(rc));
		return IDP_ERR_CRYPTO;
	}
	return IDP_OK;
}

void mfa_global_done(void)
{
	oath_done();
}
