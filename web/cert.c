/*
 * The client certificate of a request (web/cert.c): the TLS peer's leaf when
 * Sekisho terminates TLS itself (libmicrohttpd asks for one but accepts a
 * handshake without; nothing is trusted at the TLS layer), or the
 * URL-encoded PEM a TLS-terminating proxy in trusted_proxies sends in
 * X-SSL-Client-Cert (nginx's $ssl_client_escaped_cert).  Either way it is
 * checked against the tenant's own CAs and CRLs (idp_cert_check).  The
 * header from any other peer is ignored and audited.
 */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "mfa/mfa.h"
#include "web/server.h"
#include "web/web.h"

#define CERT_HEADER "X-SSL-Client-Cert"

/* Whether the socket peer (not the forwarded client) is a trusted proxy. */
static enum MHD_Result count_cert_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, CERT_HEADER) == 0)
		++*(unsigned *)cls;
	return MHD_YES;
}

/* The TLS peer's leaf certificate (DER, borrowed), or NULL. */
static const gnutls_datum_t *tls_leaf(const struct web_req *r)
{
	const union MHD_ConnectionInfo *ci;
	unsigned n = 0;
	const gnutls_datum_t *certs;

	if (!r->https)
		return NULL;
	ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return NULL;
	certs = gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, &n);
	return certs && n > 0 && certs[0].size > 0 ? &certs[0] : NULL;
}

enum idp_err web_client_cert(struct web_req *r, const struct idp_config *cfg)
{
	const char *header = web_header(r, CERT_HEADER);
	const gnutls_datum_t *leaf = tls_leaf(r);
	bool trusted = header && r->peer_trusted;
	struct mfa_pem_item item;
	enum idp_err err = IDP_OK;
	unsigned lines = 0;
	char *pem;

	/* A trusted proxy speaks for its client even when it connects over TLS
	 * with a certificate of its own. */
	if (leaf && !trusted)
		return idp_cert_check(&r->tenant, leaf->data, leaf->size, &r->ri);
	if (!header)
		return IDP_OK;
	if (!trusted) {
		idp_cert_header_ignored(&r->tenant, &r->ri);
		return IDP_OK;
	}
	/* A proxy that appends rather than replaces would leave the client's
	 * own line first: more than one line is no certificate at all. */
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_cert_header, &lines);
	if (lines != 1) {
		r->ri.cert_present = true;
		snprintf(r->ri.cert_why, sizeof r->ri.cert_why, "%s",
		         "more than one certificate header");
		return IDP_OK;
	}
	pem = malloc(MFA_CERT_MAX * 2);
	if (!pem)
		return IDP_ERR_NOMEM;
	memset(&item, 0, sizeof item);
	r->ri.cert_present = true;
	if (mfa_url_unescape(header, pem, MFA_CERT_MAX * 2) != IDP_OK ||
	    mfa_cert_from_pem(pem, strlen(pem), &item) != IDP_OK) {
		snprintf(r->ri.cert_why, sizeof r->ri.cert_why, "%s",
		         "the proxy's certificate header does not hold one PEM certificate");
	} else {
		err = idp_cert_check(&r->tenant, item.der, item.der_len, &r->ri);
	}
	free(item.der);
	free(pem);
	return err;
}
