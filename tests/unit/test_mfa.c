/*
 * Unit tests for mfa/: TOTP against RFC 6238 appendix B and Debian's
 * oathtool, base32 and otpauth:// forms, AES-256-GCM sealing bound to tenant
 * and user, the QR code SVG, and recovery codes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "mfa/mfa.h"

/* RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
static const unsigned char rfc_secret[] = "12345678901234567890";
#define RFC_N 20

TEST(totp_code_matches_rfc6238_appendix_b_sha1)
{
	/* The last 6 digits of the 8-digit SHA-1 vectors. */
	static const struct {
		int64_t t;
		const char *code;
	} v[] = {
	    {59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
	    {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	};
	char out[7];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int64_t step = -1;

		CHECK(mfa_totp_code(rfc_secret, RFC_N, v[i].t, out) == IDP_OK);
		CHECK_STR(out, v[i].code);
		CHECK(mfa_totp_check(rfc_secret, RFC_N, v[i].t, v[i].code, &step) == IDP_OK);
		CHECK(step == v[i].t / 30);
	}
}

TEST(totp_window_accepts_one_step_either_way_and_reports_it)
{
	const int64_t now = 1111111111, t = now / 30;
	char c[5][7];
	int64_t step;

	for (int d = -2; d <= 2; d++)
		CHECK(mfa_totp_code(rfc_secret, RFC_N, now + 30 * d, c[d + 2]) == IDP_OK);
	/* The five codes differ, so each answer below is about one step. */
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			CHECK(strcmp(c[i], c[j]) != 0);
	for (int d = -1; d <= 1; d++) {
		step = -7;
		CHECK(mfa_totp_check(rfc_secret, RFC_N, now, c[d + 2], &step) == IDP_OK);
		CHECK(step == t + d);
	}
	step = -7;
	CHECK(mfa_totp_check(rfc_secret, RFC_N, now, c[0], &step) == IDP_ERR_AUTH);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, now, c[4], &step) == IDP_ERR_AUTH);
	CHECK(step == -7); /* untouched on refusal */
	/* Step boundaries: 1111111109 is the last second of its step, +1 is the next. */
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 1111111110, "081804", &step) == IDP_OK);
	CHECK(step == 1111111109 / 30);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 1111111110 + 60, "081804", &step) == IDP_ERR_AUTH);
	/* Far past and far future. */
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 59, "050471", &step) == IDP_ERR_AUTH);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 20000000000, "050471", &step) == IDP_ERR_AUTH);
	/* step may be NULL. */
	CHECK(mfa_totp_check(rfc_secret, RFC_N, now, c[2], NULL) == IDP_OK);
	/* At t = 0 there is no earlier step; still fine. */
	CHECK(mfa_totp_code(rfc_secret, RFC_N, 0, c[0]) == IDP_OK);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 0, c[0], &step) == IDP_OK && step == 0);
}

TEST(totp_refuses_bad_syntax_and_bad_arguments)
{
	static const char *bad[] = {"12345",
	                            "1234567",
	                            " 123456",
	                            "123456 ",
	                            "12345a",
	                            "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"
	                            "\xef\xbc\x96", /* full-width １２３４５６ */
	                            "+12345",
	                            "-12345",
	                            "",
	                            "12 456",
	                            "１２３４５６"};
	int64_t step = -7;
	char out[7] = "x";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(!mfa_totp_code_syntax(bad[i]));
		CHECK(mfa_totp_check(rfc_secret, RFC_N, 1111111111, bad[i], &step) == IDP_ERR_AUTH);
	}
	CHECK(!mfa_totp_code_syntax(NULL));
	CHECK(mfa_totp_check(rfc_secret, RFC_N, 1111111111, NULL, &step) == IDP_ERR_AUTH);
	CHECK(step == -7);
	CHECK(mfa_totp_code_syntax("050471"));
	CHECK(mfa_totp_code_syntax("000000"));
	CHECK(mfa_totp_check(NULL, RFC_N, 1111111111, "050471", &step) == IDP_ERR_INVALID);
	CHECK(mfa_totp_check(rfc_secret, 0, 1111111111, "050471", &step) == IDP_ERR_INVALID);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, -1, "050471", &step) == IDP_ERR_INVALID);
	CHECK(mfa_totp_code(rfc_secret, RFC_N, -30, out) == IDP_ERR_INVALID);
	CHECK_STR(out, "");
	CHECK(mfa_totp_code(NULL, RFC_N, 0, out) == IDP_ERR_INVALID);
	CHECK(mfa_totp_code(rfc_secret, RFC_N, 0, NULL) == IDP_ERR_INVALID);
	/* The far end of time does not overflow. */
	CHECK(mfa_totp_code(rfc_secret, RFC_N, INT64_MAX, out) == IDP_OK);
	CHECK(mfa_totp_check(rfc_secret, RFC_N, INT64_MAX, out, &step) == IDP_OK);
	CHECK(step == INT64_MAX / 30);
}

