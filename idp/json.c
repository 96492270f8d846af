/* Strict JSON reading: see idp/json.h. */
#include "idp/json.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "idp/text.h"

/* True when json[0..len) has a single quote outside any string: json-c
 * accepts 'key' as an object key even in strict mode; JSON does not. */
static bool quote_outside_string(const char *json, size_t len)
{
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		if (in_string && json[i] == '\\')
			i++;
		else if (json[i] == '"')
			in_string = !in_string;
		else if (!in_string && json[i] == '\'')
			return true;
	}
	return false;
}

/* True when json[0..len) holds the escape \u0000.  Escapes occur only inside
 * strings, and an escaped backslash ("\\u0000" is text) is skipped whole. */
static bool escaped_nul(const char *json, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] == 'u' && i + 5 < len && memcmp(json + i + 2, "0000", 4) == 0)
			return true;
		i++;
	}
	return false;
}

static bool str_has_nul(json_object *v)
{
	return strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v);
}

/* Find a string value holding a NUL below v; its dotted path goes to field. */
static bool find_nul_value(json_object *v, const char *path, char *field, size_t fieldsz)
{
	char sub[256];

	switch (json_object_get_type(v)) {
	case json_type_string:
		if (!str_has_nul(v))
			return false;
		if (fieldsz)
			snprintf(field, fieldsz, "%s", path);
		return true;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
			if (find_nul_value(val, sub, field, fieldsz))
				return true;
		}
		return false;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			if (find_nul_value(json_object_array_get_idx(v, i), sub, field, fieldsz))
				return true;
		}
		return false;
	default: return false;
	}
}

enum idp_err idp_json_object(const char *json, size_t len, int depth, json_object **out,
                             char *field, size_t fieldsz)
{
	struct json_tokener *tok = NULL;
	json_object *root = NULL;
	enum idp_err err = IDP_ERR_INVALID;

	*out = NULL;
	if (fieldsz)
		field[0] = 0;
	/* json-c would stop at a raw NUL and call the rest trailing data. */
	if (!json || len == 0 || len > (size_t)0x7fffffff || memchr(json, '\0', len) ||
	    !idp_utf8_valid(json, len) || quote_outside_string(json, len))
		goto out;
	tok = json_tokener_new_ex(depth);
	if (!tok) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	for (size_t end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!strchr(" \t\r\n", json[end]))
			goto out;
	}
	if (!json_object_is_type(root, json_type_object))
		goto out;
	if (escaped_nul(json, len)) {
		/* A value keeps its length, so name it; a key does not: json-c
		 * has already cut it at the NUL. */
		if (!find_nul_value(root, "", field, fieldsz) && fieldsz)
			snprintf(field, fieldsz, "%s", "key");
		goto out;
	}
	*out = root;
	root = NULL;
	err = IDP_OK;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	return err;
}

const char *idp_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    str_has_nul(v))
		return NULL;
	return json_object_get_string(v);
}
