/*
 * The Lasso thread rules (STYLE.md §9, STACK.md) under load: lasso_init()
 * once in main, then THREADS threads that each build their own IdP with
 * saml_idp_new from the same inputs (as every worker of the daemon does,
 * at the same moment) and their own Lasso SP, and run ROUNDS single
 * sign-ons (SP request -> saml_redirect_verify/saml_decode/saml_inspect ->
 * saml_sso_begin -> saml_sso_respond -> the SP accepts and reads the
 * NameID), single logouts answered by the IdP (saml_logout_answer, the SP
 * accepts Success) and LogoutRequests sent by the IdP
 * (saml_logout_request), all concurrently, every result checked.
 *
 * Built into a ThreadSanitizer build by scripts/test (build-tsan), where a
 * race on anything the threads share is reported and fails the run; in
 * the normal and AddressSanitizer builds it is an ordinary unit test.
 */
#include <glib.h>
#include <lasso/lasso.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <lasso/xml/saml-2.0/saml2_name_id.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/samlp2_status.h>
#include <lasso/xml/saml-2.0/samlp2_status_code.h>
#include <lasso/xml/saml-2.0/samlp2_status_response.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/x509gen.h"
#include "saml/idp.h"
#include "saml/message.h"
#include "saml/metadata.h"
#include "tests/unit/check.h"

#ifndef THREADS
#define THREADS 4
#endif
#define ROUNDS 200 /* SAML_THREADS_ROUNDS overrides (helgrind runs fewer) */

static int rounds = ROUNDS;

#define BASE   "https://idp.test/t/acme"
#define IDP_ID BASE "/saml/metadata"
#define SP_ID  "https://sp.test/saml"

/* ---- what every thread shares, read-only once the threads start ---- */

static char *idp_key, *idp_cert, *sp_key, *sp_cert, *idp_md, *sp_md;
static struct idp_sp_full sp_row;
static pthread_barrier_t start;

static void keypair(const char *cn, char **key, char **cert)
{
	unsigned char sha[32];

	if (idp_x509_keypair(2048, cn, 10, key, cert, sha) != IDP_OK)
		abort();
}

static char *b64_body(const char *pem)
{
	const char *b = strstr(pem, "-----\n") + 6, *e = strstr(pem, "-----END");
	char *out = malloc((size_t)(e - b) + 1);
	size_t j = 0;

	for (; b < e; b++)
		if (*b != '\n')
			out[j++] = *b;
	out[j] = 0;
	return out;
}

static char *sp_metadata(const char *cert_pem)
{
	char *c = b64_body(cert_pem), *out;
	size_t n = strlen(c) + 2048;

	out = malloc(n);
	snprintf(
	    out, n,
	    "<EntityDescriptor entityID=\"" SP_ID "\" "
	    "xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
	    "xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
	    "<SPSSODescriptor protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
	    "AuthnRequestsSigned=\"true\">"
	    "<KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s"
	    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>"
	    "<SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	    "Location=\"https://sp.test/slo\"/>"
	    "<AssertionConsumerService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST\" "
	    "Location=\"https://sp.test/acs\" index=\"0\" isDefault=\"true\"/>"
	    "</SPSSODescriptor></EntityDescriptor>",
	    c);
	free(c);
	return out;
}

/* Whether an xs:dateTime Lasso or the IdP wrote is UTC now (+-120 s).
 * The process runs with TZ=JST-9 (main): a local time written where UTC
 * belongs is nine hours off and cannot pass. */
static __thread char bad_instant[200];

static bool utc_now(const char *s)
{
	struct tm tm = {0};
	const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	int64_t t, now = (int64_t)time(NULL);

	if (!end || (*end != 'Z' && *end != '.'))
		return false;
	t = (int64_t)timegm(&tm);
	if (t > now - 120 && t < now + 120)
		return true;
	snprintf(bad_instant, sizeof bad_instant, "%s is %+lld s from now", s,
	         (long long)(t - now));
	return false;
}

/* ---- one thread ---- */

struct worker {
	pthread_t tid;
	int n;
	int built, sso_ok, slo_ok, sent_ok, n_failed;
	char first_failure[200];
};

static void failed(struct worker *w, int round, const char *what)
{
	w->n_failed++;
	if (!w->first_failure[0])
		snprintf(w->first_failure, sizeof w->first_failure, "round %d: %s%s%s", round, what,
		         bad_instant[0] ? ": " : "", bad_instant);
	bad_instant[0] = 0;
}

