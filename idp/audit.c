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

#include "idp/log.h"
#include "store/db.h"
#include "store/queries.h"

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

static void bytea_hex(const unsigned char *b, char out[2 + 2 * IDP_SHA256_LEN + 1])
{
	out[0] = '\\';
	out[1] = 'x';
	idp_hex(b, IDP_SHA256_LEN, out + 2);
}

static void now_text(char out[40])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

enum idp_err idp_audit_write(struct store_conn *c, int64_t tenant_id, const struct idp_actor *a,
                             const char *action, const char *target, const char *result,
                             const char *detail)
{
	struct store_res *r = NULL;
	enum idp_err err;
	char tid[24], seq[24], at[40], prevx[67], hashx[67];
	unsigned char prev[IDP_SHA256_LEN], hash[IDP_SHA256_LEN];
	const char *p[12];
	struct idp_audit_fields f;

	snprintf(tid, sizeof tid, "%lld", (long long)tenant_id);
	p[0] = tid;
	err = store_exec(c, STMT_AUDIT_HEAD_LOCK, 1, p, &r);
	if (err)
		goto out;
	if (store_res_rows(r) != 1) {
		store_res_free(r);
		r = NULL;
		err = store_exec(c, STMT_AUDIT_HEAD_INIT, 1, p, NULL);
		if (!err)
			err = store_exec(c, STMT_AUDIT_HEAD_LOCK, 1, p, &r);
		if (err)
			goto out;
		if (store_res_rows(r) != 1) {
			idp_error("audit: no chain head for tenant %s", tid);
			err = IDP_ERR_DB;
			goto out;
		}
	}
	if (store_res_bytea(r, 0, 1, prev, sizeof prev) != IDP_SHA256_LEN) {
		idp_error("audit: corrupt chain head for tenant %s", tid);
		err = IDP_ERR_DB;
		goto out;
	}
	f = (struct idp_audit_fields){
	    .tenant_id = tenant_id,
	    .seq = store_res_i64(r, 0, 0) + 1,
	    .at = at,
	    .actor = a ? a->email : "",
	    .role = a ? a->role : "",
	    .ip = a ? a->ip : "",
	    .action = action,
	    .target = target ? target : "",
	    .result = result,
	    .detail = detail ? detail : "{}",
	};
	now_text(at);
	snprintf(seq, sizeof seq, "%lld", (long long)f.seq);
	idp_audit_hash(prev, &f, hash);
	bytea_hex(prev, prevx);
	bytea_hex(hash, hashx);
	const char *ins[12] = {tid,      seq,      at,       f.actor,  f.role, f.ip,
	                       f.action, f.target, f.result, f.detail, prevx,  hashx};
	err = store_exec(c, STMT_AUDIT_INSERT, 12, ins, NULL);
out:
	store_res_free(r);
	if (err)
		idp_error("audit: cannot record %s: %s", action, idp_strerror(err));
	return err;
}

/* Does an audit.pruned event among rows say the chain was cut just before
 * first_seq, continuing from anchor? */
