/*
 * Unit tests of idp/password.c: our PHC strings against libargon2's own
 * encoder and verifier in both directions, the strict PHC parser, rehash
 * decisions, timing cover for unknown users, and the static password rules.
 * Small Argon2 parameters keep it fast; one test uses the defaults.
 */
#include <argon2.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/password.h"
#include "idp/policy.h"
#include "tests/unit/check.h"

extern const char *const idp_blocklist[];
extern const size_t idp_blocklist_count;

static const struct idp_argon2_params small = {1024, 1, 1};

/* A PHC string made by libargon2 itself. */
static void lib_hash(const char *pw, const char *salt, size_t saltlen, size_t hashlen, uint32_t m,
                     uint32_t t, uint32_t p, char out[IDP_PHC_MAX])
{
	int rc = argon2id_hash_encoded(t, m, p, pw, strlen(pw), salt, saltlen, hashlen, out,
	                               IDP_PHC_MAX);

	if (rc != ARGON2_OK)
		out[0] = '\0';
}

static bool parses(const char *phc)
{
	struct idp_phc info;

	return idp_phc_parse(phc, &info) == IDP_OK;
}

/* ---- hashing and verification ---- */

TEST(hash_has_phc_form_with_16_byte_salt_and_32_byte_hash)
{
	char phc[IDP_PHC_MAX];
	struct idp_phc info;

	CHECK(idp_password_hash("correct horse", &small, phc) == IDP_OK);
	CHECK(strncmp(phc, "$argon2id$v=19$m=1024,t=1,p=1$", 30) == 0);
	CHECK(strchr(phc + 30, '=') == NULL); /* no base64 padding */
	CHECK(idp_phc_parse(phc, &info) == IDP_OK);
	CHECK(info.version == 19);
	CHECK(info.params.memory_kib == 1024 && info.params.iterations == 1);
	CHECK(info.params.parallelism == 1);
	CHECK(info.salt_len == 16 && info.hash_len == 32);
	/* 22 + 1 + 43 characters of unpadded base64 after the parameters */
	CHECK(strlen(phc) == 30 + 22 + 1 + 43);
}

TEST(our_hash_verifies_with_libargon2_verify)
{
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("correct horse", &small, phc) == IDP_OK);
	CHECK(argon2id_verify(phc, "correct horse", 13) == ARGON2_OK);
	CHECK(argon2id_verify(phc, "correct horsE", 13) == ARGON2_VERIFY_MISMATCH);
}

TEST(libargon2_hash_verifies_with_ours)
{
	char phc[IDP_PHC_MAX];

	lib_hash("s3cret pass", "0123456789abcdef", 16, 32, 1024, 1, 1, phc);
	CHECK(phc[0] == '$');
	CHECK(idp_password_verify("s3cret pass", phc) == IDP_OK);
	CHECK(idp_password_verify("s3cret pasS", phc) == IDP_ERR_AUTH);
}

TEST(libargon2_hash_with_8_byte_salt_16_byte_hash_verifies)
{
	char phc[IDP_PHC_MAX];
	struct idp_phc info;

	lib_hash("pw", "saltsalt", 8, 16, 64, 2, 2, phc);
	CHECK(idp_phc_parse(phc, &info) == IDP_OK);
	CHECK(info.salt_len == 8 && info.hash_len == 16 && info.params.parallelism == 2);
	CHECK(idp_password_verify("pw", phc) == IDP_OK);
	CHECK(idp_password_verify("pX", phc) == IDP_ERR_AUTH);
}

TEST(our_encoding_equals_libargon2_encoding_for_same_salt)
{
	char ours[IDP_PHC_MAX];
	char lib[IDP_PHC_MAX];
	char padded[32];
	unsigned char salt[32];
	const char *s;

	/* Recover our salt, have libargon2 hash with it and compare the texts. */
	CHECK(idp_password_hash("same", &small, ours) == IDP_OK);
	s = ours + strlen("$argon2id$v=19$m=1024,t=1,p=1$");
	memcpy(padded, s, 22);
	memcpy(padded + 22, "==", 3);
	CHECK(EVP_DecodeBlock(salt, (const unsigned char *)padded, 24) == 18);
	lib_hash("same", (const char *)salt, 16, 32, 1024, 1, 1, lib);
	CHECK_STR(ours, lib);
}

