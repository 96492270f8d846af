/* SAML messages read strictly before Lasso sees them: see saml/message.h. */
#include "saml/message.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "idp/base64.h"

#define PROTO_NS  "urn:oasis:names:tc:SAML:2.0:protocol"
#define ASSERT_NS "urn:oasis:names:tc:SAML:2.0:assertion"
#define DS_NS     "http://www.w3.org/2000/09/xmldsig#"

/* ---- the Redirect query ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

enum idp_err saml_urldecode(const char *s, size_t n, char **out)
{
	char *o = malloc(n + 1);
	size_t j = 0;

	*out = NULL;
	if (!o)
		return IDP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (c == '%') {
			int a = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
			int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
			int h = a < 0 || b < 0 ? -1 : a * 16 + b;
			if (h <= 0) { /* a bad escape, or %00 */
				free(o);
				return IDP_ERR_INVALID;
			}
			c = h;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		} else if (c == 0) {
			free(o);
			return IDP_ERR_INVALID;
		}
		o[j++] = (char)c;
	}
	o[j] = 0;
	*out = o;
	return IDP_OK;
}

void saml_redirect_free(struct saml_redirect *q)
{
	free(q->msg);
	free(q->relay);
	free(q->sigalg);
	free(q->sig);
	free(q->signed_part);
	memset(q, 0, sizeof *q);
}

enum { K_MSG, K_RELAY, K_SIGALG, K_SIG, K_COUNT };

enum idp_err saml_redirect_parse(const char *query, struct saml_redirect *out, const char **why)
{
	const char *raw[K_COUNT] = {0};
	size_t rawlen[K_COUNT] = {0};
	int last = -1, n_msg = 0;
	char **dst[K_COUNT] = {&out->msg, &out->relay, &out->sigalg, &out->sig};
	size_t qlen = query ? strlen(query) : 0;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (qlen > SAML_ENCODED_MAX + 4096) {
		*why = "the query is too long";
		return IDP_ERR_TOO_LARGE;
	}
	for (const char *p = query ? query : ""; *p;) {
		const char *amp = strchr(p, '&'), *eq;
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		int k = -1;

		eq = memchr(p, '=', len);
		if (eq) {
			size_t kl = (size_t)(eq - p);
			if (kl == 11 && memcmp(p, "SAMLRequest", 11) == 0)
				k = K_MSG;
			else if (kl == 12 && memcmp(p, "SAMLResponse", 12) == 0) {
				k = K_MSG;
				out->response = true;
			} else if (kl == 10 && memcmp(p, "RelayState", 10) == 0)
				k = K_RELAY;
			else if (kl == 6 && memcmp(p, "SigAlg", 6) == 0)
				k = K_SIGALG;
			else if (kl == 9 && memcmp(p, "Signature", 9) == 0)
				k = K_SIG;
		}
		/* Other parameters are no part of the binding and are ignored. */
		if (k >= 0) {
			if (k == K_MSG)
				n_msg++;
			if (raw[k] || n_msg > 1) {
				*why = "a SAML parameter appears twice";
				return IDP_ERR_INVALID;
			}
			/* Bindings §3.4.4.1: the signed octets are SAMLRequest,
			 * RelayState, SigAlg in this order. */
			if (k < last) {
				*why = "the SAML parameters are out of order";
				return IDP_ERR_INVALID;
			}
			last = k;
			raw[k] = p;
			rawlen[k] = len;
		}
		p += len + (amp ? 1 : 0);
	}
	if (!raw[K_MSG]) {
		*why = "no SAMLRequest or SAMLResponse";
		return IDP_ERR_INVALID;
	}
	if (!raw[K_SIGALG] != !raw[K_SIG]) {
		*why = "SigAlg and Signature must come together";
		return IDP_ERR_INVALID;
	}
	for (int k = 0; k < K_COUNT; k++) {
		const char *eq;
		if (!raw[k])
			continue;
		eq = memchr(raw[k], '=', rawlen[k]);
		if (saml_urldecode(eq + 1, rawlen[k] - (size_t)(eq + 1 - raw[k]), dst[k]) !=
		    IDP_OK) {
			*why = "a SAML parameter is not percent-encoded correctly";
			return IDP_ERR_INVALID;
		}
	}
	if (strlen(out->msg) > SAML_ENCODED_MAX) {
		*why = "the message is too long";
		return IDP_ERR_TOO_LARGE;
	}
	if (out->relay && strlen(out->relay) > SAML_RELAY_MAX) {
		*why = "RelayState is longer than 1024 bytes";
		return IDP_ERR_TOO_LARGE;
	}
	if (raw[K_SIGALG]) {
		size_t n = rawlen[K_MSG] + 1 + (raw[K_RELAY] ? rawlen[K_RELAY] + 1 : 0) +
		           rawlen[K_SIGALG] + 1;
		out->signed_part = malloc(n);
		if (!out->signed_part)
			return IDP_ERR_NOMEM;
		if (raw[K_RELAY])
			snprintf(out->signed_part, n, "%.*s&%.*s&%.*s", (int)rawlen[K_MSG],
			         raw[K_MSG], (int)rawlen[K_RELAY], raw[K_RELAY],
			         (int)rawlen[K_SIGALG], raw[K_SIGALG]);
		else
			snprintf(out->signed_part, n, "%.*s&%.*s", (int)rawlen[K_MSG], raw[K_MSG],
			         (int)rawlen[K_SIGALG], raw[K_SIGALG]);
	}
	return IDP_OK;
}

