/*
 * X.509 client certificates as a second factor (or a device check): parsing
 * the PEM bundles an administrator uploads (tenant CAs and CRLs), reading the
 * certificate a client presented (DER from the TLS layer, URL-encoded PEM from
 * a TLS-terminating proxy such as nginx's $ssl_client_escaped_cert), and
 * verifying it with OpenSSL against the tenant's own CAs and CRLs (RFC 5280
 * path validation, validity period, the SSL-client purpose, revocation).
 *
 * Everything here is pure: no database, no network, no global state but
 * OpenSSL's error queue, which is cleared before returning.  Inputs are
 * bounded (MFA_CERT_MAX, MFA_PEM_MAX) and every parse is strict: one
 * well-formed block after another, nothing else.
 */
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/log.h"
#include "mfa/mfa.h"

#define PEM_ITEMS_MAX 64

static const char begin_tag[] = "-----BEGIN ";
static const char end_tag[] = "-----END ";
static const char dashes[] = "-----";

void mfa_pem_item_clear(struct mfa_pem_item *item)
{
	if (!item)
		return;
	free(item->der);
	memset(item, 0, sizeof(*item));
}

void mfa_pem_items_free(struct mfa_pem_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i].der);
	free(items);
}

/* An ASN1_TIME as Unix seconds; false when absent or unreadable. */
static bool asn1_time_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;
	time_t s;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	s = timegm(&tm);
	if (s == (time_t)-1)
		return false;
	*out = (int64_t)s;
	return true;
}

/*
 * A distinguished name in RFC 2253 form, but with non-ASCII characters kept
 * as UTF-8 instead of \XX escapes (control characters stay escaped, so the
 * text is safe for a log line).  Names longer than MFA_DN_MAX - 1 bytes are
 * cut at a character boundary.  false when the name does not print (e.g. a
 * UTF8String holding invalid UTF-8).
 */
static bool dn_text(const X509_NAME *name, char out[MFA_DN_MAX])
{
	BIO *b = NULL;
	char *p = NULL;
	long len;
	bool ok = false;

	out[0] = '\0';
	if (!name)
		goto out;
	b = BIO_new(BIO_s_mem());
	if (!b)
		goto out;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		goto out;
	len = BIO_get_mem_data(b, &p);
	if (len < 0 || (len > 0 && !p))
		goto out;
	if ((size_t)len > MFA_DN_MAX - 1) {
		len = MFA_DN_MAX - 1;
		/* Do not leave half a UTF-8 sequence at the end. */
		while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
			len--;
	}
	if (memchr(p, '\0', (size_t)len))
		goto out;
	memcpy(out, p, (size_t)len);
	out[len] = '\0';
	ok = true;
out:
	BIO_free(b);
	return ok;
}

/* The SHA-256 of der and a copy of it (owned) into item. */
static enum idp_err keep_der(const unsigned char *der, size_t len, struct mfa_pem_item *item,
                             const char **why)
{
	if (EVP_Digest(der, len, item->sha256, NULL, EVP_sha256(), NULL) != 1) {
		*why = "digest failed";
		return IDP_ERR_CRYPTO;
	}
	item->der = malloc(len);
	if (!item->der) {
		*why = "out of memory";
		return IDP_ERR_NOMEM;
	}
	memcpy(item->der, der, len);
	item->der_len = len;
	return IDP_OK;
}

/* Fills item (kind, der copy, digest, names, times) from a parsed certificate. */
static enum idp_err cert_info(X509 *x, const unsigned char *der, size_t len,
                              struct mfa_pem_item *item, const char **why)
{
	uint32_t flags;

	memset(item, 0, sizeof(*item));
	item->kind = MFA_PEM_CERT;
	flags = X509_get_extension_flags(x); /* also computes the cached extensions */
	if (flags & EXFLAG_INVALID) {
		*why = "certificate extensions do not parse";
		return IDP_ERR_INVALID;
	}
	item->is_ca = (flags & EXFLAG_CA) != 0;
	if (!dn_text(X509_get_subject_name(x), item->subject) ||
	    !dn_text(X509_get_issuer_name(x), item->issuer)) {
		*why = "certificate name does not print";
		return IDP_ERR_INVALID;
	}
	if (!asn1_time_unix(X509_get0_notBefore(x), &item->not_before) ||
	    !asn1_time_unix(X509_get0_notAfter(x), &item->not_after)) {
		*why = "certificate validity does not parse";
		return IDP_ERR_INVALID;
	}
	return keep_der(der, len, item, why);
}

