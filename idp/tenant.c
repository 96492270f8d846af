/*
 * Tenants: the directory row and the policy document it carries.  Loading a
 * tenant parses its policy once; a stored policy that does not parse stops
 * service for that tenant rather than fall back to weaker defaults.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "store/audit.h"
#include "store/cert.h"
#include "store/db.h"
#include "store/tenant.h"

/* Fill out from a stored row and its policy text. */
static enum idp_err tenant_from(const struct store_tenant *row, const char *policy,
                                struct idp_tenant *out)
{
	struct idp_policy def;
	char field[64];

	memset(out, 0, sizeof *out);
	out->id = row->id;
	idp_copy(out->slug, sizeof out->slug, row->slug);
	idp_copy(out->name, sizeof out->name, row->name);
	out->active = row->active;
	out->created_at = row->created_at;
	out->terminated_at = row->terminated_at;
	out->purge_after = row->purge_after;
	if (!policy)
		return IDP_OK;
	idp_policy_default(&def);
	if (idp_policy_parse(policy, strlen(policy), &def, &out->policy, field, sizeof field)) {
		/* A stored policy is validated on write; if it is unreadable now,
		 * refuse service rather than run with weaker defaults. */
		idp_error("tenant %s: stored policy invalid at %s", row->slug, field);
		return IDP_ERR_DB;
	}
	return IDP_OK;
}

/*
 * Every request names its tenant, and a policy document is a few kilobytes
 * of JSON: each node keeps the tenants it serves as snapshots (the parsed
 * policy and the apps), reference-counted so that a request keeps the one
 * it started with while a change puts a new one in its place.  While the
 * watcher (idp_watch_start) listens for the database's tenant
 * notifications, a cached snapshot is served without asking the database;
 * every change to a tenant row or its apps, by any node or by hand, makes
 * every node forget it (store/migrations/003_tenant_notify.sql,
 * 007_gateway.sql).  Without a listening watcher (the command line, or a
 * lost connection) each lookup asks the database: one small statement, the
 * snapshot rebuilt only when the row's version moved.
 */
#define CACHE_SLOTS 64

static struct idp_snapshot *cache[CACHE_SLOTS];
static unsigned cache_next;  /* round-robin victim */
static bool cache_trusted;   /* the watcher is listening */
static uint64_t cache_epoch; /* bumped by every forget */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void idp_snapshot_put(struct idp_snapshot *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	free(s->apps);
	free(s);
}

static int cache_find(const char *slug)
{
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i] && strcmp(cache[i]->t.slug, slug) == 0)
			return i;
	return -1;
}

/* A reference to the cached snapshot of slug when it may be served as is
 * (trusted, or still at version); else NULL, with the cached version (or
 * "") in known and the epoch the caller's database read starts from. */
static struct idp_snapshot *cache_take(const char *slug, const char *version, char known[],
                                       uint64_t *epoch)
{
	struct idp_snapshot *s = NULL;
	int i;

	pthread_mutex_lock(&cache_lock);
	i = cache_find(slug);
	if (i >= 0 && (version ? strcmp(cache[i]->version, version) == 0 : cache_trusted)) {
		s = cache[i];
		atomic_fetch_add(&s->refs, 1);
	}
	if (known)
		idp_copy(known, STORE_VERSION_MAX + 1, i >= 0 ? cache[i]->version : "");
	if (epoch)
		*epoch = cache_epoch;
	pthread_mutex_unlock(&cache_lock);
	return s;
}

/* Keep s (read when the epoch was epoch) in the cache, unless something was
 * forgotten since, in which case what was read may already be stale. */
static void cache_put(struct idp_snapshot *s, uint64_t epoch)
{
	struct idp_snapshot *old = NULL;
	int i;

	pthread_mutex_lock(&cache_lock);
	if (epoch == cache_epoch) {
		i = cache_find(s->t.slug);
		if (i < 0) {
			i = (int)cache_next;
			cache_next = (cache_next + 1) % CACHE_SLOTS;
		}
		old = cache[i];
		atomic_fetch_add(&s->refs, 1);
		cache[i] = s;
	}
	pthread_mutex_unlock(&cache_lock);
	idp_snapshot_put(old);
}

void idp_tenant_forget(const char *slug)
{
	struct idp_snapshot *old = NULL;
	int i;

	pthread_mutex_lock(&cache_lock);
	i = slug ? cache_find(slug) : -1;
	if (i >= 0) {
		old = cache[i];
		cache[i] = NULL;
	}
	cache_epoch++;
	pthread_mutex_unlock(&cache_lock);
	idp_snapshot_put(old);
}

/* Trust the cache or not (idp/internal.h); either way start from an empty
 * one, since notifications may have been missed. */
