/* The operator log: see idp/oplog.h. */
#include "idp/oplog.h"

#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "store/audit.h"

static struct {
	char actor[64];
	char role[16];
	char host[46];
} who = {"unknown", "operator", ""};

void idp_oplog_identity(const char *role)
{
	struct passwd pw, *found = NULL;
	char buf[1024];

	idp_copy(who.role, sizeof who.role, role);
	if (strcmp(role, "daemon") == 0)
		idp_copy(who.actor, sizeof who.actor, "sekisho");
	else if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found)
		idp_copy(who.actor, sizeof who.actor, found->pw_name);
	else
		snprintf(who.actor, sizeof who.actor, "uid %u", (unsigned)geteuid());
	if (gethostname(buf, sizeof buf) == 0) {
		buf[sizeof buf - 1] = 0;
		idp_copy(who.host, sizeof who.host, buf);
	}
}

static bool action_valid(const char *a)
{
	size_t n = a ? strlen(a) : 0;

	if (n == 0 || n >= 64 || !strchr(a, '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || a[i] == '.' || a[i] == '_'))
			return false;
	return true;
}

enum idp_err idp_oplog_write(struct store_conn *c, const char *action, const char *target,
                             const char *result, const char *detail)
{
	struct store_audit_event e = {0};
	enum idp_err err = IDP_ERR_INVALID;

	if (!action_valid(action) || !result ||
	    (strcmp(result, "success") && strcmp(result, "failure")))
		goto out;
	idp_audit_now(e.at);
	idp_copy(e.actor, sizeof e.actor, who.actor);
	idp_copy(e.role, sizeof e.role, who.role);
	idp_copy(e.ip, sizeof e.ip, who.host);
	idp_copy(e.action, sizeof e.action, action);
	idp_copy(e.target, sizeof e.target, target ? target : "");
	idp_copy(e.result, sizeof e.result, result);
	e.detail = (char *)(detail ? detail : "{}");
	err = store_oplog_append(c, &e);
out:
	if (err)
		idp_error("operator log: cannot record %s: %s", action ? action : "(null)",
		          idp_strerror(err));
	return err;
}

enum idp_err idp_oplog_write_owned(struct store_conn *c, const char *action, const char *target,
                                   const char *result, char *detail)
{
	enum idp_err err;

	if (!detail)
		return IDP_ERR_NOMEM;
	err = idp_oplog_write(c, action, target, result, detail);
	free(detail);
	return err;
}

struct record_args {
	const char *action, *target, *result, *detail;
};

static enum idp_err record_tx(struct store_conn *c, void *arg)
{
	struct record_args *a = arg;

	return idp_oplog_write(c, a->action, a->target, a->result, a->detail);
}

enum idp_err idp_oplog_record(const char *action, const char *target, const char *result,
                              const char *detail)
{
	struct record_args a = {action, target, result, detail};

	return idp_tx(0, record_tx, &a);
}

struct verify_args {
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
	err = store_oplog_head(c, &head_seq, head);
	if (!err)
		err = store_oplog_all(c, &rows, &n);
	/* The operator log is never pruned: it must start at 1. */
	if (!err && n > 0 && rows[0].seq != 1) {
		a->first_bad = 1;
		err = IDP_ERR_CONFLICT;
	}
	if (!err)
		err = idp_audit_chain_check(0, rows, n, true, head_seq, head, &a->checked,
		                            &a->first_bad);
	store_audit_rows_free(rows, n);
	return err;
}

enum idp_err idp_oplog_verify(long *checked, int64_t *first_bad)
{
	struct verify_args a = {0, 0};
	enum idp_err err = idp_tx(0, verify_tx, &a);

	*checked = a.checked;
	*first_bad = a.first_bad;
	return err;
}

/* Seconds since the epoch of a stored "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"; 0 if
 * it does not read. */
static int64_t at_seconds(const char *at)
{
	struct tm tm = {0};

	if (sscanf(at, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	           &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

struct last_args {
	const char *action, *with;
	struct store_audit_event row;
};

static void last_reset(void *arg)
{
	struct last_args *a = arg;

	free(a->row.detail);
	memset(&a->row, 0, sizeof a->row);
}

static enum idp_err last_tx(struct store_conn *c, void *arg)
{
	struct last_args *a = arg;

	return a->with ? store_oplog_last_with(c, a->action, a->with, &a->row)
	               : store_oplog_last(c, a->action, &a->row);
}

enum idp_err idp_oplog_last(const char *action, int64_t *at_unix, bool *ok)
{
	struct last_args a = {action, NULL, {0}};
	enum idp_err err = idp_tx_run(0, last_tx, last_reset, &a);

	if (!err) {
		*at_unix = at_seconds(a.row.at);
		*ok = strcmp(a.row.result, "success") == 0;
	}
	last_reset(&a);
	return err;
}

enum idp_err idp_oplog_last_with(const char *action, const char *with, int64_t *at_unix)
{
	struct last_args a = {action, with, {0}};
	enum idp_err err = idp_tx_run(0, last_tx, last_reset, &a);

	if (!err)
		*at_unix = at_seconds(a.row.at);
	last_reset(&a);
	return err;
}