static bool pruned_to(const struct store_res *r, int64_t first_seq,
                      const unsigned char anchor[IDP_SHA256_LEN])
{
	char want[2 * IDP_SHA256_LEN + 1];

	idp_hex(anchor, IDP_SHA256_LEN, want);
	for (int i = 0; i < store_res_rows(r); i++) {
		json_object *d, *seq, *hex;
		bool ok;
		if (strcmp(store_res_str(r, i, AUD_ACTION), "audit.pruned") != 0)
			continue;
		d = json_tokener_parse(store_res_str(r, i, AUD_DETAIL));
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

enum idp_err idp_audit_prune(int64_t tenant_id, int days, long *deleted)
{
	struct store_conn *c = store_conn_get();
	struct store_res *r = NULL;
	struct idp_actor sys = {.email = "system", .role = "system"};
	unsigned char anchor[IDP_SHA256_LEN];
	char d[24], seq[24], detail[200], hex[2 * IDP_SHA256_LEN + 1];
	enum idp_err err;
	long n = 0;

	if (deleted)
		*deleted = 0;
	if (!c)
		return IDP_ERR_DB;
	if ((err = store_begin(c, tenant_id)))
		return err;
	snprintf(d, sizeof d, "%d", days);
	const char *p[1] = {d};
	if ((err = store_exec(c, STMT_AUDIT_PRUNE_POINT, 1, p, &r)))
		goto out;
	if (store_res_rows(r) != 1) /* nothing old enough */
		goto out;
	if (store_res_bytea(r, 0, 1, anchor, sizeof anchor) != IDP_SHA256_LEN) {
		err = IDP_ERR_DB;
		goto out;
	}
	snprintf(seq, sizeof seq, "%s", store_res_str(r, 0, 0));
	store_res_free(r);
	r = NULL;
	const char *q[1] = {seq};
	if ((err = store_exec(c, STMT_AUDIT_PRUNE, 1, q, &r)))
		goto out;
	n = store_res_affected(r);
	idp_hex(anchor, sizeof anchor, hex);
	snprintf(detail, sizeof detail,
	         "{\"through_seq\":%s,\"anchor\":\"%s\",\"deleted\":%ld,\"retention_days\":%d}",
	         seq, hex, n, days);
	err = idp_audit_write(c, tenant_id, &sys, "audit.pruned", "", "success", detail);
out:
	store_res_free(r);
	if (!err && n > 0)
		err = store_commit(c);
	else
		store_rollback(c);
	if (!err && deleted)
		*deleted = n;
	return err;
}

enum idp_err idp_audit_verify(int64_t tenant_id, long *checked, int64_t *first_bad)
{
	struct store_conn *c = store_conn_get();
	struct store_res *r = NULL;
	enum idp_err err;
	unsigned char prev[IDP_SHA256_LEN] = {0}, hash[IDP_SHA256_LEN], stored[IDP_SHA256_LEN];
	unsigned char sprev[IDP_SHA256_LEN];
	int64_t first_seq = 1;

	*checked = 0;
	*first_bad = 0;
	if (!c)
		return IDP_ERR_DB;
	err = store_begin(c, tenant_id);
	if (err)
		return err;
	err = store_exec(c, STMT_AUDIT_ALL, 0, NULL, &r);
	if (err)
		goto out;
	/* After retention the chain starts later, from the hash recorded by the
	 * audit.pruned event that removed what came before. */
	if (store_res_rows(r) > 0 && store_res_i64(r, 0, AUD_SEQ) != 1) {
		first_seq = store_res_i64(r, 0, AUD_SEQ);
		if (store_res_bytea(r, 0, AUD_PREV, prev, sizeof prev) != IDP_SHA256_LEN ||
		    !pruned_to(r, first_seq, prev)) {
			*first_bad = first_seq;
			err = IDP_ERR_CONFLICT;
			goto out;
		}
	}
	for (int i = 0; i < store_res_rows(r); i++) {
		struct idp_audit_fields f = {
		    .tenant_id = tenant_id,
		    .seq = store_res_i64(r, i, AUD_SEQ),
		    .at = store_res_str(r, i, AUD_AT),
		    .actor = store_res_str(r, i, AUD_ACTOR),
		    .role = store_res_str(r, i, AUD_ROLE),
		    .ip = store_res_str(r, i, AUD_IP),
		    .action = store_res_str(r, i, AUD_ACTION),
		    .target = store_res_str(r, i, AUD_TARGET),
		    .result = store_res_str(r, i, AUD_RESULT),
		    .detail = store_res_str(r, i, AUD_DETAIL),
		};
		bool ok =
		    f.seq == first_seq + i &&
		    store_res_bytea(r, i, AUD_PREV, sprev, sizeof sprev) == IDP_SHA256_LEN &&
		    store_res_bytea(r, i, AUD_HASH, stored, sizeof stored) == IDP_SHA256_LEN &&
		    memcmp(sprev, prev, IDP_SHA256_LEN) == 0;
		if (ok) {
			idp_audit_hash(prev, &f, hash);
			ok = memcmp(hash, stored, IDP_SHA256_LEN) == 0;
		}
		if (!ok) {
			*first_bad = f.seq ? f.seq : i + 1;
			err = IDP_ERR_CONFLICT;
			goto out;
		}
		memcpy(prev, hash, IDP_SHA256_LEN);
		(*checked)++;
	}
	/* The head must point at the last event: catches a truncated tail. */
	store_res_free(r);
	r = NULL;
	char tid[24];
	snprintf(tid, sizeof tid, "%lld", (long long)tenant_id);
	const char *p[1] = {tid};
	err = store_exec(c, STMT_AUDIT_HEAD_LOCK, 1, p, &r);
	if (err)
		goto out;
	if (store_res_rows(r) == 1) {
		unsigned char head[IDP_SHA256_LEN];
		if (store_res_i64(r, 0, 0) != first_seq - 1 + *checked ||
		    store_res_bytea(r, 0, 1, head, sizeof head) != IDP_SHA256_LEN ||
		    memcmp(head, prev, IDP_SHA256_LEN) != 0) {
			*first_bad = *checked + 1;
			err = IDP_ERR_CONFLICT;
		}
	} else if (*checked) {
		*first_bad = 1;
		err = IDP_ERR_CONFLICT;
	}
out:
	store_res_free(r);
	store_rollback(c);
	return err;
}
