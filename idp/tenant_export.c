/*
 * A tenant's data for handing back to the customer at the end of a
 * contract: its users (never a hash, seed or any other secret) and its
 * audit log with the chain's hashes, each as CSV for people and as JSON
 * for programs.  The JSON audit log carries what the chain hashes exactly
 * as stored, so the customer can re-hash it (idp_audit_hash); the CSV's
 * cells go through idp_csv_field, which defuses spreadsheet formulas and
 * so may prefix a cell with a quote.
 *
 * Everything is read in one transaction holding a share lock on the tenant
 * row (a purge waits for it), then written; the files are made with
 * O_EXCL, and a failure removes the ones this export made, so a directory
 * holds either the whole export or none of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "idp/internal.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/tenant.h"
#include "store/user.h"

enum { F_USERS_CSV, F_USERS_JSON, F_AUDIT_CSV, F_AUDIT_JSON, F_COUNT };

static const char *const file_names[F_COUNT] = {"users.csv", "users.json", "audit.csv",
                                                "audit.json"};

#define USERS_PAGE 1000

struct export_args {
	const char *slug;
	int64_t id;
	struct store_user *users;
	int n_users;
	struct store_audit_event *events;
	int n_events;
};

static void export_reset(void *arg)
{
	struct export_args *a = arg;

	free(a->users);
	store_audit_rows_free(a->events, a->n_events);
	a->users = NULL;
	a->events = NULL;
	a->n_users = a->n_events = 0;
	a->id = 0;
}

static enum idp_err export_tx(struct store_conn *c, void *arg)
{
	struct export_args *a = arg;
	struct store_tenant_state st;
	enum idp_err err;

	err = store_tenant_lock_slug(c, a->slug, false, &st);
	if (!err)
		err = store_set_tenant(c, st.id);
	if (err)
		return err;
	a->id = st.id;
	for (;;) {
		struct store_user *page = NULL, *all;
		int k = 0;

		err = store_user_list(c, NULL, USERS_PAGE, a->n_users, &page, &k);
		if (err) {
			free(page);
			return err;
		}
		all = k ? realloc(a->users, (size_t)(a->n_users + k) * sizeof *all) : a->users;
		if (k && !all) {
			free(page);
			return IDP_ERR_NOMEM;
		}
		if (k)
			memcpy(all + a->n_users, page, (size_t)k * sizeof *all);
		a->users = all;
		a->n_users += k;
		free(page);
		if (k < USERS_PAGE)
			break;
	}
	return store_audit_all(c, &a->events, &a->n_events);
}

/* ---- writing ---- */

