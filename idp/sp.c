/* Service providers of a tenant: see idp/sp.h. */
#include "idp/sp.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "saml/spmeta.h"
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
	err = idp_audit_write_owned(c, a->t->id, a->by, "saml.sp_added", a->row.name, "success",
	                            detail);
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
	err = idp_audit_write_owned(c, a->t->id, a->by, "saml.sp_removed", sp.name, "success",
	                            detail);
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

/* ---- one service provider, and changing its settings ---- */

struct get_args {
	int64_t id;
	const char *entity_id; /* or by id */
	bool metadata;
	struct store_sp row;
};

static void get_reset(void *arg)
{
	struct get_args *a = arg;

	free(a->row.metadata);
	memset(&a->row, 0, sizeof a->row);
}

static enum idp_err get_tx(struct store_conn *c, void *arg)
{
	struct get_args *a = arg;

	if (a->entity_id)
		return store_sp_by_entity(c, a->entity_id, a->metadata, &a->row);
	return store_sp_get(c, a->id, false, a->metadata, &a->row);
}

static enum idp_err get(const struct idp_tenant *t, struct get_args *a, struct idp_sp *out,
                        char **metadata)
{
	enum idp_err err = idp_tx_run(t->id, get_tx, get_reset, a);

	if (metadata)
		*metadata = NULL;
	if (!err) {
		from_store(&a->row, out);
		if (metadata) {
			*metadata = a->row.metadata;
			a->row.metadata = NULL;
		}
	}
	get_reset(a);
	return err;
}

enum idp_err idp_sp_get(const struct idp_tenant *t, int64_t id, struct idp_sp *out, char **metadata)
{
	struct get_args a = {.id = id, .metadata = metadata != NULL};

	if (metadata)
		*metadata = NULL;
	if (id <= 0)
		return IDP_ERR_NOT_FOUND;
	return get(t, &a, out, metadata);
}

enum idp_err idp_sp_by_entity(const struct idp_tenant *t, const char *entity_id, struct idp_sp *out,
                              char **metadata)
{
	struct get_args a = {.entity_id = entity_id, .metadata = metadata != NULL};

	if (metadata)
		*metadata = NULL;
	if (!entity_id || !*entity_id || strlen(entity_id) > STORE_SP_ENTITY_MAX)
		return IDP_ERR_NOT_FOUND;
	return get(t, &a, out, metadata);
}

bool idp_sp_can_encrypt(const char *metadata)
{
	struct saml_sp_meta *m;
	const char *why = NULL;
	bool yes;

	if (!metadata || !(m = calloc(1, sizeof *m)))
		return false;
	yes =
	    saml_spmeta_parse(metadata, strlen(metadata), m, &why) == IDP_OK && m->n_encryption > 0;
	free(m);
	return yes;
}

/* csv (names separated by single commas) in the order of names, the list
 * ending in NULL, into out; false for an unknown, repeated or empty name,
 * or an empty list when nonempty. */
static bool list_canon(const char *csv, const char *const *names, bool nonempty, char *out,
                       size_t outsz)
{
	unsigned seen = 0;
	size_t len = 0;

	out[0] = 0;
	if (!*csv)
		return !nonempty;
	for (const char *p = csv;; p++) {
		size_t n = strcspn(p, ","), i = 0;
		while (names[i] && (strlen(names[i]) != n || strncmp(names[i], p, n) != 0))
			i++;
		if (!names[i] || (seen & 1u << i))
			return false;
		seen |= 1u << i;
		p += n;
		if (!*p)
			break;
	}
	for (size_t i = 0; names[i]; i++)
		if (seen & 1u << i)
			len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
			                        len ? "," : "", names[i]);
	return len < outsz;
}

/* The settings of in that set names, checked and in their stored form, in
 * *v; the name of the first bad one, or NULL. */
