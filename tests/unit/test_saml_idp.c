/*
 * The Lasso IdP (saml/idp.c) in process against a Lasso SP: the IdP built
 * with saml_idp_new from plain inputs, as the daemon builds it per thread,
 * and a second Lasso server acting as the service provider.  The IdP side
 * reads messages the way web/saml_sso.c does (saml/message.c first: the
 * Redirect signature verified with OpenSSL over the raw query, then
 * saml_decode and saml_inspect), so Lasso's own Redirect verification is
 * never taken on the IdP side.  The SP side does the same with the IdP's
 * Redirect signatures: verified here with saml_redirect_verify, then the
 * query without SigAlg/Signature handed to Lasso (Lasso 2.8.1 leaks in
 * its Redirect verification, STACK.md); enveloped (POST) signatures are
 * Lasso's to verify on both sides.
 *
 * Each test proves one property the SP relies on: it accepts the response
 * (process_authn_response_msg and accept_sso both 0), reads the NameID
 * value and format the IdP was given, and refuses a response changed on
 * the way (rc != 0: Lasso returns positive codes for signature failures).
 */
#include <glib.h>
#include <lasso/lasso.h>
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/x509gen.h"
#include "saml/idp.h"
#include "saml/message.h"
#include "saml/metadata.h"
#include "tests/unit/check.h"

#define BASE      "https://idp.test/t/acme"
#define IDP_ID    BASE "/saml/metadata"
#define SP_ID     "https://sp.test/saml"
#define DS_NS     "http://www.w3.org/2000/09/xmldsig#"
#define ASSERT_NS "urn:oasis:names:tc:SAML:2.0:assertion"
#define PROTO_NS  "urn:oasis:names:tc:SAML:2.0:protocol"
#define NOPASSIVE "urn:oasis:names:tc:SAML:2.0:status:NoPassive"

/* ---- keys and metadata, made once ---- */

struct pair {
	char *key, *cert;
	char b64[SAML_CERT_B64_MAX + 1];
};

static struct pair idp_keys, sp_keys, other_keys;
static char *idp_md;

static void pair_make(struct pair *p, const char *cn)
{
	unsigned char sha[32];
	const char *b, *e;
	size_t j = 0;

	if (idp_x509_keypair(2048, cn, 10, &p->key, &p->cert, sha) != IDP_OK)
		abort();
	b = strstr(p->cert, "-----\n") + 6;
	e = strstr(p->cert, "-----END");
	for (; b < e; b++)
		if (*b != '\n')
			p->b64[j++] = *b;
	p->b64[j] = 0;
}

static void pair_free(struct pair *p)
{
	free(p->key);
	free(p->cert);
}

/* SP metadata: signing and encryption certificate, one HTTP-POST ACS, the
 * SLO endpoints asked for, the four NameID formats. */
static char *sp_metadata(const char *cert_b64, bool slo_redirect, bool slo_post)
{
	size_t n = 2 * strlen(cert_b64) + 4096;
	char *out = malloc(n);

	snprintf(
	    out, n,
	    "<EntityDescriptor entityID=\"" SP_ID "\" "
	    "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
	    "<SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
	    "AuthnRequestsSigned=\"true\">"
	    "<KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
	    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
	    "<KeyDescriptor use=\"encryption\"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
	    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
	    "%s%s"
	    "<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>"
	    "<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>"
	    "<NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>"
	    "<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</NameIDFormat>"
	    "<AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	    "Location=\"https://sp.test/acs\" index=\"0\" isDefault=\"true\"/>"
	    "</SPSSODescriptor></EntityDescriptor>",
	    cert_b64, cert_b64,
	    slo_redirect ? "<SingleLogoutService "
	                   "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" "
	                   "Location=\"https://sp.test/slo\"/>"
	                 : "",
	    slo_post ? "<SingleLogoutService "
	               "Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	               "Location=\"https://sp.test/slo-post\"/>"
	             : "");
	return out;
}

/* ---- a fixture: our IdP with one SP, and that SP as a Lasso server ---- */

struct fx {
	struct saml_idp *idp;
	const struct saml_sp *sp; /* the IdP's view of the SP */
	LassoServer *srv;         /* the SP */
	char *sp_md;
};

struct fx_opt {
	const char *sign; /* "both" (default), "assertion", "response" */
	bool encrypt;
	const char *attributes; /* default "email,name,role" */
	bool slo_redirect, slo_post;
};

/* A Lasso SP server from md with its key pair, the IdP registered.  Its
 * signing key is preloaded as saml/idp.c preloads the IdP's: by default
 * Lasso re-reads the PEM key and certificate for every signature, and
 * each such read leaks a BIO in xmlsec 1.2.37
 * (xmlSecOpenSSLCreateReadFileBio); so neither side takes that path and
 * LeakSanitizer would show it if the IdP ever did again. */
static LassoServer *sp_server(const char *md, const struct pair *keys)
{
	LassoServer *srv = lasso_server_new_from_buffers(md, keys->key, NULL, keys->cert);
	LassoKey *k;
	LassoProvider *idp;

	if (!srv)
		return NULL;
	srv->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	if (lasso_server_add_provider_from_buffer(srv, LASSO_PROVIDER_ROLE_IDP, idp_md, NULL,
	                                          NULL) != 0) {
		lasso_server_destroy(srv);
		return NULL;
	}
	idp = lasso_server_get_provider(srv, IDP_ID);
	k = lasso_key_new_for_signature_from_memory(keys->key, strlen(keys->key), NULL,
	                                            LASSO_SIGNATURE_METHOD_RSA_SHA256, NULL);
	if (idp && k)
		lasso_provider_set_server_signing_key(idp, k);
	if (k)
		g_object_unref(k);
	return srv;
}

static bool fx_new(struct fx *f, const struct fx_opt *o)
{
	struct idp_sp_full row;
	struct saml_idp_in in = {.tenant_id = 1,
	                         .version = "v1",
	                         .base = BASE,
	                         .key_pem = idp_keys.key,
	                         .cert_pem = idp_keys.cert,
	                         .want_signed_requests = true,
	                         .sps = &row,
	                         .n_sps = 1};

	memset(f, 0, sizeof *f);
	memset(&row, 0, sizeof row);
	f->sp_md = sp_metadata(sp_keys.b64, o->slo_redirect, o->slo_post);
	row.sp.id = 7;
	strcpy(row.sp.entity_id, SP_ID);
	strcpy(row.sp.name, "Test SP");
	strcpy(row.sp.nameid_format, "persistent");
	strcpy(row.sp.attributes, o->attributes ? o->attributes : "email,name,role");
	strcpy(row.sp.sign, o->sign ? o->sign : "both");
	row.sp.encrypt = o->encrypt;
	strcpy(row.sp.roles, "user,admin");
	row.metadata = f->sp_md;
	if (saml_idp_new(&in, &f->idp) != IDP_OK)
		return false;
	f->sp = saml_idp_sp(f->idp, SP_ID);
	/* The SP holds its private key: it signs requests and decrypts
	 * assertions with it. */
	f->srv = sp_server(f->sp_md, &sp_keys);
	return f->sp && f->srv;
}