static bool have_oathtool(void)
{
	FILE *p = popen("command -v oathtool >/dev/null 2>&1 && echo yes", "r");
	char buf[8] = "";
	bool yes;

	if (!p)
		return false;
	yes = fgets(buf, sizeof(buf), p) && strncmp(buf, "yes", 3) == 0;
	pclose(p);
	return yes;
}

TEST(totp_agrees_with_oathtool)
{
	static const int64_t times[] = {0, 59, 1111111111, 1700000000, 1700000029, 4102444800};
	unsigned char secret[MFA_TOTP_SECRET_LEN];
	char b32[MFA_B32_MAX], cmd[256], line[32], mine[7];

	if (!have_oathtool()) {
		printf("NOTE totp_agrees_with_oathtool: oathtool not installed, skipped\n");
		return;
	}
	for (int round = 0; round < 3; round++) {
		CHECK(mfa_totp_secret_new(secret) == IDP_OK);
		mfa_base32_encode(secret, sizeof(secret), b32, sizeof(b32));
		CHECK(strlen(b32) == 32);
		for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
			FILE *p;

			snprintf(cmd, sizeof(cmd), "oathtool --totp -b %s -N @%lld", b32,
			         (long long)times[i]);
			p = popen(cmd, "r");
			CHECK(p != NULL);
			if (!p)
				continue;
			line[0] = '\0';
			CHECK(fgets(line, sizeof(line), p) != NULL);
			pclose(p);
			line[strcspn(line, "\n")] = '\0';
			CHECK(mfa_totp_code(secret, sizeof(secret), times[i], mine) == IDP_OK);
			CHECK_STR(mine, line);
			CHECK(mfa_totp_check(secret, sizeof(secret), times[i], line, NULL) ==
			      IDP_OK);
		}
	}
}

TEST(totp_secret_new_is_random)
{
	unsigned char a[MFA_TOTP_SECRET_LEN], b[MFA_TOTP_SECRET_LEN];

	CHECK(mfa_totp_secret_new(a) == IDP_OK);
	CHECK(mfa_totp_secret_new(b) == IDP_OK);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(mfa_totp_secret_new(NULL) == IDP_ERR_INVALID);
}

