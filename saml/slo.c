/* SAML Single Logout messages on Lasso: see saml/idp.h (saml_logout_*). */
#include <glib.h>
#include <lasso/lasso.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_authn_statement.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/saml2_subject.h>
#include <lasso/xml/saml-2.0/samlp2_logout_request.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "idp/text.h"
#include "saml/idp.h"
#include "saml/internal.h"

/* ---- single logout ---- */

/* Lasso builds logout messages from a session holding an assertion for the
 * SP; Sekisho keeps what matters in its own tables, so a session with one
 * assertion carrying that NameID and SessionIndex stands in. */
static LassoSession *session_for(const struct saml_sp *sp, LassoSaml2NameID *nid,
                                 const char *session_index)
{
	LassoSession *sess = lasso_session_new();
	LassoSaml2Assertion *as = LASSO_SAML2_ASSERTION(lasso_saml2_assertion_new());
	LassoSaml2AuthnStatement *st =
	    LASSO_SAML2_AUTHN_STATEMENT(lasso_saml2_authn_statement_new());

	as->Subject = LASSO_SAML2_SUBJECT(lasso_saml2_subject_new());
	as->Subject->NameID = g_object_ref(nid);
	st->SessionIndex = g_strdup(session_index);
	as->AuthnStatement = g_list_append(NULL, st);
	lasso_session_add_assertion(sess, sp->sp.entity_id, LASSO_NODE(as));
	g_object_unref(as);
	return sess;
}

/* The NameID as the assertion carried it (a service provider matches the
 * whole element). */
static LassoSaml2NameID *nameid_node(const struct saml_idp *idp, const struct saml_sp *sp,
                                     const char *value, const char *format)
{
	LassoSaml2NameID *nid =
	    LASSO_SAML2_NAME_ID(lasso_saml2_name_id_new_with_string((char *)value));

	nid->Format = g_strdup(saml_format_uri(format));
	nid->NameQualifier = g_strdup(idp->entity);
	nid->SPNameQualifier = g_strdup(sp->sp.entity_id);
	return nid;
}

static enum idp_err take_msg(LassoProfile *prof, const char *field, struct saml_out *out)
{
	if (!prof->msg_url)
		return IDP_ERR_CRYPTO;
	out->url = strdup(prof->msg_url);
	out->body = prof->msg_body ? strdup(prof->msg_body) : NULL;
	out->field = field;
	if (!out->url || (prof->msg_body && !out->body)) {
		saml_out_free(out);
		return IDP_ERR_NOMEM;
	}
	return IDP_OK;
}