static void fx_free(struct fx *f)
{
	saml_idp_free(f->idp);
	if (f->srv)
		lasso_server_destroy(f->srv);
	free(f->sp_md);
}

static const struct fx_opt defaults = {0};

/* ---- the IdP side, as web/saml_sso.c reads a request ---- */

/* An AuthnRequest the SP built (sl: Redirect or POST) read and begun by
 * the IdP.  *m gets what saml_inspect saw. */
static enum idp_err idp_begin(struct fx *f, LassoLogin *sl, bool redirect, struct saml_msg *m,
                              struct saml_sso **sso, const char **why)
{
	LassoProfile *p = LASSO_PROFILE(sl);
	struct saml_redirect q;
	char *xml = NULL;
	size_t len = 0;
	enum idp_err err;

	memset(&q, 0, sizeof q);
	*sso = NULL;
	if (redirect) {
		const char *qs = p->msg_url ? strchr(p->msg_url, '?') : NULL;
		err = qs ? saml_redirect_parse(qs + 1, &q, why) : IDP_ERR_INVALID;
		if (!err && q.sigalg)
			err = saml_redirect_verify(&q, f->sp->meta->signing, f->sp->meta->n_signing,
			                           why);
		if (!err)
			err = saml_decode(q.msg, true, &xml, &len, why);
	} else {
		err = p->msg_body ? saml_decode(p->msg_body, false, &xml, &len, why)
		                  : IDP_ERR_INVALID;
	}
	if (!err)
		err = saml_inspect(xml, len, m, why);
	if (!err)
		err = saml_sso_begin(f->idp, f->sp, xml, !redirect && m->signed_inline, sso, why);
	saml_redirect_free(&q);
	free(xml);
	return err;
}

static const struct saml_who *who_of(const char *nameid, const char *format)
{
	static struct saml_who w;

	w = (struct saml_who){.nameid = nameid,
	                      .format = format,
	                      .email = "alice@example.com",
	                      .name = "Alice Liddell",
	                      .role = "admin",
	                      .authn_context =
	                          LASSO_SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT,
	                      .session_index = "_sess-1",
	                      .authn_instant = (int64_t)time(NULL) - 10,
	                      .session_not_on_or_after = (int64_t)time(NULL) + 3600};
	return &w;
}

/* ---- the SP side ---- */

/* A fresh SP login asking the IdP over method (signed unless unsigned). */
static LassoLogin *sp_ask(struct fx *f, LassoHttpMethod method, bool unsigned_request,
                          bool is_passive)
{
	LassoLogin *sl = lasso_login_new(f->srv);
	LassoSamlp2AuthnRequest *req;

	if (lasso_login_init_authn_request(sl, IDP_ID, method) != 0)
		return sl;
	req = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(sl)->request);
	req->IsPassive = is_passive;
	g_free(req->ProtocolBinding);
	req->ProtocolBinding = g_strdup(LASSO_SAML2_METADATA_BINDING_POST);
	if (unsigned_request)
		lasso_profile_set_signature_hint(LASSO_PROFILE(sl),
		                                 LASSO_PROFILE_SIGNATURE_HINT_FORBID);
	lasso_login_build_authn_request_msg(sl);
	return sl;
}

/* The SP reads the Response: process then accept.  0 when accepted. */
static int sp_accept(LassoLogin *sl, const char *body)
{
	int rc = lasso_login_process_authn_response_msg(sl, (char *)body);

	return rc ? rc : lasso_login_accept_sso(sl);
}

static bool sp_nameid_is(LassoLogin *sl, const char *value, const char *format_uri)
{
	LassoNode *n = LASSO_PROFILE(sl)->nameIdentifier;
	LassoSaml2NameID *nid = LASSO_IS_SAML2_NAME_ID(n) ? LASSO_SAML2_NAME_ID(n) : NULL;

	return nid && nid->content && strcmp(nid->content, value) == 0 && nid->Format &&
	       strcmp(nid->Format, format_uri) == 0;
}

/* The (decrypted) assertion the SP accepted. */
static LassoSaml2Assertion *sp_assertion(LassoLogin *sl)
{
	LassoNode *r = LASSO_PROFILE(sl)->response;
	LassoSamlp2Response *resp = LASSO_IS_SAMLP2_RESPONSE(r) ? LASSO_SAMLP2_RESPONSE(r) : NULL;

	return resp && resp->Assertion && LASSO_IS_SAML2_ASSERTION(resp->Assertion->data)
	           ? LASSO_SAML2_ASSERTION(resp->Assertion->data)
	           : NULL;
}

/* The value of the attribute named name in a (NameFormat, FriendlyName
 * when given), or NULL. */
static const char *attribute(LassoSaml2Assertion *a, const char *name, const char *format,
                             const char *friendly)
{
	for (GList *s = a ? a->AttributeStatement : NULL; s; s = s->next) {
		LassoSaml2AttributeStatement *st = s->data;
		for (GList *l = st->Attribute; l; l = l->next) {
			LassoSaml2Attribute *at = l->data;
			LassoSaml2AttributeValue *v;
			if (!at->Name || strcmp(at->Name, name) != 0)
				continue;
			if (!at->NameFormat || strcmp(at->NameFormat, format) != 0)
				return NULL;
			if (friendly &&
			    (!at->FriendlyName || strcmp(at->FriendlyName, friendly) != 0))
				return NULL;
			if (!at->AttributeValue)
				return NULL;
			v = at->AttributeValue->data;
			for (GList *x = v->any; x; x = x->next)
				if (LASSO_IS_MISC_TEXT_NODE(x->data))
					return LASSO_MISC_TEXT_NODE(x->data)->content;
			return NULL;
		}
	}
	return NULL;
}

static int n_attributes(LassoSaml2Assertion *a)
{
	int k = 0;

	for (GList *s = a ? a->AttributeStatement : NULL; s; s = s->next)
		k += (int)g_list_length(((LassoSaml2AttributeStatement *)s->data)->Attribute);
	return k;
}

/* What the Response looks like on the wire. */
struct shape {
	bool response_signed, assertion_signed, encrypted, plain_assertion;
	char status[128], status2[128];
	char issued[32], assertion_issued[32]; /* IssueInstant of each */
};

