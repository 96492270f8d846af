/*
 * The master key (see idp/keys.h): reading and writing key files, deciding
 * what the files found at start mean, checking them against the database's
 * fingerprint, the key lock, and the keys derived from the master key.
 */
#include "idp/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idp/base64.h"
#include "idp/idp.h"
#include "idp/log.h"
#include "mfa/mfa.h"
#include "store/masterkey.h"

struct idp_runtime idp_rt;

static unsigned char cur_master[IDP_MASTER_LEN];
static char cur_fp[IDP_KEY_FP_LEN + 1];

void idp_key_derive(const unsigned char master[IDP_MASTER_LEN], struct idp_derived *d)
{
	static const char csrf[] = "sekisho csrf v1", totp[] = "sekisho totp v1",
	                  saml[] = "sekisho saml key v1", wrap[] = "sekisho recovery wrap v1",
	                  backup[] = "sekisho backup v1";

	idp_hmac_sha256(master, IDP_MASTER_LEN, csrf, sizeof csrf - 1, d->csrf);
	idp_hmac_sha256(master, IDP_MASTER_LEN, totp, sizeof totp - 1, d->totp);
	idp_hmac_sha256(master, IDP_MASTER_LEN, saml, sizeof saml - 1, d->samlkey);
	idp_hmac_sha256(master, IDP_MASTER_LEN, wrap, sizeof wrap - 1, d->wrap);
	idp_hmac_sha256(master, IDP_MASTER_LEN, backup, sizeof backup - 1, d->backup);
}

void idp_key_fingerprint(const unsigned char master[IDP_MASTER_LEN], char out[IDP_KEY_FP_LEN + 1])
{
	static const char label[] = "sekisho key fingerprint v1";
	unsigned char mac[IDP_SHA256_LEN];

	idp_hmac_sha256(master, IDP_MASTER_LEN, label, sizeof label - 1, mac);
	idp_hex(mac, IDP_KEY_FP_LEN / 2, out);
	out[IDP_KEY_FP_LEN] = 0;
}

static bool fp_equal(const char *a, const char *b)
{
	return a && b && strlen(a) == IDP_KEY_FP_LEN && strlen(b) == IDP_KEY_FP_LEN &&
	       idp_ct_equal(a, b, IDP_KEY_FP_LEN);
}

enum idp_key_action idp_key_decide(const struct idp_key_seen *s)
{
	bool master_ok = s->master == IDP_KEYFILE_OK;

	if (!s->db_fp) {
		/* Nothing was ever sealed under a recorded key, so no rotation
		 * can have written this .new: it is nobody's. */
		if (s->next != IDP_KEYFILE_ABSENT)
			return IDP_KEY_ERR_NEW_ALONE;
		if (s->master == IDP_KEYFILE_ABSENT)
			return IDP_KEY_CREATE;
		return master_ok ? IDP_KEY_RECORD : IDP_KEY_ERR_BAD;
	}
	if (s->next == IDP_KEYFILE_OK && fp_equal(s->next_fp, s->db_fp))
		return s->exclusive ? IDP_KEY_FINISH : IDP_KEY_ERR_BUSY;
	if (master_ok && fp_equal(s->master_fp, s->db_fp))
		return s->next == IDP_KEYFILE_ABSENT ? IDP_KEY_USE
		       : s->exclusive                ? IDP_KEY_DISCARD
		                                     : IDP_KEY_USE_IGNORE;
	if (s->next != IDP_KEYFILE_ABSENT)
		return IDP_KEY_ERR_NEW_ALONE;
	if (s->master == IDP_KEYFILE_ABSENT)
		return IDP_KEY_ERR_MISSING;
	return master_ok ? IDP_KEY_ERR_MISMATCH : IDP_KEY_ERR_BAD;
}

