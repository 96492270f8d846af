/*
 * Passwords.  A stored password is an Argon2id PHC string,
 * "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>", with salt and
 * hash in standard base64 without padding: the string records its own
 * parameters, so hashes made under older settings still verify and are
 * upgraded at the next successful login (idp_password_needs_rehash).
 *
 * We drive libargon2 through argon2_ctx() instead of argon2id_hash_encoded()
 * so that the Argon2 work area comes from a per-thread buffer that is reused
 * from one hash to the next: above ~32 MiB glibc would otherwise map and unmap
 * fresh memory for every login (measured with Debian's libargon2).  The PHC text is
 * therefore encoded and decoded here; it is byte-for-byte what libargon2's own
 * encoder produces, and the tests check both directions.
 *
 * Verification always costs one Argon2 run, whether the user exists, the
 * stored string is malformed or the password is absurdly long, so response
 * time does not reveal which (REQUIREMENTS.md, account lockout).
 *
 * The policy rules (NIST SP 800-63B 5.1.1.2): length in code points, optional
 * character classes, no e-mail local part, not on the common-password list.
 */
#include "idp/password.h"

#include <argon2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/base64.h"
#include "idp/crypto.h"
#include "idp/log.h"
#include "idp/text.h"

/* Generated at build time by scripts/embed.py from idp/blocklist.txt: the
 * lower-cased words, sorted by bytewise strcmp order. */
extern const char *const idp_blocklist[];
extern const size_t idp_blocklist_count;

#define SALT_LEN     16
#define HASH_LEN     32
#define PHC_MIN_SALT 8  /* bytes; ARGON2_MIN_SALT_LENGTH */
#define PHC_MIN_HASH 16 /* bytes; anything shorter is not one of ours */

/* Work areas up to this size stay attached to the thread between hashes;
 * larger ones (only ever seen in a hostile or mistaken PHC string) are freed
 * after use so one odd hash cannot pin gigabytes to a worker for good. */
#define WORK_KEEP_MAX ((size_t)256 << 20)

/* Used when the stored string is unusable and nothing better is known. */
static const struct idp_argon2_params default_params = {19456, 2, 1};

/* ---- per-thread Argon2 work area ---- */

struct work_area {
	uint8_t *mem;
	size_t cap;
};

static __thread struct work_area work;
static pthread_key_t work_key;
static pthread_once_t work_once = PTHREAD_ONCE_INIT;
static int work_key_ok;

/* Thread exit: release the thread's work area. */
static void work_release(void *v)
{
	struct work_area *w = v;

	free(w->mem);
	w->mem = NULL;
	w->cap = 0;
}

static void work_key_init(void)
{
	work_key_ok = pthread_key_create(&work_key, work_release) == 0;
}

/* allocate_cbk: hand out the thread's buffer, growing it when too small.
 * libargon2 ignores the return value and checks *memory for NULL. */
static int work_alloc(uint8_t **memory, size_t n)
{
	*memory = NULL;
	if (n > WORK_KEEP_MAX) {
		*memory = malloc(n);
		goto out;
	}
	if (work.cap < n) {
		/* The old contents were wiped by libargon2 before it let go. */
		free(work.mem);
		work.mem = malloc(n);
		work.cap = work.mem ? n : 0;
		pthread_once(&work_once, work_key_init);
		if (work_key_ok)
			pthread_setspecific(work_key, &work);
	}
	*memory = work.mem;
out:
	return *memory ? ARGON2_OK : ARGON2_MEMORY_ALLOCATION_ERROR;
}

/* free_cbk: libargon2 has already wiped the area (clear_internal_memory);
 * keep the thread's buffer for the next hash, free anything oversized. */
static void work_free(uint8_t *memory, size_t n)
{
	(void)n;
	if (memory != work.mem)
		free(memory);
}

