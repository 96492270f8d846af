/* Strict JSON reading (idp/json.c): what json-c alone would let through. */
#include <stdlib.h>

#include "idp/json.h"
#include "tests/unit/check.h"

/* Parse s; return the error and leave the named field in field. */
static enum idp_err parse(const char *s, size_t len, char field[64])
{
	json_object *o = NULL;
	enum idp_err err = idp_json_object(s, len, 16, &o, field, 64);

	if (err == IDP_OK && !o)
		return IDP_ERR_NOMEM; /* success must hand out an object */
	if (err != IDP_OK && o)
		return IDP_ERR_NOMEM; /* failure must not */
	json_object_put(o);
	return err;
}

static enum idp_err parse_s(const char *s, char field[64])
{
	return parse(s, strlen(s), field);
}

TEST(accepts_a_plain_object)
{
	char f[64];

	CHECK(parse_s("{\"email\":\"a@b.example\",\"role\":\"user\"}", f) == IDP_OK);
	CHECK(parse_s("  {\"a\":[1,2,{\"b\":null}]} \r\n\t", f) == IDP_OK);
	CHECK_STR(f, "");
}

TEST(refuses_what_is_not_one_object)
{
	char f[64];

	CHECK(parse_s("", f) == IDP_ERR_INVALID);
	CHECK(parse(NULL, 0, f) == IDP_ERR_INVALID);
	CHECK(parse_s("[1,2]", f) == IDP_ERR_INVALID);
	CHECK(parse_s("\"x\"", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":1} {\"b\":2}", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":1} x", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":1", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{'a':1}", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":'x'}", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":1,}", f) == IDP_ERR_INVALID);
	CHECK_STR(f, "");
}

TEST(refuses_invalid_utf8_and_raw_nul)
{
	char f[64];
	static const char nul[] = "{\"a\":\"x\0y\"}";

	CHECK(parse_s("{\"a\":\"\xc3\x28\"}", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":\"\xed\xa0\x80\"}", f) == IDP_ERR_INVALID); /* surrogate */
	CHECK(parse(nul, sizeof nul - 1, f) == IDP_ERR_INVALID);
	/* Only len bytes are read: a valid prefix is judged alone. */
	CHECK(parse("{\"a\":1}garbage", 7, f) == IDP_OK);
}

TEST(escaped_nul_in_a_value_names_the_field)
{
	char f[64];

	CHECK(parse_s("{\"password\":\"abc\\u0000def\"}", f) == IDP_ERR_INVALID);
	CHECK_STR(f, "password");
	CHECK(parse_s("{\"email\":\"a@b.example\",\"role\":\"admin\\u0000x\"}", f) ==
	      IDP_ERR_INVALID);
	CHECK_STR(f, "role");
	CHECK(parse_s("{\"ip\":{\"allow\":[\"10.0.0.0/8\",\"\\u0000\"]}}", f) == IDP_ERR_INVALID);
	CHECK_STR(f, "ip.allow[1]");
}

TEST(escaped_nul_in_a_key_is_refused)
{
	char f[64];

	/* json-c would keep the key as "role", dropping the rest. */
	CHECK(parse_s("{\"role\\u0000x\":\"admin\"}", f) == IDP_ERR_INVALID);
	CHECK_STR(f, "key");
}

TEST(escaped_backslash_before_u0000_is_text)
{
	char f[64];

	/* "\\u0000" is a backslash followed by the letters u0000. */
	CHECK(parse_s("{\"a\":\"\\\\u0000\"}", f) == IDP_OK);
	CHECK(parse_s("{\"a\":\"\\\\\\u0000\"}", f) == IDP_ERR_INVALID);
	CHECK(parse_s("{\"a\":\"\\u0001\"}", f) == IDP_OK);
}

/* {"a":[[...]]} with n nested arrays. */
static void nested(char *doc, int n)
{
	strcpy(doc, "{\"a\":");
	for (int i = 0; i < n; i++)
		strcat(doc, "[");
	for (int i = 0; i < n; i++)
		strcat(doc, "]");
	strcat(doc, "}");
}

TEST(depth_is_bounded)
{
	char f[64], doc[300];

	nested(doc, 10);
	CHECK(parse_s(doc, f) == IDP_OK);
	nested(doc, 30);
	CHECK(parse_s(doc, f) == IDP_ERR_INVALID);
}

TEST(str_is_null_for_absent_wrong_type_or_nul)
{
	json_object *o = NULL;
	char f[64];

	CHECK(idp_json_object("{\"a\":\"x\",\"b\":1}", 15, 16, &o, f, sizeof f) == IDP_OK);
	CHECK(o && idp_json_str(o, "a") && strcmp(idp_json_str(o, "a"), "x") == 0);
	CHECK(o && !idp_json_str(o, "b"));
	CHECK(o && !idp_json_str(o, "c"));
	json_object_put(o);
	/* A NUL made by hand (not through the parser) is still caught. */
	o = json_object_new_object();
	json_object_object_add(o, "p", json_object_new_string_len("ab\0cd", 5));
	CHECK(!idp_json_str(o, "p"));
	json_object_put(o);
}

int main(void)
{
	RUN(accepts_a_plain_object);
	RUN(refuses_what_is_not_one_object);
	RUN(refuses_invalid_utf8_and_raw_nul);
	RUN(escaped_nul_in_a_value_names_the_field);
	RUN(escaped_nul_in_a_key_is_refused);
	RUN(escaped_backslash_before_u0000_is_text);
	RUN(depth_is_bounded);
	RUN(str_is_null_for_absent_wrong_type_or_nul);
	return check_summary();
}
