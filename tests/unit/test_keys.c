/*
 * Unit tests for the pure parts of idp/keys.c: the master key's fingerprint,
 * the purpose keys derived from it (the labels existing installations
 * sealed their secrets with), the decision what the key files found at
 * start mean after a crash during `sekisho key rotate`, and the old key's
 * file name.  No I/O, no database.
 */
#include "idp/backup.h"
#include "idp/crypto.h"
#include "idp/keys.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "tests/unit/check.h"

static void key_of(unsigned char k[IDP_MASTER_LEN], unsigned char base)
{
	for (int i = 0; i < IDP_MASTER_LEN; i++)
		k[i] = (unsigned char)(base + i);
}

TEST(fingerprint_is_32_hex_digits_of_a_labelled_hmac)
{
	unsigned char k[IDP_MASTER_LEN];
	char fp[IDP_KEY_FP_LEN + 1], again[IDP_KEY_FP_LEN + 1];

	key_of(k, 0);
	idp_key_fingerprint(k, fp);
	/* HMAC-SHA-256(key, "sekisho key fingerprint v1"), first 16 bytes. */
	CHECK_STR(fp, "d07836971b58b507398164422b485276");
	idp_key_fingerprint(k, again);
	CHECK_STR(fp, again);
}

TEST(fingerprint_differs_per_key_and_is_not_the_key_hash)
{
	unsigned char a[IDP_MASTER_LEN], b[IDP_MASTER_LEN], h[IDP_SHA256_LEN];
	char fa[IDP_KEY_FP_LEN + 1], fb[IDP_KEY_FP_LEN + 1], hex[2 * IDP_SHA256_LEN + 1];

	key_of(a, 0);
	key_of(b, 0);
	b[31] ^= 1;
	idp_key_fingerprint(a, fa);
	idp_key_fingerprint(b, fb);
	CHECK(strcmp(fa, fb) != 0);
	idp_sha256(a, sizeof a, h);
	idp_hex(h, sizeof h, hex);
	CHECK(strncmp(fa, hex, IDP_KEY_FP_LEN) != 0);
	idp_hex(a, IDP_KEY_FP_LEN / 2, hex);
	CHECK(strncmp(fa, hex, IDP_KEY_FP_LEN) != 0);
}

TEST(derived_keys_keep_the_labels_secrets_were_sealed_with)
{
	unsigned char k[IDP_MASTER_LEN], want[IDP_SHA256_LEN];
	struct idp_derived d;

	key_of(k, 0);
	idp_key_derive(k, &d);
	idp_hmac_sha256(k, sizeof k, "sekisho totp v1", 15, want);
	CHECK(memcmp(d.totp, want, sizeof want) == 0);
	idp_hmac_sha256(k, sizeof k, "sekisho saml key v1", 19, want);
	CHECK(memcmp(d.samlkey, want, sizeof want) == 0);
	idp_hmac_sha256(k, sizeof k, "sekisho csrf v1", 15, want);
	CHECK(memcmp(d.csrf, want, sizeof want) == 0);
	idp_hmac_sha256(k, sizeof k, "sekisho backup v1", 17, want);
	CHECK(memcmp(d.backup, want, sizeof want) == 0);
	/* Every purpose has its own key. */
	CHECK(memcmp(d.backup, d.wrap, sizeof d.wrap) != 0);
	CHECK(memcmp(d.wrap, d.totp, sizeof d.wrap) != 0);
	CHECK(memcmp(d.wrap, d.samlkey, sizeof d.wrap) != 0);
	CHECK(memcmp(d.wrap, d.csrf, sizeof d.wrap) != 0);
	CHECK(memcmp(d.totp, d.samlkey, sizeof d.totp) != 0);
}

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccc"

static enum idp_key_action decide(enum idp_keyfile master, const char *mfp, enum idp_keyfile next,
                                  const char *nfp, const char *db, bool exclusive)
{
	struct idp_key_seen s = {master, next, mfp, nfp, db, exclusive};

	return idp_key_decide(&s);
}

#define OK     IDP_KEYFILE_OK
#define ABSENT IDP_KEYFILE_ABSENT
#define BAD    IDP_KEYFILE_BAD

TEST(first_start_creates_or_records_the_key)
{
	CHECK(decide(ABSENT, NULL, ABSENT, NULL, NULL, true) == IDP_KEY_CREATE);
	CHECK(decide(OK, A, ABSENT, NULL, NULL, true) == IDP_KEY_RECORD);
	CHECK(decide(OK, A, ABSENT, NULL, NULL, false) == IDP_KEY_RECORD);
	CHECK(decide(BAD, NULL, ABSENT, NULL, NULL, true) == IDP_KEY_ERR_BAD);
	/* No rotation can have written a .new before a fingerprint was recorded. */
	CHECK(decide(OK, A, OK, B, NULL, true) == IDP_KEY_ERR_NEW_ALONE);
	CHECK(decide(ABSENT, NULL, BAD, NULL, NULL, true) == IDP_KEY_ERR_NEW_ALONE);
}

