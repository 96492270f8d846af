/*
 * What the two files of the console's SAML tab share (web/admin_saml.c: the
 * tab, keys and registration; web/admin_saml_sp.c: one service provider's
 * page): the settings' words and a few page pieces.
 */
#ifndef WEB_ADMIN_SAML_H
#define WEB_ADMIN_SAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/i18n.h"
#include "web/web.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A setting's stored value and its words. */
struct choice {
	const char *value;
	enum web_msg label;
};

extern const struct choice web_saml_formats[4], web_saml_signs[3], web_saml_attrs[3];

/* The choice of set[0..n) with value v, or NULL. */
const struct choice *web_saml_choice_of(const struct choice *set, size_t n, const char *v);
/* A time in the tenant's zone, or "-". */
void web_saml_when(struct web_buf *b, const struct web_req *r, int64_t t);
/* "<dt>label</dt><dd>": one fact of a list (closed by the caller). */
void web_saml_fact(struct web_buf *b, const struct web_req *r, enum web_msg label);
/* The box above a form listing the fields to correct, each a link. */
void web_saml_summary(struct web_buf *b, const struct web_req *r, enum web_msg intro,
                      const char *const *ids, const enum web_msg *labels, const bool *bad,
                      size_t n);

#endif
