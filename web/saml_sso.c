/*
 * SAML single sign-on and logout over HTTP (/t/{slug}/saml/sso, /init,
 * /slo): the bindings (HTTP-Redirect from the raw query, HTTP-POST from the
 * raw body), Sekisho's checks in the order the spec and our rules put them,
 * the parking of a request while its user logs in, and the page that
 * carries the answer to the service provider (an auto-submitting form: a
 * static script from 'self', a visible button without scripts).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/log.h"
#include "idp/saml.h"
#include "saml/idp.h"
#include "saml/message.h"
#include "web/i18n.h"
#include "web/server.h"
#include "web/web.h"

/* ---- the page that carries a message to a service provider ---- */

static const char post_js[] =
    "/* Sekisho: submit the SAML form at once (the button stays for browsers without "
    "scripts). */\n"
    "document.addEventListener('DOMContentLoaded', function () {\n"
    "  var f = document.getElementById('saml-post');\n"
    "  if (f) { f.submit(); }\n"
    "});\n";

int web_saml_post_js(struct web_req *r)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
	    sizeof post_js - 1, (void *)post_js, MHD_RESPMEM_PERSISTENT);
	int ret;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        "text/javascript; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=3600");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	r->status = 200;
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* The origin of an SP endpoint (from its registered metadata) for the
 * page's form-action; false for anything that could bend the header. */
static bool origin_of(const char *url, char *out, size_t outsz)
{
	const char *p = strstr(url, "://"), *end;
	size_t n;

	if (!p || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return false;
	end = p + 3 + strcspn(p + 3, "/?#");
	n = (size_t)(end - url);
	if (n >= outsz || n <= (size_t)(p + 3 - url))
		return false;
	for (const char *c = url; c < end; c++)
		if (*c <= ' ' || *c >= 127 || strchr(";,'\"\\", *c))
			return false;
	memcpy(out, url, n);
	out[n] = 0;
	return true;
}

/* Send o to the browser: a redirect, or the auto-submitting form. */
static int deliver(struct web_req *r, const struct saml_out *o, bool logout)
{
	struct web_buf b;
	int ret;

	if (!o->body)
		return web_redirect(r, o->url);
	if (!origin_of(o->url, r->csp_post_origin, sizeof r->csp_post_origin)) {
		idp_error("tenant %s: SAML endpoint %.200s is no http(s) URL", r->slug, o->url);
		return web_page_message(r, 500, web_t(r, M_UNAVAILABLE_TITLE),
		                        web_t(r, M_UNAVAILABLE));
	}
	web_buf_init(&b, 512 * 1024);
	web_page_begin(&b, r, web_t(r, logout ? M_SSO_LOGOUT_TITLE : M_SSO_TITLE));
	web_buf_puts(&b, "<section class=\"card narrow\"><h1>");
	web_buf_esc(&b, web_t(r, logout ? M_SSO_LOGOUT_TITLE : M_SSO_TITLE));
	web_buf_puts(&b, "</h1><form method=\"post\" id=\"saml-post\" action=\"");
	web_buf_esc(&b, o->url);
	web_buf_printf(&b, "\"><input type=\"hidden\" name=\"%s\" value=\"", o->field);
	web_buf_esc(&b, o->body);
	web_buf_puts(&b, "\">");
	if (o->relay[0]) {
		web_buf_puts(&b, "<input type=\"hidden\" name=\"RelayState\" value=\"");
		web_buf_esc(&b, o->relay);
		web_buf_puts(&b, "\">");
	}
	web_buf_puts(&b, "<p>");
	web_buf_esc(&b, web_t(r, M_SSO_CONTINUE_TO));
	web_buf_esc(&b, r->csp_post_origin);
	web_buf_puts(&b, "</p><button type=\"submit\" id=\"continue\">");
	web_buf_esc(&b, web_t(r, M_SSO_CONTINUE));
	web_buf_puts(&b, "</button></form></section>"
	                 "<script src=\"/static/saml-post.js\"></script>");
	web_page_end(&b, r);
	ret = web_respond_buf(r, 200, "text/html; charset=utf-8", &b);
	web_buf_free(&b);
	return ret;
}

/* ---- reading the bindings ---- */

/* What arrived, whichever binding. */
struct inbound {
	bool redirect; /* HTTP-Redirect (else HTTP-POST) */
	struct saml_redirect q;
	char *xml;
	size_t len;
	char relay[SAML_RELAY_MAX + 1];
	struct saml_msg m;
};

static void inbound_free(struct inbound *in)
{
	saml_redirect_free(&in->q);
	free(in->xml);
}

/* The raw query string as received (for the Redirect signature). */
static const char *raw_query(const struct web_req *r)
{
	const struct web_ctx *x = (const struct web_ctx *)r;
	const char *q = strchr(x->raw_uri, '?');

	return q ? q + 1 : "";
}

/* One field of the raw form body (percent-decoded, new), or NULL. */
static char *body_field(const struct web_req *r, const char *name, bool *twice)
{
	const char *p = r->body ? r->body : "", *end = p + r->body_len;
	size_t nl = strlen(name);
	char *found = NULL;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		if ((size_t)(stop - p) > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
			if (found) {
				*twice = true;
				free(found);
				return NULL;
			}
			if (saml_urldecode(p + nl + 1, (size_t)(stop - p - nl - 1), &found) !=
			    IDP_OK)
				return NULL;
		}
		p = stop + 1;
	}
	return found;
}

