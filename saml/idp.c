/* The SAML identity provider on Lasso: see saml/idp.h. */
#include "saml/idp.h"

#include <glib.h>
#include <lasso/lasso.h>
#include <lasso/xml/misc_text_node.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_attribute.h>
#include <lasso/xml/saml-2.0/saml2_attribute_statement.h>
#include <lasso/xml/saml-2.0/saml2_attribute_value.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/samlp2_authn_request.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_name_id_policy.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/crypto.h"
#include "idp/log.h"
#include "idp/samlkey.h"
#include "idp/text.h"
#include "saml/internal.h"
#include "saml/message.h"
#include "saml/metadata.h"

#define CACHE_SLOTS 4 /* tenants a thread keeps an IdP for */

struct idp_cache {
	struct saml_idp *slot[CACHE_SLOTS];
	unsigned long clock;
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void idp_free(struct saml_idp *idp)
{
	if (!idp)
		return;
	if (idp->server)
		lasso_server_destroy(idp->server);
	for (int i = 0; i < idp->n; i++) {
		free(idp->sps[i].meta);
		for (int k = 0; k < SAML_SP_CERTS; k++)
			EVP_PKEY_free(idp->sps[i].sign_keys[k]);
	}
	free(idp->sps);
	free(idp);
}

static void cache_free(void *p)
{
	struct idp_cache *c = p;

	for (int i = 0; c && i < CACHE_SLOTS; i++)
		idp_free(c->slot[i]);
	free(c);
}

static void cache_init(void)
{
	pthread_key_create(&cache_key, cache_free);
}

void saml_idp_thread_done(void)
{
	struct idp_cache *c;

	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	cache_free(c);
	pthread_setspecific(cache_key, NULL);
}

const char *saml_format_uri(const char *s)
{
	if (!s)
		return NULL;
	if (strcmp(s, "persistent") == 0)
		return LASSO_SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT;
	if (strcmp(s, "email") == 0)
		return LASSO_SAML2_NAME_IDENTIFIER_FORMAT_EMAIL;
	if (strcmp(s, "transient") == 0)
		return LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT;
	if (strcmp(s, "unspecified") == 0)
		return LASSO_SAML2_NAME_IDENTIFIER_FORMAT_UNSPECIFIED;
	return NULL;
}

/* One SP added to the server: its metadata read (our reading, for
 * certificates and endpoints), registered with Lasso, its encryption set,
 * and the preloaded signing key attached (Lasso would parse the PEM key
 * again for every signature otherwise). */
static bool add_sp(struct saml_idp *idp, const struct idp_sp_full *row, LassoKey *key)
{
	struct saml_sp *sp = &idp->sps[idp->n];
	const char *why = NULL;
	LassoProvider *p;

	sp->meta = malloc(sizeof *sp->meta);
	if (!sp->meta)
		return false;
	if (saml_spmeta_parse(row->metadata, strlen(row->metadata), sp->meta, &why) != IDP_OK ||
	    lasso_server_add_provider_from_buffer(idp->server, LASSO_PROVIDER_ROLE_SP,
	                                          row->metadata, NULL, NULL) != 0) {
		idp_error("SAML: service provider %.200s left out: its metadata does not load (%s)",
		          row->sp.entity_id, why ? why : "Lasso refused it");
		free(sp->meta);
		sp->meta = NULL;
		return true;
	}
	p = lasso_server_get_provider(idp->server, row->sp.entity_id);
	if (!p) {
		free(sp->meta);
		sp->meta = NULL;
		return true;
	}
	lasso_provider_set_encryption_mode(p, row->sp.encrypt ? LASSO_ENCRYPTION_MODE_ASSERTION
	                                                      : LASSO_ENCRYPTION_MODE_NONE);
	if (key && lasso_provider_set_server_signing_key(p, key) != 0)
		idp_warn("SAML: the preloaded key was not attached for %.200s", row->sp.entity_id);
	sp->sp = row->sp;
	for (int k = 0; k < sp->meta->n_signing && k < SAML_SP_CERTS; k++)
		sp->sign_keys[k] = saml_cert_pubkey(sp->meta->signing[k]);
	idp->n++;
	return true;
}

enum idp_err saml_idp_new(const struct saml_idp_in *in, struct saml_idp **out)
{
	struct saml_idp *idp = calloc(1, sizeof *idp);
	char *md = NULL;
	LassoKey *lkey = NULL;
	enum idp_err err = idp ? IDP_OK : IDP_ERR_NOMEM;