static enum idp_err crl_info(X509_CRL *c, const unsigned char *der, size_t len,
                             struct mfa_pem_item *item, const char **why)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(c);

	memset(item, 0, sizeof(*item));
	item->kind = MFA_PEM_CRL;
	if (!dn_text(X509_CRL_get_issuer(c), item->issuer)) {
		*why = "CRL issuer does not print";
		return IDP_ERR_INVALID;
	}
	if (!asn1_time_unix(X509_CRL_get0_lastUpdate(c), &item->not_before) ||
	    (next && !asn1_time_unix(next, &item->not_after))) {
		*why = "CRL dates do not parse";
		return IDP_ERR_INVALID;
	}
	return keep_der(der, len, item, why);
}

/* DER of exactly len bytes (no trailing bytes) -> item. */
static enum idp_err der_item(enum mfa_pem_kind kind, const unsigned char *der, size_t len,
                             struct mfa_pem_item *item, const char **why)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	X509_CRL *c = NULL;
	enum idp_err err = IDP_ERR_INVALID;

	memset(item, 0, sizeof(*item));
	if (!der || len == 0 || len > MFA_CERT_MAX) {
		*why = len > MFA_CERT_MAX ? "certificate or CRL too large" : "empty certificate";
		return IDP_ERR_INVALID;
	}
	if (kind == MFA_PEM_CERT) {
		x = d2i_X509(NULL, &p, (long)len);
		if (!x || p != der + len) {
			*why = "certificate does not parse";
			goto out;
		}
		err = cert_info(x, der, len, item, why);
	} else {
		c = d2i_X509_CRL(NULL, &p, (long)len);
		if (!c || p != der + len) {
			*why = "CRL does not parse";
			goto out;
		}
		err = crl_info(c, der, len, item, why);
	}
out:
	if (err != IDP_OK)
		mfa_pem_item_clear(item);
	X509_free(x);
	X509_CRL_free(c);
	ERR_clear_error();
	return err;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_base64_or_space(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || is_space(c);
}

/*
 * One PEM block starting at s (which begins with "-----BEGIN "), at most
 * rest bytes.  On success *used is the length up to and including the END
 * line's closing dashes.  The block is handed to PEM_read_bio() for the
 * base64, then its DER to der_item().
 */
static enum idp_err pem_block(const char *s, size_t rest, struct mfa_pem_item *item, size_t *used,
                              const char **why)
{
	const char *label, *eol, *endp, *q;
	size_t label_len, blen;
	char *copy = NULL, *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long dlen = 0;
	BIO *b = NULL;
	enum mfa_pem_kind kind;
	enum idp_err err = IDP_ERR_INVALID;
	char end_line[64];

	*why = "malformed PEM block";
	label = s + sizeof(begin_tag) - 1;
	eol = memchr(label, '\n', rest - (size_t)(label - s));
	if (!eol)
		goto out;
	/* "-----BEGIN <label>-----" then optional '\r' then '\n'. */
	q = eol;
	if (q > label && q[-1] == '\r')
		q--;
	if ((size_t)(q - label) < sizeof(dashes) - 1 ||
	    memcmp(q - (sizeof(dashes) - 1), dashes, sizeof(dashes) - 1) != 0)
		goto out;
	label_len = (size_t)(q - label) - (sizeof(dashes) - 1);
	if (label_len == 8 && memcmp(label, "X509 CRL", 8) == 0) {
		kind = MFA_PEM_CRL;
	} else if (label_len == 11 && memcmp(label, "CERTIFICATE", 11) == 0) {
		kind = MFA_PEM_CERT;
	} else {
		*why = "PEM block is neither CERTIFICATE nor X509 CRL";
		goto out;
	}
	/* The matching END line must start a line. */
	snprintf(end_line, sizeof(end_line), "\n%s%.*s%s", end_tag, (int)label_len, label, dashes);
	endp = NULL;
	for (q = eol; q && (size_t)(q - s) < rest;) {
		size_t left = rest - (size_t)(q - s);

		if (left >= strlen(end_line) && memcmp(q, end_line, strlen(end_line)) == 0) {
			endp = q + strlen(end_line);
			break;
		}
		q = memchr(q + 1, '\n', left - 1);
	}
	if (!endp) {
		*why = "PEM block has no END line";
		goto out;
	}
	/* Between the two lines only base64 and line breaks: no headers, no nested block. */
	for (q = eol; q < endp - strlen(end_line); q++) {
		if (!is_base64_or_space(*q)) {
			*why = "PEM block body is not base64";
			goto out;
		}
	}
	blen = (size_t)(endp - s);
	/* PEM_read_bio reads lines: give it the block and a final newline. */
	copy = malloc(blen + 2);
	if (!copy) {
		err = IDP_ERR_NOMEM;
		*why = "out of memory";
		goto out;
	}
	memcpy(copy, s, blen);
	copy[blen] = '\n';
	copy[blen + 1] = '\0';
	b = BIO_new_mem_buf(copy, (int)(blen + 1));
	if (!b) {
		err = IDP_ERR_NOMEM;
		*why = "out of memory";
		goto out;
	}
	if (PEM_read_bio(b, &name, &header, &data, &dlen) != 1 || dlen <= 0) {
		*why = "PEM block does not decode";
		goto out;
	}
	if (header && header[0] != '\0') {
		*why = "PEM block has headers";
		goto out;
	}
	err = der_item(kind, data, (size_t)dlen, item, why);
	if (err == IDP_OK)
		*used = blen;
out:
	BIO_free(b);
	free(copy);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	ERR_clear_error();
	return err;
}

