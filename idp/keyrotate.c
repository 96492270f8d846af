/*
 * Master-key rotation (see idp/keys.h for the three steps and why a crash
 * at any point leaves the old or the new key in force, never a mix): the new
 * key file first, then one transaction that re-seals every sealed secret of
 * every tenant -- TOTP seeds, TOTP enrolment candidates, SAML private keys --
 * and the recovery-code key, replaces the fingerprint and writes key.rotated
 * to the operator log, then the key files change places.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idp/internal.h"
#include "idp/keys.h"
#include "idp/log.h"
#include "idp/oplog.h"
#include "mfa/mfa.h"
#include "store/masterkey.h"
#include "store/samlkey.h"
#include "store/tenant.h"

struct rotate_args {
	const struct idp_derived *old, *new;
	const char *old_fp, *new_fp;
	long totp, candidates, saml; /* set by each attempt */
};

/* Open box (sealed under from for tenant and row id) and seal it again under
 * to, into box itself (same length); to NULL: only open it.  IDP_ERR_CRYPTO
 * when it does not open. */
static enum idp_err reseal(const unsigned char from[32], const unsigned char to[32],
                           int64_t tenant_id, int64_t id, unsigned char *box, size_t *n)
{
	unsigned char *plain = *n > MFA_SEAL_OVERHEAD ? malloc(*n) : NULL;
	size_t m = 0, again = 0;
	enum idp_err err;

	if (*n <= MFA_SEAL_OVERHEAD)
		return IDP_ERR_CRYPTO;
	if (!plain)
		return IDP_ERR_NOMEM;
	err = mfa_open(from, tenant_id, id, box, *n, plain, *n, &m);
	if (!err && !to)
		again = *n;
	else if (!err)
		err = mfa_seal(to, tenant_id, id, plain, m, box, *n, &again);
	if (!err && again != *n)
		err = IDP_ERR_CRYPTO;
	idp_wipe(plain, *n);
	free(plain);
	return err;
}

static enum idp_err reseal_totp(struct store_conn *c, const struct store_tenant *t,
                                struct rotate_args *a)
{
	struct store_sealed_totp *rows = NULL;
	int n = 0;
	enum idp_err err = store_sealed_totp_list(c, &rows, &n);

	for (int i = 0; !err && i < n; i++) {
		struct store_sealed_totp *s = &rows[i];
		const char *what = "seed";
		if (s->secret_len)
			err = reseal(a->old->totp, a->new ? a->new->totp : NULL, t->id, s->user_id,
			             s->secret, &s->secret_len);
		if (!err && s->pending_len) {
			what = "enrolment candidate";
			err = reseal(a->old->totp, a->new ? a->new->totp : NULL, t->id, s->user_id,
			             s->pending, &s->pending_len);
		}
		if (err == IDP_ERR_CRYPTO)
			idp_error(
			    "tenant %s: the TOTP %s of user %lld does not open with the current "
			    "master key; nothing was changed",
			    t->slug, what, (long long)s->user_id);
		if (!err && a->new)
			err = store_sealed_totp_set(c, s);
		a->totp += s->secret_len ? 1 : 0;
		a->candidates += s->pending_len ? 1 : 0;
	}
	if (rows)
		idp_wipe(rows, (size_t)n * sizeof *rows);
	free(rows);
	return err;
}

static enum idp_err reseal_saml(struct store_conn *c, const struct store_tenant *t,
                                struct rotate_args *a)
{
	struct store_sealed_samlkey *rows = NULL;
	int n = 0;
	enum idp_err err = store_sealed_samlkey_list(c, &rows, &n);

	for (int i = 0; !err && i < n; i++) {
		struct store_sealed_samlkey *k = &rows[i];
		err = reseal(a->old->samlkey, a->new ? a->new->samlkey : NULL, t->id, k->id,
		             k->sealed, &k->sealed_len);
		if (err == IDP_ERR_CRYPTO)
			idp_error(
			    "tenant %s: SAML key %lld does not open with the current master key; "
			    "nothing was changed",
			    t->slug, (long long)k->id);
		if (!err && a->new)
			err = store_samlkey_set_sealed(c, k->id, k->sealed, k->sealed_len);
		a->saml++;
	}
	free(rows);
	return err;
}

/* Every sealed secret of every tenant: opened, and re-sealed when a->new. */
static enum idp_err walk_tx(struct store_conn *c, void *arg)
{
	struct rotate_args *a = arg;
	struct store_tenant *tenants = NULL;
	int nt = 0;
	enum idp_err err = store_tenant_list(c, &tenants, &nt);

	a->totp = a->candidates = a->saml = 0;
	for (int i = 0; !err && i < nt; i++) {
		err = store_set_tenant(c, tenants[i].id);
		if (!err)
			err = reseal_totp(c, &tenants[i], a);
		if (!err)
			err = reseal_saml(c, &tenants[i], a);
	}
	free(tenants);
	return err;
}