void idp_tenant_cache_trust(bool trusted)
{
	struct idp_snapshot *old[CACHE_SLOTS];

	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		old[i] = cache[i];
		cache[i] = NULL;
	}
	cache_epoch++;
	cache_trusted = trusted;
	pthread_mutex_unlock(&cache_lock);
	for (int i = 0; i < CACHE_SLOTS; i++)
		idp_snapshot_put(old[i]);
}

static enum idp_err apps_tx(struct store_conn *c, void *arg)
{
	struct idp_snapshot *s = arg;

	free(s->apps);
	s->apps = NULL;
	s->n_apps = 0;
	return idp_apps_read(c, &s->apps, &s->n_apps);
}

/* A new snapshot of row at version, its policy parsed from policy. */
static enum idp_err snapshot_build(const struct store_tenant *row, const char *version,
                                   const char *policy, struct idp_snapshot **out)
{
	struct idp_snapshot *s = calloc(1, sizeof *s);
	enum idp_err err;

	*out = NULL;
	if (!s)
		return IDP_ERR_NOMEM;
	atomic_init(&s->refs, 1);
	idp_copy(s->version, sizeof s->version, version);
	err = tenant_from(row, policy, &s->t);
	if (!err && s->t.active)
		err = idp_tx(s->t.id, apps_tx, s);
	if (err) {
		idp_snapshot_put(s);
		return err;
	}
	*out = s;
	return IDP_OK;
}

/* The current snapshot of slug, active or not (idp_snapshot_get's
 * contract otherwise). */
static enum idp_err snapshot_lookup(const char *slug, struct idp_snapshot **out)
{
	struct store_conn *c;
	struct store_tenant row;
	char known[STORE_VERSION_MAX + 1], version[STORE_VERSION_MAX + 1];
	char *policy = NULL;
	uint64_t epoch;
	enum idp_err err;

	*out = NULL;
	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	*out = cache_take(slug, NULL, known, &epoch);
	if (*out)
		return IDP_OK;
	c = store_conn_get();
	if (!c)
		return IDP_ERR_DB;
	/* One statement, no transaction: the directory needs no tenant setting. */
	for (int attempt = 0; attempt < 2; attempt++) {
		err = store_tenant_by_slug(c, slug, attempt || !known[0] ? NULL : known, &row,
		                           version, &policy);
		if (err)
			return err;
		if (policy)
			break;
		*out = cache_take(slug, version, NULL, NULL);
		if (*out)
			return IDP_OK;
		/* Replaced between the two looks: ask for the document itself. */
	}
	err = snapshot_build(&row, version, policy, out);
	free(policy);
	if (err)
		return err;
	cache_put(*out, epoch);
	return IDP_OK;
}

enum idp_err idp_snapshot_get(const char *slug, struct idp_snapshot **out)
{
	enum idp_err err = snapshot_lookup(slug, out);

	if (err || (*out)->t.active)
		return err;
	idp_snapshot_put(*out);
	*out = NULL;
	return IDP_ERR_NOT_FOUND;
}

bool idp_snapshot_terminated(const char *slug)
{
	struct idp_snapshot *s = NULL;
	bool terminated = snapshot_lookup(slug, &s) == IDP_OK && !s->t.active;

	idp_snapshot_put(s);
	return terminated;
}

enum idp_err idp_tenant_load(const char *slug, struct idp_tenant *out)
{
	struct idp_snapshot *s;
	enum idp_err err = idp_snapshot_get(slug, &s);

	if (err)
		return err;
	*out = s->t;
	idp_snapshot_put(s);
	return IDP_OK;
}

enum idp_err idp_tenants_list(struct idp_tenant **rows, int *n)
{
	struct store_conn *c = store_conn_get();
	struct store_tenant *all = NULL;
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	if (!c)
		return IDP_ERR_DB;
	err = store_begin(c, 0);
	if (err)
		return err;
	err = store_tenant_list(c, &all, n);
	store_rollback(c);
	if (!err) {
		*rows = calloc(*n ? (size_t)*n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < *n; i++)
		tenant_from(&all[i], NULL, &(*rows)[i]);
	if (err)
		*n = 0;
	free(all);
	return err;
}

struct tenant_create_args {
	const char *slug, *name;
	int64_t id;
};

static enum idp_err tenant_create_tx(struct store_conn *c, void *arg)
{
	struct tenant_create_args *a = arg;
	struct idp_actor op;
	char *detail = NULL;
	enum idp_err err;

