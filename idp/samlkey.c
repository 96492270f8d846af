/* Each tenant's SAML signing keys: see idp/samlkey.h. */
#include "idp/samlkey.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/x509gen.h"
#include "mfa/mfa.h"
#include "store/samlkey.h"
#include "store/tenant.h"

#define CERT_DAYS (10 * 366)

const char *idp_samlkey_state_name(enum idp_samlkey_state s)
{
	return s == IDP_SAMLKEY_ACTIVE ? "active" : s == IDP_SAMLKEY_NEXT ? "next" : "previous";
}

static enum idp_samlkey_state state_of(const char *stored)
{
	return strcmp(stored, "active") == 0 ? IDP_SAMLKEY_ACTIVE
	       : strcmp(stored, "next") == 0 ? IDP_SAMLKEY_NEXT
	                                     : IDP_SAMLKEY_PREVIOUS;
}

static void key_from(const struct store_samlkey *s, struct idp_samlkey *out)
{
	memset(out, 0, sizeof *out);
	out->id = s->id;
	out->bits = s->bits;
	out->state = state_of(s->state);
	idp_copy(out->cert_pem, sizeof out->cert_pem, s->cert_pem);
	idp_hex(s->sha256, sizeof s->sha256, out->sha256);
	out->created_at = s->created_at;
	out->activated_at = s->activated_at;
}

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct idp_rows *a = arg;

	return store_samlkey_list(c, (struct store_samlkey **)&a->rows, &a->n);
}

enum idp_err idp_samlkeys_list(const struct idp_tenant *t, struct idp_samlkey **rows, int *n)
{
	struct idp_rows a = {NULL, 0};
	enum idp_err err = idp_tx_run(t->id, list_tx, idp_rows_reset, &a);
	const struct store_samlkey *v = a.rows;

	*rows = NULL;
	*n = 0;
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++)
		key_from(&v[i], &(*rows)[i]);
	if (!err)
		*n = a.n;
	idp_rows_reset(&a);
	return err;
}

/* The audit detail of a key event. */
static char *key_detail(int64_t id, int bits, const char *sha256, const char *state)
{
	json_object *o = json_object_new_object();
	char *s = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(id));
	if (bits)
		json_object_object_add(o, "bits", json_object_new_int(bits));
	if (sha256)
		json_object_object_add(o, "sha256", json_object_new_string(sha256));
	if (state)
		json_object_object_add(o, "state", json_object_new_string(state));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* The actor of a key change: an administrator, or the operator. */
static void actor_or_operator(const struct idp_actor *by, struct idp_actor *out)
{
	if (by)
		*out = *by;
	else
		idp_actor_set(out, 0, "operator", "operator", NULL);
}

struct create_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int bits;
	const char *key_pem, *cert_pem;
	const unsigned char *sha256;
	int64_t id;
	bool only_if_none; /* first use: make one only when there is no active key */
	bool made;
};

static enum idp_err create_tx(struct store_conn *c, void *arg)
{
	struct create_args *a = arg;
	struct store_samlkey *all = NULL;
	unsigned char sealed[STORE_SAMLKEY_SEALED_MAX], filler[128];
	size_t sealed_len = 0;
	int64_t active = 0;
	int n = 0;
	char hex[65], *detail;
	const char *state;
	struct idp_actor actor;
	enum idp_err err;

	a->made = false;
	err = store_tenant_lock(c, a->t->id, NULL); /* one rollover at a time */
	if (!err)
		err = store_samlkey_active_id(c, &active);
	if (!err)
		err = store_samlkey_list(c, &all, &n);
	free(all);
	if (err)
		return err;
	if (a->only_if_none && active) {
		a->id = active;
		return IDP_OK;
	}
	if (n >= IDP_SAMLKEYS_MAX)
		return IDP_ERR_TOO_LARGE;
	state = active ? "next" : "active";
	/* The sealed key is bound to the row's id, known after the insert. */
	memset(filler, 0, sizeof filler);
	err = store_samlkey_insert(c, a->t->id, a->bits, state, a->cert_pem, filler, sizeof filler,
	                           a->sha256, &a->id);
	if (!err)
		err =
		    mfa_seal(idp_rt.samlkey_key, a->t->id, a->id, (const unsigned char *)a->key_pem,
		             strlen(a->key_pem), sealed, sizeof sealed, &sealed_len);
	if (!err)
		err = store_samlkey_set_sealed(c, a->id, sealed, sealed_len);
	idp_wipe(sealed, sizeof sealed);
	if (err)
		return err;
	idp_hex(a->sha256, 32, hex);
	detail = key_detail(a->id, a->bits, hex, state);
	actor_or_operator(a->by, &actor);
	err = idp_audit_write_owned(c, a->t->id, &actor, "saml.key_created", "", "success", detail);
	a->made = !err;
	return err;
}

