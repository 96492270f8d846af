/*
 * X.509 client certificates: see idp/clientcert.h.  Parsing and chain
 * verification are mfa/'s (OpenSSL); here are the tenant's trust anchors as
 * stored, the bindings to users and their audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/clientcert.h"
#include "idp/internal.h"
#include "idp/log.h"
#include "mfa/mfa.h"
#include "store/cert.h"
#include "store/user.h"

/* ---- the tenant's CAs and CRLs ---- */

struct list_args {
	struct store_ca *rows;
	int n;
};

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct list_args *a = arg;

	return store_ca_list(c, &a->rows, &a->n);
}

static void list_reset(void *arg)
{
	struct list_args *a = arg;

	store_cas_free(a->rows, a->n);
	a->rows = NULL;
	a->n = 0;
}

enum idp_err idp_client_cas_list(const struct idp_tenant *t, struct idp_client_ca **rows, int *n)
{
	struct list_args a = {0};
	enum idp_err err = idp_tx_run(t->id, list_tx, list_reset, &a);

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++) {
		struct idp_client_ca *o = &(*rows)[i];
		o->id = a.rows[i].id;
		o->crl = a.rows[i].crl;
		idp_copy(o->subject, sizeof o->subject, a.rows[i].subject);
		idp_copy(o->issuer, sizeof o->issuer, a.rows[i].issuer);
		o->not_after = a.rows[i].not_after;
		idp_hex(a.rows[i].sha256, sizeof a.rows[i].sha256, o->sha256);
		o->created_at = a.rows[i].created_at;
	}
	if (!err)
		*n = a.n;
	list_reset(&a);
	return err;
}

struct add_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const struct mfa_pem_item *items;
	size_t n;
};

static enum idp_err add_tx(struct store_conn *c, void *arg)
{
	struct add_args *a = arg;
	enum idp_err err = IDP_OK;

	for (size_t i = 0; !err && i < a->n; i++) {
		const struct mfa_pem_item *it = &a->items[i];
		struct store_ca ca = {.crl = it->kind == MFA_PEM_CRL,
		                      .der = it->der,
		                      .der_len = it->der_len,
		                      .not_after = it->not_after};
		char hex[65], *detail;
		idp_copy(ca.subject, sizeof ca.subject, it->subject);
		idp_copy(ca.issuer, sizeof ca.issuer, it->issuer);
		memcpy(ca.sha256, it->sha256, sizeof ca.sha256);
		idp_hex(it->sha256, sizeof it->sha256, hex);
		err = store_ca_insert(c, a->t->id, &ca, NULL);
		detail =
		    err ? NULL : idp_detail_json("kind", ca.crl ? "crl" : "cert", "sha256", hex);
		if (!err && !detail)
			err = IDP_ERR_NOMEM;
		if (!err)
			err = idp_audit_write(c, a->t->id, a->by, "client_ca.added", it->subject,
			                      "success", detail);
		free(detail);
	}
	return err;
}

enum idp_err idp_client_cas_add(const struct idp_tenant *t, const struct idp_actor *by,
                                const char *pem, size_t len, int *added, const char **why)
{
	struct mfa_pem_item *items = NULL;
	size_t n = 0;
	enum idp_err err;

	*added = 0;
	*why = "";
	err = mfa_pem_parse(pem, len, &items, &n, why);
	for (size_t i = 0; !err && i < n; i++) {
		if (items[i].kind == MFA_PEM_CERT && !items[i].is_ca) {
			*why = "a certificate in the bundle is not a CA (basicConstraints CA:TRUE)";
			err = IDP_ERR_INVALID;
		}
	}
	if (!err && n == 0) {
		*why = "no CERTIFICATE or X509 CRL block";
		err = IDP_ERR_INVALID;
	}
	if (!err) {
		struct add_args a = {t, by, items, n};
		err = idp_tx(t->id, add_tx, &a);
	}
	if (!err)
		*added = (int)n;
	if (err == IDP_ERR_INVALID && (!*why || !**why))
		*why = "the database refused an entry";
	if (err == IDP_ERR_INVALID)
		idp_info("client CA upload to tenant %s refused: %s", t->slug, *why);
	mfa_pem_items_free(items, n);
	return err;
}