/* Read the message of a GET (Redirect) or POST request; false with *why
 * (and *status) when it is refused before anything else is known. */
static bool read_inbound(struct web_req *r, bool want_request, struct inbound *in, const char **why,
                         unsigned *status)
{
	enum idp_err err;

	memset(in, 0, sizeof *in);
	*status = 400;
	if (strcmp(r->method, "GET") == 0) {
		in->redirect = true;
		if (web_query(r, "SAMLart")) {
			*why = "the Artifact binding is not supported";
			return false;
		}
		err = saml_redirect_parse(raw_query(r), &in->q, why);
		if (!err && in->q.response == want_request) {
			*why = want_request ? "a SAMLResponse where a request was expected"
			                    : "a SAMLRequest where a response was expected";
			err = IDP_ERR_INVALID;
		}
		if (!err)
			err = saml_decode(in->q.msg, true, &in->xml, &in->len, why);
		if (!err && in->q.relay)
			idp_copy(in->relay, sizeof in->relay, in->q.relay);
	} else {
		const char *ct = web_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
		bool twice = false;
		char *msg, *relay;
		if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
			*why = "the POST binding needs a form (SOAP is not supported)";
			return false;
		}
		msg = body_field(r, want_request ? "SAMLRequest" : "SAMLResponse", &twice);
		relay = body_field(r, "RelayState", &twice);
		err = IDP_OK;
		if (twice) {
			*why = "a SAML field appears twice";
			err = IDP_ERR_INVALID;
		} else if (!msg) {
			*why = want_request ? "no SAMLRequest" : "no SAMLResponse";
			err = IDP_ERR_INVALID;
		} else if (relay && strlen(relay) > SAML_RELAY_MAX) {
			*why = "RelayState is longer than 1024 bytes";
			err = IDP_ERR_TOO_LARGE;
		}
		if (!err)
			err = saml_decode(msg, false, &in->xml, &in->len, why);
		if (!err && relay)
			idp_copy(in->relay, sizeof in->relay, relay);
		free(msg);
		free(relay);
	}
	if (!err)
		err = saml_inspect(in->xml, in->len, &in->m, why);
	if (err == IDP_ERR_TOO_LARGE)
		*status = 413;
	if (err == IDP_ERR_NOMEM) {
		*why = "out of memory";
		*status = 503;
	}
	return err == IDP_OK;
}

/* ---- common steps ---- */

static void base_of(const struct web_req *r, char out[700])
{
	snprintf(out, 700, "%s/t/%s", idp_rt.cfg->public_url, r->slug);
}