/* One CSV line of n cells, every one through idp_csv_field (formula-safe). */
static bool csv_line(FILE *f, const char *const *cells, int n)
{
	for (int i = 0; i < n; i++) {
		const char *s = cells[i] ? cells[i] : "";
		size_t need = idp_csv_field(s, NULL, 0);
		char *tmp = malloc(need + 1);

		if (!tmp)
			return false;
		idp_csv_field(s, tmp, need + 1);
		if ((i && fputc(',', f) == EOF) || fwrite(tmp, 1, need, f) != need) {
			free(tmp);
			return false;
		}
		free(tmp);
	}
	return fputs("\r\n", f) != EOF;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of t into out, or "" for 0 (never). */
static const char *iso_or_empty(int64_t t, char out[21])
{
	out[0] = 0;
	if (t)
		idp_time_iso(t, out);
	return out;
}

/* The second factors a user has, space-separated ("" for none). */
static const char *mfa_of(const struct store_user *u)
{
	return u->totp && u->cert ? "totp cert" : u->totp ? "totp" : u->cert ? "cert" : "";
}

static bool users_csv(FILE *f, const struct export_args *a)
{
	static const char *const head[] = {"email", "name",    "role",      "status",
	                                   "mfa",   "created", "last_login"};

	if (!csv_line(f, head, 7))
		return false;
	for (int i = 0; i < a->n_users; i++) {
		const struct store_user *u = &a->users[i];
		char created[21], last[21];
		const char *cells[] = {u->email,
		                       u->name,
		                       u->role,
		                       u->status,
		                       mfa_of(u),
		                       iso_or_empty(u->created_at, created),
		                       iso_or_empty(u->last_login_at, last)};
		if (!csv_line(f, cells, 7))
			return false;
	}
	return true;
}

static bool audit_csv(FILE *f, const struct export_args *a)
{
	static const char *const head[] = {"seq",       "time_utc",  "actor",  "role",
	                                   "source_ip", "action",    "target", "result",
	                                   "detail",    "prev_hash", "hash"};

	if (!csv_line(f, head, 11))
		return false;
	for (int i = 0; i < a->n_events; i++) {
		const struct store_audit_event *e = &a->events[i];
		char seq[24], prev[2 * STORE_SHA256_LEN + 1], hash[2 * STORE_SHA256_LEN + 1];
		const char *cells[] = {seq,       e->at,     e->actor,  e->role, e->ip, e->action,
		                       e->target, e->result, e->detail, prev,    hash};

		snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
		idp_hex(e->prev, STORE_SHA256_LEN, prev);
		idp_hex(e->hash, STORE_SHA256_LEN, hash);
		if (!csv_line(f, cells, 11))
			return false;
	}
	return true;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

/* The document's head: the tenant and when this was exported. */
static json_object *doc_new(const struct export_args *a)
{
	json_object *o = json_object_new_object();
	char now[21];

	if (!o)
		return NULL;
	idp_time_iso(time(NULL), now);
	json_object_object_add(o, "tenant", json_object_new_string(a->slug));
	json_object_object_add(o, "tenant_id", json_object_new_int64(a->id));
	json_object_object_add(o, "exported_at", json_object_new_string(now));
	return o;
}

static json_object *users_json(const struct export_args *a)
{
	json_object *o = doc_new(a), *list = json_object_new_array();

	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	for (int i = 0; i < a->n_users; i++) {
		const struct store_user *u = &a->users[i];
		json_object *x = json_object_new_object(), *mfa = json_object_new_array();
		char created[21], last[21];

		if (!x || !mfa) {
			json_object_put(x);
			json_object_put(mfa);
			json_object_put(list);
			json_object_put(o);
			return NULL;
		}
		if (u->totp)
			json_object_array_add(mfa, json_object_new_string("totp"));
		if (u->cert)
			json_object_array_add(mfa, json_object_new_string("cert"));
		json_object_object_add(x, "email", json_object_new_string(u->email));
		json_object_object_add(x, "name", json_object_new_string(u->name));
		json_object_object_add(x, "role", json_object_new_string(u->role));
		json_object_object_add(x, "status", json_object_new_string(u->status));
		json_object_object_add(x, "mfa", mfa);
		add_str(x, "created", iso_or_empty(u->created_at, created));
		add_str(x, "last_login", iso_or_empty(u->last_login_at, last));
		json_object_array_add(list, x);
	}
	json_object_object_add(o, "users", list);
	return o;
}

static json_object *audit_json(const struct export_args *a)
{
	json_object *o = doc_new(a), *list = json_object_new_array();

	if (!o || !list) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	/* How to re-hash it (idp_audit_hash). */
	json_object_object_add(
	    o, "chain",
	    json_object_new_string(
	        "hash = SHA-256(\"sekisho-audit-v1\" || prev_hash || each of tenant_id, seq, at, "
	        "actor, role, source_ip, action, target, result, detail as text: its UTF-8 "
	        "length as 4 bytes big-endian, then its bytes)"));
	for (int i = 0; i < a->n_events; i++) {
		const struct store_audit_event *e = &a->events[i];
		json_object *x = json_object_new_object();
		char prev[2 * STORE_SHA256_LEN + 1], hash[2 * STORE_SHA256_LEN + 1];

		if (!x) {
			json_object_put(list);
			json_object_put(o);
			return NULL;
		}
		idp_hex(e->prev, STORE_SHA256_LEN, prev);
		idp_hex(e->hash, STORE_SHA256_LEN, hash);
		json_object_object_add(x, "seq", json_object_new_int64(e->seq));
		json_object_object_add(x, "at", json_object_new_string(e->at));
		json_object_object_add(x, "actor", json_object_new_string(e->actor));
		json_object_object_add(x, "role", json_object_new_string(e->role));
		json_object_object_add(x, "source_ip", json_object_new_string(e->ip));
		json_object_object_add(x, "action", json_object_new_string(e->action));
		json_object_object_add(x, "target", json_object_new_string(e->target));
		json_object_object_add(x, "result", json_object_new_string(e->result));
		json_object_object_add(x, "detail",
		                       json_object_new_string(e->detail ? e->detail : ""));
		json_object_object_add(x, "prev_hash", json_object_new_string(prev));
		json_object_object_add(x, "hash", json_object_new_string(hash));
		json_object_array_add(list, x);
	}
	json_object_object_add(o, "events", list);
	return o;
}

static bool json_out(FILE *f, json_object *o)
{
	const char *s;
	bool ok;

	if (!o)
		return false;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                          JSON_C_TO_STRING_NOSLASHESCAPE);
	ok = s && fputs(s, f) != EOF && fputc('\n', f) != EOF;
	json_object_put(o);
	return ok;
}

static bool write_one(int which, FILE *f, const struct export_args *a)
{
	switch (which) {
	case F_USERS_CSV: return users_csv(f, a);
	case F_USERS_JSON: return json_out(f, users_json(a));
	case F_AUDIT_CSV: return audit_csv(f, a);
	default: return json_out(f, audit_json(a));
	}
}

/* dir/name into out; false when it does not fit. */
static bool path_of(const char *dir, const char *name, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s/%s", dir, name);

	return n > 0 && (size_t)n < outsz;
}

static void say(char *why, size_t whysz, const char *name, const char *what)
{
	if (why && whysz)
		snprintf(why, whysz, "%s: %s", name, what);
}

/* Refuse when any file of the export exists in dir (which may not exist). */
static enum idp_err check_free(const char *dir, char *why, size_t whysz)
{
	char path[4096];
	struct stat sb;

	for (int i = 0; i < F_COUNT; i++) {
		if (!path_of(dir, file_names[i], path, sizeof path)) {
			say(why, whysz, dir, "path too long");
			return IDP_ERR_INVALID;
		}
		if (lstat(path, &sb) == 0) {
			say(why, whysz, path, "exists; not overwritten");
			return IDP_ERR_CONFLICT;
		}
	}
	return IDP_OK;
}

/* Write every file into dir; on failure remove the ones made. */
static enum idp_err write_all(const char *dir, const struct export_args *a, bool made[F_COUNT],
                              char *why, size_t whysz)
{
	char path[4096];

	for (int i = 0; i < F_COUNT; i++) {
		FILE *f;
		int fd;
		bool ok;

		path_of(dir, file_names[i], path, sizeof path);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			say(why, whysz, path, strerror(errno));
			return errno == EEXIST ? IDP_ERR_CONFLICT : IDP_ERR_IO;
		}
		made[i] = true;
		f = fdopen(fd, "w");
		if (!f) {
			close(fd);
			say(why, whysz, path, strerror(errno));
			return IDP_ERR_IO;
		}
		ok = write_one(i, f, a);
		ok = fflush(f) == 0 && ok && fsync(fileno(f)) == 0;
		if (!ok)
			say(why, whysz, path, errno ? strerror(errno) : "write failed");
		ok = fclose(f) == 0 && ok;
		if (!ok) {
			say(why, whysz, path, "write failed");
			return IDP_ERR_IO;
		}
	}
	return IDP_OK;
}