struct del_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
};

static enum idp_err del_tx(struct store_conn *c, void *arg)
{
	struct del_args *a = arg;
	struct store_ca ca;
	char hex[65], *detail;
	enum idp_err err = store_ca_delete(c, a->id, &ca);

	if (err)
		return err;
	idp_hex(ca.sha256, sizeof ca.sha256, hex);
	detail = idp_detail_json("kind", ca.crl ? "crl" : "cert", "sha256", hex);
	err = idp_audit_write_owned(c, a->t->id, a->by, "client_ca.removed", ca.subject, "success",
	                            detail);
	return err;
}

enum idp_err idp_client_ca_delete(const struct idp_tenant *t, const struct idp_actor *by,
                                  int64_t id)
{
	struct del_args a = {t, by, id};

	return id > 0 ? idp_tx(t->id, del_tx, &a) : IDP_ERR_NOT_FOUND;
}

/* ---- a presented certificate ---- */

/* Verify der against rows (the tenant's CAs and CRLs). */
static bool verify_against(const unsigned char *der, size_t len, const struct store_ca *rows, int n,
                           const char **why)
{
	const unsigned char **cas = calloc((size_t)n + 1, sizeof *cas);
	const unsigned char **crls = calloc((size_t)n + 1, sizeof *crls);
	size_t *ca_lens = calloc((size_t)n + 1, sizeof *ca_lens);
	size_t *crl_lens = calloc((size_t)n + 1, sizeof *crl_lens);
	size_t n_cas = 0, n_crls = 0;
	bool ok = false;

	*why = "out of memory";
	if (cas && crls && ca_lens && crl_lens) {
		for (int i = 0; i < n; i++) {
			if (rows[i].crl) {
				crls[n_crls] = rows[i].der;
				crl_lens[n_crls++] = rows[i].der_len;
			} else {
				cas[n_cas] = rows[i].der;
				ca_lens[n_cas++] = rows[i].der_len;
			}
		}
		if (!n_cas)
			*why = "the tenant has no client CA";
		else
			ok = mfa_cert_verify(der, len, cas, ca_lens, n_cas, crls, crl_lens, n_crls,
			                     false, (int64_t)time(NULL), why) == IDP_OK;
	}
	free(cas);
	free(crls);
	free(ca_lens);
	free(crl_lens);
	return ok;
}

enum idp_err idp_cert_check(const struct idp_tenant *t, const unsigned char *der, size_t len,
                            struct idp_reqinfo *ri)
{
	struct list_args a = {0};
	struct mfa_pem_item info;
	const char *why = "";
	enum idp_err err;

	ri->cert_present = true;
	ri->cert_valid = false;
	memset(&info, 0, sizeof info);
	if (mfa_cert_from_der(der, len, &info) != IDP_OK) {
		idp_copy(ri->cert_why, sizeof ri->cert_why, "the certificate does not parse");
		return IDP_OK;
	}
	memcpy(ri->cert_sha256, info.sha256, sizeof ri->cert_sha256);
	idp_hex(info.sha256, sizeof info.sha256, ri->cert_sha256_hex);
	idp_copy(ri->cert_subject, sizeof ri->cert_subject, info.subject);
	free(info.der);
	err = idp_tx_run(t->id, list_tx, list_reset, &a);
	if (!err) {
		ri->cert_valid = verify_against(der, len, a.rows, a.n, &why);
		idp_copy(ri->cert_why, sizeof ri->cert_why, ri->cert_valid ? "" : why);
	}
	list_reset(&a);
	return err;
}

/* Audit one event about the request's certificate, outside any operation. */
struct note_args {
	const struct idp_tenant *t;
	const struct idp_reqinfo *ri;
	const char *action, *target;
};

