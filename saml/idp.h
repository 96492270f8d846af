/*
 * The SAML 2.0 identity provider on Lasso (saml/idp.c).  Each thread keeps
 * its own LassoServer per tenant, built from the tenant's active key (loaded
 * once) and its service providers' metadata, and rebuilt when the tenant's
 * snapshot version moves (a key or an SP changed): Lasso writes to its
 * server while it works, so a server is never shared between threads.
 *
 * Messages reach this file only after saml/message.c has read them and the
 * caller has decided they are acceptable; Lasso parses them again, checks an
 * enveloped signature when asked, and builds and signs what goes back.
 */
#ifndef SAML_IDP_H
#define SAML_IDP_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "idp/err.h"
#include "idp/sp.h"
#include "idp/tenant.h"
#include "saml/spmeta.h"

struct saml_idp;

/* One service provider as the IdP holds it. */
struct saml_sp {
	struct idp_sp sp;
	struct saml_sp_meta *meta;
	EVP_PKEY *sign_keys[SAML_SP_CERTS]; /* meta's signing certificates, parsed once */
};

/* What an IdP is built from (pure: tests build one without a database). */
struct saml_idp_in {
	int64_t tenant_id;
	const char *version; /* the tenant snapshot's version */
	const char *base;    /* public URL + "/t/" + slug */
	const char *key_pem, *cert_pem;
	bool want_signed_requests;
	const struct idp_sp_full *sps;
	int n_sps;
};

/* A new IdP (Lasso server with every SP whose metadata loads; an SP whose
 * metadata does not is left out and logged).  Free with saml_idp_free. */
enum idp_err saml_idp_new(const struct saml_idp_in *in, struct saml_idp **out);
void saml_idp_free(struct saml_idp *idp);

/* The calling thread's IdP for snap's tenant (entity base = public URL +
 * "/t/" + slug), built when missing or stale; borrowed until this thread's
 * next call.  IDP_ERR_CRYPTO when the key does not load, IDP_ERR_DB. */
enum idp_err saml_idp_get(const struct idp_snapshot *snap, const char *base, struct saml_idp **out);
/* The IdP's entity ID (base + "/saml/metadata"). */
const char *saml_idp_entity(const struct saml_idp *idp);
/* A registered SP by entity ID or id, or NULL. */
const struct saml_sp *saml_idp_sp(const struct saml_idp *idp, const char *entity_id);
const struct saml_sp *saml_idp_sp_by_id(const struct saml_idp *idp, int64_t id);
/* Release every IdP the calling thread holds (also done when it ends). */
void saml_idp_thread_done(void);

/* What the browser carries to a service provider: a POST of field (SAMLResponse or SAMLRequest)
 * to url, or when body is NULL a redirect to url. */
struct saml_out {
	char *url;
	char *body;        /* base64 message for the POST binding, or NULL */
	const char *field; /* "SAMLResponse" or "SAMLRequest" */
	char relay[1025];
};
void saml_out_free(struct saml_out *o);

/* Who the assertion speaks of, and how. */
struct saml_who {
	const char *nameid, *format; /* format: persistent, email, transient, unspecified */
	const char *email, *name, *role;
	const char *authn_context;
	const char *session_index;
	int64_t authn_instant, session_not_on_or_after;
};

/* An SSO exchange within one HTTP request. */
struct saml_sso;

/* Start answering an AuthnRequest (xml, read by saml_inspect and accepted
 * by the caller) from sp: Lasso reads it and picks the ACS from the SP's
 * metadata; check_signature makes it verify the enveloped signature.
 * IDP_ERR_INVALID with *why when Lasso refuses it (an ACS or binding not
 * in the metadata, a bad signature). */
enum idp_err saml_sso_begin(struct saml_idp *idp, const struct saml_sp *sp, const char *xml,
                            bool check_signature, struct saml_sso **out, const char **why);
/* Start an unsolicited response (IdP-initiated) to sp's default ACS. */
enum idp_err saml_sso_begin_unsolicited(struct saml_idp *idp, const struct saml_sp *sp,
                                        struct saml_sso **out);
/* The signed (and, per the SP's settings, encrypted) Response for who. */
enum idp_err saml_sso_respond(struct saml_sso *s, const struct saml_who *who, struct saml_out *out);
/* A Response without assertion: status Responder (or Requester) with the
 * second-level status status2 (a SAML status URI). */
enum idp_err saml_sso_fail(struct saml_sso *s, bool requester, const char *status2,
                           struct saml_out *out);
void saml_sso_free(struct saml_sso *s);

/* Answer sp's LogoutRequest (xml, accepted by the caller; request_redirect:
 * it came over HTTP-Redirect) naming nameid/session_index: Success when
 * ended, else RequestDenied.  The answer goes by the binding the request
 * came by, signed. */
enum idp_err saml_logout_answer(struct saml_idp *idp, const struct saml_sp *sp, const char *xml,
                                bool request_redirect, const char *relay, bool ended,
                                struct saml_out *out, const char **why);
/* A LogoutRequest to sp for the session it knows as nameid (format short
 * name) and session_index: over HTTP-Redirect when sp has such an SLO
 * endpoint, else HTTP-POST.  *id (new) is the request's ID.  IDP_ERR_NOT_FOUND when
 * sp has no SLO endpoint. */
enum idp_err saml_logout_request(struct saml_idp *idp, const struct saml_sp *sp, const char *nameid,
                                 const char *format, const char *session_index, const char *relay,
                                 struct saml_out *out, char **id);

/* The NameID format URI of a short name ("persistent" ...), or NULL. */
const char *saml_format_uri(const char *short_name);

#endif