/* The thread's own SP: a Lasso server with a preloaded signing key. */
static LassoServer *sp_server(void)
{
	LassoServer *srv = lasso_server_new_from_buffers(sp_md, sp_key, NULL, sp_cert);
	LassoKey *k;
	LassoProvider *p;

	if (!srv)
		return NULL;
	srv->signature_method = LASSO_SIGNATURE_METHOD_RSA_SHA256;
	if (lasso_server_add_provider_from_buffer(srv, LASSO_PROVIDER_ROLE_IDP, idp_md, NULL,
	                                          NULL) != 0) {
		lasso_server_destroy(srv);
		return NULL;
	}
	p = lasso_server_get_provider(srv, IDP_ID);
	k = lasso_key_new_for_signature_from_memory(sp_key, strlen(sp_key), NULL,
	                                            LASSO_SIGNATURE_METHOD_RSA_SHA256, NULL);
	if (p && k)
		lasso_provider_set_server_signing_key(p, k);
	if (k)
		g_object_unref(k);
	return srv;
}

/* One SSO for nameid; the SP's session dump on success (g_free). */
static char *one_sso(struct saml_idp *idp, const struct saml_sp *sp, LassoServer *srv,
                     const char *nameid, const char **what)
{
	LassoLogin *sl = lasso_login_new(srv);
	LassoProfile *p = LASSO_PROFILE(sl);
	struct saml_redirect q;
	struct saml_msg m;
	struct saml_sso *sso = NULL;
	struct saml_out out = {0};
	char *xml = NULL, *dump = NULL;
	size_t len = 0;
	const char *why = NULL;
	int64_t now = (int64_t)time(NULL);
	struct saml_who who = {.nameid = nameid,
	                       .format = "persistent",
	                       .email = "alice@example.com",
	                       .name = "Alice",
	                       .role = "user",
	                       .authn_context =
	                           LASSO_SAML2_AUTHN_CONTEXT_PASSWORD_PROTECTED_TRANSPORT,
	                       .session_index = "_s1",
	                       .authn_instant = now,
	                       .session_not_on_or_after = now + 3600};
	LassoSaml2NameID *nid;

	memset(&q, 0, sizeof q);
	*what = "the SP's request not built";
	if (lasso_login_init_authn_request(sl, IDP_ID, LASSO_HTTP_METHOD_REDIRECT) != 0 ||
	    lasso_login_build_authn_request_msg(sl) != 0 || !p->msg_url || !strchr(p->msg_url, '?'))
		goto out;
	*what = "the request not read";
	if (saml_redirect_parse(strchr(p->msg_url, '?') + 1, &q, &why) != IDP_OK ||
	    saml_redirect_verify(&q, sp->meta->signing, sp->meta->n_signing, &why) != IDP_OK ||
	    saml_decode(q.msg, true, &xml, &len, &why) != IDP_OK ||
	    saml_inspect(xml, len, &m, &why) != IDP_OK || m.kind != SAML_AUTHN_REQUEST)
		goto out;
	*what = "the IdP did not answer";
	if (saml_sso_begin(idp, sp, xml, false, &sso, &why) != IDP_OK ||
	    saml_sso_respond(sso, &who, &out) != IDP_OK || !out.body ||
	    strcmp(out.url, "https://sp.test/acs") != 0)
		goto out;
	*what = "the SP refused the response";
	if (lasso_login_process_authn_response_msg(sl, out.body) != 0 ||
	    lasso_login_accept_sso(sl) != 0 || p->signature_status != 0)
		goto out;
	*what = "an IssueInstant in the Response is not UTC now";
	{
		LassoSamlp2Response *r = LASSO_SAMLP2_RESPONSE(p->response);
		LassoSaml2Assertion *a = r->Assertion ? r->Assertion->data : NULL;
		if (!utc_now(LASSO_SAMLP2_STATUS_RESPONSE(r)->IssueInstant) || !a ||
		    !utc_now(a->IssueInstant))
			goto out;
	}
	*what = "the SP read another NameID";
	nid = LASSO_IS_SAML2_NAME_ID(p->nameIdentifier) ? LASSO_SAML2_NAME_ID(p->nameIdentifier)
	                                                : NULL;
	if (!nid || !nid->content || strcmp(nid->content, nameid) != 0)
		goto out;
	dump = lasso_session_dump(lasso_profile_get_session(p));
	*what = NULL;
out:
	saml_out_free(&out);
	saml_sso_free(sso);
	saml_redirect_free(&q);
	free(xml);
	lasso_login_destroy(sl);
	return dump;
}

