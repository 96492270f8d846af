/*
 * Unit tests for idp/util.c: tokens, digests and encodings, text validators,
 * addresses and CIDR ranges, X-Forwarded-For handling, redirect targets, CSV
 * escaping and time formatting.  Pure functions only: no I/O, no database.
 */
#include "idp/addr.h"
#include "idp/base64.h"
#include "idp/crypto.h"
#include "idp/redirect.h"
#include "idp/text.h"
#include "idp/time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/check.h"

/* ---- helpers ---- */

static struct idp_addr addr(const char *s)
{
	struct idp_addr a;

	memset(&a, 0xee, sizeof a);
	if (idp_addr_parse(s, &a) != IDP_OK) {
		fprintf(stderr, "test bug: bad address %s\n", s);
		abort();
	}
	return a;
}

static struct idp_cidr cidr(const char *s)
{
	struct idp_cidr c;

	memset(&c, 0xee, sizeof c);
	if (idp_cidr_parse(s, &c) != IDP_OK) {
		fprintf(stderr, "test bug: bad cidr %s\n", s);
		abort();
	}
	return c;
}

static bool addr_eq(struct idp_addr a, const char *s)
{
	struct idp_addr b = addr(s);

	return memcmp(a.b, b.b, sizeof a.b) == 0;
}

/* The text form of a after a round trip through parse and format. */
static const char *addr_text(const char *s)
{
	static char out[46];
	struct idp_addr a = addr(s);

	idp_addr_format(&a, out);
	return out;
}

static const char *cidr_text(const char *s)
{
	static char out[50];
	struct idp_cidr c = cidr(s);

	idp_cidr_format(&c, out);
	return out;
}

static bool cidr_ok(const char *s)
{
	struct idp_cidr c;

	return idp_cidr_parse(s, &c) == IDP_OK;
}

static bool addr_ok(const char *s)
{
	struct idp_addr a;

	return idp_addr_parse(s, &a) == IDP_OK;
}

static bool in_range(const char *range, const char *a)
{
	struct idp_cidr c = cidr(range);
	struct idp_addr x = addr(a);

	return idp_cidr_contains(&c, &x);
}