	*out = NULL;
	if (!err) {
		const char *certs[1] = {in->cert_pem};
		struct saml_metadata_in mi = {in->base, certs, 1, in->want_signed_requests};
		err = saml_metadata(&mi, &md);
	}
	if (!err) {
		idp->tenant_id = in->tenant_id;
		idp_copy(idp->version, sizeof idp->version, in->version ? in->version : "");
		snprintf(idp->entity, sizeof idp->entity, "%s/saml/metadata", in->base);
		idp->server = lasso_server_new_from_buffers(md, in->key_pem, NULL, in->cert_pem);
		idp->sps = calloc(in->n_sps ? (size_t)in->n_sps : 1, sizeof *idp->sps);
		if (!idp->server || !idp->sps)
			err = IDP_ERR_CRYPTO;
	}
	if (!err) {
		/* Debian's Lasso signs with RSA-SHA1 unless told (STACK.md). */
		idp->server->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
		/* Signatures without the certificate in KeyInfo: service
		 * providers verify against our metadata, and signing is twice
		 * as fast. */
		lkey = lasso_key_new_for_signature_from_memory(
		    in->key_pem, strlen(in->key_pem), NULL, LASSO_SIGNATURE_METHOD_RSA_SHA256,
		    NULL);
		if (!lkey)
			idp_warn("SAML: %s: the signing key was not preloaded", in->base);
	}
	for (int i = 0; !err && i < in->n_sps; i++)
		if (!add_sp(idp, &in->sps[i], lkey))
			err = IDP_ERR_NOMEM;
	if (lkey)
		g_object_unref(lkey);
	free(md);
	if (err) {
		idp_error("SAML: %s: identity provider not built: %s", in->base, idp_strerror(err));
		saml_idp_free(idp);
		return err;
	}
	*out = idp;
	return IDP_OK;
}

void saml_idp_free(struct saml_idp *idp)
{
	idp_free(idp);
}

static enum idp_err build(const struct idp_snapshot *snap, const char *base, struct saml_idp **out)
{
	char *key = NULL, *cert = NULL;
	struct idp_sp_full *rows = NULL;
	int n = 0;
	enum idp_err err = idp_samlkey_signing(&snap->t, &key, &cert);

	if (!err)
		err = idp_sps_list_full(&snap->t, &rows, &n);
	if (!err) {
		struct saml_idp_in in = {.tenant_id = snap->t.id,
		                         .version = idp_snapshot_version(snap),
		                         .base = base,
		                         .key_pem = key,
		                         .cert_pem = cert,
		                         .want_signed_requests =
		                             snap->t.policy.saml.want_signed_requests,
		                         .sps = rows,
		                         .n_sps = n};
		err = saml_idp_new(&in, out);
	}
	if (key)
		idp_wipe(key, strlen(key));
	free(key);
	free(cert);
	idp_sps_full_free(rows, n);
	return err;
}

enum idp_err saml_idp_get(const struct idp_snapshot *snap, const char *base, struct saml_idp **out)
{
	struct idp_cache *c;
	int victim = 0;
	const char *version = idp_snapshot_version(snap);
	enum idp_err err;

	pthread_once(&cache_once, cache_init);
	c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c || pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return IDP_ERR_NOMEM;
		}
	}
	c->clock++;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		struct saml_idp *e = c->slot[i];
		if (e && e->tenant_id == snap->t.id) {
			if (strcmp(e->version, version) == 0 &&
			    strncmp(e->entity, base, strlen(base)) == 0) {
				e->used = c->clock;
				*out = e;
				return IDP_OK;
			}
			victim = i;
			goto rebuild;
		}
		if (!e || e->used < c->slot[victim]->used)
			victim = i;
		if (!e)
			break;
	}
rebuild:
	err = build(snap, base, out);
	if (err)
		return err;
	idp_free(c->slot[victim]);
	c->slot[victim] = *out;
	(*out)->used = c->clock;
	return IDP_OK;
}

const char *saml_idp_entity(const struct saml_idp *idp)
{
	return idp->entity;
}

const struct saml_sp *saml_idp_sp(const struct saml_idp *idp, const char *entity_id)
{
	for (int i = 0; entity_id && i < idp->n; i++)
		if (strcmp(idp->sps[i].sp.entity_id, entity_id) == 0)
			return &idp->sps[i];
	return NULL;
}

const struct saml_sp *saml_idp_sp_by_id(const struct saml_idp *idp, int64_t id)
{
	for (int i = 0; i < idp->n; i++)
		if (idp->sps[i].sp.id == id)
			return &idp->sps[i];
	return NULL;
}