TEST(hash_twice_gives_different_salts)
{
	char a[IDP_PHC_MAX];
	char b[IDP_PHC_MAX];

	CHECK(idp_password_hash("same", &small, a) == IDP_OK);
	CHECK(idp_password_hash("same", &small, b) == IDP_OK);
	CHECK(strcmp(a, b) != 0);
	CHECK(idp_password_verify("same", a) == IDP_OK);
	CHECK(idp_password_verify("same", b) == IDP_OK);
}

TEST(hash_with_default_params_verifies_both_ways)
{
	const struct idp_argon2_params def = {19456, 2, 1};
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("Tr0ub4dor&3", &def, phc) == IDP_OK);
	CHECK(strncmp(phc, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
	CHECK(idp_password_verify("Tr0ub4dor&3", phc) == IDP_OK);
	CHECK(argon2id_verify(phc, "Tr0ub4dor&3", 11) == ARGON2_OK);
	CHECK(!idp_password_needs_rehash(phc, &def));
}

TEST(hash_with_parallelism_2_verifies_with_libargon2)
{
	const struct idp_argon2_params p2 = {1024, 1, 2};
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("lanes", &p2, phc) == IDP_OK);
	CHECK(strstr(phc, ",p=2$") != NULL);
	CHECK(argon2id_verify(phc, "lanes", 5) == ARGON2_OK);
	CHECK(idp_password_verify("lanes", phc) == IDP_OK);
}

TEST(empty_and_unicode_passwords_round_trip)
{
	char phc[IDP_PHC_MAX];
	const char *jp = "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89";

	CHECK(idp_password_hash("", &small, phc) == IDP_OK);
	CHECK(idp_password_verify("", phc) == IDP_OK);
	CHECK(idp_password_verify(" ", phc) == IDP_ERR_AUTH);
	CHECK(idp_password_hash(jp, &small, phc) == IDP_OK);
	CHECK(argon2id_verify(phc, jp, strlen(jp)) == ARGON2_OK);
	CHECK(idp_password_verify(jp, phc) == IDP_OK);
}

TEST(hash_refuses_password_over_1024_bytes)
{
	char pw[IDP_PASSWORD_MAX + 2];
	char phc[IDP_PHC_MAX];

	memset(pw, 'a', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	CHECK(idp_password_hash(pw, &small, phc) == IDP_ERR_TOO_LARGE);
	CHECK(phc[0] == '\0');
	pw[IDP_PASSWORD_MAX] = '\0';
	CHECK(idp_password_hash(pw, &small, phc) == IDP_OK);
	CHECK(idp_password_verify(pw, phc) == IDP_OK);
}

TEST(verify_overlong_password_is_auth_failure)
{
	char pw[IDP_PASSWORD_MAX + 2];
	char phc[IDP_PHC_MAX];

	memset(pw, 'a', sizeof pw - 1);
	pw[sizeof pw - 1] = '\0';
	CHECK(idp_password_hash("a", &small, phc) == IDP_OK);
	CHECK(idp_password_verify(pw, phc) == IDP_ERR_AUTH);
	CHECK(idp_password_verify(pw, "$argon2i$junk") == IDP_ERR_INVALID);
}

TEST(hash_with_params_libargon2_refuses_is_crypto_error)
{
	const struct idp_argon2_params too_little = {4, 1, 1};
	const struct idp_argon2_params no_passes = {1024, 0, 1};
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("x", &too_little, phc) == IDP_ERR_CRYPTO);
	CHECK(phc[0] == '\0');
	CHECK(idp_password_hash("x", &no_passes, phc) == IDP_ERR_CRYPTO);
}

TEST(verify_malformed_phc_is_invalid)
{
	CHECK(idp_password_verify("x", "") == IDP_ERR_INVALID);
	CHECK(idp_password_verify("x", "$2y$10$abcdefghijklmnopqrstuv") == IDP_ERR_INVALID);
	CHECK(idp_password_verify("x", "plaintext") == IDP_ERR_INVALID);
}