/* A string of n copies of c followed by tail, in a static buffer. */
static const char *repeat(char c, size_t n, const char *tail)
{
	static char buf[4096];

	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

/* idp_client_addr with peer and trusted ranges given as text. */
static bool client_is(const char *peer, const char *xff, const char *trusted, const char *want)
{
	struct idp_cidr *list = NULL;
	size_t n = 0;
	struct idp_addr p = addr(peer);
	struct idp_addr got;

	if (idp_cidr_list_parse(trusted, &list, &n, NULL, 0) != IDP_OK)
		abort();
	got = idp_client_addr(&p, xff, list, n);
	free(list);
	return addr_eq(got, want);
}

static const char *csv(const char *s)
{
	static char out[256];

	idp_csv_field(s, out, sizeof out);
	return out;
}

static const char *iso(int64_t t)
{
	static char out[21];

	idp_time_iso(t, out);
	return out;
}

static bool utf8(const char *s)
{
	return idp_utf8_valid(s, strlen(s));
}

/* ---- randomness and tokens ---- */

/* The url-safe form of the one codec, for NUL-terminated text (NULL too). */
static enum idp_err b64url_decode(const char *s, unsigned char *out, size_t outsz, size_t *n)
{
	return idp_base64_decode(IDP_B64_URL, s, s ? strlen(s) : 0, out, outsz, n);
}

TEST(random_fills_buffer_differently_each_call)
{
	unsigned char a[32] = {0};
	unsigned char b[32] = {0};

	CHECK(idp_random(a, sizeof a) == IDP_OK);
	CHECK(idp_random(b, sizeof b) == IDP_OK);
	CHECK(memcmp(a, b, sizeof a) != 0);
}

TEST(random_accepts_zero_length)
{
	CHECK(idp_random(NULL, 0) == IDP_OK);
}

TEST(token_new_is_43_base64url_chars)
{
	char t[IDP_TOKEN_LEN + 1];

	memset(t, 'x', sizeof t);
	CHECK(idp_token_new(t) == IDP_OK);
	CHECK(strlen(t) == IDP_TOKEN_LEN);
	CHECK(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	      IDP_TOKEN_LEN);
	CHECK(idp_token_syntax_ok(t));
}

TEST(token_new_differs_each_call)
{
	char a[IDP_TOKEN_LEN + 1];
	char b[IDP_TOKEN_LEN + 1];

	CHECK(idp_token_new(a) == IDP_OK);
	CHECK(idp_token_new(b) == IDP_OK);
	CHECK(strcmp(a, b) != 0);
}

TEST(token_new_decodes_to_32_bytes)
{
	char t[IDP_TOKEN_LEN + 1];
	unsigned char raw[64];
	size_t n = 0;

	CHECK(idp_token_new(t) == IDP_OK);
	CHECK(b64url_decode(t, raw, sizeof raw, &n) == IDP_OK);
	CHECK(n == IDP_TOKEN_BYTES);
}

TEST(token_syntax_rejects_wrong_length)
{
	CHECK(idp_token_syntax_ok(repeat('A', 43, "")));
	CHECK(!idp_token_syntax_ok(repeat('A', 42, "")));
	CHECK(!idp_token_syntax_ok(repeat('A', 44, "")));
	CHECK(!idp_token_syntax_ok(""));
	CHECK(!idp_token_syntax_ok(NULL));
}

TEST(token_syntax_rejects_non_url_alphabet)
{
	CHECK(!idp_token_syntax_ok(repeat('A', 42, "+")));
	CHECK(!idp_token_syntax_ok(repeat('A', 42, "/")));
	CHECK(!idp_token_syntax_ok(repeat('A', 42, "=")));
	CHECK(!idp_token_syntax_ok(repeat('A', 42, " ")));
	CHECK(!idp_token_syntax_ok(repeat('A', 42, "\xc3")));
	CHECK(idp_token_syntax_ok(repeat('A', 41, "-_")));
}

/* ---- digests ---- */

TEST(sha256_matches_fips_180_vector)
{
	unsigned char d[IDP_SHA256_LEN];
	char hex[2 * IDP_SHA256_LEN + 1];

	idp_sha256("abc", 3, d);
	idp_hex(d, sizeof d, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_of_empty_input)
{
	unsigned char d[IDP_SHA256_LEN];
	char hex[2 * IDP_SHA256_LEN + 1];

	idp_sha256(NULL, 0, d);
	idp_hex(d, sizeof d, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(hmac_sha256_matches_rfc4231_cases)
{
	unsigned char key[20];
	unsigned char d[IDP_SHA256_LEN];
	char hex[2 * IDP_SHA256_LEN + 1];

	memset(key, 0x0b, sizeof key);
	idp_hmac_sha256(key, sizeof key, "Hi There", 8, d);
	idp_hex(d, sizeof d, hex);
	CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

	idp_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	idp_hex(d, sizeof d, hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_sha256_accepts_empty_key_and_data)
{
	unsigned char d[IDP_SHA256_LEN];
	char hex[2 * IDP_SHA256_LEN + 1];

	idp_hmac_sha256(NULL, 0, NULL, 0, d);
	idp_hex(d, sizeof d, hex);
	CHECK_STR(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(hex_is_lower_case_and_terminated)
{
	const unsigned char in[] = {0x00, 0x0f, 0xab, 0xff};
	char out[9];

	memset(out, 'x', sizeof out);
	idp_hex(in, sizeof in, out);
	CHECK_STR(out, "000fabff");
	idp_hex(in, 0, out);
	CHECK_STR(out, "");
}

/* ---- base64url ---- */

TEST(b64url_encode_matches_rfc4648_vectors)
{
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[16];
	size_t i;

	for (i = 0; i < 7; i++) {
		size_t n = idp_base64_encode(IDP_B64_URL, (const unsigned char *)plain[i],
		                             strlen(plain[i]), out, sizeof out);

		CHECK(n == strlen(enc[i]));
		CHECK_STR(out, enc[i]);
	}
}

TEST(b64url_encode_uses_url_alphabet)
{
	const unsigned char in[] = {0xfb, 0xff, 0xbf};
	char out[8];

	CHECK(idp_base64_encode(IDP_B64_URL, in, sizeof in, out, sizeof out) == 4);
	CHECK_STR(out, "-_-_");
}

TEST(b64url_encode_returns_zero_when_out_too_small)
{
	char out[8];

	/* "foobar" needs 8 characters plus the NUL. */
	CHECK(idp_base64_encode(IDP_B64_URL, (const unsigned char *)"foobar", 6, out, 8) == 0);
	CHECK(idp_base64_encode(IDP_B64_URL, (const unsigned char *)"fooba", 5, out, 8) == 7);
	CHECK(idp_base64_encode(IDP_B64_URL, (const unsigned char *)"fooba", 5, out, 7) == 0);
	CHECK(idp_base64_encode(IDP_B64_URL, (const unsigned char *)"", 0, out, 0) == 0);
}

TEST(b64url_round_trips_every_length)
{
	unsigned char in[48];
	unsigned char back[48];
	char text[70];
	size_t n;

	CHECK(idp_random(in, sizeof in) == IDP_OK);
	for (n = 0; n <= sizeof in; n++) {
		size_t got = 999;

		CHECK(idp_base64_encode(IDP_B64_URL, in, n, text, sizeof text) == (4 * n + 2) / 3);
		CHECK(b64url_decode(text, back, n, &got) == IDP_OK);
		CHECK(got == n);
		CHECK(memcmp(in, back, n) == 0);
	}
}

TEST(b64url_decode_rejects_bad_characters)
{
	unsigned char out[16];
	size_t n;

	CHECK(b64url_decode("Zm9v", out, sizeof out, &n) == IDP_OK);
	CHECK(b64url_decode("Zm9+", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode("Zm9/", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode("Zg==", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode("Zm9 v", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode(" Zm9v", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode(NULL, out, sizeof out, &n) == IDP_ERR_INVALID);
}

TEST(b64url_decode_rejects_impossible_length)
{
	unsigned char out[16];
	size_t n;

	CHECK(b64url_decode("Z", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode("Zm9vY", out, sizeof out, &n) == IDP_ERR_INVALID);
}

TEST(b64url_decode_rejects_nonzero_padding_bits)
{
	unsigned char out[16];
	size_t n;

	CHECK(b64url_decode("Zg", out, sizeof out, &n) == IDP_OK);
	CHECK(b64url_decode("Zh", out, sizeof out, &n) == IDP_ERR_INVALID);
	CHECK(b64url_decode("Zm8", out, sizeof out, &n) == IDP_OK);
	CHECK(b64url_decode("Zm9", out, sizeof out, &n) == IDP_ERR_INVALID);
}

TEST(b64url_decode_reports_too_large_output)
{
	unsigned char out[6];
	size_t n = 99;

	CHECK(b64url_decode("Zm9vYmFy", out, 6, &n) == IDP_OK);
	CHECK(n == 6 && memcmp(out, "foobar", 6) == 0);
	CHECK(b64url_decode("Zm9vYmFy", out, 5, &n) == IDP_ERR_TOO_LARGE);
	CHECK(b64url_decode("", out, 0, &n) == IDP_OK);
	CHECK(n == 0);
}

/* ---- secrets ---- */

TEST(ct_equal_compares_bytes)
{
	CHECK(idp_ct_equal("abcd", "abcd", 4));
	CHECK(!idp_ct_equal("abcd", "abce", 4));
	CHECK(!idp_ct_equal("xbcd", "abcd", 4));
	CHECK(idp_ct_equal("abcd", "abce", 3));
	CHECK(idp_ct_equal(NULL, NULL, 0));
}

TEST(wipe_zeroes_and_accepts_null)
{
	unsigned char buf[16];
	size_t i;
	bool zero = true;

	memset(buf, 0xaa, sizeof buf);
	idp_wipe(buf, sizeof buf);
	for (i = 0; i < sizeof buf; i++)
		zero = zero && buf[i] == 0;
	CHECK(zero);
	idp_wipe(NULL, 10);
}

/* ---- UTF-8 ---- */

TEST(utf8_accepts_well_formed_text)
{
	CHECK(utf8(""));
	CHECK(utf8("plain ASCII"));
	CHECK(utf8("caf\xc3\xa9"));                      /* U+00E9 */
	CHECK(utf8("\xe6\x97\xa5\xe6\x9c\xac"));         /* 日本 */
	CHECK(utf8("\xf0\x9f\x94\x91"));                 /* U+1F511 */
	CHECK(utf8("\xc2\x80\xdf\xbf"));                 /* U+0080, U+07FF */
	CHECK(utf8("\xe0\xa0\x80\xef\xbf\xbf"));         /* U+0800, U+FFFF */
	CHECK(utf8("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf")); /* U+10000, U+10FFFF */
	CHECK(utf8("\xed\x9f\xbf\xee\x80\x80"));         /* U+D7FF, U+E000 */
}

TEST(utf8_accepts_tab_lf_cr)
{
	CHECK(utf8("a\tb\nc\r\n"));
}

TEST(utf8_rejects_overlong)
{
	CHECK(!utf8("\xc0\x80")); /* NUL */
	CHECK(!utf8("\xc0\xaf")); /* '/' */
	CHECK(!utf8("\xc1\xbf"));
	CHECK(!utf8("\xe0\x80\xaf"));
	CHECK(!utf8("\xe0\x9f\xbf")); /* U+07FF in three bytes */
	CHECK(!utf8("\xf0\x80\x80\xaf"));
	CHECK(!utf8("\xf0\x8f\xbf\xbf")); /* U+FFFF in four bytes */
}

TEST(utf8_rejects_surrogates)
{
	CHECK(!utf8("\xed\xa0\x80"));             /* U+D800 */
	CHECK(!utf8("\xed\xbf\xbf"));             /* U+DFFF */
	CHECK(!utf8("\xed\xa0\xbd\xed\xb8\x80")); /* CESU-8 pair */
}

TEST(utf8_rejects_above_u10ffff)
{
	CHECK(!utf8("\xf4\x90\x80\x80"));
	CHECK(!utf8("\xf5\x80\x80\x80"));
	CHECK(!utf8("\xf8\x88\x80\x80\x80"));
	CHECK(!utf8("\xff"));
	CHECK(!utf8("\xfe"));
}

TEST(utf8_rejects_truncated_and_stray_bytes)
{
	CHECK(!utf8("\xc3"));
	CHECK(!utf8("caf\xc3"));
	CHECK(!utf8("\xe6\x97"));
	CHECK(!utf8("\xf0\x9f\x94"));
	CHECK(!utf8("\x80"));
	CHECK(!utf8("a\xbf"));
	CHECK(!utf8("\xc3\x28"));
	CHECK(!utf8("\xe6\x97\x28"));
}

TEST(utf8_respects_length_argument)
{
	/* A sequence cut by n is truncated even if the buffer goes on. */
	CHECK(!idp_utf8_valid("\xc3\xa9", 1));
	CHECK(idp_utf8_valid("\xc3\xa9", 2));
	CHECK(idp_utf8_valid("ab\x01", 2));
	CHECK(idp_utf8_valid(NULL, 0));
	CHECK(!idp_utf8_valid(NULL, 1));
}

TEST(utf8_rejects_nul_controls_and_del)
{
	CHECK(!idp_utf8_valid("a\0b", 3));
	CHECK(!utf8("a\x01"));
	CHECK(!utf8("\x1b[31m"));
	CHECK(!utf8("a\x1f"));
	CHECK(!utf8("a\x7f"));
	CHECK(!utf8("\x0b"));
	CHECK(!utf8("\x0c"));
}

TEST(utf8_chars_counts_code_points)
{
	CHECK(idp_utf8_chars("") == 0);
	CHECK(idp_utf8_chars("abc") == 3);
	CHECK(idp_utf8_chars("caf\xc3\xa9") == 4);
	CHECK(idp_utf8_chars("\xe6\x97\xa5\xf0\x9f\x94\x91") == 2);
	CHECK(idp_utf8_chars(NULL) == 0);
}

/* ---- e-mail ---- */

TEST(email_accepts_ordinary_addresses)
{
	CHECK(idp_email_valid("a@b.c"));
	CHECK(idp_email_valid("alice@example.com"));
	CHECK(idp_email_valid("first.last+tag@mail.example.co.jp"));
	CHECK(idp_email_valid("o'brien_x-y@sub-domain.example"));
	CHECK(idp_email_valid("ALICE@EXAMPLE.COM"));
}

TEST(email_rejects_missing_or_extra_at)
{
	CHECK(!idp_email_valid("alice.example.com"));
	CHECK(!idp_email_valid("a@b@example.com"));
	CHECK(!idp_email_valid("@example.com"));
	CHECK(!idp_email_valid("alice@"));
	CHECK(!idp_email_valid("@"));
	CHECK(!idp_email_valid(""));
	CHECK(!idp_email_valid(NULL));
}

TEST(email_rejects_domain_without_dot)
{
	CHECK(!idp_email_valid("alice@localhost"));
	CHECK(!idp_email_valid("a@b"));
}

TEST(email_rejects_bad_dots)
{
	CHECK(!idp_email_valid(".alice@example.com"));
	CHECK(!idp_email_valid("alice.@example.com"));
	CHECK(!idp_email_valid("al..ice@example.com"));
	CHECK(!idp_email_valid("alice@.example.com"));
	CHECK(!idp_email_valid("alice@example.com."));
	CHECK(!idp_email_valid("a@b..c"));
	CHECK(!idp_email_valid("a@."));
}

TEST(email_rejects_specials_and_spaces)
{
	static const char *const bad[] = {
	    "al ice@example.com", "\"alice\"@example.com", "al(ice)@example.com", "a,b@example.com",
	    "a:b@example.com",    "a;b@example.com",       "<a@example.com>",     "a@[192.0.2.1]",
	    "a\\b@example.com",   " a@example.com",        "a@example.com ",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!idp_email_valid(bad[i]));
}

TEST(email_rejects_controls_and_non_ascii)
{
	CHECK(!idp_email_valid("a\tb@example.com"));
	CHECK(!idp_email_valid("a@example.com\r\nBcc: x@y.z"));
	CHECK(!idp_email_valid("a\x7f@example.com"));
	CHECK(!idp_email_valid("caf\xc3\xa9@example.com"));
	CHECK(!idp_email_valid("alice@b\xc3\xbc"
	                       "cher.example"));
}

TEST(email_accepts_local_part_of_64_rejects_65)
{
	CHECK(idp_email_valid(repeat('a', 64, "@example.com")));
	CHECK(!idp_email_valid(repeat('a', 65, "@example.com")));
}

TEST(email_accepts_254_bytes_rejects_255)
{
	char s[300];

	/* 64 + '@' + 185 + ".com" = 254 */
	memset(s, 'a', 64);
	s[64] = '@';
	memset(s + 65, 'b', 185);
	strcpy(s + 250, ".com");
	CHECK(strlen(s) == 254);
	CHECK(idp_email_valid(s));

	memset(s + 65, 'b', 186);
	strcpy(s + 251, ".com");
	CHECK(strlen(s) == 255);
	CHECK(!idp_email_valid(s));
}

TEST(ascii_lower_changes_only_ascii_letters)
{
	char s[] = "Alice.SMITH@Example.COM \xc3\x89";

	idp_ascii_lower(s);
	CHECK_STR(s, "alice.smith@example.com \xc3\x89");
	idp_ascii_lower(NULL);
}

/* ---- names and slugs ---- */

TEST(name_accepts_ordinary_names)
{
	CHECK(idp_name_valid("Alice"));
	CHECK(idp_name_valid("Jean-Luc Picard"));
	CHECK(idp_name_valid("\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e")); /* 山田 太郎 */
	CHECK(idp_name_valid(" x "));
	CHECK(idp_name_valid("\xf0\x9f\x94\x91"));
}

TEST(name_accepts_100_code_points_rejects_101)
{
	char s[512] = "";
	size_t i;

	for (i = 0; i < 100; i++)
		strcat(s, "\xe3\x81\x82"); /* あ, three bytes */
	CHECK(idp_utf8_chars(s) == 100);
	CHECK(idp_name_valid(s));
	strcat(s, "a");
	CHECK(!idp_name_valid(s));
	CHECK(idp_name_valid(repeat('a', 100, "")));
	CHECK(!idp_name_valid(repeat('a', 101, "")));
}

TEST(name_accepts_100_four_byte_code_points)
{
	char s[512] = "";
	size_t i;

	for (i = 0; i < 100; i++)
		strcat(s, "\xf0\x9f\x94\x91");
	CHECK(strlen(s) == 400);
	CHECK(idp_name_valid(s));
	strcat(s, "a");
	CHECK(!idp_name_valid(s));
}

TEST(name_rejects_empty_and_blank)
{
	CHECK(!idp_name_valid(""));
	CHECK(!idp_name_valid(NULL));
	CHECK(!idp_name_valid(" "));
	CHECK(!idp_name_valid("     "));
	CHECK(!idp_name_valid("\xc2\xa0"));      /* NBSP */
	CHECK(!idp_name_valid("\xe3\x80\x80 ")); /* ideographic space */
	CHECK(!idp_name_valid("\xe2\x80\x8b"));  /* zero-width space */
}

TEST(name_rejects_control_characters)
{
	CHECK(!idp_name_valid("a\tb"));
	CHECK(!idp_name_valid("a\rb"));
	CHECK(!idp_name_valid("a\nb"));
	CHECK(!idp_name_valid("a\x1b"));
	CHECK(!idp_name_valid("a\x7f"));
	CHECK(!idp_name_valid("a\xc2\x80")); /* U+0080 */
	CHECK(!idp_name_valid("a\xc2\x85")); /* NEL */
	CHECK(!idp_name_valid("a\xc2\x9f")); /* U+009F */
	CHECK(idp_name_valid("a\xc2\xa1"));  /* U+00A1, just past C1 */
}

TEST(name_rejects_invalid_utf8)
{
	CHECK(!idp_name_valid("caf\xc3"));
	CHECK(!idp_name_valid("\xc0\xaf"));
	CHECK(!idp_name_valid("\xed\xa0\x80"));
	CHECK(!idp_name_valid("\xff"));
}

TEST(slug_accepts_lower_case_digits_hyphen)
{
	CHECK(idp_slug_valid("acme"));
	CHECK(idp_slug_valid("a"));
	CHECK(idp_slug_valid("acme-2"));
	CHECK(idp_slug_valid("0"));
}

TEST(slug_rejects_bad_characters_and_edges)
{
	CHECK(!idp_slug_valid(""));
	CHECK(!idp_slug_valid(NULL));
	CHECK(!idp_slug_valid("Acme"));
	CHECK(!idp_slug_valid("ac_me"));
	CHECK(!idp_slug_valid("ac.me"));
	CHECK(!idp_slug_valid("ac me"));
	CHECK(!idp_slug_valid("-acme"));
	CHECK(!idp_slug_valid("acme-"));
	CHECK(!idp_slug_valid("-"));
	CHECK(!idp_slug_valid("caf\xc3\xa9"));
	CHECK(!idp_slug_valid("acme/"));
}

TEST(slug_accepts_63_chars_rejects_64)
{
	CHECK(idp_slug_valid(repeat('a', 63, "")));
	CHECK(!idp_slug_valid(repeat('a', 64, "")));
}

/* ---- addresses ---- */

TEST(addr_parses_ipv4_as_mapped)
{
	static const unsigned char want[16] = {0, 0, 0,    0,    0,   0, 0, 0,
	                                       0, 0, 0xff, 0xff, 192, 0, 2, 1};
	struct idp_addr a = addr("192.0.2.1");

	CHECK(memcmp(a.b, want, 16) == 0);
	CHECK(addr_eq(a, "::ffff:192.0.2.1"));
}

TEST(addr_parses_ipv6)
{
	static const unsigned char want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	                                       0,    0,    0,    0,    0, 0, 0, 1};
	struct idp_addr a = addr("2001:DB8::1");

	CHECK(memcmp(a.b, want, 16) == 0);
	CHECK(addr_ok("::"));
	CHECK(addr_ok("::1"));
	CHECK(addr_ok("fe80::1:2:3:4"));
}

TEST(addr_rejects_brackets_ports_zones)
{
	CHECK(!addr_ok("[2001:db8::1]"));
	CHECK(!addr_ok("[2001:db8::1]:443"));
	CHECK(!addr_ok("192.0.2.1:80"));
	CHECK(!addr_ok("fe80::1%eth0"));
	CHECK(!addr_ok("192.0.2.1/32"));
}

TEST(addr_rejects_whitespace_and_junk)
{
	CHECK(!addr_ok(""));
	CHECK(!addr_ok(NULL));
	CHECK(!addr_ok(" 192.0.2.1"));
	CHECK(!addr_ok("192.0.2.1 "));
	CHECK(!addr_ok("192.0.2.1\n"));
	CHECK(!addr_ok("192.0.2"));
	CHECK(!addr_ok("192.0.2.256"));
	CHECK(!addr_ok("192.0.2.1.5"));
	CHECK(!addr_ok("example.com"));
	CHECK(!addr_ok("2001:db8:::1"));
	CHECK(!addr_ok("unknown"));
}

TEST(addr_rejects_ipv4_leading_zeros)
{
	/* "010.0.0.1" is octal to some parsers; never guess. */
	CHECK(!addr_ok("010.0.0.1"));
	CHECK(!addr_ok("192.000.2.1"));
}

TEST(addr_rejects_invalid_leaves_out_untouched)
{
	struct idp_addr a;

	memset(&a, 0x5a, sizeof a);
	CHECK(idp_addr_parse("nope", &a) == IDP_ERR_INVALID);
	CHECK(a.b[0] == 0x5a && a.b[15] == 0x5a);
}

TEST(addr_formats_ipv4_as_dotted_quad)
{
	CHECK_STR(addr_text("192.0.2.1"), "192.0.2.1");
	CHECK_STR(addr_text("::ffff:10.1.2.3"), "10.1.2.3");
	CHECK_STR(addr_text("0.0.0.0"), "0.0.0.0");
	CHECK_STR(addr_text("255.255.255.255"), "255.255.255.255");
}

TEST(addr_formats_ipv6_compressed_lower_case)
{
	CHECK_STR(addr_text("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
	CHECK_STR(addr_text("::1"), "::1");
	CHECK_STR(addr_text("::"), "::");
	CHECK_STR(addr_text("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
	          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

/* ---- CIDR ---- */

TEST(cidr_parses_ipv4_prefix_as_mapped)
{
	struct idp_cidr c = cidr("10.0.0.0/8");

	CHECK(c.prefix == 104);
	CHECK(addr_eq(c.addr, "10.0.0.0"));
}

TEST(cidr_parses_ipv6_prefix)
{
	struct idp_cidr c = cidr("2001:db8::/32");

	CHECK(c.prefix == 32);
	CHECK(addr_eq(c.addr, "2001:db8::"));
}

TEST(cidr_bare_address_is_host_route)
{
	CHECK(cidr("192.0.2.1").prefix == 128);
	CHECK(cidr("2001:db8::1").prefix == 128);
	CHECK_STR(cidr_text("192.0.2.1"), "192.0.2.1/32");
	CHECK_STR(cidr_text("2001:db8::1"), "2001:db8::1/128");
}

TEST(cidr_rejects_host_bits_set)
{
	CHECK(!cidr_ok("10.0.0.1/8"));
	CHECK(!cidr_ok("192.0.2.128/24"));
	CHECK(!cidr_ok("192.0.2.1/31"));
	CHECK(!cidr_ok("2001:db8::1/64"));
	CHECK(!cidr_ok("2001:db9::/31")); /* 0x0db9: bit 31 is set */
	CHECK(cidr_ok("2001:db8::/31"));  /* 0x0db8: bit 31 is clear */
	CHECK(!cidr_ok("::1/127"));
	CHECK(cidr_ok("192.0.2.2/31"));
	CHECK(cidr_ok("::2/127"));
}

TEST(cidr_ipv4_prefix_bounds_0_and_32_ok_33_rejected)
{
	CHECK(cidr("0.0.0.0/0").prefix == 96);
	CHECK(cidr("192.0.2.1/32").prefix == 128);
	CHECK(!cidr_ok("192.0.2.1/33"));
	CHECK(!cidr_ok("0.0.0.0/33"));
	CHECK(!cidr_ok("0.0.0.0/128"));
}

TEST(cidr_ipv6_prefix_bounds_0_and_128_ok_129_rejected)
{
	CHECK(cidr("::/0").prefix == 0);
	CHECK(cidr("2001:db8::1/128").prefix == 128);
	CHECK(!cidr_ok("2001:db8::1/129"));
	CHECK(!cidr_ok("::/129"));
	CHECK(!cidr_ok("::/999"));
	CHECK(!cidr_ok("::/1280"));
}

TEST(cidr_rejects_malformed_prefix)
{
	CHECK(!cidr_ok("10.0.0.0/"));
	CHECK(!cidr_ok("/8"));
	CHECK(!cidr_ok("10.0.0.0/08"));
	CHECK(!cidr_ok("10.0.0.0/+8"));
	CHECK(!cidr_ok("10.0.0.0/-1"));
	CHECK(!cidr_ok("10.0.0.0/8x"));
	CHECK(!cidr_ok("10.0.0.0/8 "));
	CHECK(!cidr_ok("10.0.0.0 /8"));
	CHECK(!cidr_ok("10.0.0.0/8/8"));
	CHECK(!cidr_ok("10.0.0.0/0x8"));
	CHECK(!cidr_ok(""));
	CHECK(!cidr_ok(NULL));
	CHECK(!cidr_ok("[::1]/128"));
	CHECK(!cidr_ok(repeat('1', 200, "/8")));
	CHECK(cidr_ok("10.0.0.0/8"));
}

TEST(cidr_formats_canonically)
{
	CHECK_STR(cidr_text("10.0.0.0/8"), "10.0.0.0/8");
	CHECK_STR(cidr_text("0.0.0.0/0"), "0.0.0.0/0");
	CHECK_STR(cidr_text("192.0.2.0/24"), "192.0.2.0/24");
	CHECK_STR(cidr_text("2001:DB8:0::/32"), "2001:db8::/32");
	CHECK_STR(cidr_text("::/0"), "::/0");
	CHECK_STR(cidr_text("::ffff:10.0.0.0/104"), "10.0.0.0/8");
	CHECK_STR(cidr_text("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"),
	          "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

TEST(cidr_format_round_trips)
{
	static const char *const texts[] = {"10.0.0.0/8",    "172.16.0.0/12", "192.0.2.7/32",
	                                    "2001:db8::/32", "fe80::/10",     "::1/128"};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		CHECK_STR(cidr_text(texts[i]), texts[i]);
}

TEST(cidr_contains_ipv4_inside_and_at_edges)
{
	CHECK(in_range("10.0.0.0/8", "10.0.0.0"));
	CHECK(in_range("10.0.0.0/8", "10.255.255.255"));
	CHECK(in_range("10.0.0.0/8", "10.1.2.3"));
	CHECK(!in_range("10.0.0.0/8", "11.0.0.0"));
	CHECK(!in_range("10.0.0.0/8", "9.255.255.255"));
	CHECK(in_range("172.16.0.0/12", "172.31.255.255"));
	CHECK(!in_range("172.16.0.0/12", "172.32.0.0"));
}

TEST(cidr_contains_host_route_only_itself)
{
	CHECK(in_range("192.0.2.1", "192.0.2.1"));
	CHECK(!in_range("192.0.2.1", "192.0.2.2"));
	CHECK(in_range("2001:db8::1", "2001:db8::1"));
	CHECK(!in_range("2001:db8::1", "2001:db8::2"));
}

TEST(cidr_ipv4_zero_prefix_matches_all_ipv4_not_ipv6)
{
	CHECK(in_range("0.0.0.0/0", "1.2.3.4"));
	CHECK(in_range("0.0.0.0/0", "255.255.255.255"));
	CHECK(!in_range("0.0.0.0/0", "2001:db8::1"));
	CHECK(!in_range("0.0.0.0/0", "::1"));
}

TEST(cidr_ipv6_zero_prefix_matches_everything)
{
	CHECK(in_range("::/0", "2001:db8::1"));
	CHECK(in_range("::/0", "192.0.2.1"));
}

TEST(cidr_ipv4_range_does_not_match_lookalike_ipv6)
{
	/* ::c000:201 carries the bytes of 192.0.2.1 but is not IPv4-mapped. */
	CHECK(!in_range("192.0.2.0/24", "::c000:201"));
	CHECK(!in_range("192.0.2.0/24", "2001:db8::c000:201"));
}

TEST(cidr_contains_with_unaligned_prefix)
{
	CHECK(in_range("2001:db8::/33", "2001:db8:7fff::1"));
	CHECK(!in_range("2001:db8::/33", "2001:db8:8000::1"));
	CHECK(in_range("192.0.2.0/25", "192.0.2.127"));
	CHECK(!in_range("192.0.2.0/25", "192.0.2.128"));
	CHECK(in_range("::/127", "::1"));
	CHECK(!in_range("::/127", "::2"));
}

TEST(cidr_list_contains_any)
{
	struct idp_cidr list[2];
	struct idp_addr a;

	list[0] = cidr("10.0.0.0/8");
	list[1] = cidr("2001:db8::/32");
	a = addr("10.9.9.9");
	CHECK(idp_cidr_list_contains(list, 2, &a));
	a = addr("2001:db8::5");
	CHECK(idp_cidr_list_contains(list, 2, &a));
	a = addr("192.0.2.1");
	CHECK(!idp_cidr_list_contains(list, 2, &a));
	CHECK(!idp_cidr_list_contains(NULL, 0, &a));
}

TEST(cidr_list_parses_commas_and_spaces)
{
	struct idp_cidr *list = NULL;
	size_t n = 0;
	char bad[32] = "unchanged";
	char out[50];

	CHECK(idp_cidr_list_parse(" 10.0.0.0/8,192.0.2.1 , 2001:db8::/32\n\t::1,,", &list, &n, bad,
	                          sizeof bad) == IDP_OK);
	CHECK(n == 4);
	CHECK(list != NULL);
	if (list && n == 4) {
		idp_cidr_format(&list[0], out);
		CHECK_STR(out, "10.0.0.0/8");
		idp_cidr_format(&list[1], out);
		CHECK_STR(out, "192.0.2.1/32");
		idp_cidr_format(&list[2], out);
		CHECK_STR(out, "2001:db8::/32");
		idp_cidr_format(&list[3], out);
		CHECK_STR(out, "::1/128");
	}
	free(list);
}

TEST(cidr_list_empty_gives_null_and_zero)
{
	struct idp_cidr *list = (struct idp_cidr *)1;
	size_t n = 7;

	CHECK(idp_cidr_list_parse("", &list, &n, NULL, 0) == IDP_OK);
	CHECK(list == NULL && n == 0);
	list = (struct idp_cidr *)1;
	CHECK(idp_cidr_list_parse(" ,, \t", &list, &n, NULL, 0) == IDP_OK);
	CHECK(list == NULL && n == 0);
	CHECK(idp_cidr_list_parse(NULL, &list, &n, NULL, 0) == IDP_OK);
	CHECK(list == NULL && n == 0);
}

TEST(cidr_list_reports_bad_element)
{
	struct idp_cidr *list = (struct idp_cidr *)1;
	size_t n = 7;
	char bad[32];

	CHECK(idp_cidr_list_parse("10.0.0.0/8, 10.0.0.1/8, ::1", &list, &n, bad, sizeof bad) ==
	      IDP_ERR_INVALID);
	CHECK(list == NULL && n == 0);
	CHECK_STR(bad, "10.0.0.1/8");
}

TEST(cidr_list_truncates_bad_element)
{
	struct idp_cidr *list = NULL;
	size_t n = 0;
	char bad[6];

	CHECK(idp_cidr_list_parse("::1 not-an-address", &list, &n, bad, sizeof bad) ==
	      IDP_ERR_INVALID);
	CHECK_STR(bad, "not-a");
	CHECK(idp_cidr_list_parse(repeat('9', 300, ""), &list, &n, bad, sizeof bad) ==
	      IDP_ERR_INVALID);
	CHECK_STR(bad, "99999");
	CHECK(idp_cidr_list_parse("junk", &list, &n, NULL, 0) == IDP_ERR_INVALID);
	CHECK(idp_cidr_list_parse("junk", &list, &n, bad, 0) == IDP_ERR_INVALID);
	CHECK(list == NULL);
}

TEST(cidr_list_handles_many_elements)
{
	struct idp_cidr *list = NULL;
	size_t n = 0;
	char *s = malloc(1000 * 12 + 1);
	size_t i;

	s[0] = '\0';
	for (i = 0; i < 1000; i++)
		sprintf(s + strlen(s), "10.0.%zu.%zu,", i / 256, i % 256);
	CHECK(idp_cidr_list_parse(s, &list, &n, NULL, 0) == IDP_OK);
	CHECK(n == 1000);
	free(list);
	free(s);
}

/* ---- client address ---- */

TEST(client_addr_ignores_xff_from_untrusted_peer)
{
	CHECK(client_is("203.0.113.9", "198.51.100.1", "10.0.0.0/8", "203.0.113.9"));
	CHECK(client_is("203.0.113.9", "198.51.100.1", "", "203.0.113.9"));
}

TEST(client_addr_uses_peer_without_xff)
{
	CHECK(client_is("10.0.0.1", NULL, "10.0.0.0/8", "10.0.0.1"));
	CHECK(client_is("10.0.0.1", "", "10.0.0.0/8", "10.0.0.1"));
	CHECK(client_is("10.0.0.1", "   ", "10.0.0.0/8", "10.0.0.1"));
}

TEST(client_addr_takes_xff_from_trusted_peer)
{
	CHECK(client_is("10.0.0.1", "198.51.100.7", "10.0.0.0/8", "198.51.100.7"));
	CHECK(client_is("10.0.0.1", "2001:db8::7", "10.0.0.0/8", "2001:db8::7"));
}

TEST(client_addr_takes_rightmost_untrusted_not_spoofed_left)
{
	/* The client sent "1.1.1.1" itself; our proxy appended its real address. */
	CHECK(client_is("10.0.0.1", "1.1.1.1, 198.51.100.7", "10.0.0.0/8", "198.51.100.7"));
}

TEST(client_addr_walks_past_trusted_proxies)
{
	CHECK(client_is("10.0.0.1", "1.1.1.1, 198.51.100.7, 10.0.0.2, 10.0.0.3", "10.0.0.0/8",
	                "198.51.100.7"));
	CHECK(client_is("10.0.0.1", "198.51.100.7,10.0.0.2", "10.0.0.0/8 192.0.2.0/24",
	                "198.51.100.7"));
}

TEST(client_addr_all_trusted_gives_leftmost)
{
	CHECK(client_is("10.0.0.1", "10.0.0.5, 10.0.0.2, 10.0.0.3", "10.0.0.0/8", "10.0.0.5"));
}

TEST(client_addr_malformed_element_is_nobody_not_a_proxy)
{
	CHECK(client_is("10.0.0.1", "198.51.100.7, garbage, 10.0.0.2", "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "198.51.100.7, , 10.0.0.2", "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "198.51.100.7, 1.2.3.4:80, 10.0.0.2", "10.0.0.0/8", "::"));
	/* An untrusted client to the right of the garbage is still found. */
	CHECK(
	    client_is("10.0.0.1", "garbage, 198.51.100.7, 10.0.0.2", "10.0.0.0/8", "198.51.100.7"));
}

TEST(client_addr_rightmost_malformed_is_nobody)
{
	CHECK(client_is("10.0.0.1", "198.51.100.7, garbage", "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "198.51.100.7,", "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "[2001:db8::1]", "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "unknown", "10.0.0.0/8", "::"));
}

TEST(client_addr_trims_spaces_and_tabs)
{
	CHECK(
	    client_is("10.0.0.1", "  198.51.100.7\t ,\t10.0.0.2  ", "10.0.0.0/8", "198.51.100.7"));
}

TEST(client_addr_survives_garbage)
{
	char *big = malloc(100001);
	size_t i;

	memset(big, ',', 100000);
	big[100000] = '\0';
	CHECK(client_is("10.0.0.1", big, "10.0.0.0/8", "::"));
	memset(big, 'x', 100000);
	CHECK(client_is("10.0.0.1", big, "10.0.0.0/8", "::"));
	for (i = 0; i < 100000; i++)
		big[i] = (char)(1 + i * 7919 % 255);
	CHECK(client_is("10.0.0.1", big, "10.0.0.0/8", "::"));
	CHECK(client_is("10.0.0.1", "\xff\xfe,::::,1.2.3.4.5", "10.0.0.0/8", "::"));
	free(big);
}

TEST(client_addr_caps_walk_at_64_elements)
{
	char *s = malloc(200 * 12 + 32);
	size_t i;

	/* 198.51.100.7 followed by 100 trusted hops: the walk gives up after 64
	 * and knows nobody (never a trusted hop). */
	strcpy(s, "198.51.100.7");
	for (i = 0; i < 100; i++)
		sprintf(s + strlen(s), ",10.0.0.%zu", i + 1);
	CHECK(client_is("10.0.0.1", s, "10.0.0.0/8", "::"));
	/* Within the cap the real client is found. */
	strcpy(s, "198.51.100.7");
	for (i = 0; i < 63; i++)
		sprintf(s + strlen(s), ",10.0.0.%zu", i + 1);
	CHECK(client_is("10.0.0.1", s, "10.0.0.0/8", "198.51.100.7"));
	free(s);
}

TEST(client_addr_with_ipv6_proxies)
{
	CHECK(client_is("2001:db8::1", "203.0.113.5, 2001:db8::2", "2001:db8::/32", "203.0.113.5"));
	CHECK(client_is("2001:db8::1", "203.0.113.5", "10.0.0.0/8", "2001:db8::1"));
}

/* ---- redirects ---- */

TEST(redirect_accepts_local_paths)
{
	CHECK(idp_redirect_safe("/"));
	CHECK(idp_redirect_safe("/t/acme/"));
	CHECK(idp_redirect_safe("/t/acme/admin/?x=1#y"));
	CHECK(idp_redirect_safe("/t/acme/login?rd=%2Fa%2Fb"));
	CHECK(idp_redirect_safe("/a:b"));
	CHECK(idp_redirect_safe("/%41"));
}

TEST(redirect_rejects_protocol_relative)
{
	CHECK(!idp_redirect_safe("//evil.example"));
	CHECK(!idp_redirect_safe("//evil.example/t/acme/"));
	CHECK(!idp_redirect_safe("///evil.example"));
}

TEST(redirect_rejects_backslash_anywhere)
{
	CHECK(!idp_redirect_safe("/\\evil.example"));
	CHECK(!idp_redirect_safe("\\\\evil.example"));
	CHECK(!idp_redirect_safe("/t/acme\\x"));
}

TEST(redirect_rejects_schemes_and_relative)
{
	CHECK(!idp_redirect_safe("https://evil.example/"));
	CHECK(!idp_redirect_safe("https:evil.example"));
	CHECK(!idp_redirect_safe("javascript:alert(1)"));
	CHECK(!idp_redirect_safe("data:text/html,x"));
	CHECK(!idp_redirect_safe("evil"));
	CHECK(!idp_redirect_safe("evil.example/t/"));
	CHECK(!idp_redirect_safe("?x=1"));
	CHECK(!idp_redirect_safe("#y"));
	CHECK(!idp_redirect_safe(""));
	CHECK(!idp_redirect_safe(NULL));
}

TEST(redirect_rejects_encoded_slash_or_backslash_at_start)
{
	CHECK(!idp_redirect_safe("/%2F%2Fevil.example"));
	CHECK(!idp_redirect_safe("/%2fevil.example"));
	CHECK(!idp_redirect_safe("/%5Cevil.example"));
	CHECK(!idp_redirect_safe("/%5cevil.example"));
	CHECK(idp_redirect_safe("/%2"));
	CHECK(idp_redirect_safe("/%"));
}

TEST(redirect_rejects_control_characters)
{
	CHECK(!idp_redirect_safe("/\t/evil.example"));
	CHECK(!idp_redirect_safe("/\r\n/evil.example"));
	CHECK(!idp_redirect_safe("/t/acme/\n"));
	CHECK(!idp_redirect_safe("/t/acme/\r"));
	CHECK(!idp_redirect_safe("/t/\x01"));
	CHECK(!idp_redirect_safe("/t/\x7f"));
	CHECK(!idp_redirect_safe("\t//evil.example"));
}

TEST(redirect_rejects_spaces_and_non_ascii)
{
	CHECK(!idp_redirect_safe(" /t/acme/"));
	CHECK(!idp_redirect_safe("/ /evil.example"));
	CHECK(!idp_redirect_safe("/t/caf\xc3\xa9"));
	CHECK(!idp_redirect_safe("/\xe3\x80\x80/evil.example"));
}

TEST(redirect_accepts_2048_bytes_rejects_2049)
{
	char s[2100];

	s[0] = '/';
	memset(s + 1, 'a', 2047);
	s[2048] = '\0';
	CHECK(idp_redirect_safe(s));
	s[2048] = 'a';
	s[2049] = '\0';
	CHECK(!idp_redirect_safe(s));
}

/* ---- CSV ---- */

TEST(csv_leaves_plain_field_alone)
{
	CHECK_STR(csv("alice@example.com"), "alice@example.com");
	CHECK_STR(csv(""), "");
	CHECK_STR(csv(NULL), "");
	CHECK_STR(csv("a=b+c-d@e"), "a=b+c-d@e");
	CHECK_STR(csv("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(csv_quotes_separators_and_line_breaks)
{
	CHECK_STR(csv("a,b"), "\"a,b\"");
	CHECK_STR(csv("a\nb"), "\"a\nb\"");
	CHECK_STR(csv("a\rb"), "\"a\rb\"");
}

TEST(csv_doubles_quotes)
{
	CHECK_STR(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
	CHECK_STR(csv("\""), "\"\"\"\"");
}

TEST(csv_prefixes_formula_trigger)
{
	CHECK_STR(csv("=1+2"), "'=1+2");
	CHECK_STR(csv("+1"), "'+1");
	CHECK_STR(csv("-1"), "'-1");
	CHECK_STR(csv("@SUM(A1)"), "'@SUM(A1)");
	CHECK_STR(csv("\tx"), "'\tx");
	CHECK_STR(csv("="), "'=");
}

TEST(csv_prefix_goes_inside_quotes)
{
	CHECK_STR(csv("=HYPERLINK(\"http://x\",\"y\")"),
	          "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
	CHECK_STR(csv("\rx"), "\"'\rx\"");
	CHECK_STR(csv("-1,2"), "\"'-1,2\"");
}

TEST(csv_returns_full_length_when_truncated)
{
	char out[5];

	memset(out, 'x', sizeof out);
	CHECK(idp_csv_field("a,bcdef", out, sizeof out) == 9);
	CHECK_STR(out, "\"a,b");
	CHECK(idp_csv_field("=abc", out, sizeof out) == 5);
	CHECK_STR(out, "'=ab");
	CHECK(idp_csv_field("abcd", out, sizeof out) == 4);
	CHECK_STR(out, "abcd");
	CHECK(idp_csv_field("abcde", out, 1) == 5);
	CHECK_STR(out, "");
}

TEST(csv_with_zero_size_writes_nothing)
{
	char out[4] = "zzz";

	CHECK(idp_csv_field("a\"b", out, 0) == 6);
	CHECK_STR(out, "zzz");
	CHECK(idp_csv_field("a\"b", NULL, 0) == 6);
}

TEST(csv_fields_concatenate_into_a_row)
{
	char row[64];
	size_t pos = 0;

	pos += idp_csv_field("alice", row + pos, sizeof row - pos);
	row[pos++] = ',';
	pos += idp_csv_field("=cmd", row + pos, sizeof row - pos);
	row[pos++] = ',';
	pos += idp_csv_field("x,y", row + pos, sizeof row - pos);
	CHECK(pos < sizeof row);
	CHECK_STR(row, "alice,'=cmd,\"x,y\"");
}

/* ---- time ---- */

TEST(time_iso_formats_epoch)
{
	CHECK_STR(iso(0), "1970-01-01T00:00:00Z");
}

TEST(time_iso_formats_known_instants)
{
	CHECK_STR(iso(1795316645), "2026-11-22T03:04:05Z");
	CHECK_STR(iso(1709251199), "2024-02-29T23:59:59Z");
	CHECK_STR(iso(-1), "1969-12-31T23:59:59Z");
}

TEST(time_iso_clamps_to_four_digit_years)
{
	CHECK_STR(iso(INT64_C(253402300799)), "9999-12-31T23:59:59Z");
	CHECK_STR(iso(INT64_C(253402300800)), "9999-12-31T23:59:59Z");
	CHECK_STR(iso(INT64_MAX), "9999-12-31T23:59:59Z");
	CHECK_STR(iso(INT64_MIN), "0000-01-01T00:00:00Z");
	CHECK(strlen(iso(INT64_MAX)) == 20);
}

TEST(now_us_tracks_wall_clock)
{
	int64_t us = idp_now_us();
	int64_t s = (int64_t)time(NULL);

	CHECK(us / 1000000 >= s - 1 && us / 1000000 <= s + 1);
	CHECK(idp_now_us() >= us);
}

TEST(name_rejects_bidi_override_and_line_separator)
{
	CHECK(!idp_name_valid("Alice\xe2\x80\xae"
	                      "ecilA"));              /* U+202E RIGHT-TO-LEFT OVERRIDE */
	CHECK(!idp_name_valid("Alice\xe2\x81\xa6x")); /* U+2066 LEFT-TO-RIGHT ISOLATE */
	CHECK(!idp_name_valid("Alice\xe2\x80\xa8"
	                      "Bob"));                   /* U+2028 LINE SEPARATOR */
	CHECK(idp_name_valid("Alice \xe2\x80\x94 Bob")); /* U+2014 EM DASH is fine */
}

TEST(email_rejects_url_path_characters)
{
	CHECK(!idp_email_valid("a/b@example.com"));
	CHECK(!idp_email_valid("a?b@example.com"));
	CHECK(!idp_email_valid("a#b@example.com"));
	CHECK(!idp_email_valid("a%b@example.com"));
	CHECK(idp_email_valid("a+b@example.com"));
}

TEST(base64_standard_forms_match_rfc4648_vectors)
{
	static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *padded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
	                               "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	static const char *bare[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
	char out[16];
	unsigned char back[16];
	size_t n;

	for (size_t i = 0; i < 7; i++) {
		size_t len = strlen(plain[i]);
		CHECK(idp_base64_encode(IDP_B64_STD_PAD, (const unsigned char *)plain[i], len, out,
		                        sizeof out) == strlen(padded[i]));
		CHECK_STR(out, padded[i]);
		CHECK(idp_base64_encode(IDP_B64_STD, (const unsigned char *)plain[i], len, out,
		                        sizeof out) == strlen(bare[i]));
		CHECK_STR(out, bare[i]);
		CHECK(idp_base64_decode(IDP_B64_STD_PAD, padded[i], strlen(padded[i]), back,
		                        sizeof back, &n) == IDP_OK);
		CHECK(n == len && memcmp(back, plain[i], len) == 0);
		CHECK(idp_base64_decode(IDP_B64_STD, bare[i], strlen(bare[i]), back, sizeof back,
		                        &n) == IDP_OK);
		CHECK(n == len && memcmp(back, plain[i], len) == 0);
	}
	/* The standard alphabet has + and /, the url-safe one - and _. */
	unsigned char ff[3] = {0xfb, 0xff, 0xbf};
	CHECK(idp_base64_encode(IDP_B64_STD, ff, 3, out, sizeof out) == 4);
	CHECK_STR(out, "+/+/");
	CHECK(idp_base64_decode(IDP_B64_STD, "-_-_", 4, back, sizeof back, &n) == IDP_ERR_INVALID);
}

TEST(base64_padded_form_refuses_bad_padding)
{
	unsigned char back[16];
	size_t n;

	CHECK(idp_base64_decode(IDP_B64_STD_PAD, "Zg=", 3, back, sizeof back, &n) ==
	      IDP_ERR_INVALID);
	CHECK(idp_base64_decode(IDP_B64_STD_PAD, "Zg", 2, back, sizeof back, &n) ==
	      IDP_ERR_INVALID);
	CHECK(idp_base64_decode(IDP_B64_STD_PAD, "Z===", 4, back, sizeof back, &n) ==
	      IDP_ERR_INVALID);
	CHECK(idp_base64_decode(IDP_B64_STD_PAD, "Zh==", 4, back, sizeof back, &n) ==
	      IDP_ERR_INVALID);
	CHECK(idp_base64_decode(IDP_B64_STD, "Zg==", 4, back, sizeof back, &n) == IDP_ERR_INVALID);
}

TEST(copy_never_splits_utf8)
{
	char out[8];

	idp_copy(out, sizeof out, "abcdefghij");
	CHECK_STR(out, "abcdefg");
	idp_copy(out, sizeof out, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"); /* 9 bytes */
	CHECK_STR(out, "\xe6\x97\xa5\xe6\x9c\xac");
	idp_copy(out, sizeof out, "abcd\xc3\xa9x");
	CHECK_STR(out, "abcd\xc3\xa9x");
	idp_copy(out, sizeof out, "abcdef\xc3\xa9");
	CHECK_STR(out, "abcdef");
	idp_copy(out, sizeof out, "a\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
	CHECK_STR(out, "a\xf0\x9f\x98\x80");
	idp_copy(out, sizeof out, NULL);
	CHECK_STR(out, "");
}

int main(void)
{
	RUN(copy_never_splits_utf8);
	RUN(random_fills_buffer_differently_each_call);
	RUN(random_accepts_zero_length);
	RUN(token_new_is_43_base64url_chars);
	RUN(token_new_differs_each_call);
	RUN(token_new_decodes_to_32_bytes);
	RUN(token_syntax_rejects_wrong_length);
	RUN(token_syntax_rejects_non_url_alphabet);

	RUN(sha256_matches_fips_180_vector);
	RUN(sha256_of_empty_input);
	RUN(hmac_sha256_matches_rfc4231_cases);
	RUN(hmac_sha256_accepts_empty_key_and_data);
	RUN(hex_is_lower_case_and_terminated);

	RUN(b64url_encode_matches_rfc4648_vectors);
	RUN(b64url_encode_uses_url_alphabet);
	RUN(b64url_encode_returns_zero_when_out_too_small);
	RUN(b64url_round_trips_every_length);
	RUN(b64url_decode_rejects_bad_characters);
	RUN(b64url_decode_rejects_impossible_length);
	RUN(b64url_decode_rejects_nonzero_padding_bits);
	RUN(b64url_decode_reports_too_large_output);
	RUN(base64_standard_forms_match_rfc4648_vectors);
	RUN(base64_padded_form_refuses_bad_padding);

	RUN(ct_equal_compares_bytes);
	RUN(wipe_zeroes_and_accepts_null);

	RUN(utf8_accepts_well_formed_text);
	RUN(utf8_accepts_tab_lf_cr);
	RUN(utf8_rejects_overlong);
	RUN(utf8_rejects_surrogates);
	RUN(utf8_rejects_above_u10ffff);
	RUN(utf8_rejects_truncated_and_stray_bytes);
	RUN(utf8_respects_length_argument);
	RUN(utf8_rejects_nul_controls_and_del);
	RUN(utf8_chars_counts_code_points);

	RUN(email_accepts_ordinary_addresses);
	RUN(email_rejects_missing_or_extra_at);
	RUN(email_rejects_domain_without_dot);
	RUN(email_rejects_bad_dots);
	RUN(email_rejects_specials_and_spaces);
	RUN(email_rejects_controls_and_non_ascii);
	RUN(email_accepts_local_part_of_64_rejects_65);
	RUN(email_accepts_254_bytes_rejects_255);
	RUN(ascii_lower_changes_only_ascii_letters);

	RUN(name_accepts_ordinary_names);
	RUN(name_accepts_100_code_points_rejects_101);
	RUN(name_accepts_100_four_byte_code_points);
	RUN(name_rejects_empty_and_blank);
	RUN(name_rejects_control_characters);
	RUN(name_rejects_invalid_utf8);
	RUN(slug_accepts_lower_case_digits_hyphen);
	RUN(slug_rejects_bad_characters_and_edges);
	RUN(slug_accepts_63_chars_rejects_64);

	RUN(addr_parses_ipv4_as_mapped);
	RUN(addr_parses_ipv6);
	RUN(addr_rejects_brackets_ports_zones);
	RUN(addr_rejects_whitespace_and_junk);
	RUN(addr_rejects_ipv4_leading_zeros);
	RUN(addr_rejects_invalid_leaves_out_untouched);
	RUN(addr_formats_ipv4_as_dotted_quad);
	RUN(addr_formats_ipv6_compressed_lower_case);

	RUN(cidr_parses_ipv4_prefix_as_mapped);
	RUN(cidr_parses_ipv6_prefix);
	RUN(cidr_bare_address_is_host_route);
	RUN(cidr_rejects_host_bits_set);
	RUN(cidr_ipv4_prefix_bounds_0_and_32_ok_33_rejected);
	RUN(cidr_ipv6_prefix_bounds_0_and_128_ok_129_rejected);
	RUN(cidr_rejects_malformed_prefix);
	RUN(cidr_formats_canonically);
	RUN(cidr_format_round_trips);
	RUN(cidr_contains_ipv4_inside_and_at_edges);
	RUN(cidr_contains_host_route_only_itself);
	RUN(cidr_ipv4_zero_prefix_matches_all_ipv4_not_ipv6);
	RUN(cidr_ipv6_zero_prefix_matches_everything);
	RUN(cidr_ipv4_range_does_not_match_lookalike_ipv6);
	RUN(cidr_contains_with_unaligned_prefix);
	RUN(cidr_list_contains_any);
	RUN(cidr_list_parses_commas_and_spaces);
	RUN(cidr_list_empty_gives_null_and_zero);
	RUN(cidr_list_reports_bad_element);
	RUN(cidr_list_truncates_bad_element);
	RUN(cidr_list_handles_many_elements);

	RUN(client_addr_ignores_xff_from_untrusted_peer);
	RUN(client_addr_uses_peer_without_xff);
	RUN(client_addr_takes_xff_from_trusted_peer);
	RUN(client_addr_takes_rightmost_untrusted_not_spoofed_left);
	RUN(client_addr_walks_past_trusted_proxies);
	RUN(client_addr_all_trusted_gives_leftmost);
	RUN(client_addr_malformed_element_is_nobody_not_a_proxy);
	RUN(client_addr_rightmost_malformed_is_nobody);
	RUN(client_addr_trims_spaces_and_tabs);
	RUN(client_addr_survives_garbage);
	RUN(client_addr_caps_walk_at_64_elements);
	RUN(client_addr_with_ipv6_proxies);

	RUN(redirect_accepts_local_paths);
	RUN(redirect_rejects_protocol_relative);
	RUN(redirect_rejects_backslash_anywhere);
	RUN(redirect_rejects_schemes_and_relative);
	RUN(redirect_rejects_encoded_slash_or_backslash_at_start);
	RUN(redirect_rejects_control_characters);
	RUN(redirect_rejects_spaces_and_non_ascii);
	RUN(redirect_accepts_2048_bytes_rejects_2049);

	RUN(csv_leaves_plain_field_alone);
	RUN(csv_quotes_separators_and_line_breaks);
	RUN(csv_doubles_quotes);
	RUN(csv_prefixes_formula_trigger);
	RUN(csv_prefix_goes_inside_quotes);
	RUN(csv_returns_full_length_when_truncated);
	RUN(csv_with_zero_size_writes_nothing);
	RUN(csv_fields_concatenate_into_a_row);

	RUN(time_iso_formats_epoch);
	RUN(time_iso_formats_known_instants);
	RUN(time_iso_clamps_to_four_digit_years);
	RUN(now_us_tracks_wall_clock);

	RUN(name_rejects_bidi_override_and_line_separator);
	RUN(email_rejects_url_path_characters);
	return check_summary();
}