/* Record a refused message (saml.refused) and count it. */
static void refused(struct web_req *r, const char *email, const char *sp, const char *reason,
                    const char *detail)
{
	idp_saml_refused(&r->tenant, &r->ri, email, sp, reason, detail);
	web_metrics_saml_refused(r);
}

static int refuse(struct web_req *r, unsigned status, enum web_msg msg, const char *sp,
                  const char *reason, const char *detail)
{
	refused(r, r->have_session ? r->session.email : "", sp, reason, detail);
	return web_page_message(r, status, web_t(r, M_SSO_REFUSED_TITLE), web_t(r, msg));
}

static int unavailable(struct web_req *r)
{
	return web_page_message(r, 503, web_t(r, M_UNAVAILABLE_TITLE), web_t(r, M_UNAVAILABLE));
}

static struct saml_idp *idp_of(struct web_req *r)
{
	struct saml_idp *idp = NULL;
	char base[700];

	base_of(r, base);
	return saml_idp_get(r->snap, base, &idp) == IDP_OK ? idp : NULL;
}

/* Signature, destination, freshness: what every inbound message from sp
 * must pass.  must_sign: the SP's metadata or the tenant's policy asks. */
static const char *check_common(struct web_req *r, const struct inbound *in,
                                const struct saml_sp *sp, const char *endpoint, bool must_sign)
{
	char want[800];
	const char *why = NULL;

	snprintf(want, sizeof want, "%s/t/%s/saml/%s", idp_rt.cfg->public_url, r->slug, endpoint);
	if (in->redirect && in->m.signed_inline)
		return "an enveloped signature in an HTTP-Redirect message";
	if (in->redirect && in->q.sigalg) {
		if (saml_redirect_verify_keys(&in->q, sp->sign_keys, sp->meta->n_signing, &why))
			return why;
	} else if (must_sign && !in->m.signed_inline) {
		return "the message is not signed but must be";
	}
	/* Bindings §3.4.5.2, §3.5.5.2: a signed message names its Destination. */
	if ((in->q.sigalg || in->m.signed_inline) && !in->m.destination[0])
		return "a signed message without Destination";
	if (in->m.destination[0] && strcmp(in->m.destination, want) != 0)
		return "Destination is not this endpoint";
	if (!idp_saml_instant_ok(in->m.issue_instant, (int64_t)time(NULL)))
		return "IssueInstant is too old or in the future";
	return NULL;
}

/* ---- single sign-on ---- */

static void login_url(struct web_req *r, const char *handle, bool reauth, struct web_buf *b)
{
	char cont[300];

	snprintf(cont, sizeof cont, "/t/%s/saml/sso?resume=%s", r->slug, handle);
	web_buf_printf(b, "/t/%s/login?%srd=", r->slug, reauth ? "reauth=1&" : "");
	web_buf_urlenc(b, cont);
}

/* The NameID format for this request: what its NameIDPolicy asks when
 * that is allowed (a format Sekisho supports that the SP's metadata
 * declares), else the SP's setting: SAML libraries ask for "transient" by
 * default (Lasso, hence mod_auth_mellon, does), which must not undo the
 * administrator's choice.  NULL: a format Sekisho does not support. */
static const char *nameid_format(const struct saml_sp *sp, const struct saml_msg *m)
{
	const char *want;

	if (!m->has_nameid_policy || !m->nameid_format[0] ||
	    strcmp(m->nameid_format, "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified") == 0)
		return sp->sp.nameid_format;
	want = idp_nameid_format_short(m->nameid_format);
	if (!want)
		return NULL;
	for (int i = 0; i < sp->meta->n_formats; i++)
		if (strcmp(sp->meta->formats[i], m->nameid_format) == 0)
			return want;
	return sp->sp.nameid_format;
}

/* Answer with an error Response to the SP's ACS (the spec's way for a
 * request that was itself fine). */