TEST(work_buffer_grows_and_is_reused_across_sizes)
{
	/* 40 MiB is past glibc's mmap threshold, the reason for the buffer. */
	const struct idp_argon2_params big = {40960, 1, 1};
	const struct idp_argon2_params mid = {4096, 1, 1};
	char a[IDP_PHC_MAX];
	char b[IDP_PHC_MAX];
	char c[IDP_PHC_MAX];

	CHECK(idp_password_hash("one", &small, a) == IDP_OK);
	CHECK(idp_password_hash("two", &big, b) == IDP_OK);
	CHECK(idp_password_hash("three", &mid, c) == IDP_OK);
	CHECK(idp_password_verify("one", a) == IDP_OK);
	CHECK(argon2id_verify(b, "two", 3) == ARGON2_OK);
	CHECK(idp_password_verify("two", b) == IDP_OK);
	CHECK(idp_password_verify("three", c) == IDP_OK);
}

static void *hash_thread(void *arg)
{
	char phc[IDP_PHC_MAX];
	const char *pw = arg;
	bool ok;

	ok = idp_password_hash(pw, &small, phc) == IDP_OK &&
	     idp_password_verify(pw, phc) == IDP_OK &&
	     argon2id_verify(phc, pw, strlen(pw)) == ARGON2_OK;
	return ok ? arg : NULL;
}

TEST(hashing_on_several_threads_frees_their_buffers)
{
	pthread_t t[4];
	char *names[4] = {"alpha", "bravo", "charlie", "delta"};
	void *res;

	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, hash_thread, names[i]) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &res) == 0);
		CHECK(res == names[i]);
	}
	/* LeakSanitizer reports it at exit if a thread's work area survived it. */
}

TEST(dummy_verify_works_for_several_param_sets)
{
	const struct idp_argon2_params other = {2048, 1, 1};

	idp_password_verify_dummy("guess", &small);
	idp_password_verify_dummy("guess", &small);
	idp_password_verify_dummy("guess", &other);
	idp_password_verify_dummy(NULL, &other);
	CHECK(1);
}

TEST(dummy_verify_with_bad_params_does_not_crash)
{
	const struct idp_argon2_params bad = {1, 1, 1};

	idp_password_verify_dummy("guess", &bad);
	idp_password_verify_dummy("guess", &bad);
	CHECK(1);
}

/* ---- PHC parsing ---- */

/* A valid string with 16-byte salt and 32-byte hash, all zero bytes. */
#define SALT16 "AAAAAAAAAAAAAAAAAAAAAA"
#define HASH32 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

TEST(phc_parse_reads_parameters)
{
	struct idp_phc info;

	CHECK(idp_phc_parse("$argon2id$v=19$m=65536,t=3,p=4$" SALT16 "$" HASH32, &info) == IDP_OK);
	CHECK(info.version == 19 && info.params.memory_kib == 65536);
	CHECK(info.params.iterations == 3 && info.params.parallelism == 4);
	CHECK(info.salt_len == 16 && info.hash_len == 32);
}

