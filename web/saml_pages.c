/*
 * The SAML endpoints (/t/{slug}/saml/...).  So far: the IdP's metadata,
 * publishing every key of the tenant (the active one first, then the next
 * and the previous ones, so a rollover is announced before it happens).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "saml/metadata.h"
#include "web/i18n.h"
#include "web/web.h"

/* The tenant's keys, made first when it has none. */
static enum idp_err keys(struct web_req *r, struct idp_samlkey **rows, int *n)
{
	enum idp_err err = idp_samlkeys_list(&r->tenant, rows, n);
	char *key = NULL, *cert = NULL;

	if (err || *n)
		return err;
	free(*rows);
	err = idp_samlkey_signing(&r->tenant, &key, &cert);
	if (key)
		idp_wipe(key, strlen(key));
	free(key);
	free(cert);
	return err ? err : idp_samlkeys_list(&r->tenant, rows, n);
}

static int metadata_get(struct web_req *r)
{
	struct idp_samlkey *rows = NULL;
	const char **certs = NULL;
	char base[700], *md = NULL;
	int n = 0, k = 0, ret;
	enum idp_err err = keys(r, &rows, &n);

	if (!err) {
		certs = calloc((size_t)n + 1, sizeof *certs);
		err = certs ? IDP_OK : IDP_ERR_NOMEM;
	}
	for (int pass = 0; !err && pass < 3; pass++)
		for (int i = 0; i < n; i++)
			if ((int)rows[i].state == (pass == 0   ? IDP_SAMLKEY_ACTIVE
			                           : pass == 1 ? IDP_SAMLKEY_NEXT
			                                       : IDP_SAMLKEY_PREVIOUS))
				certs[k++] = rows[i].cert_pem;
	if (!err) {
		snprintf(base, sizeof base, "%s/t/%s", idp_rt.cfg->public_url, r->slug);
		struct saml_metadata_in in = {base, certs, k,
		                              r->tenant.policy.saml.want_signed_requests};
		err = saml_metadata(&in, &md);
	}
	if (err) {
		idp_error("tenant %s: SAML metadata not made: %s", r->slug, idp_strerror(err));
		ret = web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE),
		                       web_t(r, M_UNAVAILABLE));
	} else {
		ret = web_respond(r, 200, "application/samlmetadata+xml", md, strlen(md));
	}
	free(md);
	free(certs);
	free(rows);
	return ret;
}

const struct web_route web_routes_saml[] = {
    {"GET", "/saml/metadata", metadata_get, WEB_TENANT},
    {NULL, NULL, NULL, 0},
};