	err = store_tenant_insert(c, a->slug, a->name, "{}", &a->id);
	if (err)
		goto out;
	err = store_set_tenant(c, a->id);
	if (!err)
		err = store_audit_head_init(c, a->id);
	if (err)
		goto out;
	idp_actor_set(&op, 0, "operator", "operator", NULL);
	detail = idp_detail_json("name", a->name, NULL, NULL);
	if (!detail) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	err = idp_audit_write(c, a->id, &op, "tenant.created", a->slug, "success", detail);
	if (!err)
		err = idp_oplog_write(c, "tenant.created", a->slug, "success", detail);
out:
	free(detail);
	return err;
}

enum idp_err idp_tenant_create(const char *slug, const char *name, int64_t *id)
{
	struct tenant_create_args a = {slug, name && *name ? name : slug, 0};
	enum idp_err err;

	if (!idp_slug_valid(slug) || !idp_utf8_valid(a.name, strlen(a.name)) ||
	    idp_utf8_chars(a.name) > 200 || !idp_name_valid(a.name))
		return IDP_ERR_INVALID;
	err = idp_tx(0, tenant_create_tx, &a);
	if (!err && id)
		*id = a.id;
	if (!err) {
		/* Its SAML signing key, made after the tenant's transaction (RSA
		 * generation takes time no row should be locked for); should this
		 * fail, the key is made on first use. */
		struct idp_tenant t;
		enum idp_err kerr = idp_tenant_load(slug, &t);
		if (!kerr)
			kerr = idp_samlkey_create(&t, NULL, 2048, NULL);
		if (kerr)
			idp_warn("tenant %s: SAML signing key not made now (%s); it will be on "
			         "first use",
			         slug, idp_strerror(kerr));
	}
	return err;
}

struct policy_args {
	const struct idp_tenant *t;
	const struct idp_actor *by;
	const char *json;
	size_t len;
	char *field;
	size_t fieldsz;
	struct idp_policy *before, *out;
};

static enum idp_err policy_tx(struct store_conn *c, void *arg)
{
	struct policy_args *a = arg;
	struct idp_policy def;
	char *stored = NULL, *bjson = NULL, *ajson = NULL, *detail = NULL;
	enum idp_err err;

	/* Merge over the stored document under a row lock: two administrators
	 * saving at once cannot undo each other's other fields. */
	err = store_tenant_lock(c, a->t->id, &stored);
	if (err)
		goto out;
	idp_policy_default(&def);
	err = idp_policy_parse(stored, strlen(stored), &def, a->before, a->field, a->fieldsz);
	if (err) {
		idp_error("tenant %s: stored policy unreadable", a->t->slug);
		err = IDP_ERR_DB;
		goto out;
	}
	err = idp_policy_parse(a->json, a->len, a->before, a->out, a->field, a->fieldsz);
	if (err)
		goto out;
	/* "required" with no CA to vouch for any certificate would shut
	 * everyone out, the administrators first: refused. */
	if (a->out->mfa.client_cert == IDP_CERT_REQUIRED &&
	    a->before->mfa.client_cert != IDP_CERT_REQUIRED) {
		bool any = false;
		err = store_ca_has_cert(c, &any);
		if (err)
			goto out;
		if (!any) {
			if (a->fieldsz)
				snprintf(a->field, a->fieldsz, "%s", "mfa.client_cert");
			err = IDP_ERR_INVALID;
			goto out;
		}
	}
	bjson = idp_policy_to_json(a->before);
	ajson = idp_policy_to_json(a->out);
	if (!bjson || !ajson) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	err = store_tenant_policy_set(c, a->t->id, ajson);
	if (err)
		goto out;
	size_t dl = strlen(bjson) + strlen(ajson) + 32;
	detail = malloc(dl);
	if (!detail) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	snprintf(detail, dl, "{\"before\":%s,\"after\":%s}", bjson, ajson);
	err = idp_audit_write(c, a->t->id, a->by, "policy.updated", a->t->slug, "success", detail);
out:
	free(detail);
	free(bjson);
	free(ajson);
	free(stored);
	return err;
}

enum idp_err idp_policy_update(const struct idp_tenant *t, const struct idp_actor *by,
                               const char *json, size_t len, char *field, size_t fieldsz,
                               struct idp_policy *out)
{
	struct policy_args a = {t, by, json, len, field, fieldsz, NULL, NULL};
	enum idp_err err = IDP_ERR_NOMEM;

	if (fieldsz)
		field[0] = 0;
	/* Policies are large (address lists): on the heap, not the stack. */
	a.before = malloc(sizeof *a.before);
	a.out = malloc(sizeof *a.out);
	if (!a.before || !a.out)
		goto out;
	err = idp_tx(t->id, policy_tx, &a);
	if (!err)
		idp_tenant_forget(t->slug); /* here at once; other nodes when notified */
	if (!err && out)
		*out = *a.out;
out:
	free(a.before);
	free(a.out);
	return err;
}

const char *idp_snapshot_version(const struct idp_snapshot *s)
{
	return s->version;
}