enum idp_err mfa_pem_parse(const char *pem, size_t len, struct mfa_pem_item **items, size_t *n,
                           const char **why)
{
	struct mfa_pem_item *v = NULL;
	size_t count = 0, i = 0;
	const char *dummy;
	enum idp_err err = IDP_ERR_INVALID;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (items)
		*items = NULL;
	if (n)
		*n = 0;
	if (!pem || !items || !n) {
		*why = "no input";
		return IDP_ERR_INVALID;
	}
	if (len > MFA_PEM_MAX) {
		*why = "PEM text too large";
		return IDP_ERR_INVALID;
	}
	if (memchr(pem, '\0', len)) {
		*why = "NUL byte in PEM text";
		return IDP_ERR_INVALID;
	}
	v = calloc(PEM_ITEMS_MAX, sizeof(*v));
	if (!v) {
		*why = "out of memory";
		return IDP_ERR_NOMEM;
	}
	for (;;) {
		size_t used = 0;

		while (i < len && is_space(pem[i]))
			i++;
		if (i == len)
			break;
		if (len - i < sizeof(begin_tag) - 1 ||
		    memcmp(pem + i, begin_tag, sizeof(begin_tag) - 1) != 0) {
			*why = count ? "text after a PEM block" : "not PEM text";
			goto out;
		}
		if (count == PEM_ITEMS_MAX) {
			*why = "more than 64 certificates and CRLs";
			goto out;
		}
		err = pem_block(pem + i, len - i, &v[count], &used, why);
		if (err != IDP_OK)
			goto out;
		count++;
		i += used;
		err = IDP_ERR_INVALID;
	}
	if (count == 0) {
		*why = "no certificate or CRL";
		goto out;
	}
	*items = v;
	*n = count;
	*why = NULL;
	v = NULL;
	err = IDP_OK;
out:
	mfa_pem_items_free(v, count);
	return err;
}

enum idp_err mfa_cert_from_der(const unsigned char *der, size_t len, struct mfa_pem_item *out)
{
	const char *why = NULL;
	enum idp_err err;

	if (!out)
		return IDP_ERR_INVALID;
	err = der_item(MFA_PEM_CERT, der, len, out, &why);
	return err;
}

enum idp_err mfa_cert_from_pem(const char *pem, size_t len, struct mfa_pem_item *out)
{
	struct mfa_pem_item *v = NULL;
	size_t n = 0;
	const char *why = NULL;
	enum idp_err err;

	if (!out)
		return IDP_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	err = mfa_pem_parse(pem, len, &v, &n, &why);
	if (err != IDP_OK)
		return err;
	if (n != 1 || v[0].kind != MFA_PEM_CERT) {
		mfa_pem_items_free(v, n);
		return IDP_ERR_INVALID;
	}
	*out = v[0]; /* takes v[0].der */
	free(v);
	return IDP_OK;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum idp_err mfa_url_unescape(const char *in, char *out, size_t outsz)
{
	size_t o = 0;

	if (!out || outsz == 0)
		return IDP_ERR_INVALID;
	out[0] = '\0';
	if (!in)
		return IDP_ERR_INVALID;
	for (const char *p = in; *p; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			int hi = hex_val(p[1]), lo = hi < 0 ? -1 : hex_val(p[2]);

			if (hi < 0 || lo < 0)
				goto bad;
			c = hi * 16 + lo;
			if (c == 0)
				goto bad;
			p += 2;
		}
		/* '+' stays '+': nginx escapes a space as %20, and '+' is base64. */
		if (o + 1 >= outsz)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return IDP_OK;
bad:
	out[0] = '\0';
	return IDP_ERR_INVALID;
}

/* Forgive only "no CRL for this certificate's issuer": revocation is checked
 * wherever the tenant has a CRL, and every other failure stands. */
static int missing_crl_ok(int ok, X509_STORE_CTX *ctx)
{
	return ok || X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL;
}

enum idp_err mfa_cert_verify(const unsigned char *leaf, size_t leaf_len,
                             const unsigned char *const *cas, const size_t *ca_lens, size_t n_cas,
                             const unsigned char *const *crls, const size_t *crl_lens,
                             size_t n_crls, bool require_crl, int64_t now, const char **why)
{
	X509 *x = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509_CRL) *crl_sk = NULL;
	unsigned long flags = 0;
	const unsigned char *p;
	const char *dummy;
	enum idp_err err = IDP_ERR_AUTH;
	int rc;