void saml_out_free(struct saml_out *o)
{
	free(o->url);
	free(o->body);
	memset(o, 0, sizeof *o);
}

/* ---- single sign-on ---- */

struct saml_sso {
	struct saml_idp *idp;
	const struct saml_sp *sp;
	LassoLogin *login;
};

void saml_sso_free(struct saml_sso *s)
{
	if (!s)
		return;
	if (s->login)
		lasso_login_destroy(s->login);
	free(s);
}

/* Lasso decides NameIDs by the request's policy and would look for a
 * federation it has no store for: it is told "transient" and the NameID
 * Sekisho chose replaces its own afterwards. */
static void neutral_nameid_policy(LassoLogin *login)
{
	LassoSamlp2AuthnRequest *req = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(login)->request);

	if (!req->NameIDPolicy)
		req->NameIDPolicy = LASSO_SAMLP2_NAME_ID_POLICY(lasso_samlp2_name_id_policy_new());
	g_free(req->NameIDPolicy->Format);
	req->NameIDPolicy->Format = g_strdup(LASSO_SAML2_NAME_IDENTIFIER_FORMAT_TRANSIENT);
	req->NameIDPolicy->AllowCreate = TRUE;
}

enum idp_err saml_b64(const char *xml, char **out)
{
	size_t n = strlen(xml);

	*out = g_base64_encode((const guchar *)xml, n);
	return *out ? IDP_OK : IDP_ERR_NOMEM;
}

enum idp_err saml_sso_begin(struct saml_idp *idp, const struct saml_sp *sp, const char *xml,
                            bool check_signature, struct saml_sso **out, const char **why)
{
	struct saml_sso *s = calloc(1, sizeof *s);
	char *msg = NULL;
	int rc;

	*out = NULL;
	*why = NULL;
	if (!s || saml_b64(xml, &msg) != IDP_OK) {
		free(s);
		return IDP_ERR_NOMEM;
	}
	s->idp = idp;
	s->sp = sp;
	s->login = lasso_login_new(idp->server);
	if (!s->login) {
		g_free(msg);
		free(s);
		return IDP_ERR_NOMEM;
	}
	/* Redirect signatures were verified over the raw query already
	 * (saml/message.c); an enveloped one is Lasso's to check. */
	lasso_profile_set_signature_verify_hint(
	    LASSO_PROFILE(s->login), check_signature ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
	                                             : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE);
	rc = lasso_login_process_authn_request_msg(s->login, msg);
	g_free(msg);
	/* Signature failures come back as positive codes (STACK.md). */
	if (rc != 0 || (check_signature && LASSO_PROFILE(s->login)->signature_status != 0)) {
		idp_warn(
		    "SAML: AuthnRequest from %.200s refused by Lasso: %s (signature status %d)",
		    sp->sp.entity_id, lasso_strerror(rc),
		    LASSO_PROFILE(s->login)->signature_status);
		*why = check_signature && LASSO_PROFILE(s->login)->signature_status
		           ? "the request's signature does not verify"
		       : rc == LASSO_PROFILE_ERROR_INVALID_PROTOCOLPROFILE ||
		               rc == LASSO_LOGIN_ERROR_NO_DEFAULT_ENDPOINT
		           ? "the assertion consumer service or binding is not in the metadata"
		           : "the request was refused";
		saml_sso_free(s);
		return IDP_ERR_INVALID;
	}
	if (s->login->protocolProfile != LASSO_LOGIN_PROTOCOL_PROFILE_BRWS_POST) {
		*why =
		    "the response binding is not HTTP-POST (Artifact and others are unsupported)";
		saml_sso_free(s);
		return IDP_ERR_INVALID;
	}
	neutral_nameid_policy(s->login);
	*out = s;
	return IDP_OK;
}

enum idp_err saml_sso_begin_unsolicited(struct saml_idp *idp, const struct saml_sp *sp,
                                        struct saml_sso **out)
{
	struct saml_sso *s = calloc(1, sizeof *s);
	LassoSamlp2AuthnRequest *req;
	int rc;