const struct idp_pw_rule_info idp_pw_rules[] = {
    {IDP_PW_TOO_SHORT, "too_short"},
    {IDP_PW_TOO_LONG, "too_long"},
    {IDP_PW_NEED_UPPER, "need_upper"},
    {IDP_PW_NEED_LOWER, "need_lower"},
    {IDP_PW_NEED_DIGIT, "need_digit"},
    {IDP_PW_NEED_SYMBOL, "need_symbol"},
    {IDP_PW_FEW_CLASSES, "few_classes"},
    {IDP_PW_HAS_EMAIL, "contains_email"},
    {IDP_PW_BLOCKLISTED, "blocklisted"},
    {IDP_PW_REUSED, "reused"},
    {IDP_PW_MISMATCH, "mismatch"},
    {IDP_PW_BAD_UTF8, "bad_utf8"},
    {IDP_PW_GUESSABLE, "guessable"},
    {IDP_PW_HINT_COMMON, "common_password"},
    {IDP_PW_HINT_KEYBOARD, "keyboard_pattern"},
    {IDP_PW_HINT_DATE, "date_or_year"},
    {IDP_PW_HINT_REPEAT, "repeated_sequence"},
    {IDP_PW_HINT_PERSONAL, "personal_information"},
};
const size_t idp_pw_rules_count = sizeof idp_pw_rules / sizeof idp_pw_rules[0];

/* ---- PHC string ---- */

/* Consume literal lit at *p. */
static bool eat(const char **p, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/* Consume a decimal u32 at *p: 1..10 digits, no leading zero, no overflow. */
static bool eat_u32(const char **p, uint32_t *v)
{
	const char *s = *p;
	uint64_t acc = 0;
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9') {
		if (n == 10)
			return false;
		acc = acc * 10 + (uint64_t)(s[n] - '0');
		n++;
	}
	if (n == 0 || (n > 1 && s[0] == '0') || acc > UINT32_MAX)
		return false;
	*v = (uint32_t)acc;
	*p = s + n;
	return true;
}

/* Parse phc into info and its binary salt and hash (each buffer IDP_PHC_MAX
 * bytes, which no base64 field of a string that short can overflow). */
static enum idp_err phc_decode(const char *phc, struct idp_phc *info, uint8_t *salt, uint8_t *hash)
{
	const char *p = phc;
	const char *dollar;
	struct idp_phc r;

	memset(&r, 0, sizeof r);
	if (!phc || strnlen(phc, IDP_PHC_MAX) == IDP_PHC_MAX)
		return IDP_ERR_INVALID;
	if (!eat(&p, "$argon2id$v=") || !eat_u32(&p, &r.version) || r.version != ARGON2_VERSION_13)
		return IDP_ERR_INVALID;
	if (!eat(&p, "$m=") || !eat_u32(&p, &r.params.memory_kib))
		return IDP_ERR_INVALID;
	if (!eat(&p, ",t=") || !eat_u32(&p, &r.params.iterations))
		return IDP_ERR_INVALID;
	if (!eat(&p, ",p=") || !eat_u32(&p, &r.params.parallelism) || !eat(&p, "$"))
		return IDP_ERR_INVALID;
	dollar = strchr(p, '$');
	if (!dollar ||
	    idp_base64_decode(IDP_B64_STD, p, (size_t)(dollar - p), salt, IDP_PHC_MAX, &r.salt_len))
		return IDP_ERR_INVALID;
	p = dollar + 1;
	if (idp_base64_decode(IDP_B64_STD, p, strlen(p), hash, IDP_PHC_MAX, &r.hash_len))
		return IDP_ERR_INVALID;
	if (r.salt_len < PHC_MIN_SALT || r.hash_len < PHC_MIN_HASH)
		return IDP_ERR_INVALID;
	/* Parameters libargon2 would refuse (argon2.h limits). */
	if (r.params.iterations < ARGON2_MIN_TIME || r.params.parallelism < ARGON2_MIN_LANES ||
	    r.params.parallelism > ARGON2_MAX_LANES ||
	    (uint64_t)r.params.memory_kib < 8 * (uint64_t)r.params.parallelism)
		return IDP_ERR_INVALID;
	*info = r;
	return IDP_OK;
}

enum idp_err idp_phc_parse(const char *phc, struct idp_phc *out)
{
	uint8_t salt[IDP_PHC_MAX];
	uint8_t hash[IDP_PHC_MAX];
	enum idp_err err;

