/* Helpers shared by the JSON API modules (web/api*.c). */
#ifndef WEB_API_H
#define WEB_API_H

#include <json-c/json.h>

#include "web/web.h"

/* Answer {"ok":true} with status (200, or 201 for something made). */
int web_api_ok(struct web_req *r, unsigned status);
/* Send o (consumed) as JSON with status. */
int web_api_json(struct web_req *r, unsigned status, json_object *o);
#define WEB_API_FIELD_MAX 128

/* Parse the request body as one JSON object with idp_json_object (strict,
 * no NUL in any string).  IDP_ERR_INVALID otherwise, with field naming the
 * member at fault when there is one ("" when the body is not JSON at all). */
enum idp_err web_api_body(struct web_req *r, json_object **out, char field[WEB_API_FIELD_MAX]);
/* The 400 answer for a body web_api_body refused: "invalid" naming field,
 * or "invalid_json" when field is empty. */
int web_api_bad_body(struct web_req *r, const char *field);
/* DELETE (or POST) .../{id}[/...]: fn(tenant, actor, id) for the route's
 * first '*' as a positive id (404 when it is not one), answered
 * {"ok":true} or with the error web_api_err gives. */
int web_api_delete_id(struct web_req *r,
                      enum idp_err (*fn)(const struct idp_tenant *t, const struct idp_actor *by,
                                         int64_t id));
/* Map an idp error to a JSON error response. */
int web_api_err(struct web_req *r, enum idp_err err, const char *field);
/* Read from/to/action/actor/limit/offset; false with *bad naming a bad one. */
bool web_audit_filter(struct web_req *r, struct idp_audit_filter *f, const char **bad);
/* The stored time at in zone tz as ISO 8601 with its offset
 * ("2026-11-30T10:15:03+09:00"); at itself when it cannot be read
 * (web/audit_text.c). */
void web_audit_time_iso(const char *at, const char *tz, char out[40]);
/* Append the CSV export of rows: seq, time (in zone tz, the tenant's
 * policy.audit.timezone, ISO 8601 with its offset), time_utc (as stored),
 * actor, role, source_ip, action, target, result, detail; every cell
 * formula-safe (idp_csv_field). */
void web_audit_csv(struct web_buf *b, const struct idp_audit_row *rows, int n, const char *tz);

#endif
