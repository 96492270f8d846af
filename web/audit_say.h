/*
 * Inside the audit log's text (web/audit_text.c and the files of sentences
 * beside it): an event being put into words, and the helpers the sentence
 * makers share.  Nothing outside web/audit_text*.c includes this.
 */
#ifndef WEB_AUDIT_SAY_H
#define WEB_AUDIT_SAY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "web/i18n.h"
#include "web/web.h"

#define ARG_MAX (64 * 1024) /* one placeholder's HTML */
#define NARGS   5

/* An event being put into words: the placeholders {0}..{4} as HTML and
 * what follows the sentence (policy.updated's list of changes). */
struct say {
	const struct web_req *r;
	const struct idp_audit_row *e;
	json_object *d; /* the detail, or NULL when it is not JSON */
	struct web_buf a[NARGS];
	struct web_buf tail;
};

/* Member k of the detail d (NULL when d is no object or k is absent), as
 * a string (NULL when not one), as an integer (false when not one), as a
 * boolean (-1 when not one). */
json_object *say_get(json_object *d, const char *k);
const char *say_str(json_object *d, const char *k);
bool say_int(json_object *d, const char *k, int64_t *out);
int say_bool(json_object *d, const char *k);
/* a and b both set and equal. */
bool say_is(const char *a, const char *b);
/* Integer member k of d into b, or "?". */
void say_put_int(struct web_buf *b, json_object *d, const char *k);
/* A role's name in the reader's language. */
void say_put_role(struct web_buf *b, const struct web_req *r, const char *role);
/* Append the line "label: before → after" made of h (HTML) and free h. */
void say_change_line(struct say *s, struct web_buf h[3]);

/* The sentences of applications, the gateway and SAML
 * (web/audit_text_apps.c). */
enum web_msg say_app(struct say *s);
enum web_msg say_gateway_denied(struct say *s);
enum web_msg say_saml(struct say *s);
enum web_msg say_saml_key(struct say *s);
enum web_msg say_saml_sp(struct say *s);

#endif