	err = phc_decode(phc, out, salt, hash);
	idp_wipe(hash, sizeof hash);
	return err;
}

/* ---- hashing ---- */

/* One Argon2id run of pw[0..pwlen) with salt into out[0..outlen). */
static enum idp_err argon2_run(const char *pw, size_t pwlen, const struct idp_argon2_params *params,
                               const uint8_t *salt, size_t saltlen, uint8_t *out, size_t outlen)
{
	argon2_context ctx;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	ctx.out = out;
	ctx.outlen = (uint32_t)outlen;
	/* libargon2 writes to pwd only under ARGON2_FLAG_CLEAR_PASSWORD, and to
	 * salt never; the casts only satisfy its non-const fields. */
	ctx.pwd = (uint8_t *)(uintptr_t)pw;
	ctx.pwdlen = (uint32_t)pwlen;
	ctx.salt = (uint8_t *)(uintptr_t)salt;
	ctx.saltlen = (uint32_t)saltlen;
	ctx.t_cost = params->iterations;
	ctx.m_cost = params->memory_kib;
	ctx.lanes = params->parallelism;
	ctx.threads = params->parallelism;
	ctx.version = ARGON2_VERSION_13;
	ctx.allocate_cbk = work_alloc;
	ctx.free_cbk = work_free;
	ctx.flags = ARGON2_DEFAULT_FLAGS;
	rc = argon2_ctx(&ctx, Argon2_id);
	if (rc != ARGON2_OK) {
		idp_error("argon2id [%d] %s", rc, argon2_error_message(rc));
		return IDP_ERR_CRYPTO;
	}
	return IDP_OK;
}

enum idp_err idp_password_hash(const char *password, const struct idp_argon2_params *params,
                               char out[IDP_PHC_MAX])
{
	uint8_t salt[SALT_LEN];
	uint8_t hash[HASH_LEN];
	size_t pwlen;
	size_t n;
	size_t m;
	int k;
	enum idp_err err;

	out[0] = '\0';
	if (!password) {
		err = IDP_ERR_INVALID;
		goto out;
	}
	pwlen = strnlen(password, IDP_PASSWORD_MAX + 1);
	if (pwlen > IDP_PASSWORD_MAX) {
		err = IDP_ERR_TOO_LARGE;
		goto out;
	}
	err = idp_random(salt, sizeof salt);
	if (err)
		goto out;
	err = argon2_run(password, pwlen, params, salt, sizeof salt, hash, sizeof hash);
	if (err)
		goto out;
	/* Same text as libargon2's encode_string(). */
	k = snprintf(out, IDP_PHC_MAX, "$argon2id$v=%u$m=%u,t=%u,p=%u$", ARGON2_VERSION_13,
	             params->memory_kib, params->iterations, params->parallelism);
	n = (size_t)k;
	m = idp_base64_encode(IDP_B64_STD, salt, sizeof salt, out + n, IDP_PHC_MAX - n);
	n += m;
	if (m == 0 || n + 1 >= IDP_PHC_MAX) {
		err = IDP_ERR_CRYPTO;
		goto out;
	}
	out[n++] = '$';
	if (idp_base64_encode(IDP_B64_STD, hash, sizeof hash, out + n, IDP_PHC_MAX - n) == 0) {
		err = IDP_ERR_CRYPTO;
		goto out;
	}
out:
	if (err)
		out[0] = '\0';
	idp_wipe(hash, sizeof hash);
	return err;
}

/* ---- verification ---- */

/* Verify pw[0..pwlen) against phc without any timing cover.
 * IDP_ERR_INVALID for a malformed phc (no Argon2 run happened then). */
static enum idp_err verify_phc(const char *pw, size_t pwlen, const char *phc)
{
	struct idp_phc info;
	uint8_t salt[IDP_PHC_MAX];
	uint8_t want[IDP_PHC_MAX];
	uint8_t got[IDP_PHC_MAX];
	enum idp_err err;

