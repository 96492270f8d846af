/*
 * The end of a tenant's contract: termination (the tenant is refused
 * everywhere at once, its rows kept until a purge date), restoration before
 * that date, and the purge itself, which deletes every row of the tenant
 * and the tenant, leaving only the operator log's record of it.
 *
 * Every step is one transaction that locks the tenant row first (by slug,
 * in a tenant-less transaction, which sees terminated tenants too), so two
 * operators, or two nodes' purge jobs, are serialised by the database: the
 * second finds the state the first left (already terminated, or no tenant
 * at all) and does nothing.  A login that is making a session holds a share
 * lock on the same row (STMT_SESSION_INSERT), so a termination either waits
 * for it and ends its session, or is seen by it and refuses it.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "store/db.h"
#include "store/tenant.h"

/* The operator as a tenant's audit log names them. */
static void operator_actor(struct idp_actor *op)
{
	idp_actor_set(op, 0, "operator", "operator", NULL);
}

struct terminate_args {
	const char *slug;
	int days;
	int64_t purge_after;
};

static enum idp_err terminate_tx(struct store_conn *c, void *arg)
{
	struct terminate_args *a = arg;
	struct store_tenant_state st;
	struct store_tenant_ended ended;
	struct idp_actor op;
	char detail[256], iso[21];
	enum idp_err err;

	err = store_tenant_lock_slug(c, a->slug, true, &st);
	if (err)
		return err;
	if (!st.active)
		return IDP_ERR_CONFLICT;
	err = store_tenant_terminate(c, st.id, a->days, &a->purge_after);
	if (!err)
		err = store_set_tenant(c, st.id);
	if (!err)
		err = store_tenant_end_access(c, st.id, &ended);
	if (err)
		return err;
	idp_time_iso(a->purge_after, iso);
	snprintf(detail, sizeof detail,
	         "{\"purge_after\":\"%s\",\"days\":%d,\"sessions_ended\":%ld,\"logins_ended\":%ld,"
	         "\"invitations_revoked\":%ld,\"reset_links_revoked\":%ld}",
	         iso, a->days, ended.sessions, ended.flows, ended.invitations, ended.resets);
	operator_actor(&op);
	err = idp_audit_write(c, st.id, &op, "tenant.terminated", a->slug, "success", detail);
	if (!err)
		err = idp_oplog_write(c, "tenant.terminated", a->slug, "success", detail);
	return err;
}

enum idp_err idp_tenant_terminate(const char *slug, int days, int64_t *purge_after)
{
	struct terminate_args a = {slug, days, 0};
	enum idp_err err;

	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	if (days < 0 || days > IDP_PURGE_DAYS_MAX)
		return IDP_ERR_INVALID;
	err = idp_tx(0, terminate_tx, &a);
	if (err)
		return err;
	/* Here at once; other nodes when the database tells them (the tenant
	 * row's notification, and one per ended session). */
	idp_tenant_forget(slug);
	idp_info("tenant %s terminated; purge after %d days", slug, days);
	if (purge_after)
		*purge_after = a.purge_after;
	return IDP_OK;
}

static enum idp_err restore_tx(struct store_conn *c, void *arg)
{
	const char *slug = arg;
	struct store_tenant_state st;
	struct idp_actor op;
	enum idp_err err;

	err = store_tenant_lock_slug(c, slug, true, &st);
	if (err)
		return err;
	if (st.active)
		return IDP_ERR_CONFLICT;
	if (st.purge_due)
		return IDP_ERR_EXPIRED;
	err = store_tenant_restore(c, st.id);
	if (!err)
		err = store_set_tenant(c, st.id);
	if (err)
		return err;
	operator_actor(&op);
	err = idp_audit_write(c, st.id, &op, "tenant.restored", slug, "success", NULL);
	if (!err)
		err = idp_oplog_write(c, "tenant.restored", slug, "success", NULL);
	return err;
}

enum idp_err idp_tenant_restore(const char *slug)
{
	enum idp_err err;

	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	err = idp_tx(0, restore_tx, (void *)slug);
	if (!err) {
		idp_tenant_forget(slug);
		idp_info("tenant %s restored", slug);
	}
	return err;
}