static enum idp_err note_tx(struct store_conn *c, void *arg)
{
	struct note_args *a = arg;
	struct idp_actor actor;
	char *detail = idp_detail_json("sha256", a->ri->cert_sha256_hex, "reason", a->ri->cert_why);
	enum idp_err err;

	idp_actor_set(&actor, 0, "", "", a->ri);
	err = idp_audit_write_owned(c, a->t->id, &actor, a->action, a->target, "failure", detail);
	return err;
}

static void note(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *action,
                 const char *target)
{
	struct note_args a = {t, ri, action, target ? target : ""};

	if (idp_tx(t->id, note_tx, &a) != IDP_OK)
		idp_error("cannot audit %s in tenant %s", action, t->slug);
}

void idp_cert_header_ignored(const struct idp_tenant *t, const struct idp_reqinfo *ri)
{
	idp_info("client certificate header from %s ignored: not a trusted proxy", ri->ip);
	note(t, ri, "access.cert_header_ignored", "");
}

void idp_cert_denied(const struct idp_tenant *t, const struct idp_reqinfo *ri, const char *path)
{
	idp_info("request for %s in tenant %s refused: no valid client certificate (%s)",
	         path ? path : "", t->slug, ri->cert_present ? ri->cert_why : "none presented");
	note(t, ri, "access.denied_cert", path);
}

/* ---- certificates bound to users ---- */

/* The user with email, locked; IDP_ERR_NOT_FOUND when none. */
static enum idp_err user_of(struct store_conn *c, const char *email, struct store_user *u)
{
	char lower[IDP_EMAIL_MAX + 1];
	enum idp_err err;

	if (!email || strlen(email) > IDP_EMAIL_MAX)
		return IDP_ERR_NOT_FOUND;
	idp_copy(lower, sizeof lower, email);
	idp_ascii_lower(lower);
	err = store_user_by_email(c, lower, true, u);
	idp_wipe(u->hash, sizeof u->hash);
	return err;
}

struct ucert_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *email;
	unsigned char sha256[32];
	char subject[513];
	struct store_user_cert *rows;
	int n;
};

static enum idp_err ulist_tx(struct store_conn *c, void *arg)
{
	struct ucert_args *a = arg;
	struct store_user u;
	enum idp_err err = user_of(c, a->email, &u);

	return err ? err : store_user_cert_list(c, u.id, &a->rows, &a->n);
}

static void ulist_reset(void *arg)
{
	struct ucert_args *a = arg;

	free(a->rows);
	a->rows = NULL;
	a->n = 0;
}

enum idp_err idp_user_certs_list(const struct idp_tenant *t, const char *email,
                                 struct idp_user_cert **rows, int *n)
{
	struct ucert_args a = {.t = t, .email = email};
	enum idp_err err = idp_tx_run(t->id, ulist_tx, ulist_reset, &a);

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++) {
		idp_hex(a.rows[i].sha256, sizeof a.rows[i].sha256, (*rows)[i].sha256);
		idp_copy((*rows)[i].subject, sizeof(*rows)[i].subject, a.rows[i].subject);
		(*rows)[i].created_at = a.rows[i].created_at;
	}
	if (!err)
		*n = a.n;
	ulist_reset(&a);
	return err;
}

static enum idp_err bind_tx(struct store_conn *c, void *arg)
{
	struct ucert_args *a = arg;
	struct store_user u;
	struct store_user_cert uc = {0};
	char hex[65], *detail;
	enum idp_err err = user_of(c, a->email, &u);

	if (err)
		return err;
	uc.user_id = u.id;
	memcpy(uc.sha256, a->sha256, sizeof uc.sha256);
	idp_copy(uc.subject, sizeof uc.subject, a->subject);
	idp_hex(a->sha256, sizeof a->sha256, hex);
	err = store_user_cert_insert(c, a->t->id, &uc);
	detail = err ? NULL : idp_detail_json("sha256", hex, "subject", a->subject);
	if (!err && !detail)
		err = IDP_ERR_NOMEM;
	if (!err)
		err = idp_audit_write(c, a->t->id, a->by, "mfa.cert.bound", u.email, "success",
		                      detail);
	free(detail);
	return err;
}