static const xmlNode *kid(const xmlNode *n, const char *ns, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns &&
		    strcmp((const char *)c->ns->href, ns) == 0 &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static struct shape shape_of(const char *b64)
{
	struct shape s = {0};
	gsize n = 0;
	guchar *xml = g_base64_decode(b64, &n);
	xmlDoc *doc = xmlReadMemory((const char *)xml, (int)n, "r.xml", NULL, XML_PARSE_NONET);
	const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL, *a, *st, *c;

	s.response_signed = kid(root, DS_NS, "Signature") != NULL;
	a = kid(root, ASSERT_NS, "Assertion");
	s.plain_assertion = a != NULL;
	s.assertion_signed = kid(a, DS_NS, "Signature") != NULL;
	s.encrypted = kid(root, ASSERT_NS, "EncryptedAssertion") != NULL;
	{
		xmlChar *v = root ? xmlGetProp(root, BAD_CAST "IssueInstant") : NULL;
		snprintf(s.issued, sizeof s.issued, "%s", v ? (char *)v : "");
		xmlFree(v);
		v = a ? xmlGetProp(a, BAD_CAST "IssueInstant") : NULL;
		snprintf(s.assertion_issued, sizeof s.assertion_issued, "%s", v ? (char *)v : "");
		xmlFree(v);
	}
	st = kid(root, PROTO_NS, "Status");
	c = kid(st, PROTO_NS, "StatusCode");
	if (c) {
		xmlChar *v = xmlGetProp(c, BAD_CAST "Value");
		snprintf(s.status, sizeof s.status, "%s", v ? (char *)v : "");
		xmlFree(v);
		c = kid(c, PROTO_NS, "StatusCode");
		v = c ? xmlGetProp(c, BAD_CAST "Value") : NULL;
		snprintf(s.status2, sizeof s.status2, "%s", v ? (char *)v : "");
		xmlFree(v);
	}
	xmlFreeDoc(doc);
	g_free(xml);
	return s;
}

/* b64 with its XML changed: the first occurrence of from replaced by to
 * (same length), re-encoded.  NULL when from is not there. */
static char *tampered(const char *b64, const char *from, const char *to)
{
	gsize n = 0;
	guchar *xml = g_base64_decode(b64, &n);
	char *s = g_strndup((const char *)xml, n), *p = strstr(s, from), *out = NULL;

	if (p && strlen(from) == strlen(to)) {
		memcpy(p, to, strlen(to));
		out = g_base64_encode((const guchar *)s, n);
	}
	g_free(xml);
	g_free(s);
	return out;
}

/* A fresh SP login shown b64: 0 when it accepts. */
static int sp_fresh_accept(struct fx *f, const char *b64)
{
	LassoLogin *tl = lasso_login_new(f->srv);
	int rc = sp_accept(tl, b64);

	lasso_login_destroy(tl);
	return rc;
}

/* Verify a Redirect message from the IdP as a careful SP does (OpenSSL
 * over the raw query), then give Lasso the query without SigAlg and
 * Signature (*lasso_query, g_free it).  IDP_OK when it verifies. */
static enum idp_err sp_redirect(const char *url, char **lasso_query)
{
	const char *qs = strchr(url, '?');
	struct saml_redirect q;
	char certs[1][SAML_CERT_B64_MAX + 1];
	const char *why;
	enum idp_err err;

	*lasso_query = NULL;
	strcpy(certs[0], idp_keys.b64);
	err = qs ? saml_redirect_parse(qs + 1, &q, &why) : IDP_ERR_INVALID;
	if (!err && !q.sigalg)
		err = IDP_ERR_AUTH;
	if (!err)
		err = saml_redirect_verify(&q, certs, 1, &why);
	if (!err)
		*lasso_query = g_strdup(q.signed_part);
	if (*lasso_query)
		*strstr(*lasso_query, "&SigAlg=") = 0;
	saml_redirect_free(&q);
	return err;
}

/* Lasso stamps IssueInstant with gmtime(), whose one static buffer other
 * threads overwrite (localtime() in Lasso's own logging among them; see
 * restamp in saml/idp.c and tests/unit/test_saml_threads.c).  This
 * definition wins over libc's for Lasso too; while poisoned it answers
 * 1 January 1990 as a clobbered buffer would, and nothing the IdP sends
 * may carry that. */
static bool poisoned;

struct tm *gmtime(const time_t *t)
{
	static struct tm tm;
	time_t v = poisoned ? (time_t)631152000 : *t;

	return gmtime_r(&v, &tm);
}

/* An xs:dateTime within two minutes of now. */
static bool is_now(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t t, now = (int64_t)time(NULL);

	if (!end || *end != 'Z')
		return false;
	t = (int64_t)timegm(&tm);
	return t > now - 120 && t < now + 120;
}

/* ---- single sign-on ---- */

/* SP-initiated over method for who: the SP accepts and reads the NameID. */
static void sso_round_trip(const struct fx_opt *o, LassoHttpMethod method, bool unsigned_request,
                           const char *nameid, const char *format, const char *format_uri)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	struct saml_out out = {0};
	const char *why = NULL;

	CHECK(fx_new(&f, o));
	if (!f.srv || !f.sp)
		goto out;
	sl = sp_ask(&f, method, unsigned_request, false);
	CHECK(idp_begin(&f, sl, method == LASSO_HTTP_METHOD_REDIRECT, &m, &sso, &why) == IDP_OK);
	CHECK(why == NULL);
	CHECK(m.kind == SAML_AUTHN_REQUEST);
	CHECK_STR(m.issuer, SP_ID);
	if (!sso)
		goto out;
	CHECK(saml_sso_respond(sso, who_of(nameid, format), &out) == IDP_OK);
	CHECK(out.url && strcmp(out.url, "https://sp.test/acs") == 0);
	CHECK(out.field && strcmp(out.field, "SAMLResponse") == 0);
	if (!out.body)
		goto out;
	CHECK(sp_accept(sl, out.body) == 0);
	CHECK(lasso_profile_get_signature_status(LASSO_PROFILE(sl)) == 0);
	CHECK(sp_nameid_is(sl, nameid, format_uri));
out:
	saml_out_free(&out);
	saml_sso_free(sso);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(sp_initiated_signed_redirect_request_is_answered_and_accepted)
{
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, false, "p-7f3a", "persistent",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT);
}

