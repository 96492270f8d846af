/* Service providers as stored: see store/sp.h. */
#include "store/sp.h"

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

enum { P_ID, P_ENTITY, P_NAME, P_FORMAT, P_ATTRS, P_SIGN, P_ENCRYPT, P_ROLES, P_CREATED };

static void sp_read(const struct store_res *r, int i, struct store_sp *sp)
{
	memset(sp, 0, sizeof *sp);
	sp->id = store_res_i64(r, i, P_ID);
	store_res_copy(r, i, P_ENTITY, sp->entity_id, sizeof sp->entity_id);
	store_res_copy(r, i, P_NAME, sp->name, sizeof sp->name);
	store_res_copy(r, i, P_FORMAT, sp->nameid_format, sizeof sp->nameid_format);
	store_res_copy(r, i, P_ATTRS, sp->attributes, sizeof sp->attributes);
	store_res_copy(r, i, P_SIGN, sp->sign, sizeof sp->sign);
	sp->encrypt = store_res_bool(r, i, P_ENCRYPT);
	store_res_copy(r, i, P_ROLES, sp->roles, sizeof sp->roles);
	sp->created_at = store_res_i64(r, i, P_CREATED);
}

enum idp_err store_sp_insert(struct store_conn *c, int64_t tenant_id, const struct store_sp *sp,
                             const char *metadata, int64_t *id)
{
	struct store_res *r = NULL;
	char tid[24];
	const char *p[9] = {store_i64(tid, tenant_id),
	                    sp->entity_id,
	                    sp->name,
	                    metadata,
	                    sp->nameid_format,
	                    sp->attributes,
	                    sp->sign,
	                    sp->encrypt ? "t" : "f",
	                    sp->roles};
	enum idp_err err = store_exec_row(c, STMT_SP_INSERT, 9, p, &r);

	if (!err && id)
		*id = store_res_i64(r, 0, 0);
	store_res_free(r);
	return err;
}

enum idp_err store_sp_list(struct store_conn *c, struct store_sp **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_SP_LIST, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++)
		sp_read(r, i, &(*rows)[i]);
	store_res_free(r);
	return err;
}

enum idp_err store_sp_delete(struct store_conn *c, int64_t id, struct store_sp *out)
{
	struct store_res *r = NULL;
	char sid[24];
	const char *p[1] = {store_i64(sid, id)};
	enum idp_err err = store_exec_row(c, STMT_SP_DELETE, 1, p, &r);

	if (!err && out)
		sp_read(r, 0, out);
	store_res_free(r);
	return err;
}

enum idp_err store_sp_list_full(struct store_conn *c, struct store_sp **rows, int *n)
{
	struct store_res *r = NULL;
	enum idp_err err =
	    store_exec_rows(c, STMT_SAML_SPS_FULL, 0, NULL, sizeof **rows, (void **)rows, n, &r);

	for (int i = 0; !err && i < *n; i++) {
		sp_read(r, i, &(*rows)[i]);
		(*rows)[i].metadata = strdup(store_res_str(r, i, P_CREATED + 1));
		if (!(*rows)[i].metadata)
			err = IDP_ERR_NOMEM;
	}
	if (err && *rows) {
		for (int i = 0; i < *n; i++)
			free((*rows)[i].metadata);
		free(*rows);
		*rows = NULL;
		*n = 0;
	}
	store_res_free(r);
	return err;
}
/* The one row of r (SP_COLS, metadata) into *out, the metadata copied when
 * asked for. */
static enum idp_err sp_read_one(const struct store_res *r, bool metadata, struct store_sp *out)
{
	sp_read(r, 0, out);
	if (!metadata)
		return IDP_OK;
	out->metadata = strdup(store_res_str(r, 0, P_CREATED + 1));
	return out->metadata ? IDP_OK : IDP_ERR_NOMEM;
}

enum idp_err store_sp_get(struct store_conn *c, int64_t id, bool lock, bool metadata,
                          struct store_sp *out)
{
	struct store_res *r = NULL;
	char sid[24];
	const char *p[1] = {store_i64(sid, id)};
	enum idp_err err = store_exec_row(c, lock ? STMT_SP_GET_LOCK : STMT_SP_GET, 1, p, &r);

	if (!err)
		err = sp_read_one(r, metadata, out);
	store_res_free(r);
	return err;
}

enum idp_err store_sp_by_entity(struct store_conn *c, const char *entity_id, bool metadata,
                                struct store_sp *out)
{
	struct store_res *r = NULL;
	const char *p[1] = {entity_id};
	enum idp_err err = store_exec_row(c, STMT_SP_BY_ENTITY, 1, p, &r);

	if (!err)
		err = sp_read_one(r, metadata, out);
	store_res_free(r);
	return err;
}

enum idp_err store_sp_update(struct store_conn *c, int64_t id, const struct store_sp *sp)
{
	char sid[24];
	const char *p[7] = {store_i64(sid, id), sp->name, sp->nameid_format,
	                    sp->attributes,     sp->sign, sp->encrypt ? "t" : "f",
	                    sp->roles};

	return store_exec_one(c, STMT_SP_UPDATE, 7, p);
}
