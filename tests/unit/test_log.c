/* The operator log's line formats (idp/log.c): logfmt and JSON, one event
 * per line whatever the message holds. */
#include <json-c/json.h>
#include <string.h>

#include "idp/log.h"
#include "tests/unit/check.h"

static const char *const tricky[] = {
    "plain",
    "quote \" and backslash \\ inside",
    "two\nlines\rand a tab\t",
    "\x01\x1f control \x7f",
    "日本語のメッセージ",
    "cut UTF-8: \xe6\x97",
    "lone continuation \x80 and overlong \xc0\xaf and surrogate \xed\xa0\x80",
    "",
};

TEST(json_lines_parse_and_keep_the_message)
{
	for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
		char out[512];
		size_t n =
		    idp_log_format_line(IDP_LOG_JSON, IDP_LOG_WARN, "2026-11-30T00:00:00.000Z",
		                        tricky[i], out, sizeof out);
		json_object *o;
		CHECK(n > 0 && out[n - 1] == '\n' && strchr(out, '\n') == out + n - 1);
		o = json_tokener_parse(out);
		CHECK(o != NULL);
		if (!o)
			continue;
		json_object *v;
		CHECK(json_object_object_get_ex(o, "level", &v) &&
		      strcmp(json_object_get_string(v), "warn") == 0);
		CHECK(json_object_object_get_ex(o, "time", &v) &&
		      strcmp(json_object_get_string(v), "2026-11-30T00:00:00.000Z") == 0);
		CHECK(json_object_object_get_ex(o, "msg", &v));
		if (i < 3)
			CHECK(strstr(json_object_get_string(v), "\n") ? i == 2 : i != 2);
		if (i == 4)
			CHECK_STR(json_object_get_string(v), tricky[4]);
		json_object_put(o);
	}
}

TEST(logfmt_lines_are_one_line_with_one_quoted_message)
{
	char out[512];
	size_t n = idp_log_format_line(IDP_LOG_LOGFMT, IDP_LOG_ERROR, "2026-11-30T00:00:00.000Z",
	                               tricky[2], out, sizeof out);

	CHECK(n > 0 && strchr(out, '\n') == out + n - 1);
	CHECK_STR(out, "time=2026-11-30T00:00:00.000Z level=error msg=\"two lines and a tab \"\n");
	n = idp_log_format_line(IDP_LOG_LOGFMT, IDP_LOG_INFO, "t", tricky[1], out, sizeof out);
	CHECK_STR(out, "time=t level=info msg=\"quote \\\" and backslash \\\\ inside\"\n");
}

TEST(a_long_message_is_cut_and_the_line_stays_well_formed)
{
	char msg[3000], out[200];
	json_object *o;

	memset(msg, 0, sizeof msg);
	for (size_t i = 0; i + 3 < sizeof msg; i += 3)
		memcpy(msg + i, "\xe6\x97\xa5", 3); /* 日 */
	CHECK(idp_log_format_line(IDP_LOG_JSON, IDP_LOG_INFO, "t", msg, out, sizeof out) > 0);
	o = json_tokener_parse(out);
	CHECK(o != NULL);
	json_object_put(o);
	CHECK(idp_log_format_line(IDP_LOG_JSON, IDP_LOG_INFO, "t", msg, out, 10) == 0);
}

int main(void)
{
	RUN(json_lines_parse_and_keep_the_message);
	RUN(logfmt_lines_are_one_line_with_one_quoted_message);
	RUN(a_long_message_is_cut_and_the_line_stays_well_formed);
	return check_summary();
}