	err = phc_decode(phc, &info, salt, want);
	if (err)
		goto out;
	err = argon2_run(pw, pwlen, &info.params, salt, info.salt_len, got, info.hash_len);
	if (err)
		goto out;
	err = idp_ct_equal(got, want, info.hash_len) ? IDP_OK : IDP_ERR_AUTH;
out:
	idp_wipe(got, sizeof got);
	idp_wipe(want, sizeof want);
	return err;
}

enum idp_err idp_password_verify(const char *password, const char *phc)
{
	struct idp_phc info;
	size_t pwlen;
	enum idp_err err;

	if (!password)
		password = "";
	pwlen = strnlen(password, IDP_PASSWORD_MAX + 1);
	if (pwlen > IDP_PASSWORD_MAX) {
		/* Cannot match anything we stored; spend the time of this user's hash. */
		err = idp_phc_parse(phc, &info);
		idp_password_verify_dummy(password, err ? &default_params : &info.params);
		err = err ? IDP_ERR_INVALID : IDP_ERR_AUTH;
		goto out;
	}
	err = verify_phc(password, pwlen, phc);
	if (err == IDP_ERR_INVALID) {
		idp_warn("stored password hash is not an Argon2id PHC string");
		idp_password_verify_dummy(password, &default_params);
	}
out:
	return err;
}

/* Dummy hashes, one per parameter set seen, made on first use.  Parameters
 * normally never change, so a handful of slots suffices; when they run out
 * the oldest entry is replaced. */
#define DUMMY_SLOTS    8
#define DUMMY_PASSWORD "sekisho dummy password, never a real one"

struct dummy {
	struct idp_argon2_params params;
	char phc[IDP_PHC_MAX];
};

static struct dummy dummies[DUMMY_SLOTS];
static size_t n_dummies;
static size_t next_dummy;
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;

static bool params_equal(const struct idp_argon2_params *a, const struct idp_argon2_params *b)
{
	return a->memory_kib == b->memory_kib && a->iterations == b->iterations &&
	       a->parallelism == b->parallelism;
}

/* Copy the dummy PHC for params into phc; false when there is none yet. */
static bool dummy_lookup(const struct idp_argon2_params *params, char phc[IDP_PHC_MAX])
{
	bool found = false;

	pthread_mutex_lock(&dummy_lock);
	for (size_t i = 0; i < n_dummies && !found; i++) {
		if (params_equal(&dummies[i].params, params)) {
			memcpy(phc, dummies[i].phc, IDP_PHC_MAX);
			found = true;
		}
	}
	pthread_mutex_unlock(&dummy_lock);
	return found;
}

static void dummy_store(const struct idp_argon2_params *params, const char phc[IDP_PHC_MAX])
{
	struct dummy *d;

	pthread_mutex_lock(&dummy_lock);
	for (size_t i = 0; i < n_dummies; i++) {
		if (params_equal(&dummies[i].params, params))
			goto out; /* another thread made one meanwhile */
	}
	if (n_dummies < DUMMY_SLOTS) {
		d = &dummies[n_dummies++];
	} else {
		d = &dummies[next_dummy];
		next_dummy = (next_dummy + 1) % DUMMY_SLOTS;
	}
	d->params = *params;
	memcpy(d->phc, phc, IDP_PHC_MAX);
out:
	pthread_mutex_unlock(&dummy_lock);
}

void idp_password_verify_dummy(const char *password, const struct idp_argon2_params *params)
{
	char phc[IDP_PHC_MAX];

	if (!password)
		password = "";
	if (dummy_lookup(params, phc)) {
		(void)verify_phc(password, strnlen(password, IDP_PASSWORD_MAX), phc);
		return;
	}
	/* Making the dummy costs one Argon2 run with params: the time of a
	 * verification already, so no second run is needed this time. */
	if (idp_password_hash(DUMMY_PASSWORD, params, phc) == IDP_OK)
		dummy_store(params, phc);
}

bool idp_password_needs_rehash(const char *phc, const struct idp_argon2_params *params)
{
	struct idp_phc info;

	if (idp_phc_parse(phc, &info) != IDP_OK)
		return true;
	/* Salt and output lengths are our parameters too. */
	return !params_equal(&info.params, params) || info.salt_len != SALT_LEN ||
	       info.hash_len != HASH_LEN;
}

