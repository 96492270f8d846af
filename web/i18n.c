/* The message catalogue and language choice: see web/i18n.h. */
#include "web/i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const catalogue[M__COUNT][2] = {
#define WEB_MSG_ROW(id, en, ja) [id] = {en, ja},
    WEB_MESSAGES(WEB_MSG_ROW)
#undef WEB_MSG_ROW
};

const char *web_t(const struct web_req *r, enum web_msg id)
{
	if ((unsigned)id >= M__COUNT)
		return "";
	return catalogue[id][r && r->lang == WEB_JA ? 1 : 0];
}

/* q-value of one "xx-YY;q=0.5" element; 1 when absent, 0 when malformed. */
static double qvalue(const char *params, const char *end)
{
	const char *q = params;

	while (q < end && (q = memchr(q, ';', (size_t)(end - q)))) {
		q++;
		while (q < end && *q == ' ')
			q++;
		if (end - q >= 2 && q[0] == 'q' && q[1] == '=') {
			char tmp[8] = {0};
			size_t n = (size_t)(end - q - 2);
			if (n >= sizeof tmp)
				n = sizeof tmp - 1;
			memcpy(tmp, q + 2, n);
			return strtod(tmp, NULL);
		}
	}
	return 1.0;
}

enum web_lang web_lang_from_header(const char *h)
{
	double best_en = -1, best_ja = -1;
	int n = 0;

	if (!h)
		return WEB_EN;
	while (*h && n++ < 32) {
		const char *end = strchr(h, ',');
		if (!end)
			end = h + strlen(h);
		while (h < end && *h == ' ')
			h++;
		double q = qvalue(h, end);
		if (end - h >= 2) {
			char a = (char)tolower((unsigned char)h[0]),
			     b = (char)tolower((unsigned char)h[1]);
			bool whole = end - h == 2 || h[2] == '-' || h[2] == ';';
			if (whole && a == 'j' && b == 'a' && q > best_ja)
				best_ja = q;
			if (whole && a == 'e' && b == 'n' && q > best_en)
				best_en = q;
		}
		h = *end ? end + 1 : end;
	}
	if (best_ja > 0 && best_ja > best_en)
		return WEB_JA;
	return WEB_EN;
}
