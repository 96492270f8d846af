/* Helpers shared by the JSON API modules (web/api*.c). */
#ifndef WEB_API_H
#define WEB_API_H

#include <json-c/json.h>

#include "web/web.h"

/* Send o (consumed) as JSON with status. */
int web_api_json(struct web_req *r, unsigned status, json_object *o);
/* Parse the request body as a JSON object (strict). IDP_ERR_INVALID otherwise. */
enum idp_err web_api_body(struct web_req *r, json_object **out);
/* Borrowed string member, or NULL when absent or not a string. */
const char *web_api_str(json_object *o, const char *key);
/* Map an idp error to a JSON error response. */
int web_api_err(struct web_req *r, enum idp_err err, const char *field);
/* Read from/to/action/actor/limit/offset; false with *bad naming a bad one. */
bool web_audit_filter(struct web_req *r, struct idp_audit_filter *f, const char **bad);
/* Append the CSV export of rows. */
void web_audit_csv(struct web_buf *b, const struct idp_audit_row *rows, int n);

#endif