/* ---- policy rules ---- */

enum { CLASS_UPPER = 1, CLASS_LOWER = 2, CLASS_DIGIT = 4, CLASS_SYMBOL = 8 };

/* The character classes present in valid UTF-8 s. */
static unsigned char_classes(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = 0;

	for (; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			c |= CLASS_UPPER;
		else if (*p >= 'a' && *p <= 'z')
			c |= CLASS_LOWER;
		else if (*p >= '0' && *p <= '9')
			c |= CLASS_DIGIT;
		else if (*p >= 0x20 && *p < 0x7f)
			c |= CLASS_SYMBOL; /* printable ASCII punctuation and space */
		else if (*p >= 0xc0 && !(p[0] == 0xc2 && p[1] < 0xa0))
			c |= CLASS_SYMBOL; /* a non-ASCII code point other than C1 controls */
	}
	return c;
}

static unsigned popcount4(unsigned c)
{
	return (c & 1) + ((c >> 1) & 1) + ((c >> 2) & 1) + ((c >> 3) & 1);
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when needle[0..nlen) occurs in hay[0..hlen), ASCII case-blind. */
static bool icase_contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t j = 0;

		while (j < nlen && ascii_lower(hay[i + j]) == ascii_lower(needle[j]))
			j++;
		if (j == nlen)
			return true;
	}
	return false;
}

/* True when the local part of email (3 characters or more) is in password. */
static bool has_email_local_part(const char *password, const char *email)
{
	const char *at;
	size_t n;
	size_t chars = 0;

	if (!email)
		return false;
	at = strrchr(email, '@');
	n = at ? (size_t)(at - email) : strlen(email);
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)email[i] & 0xc0) != 0x80;
	if (chars < 3)
		return false;
	return icase_contains(password, strlen(password), email, n);
}

static int blocklist_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool idp_password_blocklisted(const char *s)
{
	char low[IDP_PASSWORD_MAX + 1];
	size_t n;
	bool found;

	if (!s)
		return false;
	n = strnlen(s, sizeof low);
	if (n == sizeof low)
		return false; /* longer than any password we accept, so not a listed one */
	for (size_t i = 0; i < n; i++)
		low[i] = ascii_lower(s[i]);
	low[n] = '\0';
	found = bsearch(low, idp_blocklist, idp_blocklist_count, sizeof idp_blocklist[0],
	                blocklist_cmp) != NULL;
	idp_wipe(low, n);
	return found;
}

unsigned idp_password_check(const char *password, const char *email,
                            const struct idp_policy *policy)
{
	unsigned fails = 0;
	unsigned classes;
	size_t chars;

	if (!password)
		password = "";
	/* Nothing else can be judged (or counted) in broken UTF-8. */
	if (!idp_utf8_valid(password, strlen(password)))
		return IDP_PW_BAD_UTF8;
	chars = idp_utf8_chars(password);
	if (chars < (size_t)policy->password.min_length)
		fails |= IDP_PW_TOO_SHORT;
	if (chars > (size_t)policy->password.max_length)
		fails |= IDP_PW_TOO_LONG;
	classes = char_classes(password);
	if (policy->password.require_upper && !(classes & CLASS_UPPER))
		fails |= IDP_PW_NEED_UPPER;
	if (policy->password.require_lower && !(classes & CLASS_LOWER))
		fails |= IDP_PW_NEED_LOWER;
	if (policy->password.require_digit && !(classes & CLASS_DIGIT))
		fails |= IDP_PW_NEED_DIGIT;
	if (policy->password.require_symbol && !(classes & CLASS_SYMBOL))
		fails |= IDP_PW_NEED_SYMBOL;
	if ((int)popcount4(classes) < policy->password.min_classes)
		fails |= IDP_PW_FEW_CLASSES;
	if (has_email_local_part(password, email))
		fails |= IDP_PW_HAS_EMAIL;
	if (idp_password_blocklisted(password))
		fails |= IDP_PW_BLOCKLISTED;
	return fails;
}