static int fail_to_sp(struct web_req *r, struct saml_sso *s, const char *relay, bool requester,
                      const char *status2)
{
	struct saml_out o;
	int ret;

	if (saml_sso_fail(s, requester, status2, &o))
		return unavailable(r);
	idp_copy(o.relay, sizeof o.relay, relay);
	ret = deliver(r, &o, false);
	saml_out_free(&o);
	return ret;
}

/* Issue and send the assertion for r's session. */
static int answer(struct web_req *r, struct saml_sso *s, const struct saml_sp *sp,
                  const char *format, const char *request_id, const char *park_handle,
                  const char *relay)
{
	struct idp_saml_issue io = {.sp = &sp->sp,
	                            .s = &r->session,
	                            .request_id = request_id,
	                            .park_handle = park_handle,
	                            .format = format,
	                            .authn_context = idp_saml_authn_context(r->session.amr)};
	struct saml_out o;
	enum idp_err err = idp_saml_issue(&r->tenant, &r->ri, &io);
	int ret;

	if (err == IDP_ERR_CONFLICT)
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "replayed",
		              "the request ID was seen before");
	if (err == IDP_ERR_NOT_FOUND)
		return web_page_message(r, 400, web_t(r, M_SSO_REFUSED_TITLE),
		                        web_t(r, M_SSO_EXPIRED));
	if (err)
		return unavailable(r);
	struct saml_who who = {.nameid = io.nameid,
	                       .format = format,
	                       .email = r->session.email,
	                       .name = r->session.name,
	                       .role = idp_role_name(r->session.role),
	                       .authn_context = io.authn_context,
	                       .session_index = io.session_index,
	                       .authn_instant = r->session.created_at,
	                       .session_not_on_or_after = r->session.expires_at};
	if (saml_sso_respond(s, &who, &o))
		return unavailable(r);
	idp_copy(o.relay, sizeof o.relay, relay);
	ret = deliver(r, &o, false);
	saml_out_free(&o);
	return ret;
}

/* A password the administrator set, or one past its expiry, is changed
 * before any assertion (the route reaches the handler so the refusal is
 * recorded against the SP). */
static int password_first(struct web_req *r, const struct saml_sp *sp)
{
	char to[200];

	refused(r, r->session.email, sp->sp.entity_id, idp_saml_refusal_name(IDP_SAML_PASSWORD),
	        NULL);
	snprintf(to, sizeof to, "/t/%s/password", r->slug);
	return web_redirect(r, to);
}

/* Decide for an accepted request: answer, park for a login, or refuse.
 * xml is what gets parked; handle is set when it is parked already. */
static int decide(struct web_req *r, struct saml_sso *s, const struct saml_sp *sp,
                  const struct saml_msg *m, const char *xml, const char *relay, const char *handle,
                  int64_t session_before)
{
	const char *format = nameid_format(sp, m);
	enum idp_saml_refusal why = IDP_SAML_OK;
	bool reauth = false, need_login;

	if (!format) {
		refused(r, r->have_session ? r->session.email : "", sp->sp.entity_id,
		        "nameid_policy", m->nameid_format);
		return fail_to_sp(r, s, relay, true,
		                  "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy");
	}
	if (r->have_session) {
		why = idp_saml_may_issue(&r->tenant, &r->session, &sp->sp);
		/* ForceAuthn: the password (and MFA) again, after the request:
		 * a login replaces the session, so a parked request is answered
		 * only for another session than the one present when it came. */
		if (m->force_authn && (!handle || r->session.id == session_before))
			reauth = true;
		if (why == IDP_SAML_MFA)
			reauth = true;
	}
	need_login = !r->have_session || reauth;
	if (need_login && m->is_passive) {
		refused(r, r->have_session ? r->session.email : "", sp->sp.entity_id, "no_passive",
		        NULL);
		if (!handle &&
		    idp_saml_request_seen(&r->tenant, sp->sp.id, m->id) == IDP_ERR_CONFLICT)
			return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "replayed",
			              "the request ID was seen before");
		return fail_to_sp(r, s, relay, false,
		                  "urn:oasis:names:tc:SAML:2.0:status:NoPassive");
	}
	if (need_login) {
		char h[IDP_TOKEN_LEN + 1];
		struct web_buf b;
		int ret;
		if (!handle) {
			struct idp_saml_parked p = {.sp_id = sp->sp.id,
			                            .xml = (char *)xml,
			                            .force_authn = m->force_authn,
			                            .session_before =
			                                r->have_session ? r->session.id : 0};
			enum idp_err err;
			idp_copy(p.request_id, sizeof p.request_id, m->id);
			idp_copy(p.relay, sizeof p.relay, relay);
			err = idp_saml_park(&r->tenant, &p, h);
			if (err == IDP_ERR_CONFLICT)
				return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id,
				              "replayed", "the request ID was seen before");
			if (err)
				return unavailable(r);
			handle = h;
		}
		web_buf_init(&b, 4096);
		login_url(r, handle, reauth && r->have_session, &b);
		ret = web_redirect(r, b.data);
		web_buf_free(&b);
		return ret;
	}
	if (why == IDP_SAML_PASSWORD)
		return password_first(r, sp);
	if (why == IDP_SAML_ROLE)
		return refuse(r, 403, M_SSO_ROLE, sp->sp.entity_id, idp_saml_refusal_name(why),
		              NULL);
	return answer(r, s, sp, format, handle ? NULL : m->id, handle, relay);
}

