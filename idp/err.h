/*
 * One error type for all of Sekisho.  Foreign codes (SQLSTATE, OpenSSL,
 * libargon2, Lasso) are logged raw where they occur and mapped to one of
 * these; callers only ever see enum idp_err.
 *
 * The ground floor: every folder (store/, web/, saml/, mfa/) may include
 * this, and it includes nothing else of ours.  Keep it that way.
 */
#ifndef IDP_ERR_H
#define IDP_ERR_H

enum idp_err {
	IDP_OK = 0,
	IDP_ERR_NOMEM,     /* allocation failed */
	IDP_ERR_INVALID,   /* malformed or out-of-range input */
	IDP_ERR_TOO_LARGE, /* input over its size limit */
	IDP_ERR_NOT_FOUND, /* no such tenant, user, token ... */
	IDP_ERR_AUTH,      /* credentials wrong (or account unusable: never say which) */
	IDP_ERR_FORBIDDEN, /* authenticated but not allowed */
	IDP_ERR_CONFLICT,  /* state does not allow it (duplicate, last admin, ...) */
	IDP_ERR_EXPIRED,   /* token or session past its lifetime */
	IDP_ERR_DB,        /* database unreachable or failed */
	IDP_ERR_RETRY,     /* serialization failure / deadlock: try the transaction again */
	IDP_ERR_IO,        /* file system or network */
	IDP_ERR_CRYPTO,    /* a crypto library call failed */
	IDP_ERR_CONFIG,    /* bad configuration */
	IDP_ERR_RATE,      /* too many attempts from this source */
	IDP_ERR_PASSWORD,  /* a new password breaks the password rules (which: out parameter) */
	IDP_ERR_ADDRESS,   /* the source address is refused by the IP allow lists */
};

/* Short English description for logs; never NULL, cannot fail. */
const char *idp_strerror(enum idp_err err);

#endif