/* The SP logs out of the session in dump over POST; the IdP answers. */
static const char *one_slo(struct saml_idp *idp, const struct saml_sp *sp, LassoServer *srv,
                           const char *dump, const char *nameid)
{
	LassoLogout *lo = lasso_logout_new(srv);
	LassoProfile *p = LASSO_PROFILE(lo);
	struct saml_msg m;
	struct saml_out out = {0};
	char *xml = NULL;
	size_t len = 0;
	const char *why = NULL, *what = "the SP's LogoutRequest not built";
	LassoSamlp2StatusResponse *r;

	if (lasso_profile_set_session_from_dump(p, dump) != 0 ||
	    lasso_logout_init_request(lo, IDP_ID, LASSO_HTTP_METHOD_POST) != 0 ||
	    lasso_logout_build_request_msg(lo) != 0 || !p->msg_body)
		goto out;
	what = "the LogoutRequest not read";
	if (saml_decode(p->msg_body, false, &xml, &len, &why) != IDP_OK ||
	    saml_inspect(xml, len, &m, &why) != IDP_OK || m.kind != SAML_LOGOUT_REQUEST ||
	    !m.signed_inline || strcmp(m.nameid, nameid) != 0)
		goto out;
	what = "the IdP did not answer the LogoutRequest";
	if (saml_logout_answer(idp, sp, xml, false, NULL, true, &out, &why) != IDP_OK || !out.body)
		goto out;
	what = "the SP refused the LogoutResponse";
	lasso_profile_set_signature_verify_hint(p, LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE);
	if (lasso_logout_process_response_msg(lo, out.body) != 0 || p->signature_status != 0)
		goto out;
	r = LASSO_IS_SAMLP2_STATUS_RESPONSE(p->response) ? LASSO_SAMLP2_STATUS_RESPONSE(p->response)
	                                                 : NULL;
	what = "the LogoutResponse is not Success";
	if (!r || !r->Status || !r->Status->StatusCode || !r->Status->StatusCode->Value ||
	    strcmp(r->Status->StatusCode->Value, LASSO_SAML2_STATUS_CODE_SUCCESS) != 0)
		goto out;
	what = "the LogoutResponse's IssueInstant is not UTC now";
	if (!utc_now(r->IssueInstant))
		goto out;
	what = NULL;
out:
	saml_out_free(&out);
	free(xml);
	lasso_logout_destroy(lo);
	return what;
}

/* The IdP's own LogoutRequest to the SP (HTTP-POST: its only SLO binding). */
static const char *one_sent(struct saml_idp *idp, const struct saml_sp *sp, const char *nameid)
{
	struct saml_out out = {0};
	char *id = NULL, *xml = NULL;
	size_t len = 0;
	struct saml_msg m;
	const char *why = NULL, *what = "the IdP's LogoutRequest not built";

	if (saml_logout_request(idp, sp, nameid, "persistent", "_s1", "r", &out, &id) == IDP_OK &&
	    out.body && strcmp(out.url, "https://sp.test/slo") == 0 && id) {
		what = "the IdP's LogoutRequest does not read back";
		bad_instant[0] = 0;
		if (saml_decode(out.body, false, &xml, &len, &why) == IDP_OK &&
		    saml_inspect(xml, len, &m, &why) == IDP_OK && m.signed_inline &&
		    strcmp(m.id, id) == 0 && strcmp(m.nameid, nameid) == 0) {
			int64_t now = (int64_t)time(NULL);
			what = NULL;
			if (m.issue_instant <= now - 120 || m.issue_instant >= now + 120) {
				snprintf(bad_instant, sizeof bad_instant, "%+lld s from now",
				         (long long)(m.issue_instant - now));
				what = "the IdP's LogoutRequest's IssueInstant is not UTC now";
			}
		}
	}
	free(xml);
	free(id);
	saml_out_free(&out);
	return what;
}

/* n rounds of SSO, SLO answered and SLO sent with an IdP and an SP of
 * w's own. */