	*out = NULL;
	if (!s)
		return IDP_ERR_NOMEM;
	s->idp = idp;
	s->sp = sp;
	s->login = lasso_login_new(idp->server);
	rc = s->login ? lasso_login_init_idp_initiated_authn_request(s->login, sp->sp.entity_id)
	              : -1;
	if (rc == 0) {
		req = LASSO_SAMLP2_AUTHN_REQUEST(LASSO_PROFILE(s->login)->request);
		g_free(req->ProtocolBinding);
		req->ProtocolBinding = g_strdup(LASSO_SAML2_METADATA_BINDING_POST);
		neutral_nameid_policy(s->login);
		rc = lasso_login_process_authn_request_msg(s->login, NULL);
	}
	if (rc != 0) {
		idp_warn("SAML: unsolicited response to %.200s not started: %s", sp->sp.entity_id,
		         lasso_strerror(rc));
		saml_sso_free(s);
		return IDP_ERR_INVALID;
	}
	*out = s;
	return IDP_OK;
}

/* xs:dateTime of t, UTC. */
static void instant(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Lasso stamps IssueInstant through gmtime(), whose result buffer is one
 * static struct tm shared by every thread with localtime(), and Lasso's
 * own debug logging calls localtime() for each XML node it parses: under
 * load another thread's local time lands in our "Z" timestamp (measured
 * +9 h with TZ=JST-9, tests/unit/test_saml_threads.c).  Every message
 * built here gets its IssueInstant again, from gmtime_r, before it is
 * signed. */
void saml_restamp(char **issue_instant)
{
	char t[32];

	instant((int64_t)time(NULL), t);
	g_free(*issue_instant);
	*issue_instant = g_strdup(t);
}

static void add_attribute(LassoSaml2AttributeStatement *st, const char *name, const char *friendly,
                          const char *value)
{
	LassoSaml2Attribute *a = LASSO_SAML2_ATTRIBUTE(lasso_saml2_attribute_new());
	LassoSaml2AttributeValue *v =
	    LASSO_SAML2_ATTRIBUTE_VALUE(lasso_saml2_attribute_value_new());
	LassoMiscTextNode *text = LASSO_MISC_TEXT_NODE(lasso_misc_text_node_new_with_string(value));
	bool uri = strncmp(name, "urn:oid:", 8) == 0;

	/* Built by hand: Lasso's helper drops the name format (STACK.md). */
	text->text_child = TRUE;
	a->Name = g_strdup(name);
	a->NameFormat = g_strdup(uri ? LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_URI
	                             : LASSO_SAML2_ATTRIBUTE_NAME_FORMAT_BASIC);
	if (friendly)
		a->FriendlyName = g_strdup(friendly);
	v->any = g_list_append(NULL, text);
	a->AttributeValue = g_list_append(NULL, v);
	st->Attribute = g_list_append(st->Attribute, a);
}

/* The attributes the SP's settings release ("email,name,role"), each under
 * its basic name and, for mail and displayName, its standard OID. */
static LassoSaml2AttributeStatement *attributes(const struct idp_sp *sp, const struct saml_who *w)
{
	LassoSaml2AttributeStatement *st;
	bool any = false;

	if (!sp->attributes[0])
		return NULL;
	st = LASSO_SAML2_ATTRIBUTE_STATEMENT(lasso_saml2_attribute_statement_new());
	if (strstr(sp->attributes, "email") && w->email) {
		add_attribute(st, "email", NULL, w->email);
		add_attribute(st, "urn:oid:0.9.2342.19200300.100.1.3", "mail", w->email);
		any = true;
	}
	if (strstr(sp->attributes, "name") && w->name && w->name[0]) {
		add_attribute(st, "name", NULL, w->name);
		add_attribute(st, "urn:oid:2.16.840.1.113730.3.1.241", "displayName", w->name);
		any = true;
	}
	if (strstr(sp->attributes, "role") && w->role) {
		add_attribute(st, "role", NULL, w->role);
		any = true;
	}
	if (!any) {
		g_object_unref(st);
		return NULL;
	}
	return st;
}

enum idp_err saml_sso_respond(struct saml_sso *s, const struct saml_who *w, struct saml_out *out)
{
	LassoProfile *prof = LASSO_PROFILE(s->login);
	LassoSamlp2Response *resp;
	LassoSaml2Assertion *as;
	LassoSaml2AuthnStatement *st;
	LassoSaml2AttributeStatement *attrs;
	char at[32], nb[32], noa[32], sess_end[32];
	int64_t now = (int64_t)time(NULL);
	int rc;