static enum idp_err rotate_tx(struct store_conn *c, void *arg)
{
	struct rotate_args *a = arg;
	struct store_masterkey row, k;
	char detail[256];
	size_t n = 0;
	bool got = false;
	enum idp_err err;

	/* Held since the start; taking it again proves the connection is still
	 * the one that holds it (a re-established one gets it only when no
	 * other process runs). */
	err = store_keylock_try(c, true, &got);
	if (!err && !got)
		err = IDP_ERR_CONFLICT;
	if (!err)
		err = store_masterkey_get(c, true, &row);
	if (!err && strcmp(row.fingerprint, a->old_fp) != 0)
		err = IDP_ERR_CONFLICT;
	if (!err)
		err = walk_tx(c, a);
	if (err)
		return err;
	memcpy(k.fingerprint, a->new_fp, sizeof k.fingerprint);
	err = mfa_seal(a->new->wrap, 0, 0, idp_rt.recovery_key, sizeof idp_rt.recovery_key,
	               k.recovery_sealed, sizeof k.recovery_sealed, &n);
	if (!err)
		err = store_masterkey_replace(c, a->old_fp, &k);
	if (!err) {
		snprintf(detail, sizeof detail,
		         "{\"totp_secrets\":%ld,\"totp_candidates\":%ld,\"saml_keys\":%ld,"
		         "\"fingerprint\":\"%s\",\"previous_fingerprint\":\"%s\"}",
		         a->totp, a->candidates, a->saml, a->new_fp, a->old_fp);
		err = idp_oplog_write(c, "key.rotated", "master key", "success", detail);
	}
	return err;
}

/* After a failed transaction: did it commit after all (a lost answer to
 * COMMIT)?  Decide by the database's fingerprint, as a start would: finish
 * (IDP_OK) or remove the new key file (txerr stands). */
static enum idp_err after_failure(enum idp_err txerr, const char *master, const char *path_new,
                                  struct idp_key_rotation *out)
{
	struct store_conn *c = store_conn_get();
	struct store_masterkey row;
	enum idp_err err = c ? store_masterkey_get(c, false, &row) : IDP_ERR_DB;

	if (err) {
		idp_error("key rotate: %s, and the database cannot say whether the rotation "
		          "committed: %s stays in place and the next start decides by the "
		          "database's fingerprint",
		          idp_strerror(txerr), path_new);
		return txerr;
	}
	if (!strcmp(row.fingerprint, out->new_fp)) {
		idp_warn("%s", "key rotate: the transaction committed after all");
		return idp_key_finish(master, path_new, out->old_path, sizeof out->old_path);
	}
	idp_error("key rotate: %s; nothing changed, the old master key stays in force",
	          idp_strerror(txerr));
	if (unlink(path_new))
		idp_error("%s: cannot remove it: %s (the next start removes it)", path_new,
		          strerror(errno));
	return txerr;
}

enum idp_err idp_key_rotate(struct idp_key_rotation *out)
{
	const char *master = idp_rt.cfg->master_key_file;
	unsigned char key[IDP_MASTER_LEN];
	char path_new[4096];
	struct idp_derived old, new;
	struct rotate_args a = {.old = &old, .new = &new};
	enum idp_err err, txerr;

	memset(out, 0, sizeof *out);
	if (!idp_key_new_path(master, path_new, sizeof path_new))
		return IDP_ERR_CONFIG;
	snprintf(out->old_fp, sizeof out->old_fp, "%s", idp_key_current_fp());
	err = idp_random(key, sizeof key);
	if (!err)
		err = idp_key_write_new(path_new, key);
	if (err) {
		idp_wipe(key, sizeof key);
		return err;
	}
	idp_key_fingerprint(key, out->new_fp);
	idp_key_derive(idp_key_current(), &old);
	idp_key_derive(key, &new);
	idp_wipe(key, sizeof key);
	a.old_fp = out->old_fp;
	a.new_fp = out->new_fp;
	txerr = idp_tx(0, rotate_tx, &a);
	idp_wipe(&old, sizeof old);
	idp_wipe(&new, sizeof new);
	out->totp_secrets = a.totp;
	out->totp_candidates = a.candidates;
	out->saml_keys = a.saml;
	if (txerr)
		return after_failure(txerr, master, path_new, out);
	err = idp_key_finish(master, path_new, out->old_path, sizeof out->old_path);
	if (err)
		idp_error("the new master key is committed in the database, but %s could not be "
		          "moved into place: the next start finishes it",
		          path_new);
	return err;
}

enum idp_err idp_key_check(struct idp_key_rotation *out)
{
	struct idp_derived cur;
	struct rotate_args a = {.old = &cur};
	enum idp_err err;

	memset(out, 0, sizeof *out);
	snprintf(out->old_fp, sizeof out->old_fp, "%s", idp_key_current_fp());
	idp_key_derive(idp_key_current(), &cur);
	err = idp_tx(0, walk_tx, &a);
	idp_wipe(&cur, sizeof cur);
	out->totp_secrets = a.totp;
	out->totp_candidates = a.candidates;
	out->saml_keys = a.saml;
	return err;
}
