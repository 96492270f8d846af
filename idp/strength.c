/*
 * Password strength: how many guesses an attacker who knows common
 * passwords, words, keyboard walks, dates, repetitions and the user's own
 * details would need, estimated by zxcvbn (Debian's zxcvbn-c).  NIST SP
 * 800-63B asks verifiers to refuse passwords that are commonly used,
 * expected or compromised; rules about character classes alone let
 * "Password123!" through.  The estimate is a number of bits; zxcvbn's
 * score maps it onto five levels of guesses (10^3, 10^6, 10^8, 10^10).
 */
#include <ctype.h>
#include <string.h>
#include <zxcvbn.h>

#include "idp/password.h"
#include "idp/policy.h"

#define WORDS_MAX 48
#define WORD_MAX  101 /* bytes of one context word, with its NUL */

/* log2 of 10^3, 10^6, 10^8 and 10^10: zxcvbn's score thresholds in bits. */
static const double score_bits[] = {9.9658, 19.9316, 26.5754, 33.2193};

struct words {
	char buf[WORDS_MAX][WORD_MAX];
	const char *list[WORDS_MAX + 1];
	int n;
};

/* Add s[0..len) lower-cased, when it is long enough to mean something. */
static void add_word(struct words *w, const char *s, size_t len)
{
	if (len < 3 || len >= WORD_MAX || w->n >= WORDS_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		w->buf[w->n][i] = (char)tolower((unsigned char)s[i]);
	w->buf[w->n][len] = 0;
	w->list[w->n] = w->buf[w->n];
	w->n++;
	w->list[w->n] = NULL;
}

/* Add s whole and each of its parts between the separators seps. */
static void add_parts(struct words *w, const char *s, size_t len, const char *seps)
{
	size_t start = 0;

	add_word(w, s, len);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && !strchr(seps, s[i]))
			continue;
		if (i - start < len)
			add_word(w, s + start, i - start);
		start = i + 1;
	}
}

static void context_words(const struct idp_pw_context *ctx, struct words *w)
{
	const char *at;

	w->n = 0;
	w->list[0] = NULL;
	if (!ctx)
		return;
	if (ctx->email && (at = strchr(ctx->email, '@')) != NULL) {
		add_parts(w, ctx->email, (size_t)(at - ctx->email), "._+-");
		add_parts(w, at + 1, strlen(at + 1), ".");
	}
	if (ctx->name)
		add_parts(w, ctx->name, strlen(ctx->name), " ._-");
	if (ctx->tenant_slug)
		add_parts(w, ctx->tenant_slug, strlen(ctx->tenant_slug), "-");
	if (ctx->tenant_name)
		add_parts(w, ctx->tenant_name, strlen(ctx->tenant_name), " ._-");
}

static unsigned hint_of(ZxcTypeMatch_t type)
{
	switch ((int)type & ~MULTIPLE_MATCH) {
	case DICTIONARY_MATCH:
	case DICT_LEET_MATCH: return IDP_PW_HINT_COMMON;
	case USER_MATCH:
	case USER_LEET_MATCH: return IDP_PW_HINT_PERSONAL;
	case SPATIAL_MATCH: return IDP_PW_HINT_KEYBOARD;
	case DATE_MATCH:
	case YEAR_MATCH: return IDP_PW_HINT_DATE;
	case REPEATS_MATCH:
	case SEQUENCE_MATCH: return IDP_PW_HINT_REPEAT;
	default: return 0;
	}
}

int idp_password_score(const char *password, const struct idp_pw_context *ctx, unsigned *hints)
{
	struct words w;
	ZxcMatch_t *info = NULL;
	double bits;
	int score = 0;

	context_words(ctx, &w);
	bits = ZxcvbnMatch(password ? password : "", w.list, hints ? &info : NULL);
	while (score < 4 && bits >= score_bits[score])
		score++;
	if (hints) {
		*hints = 0;
		for (ZxcMatch_t *m = info; m; m = m->Next)
			*hints |= hint_of(m->Type);
		ZxcvbnFreeInfo(info);
	}
	return score;
}

unsigned idp_password_strength(const char *password, const struct idp_pw_context *ctx,
                               const struct idp_policy *policy)
{
	unsigned hints = 0;

	if (policy->password.min_score <= 0)
		return 0;
	if (idp_password_score(password, ctx, &hints) >= policy->password.min_score)
		return 0;
	return IDP_PW_GUESSABLE | hints;
}