TEST(sp_initiated_unsigned_redirect_request_is_answered_and_accepted)
{
	struct fx f;
	LassoLogin *sl;
	const char *url;

	/* The request really goes unsigned. */
	CHECK(fx_new(&f, &defaults));
	sl = sp_ask(&f, LASSO_HTTP_METHOD_REDIRECT, true, false);
	url = LASSO_PROFILE(sl)->msg_url;
	CHECK(url && !strstr(url, "Signature=") && !strstr(url, "SigAlg="));
	lasso_login_destroy(sl);
	fx_free(&f);
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, true, "p-7f3a", "persistent",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT);
}

TEST(sp_initiated_post_request_with_enveloped_signature_is_verified_and_answered)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	const char *why = NULL;

	sso_round_trip(&defaults, LASSO_HTTP_METHOD_POST, false, "alice@example.com", "email",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_EMAIL);
	CHECK(fx_new(&f, &defaults));
	sl = sp_ask(&f, LASSO_HTTP_METHOD_POST, false, false);
	/* The form carries an enveloped RSA-SHA256 signature that inspect accepts. */
	CHECK(LASSO_PROFILE(sl)->msg_body != NULL);
	CHECK(idp_begin(&f, sl, false, &m, &sso, &why) == IDP_OK);
	CHECK(m.signed_inline);
	saml_sso_free(sso);
	sso = NULL;
	/* Changed after signing (the ACS URL it asks for): Lasso refuses it. */
	{
		LassoProfile *p = LASSO_PROFILE(sl);
		char *bad = tampered(p->msg_body, "https://idp.test", "https://idq.test");
		CHECK(bad != NULL);
		g_free(p->msg_body);
		p->msg_body = bad;
		CHECK(idp_begin(&f, sl, false, &m, &sso, &why) == IDP_ERR_INVALID);
		CHECK(why && strstr(why, "signature"));
		CHECK(sso == NULL);
	}
	lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(post_request_signed_by_another_key_is_refused)
{
	struct fx f;
	LassoServer *rogue;
	LassoLogin *sl;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	const char *why = NULL;

	/* The SP's entity ID and metadata, someone else's key. */
	CHECK(fx_new(&f, &defaults));
	rogue = sp_server(f.sp_md, &other_keys);
	CHECK(rogue != NULL);
	if (!rogue) {
		fx_free(&f);
		return;
	}
	{
		LassoServer *keep = f.srv;
		f.srv = rogue;
		sl = sp_ask(&f, LASSO_HTTP_METHOD_POST, false, false);
		f.srv = keep;
	}
	CHECK(idp_begin(&f, sl, false, &m, &sso, &why) == IDP_ERR_INVALID);
	CHECK(sso == NULL);
	lasso_login_destroy(sl);
	/* And the same over Redirect: our OpenSSL check refuses it. */
	{
		LassoServer *keep = f.srv;
		f.srv = rogue;
		sl = sp_ask(&f, LASSO_HTTP_METHOD_REDIRECT, false, false);
		f.srv = keep;
	}
	CHECK(idp_begin(&f, sl, true, &m, &sso, &why) == IDP_ERR_AUTH);
	lasso_login_destroy(sl);
	lasso_server_destroy(rogue);
	fx_free(&f);
}

TEST(each_nameid_format_reaches_the_sp_with_its_value)
{
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, false, "p-0a1b2c", "persistent",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT);
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, false, "alice@example.com", "email",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_EMAIL);
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, false, "_t-5e6f7a8b", "transient",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT);
	sso_round_trip(&defaults, LASSO_HTTP_METHOD_REDIRECT, false, "alice", "unspecified",
	               LASSO_SAML2_NAME_IDENTIFIER_FORMAT_UNSPECIFIED);
}

/* One SSO for o, the SP's login kept for the caller (*sl, *out). */
static bool sso_once(struct fx *f, const struct fx_opt *o, LassoLogin **sl, struct saml_out *out)
{
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	const char *why = NULL;
	bool ok;

	memset(out, 0, sizeof *out);
	*sl = NULL;
	if (!fx_new(f, o))
		return false;
	*sl = sp_ask(f, LASSO_HTTP_METHOD_REDIRECT, false, false);
	ok = idp_begin(f, *sl, true, &m, &sso, &why) == IDP_OK &&
	     saml_sso_respond(sso, who_of("alice@example.com", "email"), out) == IDP_OK;
	saml_sso_free(sso);
	return ok && out->body;
}

TEST(attributes_carry_basic_names_and_the_two_oids)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_out out;
	LassoSaml2Assertion *a;
	const char *basic = LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_BASIC,
	           *uri = LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_URI;

	CHECK(sso_once(&f, &defaults, &sl, &out));
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	a = sp_assertion(sl);
	CHECK(a != NULL);
	CHECK(n_attributes(a) == 5);
	CHECK(attribute(a, "email", basic, NULL) &&
	      strcmp(attribute(a, "email", basic, NULL), "alice@example.com") == 0);
	CHECK(attribute(a, "urn:oid:0.9.2342.19200300.100.1.3", uri, "mail") &&
	      strcmp(attribute(a, "urn:oid:0.9.2342.19200300.100.1.3", uri, "mail"),
	             "alice@example.com") == 0);
	CHECK(attribute(a, "name", basic, NULL) &&
	      strcmp(attribute(a, "name", basic, NULL), "Alice Liddell") == 0);
	CHECK(attribute(a, "urn:oid:2.16.840.1.113730.3.1.241", uri, "displayName") &&
	      strcmp(attribute(a, "urn:oid:2.16.840.1.113730.3.1.241", uri, "displayName"),
	             "Alice Liddell") == 0);
	CHECK(attribute(a, "role", basic, NULL) &&
	      strcmp(attribute(a, "role", basic, NULL), "admin") == 0);
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);

	/* Only what the SP's settings release. */
	CHECK(sso_once(&f, &(struct fx_opt){.attributes = "email"}, &sl, &out));
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	a = sp_assertion(sl);
	CHECK(n_attributes(a) == 2);
	CHECK(attribute(a, "email", basic, NULL) != NULL);
	CHECK(attribute(a, "name", basic, NULL) == NULL);
	CHECK(attribute(a, "role", basic, NULL) == NULL);
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);

	CHECK(sso_once(&f, &(struct fx_opt){.attributes = ""}, &sl, &out));
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	a = sp_assertion(sl);
	CHECK(a && a->AttributeStatement == NULL);
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(encrypted_assertion_is_decrypted_by_the_sp)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_out out;
	struct shape s;

	CHECK(sso_once(&f, &(struct fx_opt){.encrypt = true}, &sl, &out));
	s = shape_of(out.body ? out.body : "");
	CHECK(s.encrypted && !s.plain_assertion);
	CHECK(s.response_signed);
	/* Nothing about the user in clear. */
	{
		gsize n;
		guchar *xml = g_base64_decode(out.body ? out.body : "", &n);
		char *x = g_strndup((const char *)xml, n);
		CHECK(!strstr(x, "alice@example.com") && !strstr(x, "Alice"));
		g_free(x);
		g_free(xml);
	}
	/* A ciphertext changed on the way is refused. */
	{
		gsize n;
		guchar *xml = g_base64_decode(out.body ? out.body : "", &n);
		char *x = g_strndup((const char *)xml, n), *cv = strstr(x, "CipherValue>");
		CHECK(cv != NULL);
		if (cv) {
			char *bad, *p = cv + strlen("CipherValue>") + 40;
			p[0] = p[0] == 'A' ? 'B' : 'A';
			bad = g_base64_encode((const guchar *)x, n);
			CHECK(sp_fresh_accept(&f, bad) != 0);
			g_free(bad);
		}
		g_free(x);
		g_free(xml);
	}
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	CHECK(sp_nameid_is(sl, "alice@example.com", LASSO_SAML2_NAME_IDENTIFIER_FORMAT_EMAIL));
	CHECK(attribute(sp_assertion(sl), "email", LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_BASIC, NULL) !=
	      NULL);
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(unencrypted_assertion_is_in_clear_and_both_are_signed)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_out out;
	struct shape s;

	CHECK(sso_once(&f, &defaults, &sl, &out));
	s = shape_of(out.body ? out.body : "");
	CHECK(!s.encrypted && s.plain_assertion);
	CHECK(s.response_signed && s.assertion_signed);
	CHECK_STR(s.status, "urn:oasis:names:tc:SAML:2.0:status:Success");
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(sign_assertion_leaves_the_response_unsigned_and_the_sp_accepts)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_out out;
	struct shape s;

	CHECK(sso_once(&f, &(struct fx_opt){.sign = "assertion"}, &sl, &out));
	s = shape_of(out.body ? out.body : "");
	CHECK(!s.response_signed);
	CHECK(s.plain_assertion && s.assertion_signed);
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	CHECK(sp_nameid_is(sl, "alice@example.com", LASSO_SAML2_NAME_IDENTIFIER_FORMAT_EMAIL));
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

