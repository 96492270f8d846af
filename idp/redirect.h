/*
 * Safe targets for the redirect after login (idp/redirect.c).
 */
#ifndef IDP_REDIRECT_H
#define IDP_REDIRECT_H

#include <stdbool.h>

/* True when rd is a safe local redirect target: starts with exactly one '/',
 * is not "//..." or "/\...", contains no backslash, no control characters
 * and no scheme, and is at most 2048 bytes.  Cannot fail. */
bool idp_redirect_safe(const char *rd);

#endif
