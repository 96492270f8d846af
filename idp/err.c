/* Names for enum idp_err, for the operator's log. */
#include "idp/err.h"

const char *idp_strerror(enum idp_err err)
{
	switch (err) {
	case IDP_OK: return "success";
	case IDP_ERR_NOMEM: return "out of memory";
	case IDP_ERR_INVALID: return "invalid input";
	case IDP_ERR_TOO_LARGE: return "input too large";
	case IDP_ERR_NOT_FOUND: return "not found";
	case IDP_ERR_AUTH: return "authentication failed";
	case IDP_ERR_FORBIDDEN: return "forbidden";
	case IDP_ERR_CONFLICT: return "conflict";
	case IDP_ERR_EXPIRED: return "expired";
	case IDP_ERR_DB: return "database error";
	case IDP_ERR_RETRY: return "transaction must be retried";
	case IDP_ERR_IO: return "I/O error";
	case IDP_ERR_CRYPTO: return "cryptographic failure";
	case IDP_ERR_CONFIG: return "configuration error";
	case IDP_ERR_RATE: return "too many attempts";
	case IDP_ERR_PASSWORD: return "password breaks the password rules";
	case IDP_ERR_ADDRESS: return "address refused by the IP policy";
	}
	return "unknown error";
}