/* A response whose NameID was changed after signing is refused; the
 * untouched one, shown to another fresh login, is accepted (so the refusal
 * is the signature's doing). */
static void tamper_case(const struct fx_opt *o)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_out out;
	char *bad;

	CHECK(sso_once(&f, o, &sl, &out));
	if (!out.body)
		goto out;
	bad = tampered(out.body, "alice@example.com</", "mallo@example.com</");
	CHECK(bad != NULL);
	if (bad)
		CHECK(sp_fresh_accept(&f, bad) != 0);
	g_free(bad);
	/* The attribute value, not the NameID. */
	bad = tampered(out.body, "Alice Liddell", "Alice Liddelx");
	CHECK(bad != NULL);
	if (bad)
		CHECK(sp_fresh_accept(&f, bad) != 0);
	g_free(bad);
	CHECK(sp_fresh_accept(&f, out.body) == 0);
out:
	saml_out_free(&out);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(tampered_response_is_refused_by_the_sp)
{
	tamper_case(&defaults);
	tamper_case(&(struct fx_opt){.sign = "assertion"});
	tamper_case(&(struct fx_opt){.sign = "response"});
}

TEST(idp_initiated_unsolicited_response_is_accepted)
{
	struct fx f;
	struct saml_sso *sso = NULL;
	struct saml_out out = {0};
	LassoLogin *sl = NULL;

	CHECK(fx_new(&f, &defaults));
	CHECK(saml_sso_begin_unsolicited(f.idp, f.sp, &sso) == IDP_OK);
	if (!sso)
		goto out;
	CHECK(saml_sso_respond(sso, who_of("p-99", "persistent"), &out) == IDP_OK);
	CHECK(out.url && strcmp(out.url, "https://sp.test/acs") == 0);
	if (!out.body)
		goto out;
	/* No InResponseTo: nothing was asked. */
	{
		gsize n;
		guchar *xml = g_base64_decode(out.body, &n);
		char *x = g_strndup((const char *)xml, n);
		CHECK(!strstr(x, "InResponseTo"));
		g_free(x);
		g_free(xml);
	}
	sl = lasso_login_new(f.srv);
	CHECK(sp_accept(sl, out.body) == 0);
	CHECK(sp_nameid_is(sl, "p-99", LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT));
out:
	saml_out_free(&out);
	saml_sso_free(sso);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(error_response_nopassive_reaches_the_sp_as_a_status)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	struct saml_out out = {0};
	const char *why = NULL;
	struct shape s;
	int rc;

	CHECK(fx_new(&f, &defaults));
	sl = sp_ask(&f, LASSO_HTTP_METHOD_REDIRECT, false, true);
	CHECK(idp_begin(&f, sl, true, &m, &sso, &why) == IDP_OK);
	CHECK(m.is_passive);
	if (!sso)
		goto out;
	CHECK(saml_sso_fail(sso, false, NOPASSIVE, &out) == IDP_OK);
	CHECK(out.url && strcmp(out.url, "https://sp.test/acs") == 0);
	if (!out.body)
		goto out;
	s = shape_of(out.body);
	CHECK(s.response_signed && !s.plain_assertion && !s.encrypted);
	CHECK_STR(s.status, "urn:oasis:names:tc:SAML:2.0:status:Responder");
	CHECK_STR(s.status2, NOPASSIVE);
	/* Lasso's SP reports a status that is not Success, after checking the
	 * signature, and shows which. */
	rc = lasso_login_process_authn_response_msg(sl, out.body);
	CHECK(rc == LASSO_PROFILE_ERROR_STATUS_NOT_SUCCESS ||
	      rc == LASSO_LOGIN_ERROR_STATUS_NOT_SUCCESS);
	CHECK(lasso_profile_get_signature_status(LASSO_PROFILE(sl)) == 0);
	{
		LassoNode *r = LASSO_PROFILE(sl)->response;
		LassoSamlp2StatusResponse *sr =
		    LASSO_IS_SAMLP2_STATUS_RESPONSE(r) ? LASSO_SAMLP2_STATUS_RESPONSE(r) : NULL;
		LassoSamlp2StatusCode *top = sr && sr->Status ? sr->Status->StatusCode : NULL;
		CHECK(top && top->Value &&
		      strcmp(top->Value, "urn:oasis:names:tc:SAML:2.0:status:Responder") == 0);
		CHECK(top && top->StatusCode && top->StatusCode->Value &&
		      strcmp(top->StatusCode->Value, NOPASSIVE) == 0);
	}
	CHECK(lasso_login_accept_sso(sl) != 0);
out:
	saml_out_free(&out);
	saml_sso_free(sso);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(request_for_an_acs_not_in_the_metadata_is_refused)
{
	struct fx f;
	LassoLogin *sl;
	LassoSamlp2AuthnRequest *req;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	const char *why = NULL;

	CHECK(fx_new(&f, &defaults));
	sl = lasso_login_new(f.srv);
	lasso_login_init_authn_request(sl, IDP_ID, LASSO_HTTP_METHOD_REDIRECT);
	req = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(sl)->request);
	req->AssertionConsumerServiceURL = g_strdup("https://evil.test/acs");
	g_free(req->ProtocolBinding);
	req->ProtocolBinding = g_strdup(LASSO_SAML2_METADATA_BINDING_POST);
	CHECK(lasso_login_build_authn_request_msg(sl) == 0);
	CHECK(idp_begin(&f, sl, true, &m, &sso, &why) == IDP_ERR_INVALID);
	CHECK(sso == NULL);
	lasso_login_destroy(sl);
	fx_free(&f);
}

