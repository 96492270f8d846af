/* Service providers of a tenant: see idp/sp.h. */
#include "idp/sp.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "idp/internal.h"
#include "store/sp.h"

static const struct {
	const char *uri, *name;
} formats[] = {
    {"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", "persistent"},
    {"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "email"},
    {"urn:oasis:names:tc:SAML:2.0:nameid-format:transient", "transient"},
    {"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", "unspecified"},
};

const char *idp_nameid_format_short(const char *uri)
{
	for (size_t i = 0; uri && i < sizeof formats / sizeof formats[0]; i++)
		if (strcmp(uri, formats[i].uri) == 0)
			return formats[i].name;
	return NULL;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

/* Which setting of sp is bad, or NULL. */
static const char *bad_setting(const struct idp_sp *sp)
{
	static const char *const fmts[] = {"persistent", "email", "transient", "unspecified", NULL};
	static const char *const signs[] = {"response", "assertion", "both", NULL};
	static const char *const roles[] = {"user", "admin", "user,admin", NULL};
	char attrs[sizeof sp->attributes], *save = NULL;
	unsigned seen = 0;

	if (!*sp->entity_id || strlen(sp->entity_id) > 1024)
		return "entity_id";
	if (strlen(sp->name) > 400 || !idp_name_valid(sp->name))
		return "name";
	if (!one_of(sp->nameid_format, fmts))
		return "nameid_format";
	if (!one_of(sp->sign, signs))
		return "sign";
	if (!one_of(sp->roles, roles))
		return "roles";
	idp_copy(attrs, sizeof attrs, sp->attributes);
	for (char *a = strtok_r(attrs, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		unsigned bit = strcmp(a, "email") == 0  ? 1
		               : strcmp(a, "name") == 0 ? 2
		               : strcmp(a, "role") == 0 ? 4
		                                        : 0;
		if (!bit || (seen & bit))
			return "attributes";
		seen |= bit;
	}
	return NULL;
}

static char *sp_detail(const struct store_sp *sp)
{
	json_object *o = json_object_new_object();
	char *s;

	if (!o)
		return NULL;
	json_object_object_add(o, "entity_id", json_object_new_string(sp->entity_id));
	json_object_object_add(o, "name", json_object_new_string(sp->name));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static void to_store(const struct idp_sp *in, struct store_sp *out)
{
	memset(out, 0, sizeof *out);
	idp_copy(out->entity_id, sizeof out->entity_id, in->entity_id);
	idp_copy(out->name, sizeof out->name, in->name);
	idp_copy(out->nameid_format, sizeof out->nameid_format, in->nameid_format);
	idp_copy(out->attributes, sizeof out->attributes, in->attributes);
	idp_copy(out->sign, sizeof out->sign, in->sign);
	out->encrypt = in->encrypt;
	idp_copy(out->roles, sizeof out->roles, in->roles);
}

static void from_store(const struct store_sp *in, struct idp_sp *out)
{
	memset(out, 0, sizeof *out);
	out->id = in->id;
	idp_copy(out->entity_id, sizeof out->entity_id, in->entity_id);
	idp_copy(out->name, sizeof out->name, in->name);
	idp_copy(out->nameid_format, sizeof out->nameid_format, in->nameid_format);
	idp_copy(out->attributes, sizeof out->attributes, in->attributes);
	idp_copy(out->sign, sizeof out->sign, in->sign);
	out->encrypt = in->encrypt;
	idp_copy(out->roles, sizeof out->roles, in->roles);
	out->created_at = in->created_at;
}

struct add_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	struct store_sp row;
	const char *metadata;
	int64_t id;
};

static enum idp_err add_tx(struct store_conn *c, void *arg)
{
	struct add_args *a = arg;
	struct store_sp *all = NULL;
	int n = 0;
	char *detail;
	enum idp_err err = store_sp_list(c, &all, &n);

	free(all);
	if (!err && n >= IDP_SPS_MAX)
		err = IDP_ERR_TOO_LARGE;
	if (!err)
		err = store_sp_insert(c, a->t->id, &a->row, a->metadata, &a->id);
	if (err)
		return err;
	detail = sp_detail(&a->row);
	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_audit_write(c, a->t->id, a->by, "saml.sp_added", a->row.name, "success", detail);
	free(detail);
	return err;
}

enum idp_err idp_sp_add(const struct idp_tenant *t, const struct idp_actor *by,
                        const struct idp_sp *sp, const char *metadata, int64_t *id,
                        const char **field)
{
	struct add_args a = {.t = t, .by = by, .metadata = metadata};
	enum idp_err err;

	*field = bad_setting(sp);
	if (*field)
		return IDP_ERR_INVALID;
	to_store(sp, &a.row);
	err = idp_tx(t->id, add_tx, &a);
	if (!err && id)
		*id = a.id;
	if (!err)
		idp_tenant_forget(t->slug);
	return err;
}

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct idp_rows *a = arg;

	return store_sp_list(c, (struct store_sp **)&a->rows, &a->n);
}

enum idp_err idp_sps_list(const struct idp_tenant *t, struct idp_sp **rows, int *n)
{
	struct idp_rows a = {NULL, 0};
	enum idp_err err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);
	const struct store_sp *v = a.rows;

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++)
		from_store(&v[i], &(*rows)[i]);
	if (!err)
		*n = a.n;
	idp_rows_reset(&a);
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
	struct store_sp sp;
	char *detail;
	enum idp_err err = store_sp_delete(c, a->id, &sp);

	if (err)
		return err;
	detail = sp_detail(&sp);
	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_audit_write(c, a->t->id, a->by, "saml.sp_removed", sp.name, "success", detail);
	free(detail);
	return err;
}

enum idp_err idp_sp_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id)
{
	struct del_args a = {t, by, id};
	enum idp_err err = id > 0 ? idp_tx(t->id, del_tx, &a) : IDP_ERR_NOT_FOUND;

	if (!err)
		idp_tenant_forget(t->slug);
	return err;
}

void idp_sps_full_free(struct idp_sp_full *rows, int n)
{
	for (int i = 0; rows && i < n; i++)
		free(rows[i].metadata);
	free(rows);
}

static enum idp_err list_full_tx(struct store_conn *c, void *arg)
{
	struct idp_rows *a = arg;

	return store_sp_list_full(c, (struct store_sp **)&a->rows, &a->n);
}

static void full_reset(void *arg)
{
	struct idp_rows *a = arg;
	struct store_sp *v = a->rows;

	for (int i = 0; v && i < a->n; i++)
		free(v[i].metadata);
	idp_rows_reset(arg);
}

enum idp_err idp_sps_list_full(const struct idp_tenant *t, struct idp_sp_full **rows, int *n)
{
	struct idp_rows a = {NULL, 0};
	enum idp_err err = idp_tx_run(t->id, list_full_tx, full_reset, &a);
	struct store_sp *v = a.rows;

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++) {
		from_store(&v[i], &(*rows)[i].sp);
		(*rows)[i].metadata = v[i].metadata;
		v[i].metadata = NULL;
	}
	if (!err)
		*n = a.n;
	full_reset(&a);
	return err;
}
