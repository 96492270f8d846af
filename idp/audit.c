/*
 * The hash-chained audit log.  Each tenant has a chain head (seq, hash) in
 * audit_heads; appending an event locks the head row, hashes the event over
 * the previous hash, inserts it and moves the head, all in the caller's
 * transaction.  The event's time is taken here, in UTC with microseconds,
 * and the same text is both stored and hashed.
 */
#include "idp/audit.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/metrics.h"
#include "store/audit.h"

static void put_field(EVP_MD_CTX *md, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
	                        (unsigned char)(n >> 8), (unsigned char)n};

	EVP_DigestUpdate(md, len, sizeof len);
	if (n)
		EVP_DigestUpdate(md, s, n);
}

void idp_audit_hash(const unsigned char prev[IDP_SHA256_LEN], const struct idp_audit_fields *e,
                    unsigned char out[IDP_SHA256_LEN])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char tenant[24], seq[24];
	unsigned int outlen = IDP_SHA256_LEN;

	snprintf(tenant, sizeof tenant, "%lld", (long long)e->tenant_id);
	snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
	if (!md)
		abort(); /* cannot hash the audit log: do not pretend */
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, "sekisho-audit-v1", 16);
	EVP_DigestUpdate(md, prev, IDP_SHA256_LEN);
	put_field(md, tenant);
	put_field(md, seq);
	put_field(md, e->at);
	put_field(md, e->actor);
	put_field(md, e->role);
	put_field(md, e->ip);
	put_field(md, e->action);
	put_field(md, e->target);
	put_field(md, e->result);
	put_field(md, e->detail);
	EVP_DigestFinal_ex(md, out, &outlen);
	EVP_MD_CTX_free(md);
}

const char *const idp_audit_actions[] = {
    "login.success",
    "login.failure",
    "login.locked",
    "logout",
    "session.ended",
    "session.forced_logout",
    "user.invited",
    "user.suspended",
    "user.resumed",
    "user.unlocked",
    "user.deleted",
    "user.password_set",
    "user.role_changed",
    "invitation.accepted",
    "invitation.revoked",
    "mfa.totp.enrolled",
    "mfa.totp.failure",
    "mfa.totp.removed",
    "mfa.recovery.used",
    "mfa.recovery.regenerated",
    "mfa.reset",
    "mfa.cert.bound",
    "mfa.cert.unbound",
    "password.changed",
    "password.reset_requested",
    "password.reset",
    "policy.updated",
    "access.denied_ip",
    "access.denied_cert",
    "access.cert_header_ignored",
    "client_ca.added",
    "client_ca.removed",
    "app.created",
    "app.deleted",
    "gateway.denied",
    "saml.key_created",
    "saml.key_activated",
    "saml.key_deleted",
    "saml.sp_added",
    "saml.sp_removed",
    "saml.assertion",
    "saml.refused",
    "saml.logout",
    "saml.sp_changed",
    "token.created",
    "tenant.created",
    "tenant.terminated",
    "tenant.restored",
    "audit.pruned",
};
const size_t idp_audit_actions_count = sizeof idp_audit_actions / sizeof idp_audit_actions[0];

bool idp_audit_action_known(const char *action)
{
	for (size_t i = 0; action && i < idp_audit_actions_count; i++)
		if (strcmp(action, idp_audit_actions[i]) == 0)
			return true;
	return false;
}

/* Now as stored and hashed: "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void idp_audit_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

/* The fields the chain hashes, of a stored event. */
static struct idp_audit_fields fields_of(int64_t tenant_id, const struct store_audit_event *e)
{
	return (struct idp_audit_fields){
	    .tenant_id = tenant_id,
	    .seq = e->seq,
	    .at = e->at,
	    .actor = e->actor,
	    .role = e->role,
	    .ip = e->ip,
	    .action = e->action,
	    .target = e->target,
	    .result = e->result,
	    .detail = e->detail ? e->detail : "{}",
	};
}