/* ---- single logout ---- */

/* An SSO done (NameID alice@example.com, SessionIndex _sess-1) and the
 * SP's session dump (g_free). */
static char *sp_session_after_sso(struct fx *f)
{
	LassoLogin *sl = NULL;
	struct saml_out out;
	char *dump = NULL;

	memset(&out, 0, sizeof out);
	{
		struct saml_msg m;
		struct saml_sso *sso = NULL;
		const char *why;
		sl = sp_ask(f, LASSO_HTTP_METHOD_REDIRECT, false, false);
		if (idp_begin(f, sl, true, &m, &sso, &why) == IDP_OK &&
		    saml_sso_respond(sso, who_of("alice@example.com", "email"), &out) == IDP_OK &&
		    sp_accept(sl, out.body) == 0)
			dump = lasso_session_dump(lasso_profile_get_session(LASSO_PROFILE(sl)));
		saml_sso_free(sso);
	}
	saml_out_free(&out);
	lasso_login_destroy(sl);
	return dump;
}

/* SP-initiated: the SP's LogoutRequest over method, answered by the IdP
 * (Success), and the answer accepted by the SP. */
static void sp_logout(LassoHttpMethod method)
{
	struct fx f;
	char *dump = NULL, *lq = NULL;
	LassoLogout *lo = NULL;
	LassoProfile *p;
	struct saml_redirect q;
	struct saml_msg m;
	struct saml_out out = {0};
	char *xml = NULL;
	size_t len = 0;
	const char *why = NULL;
	bool redirect = method == LASSO_HTTP_METHOD_REDIRECT;
	int rc;

	memset(&q, 0, sizeof q);
	CHECK(fx_new(&f, &(struct fx_opt){.slo_redirect = redirect, .slo_post = !redirect}));
	dump = sp_session_after_sso(&f);
	CHECK(dump != NULL);
	if (!dump)
		goto out;
	lo = lasso_logout_new(f.srv);
	p = LASSO_PROFILE(lo);
	CHECK(lasso_profile_set_session_from_dump(p, dump) == 0);
	CHECK(lasso_logout_init_request(lo, IDP_ID, method) == 0);
	p->msg_relayState = g_strdup("/bye?x=1");
	CHECK(lasso_logout_build_request_msg(lo) == 0);

	/* The IdP reads it as web/saml_sso.c does. */
	if (redirect) {
		CHECK(saml_redirect_parse(strchr(p->msg_url, '?') + 1, &q, &why) == IDP_OK);
		CHECK(q.sigalg != NULL);
		CHECK(saml_redirect_verify(&q, f.sp->meta->signing, f.sp->meta->n_signing, &why) ==
		      IDP_OK);
		CHECK(saml_decode(q.msg, true, &xml, &len, &why) == IDP_OK);
	} else {
		CHECK(saml_decode(p->msg_body, false, &xml, &len, &why) == IDP_OK);
	}
	CHECK(xml && saml_inspect(xml, len, &m, &why) == IDP_OK);
	if (!xml)
		goto out;
	CHECK(m.kind == SAML_LOGOUT_REQUEST);
	CHECK_STR(m.nameid, "alice@example.com");
	CHECK_STR(m.session_index, "_sess-1");
	CHECK(m.signed_inline == !redirect);
	CHECK(saml_logout_answer(f.idp, f.sp, xml, redirect, redirect ? q.relay : "/bye?x=1", true,
	                         &out, &why) == IDP_OK);
	CHECK(out.field && strcmp(out.field, "SAMLResponse") == 0);
	if (!out.url)
		goto out;

	/* The SP takes the answer. */
	if (redirect) {
		CHECK(strncmp(out.url, "https://sp.test/slo?", 20) == 0);
		CHECK(out.body == NULL);
		CHECK(strstr(out.url, "&RelayState=%2Fbye%3Fx%3D1&") != NULL);
		CHECK(sp_redirect(out.url, &lq) == IDP_OK);
		lasso_profile_set_signature_verify_hint(p,
		                                        LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
		rc = lasso_logout_process_response_msg(lo, lq ? lq : "");
	} else {
		CHECK(strcmp(out.url, "https://sp.test/slo-post") == 0);
		CHECK(out.body != NULL);
		lasso_profile_set_signature_verify_hint(p,
		                                        LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
		rc = lasso_logout_process_response_msg(lo, out.body ? out.body : "");
		CHECK(lasso_profile_get_signature_status(p) == 0);
	}
	CHECK(rc == 0);
	{
		LassoNode *r = p->response;
		LassoSamlp2StatusResponse *sr =
		    LASSO_IS_SAMLP2_STATUS_RESPONSE(r) ? LASSO_SAMLP2_STATUS_RESPONSE(r) : NULL;
		CHECK(sr && sr->Status && sr->Status->StatusCode &&
		      strcmp(sr->Status->StatusCode->Value, LASSO_SAML2_STATUS_CODE_SUCCESS) == 0);
	}
out:
	g_free(lq);
	free(xml);
	saml_redirect_free(&q);
	saml_out_free(&out);
	if (lo)
		lasso_logout_destroy(lo);
	g_free(dump);
	fx_free(&f);
}

TEST(sp_initiated_logout_over_redirect_is_answered_success)
{
	sp_logout(LASSO_HTTP_METHOD_REDIRECT);
}

TEST(sp_initiated_logout_over_post_is_answered_success)
{
	sp_logout(LASSO_HTTP_METHOD_POST);
}

TEST(logout_request_changed_after_signing_is_refused)
{
	struct fx f;
	char *dump, *xml = NULL, *bad = NULL;
	LassoLogout *lo;
	struct saml_out out = {0};
	size_t len;
	const char *why = NULL;

	CHECK(fx_new(&f, &(struct fx_opt){.slo_post = true}));
	dump = sp_session_after_sso(&f);
	lo = lasso_logout_new(f.srv);
	lasso_profile_set_session_from_dump(LASSO_PROFILE(lo), dump);
	lasso_logout_init_request(lo, IDP_ID, LASSO_HTTP_METHOD_POST);
	CHECK(lasso_logout_build_request_msg(lo) == 0);
	bad = tampered(LASSO_PROFILE(lo)->msg_body, "alice@example.com<", "mallo@example.com<");
	CHECK(bad != NULL);
	CHECK(bad && saml_decode(bad, false, &xml, &len, &why) == IDP_OK);
	CHECK(xml && saml_logout_answer(f.idp, f.sp, xml, false, NULL, true, &out, &why) ==
	                 IDP_ERR_INVALID);
	CHECK(out.url == NULL);
	saml_out_free(&out);
	free(xml);
	g_free(bad);
	lasso_logout_destroy(lo);
	g_free(dump);
	fx_free(&f);
}

/* IdP-initiated: our LogoutRequest (over the SP's SLO binding) accepted by
 * the SP's Lasso logout, which finds its session by the NameID and
 * SessionIndex the assertion carried, and answers Success. */
static void idp_logout(bool redirect)
{
	struct fx f;
	char *dump = NULL, *id = NULL, *lq = NULL;
	LassoLogout *lo = NULL;
	LassoProfile *p;
	struct saml_out out = {0};
	struct saml_msg m;
	int rc;

	CHECK(fx_new(&f, &(struct fx_opt){.slo_redirect = redirect, .slo_post = !redirect}));
	dump = sp_session_after_sso(&f);
	CHECK(dump != NULL);
	if (!dump)
		goto out;
	CHECK(saml_logout_request(f.idp, f.sp, "alice@example.com", "email", "_sess-1", "rs-42",
	                          &out, &id) == IDP_OK);
	CHECK(id && id[0] == '_');
	CHECK(out.field && strcmp(out.field, "SAMLRequest") == 0);
	CHECK_STR(out.relay, "rs-42");
	if (!out.url)
		goto out;
	lo = lasso_logout_new(f.srv);
	p = LASSO_PROFILE(lo);
	CHECK(lasso_profile_set_session_from_dump(p, dump) == 0);
	if (redirect) {
		CHECK(strncmp(out.url, "https://sp.test/slo?", 20) == 0 && !out.body);
		CHECK(sp_redirect(out.url, &lq) == IDP_OK);
		lasso_profile_set_signature_verify_hint(p,
		                                        LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
		rc = lasso_logout_process_request_msg(lo, lq ? lq : "");
	} else {
		CHECK(strcmp(out.url, "https://sp.test/slo-post") == 0 && out.body);
		lasso_profile_set_signature_verify_hint(p,
		                                        LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
		rc = lasso_logout_process_request_msg(lo, out.body ? out.body : "");
		CHECK(lasso_profile_get_signature_status(p) == 0);
	}
	CHECK(rc == 0);
	CHECK(lasso_logout_validate_request(lo) == 0);
	CHECK(lasso_logout_build_response_msg(lo) == 0);
	/* The SP's answer, read back by the IdP. */
	{
		char *xml = NULL;
		size_t len = 0;
		const char *why = NULL;
		struct saml_redirect q;
		memset(&q, 0, sizeof q);
		if (redirect) {
			CHECK(saml_redirect_parse(strchr(p->msg_url, '?') + 1, &q, &why) == IDP_OK);
			CHECK(saml_redirect_verify(&q, f.sp->meta->signing, f.sp->meta->n_signing,
			                           &why) == IDP_OK);
			CHECK(q.response);
			CHECK(saml_decode(q.msg, true, &xml, &len, &why) == IDP_OK);
		} else {
			CHECK(saml_decode(p->msg_body, false, &xml, &len, &why) == IDP_OK);
		}
		CHECK(xml && saml_inspect(xml, len, &m, &why) == IDP_OK);
		CHECK(m.kind == SAML_LOGOUT_RESPONSE);
		CHECK(id && strcmp(m.in_response_to, id) == 0);
		CHECK_STR(m.status, LASSO_SAML2_STATUS_CODE_SUCCESS);
		free(xml);
		saml_redirect_free(&q);
	}
out:
	g_free(lq);
	free(id);
	saml_out_free(&out);
	if (lo)
		lasso_logout_destroy(lo);
	g_free(dump);
	fx_free(&f);
}

TEST(idp_initiated_logout_over_redirect_is_accepted_by_the_sp)
{
	idp_logout(true);
}

TEST(idp_initiated_logout_over_post_is_accepted_by_the_sp)
{
	idp_logout(false);
}

TEST(idp_initiated_logout_needs_an_slo_endpoint)
{
	struct fx f;
	struct saml_out out = {0};
	char *id = NULL;

	CHECK(fx_new(&f, &defaults));
	CHECK(saml_logout_request(f.idp, f.sp, "alice@example.com", "email", "_s", NULL, &out,
	                          &id) == IDP_ERR_NOT_FOUND);
	CHECK(id == NULL && out.url == NULL);
	fx_free(&f);
}

TEST(issue_instants_are_the_idps_own_not_lasso_gmtime)
{
	struct fx f;
	LassoLogin *sl = NULL;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	struct saml_out out = {0};
	const char *why = NULL;
	struct shape sh;
	char *id = NULL, *xml = NULL, *dump = NULL;
	size_t len = 0;

	CHECK(fx_new(&f, &(struct fx_opt){.slo_post = true}));
	/* A Response and its assertion. */
	sl = sp_ask(&f, LASSO_HTTP_METHOD_REDIRECT, false, false);
	poisoned = true;
	CHECK(idp_begin(&f, sl, true, &m, &sso, &why) == IDP_OK);
	CHECK(sso && saml_sso_respond(sso, who_of("alice@example.com", "email"), &out) == IDP_OK);
	poisoned = false;
	sh = shape_of(out.body ? out.body : "");
	CHECK(is_now(sh.issued) && is_now(sh.assertion_issued));
	CHECK(out.body && sp_accept(sl, out.body) == 0);
	saml_out_free(&out);
	saml_sso_free(sso);
	sso = NULL;
	/* An error Response. */
	poisoned = true;
	CHECK(saml_sso_begin_unsolicited(f.idp, f.sp, &sso) == IDP_OK);
	CHECK(sso && saml_sso_fail(sso, true, NULL, &out) == IDP_OK);
	poisoned = false;
	sh = shape_of(out.body ? out.body : "");
	CHECK(is_now(sh.issued));
	saml_out_free(&out);
	saml_sso_free(sso);
	/* A LogoutRequest of ours. */
	poisoned = true;
	CHECK(saml_logout_request(f.idp, f.sp, "alice@example.com", "email", "_sess-1", NULL, &out,
	                          &id) == IDP_OK);
	poisoned = false;
	CHECK(out.body && saml_decode(out.body, false, &xml, &len, &why) == IDP_OK);
	CHECK(xml && saml_inspect(xml, len, &m, &why) == IDP_OK);
	CHECK(m.issue_instant > (int64_t)time(NULL) - 120);
	free(xml);
	xml = NULL;
	saml_out_free(&out);
	/* LogoutResponses, Success and RequestDenied. */
	dump = sp_session_after_sso(&f);
	for (int ended = 0; ended < 2 && dump; ended++) {
		LassoLogout *lo = lasso_logout_new(f.srv);
		lasso_profile_set_session_from_dump(LASSO_PROFILE(lo), dump);
		lasso_logout_init_request(lo, IDP_ID, LASSO_HTTP_METHOD_POST);
		CHECK(lasso_logout_build_request_msg(lo) == 0);
		CHECK(saml_decode(LASSO_PROFILE(lo)->msg_body, false, &xml, &len, &why) == IDP_OK);
		poisoned = true;
		CHECK(xml && saml_logout_answer(f.idp, f.sp, xml, false, NULL, ended, &out, &why) ==
		                 IDP_OK);
		poisoned = false;
		free(xml);
		xml = NULL;
		CHECK(out.body && saml_decode(out.body, false, &xml, &len, &why) == IDP_OK);
		CHECK(xml && saml_inspect(xml, len, &m, &why) == IDP_OK);
		CHECK(m.issue_instant > (int64_t)time(NULL) - 120);
		CHECK_STR(m.status, ended ? LASSO_SAML2_STATUS_CODE_SUCCESS
		                          : LASSO_SAML2_STATUS_CODE_RESPONDER);
		free(xml);
		xml = NULL;
		saml_out_free(&out);
		lasso_logout_destroy(lo);
	}
	poisoned = false;
	g_free(dump);
	free(id);
	if (sl)
		lasso_login_destroy(sl);
	fx_free(&f);
}

TEST(logout_of_a_session_not_ended_is_answered_request_denied)
{
	struct fx f;
	char *dump, *xml = NULL;
	LassoLogout *lo;
	LassoProfile *p;
	struct saml_out out = {0};
	size_t len = 0;
	const char *why = NULL;

	CHECK(fx_new(&f, &(struct fx_opt){.slo_post = true}));
	dump = sp_session_after_sso(&f);
	lo = lasso_logout_new(f.srv);
	p = LASSO_PROFILE(lo);
	lasso_profile_set_session_from_dump(p, dump);
	lasso_logout_init_request(lo, IDP_ID, LASSO_HTTP_METHOD_POST);
	CHECK(lasso_logout_build_request_msg(lo) == 0);
	CHECK(saml_decode(p->msg_body, false, &xml, &len, &why) == IDP_OK);
	CHECK(xml &&
	      saml_logout_answer(f.idp, f.sp, xml, false, "rs", false, &out, &why) == IDP_OK);
	CHECK(out.body != NULL);
	lasso_profile_set_signature_verify_hint(p, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	/* Lasso's SP reports the status, after checking the signature. */
	CHECK(lasso_logout_process_response_msg(lo, out.body ? out.body : "") != 0);
	CHECK(lasso_profile_get_signature_status(p) == 0);
	{
		LassoSamlp2StatusResponse *r = LASSO_IS_SAMLP2_STATUS_RESPONSE(p->response)
		                                   ? LASSO_SAMLP2_STATUS_RESPONSE(p->response)
		                                   : NULL;
		LassoSamlp2StatusCode *top = r && r->Status ? r->Status->StatusCode : NULL;
		CHECK(top && top->Value &&
		      strcmp(top->Value, LASSO_SAML2_STATUS_CODE_RESPONDER) == 0);
		CHECK(top && top->StatusCode && top->StatusCode->Value &&
		      strcmp(top->StatusCode->Value, LASSO_SAML2_STATUS_CODE_REQUEST_DENIED) == 0);
	}
	free(xml);
	saml_out_free(&out);
	lasso_logout_destroy(lo);
	g_free(dump);
	fx_free(&f);
}

int main(void)
{
	const char *certs[1];
	struct saml_metadata_in mi = {BASE, certs, 1, true};

	lasso_init();
	pair_make(&idp_keys, "acme SAML IdP");
	pair_make(&sp_keys, "sp.test");
	pair_make(&other_keys, "mallory.test");
	certs[0] = idp_keys.cert;
	if (saml_metadata(&mi, &idp_md) != IDP_OK)
		abort();

	RUN(sp_initiated_signed_redirect_request_is_answered_and_accepted);
	RUN(sp_initiated_unsigned_redirect_request_is_answered_and_accepted);
	RUN(sp_initiated_post_request_with_enveloped_signature_is_verified_and_answered);
	RUN(post_request_signed_by_another_key_is_refused);
	RUN(each_nameid_format_reaches_the_sp_with_its_value);
	RUN(attributes_carry_basic_names_and_the_two_oids);
	RUN(encrypted_assertion_is_decrypted_by_the_sp);
	RUN(unencrypted_assertion_is_in_clear_and_both_are_signed);
	RUN(sign_assertion_leaves_the_response_unsigned_and_the_sp_accepts);
	RUN(tampered_response_is_refused_by_the_sp);
	RUN(idp_initiated_unsolicited_response_is_accepted);
	RUN(error_response_nopassive_reaches_the_sp_as_a_status);
	RUN(request_for_an_acs_not_in_the_metadata_is_refused);
	RUN(sp_initiated_logout_over_redirect_is_answered_success);
	RUN(sp_initiated_logout_over_post_is_answered_success);
	RUN(logout_request_changed_after_signing_is_refused);
	RUN(idp_initiated_logout_over_redirect_is_accepted_by_the_sp);
	RUN(idp_initiated_logout_over_post_is_accepted_by_the_sp);
	RUN(idp_initiated_logout_needs_an_slo_endpoint);
	RUN(issue_instants_are_the_idps_own_not_lasso_gmtime);
	RUN(logout_of_a_session_not_ended_is_answered_request_denied);

	free(idp_md);
	pair_free(&idp_keys);
	pair_free(&sp_keys);
	pair_free(&other_keys);
	lasso_shutdown();
	return check_summary();
}