static enum idp_err create(const struct idp_tenant *t, const struct idp_actor *by, int bits,
                           bool only_if_none, int64_t *id)
{
	char *key_pem = NULL, *cert_pem = NULL, cn[IDP_X509_CN_MAX + 1];
	unsigned char sha[32];
	struct create_args a = {t, by, bits, NULL, NULL, sha, 0, only_if_none, false};
	enum idp_err err;

	snprintf(cn, sizeof cn, "%s SAML IdP", t->slug);
	/* The key is made before the transaction: RSA generation takes time
	 * no row should be locked for. */
	err = idp_x509_keypair(bits, cn, CERT_DAYS, &key_pem, &cert_pem, sha);
	if (err)
		return err;
	a.key_pem = key_pem;
	a.cert_pem = cert_pem;
	err = idp_tx(t->id, create_tx, &a);
	idp_wipe(key_pem, strlen(key_pem));
	free(key_pem);
	free(cert_pem);
	if (!err && id)
		*id = a.id;
	if (!err && a.made)
		idp_tenant_forget(t->slug);
	return err;
}

enum idp_err idp_samlkey_create(const struct idp_tenant *t, const struct idp_actor *by, int bits,
                                int64_t *id)
{
	return create(t, by, bits, false, id);
}

struct change_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	int64_t id;
	bool activate;
};

static enum idp_err change_tx(struct store_conn *c, void *arg)
{
	struct change_args *a = arg;
	char *detail;
	enum idp_err err = store_tenant_lock(c, a->t->id, NULL);

	if (!err)
		err =
		    a->activate ? store_samlkey_activate(c, a->id) : store_samlkey_delete(c, a->id);
	if (err)
		return err;
	detail = key_detail(a->id, 0, NULL, NULL);
	err = idp_audit_write_owned(c, a->t->id, a->by,
	                            a->activate ? "saml.key_activated" : "saml.key_deleted", "",
	                            "success", detail);
	return err;
}

static enum idp_err change(const struct idp_tenant *t, const struct idp_actor *by, int64_t id,
                           bool activate)
{
	struct change_args a = {t, by, id, activate};
	enum idp_err err = id > 0 ? idp_tx(t->id, change_tx, &a) : IDP_ERR_NOT_FOUND;

	if (!err)
		idp_tenant_forget(t->slug);
	return err;
}

enum idp_err idp_samlkey_activate(const struct idp_tenant *t, const struct idp_actor *by,
                                  int64_t id)
{
	return change(t, by, id, true);
}

enum idp_err idp_samlkey_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id)
{
	return change(t, by, id, false);
}

struct signing_args {
	int64_t tenant_id;
	struct store_samlkey row;
	unsigned char *sealed;
	size_t sealed_len;
};

static enum idp_err signing_tx(struct store_conn *c, void *arg)
{
	struct signing_args *a = arg;
	int64_t id = 0;
	enum idp_err err = store_samlkey_active_id(c, &id);

	free(a->sealed);
	a->sealed = NULL;
	if (!err && !id)
		return IDP_ERR_NOT_FOUND;
	if (!err)
		err = store_samlkey_get(c, id, &a->row, &a->sealed, &a->sealed_len);
	return err;
}

enum idp_err idp_samlkey_signing(const struct idp_tenant *t, char **key_pem, char **cert_pem)
{
	struct signing_args a = {t->id, {0}, NULL, 0};
	enum idp_err err = idp_tx(t->id, signing_tx, &a);
	size_t n = 0;

	*key_pem = *cert_pem = NULL;
	if (err == IDP_ERR_NOT_FOUND) {
		/* A tenant from before SAML, on first use. */
		err = create(t, NULL, 2048, true, NULL);
		if (!err)
			err = idp_tx(t->id, signing_tx, &a);
	}
	if (!err) {
		*key_pem = malloc(a.sealed_len + 1);
		*cert_pem = strdup(a.row.cert_pem);
		if (!*key_pem || !*cert_pem)
			err = IDP_ERR_NOMEM;
	}
	if (!err)
		err = mfa_open(idp_rt.samlkey_key, t->id, a.row.id, a.sealed, a.sealed_len,
		               (unsigned char *)*key_pem, a.sealed_len, &n);
	if (!err)
		(*key_pem)[n] = 0;
	free(a.sealed);
	if (err) {
		if (err == IDP_ERR_CRYPTO)
			idp_error("tenant %s: SAML key %lld does not open with this master key",
			          t->slug, (long long)a.row.id);
		free(*key_pem);
		free(*cert_pem);
		*key_pem = *cert_pem = NULL;
	}
	return err;
}