TEST(phc_rejects_argon2i)
{
	CHECK(!parses("$argon2i$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
}

TEST(phc_rejects_argon2d_and_other_schemes)
{
	CHECK(!parses("$argon2d$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2idx$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"));
}

TEST(phc_rejects_missing_or_old_version)
{
	CHECK(!parses("$argon2id$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=16$m=1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=019$m=1024,t=1,p=1$" SALT16 "$" HASH32));
}

TEST(phc_rejects_reordered_or_missing_parameters)
{
	CHECK(!parses("$argon2id$v=19$t=1,m=1024,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1,data=abc$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m= 1024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=+1024,t=1,p=1$" SALT16 "$" HASH32));
}

TEST(phc_rejects_overflow_and_leading_zeros)
{
	CHECK(parses("$argon2id$v=19$m=4294967295,t=4294967295,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=4294967296,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=99999999999,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=01024,t=1,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=16777216$" SALT16 "$" HASH32));
}

TEST(phc_rejects_params_libargon2_cannot_run)
{
	CHECK(!parses("$argon2id$v=19$m=1024,t=0,p=1$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=0$" SALT16 "$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=15,t=1,p=2$" SALT16 "$" HASH32));
	CHECK(parses("$argon2id$v=19$m=16,t=1,p=2$" SALT16 "$" HASH32));
}

TEST(phc_rejects_missing_parts_and_junk)
{
	CHECK(!parses(NULL));
	CHECK(!parses(""));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$"));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32 "$"));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32 " "));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32 "$extra"));
	CHECK(!parses(" $argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$" HASH32));
}

TEST(phc_rejects_salt_under_8_bytes)
{
	/* 7 bytes = 10 characters, 8 bytes = 11 characters */
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAA$" HASH32));
	CHECK(parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAA$" HASH32));
}

TEST(phc_rejects_hash_under_16_bytes)
{
	/* 15 bytes = 20 characters, 16 bytes = 22 characters */
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$AAAAAAAAAAAAAAAAAAAA"));
	CHECK(parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$AAAAAAAAAAAAAAAAAAAAAA"));
}

TEST(phc_rejects_noncanonical_base64)
{
	/* padding, base64url characters, impossible length, nonzero spare bits */
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "==$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAA-_$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAA$" HASH32));
	CHECK(!parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAB$" HASH32));
	CHECK(parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAA+/$" HASH32) == false);
	CHECK(parses("$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAA+w$" HASH32));
}

TEST(phc_rejects_string_of_160_chars_or_more)
{
	char s[IDP_PHC_MAX + 8];
	const char *head = "$argon2id$v=19$m=1024,t=1,p=1$" SALT16 "$";
	size_t n = strlen(head);

	/* hash long enough to reach exactly 159 characters: accepted */
	memcpy(s, head, n);
	memset(s + n, 'A', IDP_PHC_MAX - 1 - n);
	s[IDP_PHC_MAX - 1] = '\0';
	CHECK(parses(s));
	memset(s + n, 'A', IDP_PHC_MAX + 4 - n);
	s[IDP_PHC_MAX + 4] = '\0';
	CHECK(!parses(s));
}

/* ---- rehash ---- */

TEST(rehash_when_memory_changes)
{
	const struct idp_argon2_params more = {2048, 1, 1};
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("pw", &small, phc) == IDP_OK);
	CHECK(!idp_password_needs_rehash(phc, &small));
	CHECK(idp_password_needs_rehash(phc, &more));
}

TEST(rehash_when_iterations_or_parallelism_change)
{
	const struct idp_argon2_params t2 = {1024, 2, 1};
	const struct idp_argon2_params p2 = {1024, 1, 2};
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_hash("pw", &small, phc) == IDP_OK);
	CHECK(idp_password_needs_rehash(phc, &t2));
	CHECK(idp_password_needs_rehash(phc, &p2));
}

TEST(rehash_when_phc_malformed_or_short_salt)
{
	char phc[IDP_PHC_MAX];

	CHECK(idp_password_needs_rehash("garbage", &small));
	CHECK(idp_password_needs_rehash(NULL, &small));
	lib_hash("pw", "saltsalt", 8, 32, 1024, 1, 1, phc);
	CHECK(idp_password_needs_rehash(phc, &small));
}

/* ---- static rules ---- */

static struct idp_policy policy(void)
{
	struct idp_policy p;

	idp_policy_default(&p);
	return p;
}

/* n characters of a pattern that is on no list. */
static void filler(char *pw, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pw[i] = "kfjv7w2q"[i % 8];
	pw[n] = '\0';
}

TEST(min_length_boundary_7_8_64_65)
{
	struct idp_policy p = policy();
	char pw[80];

	filler(pw, 7);
	CHECK(idp_password_check(pw, NULL, &p) == IDP_PW_TOO_SHORT);
	filler(pw, 8);
	CHECK(idp_password_check(pw, NULL, &p) == 0);
	filler(pw, 64);
	CHECK(idp_password_check(pw, NULL, &p) == 0);
	filler(pw, 65);
	CHECK(idp_password_check(pw, NULL, &p) == IDP_PW_TOO_LONG);
	p.password.min_length = 64;
	p.password.max_length = 128;
	filler(pw, 63);
	CHECK(idp_password_check(pw, NULL, &p) == IDP_PW_TOO_SHORT);
}

TEST(length_counts_code_points_not_bytes)
{
	struct idp_policy p = policy();
	/* seven "é" are 14 bytes but 7 characters; eight are enough */
	const char *seven = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	const char *eight = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	/* eight 4-byte emoji: 32 bytes, 8 characters */
	const char *emoji = "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91"
	                    "\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91\xf0\x9f\x94\x91";

	CHECK(idp_password_check(seven, NULL, &p) == IDP_PW_TOO_SHORT);
	CHECK(idp_password_check(eight, NULL, &p) == 0);
	p.password.max_length = 8;
	CHECK(idp_password_check(emoji, NULL, &p) == 0);
}

TEST(bad_utf8_reported_alone)
{
	struct idp_policy p = policy();

	CHECK(idp_password_check("abc\xff", NULL, &p) == IDP_PW_BAD_UTF8);
	CHECK(idp_password_check("password\xc3", NULL, &p) == IDP_PW_BAD_UTF8);
	CHECK(idp_password_check("\xc0\xafpassword", NULL, &p) == IDP_PW_BAD_UTF8);
	CHECK(idp_password_check("pass\x01word12", NULL, &p) == IDP_PW_BAD_UTF8);
}

TEST(each_required_class_reported_when_missing)
{
	struct idp_policy p = policy();

	p.password.require_upper = p.password.require_lower = true;
	p.password.require_digit = p.password.require_symbol = true;
	CHECK(idp_password_check("zzzzzzzzzz", NULL, &p) ==
	      (IDP_PW_NEED_UPPER | IDP_PW_NEED_DIGIT | IDP_PW_NEED_SYMBOL));
	CHECK(idp_password_check("ZZZZZZZZZZ", NULL, &p) ==
	      (IDP_PW_NEED_LOWER | IDP_PW_NEED_DIGIT | IDP_PW_NEED_SYMBOL));
	CHECK(idp_password_check("9999999999", NULL, &p) ==
	      (IDP_PW_NEED_UPPER | IDP_PW_NEED_LOWER | IDP_PW_NEED_SYMBOL));
	CHECK(idp_password_check("Zz9!zzzzzz", NULL, &p) == 0);
}

TEST(non_ascii_and_space_count_as_symbol)
{
	struct idp_policy p = policy();

	p.password.require_symbol = true;
	CHECK(idp_password_check("zzzzzzzz\xc3\xa9", NULL, &p) == 0);
	CHECK(idp_password_check("zzzz zzzz", NULL, &p) == 0);
	CHECK(idp_password_check("zzzz~zzzz", NULL, &p) == 0);
	CHECK(idp_password_check("zzzzzzzzzz", NULL, &p) == IDP_PW_NEED_SYMBOL);
	/* a tab and a C1 control are not printable */
	CHECK(idp_password_check("zzzz\tzzzz", NULL, &p) == IDP_PW_NEED_SYMBOL);
	CHECK(idp_password_check("zzzz\xc2\x85zzzz", NULL, &p) == IDP_PW_NEED_SYMBOL);
}

TEST(non_ascii_letters_are_not_upper_or_lower)
{
	struct idp_policy p = policy();

	p.password.require_upper = true;
	CHECK(idp_password_check("zzzzzzzz\xc3\x89", NULL, &p) == IDP_PW_NEED_UPPER);
}

TEST(min_classes_counts_the_four_classes)
{
	struct idp_policy p = policy();

	p.password.min_classes = 3;
	CHECK(idp_password_check("abcdefgh12", NULL, &p) == IDP_PW_FEW_CLASSES);
	CHECK(idp_password_check("abcdefgH12", NULL, &p) == 0);
	CHECK(idp_password_check("abcdefgh1!", NULL, &p) == 0);
	p.password.min_classes = 4;
	CHECK(idp_password_check("abcdefgH1!", NULL, &p) == 0);
	CHECK(idp_password_check("abcdefgH12", NULL, &p) == IDP_PW_FEW_CLASSES);
	p.password.min_classes = 0;
	CHECK(idp_password_check("zzzzzzzzzz", NULL, &p) == 0);
}

TEST(email_local_part_found_case_insensitively)
{
	struct idp_policy p = policy();

	CHECK(idp_password_check("xxTaro.Yamadaxx", "taro.yamada@example.jp", &p) ==
	      IDP_PW_HAS_EMAIL);
	CHECK(idp_password_check("TARO.YAMADA2024", "taro.yamada@example.jp", &p) ==
	      IDP_PW_HAS_EMAIL);
	CHECK(idp_password_check("taro yamada 2024", "taro.yamada@example.jp", &p) == 0);
	/* the domain alone is fine */
	CHECK(idp_password_check("example.jp!!", "taro.yamada@example.jp", &p) == 0);
}

TEST(email_local_part_under_3_chars_ignored)
{
	struct idp_policy p = policy();

	CHECK(idp_password_check("xxabxxxxxx", "ab@example.jp", &p) == 0);
	CHECK(idp_password_check("xxabcxxxxx", "abc@example.jp", &p) == IDP_PW_HAS_EMAIL);
	CHECK(idp_password_check("xxabcxxxxx", NULL, &p) == 0);
}

TEST(blocklisted_case_insensitively)
{
	struct idp_policy p = policy();

	CHECK(idp_password_blocklisted("password"));
	CHECK(idp_password_blocklisted("PassWord"));
	CHECK(idp_password_blocklisted("QWERTYUIOP"));
	CHECK(!idp_password_blocklisted("password-but-not-quite-19"));
	CHECK(!idp_password_blocklisted(""));
	CHECK(!idp_password_blocklisted(NULL));
	CHECK(idp_password_check("Password1", NULL, &p) == IDP_PW_BLOCKLISTED);
	CHECK(idp_password_check("horse staple battery", NULL, &p) == 0);
}

TEST(blocklist_is_sorted_and_every_word_found)
{
	bool sorted = true;
	bool all_found = true;

	CHECK(idp_blocklist_count > 1000);
	for (size_t i = 1; i < idp_blocklist_count; i++)
		sorted = sorted && strcmp(idp_blocklist[i - 1], idp_blocklist[i]) < 0;
	for (size_t i = 0; i < idp_blocklist_count; i++)
		all_found = all_found && idp_password_blocklisted(idp_blocklist[i]);
	CHECK(sorted);
	CHECK(all_found);
}

TEST(several_failures_reported_together)
{
	struct idp_policy p = policy();

	p.password.require_digit = true;
	p.password.min_classes = 2;
	CHECK(idp_password_check("abc", "abc@example.jp", &p) ==
	      (IDP_PW_TOO_SHORT | IDP_PW_NEED_DIGIT | IDP_PW_FEW_CLASSES | IDP_PW_HAS_EMAIL |
	       IDP_PW_BLOCKLISTED));
}

TEST(null_password_is_empty)
{
	struct idp_policy p = policy();

	CHECK(idp_password_check(NULL, NULL, &p) == IDP_PW_TOO_SHORT);
}

/* ---- strength (zxcvbn) ---- */

static const struct idp_pw_context alice = {"alice.tanaka@example.com", "Alice Tanaka", "acme",
                                            "Acme Corp"};

TEST(common_patterns_score_below_two)
{
	CHECK(idp_password_score("password123!", NULL, NULL) < 2);
	CHECK(idp_password_score("Password123!", NULL, NULL) < 2);
	CHECK(idp_password_score("qwerty123456!", NULL, NULL) < 2);
}

TEST(long_random_passphrase_scores_four)
{
	CHECK(idp_password_score("violet-quasar-mango-tundra-47", NULL, NULL) == 4);
	CHECK(idp_password_score("Plum-Tree-Quiet-7", NULL, NULL) == 4);
}

TEST(context_words_lower_the_score_and_are_named)
{
	unsigned hints = 0;
	int without = idp_password_score("AliceTanaka2024!", NULL, NULL);
	int with = idp_password_score("AliceTanaka2024!", &alice, &hints);

	CHECK(with < without);
	CHECK(with < 2);
	CHECK(hints & IDP_PW_HINT_PERSONAL);
	/* The organisation's name counts too. */
	CHECK(idp_password_score("acme-corp-2024", &alice, NULL) <
	      idp_password_score("acme-corp-2024", NULL, NULL));
}

TEST(hints_name_what_was_found)
{
	unsigned hints = 0;

	idp_password_score("password123!", NULL, &hints);
	CHECK(hints & IDP_PW_HINT_COMMON);
	idp_password_score("AliceTanaka2024!", NULL, &hints);
	CHECK(hints & IDP_PW_HINT_DATE);
	idp_password_score("abcdefgh12345", NULL, &hints);
	CHECK(hints & IDP_PW_HINT_REPEAT);
}

TEST(strength_rule_follows_min_score)
{
	struct idp_policy p;
	unsigned r;

	idp_policy_default(&p);
	CHECK(p.password.min_score == 2);
	r = idp_password_strength("Password123!", NULL, &p);
	CHECK((r & IDP_PW_GUESSABLE) && (r & IDP_PW_HINT_COMMON));
	CHECK(idp_password_strength("violet-quasar-mango-tundra-47", NULL, &p) == 0);
	/* The same password, accepted at a lower setting, refused at a higher one. */
	p.password.min_score = 1;
	CHECK(idp_password_strength("AliceTanaka2024!", &alice, &p) == 0);
	p.password.min_score = 2;
	CHECK(idp_password_strength("AliceTanaka2024!", &alice, &p) & IDP_PW_GUESSABLE);
	/* 0 switches the check off. */
	p.password.min_score = 0;
	CHECK(idp_password_strength("password123!", NULL, &p) == 0);
	p.password.min_score = 4;
	CHECK(idp_password_strength("violet-quasar-mango-tundra-47", NULL, &p) == 0);
}

TEST(strength_of_odd_input_does_not_crash)
{
	CHECK(idp_password_score("", NULL, NULL) == 0);
	CHECK(idp_password_score(NULL, NULL, NULL) == 0);
	struct idp_pw_context odd = {"no-at-sign", "", "a", NULL};
	CHECK(idp_password_score("x", &odd, NULL) == 0);
	char longpw[1025];
	memset(longpw, 'k', sizeof longpw - 1);
	longpw[sizeof longpw - 1] = 0;
	CHECK(idp_password_score(longpw, &alice, NULL) >= 0);
}

int main(void)
{
	RUN(common_patterns_score_below_two);
	RUN(long_random_passphrase_scores_four);
	RUN(context_words_lower_the_score_and_are_named);
	RUN(hints_name_what_was_found);
	RUN(strength_rule_follows_min_score);
	RUN(strength_of_odd_input_does_not_crash);
	RUN(hash_has_phc_form_with_16_byte_salt_and_32_byte_hash);
	RUN(our_hash_verifies_with_libargon2_verify);
	RUN(libargon2_hash_verifies_with_ours);
	RUN(libargon2_hash_with_8_byte_salt_16_byte_hash_verifies);
	RUN(our_encoding_equals_libargon2_encoding_for_same_salt);
	RUN(hash_twice_gives_different_salts);
	RUN(hash_with_default_params_verifies_both_ways);
	RUN(hash_with_parallelism_2_verifies_with_libargon2);
	RUN(empty_and_unicode_passwords_round_trip);
	RUN(hash_refuses_password_over_1024_bytes);
	RUN(verify_overlong_password_is_auth_failure);
	RUN(hash_with_params_libargon2_refuses_is_crypto_error);
	RUN(verify_malformed_phc_is_invalid);
	RUN(work_buffer_grows_and_is_reused_across_sizes);
	RUN(hashing_on_several_threads_frees_their_buffers);
	RUN(dummy_verify_works_for_several_param_sets);
	RUN(dummy_verify_with_bad_params_does_not_crash);
	RUN(phc_parse_reads_parameters);
	RUN(phc_rejects_argon2i);
	RUN(phc_rejects_argon2d_and_other_schemes);
	RUN(phc_rejects_missing_or_old_version);
	RUN(phc_rejects_reordered_or_missing_parameters);
	RUN(phc_rejects_overflow_and_leading_zeros);
	RUN(phc_rejects_params_libargon2_cannot_run);
	RUN(phc_rejects_missing_parts_and_junk);
	RUN(phc_rejects_salt_under_8_bytes);
	RUN(phc_rejects_hash_under_16_bytes);
	RUN(phc_rejects_noncanonical_base64);
	RUN(phc_rejects_string_of_160_chars_or_more);
	RUN(rehash_when_memory_changes);
	RUN(rehash_when_iterations_or_parallelism_change);
	RUN(rehash_when_phc_malformed_or_short_salt);
	RUN(min_length_boundary_7_8_64_65);
	RUN(length_counts_code_points_not_bytes);
	RUN(bad_utf8_reported_alone);
	RUN(each_required_class_reported_when_missing);
	RUN(non_ascii_and_space_count_as_symbol);
	RUN(non_ascii_letters_are_not_upper_or_lower);
	RUN(min_classes_counts_the_four_classes);
	RUN(email_local_part_found_case_insensitively);
	RUN(email_local_part_under_3_chars_ignored);
	RUN(blocklisted_case_insensitively);
	RUN(blocklist_is_sorted_and_every_word_found);
	RUN(several_failures_reported_together);
	RUN(null_password_is_empty);
	return check_summary();
}