static int sso_resume(struct web_req *r, const char *handle)
{
	struct idp_saml_parked p;
	struct saml_idp *idp;
	const struct saml_sp *sp;
	struct saml_sso *s = NULL;
	struct saml_msg m;
	const char *why = NULL;
	enum idp_err err = idp_saml_parked(&r->tenant, handle, &p);
	int ret;

	if (err == IDP_ERR_NOT_FOUND)
		return web_page_message(r, 400, web_t(r, M_SSO_REFUSED_TITLE),
		                        web_t(r, M_SSO_EXPIRED));
	if (err)
		return unavailable(r);
	idp = idp_of(r);
	sp = idp ? saml_idp_sp_by_id(idp, p.sp_id) : NULL;
	if (!idp)
		ret = unavailable(r);
	else if (!sp)
		ret = refuse(r, 400, M_SSO_UNKNOWN_SP, NULL, "unknown_sp", "removed while parked");
	else if (saml_inspect(p.xml, strlen(p.xml), &m, &why) != IDP_OK ||
	         saml_sso_begin(idp, sp, p.xml, false, &s, &why) != IDP_OK)
		ret = refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	else
		ret = decide(r, s, sp, &m, p.xml, p.relay, handle, p.session_before);
	saml_sso_free(s);
	free(p.xml);
	return ret;
}

static int sso(struct web_req *r)
{
	struct inbound in;
	struct saml_idp *idp;
	const struct saml_sp *sp;
	struct saml_sso *s = NULL;
	const char *why = NULL;
	unsigned status;
	int ret;

	if (strcmp(r->method, "GET") == 0 && web_query(r, "resume") && !web_query(r, "SAMLRequest"))
		return sso_resume(r, web_query(r, "resume"));
	if (!read_inbound(r, true, &in, &why, &status)) {
		ret = status == 503 ? unavailable(r)
		                    : refuse(r, status, M_SSO_BAD_REQUEST, NULL, "invalid", why);
		inbound_free(&in);
		return ret;
	}
	if (in.m.kind != SAML_AUTHN_REQUEST) {
		ret = refuse(r, 400, M_SSO_BAD_REQUEST, in.m.issuer, "invalid",
		             "not an AuthnRequest");
	} else if (!(idp = idp_of(r))) {
		ret = unavailable(r);
	} else if (!(sp = saml_idp_sp(idp, in.m.issuer))) {
		ret = refuse(r, 400, M_SSO_UNKNOWN_SP, in.m.issuer, "unknown_sp", NULL);
	} else if ((why = check_common(r, &in, sp, "sso",
	                               sp->meta->authn_requests_signed ||
	                                   r->tenant.policy.saml.want_signed_requests))) {
		ret = refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	} else if (saml_sso_begin(idp, sp, in.xml, !in.redirect && in.m.signed_inline, &s, &why)) {
		ret = refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	} else {
		ret = decide(r, s, sp, &in.m, in.xml, in.relay, NULL, 0);
	}
	saml_sso_free(s);
	inbound_free(&in);
	return ret;
}