static const char *change_read(const struct idp_sp *in, unsigned set, struct idp_sp *v)
{
	static const char *const attrs[] = {"email", "name", "role", NULL};
	static const char *const roles[] = {"user", "admin", NULL};
	/* Settings not changed are checked as good placeholders. */
	memset(v, 0, sizeof *v);
	snprintf(v->entity_id, sizeof v->entity_id, "-");
	snprintf(v->name, sizeof v->name, "-");
	snprintf(v->nameid_format, sizeof v->nameid_format, "persistent");
	snprintf(v->sign, sizeof v->sign, "both");
	snprintf(v->roles, sizeof v->roles, "user");
	if (set & IDP_SP_SET_NAME)
		idp_copy(v->name, sizeof v->name, in->name);
	if (set & IDP_SP_SET_NAMEID_FORMAT)
		idp_copy(v->nameid_format, sizeof v->nameid_format, in->nameid_format);
	if (set & IDP_SP_SET_SIGN)
		idp_copy(v->sign, sizeof v->sign, in->sign);
	if ((set & IDP_SP_SET_ROLES) &&
	    !list_canon(in->roles, roles, true, v->roles, sizeof v->roles))
		v->roles[0] = 0;
	if ((set & IDP_SP_SET_ATTRIBUTES) &&
	    !list_canon(in->attributes, attrs, false, v->attributes, sizeof v->attributes))
		snprintf(v->attributes, sizeof v->attributes, "?");
	v->encrypt = in->encrypt;
	return bad_setting(v);
}

struct update_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
	const struct idp_sp *v; /* the new values, checked, in their stored form */
	unsigned set;
	struct store_sp row; /* the service provider afterwards */
	bool changed;
	const char *field;
};

/* Text setting k: cur (cursz bytes) becomes want, noted in before and
 * after when that is a change. */
static void text_change(struct update_args *a, json_object *before, json_object *after,
                        const char *k, char *cur, size_t cursz, const char *want)
{
	if (strcmp(cur, want) == 0)
		return;
	json_object_object_add(before, k, json_object_new_string(cur));
	json_object_object_add(after, k, json_object_new_string(want));
	idp_copy(cur, cursz, want);
	a->changed = true;
}

/* The row locked, the new values applied to a->row, what changed noted. */
static enum idp_err update_apply(struct store_conn *c, struct update_args *a, json_object *before,
                                 json_object *after)
{
	const struct idp_sp *v = a->v;
	struct store_sp *row = &a->row;
	bool encrypt = (a->set & IDP_SP_SET_ENCRYPT) && v->encrypt;
	enum idp_err err = store_sp_get(c, a->id, true, encrypt, row);
	bool can = !err && encrypt && idp_sp_can_encrypt(row->metadata);

	free(row->metadata);
	row->metadata = NULL;
	if (err)
		return err;
	if (encrypt && !can) {
		a->field = "encrypt";
		return IDP_ERR_INVALID;
	}
	if (a->set & IDP_SP_SET_NAME)
		text_change(a, before, after, "name", row->name, sizeof row->name, v->name);
	if (a->set & IDP_SP_SET_NAMEID_FORMAT)
		text_change(a, before, after, "nameid_format", row->nameid_format,
		            sizeof row->nameid_format, v->nameid_format);
	if (a->set & IDP_SP_SET_ATTRIBUTES)
		text_change(a, before, after, "attributes", row->attributes, sizeof row->attributes,
		            v->attributes);
	if (a->set & IDP_SP_SET_SIGN)
		text_change(a, before, after, "sign", row->sign, sizeof row->sign, v->sign);
	if ((a->set & IDP_SP_SET_ENCRYPT) && row->encrypt != v->encrypt) {
		json_object_object_add(before, "encrypt", json_object_new_boolean(row->encrypt));
		json_object_object_add(after, "encrypt", json_object_new_boolean(v->encrypt));
		row->encrypt = v->encrypt;
		a->changed = true;
	}
	if (a->set & IDP_SP_SET_ROLES)
		text_change(a, before, after, "roles", row->roles, sizeof row->roles, v->roles);
	return IDP_OK;
}

static enum idp_err update_tx(struct store_conn *c, void *arg)
{
	struct update_args *a = arg;
	json_object *d = json_object_new_object(), *before = json_object_new_object(),
	            *after = json_object_new_object();
	enum idp_err err = d && before && after ? IDP_OK : IDP_ERR_NOMEM;