/* The digest of a signature algorithm URI; NULL (and *why) for SHA-1 and
 * anything unknown. */
static const EVP_MD *sig_digest(const char *uri, const char **why)
{
	static const char *const more = "http://www.w3.org/2001/04/xmldsig-more#";

	if (uri && strncmp(uri, more, strlen(more)) == 0) {
		const char *alg = uri + strlen(more);
		if (strcmp(alg, "rsa-sha256") == 0)
			return EVP_sha256();
		if (strcmp(alg, "rsa-sha384") == 0)
			return EVP_sha384();
		if (strcmp(alg, "rsa-sha512") == 0)
			return EVP_sha512();
	}
	*why = uri && strstr(uri, "sha1") ? "SHA-1 signatures are refused"
	                                  : "the signature algorithm is not supported";
	return NULL;
}

/* Base64 with white space skipped, into a new buffer of at most max bytes. */
static enum idp_err b64_decode_ws(const char *s, size_t max, unsigned char **out, size_t *len)
{
	size_t n = strlen(s), j = 0;
	char *clean = malloc(n + 1);
	unsigned char *buf = NULL;
	enum idp_err err;

	*out = NULL;
	if (!clean)
		return IDP_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)s[i]))
			clean[j++] = s[i];
	clean[j] = 0;
	buf = malloc(j / 4 * 3 + 3);
	if (!buf) {
		free(clean);
		return IDP_ERR_NOMEM;
	}
	err = j / 4 * 3 > max + 3
	          ? IDP_ERR_TOO_LARGE
	          : idp_base64_decode(IDP_B64_STD_PAD, clean, j, buf, j / 4 * 3 + 3, len);
	free(clean);
	if (!err && *len > max)
		err = IDP_ERR_TOO_LARGE;
	if (err)
		free(buf);
	else
		*out = buf;
	return err;
}

EVP_PKEY *saml_cert_pubkey(const char *b64)
{
	unsigned char *der = NULL;
	size_t dlen = 0;
	const unsigned char *p;
	X509 *x;
	EVP_PKEY *pk = NULL;

	if (b64_decode_ws(b64, SAML_CERT_B64_MAX, &der, &dlen) != IDP_OK)
		return NULL;
	p = der;
	x = d2i_X509(NULL, &p, (long)dlen);
	if (x)
		pk = X509_get_pubkey(x);
	if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	X509_free(x);
	free(der);
	return pk;
}

enum idp_err saml_redirect_verify_keys(const struct saml_redirect *q, EVP_PKEY *const *keys, int n,
                                       const char **why)
{
	const EVP_MD *md = sig_digest(q->sigalg, why);
	unsigned char *sig = NULL;
	size_t siglen = 0;
	enum idp_err err = IDP_ERR_AUTH;

	if (!md)
		return IDP_ERR_INVALID;
	if (!q->sig || !q->signed_part || b64_decode_ws(q->sig, 1024, &sig, &siglen) != IDP_OK) {
		*why = "the signature is not base64";
		return IDP_ERR_AUTH;
	}
	for (int i = 0; err && i < n; i++) {
		EVP_MD_CTX *ctx = keys[i] ? EVP_MD_CTX_new() : NULL;
		if (ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, keys[i]) == 1 &&
		    EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)q->signed_part,
		                     strlen(q->signed_part)) == 1)
			err = IDP_OK;
		EVP_MD_CTX_free(ctx);
	}
	if (err)
		*why = "the signature does not verify with the service provider's certificate";
	free(sig);
	return err;
}