/* IdP-initiated: GET /saml/init?sp=ENTITYID with a session. */
static int init(struct web_req *r)
{
	const char *entity = web_query(r, "sp");
	struct saml_idp *idp = idp_of(r);
	const struct saml_sp *sp = idp && entity ? saml_idp_sp(idp, entity) : NULL;
	struct saml_sso *s = NULL;
	enum idp_saml_refusal why;
	int ret;

	if (!idp)
		return unavailable(r);
	if (!sp)
		return refuse(r, 404, M_SSO_UNKNOWN_SP, entity, "unknown_sp", NULL);
	why = idp_saml_may_issue(&r->tenant, &r->session, &sp->sp);
	if (why == IDP_SAML_MFA) {
		struct web_buf b, rd;
		web_buf_init(&rd, 4096);
		web_buf_printf(&rd, "%s?sp=", r->path);
		web_buf_urlenc(&rd, entity);
		web_buf_init(&b, 8192);
		web_buf_printf(&b, "/t/%s/login?reauth=1&rd=", r->slug);
		web_buf_urlenc(&b, rd.data ? rd.data : "");
		ret = web_redirect(r, b.data);
		web_buf_free(&b);
		web_buf_free(&rd);
		return ret;
	}
	if (why == IDP_SAML_PASSWORD)
		return password_first(r, sp);
	if (why != IDP_SAML_OK)
		return refuse(r, 403, M_SSO_ROLE, sp->sp.entity_id, idp_saml_refusal_name(why),
		              NULL);
	if (saml_sso_begin_unsolicited(idp, sp, &s))
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid",
		              "no assertion consumer service for an unsolicited response");
	ret = answer(r, s, sp, sp->sp.nameid_format, NULL, NULL, "");
	saml_sso_free(s);
	return ret;
}

/* ---- single logout ---- */

/* The next service provider of session_id's logout, or the login page when
 * none is left.  The IdP session has ended already. */
int web_saml_logout_next(struct web_req *r, int64_t session_id)
{
	struct idp_saml_ssp *rows = NULL;
	struct saml_idp *idp = idp_of(r);
	char done[200];
	int n = 0, ret = -1;

	snprintf(done, sizeof done, "/t/%s/login?logged_out=1", r->slug);
	if (!idp || idp_saml_session_sps(&r->tenant, session_id, &rows, &n) != IDP_OK)
		return web_redirect(r, done);
	for (int i = 0; i < n && ret < 0; i++) {
		const struct saml_sp *sp = saml_idp_sp_by_id(idp, rows[i].sp_id);
		struct saml_out o;
		char *id = NULL;
		enum idp_err err;
		if (rows[i].logout_id[0])
			continue; /* asked already, the browser did not come back */
		/* A RelayState the SP echoes (mod_auth_mellon needs one). */
		err = sp ? saml_logout_request(idp, sp, rows[i].nameid, rows[i].format,
		                               rows[i].session_index, "logout", &o, &id)
		         : IDP_ERR_NOT_FOUND;
		if (err) {
			idp_saml_logout_sent(&r->tenant, session_id, rows[i].sp_id, NULL);
			continue;
		}
		if (idp_saml_logout_sent(&r->tenant, session_id, rows[i].sp_id, id) == IDP_OK)
			ret = deliver(r, &o, true);
		saml_out_free(&o);
		free(id);
	}
	free(rows);
	return ret >= 0 ? ret : web_redirect(r, done);
}

static int slo_request(struct web_req *r, struct saml_idp *idp, const struct saml_sp *sp,
                       struct inbound *in)
{
	struct saml_out o;
	const char *why = NULL;
	bool ended;
	enum idp_err err;
	int ret;

