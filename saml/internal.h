/*
 * What the files of saml/ share and nothing outside sees: the IdP as one
 * thread holds it (saml/idp.c builds it, saml/slo.c uses it for logout
 * messages) and two helpers of message building.
 */
#ifndef SAML_INTERNAL_H
#define SAML_INTERNAL_H

#include <lasso/lasso.h>
#include <stdint.h>

#include "idp/err.h"
#include "saml/idp.h"

struct saml_idp {
	int64_t tenant_id;
	char version[24];
	char entity[1100];
	LassoServer *server;
	struct saml_sp *sps;
	int n;
	unsigned long used; /* for eviction: the thread's call counter when last used */
};

/* xml as base64, the form Lasso reads a message in (*out: g_free it). */
enum idp_err saml_b64(const char *xml, char **out);

/* Set *issue_instant (a g_malloc'd string Lasso wrote) to now, from
 * gmtime_r: Lasso's own stamp goes through gmtime()'s shared buffer, which
 * its logging overwrites from other threads (saml/idp.c). */
void saml_restamp(char **issue_instant);

#endif