TEST(the_database_key_is_used_and_others_refused)
{
	CHECK(decide(OK, A, ABSENT, NULL, A, true) == IDP_KEY_USE);
	CHECK(decide(OK, A, ABSENT, NULL, A, false) == IDP_KEY_USE);
	CHECK(decide(OK, B, ABSENT, NULL, A, true) == IDP_KEY_ERR_MISMATCH);
	CHECK(decide(ABSENT, NULL, ABSENT, NULL, A, true) == IDP_KEY_ERR_MISSING);
	CHECK(decide(BAD, NULL, ABSENT, NULL, A, true) == IDP_KEY_ERR_BAD);
	/* A fingerprint that is not 32 digits never matches. */
	CHECK(decide(OK, "aaaa", ABSENT, NULL, "aaaa", true) == IDP_KEY_ERR_MISMATCH);
}

TEST(a_committed_rotation_is_finished_by_an_exclusive_holder)
{
	/* The database has the new key: crash after COMMIT ... */
	CHECK(decide(OK, A, OK, B, B, true) == IDP_KEY_FINISH);
	/* ... or between the two renames (master_key_file moved away) ... */
	CHECK(decide(ABSENT, NULL, OK, B, B, true) == IDP_KEY_FINISH);
	/* ... or with a damaged old file. */
	CHECK(decide(BAD, NULL, OK, B, B, true) == IDP_KEY_FINISH);
	/* Others run: do not rename under them. */
	CHECK(decide(OK, A, OK, B, B, false) == IDP_KEY_ERR_BUSY);
}

TEST(an_uncommitted_rotation_is_discarded)
{
	/* The database still has the old key: crash before COMMIT. */
	CHECK(decide(OK, A, OK, B, A, true) == IDP_KEY_DISCARD);
	/* A .new cut short before its fsync (the transaction never began). */
	CHECK(decide(OK, A, BAD, NULL, A, true) == IDP_KEY_DISCARD);
	CHECK(decide(OK, A, OK, B, A, false) == IDP_KEY_USE_IGNORE);
}

TEST(a_new_file_matching_nothing_is_refused)
{
	CHECK(decide(OK, C, OK, B, A, true) == IDP_KEY_ERR_NEW_ALONE);
	CHECK(decide(ABSENT, NULL, OK, B, A, true) == IDP_KEY_ERR_NEW_ALONE);
	CHECK(decide(BAD, NULL, BAD, NULL, A, true) == IDP_KEY_ERR_NEW_ALONE);
	CHECK(decide(OK, C, OK, B, A, false) == IDP_KEY_ERR_NEW_ALONE);
}

TEST(old_key_name_is_utc_time_with_a_counter)
{
	char out[128];
	time_t t = 1796030460; /* 2026-11-30T09:21:00Z */

	CHECK(idp_key_old_name("/d/master.key", t, 0, out, sizeof out));
	CHECK_STR(out, "/d/master.key.old-20261130T092100Z");
	CHECK(idp_key_old_name("/d/master.key", t, 2, out, sizeof out));
	CHECK_STR(out, "/d/master.key.old-20261130T092100Z-2");
	CHECK(!idp_key_old_name("/d/master.key", t, 0, out, 20));
	CHECK(idp_key_new_path("/d/master.key", out, sizeof out));
	CHECK_STR(out, "/d/master.key.new");
	CHECK(!idp_key_new_path("/d/master.key", out, 10));
}

/* The MAC of c under k differs from base. */
static bool mac_differs(const struct idp_backup_manifest *c, const unsigned char *k,
                        const char *base)
{
	char mac[65];

	idp_backup_mac(c, k, mac);
	return strcmp(mac, base) != 0;
}

TEST(backup_manifest_mac_covers_every_member_and_the_key)
{
	unsigned char k[IDP_MASTER_LEN], k2[IDP_MASTER_LEN];
	struct idp_backup_manifest m = {.file = "sekisho-20261130T030000Z.dump",
	                                .time = "2026-11-30T03:00:00Z",
	                                .version = "0.1.0",
	                                .schema_version = 10,
	                                .size = 1234,
	                                .sha256 = "00112233445566778899aabbccddeeff"
	                                          "00112233445566778899aabbccddeeff",
	                                .key_fp = "d07836971b58b507398164422b485276"};
	struct idp_backup_manifest c[7];
	char base[65];

	key_of(k, 0);
	key_of(k2, 1);
	idp_backup_mac(&m, k, base);
	CHECK(strlen(base) == 64);
	CHECK(!mac_differs(&m, k, base));
	CHECK(mac_differs(&m, k2, base));
	for (int i = 0; i < 7; i++)
		c[i] = m;
	c[0].size++;
	c[1].sha256[0] = '1';
	c[2].schema_version = 9;
	c[3].time[18] = '1';
	c[4].version[0] = '1';
	c[5].file[10] = '3';
	c[6].key_fp[0] = 'e';
	for (int i = 0; i < 7; i++)
		CHECK(mac_differs(&c[i], k, base));
}

int main(void)
{
	RUN(fingerprint_is_32_hex_digits_of_a_labelled_hmac);
	RUN(fingerprint_differs_per_key_and_is_not_the_key_hash);
	RUN(derived_keys_keep_the_labels_secrets_were_sealed_with);
	RUN(first_start_creates_or_records_the_key);
	RUN(the_database_key_is_used_and_others_refused);
	RUN(a_committed_rotation_is_finished_by_an_exclusive_holder);
	RUN(an_uncommitted_rotation_is_discarded);
	RUN(a_new_file_matching_nothing_is_refused);
	RUN(old_key_name_is_utc_time_with_a_counter);
	RUN(backup_manifest_mac_covers_every_member_and_the_key);
	return check_summary();
}
