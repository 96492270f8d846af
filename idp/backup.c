/* Backups: see idp/backup.h. */
#include "idp/backup.h"
#include "idp/backup_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idp/idp.h"
#include "idp/json.h"
#include "idp/keys.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "store/backup.h"

#define FORMAT       "sekisho-backup-1"
#define PREFIX       "sekisho-"
#define TMP_PREFIX   ".sekisho-"
#define TMP_SUFFIX   ".tmp"
#define LOCK_NAME    ".sekisho-backup.lock"
#define STAMP_LEN    16 /* YYYYMMDDTHHMMSSZ */
#define MANIFEST_MAX 4096
#define MAX_GENS     4096 /* generations looked at when rotating */
#define DUMP_SUFFIX  ".dump"
#define MANIF_SUFFIX ".manifest"

#ifndef SEKISHO_VERSION
#define SEKISHO_VERSION "unknown"
#endif

/* ---- names ---- */

/* True for "sekisho-YYYYMMDDTHHMMSSZ" followed by suffix, and nothing else. */
static bool our_name(const char *name, const char *suffix)
{
	size_t pl = strlen(PREFIX), sl = strlen(suffix);

	if (strlen(name) != pl + STAMP_LEN + sl || strncmp(name, PREFIX, pl) ||
	    strcmp(name + pl + STAMP_LEN, suffix))
		return false;
	for (int i = 0; i < STAMP_LEN; i++) {
		char ch = name[pl + i];
		bool ok = i == 8 ? ch == 'T' : i == 15 ? ch == 'Z' : (ch >= '0' && ch <= '9');
		if (!ok)
			return false;
	}
	return true;
}

