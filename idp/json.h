/*
 * Reading JSON that comes from outside (API bodies, the policy document).
 * json-c is lenient where we must not be: it accepts 'single-quoted' keys,
 * and it keeps a "\u0000" escape inside a string whose C view then ends
 * early (an object key is silently cut there).  Every document we read goes
 * through idp_json_object, so a string means the same in C as in JSON.
 */
#ifndef IDP_JSON_H
#define IDP_JSON_H

#include <json-c/json.h>
#include <stddef.h>

#include "idp/err.h"

/* Parse json[0..len) as one JSON object: strict syntax, valid UTF-8, no
 * single quotes outside strings, nothing but whitespace after it, nesting at
 * most depth, and no string or key holding U+0000 (escaped or raw).
 * On success *out is a new object (caller json_object_put()s it).
 * IDP_ERR_INVALID otherwise, *out NULL, and field (fieldsz bytes, may be 0)
 * names the offending member as a dotted path when there is one: the member
 * whose string holds a NUL, or "key" when an object key does.
 * IDP_ERR_NOMEM when out of memory. Never reads past len. */
enum idp_err idp_json_object(const char *json, size_t len, int depth, json_object **out,
                             char *field, size_t fieldsz);

/* The string member key of o as a C string, or NULL when it is absent, not a
 * string, or holds a NUL.  Borrowed from o. */
const char *idp_json_str(json_object *o, const char *key);

#endif