static void work(struct worker *w, int n)
{
	struct saml_idp_in in = {.tenant_id = 1,
	                         .version = "v1",
	                         .base = BASE,
	                         .key_pem = idp_key,
	                         .cert_pem = idp_cert,
	                         .want_signed_requests = true,
	                         .sps = &sp_row,
	                         .n_sps = 1};
	struct saml_idp *idp = NULL;
	const struct saml_sp *sp;
	LassoServer *srv;

	if (saml_idp_new(&in, &idp) != IDP_OK)
		idp = NULL;
	sp = idp ? saml_idp_sp(idp, SP_ID) : NULL;
	srv = sp_server();
	w->built = idp && sp && srv;
	if (!w->built) {
		failed(w, 0, "the IdP or the SP was not built");
		goto out;
	}
	for (int r = 0; r < n; r++) {
		char nameid[64], *dump;
		const char *what = NULL;
		snprintf(nameid, sizeof nameid, "p-%d-%d", w->n, r);
		dump = one_sso(idp, sp, srv, nameid, &what);
		if (!dump) {
			failed(w, r, what);
			continue;
		}
		w->sso_ok++;
		what = one_slo(idp, sp, srv, dump, nameid);
		if (what)
			failed(w, r, what);
		else
			w->slo_ok++;
		g_free(dump);
		what = one_sent(idp, sp, nameid);
		if (what)
			failed(w, r, what);
		else
			w->sent_ok++;
	}
out:
	saml_idp_free(idp);
	if (srv)
		lasso_server_destroy(srv);
}

static void *run(void *arg)
{
	/* Everyone builds at the same moment, as workers do at start. */
	pthread_barrier_wait(&start);
	work(arg, rounds);
	return NULL;
}

TEST(per_thread_idps_answer_sso_and_slo_concurrently)
{
	struct worker w[THREADS];
	struct timespec t0, t1;

	memset(w, 0, sizeof w);
	/* One round in this thread first: GObject initializes each Lasso
	 * class on its first instance, under GLib's type lock, a futex
	 * ThreadSanitizer cannot see; with every class ready before the
	 * threads start, what they share is what our code and Lasso share,
	 * not GLib's lazy set-up (the daemon's first requests do the same
	 * under GLib's lock). */
	{
		struct worker warm = {.n = -1};
		work(&warm, 1);
		CHECK(warm.built && warm.sso_ok == 1 && warm.slo_ok == 1 && warm.sent_ok == 1);
	}
	pthread_barrier_init(&start, NULL, THREADS);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < THREADS; i++) {
		w[i].n = i;
		CHECK(pthread_create(&w[i].tid, NULL, run, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(w[i].tid, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < THREADS; i++) {
		if (w[i].first_failure[0])
			printf("# thread %d: %d failures, the first: %s\n", i, w[i].n_failed,
			       w[i].first_failure);
		CHECK(w[i].built);
		CHECK(w[i].sso_ok == rounds);
		CHECK(w[i].slo_ok == rounds);
		CHECK(w[i].sent_ok == rounds);
	}
	printf("# %d threads x %d rounds (SSO, SLO answered, SLO sent) in %.1f s\n", THREADS,
	       rounds, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
}

int main(int argc, char **argv)
{
	const char *certs[1];
	struct saml_metadata_in mi = {BASE, certs, 1, true};

	/* GLib 2.74's slice allocator hands chunks from thread to thread
	 * through a futex lock ThreadSanitizer cannot see (false races):
	 * plain malloc instead.  GLib reads G_SLICE before main, hence the
	 * new image. */
	if (!getenv("G_SLICE")) {
		setenv("G_SLICE", "always-malloc", 1);
		execv("/proc/self/exe", argv);
	}
	if (getenv("SAML_THREADS_ROUNDS") && atoi(getenv("SAML_THREADS_ROUNDS")) > 0)
		rounds = atoi(getenv("SAML_THREADS_ROUNDS"));
	/* Local time nine hours from UTC, so that a local time written where
	 * UTC belongs shows; time zone read once here, before any thread. */
	setenv("TZ", "JST-9", 1);
	tzset();
	/* Process-wide set-up before any thread starts (STYLE.md §9). */
	lasso_init();
	keypair("acme SAML IdP", &idp_key, &idp_cert);
	keypair("sp.test", &sp_key, &sp_cert);
	certs[0] = idp_cert;
	if (saml_metadata(&mi, &idp_md) != IDP_OK)
		abort();
	sp_md = sp_metadata(sp_cert);
	sp_row.sp.id = 7;
	strcpy(sp_row.sp.entity_id, SP_ID);
	strcpy(sp_row.sp.name, "Test SP");
	strcpy(sp_row.sp.nameid_format, "persistent");
	strcpy(sp_row.sp.attributes, "email,name,role");
	strcpy(sp_row.sp.sign, "both");
	strcpy(sp_row.sp.roles, "user");
	sp_row.metadata = sp_md;

	RUN(per_thread_idps_answer_sso_and_slo_concurrently);

	free(idp_key);
	free(idp_cert);
	free(sp_key);
	free(sp_cert);
	free(idp_md);
	free(sp_md);
	lasso_shutdown();
	return check_summary();
}