	a->changed = false;
	a->field = NULL;
	memset(&a->row, 0, sizeof a->row);
	if (!err)
		err = update_apply(c, a, before, after);
	if (!err && a->changed)
		err = store_sp_update(c, a->id, &a->row);
	if (!err && a->changed) {
		json_object_object_add(d, "entity_id", json_object_new_string(a->row.entity_id));
		json_object_object_add(d, "name", json_object_new_string(a->row.name));
		json_object_object_add(d, "before", before);
		json_object_object_add(d, "after", after);
		before = after = NULL;
		err = idp_audit_write(c, a->t->id, a->by, "saml.sp_changed", a->row.name, "success",
		                      json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(d);
	json_object_put(before);
	json_object_put(after);
	return err;
}

enum idp_err idp_sp_update(const struct idp_tenant *t, const struct idp_actor *by, int64_t id,
                           const struct idp_sp *in, unsigned set, struct idp_sp *out,
                           const char **field)
{
	struct idp_sp v;
	struct update_args a = {.t = t, .by = by, .id = id, .v = &v, .set = set};
	enum idp_err err;

	*field = change_read(in, set, &v);
	if (*field)
		return IDP_ERR_INVALID;
	if (id <= 0)
		return IDP_ERR_NOT_FOUND;
	err = idp_tx(t->id, update_tx, &a);
	if (err == IDP_ERR_INVALID)
		*field = a.field;
	if (!err && out)
		from_store(&a.row, out);
	if (!err && a.changed)
		idp_tenant_forget(t->slug);
	return err;
}

/* ---- registering one from its metadata ---- */

enum idp_err idp_sp_from_metadata(const char *xml, size_t len, const char *name, struct idp_sp *out,
                                  const char **field, const char **why)
{
	struct saml_sp_meta *m = calloc(1, sizeof *m);
	bool named = name && *name;
	enum idp_err err;

	*field = *why = NULL;
	memset(out, 0, sizeof *out);
	if (!m)
		return IDP_ERR_NOMEM;
	err = saml_spmeta_parse(xml, len, m, why);
	if (err) {
		*field = "metadata";
		free(m);
		return err;
	}
	idp_copy(out->entity_id, sizeof out->entity_id, m->entity_id);
	/* A name given is taken whole or refused; the entity ID is cut. */
	idp_copy(out->name, named ? sizeof out->name : 101, named ? name : m->entity_id);
	snprintf(out->nameid_format, sizeof out->nameid_format, "persistent");
	for (int i = 0; i < m->n_formats; i++) {
		const char *f = idp_nameid_format_short(m->formats[i]);
		if (f) {
			snprintf(out->nameid_format, sizeof out->nameid_format, "%s", f);
			break;
		}
	}
	snprintf(out->attributes, sizeof out->attributes, "email,name,role");
	snprintf(out->sign, sizeof out->sign, "both");
	out->encrypt = m->n_encryption > 0;
	snprintf(out->roles, sizeof out->roles, "user,admin");
	free(m);
	*field = named && strlen(name) >= sizeof out->name ? "name" : bad_setting(out);
	return *field ? IDP_ERR_INVALID : IDP_OK;
}

enum idp_err idp_sp_register(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *xml, size_t len, const char *name, int64_t *id,
                             struct idp_sp *out, const char **field, const char **why)
{
	struct idp_sp sp;
	char *copy = NULL;
	int64_t made = 0;
	enum idp_err err = idp_sp_from_metadata(xml, len, name, &sp, field, why);

	if (!err && !(copy = strndup(xml, len)))
		err = IDP_ERR_NOMEM;
	if (!err)
		err = idp_sp_add(t, by, &sp, copy, &made, field);
	free(copy);
	if (!err) {
		sp.id = made;
		/* As stored; as sent when it is gone already. */
		if (idp_sp_get(t, made, &sp, NULL) != IDP_OK)
			sp.created_at = (int64_t)time(NULL);
	}
	if (id)
		*id = err ? 0 : made;
	if (out)
		*out = sp;
	return err;
}