/* The operator log's detail of a purge: the tenant, and the rows deleted
 * per table (only the tables that had any) with their total.  NULL when out
 * of memory. */
static char *purge_detail(const char *slug, int64_t id, const long *deleted, long total)
{
	json_object *o = json_object_new_object(), *rows = json_object_new_object();
	char *s = NULL;

	if (!o || !rows) {
		json_object_put(o);
		json_object_put(rows);
		return NULL;
	}
	json_object_object_add(o, "slug", json_object_new_string(slug));
	json_object_object_add(o, "id", json_object_new_int64(id));
	for (int i = 0; i < store_tenant_tables_count; i++)
		if (deleted[i])
			json_object_object_add(rows, store_tenant_tables[i],
			                       json_object_new_int64(deleted[i]));
	json_object_object_add(o, "rows", rows);
	json_object_object_add(o, "total", json_object_new_int64(total));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

#define TABLES_MAX 64

struct purge_args {
	const char *slug;
	long total;
};

static enum idp_err purge_tx(struct store_conn *c, void *arg)
{
	struct purge_args *a = arg;
	struct store_tenant_state st;
	long deleted[TABLES_MAX];
	enum idp_err err;

	a->total = 0;
	err = store_tenant_lock_slug(c, a->slug, true, &st);
	if (err)
		return err;
	if (st.active)
		return IDP_ERR_CONFLICT;
	if (!st.purge_due)
		return IDP_ERR_FORBIDDEN;
	err = store_set_tenant(c, st.id);
	if (!err)
		err = store_tenant_purge_rows(c, st.id, deleted);
	if (!err)
		err = store_tenant_delete(c, st.id);
	if (err)
		return err;
	a->total = 1; /* the tenant row */
	for (int i = 0; i < store_tenant_tables_count; i++)
		a->total += deleted[i];
	return idp_oplog_write_owned(c, "tenant.purged", a->slug, "success",
	                             purge_detail(a->slug, st.id, deleted, a->total));
}

enum idp_err idp_tenant_purge(const char *slug, long *rows)
{
	struct purge_args a = {slug, 0};
	enum idp_err err;

	if (rows)
		*rows = 0;
	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	if (store_tenant_tables_count > TABLES_MAX)
		return IDP_ERR_INVALID; /* a build with more tables than this knows */
	err = idp_tx(0, purge_tx, &a);
	if (err)
		return err;
	idp_tenant_forget(slug);
	idp_info("tenant %s purged: %ld rows deleted", slug, a.total);
	if (rows)
		*rows = a.total;
	return IDP_OK;
}

struct due_args {
	struct idp_rows r; /* first: idp_rows_reset */
};

static enum idp_err due_tx(struct store_conn *c, void *arg)
{
	struct due_args *a = arg;

	return store_tenant_purge_due(c, (char(**)[STORE_SLUG_MAX + 1]) & a->r.rows, &a->r.n);
}

enum idp_err idp_tenant_purge_due(int *purged)
{
	struct due_args a = {{NULL, 0}};
	char(*slugs)[STORE_SLUG_MAX + 1];
	enum idp_err err, first = IDP_OK;
	int done = 0;

	if (purged)
		*purged = 0;
	err = idp_tx_run(0, due_tx, idp_rows_reset, &a);
	if (err) {
		idp_rows_reset(&a);
		return err;
	}
	slugs = a.r.rows;
	for (int i = 0; i < a.r.n; i++) {
		err = idp_tenant_purge(slugs[i], NULL);
		/* Purged by another node, or restored meanwhile: not ours. */
		if (err == IDP_ERR_NOT_FOUND || err == IDP_ERR_CONFLICT || err == IDP_ERR_FORBIDDEN)
			continue;
		if (err) {
			idp_warn("purge of tenant %s failed: %s; retrying at the next run",
			         slugs[i], idp_strerror(err));
			if (!first)
				first = err;
			continue;
		}
		done++;
	}
	idp_rows_reset(&a);
	if (purged)
		*purged = done;
	return first;
}
