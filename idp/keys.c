/*
 * The master key: 32 random bytes in master_key_file, created 0600 on first
 * start, never stored in the database.  Purpose keys are derived from it
 * with HMAC-SHA-256 over a label, so the master key itself is used nowhere
 * else.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idp/base64.h"
#include "idp/idp.h"
#include "idp/log.h"

#define MASTER_LEN 32

struct idp_runtime idp_rt;

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

static enum idp_err load_master(const char *path, unsigned char key[MASTER_LEN])
{
	unsigned char extra;
	struct stat st;
	size_t got;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		enum idp_err err = idp_random(key, MASTER_LEN);
		if (!err && write(fd, key, MASTER_LEN) != MASTER_LEN)
			err = IDP_ERR_IO;
		if (!err && fsync(fd))
			err = IDP_ERR_IO;
		close(fd);
		if (err) {
			unlink(path);
			idp_error("master_key_file %s: cannot create: %s", path, strerror(errno));
			return err;
		}
		idp_info("created master key %s", path);
		return IDP_OK;
	}
	if (errno != EEXIST) {
		idp_error("master_key_file %s: %s", path, strerror(errno));
		return IDP_ERR_IO;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		idp_error("master_key_file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return IDP_ERR_IO;
	}
	if (st.st_mode & 0077) {
		idp_error(
		    "master_key_file %s: readable by group or others (mode %03o); chmod 600 it",
		    path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return IDP_ERR_CONFIG;
	}
	if (read_all(fd, key, MASTER_LEN, &got) || got != MASTER_LEN ||
	    read_all(fd, &extra, 1, &got) || got != 0) {
		idp_error("master_key_file %s: must hold exactly %d bytes", path, MASTER_LEN);
		close(fd);
		return IDP_ERR_CONFIG;
	}
	close(fd);
	return IDP_OK;
}

enum idp_err idp_init(const struct idp_config *cfg)
{
	unsigned char master[MASTER_LEN];
	static const char label[] = "sekisho csrf v1";
	enum idp_err err;

	idp_rt.cfg = cfg;
	if (mkdir(cfg->data_dir, 0700) && errno != EEXIST) {
		idp_error("data_dir %s: %s", cfg->data_dir, strerror(errno));
		return IDP_ERR_IO;
	}
	err = load_master(cfg->master_key_file, master);
	if (err)
		return err;
	idp_hmac_sha256(master, sizeof master, label, sizeof label - 1, idp_rt.csrf_key);
	idp_hmac_sha256(master, sizeof master, "sekisho totp v1", 15, idp_rt.totp_key);
	idp_hmac_sha256(master, sizeof master, "sekisho recovery v1", 19, idp_rt.recovery_key);
	idp_hmac_sha256(master, sizeof master, "sekisho saml key v1", 19, idp_rt.samlkey_key);
	idp_wipe(master, sizeof master);
	return IDP_OK;
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