TEST(base32_round_trips_rfc4648_vectors)
{
	/* RFC 4648 §10, without padding on encode. */
	static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *enc[] = {"", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI"};
	static const char *padded[] = {
	    "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=", "MZXW6YTB", "MZXW6YTBOI======"};
	char out[MFA_B32_MAX];
	unsigned char dec[64];
	size_t n;

	for (int i = 0; i < 7; i++) {
		size_t len = strlen(plain[i]);

		mfa_base32_encode((const unsigned char *)plain[i], len, out, sizeof(out));
		CHECK_STR(out, enc[i]);
		n = 99;
		CHECK(mfa_base32_decode(enc[i], dec, sizeof(dec), &n) == IDP_OK);
		CHECK(n == len && memcmp(dec, plain[i], len) == 0);
		n = 99;
		CHECK(mfa_base32_decode(padded[i], dec, sizeof(dec), &n) == IDP_OK);
		CHECK(n == len && memcmp(dec, plain[i], len) == 0);
	}
	mfa_base32_encode(rfc_secret, RFC_N, out, sizeof(out));
	CHECK_STR(out, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	/* All byte values survive. */
	{
		unsigned char all[256], back[256];
		char big[420];

		for (int i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		for (size_t len = 0; len <= 256; len += 37) {
			mfa_base32_encode(all, len, big, sizeof(big));
			CHECK(strlen(big) == (len * 8 + 4) / 5);
			CHECK(mfa_base32_decode(big, back, sizeof(back), &n) == IDP_OK);
			CHECK(n == len && memcmp(all, back, len) == 0);
		}
	}
}

TEST(base32_refuses_non_canonical_input)
{
	/* Lower case is refused: we only ever decode what we encoded (upper case). */
	static const char *bad[] = {
	    "mzxw6",     "MZXW 6",   " MZXW6",  "MZXW6 ",    "MZ-XW6",    "MZXW1",
	    "MZXW8",     "MZXW6=",   "MY=",     "MY=====",   "MY=======", "=MY",
	    "M=Y",       "MZ=XW6==", "M",       "MZX",       "MZXW6Y",    "MZ\xc3\x84W",
	    "MZXW6YQ==", "========", "MZ", /* non-zero unused bits: "MY" is canonical for "f" */
	    "MZXR",      "MZXW7",    "MZXW6YR", "MZXW6YTBOJ"};
	unsigned char out[64];
	size_t n = 99;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		CHECK(mfa_base32_decode(bad[i], out, sizeof(out), &n) == IDP_ERR_INVALID);
		CHECK(n == 0);
	}
	CHECK(mfa_base32_decode(NULL, out, sizeof(out), &n) == IDP_ERR_INVALID);
	CHECK(mfa_base32_decode("MZXW6", NULL, 5, &n) == IDP_ERR_INVALID);
	/* Output too small: refused, not truncated. */
	CHECK(mfa_base32_decode("MZXW6YTBOI", out, 5, &n) == IDP_ERR_TOO_LARGE);
	CHECK(mfa_base32_decode("MZXW6YTBOI", out, 6, &n) == IDP_OK && n == 6);
	/* Encode into a too-small buffer gives "". */
	{
		char small[4] = "zzz";

		mfa_base32_encode((const unsigned char *)"foo", 3, small, sizeof(small));
		CHECK_STR(small, "");
		mfa_base32_encode(NULL, 3, small, sizeof(small));
		CHECK_STR(small, "");
		mfa_base32_encode((const unsigned char *)"foo", 3, NULL, 0);
	}
}

TEST(otpauth_uri_encodes_issuer_and_account)
{
	char *uri = mfa_otpauth_uri("Example Co 関所", "alice+mfa@example.com", rfc_secret, RFC_N);

	CHECK(uri != NULL);
	if (uri)
		CHECK_STR(uri, "otpauth://totp/Example%20Co%20%E9%96%A2%E6%89%80:"
		               "alice%2Bmfa%40example.com"
		               "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
		               "&issuer=Example%20Co%20%E9%96%A2%E6%89%80"
		               "&algorithm=SHA1&digits=6&period=30");
	free(uri);
	uri = mfa_otpauth_uri("a:b&c=d?", "x:y/z#~._-", rfc_secret, 5);
	CHECK(uri != NULL);
	if (uri)
		CHECK_STR(uri, "otpauth://totp/a%3Ab%26c%3Dd%3F:x%3Ay%2Fz%23~._-?secret=GEZDGNBV"
		               "&issuer=a%3Ab%26c%3Dd%3F&algorithm=SHA1&digits=6&period=30");
	free(uri);
	CHECK(mfa_otpauth_uri(NULL, "a", rfc_secret, RFC_N) == NULL);
	CHECK(mfa_otpauth_uri("i", NULL, rfc_secret, RFC_N) == NULL);
	CHECK(mfa_otpauth_uri("", "a", rfc_secret, RFC_N) == NULL);
	CHECK(mfa_otpauth_uri("i", "", rfc_secret, RFC_N) == NULL);
	CHECK(mfa_otpauth_uri("i", "a", NULL, RFC_N) == NULL);
	CHECK(mfa_otpauth_uri("i", "a", rfc_secret, 0) == NULL);
	{
		unsigned char big[40] = {0};
		char longname[600];

		CHECK(mfa_otpauth_uri("i", "a", big, 40) == NULL); /* base32 would not fit */
		uri = mfa_otpauth_uri("i", "a", big, 39);
		CHECK(uri != NULL);
		free(uri);
		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		CHECK(mfa_otpauth_uri(longname, "a", rfc_secret, RFC_N) == NULL);
		CHECK(mfa_otpauth_uri("i", longname, rfc_secret, RFC_N) == NULL);
	}
}

static const unsigned char key1[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                       23, 24, 25, 26, 27, 28, 29, 30, 31};

TEST(seal_round_trips_and_binds_tenant_user_key)
{
	unsigned char key2[32], box[MFA_TOTP_SECRET_LEN + MFA_SEAL_OVERHEAD], box2[sizeof(box)];
	unsigned char back[MFA_TOTP_SECRET_LEN], bad[sizeof(box)];
	size_t n = 0, m = 0;

	memcpy(key2, key1, 32);
	key2[31] ^= 1;
	CHECK(mfa_seal(key1, 7, 42, rfc_secret, RFC_N, box, sizeof(box), &n) == IDP_OK);
	CHECK(n == RFC_N + MFA_SEAL_OVERHEAD);
	CHECK(memmem(box, n, rfc_secret, RFC_N) == NULL); /* not in the clear */
	CHECK(mfa_open(key1, 7, 42, box, n, back, sizeof(back), &m) == IDP_OK);
	CHECK(m == RFC_N && memcmp(back, rfc_secret, RFC_N) == 0);
	/* A fresh nonce each time. */
	CHECK(mfa_seal(key1, 7, 42, rfc_secret, RFC_N, box2, sizeof(box2), &m) == IDP_OK);
	CHECK(memcmp(box, box2, 12) != 0 && memcmp(box, box2, n) != 0);

	m = 99;
	memset(back, 0xaa, sizeof(back));
	CHECK(mfa_open(key1, 7, 43, box, n, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	CHECK(m == 0);
	CHECK(memcmp(back, rfc_secret, RFC_N) != 0); /* no plaintext left behind */
	CHECK(mfa_open(key1, 8, 42, box, n, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	CHECK(mfa_open(key1, 42, 7, box, n, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	CHECK(mfa_open(key2, 7, 42, box, n, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	/* Tenant and user ids are fixed-width: (1, 256) is not (256, 1) nor (0, 65537)... */
	CHECK(mfa_seal(key1, 1, 256, rfc_secret, RFC_N, box2, sizeof(box2), &m) == IDP_OK);
	CHECK(mfa_open(key1, 256, 1, box2, m, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	/* Any flipped bit in nonce, ciphertext or tag. */
	for (size_t i = 0; i < n; i++) {
		memcpy(bad, box, n);
		bad[i] ^= (unsigned char)(1u << (i % 8));
		CHECK(mfa_open(key1, 7, 42, bad, n, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	}
	/* Short or truncated input, small output. */
	CHECK(mfa_open(key1, 7, 42, box, MFA_SEAL_OVERHEAD - 1, back, sizeof(back), &m) ==
	      IDP_ERR_INVALID);
	CHECK(mfa_open(key1, 7, 42, box, 0, back, sizeof(back), &m) == IDP_ERR_INVALID);
	CHECK(mfa_open(key1, 7, 42, box, n - 1, back, sizeof(back), &m) == IDP_ERR_CRYPTO);
	CHECK(mfa_open(key1, 7, 42, box, n, back, RFC_N - 1, &m) == IDP_ERR_TOO_LARGE);
	CHECK(mfa_open(NULL, 7, 42, box, n, back, sizeof(back), &m) == IDP_ERR_INVALID);
	CHECK(mfa_open(key1, 7, 42, NULL, n, back, sizeof(back), &m) == IDP_ERR_INVALID);
	CHECK(mfa_open(key1, 7, 42, box, n, NULL, 0, &m) == IDP_ERR_INVALID);
	CHECK(mfa_seal(key1, 7, 42, rfc_secret, RFC_N, box2, sizeof(box2) - 1, &m) ==
	      IDP_ERR_TOO_LARGE);
	CHECK(mfa_seal(NULL, 7, 42, rfc_secret, RFC_N, box2, sizeof(box2), &m) == IDP_ERR_INVALID);
	CHECK(mfa_seal(key1, 7, 42, NULL, RFC_N, box2, sizeof(box2), &m) == IDP_ERR_INVALID);
	/* Empty plaintext is still authenticated. */
	CHECK(mfa_seal(key1, 7, 42, NULL, 0, box2, sizeof(box2), &m) == IDP_OK);
	CHECK(m == MFA_SEAL_OVERHEAD);
	CHECK(mfa_open(key1, 7, 42, box2, m, back, sizeof(back), &n) == IDP_OK && n == 0);
	CHECK(mfa_open(key1, 7, 41, box2, m, back, sizeof(back), &n) == IDP_ERR_CRYPTO);
}

static size_t count(const char *hay, const char *needle)
{
	size_t c = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		c++;
	return c;
}

TEST(qr_svg_is_one_inline_element_without_style_or_script)
{
	char *uri = mfa_otpauth_uri("Example Co 関所", "alice+mfa@example.com", rfc_secret, RFC_N);
	char *svg = mfa_qr_svg(uri, "QR code <for> \"Example\" & 'you'");
	const char *vb;
	int w = 0, h = 0, v1 = -1, v2 = -1, vw = 0, vh = 0;

	CHECK(svg != NULL);
	if (!svg) {
		free(uri);
		return;
	}
	CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0);
	CHECK(strcmp(svg + strlen(svg) - 6, "</svg>") == 0);
	CHECK(count(svg, "<svg") == 1 && count(svg, "<path") == 1 && count(svg, "<rect") == 1);
	CHECK(strstr(svg, "<path fill=\"#000\" d=\"M") != NULL);
	CHECK(strstr(svg, "fill=\"#fff\"") != NULL);
	CHECK(strstr(svg, "role=\"img\"") != NULL);
	CHECK(
	    strstr(svg,
	           "aria-label=\"QR code &lt;for&gt; &quot;Example&quot; &amp; &#39;you&#39;\"") !=
	    NULL);
	CHECK(strstr(svg, "style") == NULL && strstr(svg, "<script") == NULL);
	CHECK(strstr(svg, "href") == NULL && strstr(svg, "url(") == NULL);
	CHECK(sscanf(strstr(svg, " width="), " width=\"%d\" height=\"%d\"", &w, &h) == 2);
	vb = strstr(svg, "viewBox=\"");
	CHECK(vb != NULL);
	if (vb)
		CHECK(sscanf(vb, "viewBox=\"%d %d %d %d\"", &v1, &v2, &vw, &vh) == 4);
	/* Square, version >= 1 (21 modules) plus 2 x 4 quiet modules, 6 px per module. */
	CHECK(v1 == 0 && v2 == 0 && vw == vh && vw >= 29 && (vw - 8 - 21) % 4 == 0);
	CHECK(w == 6 * vw && h == w);
	/* The top-left finder pattern starts at the quiet zone's edge: a 7-module run. */
	CHECK(strstr(svg, "d=\"M4 4h7v1h-7z") != NULL);
	free(svg);
	free(uri);

	CHECK(mfa_qr_svg(NULL, "x") == NULL);
	CHECK(mfa_qr_svg("x", NULL) == NULL);
	CHECK(mfa_qr_svg("", "x") == NULL);
	{
		char *big = malloc(3000);

		CHECK(big != NULL);
		if (big) {
			memset(big, 'a', 2999);
			big[2999] = '\0';
			CHECK(mfa_qr_svg(big, "x") == NULL);
			big[2048] = '\0'; /* at our limit; a version-40 M symbol holds 2331 bytes */
			svg = mfa_qr_svg(big, "x");
			CHECK(svg != NULL);
			free(svg);
		}
		free(big);
	}
}

static bool in_alphabet(char c)
{
	return c != '\0' && strchr("0123456789abcdefghjkmnpqrstvwxyz", c) != NULL;
}

TEST(recovery_codes_have_the_format_and_are_distinct)
{
	char codes[MFA_RECOVERY_COUNT][MFA_RECOVERY_LEN + 1], norm[MFA_RECOVERY_LEN + 1];
	int seen[256] = {0};

	for (int i = 0; i < MFA_RECOVERY_COUNT; i++) {
		CHECK(mfa_recovery_new(codes[i]) == IDP_OK);
		CHECK(strlen(codes[i]) == MFA_RECOVERY_LEN);
		for (int j = 0; j < MFA_RECOVERY_LEN; j++) {
			if (j == 4 || j == 9) {
				CHECK(codes[i][j] == '-');
				continue;
			}
			CHECK(in_alphabet(codes[i][j]));
			seen[(unsigned char)codes[i][j]]++;
		}
		CHECK(mfa_recovery_normalize(codes[i], norm));
		CHECK_STR(norm, codes[i]);
		for (int k = 0; k < i; k++)
			CHECK(strcmp(codes[i], codes[k]) != 0);
	}
	CHECK(seen['i'] == 0 && seen['l'] == 0 && seen['o'] == 0 && seen['u'] == 0);
	CHECK(mfa_recovery_new(NULL) == IDP_ERR_INVALID);
}

TEST(recovery_normalize_accepts_variants_and_refuses_others)
{
	static const char *good[] = {"abcd-efgh-jkmn",    "ABCD-EFGH-JKMN",    "abcdefghjkmn",
	                             "ABCDEFGHJKMN",      "abcd-efghjkmn",     "abcdefgh-jkmn",
	                             "  AbCd-EfGh-JkMn ", "\tabcd-efgh-jkmn\t"};
	static const char *bad[] = {"abcd-efgh-jkm",
	                            "abcd-efgh-jkmnp",
	                            "abcd--efgh-jkmn",
	                            "-abcd-efgh-jkmn",
	                            "abcd-efgh-jkmn-",
	                            "abc-defgh-jkmn",
	                            "abcd efgh jkmn",
	                            "abcd-efgh-jkmu",
	                            "abcd_efgh_jkmn",
	                            "ａｂｃｄ-efgh-jkmn",
	                            "abcd-efgh-jkm\xc3\xa9",
	                            "",
	                            "   ",
	                            "abcd-efgh-jkmn\n",
	                            "abcd-efgh-jkmn!"};
	char out[MFA_RECOVERY_LEN + 1];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CHECK(mfa_recovery_normalize(good[i], out));
		CHECK_STR(out, "abcd-efgh-jkmn");
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(out, "zzzz-zzzz-zzzz", sizeof(out));
		CHECK(!mfa_recovery_normalize(bad[i], out));
		CHECK_STR(out, "");
	}
	/* Crockford look-alikes read as the symbol they resemble. */
	CHECK(mfa_recovery_normalize("OIL0-abcd-efgh", out));
	CHECK_STR(out, "0110-abcd-efgh");
	CHECK(!mfa_recovery_normalize(NULL, out));
	CHECK(!mfa_recovery_normalize("abcd-efgh-jkmn", NULL));
	{
		char longin[200];

		memset(longin, ' ', sizeof(longin) - 1);
		longin[sizeof(longin) - 1] = '\0';
		memcpy(longin + 90, "abcd-efgh-jkmn", 14);
		CHECK(!mfa_recovery_normalize(longin, out)); /* over the input limit */
	}
}

int main(void)
{
	if (mfa_global_init() != IDP_OK)
		return 1;
	RUN(totp_code_matches_rfc6238_appendix_b_sha1);
	RUN(totp_window_accepts_one_step_either_way_and_reports_it);
	RUN(totp_refuses_bad_syntax_and_bad_arguments);
	RUN(totp_agrees_with_oathtool);
	RUN(totp_secret_new_is_random);
	RUN(base32_round_trips_rfc4648_vectors);
	RUN(base32_refuses_non_canonical_input);
	RUN(otpauth_uri_encodes_issuer_and_account);
	RUN(seal_round_trips_and_binds_tenant_user_key);
	RUN(qr_svg_is_one_inline_element_without_style_or_script);
	RUN(recovery_codes_have_the_format_and_are_distinct);
	RUN(recovery_normalize_accepts_variants_and_refuses_others);
	mfa_global_done();
	return check_summary();
}