	/* Logout messages are always signed (STYLE.md §9). */
	why = check_common(r, in, sp, "slo", true);
	if (why)
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	err = idp_saml_sp_logout(&r->tenant, &r->ri, &sp->sp, in->m.nameid, in->m.session_index);
	if (err && err != IDP_ERR_NOT_FOUND)
		return unavailable(r);
	ended = err == IDP_OK;
	if (ended && r->have_session)
		web_set_session_cookie(r, "", true);
	if (saml_logout_answer(idp, sp, in->xml, in->redirect, in->relay, ended, &o, &why))
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	idp_copy(o.relay, sizeof o.relay, in->relay);
	ret = deliver(r, &o, true);
	saml_out_free(&o);
	return ret;
}

static int slo_response(struct web_req *r, struct saml_idp *idp, const struct saml_sp *sp,
                        struct inbound *in)
{
	int64_t session_id = 0;
	const char *why = NULL;

	(void)idp;
	if (in->redirect && in->q.sigalg &&
	    saml_redirect_verify_keys(&in->q, sp->sign_keys, sp->meta->n_signing, &why))
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid", why);
	/* The answer to a LogoutRequest of ours: its InResponseTo names the
	 * request (a random ID only that SP was sent). */
	if (idp_saml_logout_answered(&r->tenant, sp->sp.id, in->m.in_response_to, &session_id))
		return refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid",
		              "a LogoutResponse to no request of ours");
	if (strcmp(in->m.status, "urn:oasis:names:tc:SAML:2.0:status:Success") != 0)
		idp_warn("tenant %s: %.200s answered logout with %.200s", r->slug, sp->sp.entity_id,
		         in->m.status);
	return web_saml_logout_next(r, session_id);
}

static int slo(struct web_req *r)
{
	struct inbound in;
	struct saml_idp *idp;
	const struct saml_sp *sp;
	const char *why = NULL;
	unsigned status;
	bool response = strcmp(r->method, "GET") == 0
	                    ? strstr(raw_query(r), "SAMLResponse=") != NULL
	                    : r->body_len && r->body && strstr(r->body, "SAMLResponse=") != NULL;
	int ret;

	if (!read_inbound(r, !response, &in, &why, &status)) {
		ret = status == 503 ? unavailable(r)
		                    : refuse(r, status, M_SSO_BAD_REQUEST, NULL, "invalid", why);
		inbound_free(&in);
		return ret;
	}
	if (!(idp = idp_of(r)))
		ret = unavailable(r);
	else if (!(sp = saml_idp_sp(idp, in.m.issuer)))
		ret = refuse(r, 400, M_SSO_UNKNOWN_SP, in.m.issuer, "unknown_sp", NULL);
	else if (in.m.kind == SAML_LOGOUT_REQUEST && !response)
		ret = slo_request(r, idp, sp, &in);
	else if (in.m.kind == SAML_LOGOUT_RESPONSE && response)
		ret = slo_response(r, idp, sp, &in);
	else
		ret = refuse(r, 400, M_SSO_BAD_REQUEST, sp->sp.entity_id, "invalid",
		             "not a LogoutRequest or LogoutResponse");
	inbound_free(&in);
	return ret;
}

const struct web_route web_routes_sso[] = {
    {"GET", "/saml/sso", sso, WEB_TENANT | WEB_SAML | WEB_FORCED_OK},
    {"POST", "/saml/sso", sso, WEB_TENANT | WEB_SAML | WEB_RAW_FORM | WEB_FORCED_OK},
    {"GET", "/saml/init", init, WEB_TENANT | WEB_SAML | WEB_SESSION | WEB_FORCED_OK},
    {"GET", "/saml/slo", slo, WEB_TENANT | WEB_SAML | WEB_FORCED_OK},
    {"POST", "/saml/slo", slo, WEB_TENANT | WEB_SAML | WEB_RAW_FORM | WEB_FORCED_OK},
    {NULL, NULL, NULL, 0},
};