bool idp_key_old_name(const char *path, time_t t, int n, char *out, size_t outsz)
{
	struct tm tm;
	char stamp[32];
	int len;

	if (!gmtime_r(&t, &tm) || !strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm))
		return false;
	len = n > 0 ? snprintf(out, outsz, "%s.old-%s-%d", path, stamp, n)
	            : snprintf(out, outsz, "%s.old-%s", path, stamp);
	return len > 0 && (size_t)len < outsz;
}

bool idp_key_new_path(const char *master, char *out, size_t outsz)
{
	int len = snprintf(out, outsz, "%s.new", master);

	return len > 0 && (size_t)len < outsz;
}

/* ---- key files ---- */

static enum idp_err read_all(int fd, unsigned char *buf, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = read(fd, buf + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return IDP_ERR_IO;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return IDP_OK;
}

/* Read the key in path: ABSENT, BAD (the reason logged) or OK with key and
 * its fingerprint filled. */
static enum idp_keyfile key_read(const char *path, unsigned char key[IDP_MASTER_LEN],
                                 char fp[IDP_KEY_FP_LEN + 1])
{
	unsigned char extra;
	enum idp_keyfile res = IDP_KEYFILE_BAD;
	struct stat st;
	size_t got, more;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return IDP_KEYFILE_ABSENT;
	if (fd < 0 || fstat(fd, &st)) {
		idp_error("key file %s: cannot read: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		idp_error("key file %s: not a regular file", path);
		goto out;
	}
	if (st.st_mode & 0077) {
		idp_error("key file %s: readable by group or others (mode %03o); chmod 600 it",
		          path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (read_all(fd, key, IDP_MASTER_LEN, &got) || got != IDP_MASTER_LEN ||
	    read_all(fd, &extra, 1, &more) || more != 0) {
		idp_error("key file %s: must hold exactly %d bytes", path, IDP_MASTER_LEN);
		goto out;
	}
	idp_key_fingerprint(key, fp);
	res = IDP_KEYFILE_OK;
out:
	if (fd >= 0)
		close(fd);
	if (res != IDP_KEYFILE_OK)
		idp_wipe(key, IDP_MASTER_LEN);
	return res;
}

/* fsync the directory holding path, so a create or rename in it is durable. */
static enum idp_err sync_dir_of(const char *path)
{
	char copy[4096];
	int fd;

	if ((size_t)snprintf(copy, sizeof copy, "%s", path) >= sizeof copy)
		return IDP_ERR_IO;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd)) {
		idp_error("key file %s: cannot sync its directory: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return IDP_ERR_IO;
	}
	close(fd);
	return IDP_OK;
}

enum idp_err idp_key_write_new(const char *path, const unsigned char key[IDP_MASTER_LEN])
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	enum idp_err err = IDP_OK;

	if (fd < 0) {
		idp_error("key file %s: cannot create: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	if (write(fd, key, IDP_MASTER_LEN) != IDP_MASTER_LEN || fsync(fd)) {
		idp_error("key file %s: cannot write: %s", path, strerror(errno));
		err = IDP_ERR_IO;
	}
	if (close(fd) && !err) {
		idp_error("key file %s: cannot write: %s", path, strerror(errno));
		err = IDP_ERR_IO;
	}
	if (!err)
		err = sync_dir_of(path);
	if (err)
		unlink(path);
	return err;
}

enum idp_err idp_key_finish(const char *master, const char *path_new, char *old_path, size_t old_sz)
{
	char old[4096];
	time_t now = time(NULL);
	struct stat st;

	if (old_path && old_sz)
		old_path[0] = 0;
	if (lstat(master, &st) == 0) {
		/* Never overwrite an older key that backups may still need. */
		int n = 0, rc = -1;
		for (; n < 100; n++) {
			if (!idp_key_old_name(master, now, n, old, sizeof old))
				return IDP_ERR_IO;
			rc = renameat2(AT_FDCWD, master, AT_FDCWD, old, RENAME_NOREPLACE);
			if (rc == 0 || errno != EEXIST)
				break;
		}
		if (rc) {
			idp_error("key file %s: cannot move it to %s: %s", master, old,
			          strerror(errno));
			return IDP_ERR_IO;
		}
		if (old_path)
			snprintf(old_path, old_sz, "%s", old);
	} else if (errno != ENOENT) {
		idp_error("key file %s: %s", master, strerror(errno));
		return IDP_ERR_IO;
	}
	if (rename(path_new, master)) {
		idp_error("key file %s: cannot move it to %s: %s", path_new, master,
		          strerror(errno));
		return IDP_ERR_IO;
	}
	return sync_dir_of(master);
}

const unsigned char *idp_key_current(void)
{
	return cur_master;
}

const char *idp_key_current_fp(void)
{
	return cur_fp;
}

/* ---- at start ---- */

enum idp_err idp_init(const struct idp_config *cfg)
{
	idp_rt.cfg = cfg;
	if (mkdir(cfg->data_dir, 0700) && errno != EEXIST) {
		idp_error("data_dir %s: %s", cfg->data_dir, strerror(errno));
		return IDP_ERR_IO;
	}
	return IDP_OK;
}

/* Take the key lock: exclusive for a rotation (at once or never); else
 * exclusive when free (to settle the key files), shared otherwise, waiting
 * up to 15 s for a sibling that holds it exclusive while it starts. */
static enum idp_err take_lock(struct store_conn *c, bool rotation, bool *exclusive)
{
	enum idp_err err;
	bool got = false;

	*exclusive = false;
	for (int i = 0; i < 75; i++) {
		err = store_keylock_try(c, true, &got);
		if (err || got) {
			*exclusive = got;
			return err;
		}
		if (rotation) {
			idp_error("key rotate: another sekisho process is running (it holds the "
			          "key lock): stop every sekisho serve first");
			return IDP_ERR_CONFLICT;
		}
		err = store_keylock_try(c, false, &got);
		if (err || got)
			return err;
		if (i == 0)
			idp_warn("a master-key rotation holds the key lock; waiting");
		usleep(200 * 1000);
	}
	idp_error("a master-key rotation is running (it holds the key lock); start again when "
	          "it has ended");
	return IDP_ERR_CONFLICT;
}

static void log_action_error(enum idp_key_action act, const char *master, const char *path_new,
                             const struct idp_key_seen *s)
{
	switch (act) {
	case IDP_KEY_ERR_BAD:
		idp_error("master_key_file %s cannot be used (see above)", master);
		break;
	case IDP_KEY_ERR_MISSING:
		idp_error("master_key_file %s is missing, but the database's secrets are sealed "
		          "with the key of fingerprint %s: put that key file back (a restored "
		          "database needs the key that was current when its backup was taken)",
		          master, s->db_fp);
		break;
	case IDP_KEY_ERR_MISMATCH:
		idp_error("master_key_file %s (fingerprint %s) is not the key the database's "
		          "secrets are sealed with (fingerprint %s): wrong key file? (a restored "
		          "database needs the key that was current when its backup was taken; "
		          "old keys are kept as %s.old-*)",
		          master, s->master_fp, s->db_fp, master);
		break;
	case IDP_KEY_ERR_NEW_ALONE:
		idp_error("%s is left over and matches no key the database knows (database: %s, "
		          "master_key_file: %s): move it away after checking where it came from",
		          path_new, s->db_fp ? s->db_fp : "none recorded yet",
		          s->master == IDP_KEYFILE_OK ? s->master_fp : "unusable");
		break;
	case IDP_KEY_ERR_BUSY:
		idp_error(
		    "a master-key rotation committed but its key file %s is not in place yet, "
		    "and other sekisho processes run: stop them all, then start one",
		    path_new);
		break;
	default: break;
	}
}

/* Create the master key of a new installation. */
static enum idp_err create_master(const char *path, unsigned char key[IDP_MASTER_LEN])
{
	enum idp_err err = idp_random(key, IDP_MASTER_LEN);

	if (!err)
		err = idp_key_write_new(path, key);
	if (!err)
		idp_info("created master key %s", path);
	return err;
}

/* The recovery-code key: from the database, sealed under the current key;
 * on the first start after the upgrade, the one keys derived before (so the
 * codes already stored still match), recorded sealed.  Then the row must
 * name the key in use (another node may have recorded another). */
static enum idp_err recovery_key(struct store_conn *c, const struct idp_derived *d,
                                 const unsigned char master[IDP_MASTER_LEN], bool have_row,
                                 struct store_masterkey *row)
{
	static const char legacy[] = "sekisho recovery v1";
	size_t n = 0;
	enum idp_err err = IDP_OK;

	if (!have_row) {
		struct store_masterkey k;
		unsigned char rk[IDP_SHA256_LEN];
		idp_hmac_sha256(master, IDP_MASTER_LEN, legacy, sizeof legacy - 1, rk);
		idp_key_fingerprint(master, k.fingerprint);
		err = mfa_seal(d->wrap, 0, 0, rk, sizeof rk, k.recovery_sealed,
		               sizeof k.recovery_sealed, &n);
		idp_wipe(rk, sizeof rk);
		if (!err)
			err = store_masterkey_init(c, &k);
		if (!err)
			err = store_masterkey_get(c, false, row);
		if (err)
			return err;
		if (!fp_equal(row->fingerprint, cur_fp)) {
			idp_error("master_key_file %s (fingerprint %s) is not the key the database "
			          "recorded meanwhile (fingerprint %s)",
			          idp_rt.cfg->master_key_file, cur_fp, row->fingerprint);
			return IDP_ERR_CONFIG;
		}
		idp_info("recorded master key fingerprint %s", cur_fp);
	}
	err = mfa_open(d->wrap, 0, 0, row->recovery_sealed, sizeof row->recovery_sealed,
	               idp_rt.recovery_key, sizeof idp_rt.recovery_key, &n);
	if (!err && n != sizeof idp_rt.recovery_key)
		err = IDP_ERR_CRYPTO;
	if (err)
		idp_error("the database's recovery-code key does not open with master_key_file %s",
		          idp_rt.cfg->master_key_file);
	return err;
}

/* Settle the key files and load the key; exclusive: we may rename and delete. */
static enum idp_err settle(struct store_conn *c, bool exclusive)
{
	const char *master = idp_rt.cfg->master_key_file;
	char path_new[4096], master_fp[IDP_KEY_FP_LEN + 1] = "", next_fp[IDP_KEY_FP_LEN + 1] = "",
	                                                old[4096];
	unsigned char next[IDP_MASTER_LEN];
	struct store_masterkey row;
	struct idp_derived d;
	struct idp_key_seen s = {.exclusive = exclusive};
	enum idp_key_action act;
	enum idp_err err;

	if (!idp_key_new_path(master, path_new, sizeof path_new)) {
		idp_error("master_key_file %s: path too long", master);
		return IDP_ERR_CONFIG;
	}
	err = store_masterkey_get(c, false, &row);
	if (err && err != IDP_ERR_NOT_FOUND) {
		idp_error("cannot read the master key's fingerprint from the database: %s",
		          idp_strerror(err));
		return err;
	}
	bool have_row = !err;
	err = IDP_OK;
	s.db_fp = have_row ? row.fingerprint : NULL;
	s.master = key_read(master, cur_master, master_fp);
	s.master_fp = master_fp;
	s.next = key_read(path_new, next, next_fp);
	s.next_fp = next_fp;
	act = idp_key_decide(&s);
	switch (act) {
	case IDP_KEY_FINISH:
		err = idp_key_finish(master, path_new, old, sizeof old);
		if (err)
			break;
		memcpy(cur_master, next, sizeof next);
		idp_warn("finished an interrupted master-key rotation: %s is the new key "
		         "(fingerprint %s)%s%s",
		         master, next_fp, old[0] ? ", the old one is kept as " : "", old);
		break;
	case IDP_KEY_DISCARD:
		if (unlink(path_new) || sync_dir_of(path_new)) {
			idp_error("%s: cannot remove it: %s", path_new, strerror(errno));
			err = IDP_ERR_IO;
			break;
		}
		idp_warn("removed %s, left by a master-key rotation that did not commit: %s "
		         "stays the key",
		         path_new, master);
		break;
	case IDP_KEY_USE_IGNORE:
		idp_warn("%s is left by a master-key rotation that did not commit; the next start "
		         "without other sekisho processes removes it",
		         path_new);
		break;
	case IDP_KEY_CREATE: err = create_master(master, cur_master); break;
	case IDP_KEY_USE:
	case IDP_KEY_RECORD: break;
	default:
		log_action_error(act, master, path_new, &s);
		err = act == IDP_KEY_ERR_BUSY ? IDP_ERR_CONFLICT : IDP_ERR_CONFIG;
		break;
	}
	idp_wipe(next, sizeof next);
	if (err)
		return err;
	idp_key_fingerprint(cur_master, cur_fp);
	idp_key_derive(cur_master, &d);
	err = recovery_key(c, &d, cur_master, have_row, &row);
	if (!err) {
		memcpy(idp_rt.csrf_key, d.csrf, sizeof d.csrf);
		memcpy(idp_rt.totp_key, d.totp, sizeof d.totp);
		memcpy(idp_rt.samlkey_key, d.samlkey, sizeof d.samlkey);
	}
	idp_wipe(&d, sizeof d);
	return err;
}

enum idp_err idp_keys_open(bool rotation)
{
	struct store_conn *c = store_conn_get();
	bool exclusive = false;
	enum idp_err err;

	if (!c) {
		idp_error("%s", "database unreachable: cannot check the master key");
		return IDP_ERR_DB;
	}
	err = take_lock(c, rotation, &exclusive);
	if (err)
		return err;
	err = settle(c, exclusive);
	if (err || rotation || !exclusive)
		return err;
	/* Settled: hold the lock shared like every other process, so a
	 * rotation waits for us.  A rotation that slipped in between would
	 * leave our keys stale: refuse. */
	bool got = false;
	err = store_keylock_try(c, false, &got);
	if (!err)
		err = store_keylock_release(c, true);
	if (!err && !got) {
		idp_error("%s", "a master-key rotation started meanwhile: start again when it has "
		                "ended");
		err = IDP_ERR_CONFLICT;
	}
	return err;
}

enum idp_err idp_keys_guard(void)
{
	struct store_conn *c = store_conn_get();
	struct store_masterkey row;
	bool got = false;
	enum idp_err err;

	if (!c)
		return IDP_ERR_DB;
	err = store_keylock_keep(c, &got);
	if (!err && !got) {
		idp_error("%s", "a master-key rotation holds the key lock: this daemon's keys "
		                "are about to be stale");
		return IDP_ERR_CONFLICT;
	}
	if (!err)
		err = store_masterkey_get(c, false, &row);
	if (!err && !fp_equal(row.fingerprint, cur_fp)) {
		idp_error("the master key was rotated (fingerprint %s, this daemon has %s): this "
		          "daemon's keys are stale",
		          row.fingerprint, cur_fp);
		return IDP_ERR_CONFLICT;
	}
	return err;
}

void idp_csrf_token(const char *binding, char out[IDP_TOKEN_LEN + 1])
{
	unsigned char mac[IDP_SHA256_LEN];

	idp_hmac_sha256(idp_rt.csrf_key, sizeof idp_rt.csrf_key, binding, strlen(binding), mac);
	idp_base64_encode(IDP_B64_URL, mac, sizeof mac, out, IDP_TOKEN_LEN + 1);
}

bool idp_csrf_ok(const char *binding, const char *submitted)
{
	char want[IDP_TOKEN_LEN + 1];

	if (!binding || !*binding || !submitted || strlen(submitted) != IDP_TOKEN_LEN)
		return false;
	idp_csrf_token(binding, want);
	return idp_ct_equal(want, submitted, IDP_TOKEN_LEN);
}
