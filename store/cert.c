/* Client certificates as stored: see store/cert.h. */
#include <stdlib.h>
#include <string.h>

#include "store/cert.h"
#include "store/internal.h"

#define EPOCH_OR_NULL(buf, v) ((v) ? store_i64(buf, v) : NULL)

enum idp_err store_ca_insert(struct store_conn *c, int64_t tenant_id, const struct store_ca *ca,
                             int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24], na[24], sha[67], *der;
	const char *p[8];
	enum idp_err err;
	size_t hexsz = 2 * ca->der_len + 3;

	if (ca->der_len == 0 || ca->der_len > STORE_DER_MAX)
		return IDP_ERR_INVALID;
	der = malloc(hexsz);
	if (!der)
		return IDP_ERR_NOMEM;
	store_bytea_param(ca->der, ca->der_len, der, hexsz);
	store_sha256_param(ca->sha256, sha);
	p[0] = store_i64(tid, tenant_id);
	p[1] = ca->crl ? "crl" : "cert";
	p[2] = der;
	p[3] = ca->subject;
	p[4] = ca->issuer;
	p[5] = EPOCH_OR_NULL(na, ca->not_after);
	p[6] = sha;
	err = store_exec(c, STMT_CA_INSERT, 7, p, &r);
	if (!err && id)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	free(der);
	return err;
}

enum { CA_ID, CA_KIND, CA_DER, CA_SUBJECT, CA_ISSUER, CA_NOT_AFTER, CA_SHA, CA_CREATED };

static void ca_read(const struct store_res *r, int i, struct store_ca *ca, bool with_der)
{
	const char *hex = store_res_str(r, i, CA_DER);
	size_t cap = strlen(hex) / 2 + 1;
	long n;

	ca->id = store_res_i64(r, i, CA_ID);
	ca->crl = strcmp(store_res_str(r, i, CA_KIND), "crl") == 0;
	store_res_copy(r, i, CA_SUBJECT, ca->subject, sizeof ca->subject);
	store_res_copy(r, i, CA_ISSUER, ca->issuer, sizeof ca->issuer);
	ca->not_after = store_res_i64(r, i, CA_NOT_AFTER);
	store_res_bytea(r, i, CA_SHA, ca->sha256, sizeof ca->sha256);
	ca->created_at = store_res_i64(r, i, CA_CREATED);
	ca->der = NULL;
	ca->der_len = 0;
	if (!with_der)
		return;
	ca->der = malloc(cap);
	n = ca->der ? store_res_bytea(r, i, CA_DER, ca->der, cap) : -1;
	ca->der_len = n > 0 ? (size_t)n : 0;
}

enum idp_err store_ca_list(struct store_conn *c, struct store_ca **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_CA_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		ca_read(r, i, &(*rows)[i], true);
		if (!(*rows)[i].der_len)
			err = IDP_ERR_DB;
	}
	store_res_free(r);
	return err;
}

void store_cas_free(struct store_ca *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].der);
	free(rows);
}

enum idp_err store_ca_delete(struct store_conn *c, int64_t id, struct store_ca *out)
{
	struct store_res *r = NULL;
	char cid[24];
	const char *p[1] = {store_i64(cid, id)};
	enum idp_err err = store_exec_row(c, STMT_CA_DELETE, 1, p, &r);

	if (!err)
		ca_read(r, 0, out, false);
	store_res_free(r);
	return err;
}

enum idp_err store_user_cert_insert(struct store_conn *c, int64_t tenant_id,
                                    const struct store_user_cert *uc)
{
	char tid[24], uid[24], sha[67];
	const char *p[4] = {store_i64(tid, tenant_id), store_i64(uid, uc->user_id), sha,
	                    uc->subject};

	store_sha256_param(uc->sha256, sha);
	return store_exec(c, STMT_USER_CERT_INSERT, 4, p, NULL);
}

enum idp_err store_user_cert_list(struct store_conn *c, int64_t user_id,
                                  struct store_user_cert **rows, int *n)
{
	struct store_res *r = NULL;
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};
	enum idp_err err =
	    store_exec_rows(c, STMT_USER_CERT_LIST, 1, p, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		struct store_user_cert *u = &(*rows)[i];
		u->user_id = user_id;
		store_res_bytea(r, i, 0, u->sha256, sizeof u->sha256);
		store_res_copy(r, i, 1, u->subject, sizeof u->subject);
		u->created_at = store_res_i64(r, i, 2);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_user_cert_delete(struct store_conn *c, int64_t user_id,
                                    const unsigned char sha256[STORE_SHA256_LEN])
{
	char uid[24], sha[67];
	const char *p[2] = {store_i64(uid, user_id), sha};

	store_sha256_param(sha256, sha);
	return store_exec_one(c, STMT_USER_CERT_DELETE, 2, p);
}

enum idp_err store_user_cert_owner(struct store_conn *c,
                                   const unsigned char sha256[STORE_SHA256_LEN], int64_t *user_id)
{
	struct store_res *r = NULL;
	char sha[67];
	const char *p[1] = {sha};
	enum idp_err err;

	store_sha256_param(sha256, sha);
	err = store_exec_row(c, STMT_USER_CERT_OWNER, 1, p, &r);
	if (!err)
		*user_id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_user_cert_delete_all(struct store_conn *c, int64_t user_id, long *n)
{
	char uid[24];
	const char *p[1] = {store_i64(uid, user_id)};

	return store_exec_count(c, STMT_USER_CERT_DELETE_ALL, 1, p, n);
}

enum idp_err store_ca_has_cert(struct store_conn *c, bool *any)
{
	struct store_res *r = NULL;
	enum idp_err err = store_exec_row(c, STMT_CA_HAS_CERT, 0, NULL, &r);

	*any = !err && store_res_bool(r, 0, 0);
	store_res_free(r);
	return err;
}