	memset(out, 0, sizeof *out);
	instant(w->authn_instant, at);
	/* A few seconds in the past, for SPs whose clocks run behind. */
	instant(now - 5, nb);
	instant(now + 300, noa);
	instant(w->session_not_on_or_after, sess_end);
	rc = lasso_login_validate_request_msg(s->login, TRUE, TRUE);
	if (rc == 0)
		rc = lasso_login_build_assertion(s->login, w->authn_context, at, NULL, nb, noa);
	if (rc != 0) {
		idp_error("SAML: assertion for %.200s not built: %s", s->sp->sp.entity_id,
		          lasso_strerror(rc));
		return IDP_ERR_CRYPTO;
	}
	resp = LASSO_SAMLP2_RESPONSE(prof->response);
	as = LASSO_SAML2_ASSERTION(resp->Assertion->data);
	/* The NameID Sekisho chose. */
	{
		LassoSaml2NameID *nid = as->Subject->NameID;
		g_free(nid->content);
		nid->content = g_strdup(w->nameid);
		g_free(nid->Format);
		nid->Format = g_strdup(saml_format_uri(w->format));
		g_free(nid->NameQualifier);
		nid->NameQualifier = g_strdup(s->idp->entity);
		g_free(nid->SPNameQualifier);
		nid->SPNameQualifier = g_strdup(s->sp->sp.entity_id);
	}
	st = LASSO_SAML2_AUTHN_STATEMENT(as->AuthnStatement->data);
	g_free(st->SessionIndex);
	st->SessionIndex = g_strdup(w->session_index);
	g_free(st->SessionNotOnOrAfter);
	st->SessionNotOnOrAfter = g_strdup(sess_end);
	attrs = attributes(&s->sp->sp, w);
	if (attrs)
		as->AttributeStatement = g_list_append(as->AttributeStatement, attrs);
	saml_restamp(&LASSO_SAMLP2_STATUS_RESPONSE(resp)->IssueInstant);
	saml_restamp(&as->IssueInstant);
	/* What to sign: the Response alone is signed by leaving the
	 * assertion's signature out is not possible through Lasso's API, so
	 * "response" keeps the assertion signed too (see README); "assertion"
	 * leaves the Response unsigned. */
	if (strcmp(s->sp->sp.sign, "assertion") == 0)
		lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORBID);
	else
		lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
	rc = lasso_login_build_authn_response_msg(s->login);
	if (rc != 0 || !prof->msg_url || !prof->msg_body) {
		idp_error("SAML: response for %.200s not built: %s", s->sp->sp.entity_id,
		          lasso_strerror(rc));
		return IDP_ERR_CRYPTO;
	}
	out->url = strdup(prof->msg_url);
	out->body = strdup(prof->msg_body);
	out->field = "SAMLResponse";
	if (prof->msg_relayState)
		idp_copy(out->relay, sizeof out->relay, prof->msg_relayState);
	if (!out->url || !out->body) {
		saml_out_free(out);
		return IDP_ERR_NOMEM;
	}
	return IDP_OK;
}

enum idp_err saml_sso_fail(struct saml_sso *s, bool requester, const char *status2,
                           struct saml_out *out)
{
	LassoProfile *prof = LASSO_PROFILE(s->login);
	LassoSamlp2StatusResponse *resp;
	LassoSamlp2Status *st;
	LassoSamlp2StatusCode *top, *sub;
	int rc;

	memset(out, 0, sizeof *out);
	if (!LASSO_IS_SAMLP2_STATUS_RESPONSE(prof->response))
		return IDP_ERR_INVALID;
	resp = LASSO_SAMLP2_STATUS_RESPONSE(prof->response);
	st = LASSO_SAMLP2_STATUS(lasso_samlp2_status_new());
	top = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
	top->Value = g_strdup(requester ? LASSO_SAML2_STATUS_CODE_REQUESTER
	                                : LASSO_SAML2_STATUS_CODE_RESPONDER);
	if (status2) {
		sub = LASSO_SAMLP2_STATUS_CODE(lasso_samlp2_status_code_new());
		sub->Value = g_strdup(status2);
		top->StatusCode = sub;
	}
	st->StatusCode = top;
	if (resp->Status)
		g_object_unref(resp->Status);
	resp->Status = st;
	saml_restamp(&resp->IssueInstant);
	lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
	rc = lasso_login_build_authn_response_msg(s->login);
	if (rc != 0 || !prof->msg_url || !prof->msg_body) {
		idp_error("SAML: error response for %.200s not built: %s", s->sp->sp.entity_id,
		          lasso_strerror(rc));
		return IDP_ERR_CRYPTO;
	}
	out->url = strdup(prof->msg_url);
	out->body = strdup(prof->msg_body);
	out->field = "SAMLResponse";
	if (!out->url || !out->body) {
		saml_out_free(out);
		return IDP_ERR_NOMEM;
	}
	return IDP_OK;
}