enum idp_err saml_redirect_verify(const struct saml_redirect *q,
                                  const char (*certs)[SAML_CERT_B64_MAX + 1], int n,
                                  const char **why)
{
	EVP_PKEY *keys[SAML_SP_CERTS] = {0};
	enum idp_err err;

	if (n > SAML_SP_CERTS)
		n = SAML_SP_CERTS;
	for (int i = 0; i < n; i++)
		keys[i] = saml_cert_pubkey(certs[i]);
	err = saml_redirect_verify_keys(q, keys, n, why);
	for (int i = 0; i < n; i++)
		EVP_PKEY_free(keys[i]);
	return err;
}

enum idp_err saml_decode(const char *b64, bool deflated, char **xml, size_t *len, const char **why)
{
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	char *o = NULL;
	z_stream z;
	enum idp_err err;
	int zr;

	*xml = NULL;
	*len = 0;
	*why = NULL;
	if (strlen(b64) > SAML_ENCODED_MAX) {
		*why = "the encoded message is too long";
		return IDP_ERR_TOO_LARGE;
	}
	err = b64_decode_ws(b64, deflated ? SAML_ENCODED_MAX : SAML_MSG_MAX, &raw, &rawlen);
	if (err) {
		*why = err == IDP_ERR_TOO_LARGE ? "the message is too long"
		                                : "the message is not base64";
		return err == IDP_ERR_NOMEM       ? err
		       : err == IDP_ERR_TOO_LARGE ? err
		                                  : IDP_ERR_INVALID;
	}
	if (!deflated) {
		o = realloc(raw, rawlen + 1);
		if (!o) {
			free(raw);
			return IDP_ERR_NOMEM;
		}
		o[rawlen] = 0;
		*xml = o;
		*len = rawlen;
		return IDP_OK;
	}
	/* Raw DEFLATE (RFC 1951), inflated into a buffer of the bound plus one
	 * byte: a message that fills it is too large, and inflating stops
	 * there whatever the compressed data claims. */
	o = malloc(SAML_MSG_MAX + 2);
	memset(&z, 0, sizeof z);
	if (!o || inflateInit2(&z, -15) != Z_OK) {
		free(o);
		free(raw);
		return IDP_ERR_NOMEM;
	}
	z.next_in = raw;
	z.avail_in = (uInt)rawlen;
	z.next_out = (unsigned char *)o;
	z.avail_out = SAML_MSG_MAX + 1;
	zr = inflate(&z, Z_FINISH);
	if (zr == Z_STREAM_END && z.total_out <= SAML_MSG_MAX) {
		*len = z.total_out;
		o[*len] = 0;
		*xml = o;
		o = NULL;
	} else if (z.total_out > SAML_MSG_MAX || (zr == Z_BUF_ERROR && z.avail_out == 0)) {
		/* Z_BUF_ERROR with room left is input that ended before the
		 * stream did: broken, not large (below). */
		*why = "the inflated message is too large";
		err = IDP_ERR_TOO_LARGE;
	} else {
		*why = "the message is not DEFLATE data";
		err = IDP_ERR_INVALID;
	}
	inflateEnd(&z);
	free(o);
	free(raw);
	return err;
}

/* ---- the XML ---- */

static bool is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Attribute name (no namespace) copied into out; false when absent or
 * too long (out is then ""). */
static bool attr(const xmlNode *n, const char *name, char *out, size_t outsz)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	bool ok = v && strlen((const char *)v) < outsz;

	out[0] = 0;
	if (ok)
		strcpy(out, (const char *)v);
	xmlFree(v);
	return ok;
}

/* The text of an element that may hold nothing but text: false for a
 * comment, an element or a processing instruction inside it (a comment
 * splits the text, so two readers could see two different values). */
static bool text_only(const xmlNode *n, char *out, size_t outsz)
{
	size_t j = 0;

	out[0] = 0;
	for (const xmlNode *c = n->children; c; c = c->next) {
		size_t l;
		if (c->type != XML_TEXT_NODE)
			return false;
		l = strlen((const char *)c->content);
		if (j + l >= outsz)
			return false;
		memcpy(out + j, c->content, l);
		j += l;
	}
	out[j] = 0;
	return j > 0;
}

/* xs:dateTime in UTC ("2026-11-30T06:00:00Z", fractions allowed). */
static bool parse_instant(const char *s, int64_t *out)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!p)
		return false;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* SAML IDs are xs:ID (NCName). */
static bool ncname(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("_-.", *s)))
			return false;
	return true;
}

static int count(const xmlNode *n, const char *ns, const char *name)
{
	int k = 0;

	for (; n; n = n->next) {
		if (is(n, ns, name))
			k++;
		if (n->type == XML_ELEMENT_NODE)
			k += count(n->children, ns, name);
	}
	return k;
}

