/* SAML single sign-on state as stored: see store/saml.h. */
#include "store/saml.h"

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

enum idp_err store_saml_seen(struct store_conn *c, int64_t tenant_id, int64_t sp_id,
                             const char *request_id, int64_t expires, bool *fresh)
{
	char tid[24], sid[24], exp[24];
	const char *p[4] = {store_i64(tid, tenant_id), store_i64(sid, sp_id), request_id,
	                    store_i64(exp, expires)};
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_SAML_SEEN_INSERT, 4, p, &r);

	*fresh = !err && store_res_rows(r) == 1;
	store_res_free(r);
	return err;
}

enum idp_err store_saml_prune(struct store_conn *c)
{
	enum idp_err err = store_exec(c, STMT_SAML_SEEN_PRUNE, 0, NULL, NULL);

	return err ? err : store_exec(c, STMT_SAML_PARK_PRUNE, 0, NULL, NULL);
}

enum idp_err store_saml_park(struct store_conn *c, int64_t tenant_id, const unsigned char hash[32],
                             const struct store_saml_parked *k)
{
	char tid[24], sid[24], exp[24], before[24], h[67];
	const char *p[9] = {store_i64(tid, tenant_id),
	                    h,
	                    store_i64(sid, k->sp_id),
	                    k->request_id,
	                    k->xml,
	                    k->relay,
	                    k->force_authn ? "t" : "f",
	                    store_i64(before, k->session_before),
	                    store_i64(exp, k->expires_at)};

	store_sha256_param(hash, h);
	return store_exec(c, STMT_SAML_PARK_INSERT, 9, p, NULL);
}

enum idp_err store_saml_parked_get(struct store_conn *c, const unsigned char hash[32],
                                   struct store_saml_parked *out)
{
	char h[67];
	const char *p[1] = {h};
	struct store_res *r = NULL;
	enum idp_err err;

	memset(out, 0, sizeof *out);
	store_sha256_param(hash, h);
	err = store_exec_row(c, STMT_SAML_PARK_GET, 1, p, &r);
	if (!err) {
		out->sp_id = store_res_i64(r, 0, 0);
		store_res_copy(r, 0, 1, out->request_id, sizeof out->request_id);
		out->xml = strdup(store_res_str(r, 0, 2));
		store_res_copy(r, 0, 3, out->relay, sizeof out->relay);
		out->force_authn = store_res_bool(r, 0, 4);
		out->session_before = store_res_i64(r, 0, 5);
		out->created_at = store_res_i64(r, 0, 6);
		out->expires_at = store_res_i64(r, 0, 7);
		if (!out->xml)
			err = IDP_ERR_NOMEM;
	}
	store_res_free(r);
	return err;
}

enum idp_err store_saml_parked_take(struct store_conn *c, const unsigned char hash[32])
{
	char h[67];
	const char *p[1] = {h};

	store_sha256_param(hash, h);
	return store_exec_one(c, STMT_SAML_PARK_DELETE, 1, p);
}

enum idp_err store_saml_nameid_get(struct store_conn *c, int64_t user_id, int64_t sp_id,
                                   char out[129])
{
	char uid[24], sid[24];
	const char *p[2] = {store_i64(uid, user_id), store_i64(sid, sp_id)};
	struct store_res *r = NULL;
	enum idp_err err = store_exec(c, STMT_SAML_NAMEID_GET, 2, p, &r);

	out[0] = 0;
	if (!err && store_res_rows(r) == 1)
		store_res_copy(r, 0, 0, out, 129);
	store_res_free(r);
	return err;
}

enum idp_err store_saml_nameid_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                      int64_t sp_id, const char *value)
{
	char tid[24], uid[24], sid[24];
	const char *p[4] = {store_i64(tid, tenant_id), store_i64(uid, user_id),
	                    store_i64(sid, sp_id), value};

	return store_exec(c, STMT_SAML_NAMEID_INSERT, 4, p, NULL);
}

enum idp_err store_saml_ssp_upsert(struct store_conn *c, int64_t tenant_id, int64_t session_id,
                                   const struct store_saml_ssp *s)
{
	char tid[24], sess[24], sid[24];
	const char *p[6] = {store_i64(tid, tenant_id),
	                    store_i64(sess, session_id),
	                    store_i64(sid, s->sp_id),
	                    s->nameid,
	                    s->format,
	                    s->session_index};

	return store_exec(c, STMT_SAML_SSP_UPSERT, 6, p, NULL);
}

enum idp_err store_saml_ssp_session(struct store_conn *c, int64_t sp_id, const char *nameid,
                                    const char *session_index, int64_t *session_id)
{
	char sid[24];
	const char *p[3] = {store_i64(sid, sp_id), nameid, session_index};
	struct store_res *r = NULL;
	enum idp_err err = store_exec_row(c, STMT_SAML_SSP_BY_NAMEID, 3, p, &r);

	if (!err)
		*session_id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_saml_ssp_list(struct store_conn *c, int64_t session_id,
                                 struct store_saml_ssp **rows, int *n)
{
	char sess[24];
	const char *p[1] = {store_i64(sess, session_id)};
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_SAML_SSP_LIST, 1, p, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		struct store_saml_ssp *s = &(*rows)[i];
		s->sp_id = store_res_i64(r, i, 0);
		store_res_copy(r, i, 1, s->nameid, sizeof s->nameid);
		store_res_copy(r, i, 2, s->format, sizeof s->format);
		store_res_copy(r, i, 3, s->session_index, sizeof s->session_index);
		store_res_copy(r, i, 4, s->logout_id, sizeof s->logout_id);
	}
	store_res_free(r);
	return err;
}

enum idp_err store_saml_ssp_set_logout(struct store_conn *c, int64_t session_id, int64_t sp_id,
                                       const char *logout_id)
{
	char sess[24], sid[24];
	const char *p[3] = {store_i64(sess, session_id), store_i64(sid, sp_id), logout_id};

	return store_exec_one(c, STMT_SAML_SSP_SET_LOGOUT, 3, p);
}

enum idp_err store_saml_ssp_done(struct store_conn *c, const char *logout_id, int64_t sp_id,
                                 int64_t *session_id)
{
	char sid[24];
	const char *p[2] = {logout_id, store_i64(sid, sp_id)};
	struct store_res *r = NULL;
	enum idp_err err = store_exec_row(c, STMT_SAML_SSP_DONE, 2, p, &r);

	if (!err)
		*session_id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_saml_ssp_delete(struct store_conn *c, int64_t session_id, int64_t sp_id)
{
	char sess[24], sid[24];
	const char *p[2] = {store_i64(sess, session_id), store_i64(sid, sp_id)};

	return store_exec(c, STMT_SAML_SSP_DELETE, 2, p, NULL);
}