/* 64 hex digits into 32 bytes. */
static bool parse_sha256(const char *hex, unsigned char out[32])
{
	if (!hex || strlen(hex) != 64)
		return false;
	for (int i = 0; i < 32; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + k];
			int d = ch >= '0' && ch <= '9'   ? ch - '0'
			        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
			                                 : -1;
			if (d < 0)
				return false;
			v = v * 16 + (unsigned)d;
		}
		out[i] = (unsigned char)v;
	}
	return true;
}

enum idp_err idp_user_cert_add(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *email, const char *pem, size_t len,
                               const char *sha256_hex, const char **why)
{
	struct ucert_args a = {.t = t, .by = by, .email = email};
	struct idp_reqinfo ri;
	struct mfa_pem_item info;
	enum idp_err err;

	*why = "";
	if (!pem) {
		if (!parse_sha256(sha256_hex, a.sha256)) {
			*why = "sha256 must be 64 hex digits";
			return IDP_ERR_INVALID;
		}
		return idp_tx(t->id, bind_tx, &a);
	}
	memset(&info, 0, sizeof info);
	if (mfa_cert_from_pem(pem, len, &info) != IDP_OK) {
		*why = "not one PEM CERTIFICATE";
		return IDP_ERR_INVALID;
	}
	memset(&ri, 0, sizeof ri);
	err = idp_cert_check(t, info.der, info.der_len, &ri);
	free(info.der);
	if (err)
		return err;
	if (!ri.cert_valid) {
		*why = "the tenant's CAs do not vouch for this certificate";
		return IDP_ERR_INVALID;
	}
	memcpy(a.sha256, ri.cert_sha256, sizeof a.sha256);
	idp_copy(a.subject, sizeof a.subject, ri.cert_subject);
	return idp_tx(t->id, bind_tx, &a);
}

static enum idp_err unbind_tx(struct store_conn *c, void *arg)
{
	struct ucert_args *a = arg;
	struct store_user u;
	char hex[65], *detail;
	enum idp_err err = user_of(c, a->email, &u);

	if (!err)
		err = store_user_cert_delete(c, u.id, a->sha256);
	if (err)
		return err;
	idp_hex(a->sha256, sizeof a->sha256, hex);
	detail = idp_detail_json("sha256", hex, NULL, NULL);
	err = idp_audit_write_owned(c, a->t->id, a->by, "mfa.cert.unbound", u.email, "success",
	                            detail);
	return err;
}

enum idp_err idp_user_cert_delete(const struct idp_tenant *t, const struct idp_actor *by,
                                  const char *email, const char *sha256_hex)
{
	struct ucert_args a = {.t = t, .by = by, .email = email};

	if (!parse_sha256(sha256_hex, a.sha256))
		return IDP_ERR_NOT_FOUND;
	return idp_tx(t->id, unbind_tx, &a);
}

enum idp_err idp_user_cert_bind_own(const struct idp_tenant *t, const struct idp_actor *by,
                                    const struct idp_reqinfo *ri)
{
	struct ucert_args a = {.t = t, .by = by, .email = by->email};

	if (!ri->cert_valid)
		return IDP_ERR_INVALID;
	memcpy(a.sha256, ri->cert_sha256, sizeof a.sha256);
	idp_copy(a.subject, sizeof a.subject, ri->cert_subject);
	return idp_tx(t->id, bind_tx, &a);
}

bool idp_cert_bound_to(struct store_conn *c, const struct idp_reqinfo *ri, int64_t user_id)
{
	int64_t owner = 0;

	return ri && ri->cert_valid &&
	       store_user_cert_owner(c, ri->cert_sha256, &owner) == IDP_OK && owner == user_id;
}