static const xmlNode *child(const xmlNode *n, const char *ns, const char *name, int *k)
{
	const xmlNode *found = NULL;

	*k = 0;
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is(c, ns, name)) {
			if (!found)
				found = c;
			(*k)++;
		}
	return found;
}

/* A Reference's digest: SHA-2 only (RFC 6931 URIs), nothing weaker that
 * xmlsec would still compute (MD5, SHA-1). */
static bool digest_ok(const char *uri)
{
	return strcmp(uri, "http://www.w3.org/2001/04/xmlenc#sha256") == 0 ||
	       strcmp(uri, "http://www.w3.org/2001/04/xmldsig-more#sha384") == 0 ||
	       strcmp(uri, "http://www.w3.org/2001/04/xmlenc#sha512") == 0;
}

/* The enveloped signature, when there is one: the root's own, referencing
 * the root's ID (anything else is how signature wrapping starts), with no
 * SHA-1 in it. */
static const char *check_signature(const xmlNode *root, const char *id, bool *signed_inline)
{
	int k, total = count(root, DS_NS, "Signature");
	const xmlNode *sig = child(root, DS_NS, "Signature", &k), *si, *ref, *m;
	char uri[SAML_ID_MAX + 2], alg[128];

	*signed_inline = false;
	if (total == 0)
		return NULL;
	if (total > 1 || k != 1)
		return "more than one Signature, or one that is not the message's own";
	si = child(sig, DS_NS, "SignedInfo", &k);
	if (!si || k != 1)
		return "the Signature has no SignedInfo";
	ref = child(si, DS_NS, "Reference", &k);
	if (!ref || k != 1 || !attr(ref, "URI", uri, sizeof uri) || uri[0] != '#' ||
	    strcmp(uri + 1, id) != 0)
		return "the Signature does not reference the message";
	m = child(si, DS_NS, "SignatureMethod", &k);
	if (!m || !attr(m, "Algorithm", alg, sizeof alg))
		return "the Signature has no SignatureMethod";
	{
		const char *why = NULL;
		if (!sig_digest(alg, &why))
			return why;
	}
	m = child(ref, DS_NS, "DigestMethod", &k);
	if (!m || k != 1 || !attr(m, "Algorithm", alg, sizeof alg))
		return "the Reference has no DigestMethod";
	if (strstr(alg, "sha1"))
		return "SHA-1 digests are refused";
	if (!digest_ok(alg))
		return "the digest algorithm is not supported";
	*signed_inline = true;
	return NULL;
}