/* The manifest's name for a dump's name (both ours). */
static void manifest_name(const char *dump, char out[IDP_BACKUP_NAME_MAX])
{
	snprintf(out, IDP_BACKUP_NAME_MAX, "%.*s" MANIF_SUFFIX,
	         (int)(strlen(dump) - strlen(DUMP_SUFFIX)), dump);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* True when name is one of our manifests' names; dump gets its dump's. */
static bool our_name_manifest(const char *name, char dump[IDP_BACKUP_NAME_MAX])
{
	if (!our_name(name, MANIF_SUFFIX))
		return false;
	snprintf(dump, IDP_BACKUP_NAME_MAX, "%.*s" DUMP_SUFFIX,
	         (int)(strlen(name) - strlen(MANIF_SUFFIX)), name);
	return true;
}

/* ---- the master key ---- */

bool idp_backup_key_matches(const struct idp_backup_manifest *m)
{
	return strcmp(idp_key_current_fp(), m->key_fp) == 0;
}

/* ---- manifests ---- */

void idp_backup_mac(const struct idp_backup_manifest *m, const unsigned char *master, char out[65])
{
	struct idp_derived d;
	unsigned char mac[IDP_SHA256_LEN];
	char buf[512];
	/* Each member with its length: no two manifests read the same. */
	int n =
	    snprintf(buf, sizeof buf, "%zu:%s\n%zu:%s\n%zu:%s\n%d\n%zu:%s\n%lld\n%zu:%s\n%zu:%s\n",
	             strlen(FORMAT), FORMAT, strlen(m->time), m->time, strlen(m->version),
	             m->version, m->schema_version, strlen(m->file), m->file, (long long)m->size,
	             strlen(m->sha256), m->sha256, strlen(m->key_fp), m->key_fp);

	idp_key_derive(master, &d);
	idp_hmac_sha256(d.backup, sizeof d.backup, buf,
	                n > 0 && (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, mac);
	idp_hex(mac, sizeof mac, out);
	out[64] = 0;
	explicit_bzero(&d, sizeof d);
}

static char *manifest_text(const struct idp_backup_manifest *m)
{
	json_object *o = json_object_new_object();
	char *text = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "format", json_object_new_string(FORMAT));
	json_object_object_add(o, "time", json_object_new_string(m->time));
	json_object_object_add(o, "sekisho_version", json_object_new_string(m->version));
	json_object_object_add(o, "schema_version", json_object_new_int(m->schema_version));
	json_object_object_add(o, "file", json_object_new_string(m->file));
	json_object_object_add(o, "size", json_object_new_int64(m->size));
	json_object_object_add(o, "sha256", json_object_new_string(m->sha256));
	json_object_object_add(o, "key_fingerprint", json_object_new_string(m->key_fp));
	json_object_object_add(o, "hmac", json_object_new_string(m->hmac));
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	if (s && asprintf(&text, "%s\n", s) < 0)
		text = NULL;
	json_object_put(o);
	return text;
}

static bool hex_ok(const char *s, size_t n)
{
	if (!s || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Read text[0..len) into *m; false when a member is missing or malformed. */
static bool manifest_parse(const char *text, size_t len, struct idp_backup_manifest *m)
{
	json_object *o = NULL, *v;
	bool ok = false;

	memset(m, 0, sizeof *m);
	if (idp_json_object(text, len, 2, &o, NULL, 0))
		return false;
	const char *format = idp_json_str(o, "format"), *file = idp_json_str(o, "file");
	const char *at = idp_json_str(o, "time"), *ver = idp_json_str(o, "sekisho_version");
	const char *sha = idp_json_str(o, "sha256"), *kc = idp_json_str(o, "key_fingerprint");
	const char *mac = idp_json_str(o, "hmac");
	if (!format || strcmp(format, FORMAT) || !file || !our_name(file, DUMP_SUFFIX) || !at ||
	    strlen(at) >= sizeof m->time || !ver || strlen(ver) >= sizeof m->version ||
	    !hex_ok(sha, 64) || !hex_ok(kc, IDP_KEY_FP_LEN))
		goto out;
	/* Checked against the key later: a manifest without one is refused then. */
	if (mac && hex_ok(mac, 64))
		idp_copy(m->hmac, sizeof m->hmac, mac);
	if (!json_object_object_get_ex(o, "size", &v) || !json_object_is_type(v, json_type_int))
		goto out;
	m->size = json_object_get_int64(v);
	if (!json_object_object_get_ex(o, "schema_version", &v) ||
	    !json_object_is_type(v, json_type_int))
		goto out;
	m->schema_version = json_object_get_int(v);
	idp_copy(m->file, sizeof m->file, file);
	idp_copy(m->time, sizeof m->time, at);
	idp_copy(m->version, sizeof m->version, ver);
	idp_copy(m->sha256, sizeof m->sha256, sha);
	idp_copy(m->key_fp, sizeof m->key_fp, kc);
	ok = m->size >= 0 && m->schema_version > 0;
out:
	json_object_put(o);
	return ok;
}

/* ---- the operator log ---- */

void idp_backup_record(const char *action, const char *target, const char *why, json_object *d)
{
	if (!d)
		return;
	if (why)
		json_object_object_add(d, "reason", json_object_new_string(why));
	const char *s = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN);
	if (s)
		idp_oplog_record(action, target, why ? "failure" : "success", s);
	json_object_put(d);
}

/* Add the members that mark the daily backup into dir to d; d (NULL when
 * out of memory). */
static json_object *add_daily(json_object *d, const char *dir)
{
	if (!d)
		return NULL;
	json_object_object_add(d, "daily", json_object_new_boolean(true));
	json_object_object_add(d, "dir", json_object_new_string(dir ? dir : ""));
	return d;
}

json_object *idp_backup_detail(const struct idp_backup_manifest *m)
{
	json_object *d = json_object_new_object();

	if (!d || !m->file[0])
		return d;
	json_object_object_add(d, "size", json_object_new_int64(m->size));
	json_object_object_add(d, "sha256", json_object_new_string(m->sha256));
	json_object_object_add(d, "time", json_object_new_string(m->time));
	json_object_object_add(d, "schema_version", json_object_new_int(m->schema_version));
	return d;
}

/* ---- the directory ---- */

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Open dir (creating it 0700 when only it is missing); returns its fd or
 * -1 with why. */
static int dir_open(const char *dir, char *why, size_t whysz)
{
	int fd;

	if (!dir || !dir[0]) {
		snprintf(why, whysz, "no backup directory (set backup_dir or give --dir)");
		return -1;
	}
	if (mkdir(dir, 0700) == 0) {
		idp_info("backup: created directory %s", dir);
		/* Whatever the umask: the directory holds every tenant's data. */
		chmod(dir, 0700);
	} else if (errno == ENOENT) {
		snprintf(why, whysz, "backup directory %s: its parent directory does not exist",
		         dir);
		return -1;
	} else if (errno != EEXIST) {
		snprintf(why, whysz, "backup directory %s: %s", dir, strerror(errno));
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		snprintf(why, whysz, "backup directory %s: %s", dir, strerror(errno));
	return fd;
}

/* Take the directory's lock (waiting for another run); fd or -1 with why. */
static int dir_lock(int dfd, const char *dir, char *why, size_t whysz)
{
	int fd = openat(dfd, LOCK_NAME, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(why, whysz, "backup directory %s is not writable: %s", dir,
		         strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			snprintf(why, whysz, "backup directory %s: lock: %s", dir, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Remove what a killed or failed run left: temporary files, a dump whose
 * manifest was never renamed into place, a manifest whose dump is gone.
 * Under the directory's lock. */
static void dir_clean(int dfd, const char *dir)
{
	int fd = dup(dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d); /* the duplicate shares dfd's offset */
	while ((e = readdir(d))) {
		char manifest[IDP_BACKUP_NAME_MAX];
		bool stale = false;

		if (!strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) &&
		    ends_with(e->d_name, TMP_SUFFIX))
			stale = true;
		else if (our_name(e->d_name, DUMP_SUFFIX)) {
			manifest_name(e->d_name, manifest);
			stale = faccessat(dfd, manifest, F_OK, 0) != 0 && errno == ENOENT;
		} else if (our_name_manifest(e->d_name, manifest)) {
			stale = faccessat(dfd, manifest, F_OK, 0) != 0 && errno == ENOENT;
		}
		if (!stale)
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			idp_warn("backup: removed %s/%s left by an interrupted backup", dir,
			         e->d_name);
	}
	closedir(d);
}

static int name_desc(const void *a, const void *b)
{
	return strcmp(*(char *const *)b, *(char *const *)a);
}

/* Keep the newest keep generations (a dump with its manifest); delete the
 * older ones, manifest first so that a crash halfway leaves a dump that the
 * next run cleans; never fresh, the generation just written (whatever the
 * clock did).  *kept and *deleted count generations. */
static void rotate(int dfd, const char *dir, const char *fresh, unsigned keep, int *kept,
                   int *deleted)
{
	int fd = dup(dfd), n = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	char **names = calloc(MAX_GENS, sizeof *names);
	struct dirent *e;

	*kept = *deleted = 0;
	if (!d || !names) {
		if (!d && fd >= 0)
			close(fd);
		goto out;
	}
	rewinddir(d); /* the duplicate shares dfd's offset */
	while ((e = readdir(d)) && n < MAX_GENS) {
		char manifest[IDP_BACKUP_NAME_MAX];
		if (!our_name(e->d_name, DUMP_SUFFIX))
			continue;
		manifest_name(e->d_name, manifest);
		if (faccessat(dfd, manifest, F_OK, 0))
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	qsort(names, (size_t)n, sizeof *names, name_desc);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], fresh))
			(*kept)++;
	for (int i = 0; i < n; i++) {
		char manifest[IDP_BACKUP_NAME_MAX];
		if (!strcmp(names[i], fresh))
			continue;
		if ((unsigned)*kept < keep) {
			(*kept)++;
			continue;
		}
		manifest_name(names[i], manifest);
		if (unlinkat(dfd, manifest, 0) || unlinkat(dfd, names[i], 0)) {
			idp_error("backup: cannot delete old generation %s/%s: %s", dir, names[i],
			          strerror(errno));
			continue;
		}
		idp_info("backup: deleted old generation %s/%s", dir, names[i]);
		(*deleted)++;
	}
out:
	if (d)
		closedir(d);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- taking a backup ---- */

/* A new generation's names from the time, waiting a second when one of
 * this second exists already; false when one still exists (the clock
 * stands or goes back): never overwrite a generation. */
static bool new_name(int dfd, struct idp_backup_manifest *m)
{
	char man[IDP_BACKUP_NAME_MAX];

	for (int tries = 0;; tries++) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[STAMP_LEN + 1];

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		strftime(m->time, sizeof m->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(m->file, sizeof m->file, PREFIX "%s" DUMP_SUFFIX, stamp);
		manifest_name(m->file, man);
		bool taken = faccessat(dfd, m->file, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
		             faccessat(dfd, man, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
		if (!taken)
			return true;
		if (tries >= 3)
			return false;
		sleep(1);
	}
}

/* Rename from to to in dfd, failing (EEXIST) when to exists. */
static int place(int dfd, const char *from, const char *to)
{
	if (renameat2(dfd, from, dfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: a link fails the same way. */
	if (linkat(dfd, from, dfd, to, 0))
		return -1;
	unlinkat(dfd, from, 0);
	return 0;
}

/* Write text into a new file name in dfd (0600), synced. */
static int write_new(int dfd, const char *name, const char *text, char *why, size_t whysz)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(why, whysz, "cannot create %s: %s", name, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) || write_all(fd, text, strlen(text)) || fsync(fd)) {
		snprintf(why, whysz, "cannot write %s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd)) {
		snprintf(why, whysz, "cannot write %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The dump, into the temporary tmp: pg_dump, sync, then its size and
 * digest read back from the disk. */
static enum idp_err dump_into(const struct idp_backup_opts *o, int dfd, const char *tmp,
                              struct idp_backup_manifest *m, char *why, size_t whysz)
{
	unsigned char h[IDP_SHA256_LEN];
	enum idp_err err;
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(why, whysz, "cannot create %s in %s: %s", tmp, o->dir, strerror(errno));
		return IDP_ERR_IO;
	}
	err = IDP_OK;
	if (fchmod(fd, 0600)) {
		snprintf(why, whysz, "chmod %s: %s", tmp, strerror(errno));
		err = IDP_ERR_IO;
	}
	if (!err)
		err = store_pg_dump(o->bindir, o->conninfo, fd, why, whysz);
	if (!err && (fsync(fd) || close(fd))) {
		snprintf(why, whysz, "writing the dump: %s", strerror(errno));
		fd = -1;
		err = IDP_ERR_IO;
	} else if (!err) {
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	if (err)
		return err;
	fd = openat(dfd, tmp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || idp_sha256_fd(fd, h, &m->size)) {
		snprintf(why, whysz, "reading the dump back: %s", strerror(errno));
		err = IDP_ERR_IO;
	}
	if (fd >= 0)
		close(fd);
	for (int i = 0; !err && i < IDP_SHA256_LEN; i++)
		snprintf(m->sha256 + 2 * i, 3, "%02x", h[i]);
	return err;
}

enum idp_err idp_backup_create(const struct idp_backup_opts *o, struct idp_backup_result *r,
                               char *why, size_t whysz)
{
	struct idp_backup_manifest *m = &r->m;
	struct store_admin *db = NULL;
	char tmp_dump[IDP_BACKUP_NAME_MAX + 16] = "", tmp_man[IDP_BACKUP_NAME_MAX + 16] = "";
	char man[IDP_BACKUP_NAME_MAX], dbwhy[256];
	char *text = NULL;
	bool dump_placed = false, man_placed = false;
	int dfd = -1, lock = -1;
	enum idp_err err = IDP_ERR_IO;

	memset(r, 0, sizeof *r);
	why[0] = 0;
	dfd = dir_open(o->dir, why, whysz);
	if (dfd < 0)
		goto out;
	lock = dir_lock(dfd, o->dir, why, whysz);
	if (lock < 0)
		goto out;
	dir_clean(dfd, o->dir);
	err = store_admin_open(o->conninfo, &db, dbwhy, sizeof dbwhy);
	if (!err)
		err = store_admin_schema_version(db, &m->schema_version);
	if (err) {
		snprintf(why, whysz, "database not reachable: %s", dbwhy[0] ? dbwhy : "see log");
		goto out;
	}
	store_admin_close(db);
	db = NULL;
	if (!new_name(dfd, m)) {
		snprintf(why, whysz, "%s exists already (is the clock right?): not overwriting it",
		         m->file);
		err = IDP_ERR_CONFLICT;
		goto out;
	}
	idp_copy(m->version, sizeof m->version, SEKISHO_VERSION);
	idp_copy(m->key_fp, sizeof m->key_fp, idp_key_current_fp());
	manifest_name(m->file, man);
	snprintf(tmp_dump, sizeof tmp_dump, ".%s" TMP_SUFFIX, m->file);
	snprintf(tmp_man, sizeof tmp_man, ".%s" TMP_SUFFIX, man);
	err = dump_into(o, dfd, tmp_dump, m, why, whysz);
	if (err)
		goto out;
	idp_backup_mac(m, idp_key_current(), m->hmac);
	err = IDP_ERR_NOMEM;
	text = manifest_text(m);
	if (!text)
		goto out;
	err = IDP_ERR_IO;
	if (write_new(dfd, tmp_man, text, why, whysz))
		goto out;
	/* The dump first, the manifest last: the manifest makes it a
	 * generation.  Neither replaces a file of that name. */
	if (place(dfd, tmp_dump, m->file)) {
		snprintf(why, whysz, "rename %s: %s", m->file, strerror(errno));
		goto out;
	}
	tmp_dump[0] = 0;
	dump_placed = true;
	if (place(dfd, tmp_man, man)) {
		snprintf(why, whysz, "rename %s: %s", man, strerror(errno));
		goto out;
	}
	tmp_man[0] = 0;
	man_placed = true;
	if (fsync(dfd)) {
		snprintf(why, whysz, "sync of %s: %s", o->dir, strerror(errno));
		goto out;
	}
	dump_placed = man_placed = false;
	err = IDP_OK;
	snprintf(r->path, sizeof r->path, "%s/%s", o->dir, m->file);
	rotate(dfd, o->dir, m->file, o->keep ? o->keep : 1, &r->kept, &r->deleted);
	fsync(dfd);
out:
	if (err && dfd >= 0) {
		/* Nothing of this run stays behind. */
		if (tmp_dump[0])
			unlinkat(dfd, tmp_dump, 0);
		if (tmp_man[0])
			unlinkat(dfd, tmp_man, 0);
		if (man_placed)
			unlinkat(dfd, man, 0);
		if (dump_placed)
			unlinkat(dfd, m->file, 0);
		fsync(dfd);
	}
	if (err == IDP_ERR_NOMEM && !why[0])
		snprintf(why, whysz, "out of memory");
	store_admin_close(db);
	free(text);
	if (lock >= 0)
		close(lock);
	if (dfd >= 0)
		close(dfd);
	json_object *d = idp_backup_detail(m);
	if (o->daily)
		add_daily(d, o->dir);
	if (d && !err) {
		json_object_object_add(d, "kept", json_object_new_int(r->kept));
		json_object_object_add(d, "deleted", json_object_new_int(r->deleted));
	}
	if (err)
		idp_error("backup into %s failed: %s", o->dir ? o->dir : "(none)", why);
	else
		idp_info("backup: %s (%lld bytes, %d generations kept, %d deleted)", r->path,
		         (long long)m->size, r->kept, r->deleted);
	idp_backup_record("backup.created", m->file[0] ? m->file : (o->dir ? o->dir : ""),
	                  err ? why : NULL, d);
	return err;
}

/* ---- checking a file ---- */

/* Read the manifest at path (at most MANIFEST_MAX bytes). */
static enum idp_err read_manifest(const char *path, struct idp_backup_manifest *m, char *why,
                                  size_t whysz)
{
	char buf[MANIFEST_MAX + 1];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, whysz, "%s: %s (every backup has a manifest next to it)", path,
		         strerror(errno));
		return IDP_ERR_IO;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[got] = 0;
	if (got == MANIFEST_MAX || !manifest_parse(buf, got, m)) {
		snprintf(why, whysz, "%s: not a sekisho backup manifest", path);
		return IDP_ERR_INVALID;
	}
	return IDP_OK;
}

enum idp_err idp_backup_check_open(const char *path, struct idp_backup_manifest *m, char *dump,
                                   size_t dumpsz, int *fdout, char *why, size_t whysz)
{
	char mpath[4096], sha[65], mac[65];
	unsigned char h[IDP_SHA256_LEN];
	int64_t size = 0;
	size_t base;
	enum idp_err err;
	int fd;

	*fdout = -1;
	memset(m, 0, sizeof *m);
	if (ends_with(path, DUMP_SUFFIX))
		base = strlen(path) - strlen(DUMP_SUFFIX);
	else if (ends_with(path, MANIF_SUFFIX))
		base = strlen(path) - strlen(MANIF_SUFFIX);
	else {
		snprintf(why, whysz, "%s: not a sekisho backup (its name ends in .dump)", path);
		return IDP_ERR_INVALID;
	}
	if (base + sizeof MANIF_SUFFIX > sizeof mpath || base + sizeof DUMP_SUFFIX > dumpsz) {
		snprintf(why, whysz, "%s: path too long", path);
		return IDP_ERR_INVALID;
	}
	snprintf(mpath, sizeof mpath, "%.*s" MANIF_SUFFIX, (int)base, path);
	snprintf(dump, dumpsz, "%.*s" DUMP_SUFFIX, (int)base, path);
	err = read_manifest(mpath, m, why, whysz);
	if (err)
		return err;
	const char *slash = strrchr(dump, '/');
	if (strcmp(slash ? slash + 1 : dump, m->file)) {
		snprintf(why, whysz, "%s: the manifest is for %s, not for this file", mpath,
		         m->file);
		return IDP_ERR_INVALID;
	}
	if (!idp_backup_key_matches(m)) {
		snprintf(why, whysz,
		         "%s was taken under another master key (fingerprint %s, this one %s): "
		         "its manifest is signed and TOTP seeds and SAML keys in it are sealed "
		         "under that key; check or restore it with that key file as "
		         "master_key_file (after a rotation, a <master_key_file>.old-… file)",
		         dump, m->key_fp, idp_key_current_fp());
		return IDP_ERR_INVALID;
	}
	idp_backup_mac(m, idp_key_current(), mac);
	if (strlen(m->hmac) != 64 || !idp_ct_equal(mac, m->hmac, 64)) {
		snprintf(why, whysz,
		         "%s: manifest not made with this master key, or altered: refusing it",
		         mpath);
		return IDP_ERR_INVALID;
	}
	fd = open(dump, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whysz, "%s: %s", dump, strerror(errno));
		return IDP_ERR_IO;
	}
	err = idp_sha256_fd(fd, h, &size);
	if (err) {
		snprintf(why, whysz, "%s: cannot read: %s", dump, strerror(errno));
		close(fd);
		return err;
	}
	idp_hex(h, sizeof h, sha);
	sha[64] = 0;
	if (size != m->size || strcmp(sha, m->sha256)) {
		snprintf(why, whysz,
		         "%s: checksum mismatch, the file is truncated or altered (%lld bytes, "
		         "SHA-256 %.16s…; the manifest says %lld bytes, %.16s…): refusing it",
		         dump, (long long)size, sha, (long long)m->size, m->sha256);
		close(fd);
		return IDP_ERR_INVALID;
	}
	*fdout = fd;
	return IDP_OK;
}

enum idp_err idp_backup_check(const char *path, struct idp_backup_manifest *m, char *dump,
                              size_t dumpsz, char *why, size_t whysz)
{
	int fd = -1;
	enum idp_err err = idp_backup_check_open(path, m, dump, dumpsz, &fd, why, whysz);

	if (fd >= 0)
		close(fd);
	return err;
}

/* ---- the daily backup ---- */

/* Whether the operator log holds a successful daily backup.created into
 * dir at or after due. */
static enum idp_err done_since(const char *dir, time_t due, bool *done)
{
	json_object *with = add_daily(json_object_new_object(), dir);
	const char *s = with ? json_object_to_json_string_ext(with, JSON_C_TO_STRING_PLAIN) : NULL;
	int64_t at = 0;
	enum idp_err err = s ? idp_oplog_last_with("backup.created", s, &at) : IDP_ERR_NOMEM;

	json_object_put(with);
	*done = !err && at >= (int64_t)due;
	return err == IDP_ERR_NOT_FOUND ? IDP_OK : err;
}

enum idp_err idp_backup_daily(const struct idp_backup_opts *o, unsigned minute, time_t now,
                              bool *taken)
{
	struct idp_backup_result r;
	struct store_admin *db = NULL;
	struct tm tm;
	char why[512];
	bool done = false, got = false;
	enum idp_err err;

	*taken = false;
	gmtime_r(&now, &tm);
	time_t due = now - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec) + (time_t)minute * 60;
	if (now < due)
		return IDP_OK;
	err = done_since(o->dir, due, &done);
	if (err || done)
		return err;
	/* One node takes it: the lock, then the log again (another node may
	 * have finished it just before we got the lock). */
	err = store_admin_open(o->conninfo, &db, why, sizeof why);
	if (!err)
		err = store_admin_try_backup_lock(db, &got);
	if (!err && got)
		err = done_since(o->dir, due, &done);
	if (!err && got && !done) {
		struct idp_backup_opts daily = *o;
		daily.daily = true;
		*taken = true;
		err = idp_backup_create(&daily, &r, why, sizeof why);
	}
	store_admin_close(db);
	return err;
}