enum idp_err idp_audit_write(struct store_conn *c, int64_t tenant_id, const struct idp_actor *a,
                             const char *action, const char *target, const char *result,
                             const char *detail)
{
	struct store_audit_event e = {0};
	enum idp_err err = IDP_ERR_INVALID;

	if (!idp_audit_action_known(action))
		goto out; /* a new action must be listed first */
	idp_audit_now(e.at);
	idp_copy(e.actor, sizeof e.actor, a ? a->email : "");
	idp_copy(e.role, sizeof e.role, a ? a->role : "");
	idp_copy(e.ip, sizeof e.ip, a ? a->ip : "");
	idp_copy(e.action, sizeof e.action, action);
	idp_copy(e.target, sizeof e.target, target);
	idp_copy(e.result, sizeof e.result, result);
	e.detail = (char *)(detail ? detail : "{}");
	/* The database chains and hashes it (store/queries.c, audit_append), the
	 * same hash idp_audit_hash computes when the chain is verified. */
	err = store_audit_append(c, tenant_id, &e);
	if (!err)
		idp_metrics_audit_written();
out:
	if (err)
		idp_error("audit: cannot record %s: %s", action, idp_strerror(err));
	return err;
}

enum idp_err idp_audit_write_owned(struct store_conn *c, int64_t tenant_id,
                                   const struct idp_actor *a, const char *action,
                                   const char *target, const char *result, char *detail)
{
	enum idp_err err;

	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_audit_write(c, tenant_id, a, action, target, result, detail);
	free(detail);
	return err;
}

char *idp_detail_json(const char *k1, const char *v1, const char *k2, const char *v2)
{
	return idp_detail_json3(k1, v1, k2, v2, NULL, NULL);
}