enum idp_err saml_logout_answer(struct saml_idp *idp, const struct saml_sp *sp, const char *xml,
                                bool request_redirect, const char *relay, bool ended,
                                struct saml_out *out, const char **why)
{
	LassoLogout *lo = lasso_logout_new(idp->server);
	LassoProfile *prof;
	char *msg = NULL;
	int rc;
	enum idp_err err = IDP_OK;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (!lo || saml_b64(xml, &msg) != IDP_OK) {
		if (lo)
			lasso_logout_destroy(lo);
		return IDP_ERR_NOMEM;
	}
	prof = LASSO_PROFILE(lo);
	lasso_profile_set_signature_verify_hint(
	    prof, request_redirect ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_IGNORE
	                           : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	rc = lasso_logout_process_request_msg(lo, msg);
	g_free(msg);
	if (rc != 0 || (!request_redirect && prof->signature_status != 0)) {
		idp_warn(
		    "SAML: LogoutRequest from %.200s refused by Lasso: %s (signature status %d)",
		    sp->sp.entity_id, lasso_strerror(rc), prof->signature_status);
		*why = prof->signature_status ? "the request's signature does not verify"
		                              : "the request was refused";
		lasso_logout_destroy(lo);
		return IDP_ERR_INVALID;
	}
	/* Lasso read a POST message; the answer goes back the way it came. */
	if (request_redirect)
		lo->initial_http_request_method = LASSO_HTTP_METHOD_REDIRECT;
	if (ended) {
		LassoSamlp2LogoutRequest *req = LASSO_SAMLP2_LOGOUT_REQUEST(prof->request);
		GList *idx = lasso_samlp2_logout_request_get_session_indexes(req);
		/* The stand-in session matches the request's NameID as sent
		 * (Lasso compares the whole element); Sekisho matched it
		 * already. */
		prof->session =
		    session_for(sp, req->NameID, idx ? (const char *)idx->data : "_none");
		g_list_free_full(idx, g_free);
		rc = lasso_logout_validate_request(lo);
		if (rc != 0)
			idp_warn("SAML: logout of %.200s not validated by Lasso: %s",
			         sp->sp.entity_id, lasso_strerror(rc));
	} else {
		/* Without a session Lasso answers Responder/RequestDenied; asked
		 * here so that the response exists before it is signed (its
		 * IssueInstant is set again below). */
		lasso_logout_validate_request(lo);
	}
	if (LASSO_IS_SAMLP2_STATUS_RESPONSE(prof->response))
		saml_restamp(&LASSO_SAMLP2_STATUS_RESPONSE(prof->response)->IssueInstant);
	lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
	/* The SP's RelayState goes back inside what is signed (mod_auth_mellon
	 * refuses a LogoutResponse without it). */
	if (relay && *relay) {
		g_free(prof->msg_relayState);
		prof->msg_relayState = g_strdup(relay);
	}
	rc = lasso_logout_build_response_msg(lo);
	if (rc != 0) {
		idp_error("SAML: LogoutResponse for %.200s not built: %s", sp->sp.entity_id,
		          lasso_strerror(rc));
		err = IDP_ERR_CRYPTO;
	} else {
		err = take_msg(prof, "SAMLResponse", out);
	}
	lasso_logout_destroy(lo);
	return err;
}

enum idp_err saml_logout_request(struct saml_idp *idp, const struct saml_sp *sp, const char *nameid,
                                 const char *format, const char *session_index, const char *relay,
                                 struct saml_out *out, char **id)
{
	LassoLogout *lo;
	LassoProfile *prof;
	LassoHttpMethod how = LASSO_HTTP_METHOD_NONE;
	int rc;
	enum idp_err err;

	memset(out, 0, sizeof *out);
	*id = NULL;
	for (int i = 0; i < sp->meta->n_slo; i++)
		if (sp->meta->slo[i].binding == SAML_BINDING_REDIRECT)
			how = LASSO_HTTP_METHOD_REDIRECT;
	if (how == LASSO_HTTP_METHOD_NONE && sp->meta->n_slo)
		how = LASSO_HTTP_METHOD_POST;
	if (how == LASSO_HTTP_METHOD_NONE)
		return IDP_ERR_NOT_FOUND;
	lo = lasso_logout_new(idp->server);
	if (!lo)
		return IDP_ERR_NOMEM;
	prof = LASSO_PROFILE(lo);
	{
		LassoSaml2NameID *nid = nameid_node(idp, sp, nameid, format);
		prof->session = session_for(sp, nid, session_index);
		g_object_unref(nid);
	}
	lasso_profile_set_signature_hint(prof, LASSO_PROFILE_SIGNATURE_HINT_FORCE);
	rc = lasso_logout_init_request(lo, (char *)sp->sp.entity_id, how);
	if (rc == 0 && relay && *relay) {
		g_free(prof->msg_relayState);
		prof->msg_relayState = g_strdup(relay);
	}
	if (rc == 0) {
		saml_restamp(&LASSO_SAMLP2_REQUEST_ABSTRACT(prof->request)->IssueInstant);
		rc = lasso_logout_build_request_msg(lo);
	}
	if (rc != 0) {
		idp_error("SAML: LogoutRequest for %.200s not built: %s", sp->sp.entity_id,
		          lasso_strerror(rc));
		lasso_logout_destroy(lo);
		return IDP_ERR_CRYPTO;
	}
	err = take_msg(prof, "SAMLRequest", out);
	if (!err && relay)
		idp_copy(out->relay, sizeof out->relay, relay);
	if (!err) {
		*id = strdup(LASSO_SAMLP2_REQUEST_ABSTRACT(prof->request)->ID);
		if (!*id) {
			saml_out_free(out);
			err = IDP_ERR_NOMEM;
		}
	}
	lasso_logout_destroy(lo);
	return err;
}