static bool is_true(const char *v)
{
	return strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

static bool bool_attr_ok(const xmlNode *n, const char *name, bool *out)
{
	char v[8];

	*out = false;
	if (!xmlHasProp(n, (const xmlChar *)name))
		return true;
	if (!attr(n, name, v, sizeof v))
		return false;
	if (!is_true(v) && strcmp(v, "false") != 0 && strcmp(v, "0") != 0)
		return false;
	*out = is_true(v);
	return true;
}

static const char *authn_request(const xmlNode *root, struct saml_msg *m)
{
	char idx[16];
	const xmlNode *pol;
	int k;

	attr(root, "AssertionConsumerServiceURL", m->acs_url, sizeof m->acs_url);
	attr(root, "ProtocolBinding", m->protocol_binding, sizeof m->protocol_binding);
	m->acs_index = -1;
	if (attr(root, "AssertionConsumerServiceIndex", idx, sizeof idx)) {
		char *end;
		long v = strtol(idx, &end, 10);
		if (!*idx || *end || v < 0 || v > 65535)
			return "AssertionConsumerServiceIndex is not a number";
		m->acs_index = (int)v;
	}
	if (m->acs_index >= 0 && (m->acs_url[0] || m->protocol_binding[0]))
		return "both an AssertionConsumerServiceIndex and a URL or binding";
	if (!bool_attr_ok(root, "ForceAuthn", &m->force_authn) ||
	    !bool_attr_ok(root, "IsPassive", &m->is_passive))
		return "ForceAuthn or IsPassive is not a boolean";
	pol = child(root, PROTO_NS, "NameIDPolicy", &k);
	if (k > 1)
		return "more than one NameIDPolicy";
	if (pol) {
		m->has_nameid_policy = true;
		attr(pol, "Format", m->nameid_format, sizeof m->nameid_format);
		if (!bool_attr_ok(pol, "AllowCreate", &m->allow_create))
			return "AllowCreate is not a boolean";
	}
	if (count(root->children, ASSERT_NS, "Assertion") ||
	    count(root->children, ASSERT_NS, "EncryptedAssertion"))
		return "an Assertion inside a request";
	return NULL;
}

static const char *logout_request(const xmlNode *root, struct saml_msg *m)
{
	int k;
	const xmlNode *n = child(root, ASSERT_NS, "NameID", &k), *si;

	if (child(root, ASSERT_NS, "EncryptedID", &k) || child(root, ASSERT_NS, "BaseID", &k))
		return "an encrypted or base identifier (only NameID is taken)";
	n = child(root, ASSERT_NS, "NameID", &k);
	if (!n || k != 1)
		return "not exactly one NameID";
	if (!text_only(n, m->nameid, sizeof m->nameid))
		return "the NameID is empty, too long, or holds more than text";
	si = child(root, PROTO_NS, "SessionIndex", &k);
	if (si && !text_only(si, m->session_index, sizeof m->session_index))
		return "a SessionIndex is empty, too long, or holds more than text";
	if (count(root->children, ASSERT_NS, "Assertion"))
		return "an Assertion inside a request";
	return NULL;
}

static const char *logout_response(const xmlNode *root, struct saml_msg *m)
{
	int k;
	const xmlNode *st = child(root, PROTO_NS, "Status", &k), *code;

	if (!attr(root, "InResponseTo", m->in_response_to, sizeof m->in_response_to))
		return "no InResponseTo";
	if (!st || k != 1)
		return "not exactly one Status";
	code = child(st, PROTO_NS, "StatusCode", &k);
	if (!code || k != 1 || !attr(code, "Value", m->status, sizeof m->status))
		return "no StatusCode";
	return NULL;
}

static const char *inspect_root(const xmlNode *root, struct saml_msg *m)
{
	char v[64];
	const xmlNode *iss;
	int k;
	const char *why;

	if (is(root, PROTO_NS, "AuthnRequest"))
		m->kind = SAML_AUTHN_REQUEST;
	else if (is(root, PROTO_NS, "LogoutRequest"))
		m->kind = SAML_LOGOUT_REQUEST;
	else if (is(root, PROTO_NS, "LogoutResponse"))
		m->kind = SAML_LOGOUT_RESPONSE;
	else
		return "not a SAML 2.0 AuthnRequest, LogoutRequest or LogoutResponse";
	if (!attr(root, "Version", v, sizeof v) || strcmp(v, "2.0") != 0)
		return "Version is not 2.0";
	if (!attr(root, "ID", m->id, sizeof m->id) || !ncname(m->id))
		return "no ID, or one that is not an XML name";
	if (!attr(root, "IssueInstant", v, sizeof v) || !parse_instant(v, &m->issue_instant))
		return "no IssueInstant, or one that is not a UTC time";
	if (xmlHasProp(root, (const xmlChar *)"Destination") &&
	    !attr(root, "Destination", m->destination, sizeof m->destination))
		return "Destination is too long";
	iss = child(root, ASSERT_NS, "Issuer", &k);
	if (!iss || k != 1)
		return "not exactly one Issuer";
	if (!text_only(iss, m->issuer, sizeof m->issuer))
		return "the Issuer is empty, too long, or holds more than text";
	why = check_signature(root, m->id, &m->signed_inline);
	if (why)
		return why;
	switch (m->kind) {
	case SAML_AUTHN_REQUEST: return authn_request(root, m);
	case SAML_LOGOUT_REQUEST: return logout_request(root, m);
	case SAML_LOGOUT_RESPONSE: return logout_response(root, m);
	}
	return NULL;
}

enum idp_err saml_inspect(const char *xml, size_t len, struct saml_msg *m, const char **why)
{
	xmlDoc *doc;

	memset(m, 0, sizeof *m);
	m->acs_index = -1;
	*why = NULL;
	if (len > SAML_MSG_MAX) {
		*why = "the message is too long";
		return IDP_ERR_TOO_LARGE;
	}
	if (!xml || !len || memchr(xml, 0, len)) {
		*why = "an empty message, or a NUL byte in it";
		return IDP_ERR_INVALID;
	}
	/* No network, no DTD loading, no entity substitution. */
	doc = xmlReadMemory(xml, (int)len, "saml-message.xml", NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		*why = "the message is not well-formed XML";
		return IDP_ERR_INVALID;
	}
	if (doc->intSubset || doc->extSubset)
		*why = "the message has a DOCTYPE";
	else
		*why = inspect_root(xmlDocGetRootElement(doc), m);
	xmlFreeDoc(doc);
	return *why ? IDP_ERR_INVALID : IDP_OK;
}