	if (!why)
		why = &dummy;
	*why = "invalid arguments";
	if (!leaf || leaf_len == 0 || leaf_len > MFA_CERT_MAX || (n_cas && (!cas || !ca_lens)) ||
	    (n_crls && (!crls || !crl_lens)) || now < 0 || n_cas > 1024 || n_crls > 1024)
		goto out;
	*why = "certificate does not parse";
	p = leaf;
	x = d2i_X509(NULL, &p, (long)leaf_len);
	if (!x || p != leaf + leaf_len)
		goto out;
	*why = "no trusted CA certificates";
	if (n_cas == 0)
		goto out;
	*why = "out of memory";
	store = X509_STORE_new();
	crl_sk = sk_X509_CRL_new_null();
	ctx = X509_STORE_CTX_new();
	if (!store || !crl_sk || !ctx)
		goto out;
	for (size_t i = 0; i < n_cas; i++) {
		X509 *ca;

		*why = "a trusted CA certificate does not parse";
		if (!cas[i] || ca_lens[i] == 0 || ca_lens[i] > MFA_CERT_MAX)
			goto out;
		p = cas[i];
		ca = d2i_X509(NULL, &p, (long)ca_lens[i]);
		if (!ca || p != cas[i] + ca_lens[i]) {
			X509_free(ca);
			goto out;
		}
		rc = X509_STORE_add_cert(store, ca); /* takes its own reference */
		X509_free(ca);
		if (rc != 1)
			goto out;
	}
	for (size_t i = 0; i < n_crls; i++) {
		X509_CRL *c;

		*why = "a CRL does not parse";
		if (!crls[i] || crl_lens[i] == 0 || crl_lens[i] > MFA_CERT_MAX)
			goto out;
		p = crls[i];
		c = d2i_X509_CRL(NULL, &p, (long)crl_lens[i]);
		if (!c || p != crls[i] + crl_lens[i] || !sk_X509_CRL_push(crl_sk, c)) {
			X509_CRL_free(c);
			goto out;
		}
	}
	/*
	 * Revocation (RFC 5280 §6.3).  require_crl: every certificate of the chain
	 * (leaf and intermediates; the root against its own CRL) needs a current
	 * CRL from its issuer.  Otherwise every certificate of the chain whose
	 * issuer has a CRL here is checked against it (an intermediate revoked by
	 * the root's CRL fails too), and only a missing CRL is forgiven
	 * (missing_crl_ok), so a tenant without CRLs still works but an uploaded
	 * CRL is never ignored.  A CRL past its nextUpdate fails either way
	 * (OpenSSL's X509_V_ERR_CRL_HAS_EXPIRED): fail closed.
	 */
	if (require_crl || sk_X509_CRL_num(crl_sk) > 0)
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	*why = "verification set-up failed";
	if (X509_STORE_CTX_init(ctx, store, x, NULL) != 1)
		goto out;
	X509_STORE_CTX_set0_crls(ctx, crl_sk); /* borrowed: freed below, after ctx */
	X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
	if (flags)
		X509_STORE_CTX_set_flags(ctx, flags);
	if (!require_crl)
		X509_STORE_CTX_set_verify_cb(ctx, missing_crl_ok);
	/* X509_PURPOSE_SSL_CLIENT: extendedKeyUsage must allow clientAuth when present. */
	if (X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1)
		goto out;
	rc = X509_verify_cert(ctx);
	if (rc == 1) {
		*why = NULL;
		err = IDP_OK;
		goto out;
	}
	rc = X509_STORE_CTX_get_error(ctx);
	*why =
	    rc == X509_V_OK ? "certificate verification failed" : X509_verify_cert_error_string(rc);
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_CRL_pop_free(crl_sk, X509_CRL_free);
	X509_STORE_free(store);
	X509_free(x);
	ERR_clear_error();
	return err;
}