static void remove_made(const char *dir, const bool made[F_COUNT], bool made_dir)
{
	char path[4096];

	for (int i = 0; i < F_COUNT; i++)
		if (made[i] && path_of(dir, file_names[i], path, sizeof path))
			unlink(path);
	if (made_dir)
		rmdir(dir);
}

enum idp_err idp_tenant_export(const char *slug, const char *dir, struct idp_export_counts *out,
                               char *why, size_t whysz)
{
	struct export_args a = {.slug = slug};
	bool made[F_COUNT] = {false}, made_dir = false;
	struct stat sb;
	char detail[128];
	enum idp_err err;

	if (why && whysz)
		why[0] = 0;
	if (out)
		memset(out, 0, sizeof *out);
	if (!slug || !idp_slug_valid(slug))
		return IDP_ERR_NOT_FOUND;
	if (!dir || !*dir) {
		say(why, whysz, "DIR", "missing");
		return IDP_ERR_INVALID;
	}
	err = check_free(dir, why, whysz);
	if (err)
		return err;
	err = idp_tx_run(0, export_tx, export_reset, &a);
	if (err)
		goto out;
	if (mkdir(dir, 0700) == 0) {
		made_dir = true;
	} else if (errno != EEXIST || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		say(why, whysz, dir, errno == EEXIST ? "not a directory" : strerror(errno));
		err = IDP_ERR_IO;
		goto out;
	}
	err = write_all(dir, &a, made, why, whysz);
	if (err)
		goto out;
	snprintf(detail, sizeof detail, "{\"users\":%d,\"events\":%d}", a.n_users, a.n_events);
	err = idp_oplog_record("tenant.exported", slug, "success", detail);
	if (err)
		say(why, whysz, "operator log", "cannot record the export; files removed");
	if (!err && out) {
		out->users = a.n_users;
		out->events = a.n_events;
	}
out:
	if (err)
		remove_made(dir, made, made_dir);
	export_reset(&a);
	return err;
}