char *idp_detail_json3(const char *k1, const char *v1, const char *k2, const char *v2,
                       const char *k3, const char *v3)
{
	json_object *o = json_object_new_object();
	char *s;

	if (!o)
		return NULL;
	if (k1)
		json_object_object_add(o, k1, json_object_new_string(v1 ? v1 : ""));
	if (k2)
		json_object_object_add(o, k2, json_object_new_string(v2 ? v2 : ""));
	if (k3)
		json_object_object_add(o, k3, json_object_new_string(v3 ? v3 : ""));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

void idp_actor_set(struct idp_actor *a, int64_t user_id, const char *email, const char *role,
                   const struct idp_reqinfo *ri)
{
	memset(a, 0, sizeof *a);
	a->user_id = user_id;
	idp_copy(a->email, sizeof a->email, email);
	idp_copy(a->role, sizeof a->role, role);
	idp_copy(a->ip, sizeof a->ip, ri ? ri->ip : "");
}

/* Does an audit.pruned event among rows say the chain was cut just before
 * first_seq, continuing from anchor? */
static bool pruned_to(const struct store_audit_event *rows, int n, int64_t first_seq,
                      const unsigned char anchor[IDP_SHA256_LEN])
{
	char want[2 * IDP_SHA256_LEN + 1];

	idp_hex(anchor, IDP_SHA256_LEN, want);
	for (int i = 0; i < n; i++) {
		json_object *d, *seq, *hex;
		bool ok;
		if (strcmp(rows[i].action, "audit.pruned") != 0)
			continue;
		d = json_tokener_parse(rows[i].detail);
		ok = d && json_object_object_get_ex(d, "through_seq", &seq) &&
		     json_object_object_get_ex(d, "anchor", &hex) &&
		     json_object_get_int64(seq) == first_seq - 1 &&
		     strcmp(json_object_get_string(hex), want) == 0;
		json_object_put(d);
		if (ok)
			return true;
	}
	return false;
}

struct prune_args {
	int64_t tenant_id;
	int days;
	long deleted;
};

static enum idp_err prune_tx(struct store_conn *c, void *arg)
{
	struct prune_args *a = arg;
	struct idp_actor sys = {.email = "system", .role = "system"};
	unsigned char anchor[IDP_SHA256_LEN];
	char detail[200], hex[2 * IDP_SHA256_LEN + 1];
	int64_t seq;
	enum idp_err err;

	a->deleted = 0;
	err = store_audit_prune_point(c, a->days, &seq, anchor);
	if (err)
		return err; /* IDP_ERR_NOT_FOUND: nothing old enough */
	err = store_audit_prune(c, seq, &a->deleted);
	if (err)
		return err;
	if (a->deleted == 0)
		return IDP_ERR_NOT_FOUND; /* removed meanwhile: nothing to record */
	idp_hex(anchor, sizeof anchor, hex);
	snprintf(detail, sizeof detail,
	         "{\"through_seq\":%lld,\"anchor\":\"%s\",\"deleted\":%ld,\"retention_days\":%d}",
	         (long long)seq, hex, a->deleted, a->days);
	return idp_audit_write(c, a->tenant_id, &sys, "audit.pruned", "", "success", detail);
}

enum idp_err idp_audit_prune(int64_t tenant_id, int days, long *deleted)
{
	struct prune_args a = {tenant_id, days, 0};
	enum idp_err err = idp_tx(tenant_id, prune_tx, &a);

	if (err == IDP_ERR_NOT_FOUND) /* nothing to prune: nothing recorded */
		err = IDP_OK;
	if (deleted)
		*deleted = err ? 0 : a.deleted;
	return err;
}

/* Check rows (the whole chain, by seq) against each other and the head
 * (head_seq, head); *checked counts good events, *first_bad names the
 * first bad one.  IDP_ERR_CONFLICT when broken. */
enum idp_err idp_audit_chain_check(int64_t tenant_id, const struct store_audit_event *rows, int n,
                                   bool have_head, int64_t head_seq,
                                   const unsigned char head[IDP_SHA256_LEN], long *checked,
                                   int64_t *first_bad)
{
	unsigned char prev[IDP_SHA256_LEN] = {0}, hash[IDP_SHA256_LEN];
	int64_t first_seq = 1;

	/* After retention the chain starts later, from the hash recorded by the
	 * audit.pruned event that removed what came before. */
	if (n > 0 && rows[0].seq != 1) {
		first_seq = rows[0].seq;
		memcpy(prev, rows[0].prev, IDP_SHA256_LEN);
		if (!pruned_to(rows, n, first_seq, prev)) {
			*first_bad = first_seq;
			return IDP_ERR_CONFLICT;
		}
	}
	for (int i = 0; i < n; i++) {
		struct idp_audit_fields f = fields_of(tenant_id, &rows[i]);
		bool ok = f.seq == first_seq + i && memcmp(rows[i].prev, prev, IDP_SHA256_LEN) == 0;
		if (ok) {
			idp_audit_hash(prev, &f, hash);
			ok = memcmp(hash, rows[i].hash, IDP_SHA256_LEN) == 0;
		}
		if (!ok) {
			*first_bad = f.seq ? f.seq : i + 1;
			return IDP_ERR_CONFLICT;
		}
		memcpy(prev, hash, IDP_SHA256_LEN);
		(*checked)++;
	}
	/* The head must point at the last event: catches a truncated tail. */
	if (have_head ? head_seq != first_seq - 1 + *checked || memcmp(head, prev, IDP_SHA256_LEN)
	              : *checked > 0) {
		*first_bad = have_head ? *checked + 1 : 1;
		return IDP_ERR_CONFLICT;
	}
	return IDP_OK;
}

struct verify_args {
	int64_t tenant_id;
	long checked;
	int64_t first_bad;
};

static enum idp_err verify_tx(struct store_conn *c, void *arg)
{
	struct verify_args *a = arg;
	struct store_audit_event *rows = NULL;
	unsigned char head[IDP_SHA256_LEN];
	int64_t head_seq = 0;
	int n = 0;
	enum idp_err err;

	a->checked = 0;
	a->first_bad = 0;
	err = store_audit_all(c, &rows, &n);
	if (err)
		goto out;
	err = store_audit_head_get(c, a->tenant_id, &head_seq, head);
	if (err && err != IDP_ERR_NOT_FOUND)
		goto out;
	err = idp_audit_chain_check(a->tenant_id, rows, n, err == IDP_OK, head_seq, head,
	                            &a->checked, &a->first_bad);
out:
	store_audit_rows_free(rows, n);
	return err;
}

enum idp_err idp_audit_verify(int64_t tenant_id, long *checked, int64_t *first_bad)
{
	struct verify_args a = {tenant_id, 0, 0};
	enum idp_err err = idp_tx(tenant_id, verify_tx, &a);

	*checked = a.checked;
	*first_bad = a.first_bad;
	return err;
}

/* ---- listing ---- */

struct list_args {
	const struct idp_audit_filter *f;
	struct store_audit_event *rows;
	int n;
	long total;
};

static void list_reset(void *arg)
{
	struct list_args *a = arg;

	store_audit_rows_free(a->rows, a->n);
	a->rows = NULL;
	a->n = 0;
	a->total = 0;
}

static enum idp_err list_tx(struct store_conn *c, void *arg)
{
	struct list_args *a = arg;
	struct store_audit_filter sf = {
	    .from = a->f->from,
	    .to = a->f->to,
	    .action = a->f->action,
	    .actor = a->f->actor,
	    .subject = a->f->subject,
	    .by_admins = a->f->by_admins,
	    .limit = a->f->limit,
	    .offset = a->f->offset,
	};

	return store_audit_query(c, &sf, &a->rows, &a->n, &a->total);
}

/* Accept "2026-11-22", "2026-11-22T10:00:00Z", "...+09:00"; length-bounded. */
static bool time_param_ok(const char *s)
{
	struct tm tm;
	const char *end;

	if (!s)
		return true;
	if (strlen(s) < 10 || strlen(s) > 40)
		return false;
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return false;
	for (const char *p = end; *p; p++)
		if (!strchr("0123456789:T.Z+- ", *p))
			return false;
	return true;
}

enum idp_err idp_audit_list(const struct idp_tenant *t, const struct idp_audit_filter *f,
                            struct idp_audit_row **rows, int *n, long *total)
{
	struct list_args a = {.f = f};
	enum idp_err err;

	*rows = NULL;
	*n = 0;
	*total = 0;
	if (!time_param_ok(f->from) || !time_param_ok(f->to) || f->limit < 1 || f->limit > 10000 ||
	    f->offset < 0 || (f->action && strlen(f->action) > 63) ||
	    (f->actor && strlen(f->actor) > IDP_EMAIL_MAX) ||
	    (f->subject && strlen(f->subject) > IDP_EMAIL_MAX))
		return IDP_ERR_INVALID;
	err = idp_tx_run(t->id, list_tx, list_reset, &a);
	if (!err) {
		*rows = calloc(a.n ? (size_t)a.n : 1, sizeof **rows);
		if (!*rows)
			err = IDP_ERR_NOMEM;
	}
	for (int i = 0; !err && i < a.n; i++) {
		const struct store_audit_event *e = &a.rows[i];
		struct idp_audit_row *r = &(*rows)[i];
		r->seq = e->seq;
		idp_copy(r->at, sizeof r->at, e->at);
		idp_copy(r->actor, sizeof r->actor, e->actor);
		idp_copy(r->role, sizeof r->role, e->role);
		idp_copy(r->ip, sizeof r->ip, e->ip);
		idp_copy(r->action, sizeof r->action, e->action);
		idp_copy(r->target, sizeof r->target, e->target);
		idp_copy(r->result, sizeof r->result, e->result);
		r->detail = e->detail; /* handed over */
		a.rows[i].detail = NULL;
	}
	if (!err) {
		*n = a.n;
		*total = a.total;
	} else {
		idp_audit_rows_free(*rows, a.n);
		*rows = NULL;
	}
	list_reset(&a);
	return err;
}

void idp_audit_rows_free(struct idp_audit_row *rows, int n)
{
	if (!rows)
		return;
	for (int i = 0; i < n; i++)
		free(rows[i].detail);
	free(rows);
}
