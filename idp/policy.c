/*
 * The tenant policy document (README, "Admin API").  One table below
 * lists every field in the order of the document with its JSON name, type,
 * place in struct idp_policy and allowed range; parsing, validation and the
 * JSON writer all walk it, so the three cannot drift apart.
 *
 * Parsing is strict because an administrator's typo must not silently weaken
 * a tenant: unknown keys, strings where numbers belong, 8.0 for 8, out-of-range
 * values and malformed CIDRs are refused with the name of the field.  A
 * document may be partial: it changes only the fields it names, and is
 * applied to a copy so a refused document changes nothing.  Every problem is
 * collected (idp_policy_check, for the console's form); the API's parse
 * reports the first of them.
 */
#include "idp/policy.h"
#include "idp/json.h"
#include "idp/time.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLICY_JSON_MAX   65536 /* bytes; the document is small, 256 CIDRs twice fit easily */
#define POLICY_JSON_DEPTH 8     /* the document nests 3 deep */

enum kind { K_INT, K_BOOL, K_CONCURRENT, K_MFA, K_CERT, K_CIDRS, K_TZ };

struct field {
	const char *section;
	const char *name;
	enum kind kind;
	size_t off;                /* of the value in struct idp_policy */
	size_t count_off;          /* K_CIDRS: of the element count */
	long min, max;             /* K_INT: allowed range */
	enum idp_policy_unit unit; /* K_INT: what it counts */
};

#define OFF(m) offsetof(struct idp_policy, m)
#define F_INT(s, n, lo, hi)                                                                        \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_INT, .off = OFF(s.n), .min = lo, .max = hi    \
	}
#define F_SECONDS(s, n, lo, hi)                                                                    \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_INT, .off = OFF(s.n), .min = lo, .max = hi,   \
		.unit = IDP_UNIT_SECONDS                                                           \
	}
#define F_DAYS(s, n, lo, hi)                                                                       \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_INT, .off = OFF(s.n), .min = lo, .max = hi,   \
		.unit = IDP_UNIT_DAYS                                                              \
	}
#define F_BOOL(s, n)                                                                               \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_BOOL, .off = OFF(s.n)                         \
	}
#define F_ENUM(s, n, k)                                                                            \
	{                                                                                          \
		.section = #s, .name = #n, .kind = k, .off = OFF(s.n)                              \
	}
#define F_CIDRS(s, n)                                                                              \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_CIDRS, .off = OFF(s.n),                       \
		.count_off = OFF(s.n_##n)                                                          \
	}
#define F_TZ(s, n)                                                                                 \
	{                                                                                          \
		.section = #s, .name = #n, .kind = K_TZ, .off = OFF(s.n)                           \
	}

/* The document's order; rules between fields are in cross_rules[]. */
static const struct field fields[] = {
    F_INT(password, min_length, 8, 64),
    F_INT(password, max_length, 8, 128),
    F_BOOL(password, require_upper),
    F_BOOL(password, require_lower),
    F_BOOL(password, require_digit),
    F_BOOL(password, require_symbol),
    F_INT(password, min_classes, 0, 4),
    F_INT(password, history, 0, 24),
    F_DAYS(password, expiry_days, 0, 999),
    F_BOOL(password, change_at_first_login),
    F_INT(password, min_score, 0, 4),
    F_INT(lockout, max_failures, 0, 100),
    F_SECONDS(lockout, unlock_after_seconds, 0, 31536000),
    F_SECONDS(session, idle_timeout_seconds, 60, 2592000),
    F_SECONDS(session, absolute_timeout_seconds, 60, 31536000),
    F_ENUM(session, concurrent, K_CONCURRENT),
    F_ENUM(mfa, require, K_MFA),
    F_ENUM(mfa, client_cert, K_CERT),
    F_CIDRS(ip, allow),
    F_CIDRS(ip, admin_allow),
    F_DAYS(audit, retention_days, 1, 3650),
    F_TZ(audit, timezone),
    F_BOOL(saml, want_signed_requests),
};

#define N_FIELDS (sizeof fields / sizeof fields[0])

/* Rules between integer fields: high must not be below low.  A breach is
 * reported on high, the field that must give way. */
static const struct {
	const char *section, *low, *high;
} cross_rules[] = {
    {"password", "min_length", "max_length"},
    {"session", "idle_timeout_seconds", "absolute_timeout_seconds"},
};

static const char *const sections[] = {"password", "lockout", "session", "mfa",
                                       "ip",       "audit",   "saml"};

/* Indexed by the enum values, which run 0, 1, 2; NULL-terminated. */
static const char *const concurrent_names[] = {"allow", "deny_new", "end_old", NULL};
static const char *const mfa_names[] = {"off", "admins", "all", NULL};
static const char *const cert_names[] = {"off", "required", "factor", NULL};

/* The name table of an enum kind. */
static const char *const *enum_names(enum kind k)
{
	switch (k) {
	case K_CONCURRENT: return concurrent_names;
	case K_MFA: return mfa_names;
	case K_CERT: return cert_names;
	default: return NULL;
	}
}

const char *idp_concurrent_name(enum idp_concurrent c)
{
	return (unsigned)c < 3 ? concurrent_names[c] : "";
}

const char *idp_mfa_require_name(enum idp_mfa_require m)
{
	return (unsigned)m < 3 ? mfa_names[m] : "";
}

const char *idp_client_cert_name(enum idp_client_cert c)
{
	return (unsigned)c < 3 ? cert_names[c] : "";
}

/* The enum fields are read and written through these so no enum object is
 * ever accessed as an int. */
static unsigned enum_get(const struct idp_policy *p, enum kind k)
{
	switch (k) {
	case K_CONCURRENT: return (unsigned)p->session.concurrent;
	case K_MFA: return (unsigned)p->mfa.require;
	case K_CERT: return (unsigned)p->mfa.client_cert;
	default: return 0;
	}
}

static void enum_set(struct idp_policy *p, enum kind k, unsigned v)
{
	switch (k) {
	case K_CONCURRENT: p->session.concurrent = (enum idp_concurrent)v; break;
	case K_MFA: p->mfa.require = (enum idp_mfa_require)v; break;
	case K_CERT: p->mfa.client_cert = (enum idp_client_cert)v; break;
	default: break;
	}
}

static int *int_at(struct idp_policy *p, const struct field *f)
{
	return (int *)(void *)((char *)p + f->off);
}

static const int *int_at_c(const struct idp_policy *p, const struct field *f)
{
	return (const int *)(const void *)((const char *)p + f->off);
}

static bool *bool_at(struct idp_policy *p, const struct field *f)
{
	return (bool *)(void *)((char *)p + f->off);
}

static const bool *bool_at_c(const struct idp_policy *p, const struct field *f)
{
	return (const bool *)(const void *)((const char *)p + f->off);
}

static struct idp_cidr *cidrs_at(struct idp_policy *p, const struct field *f)
{
	return (struct idp_cidr *)(void *)((char *)p + f->off);
}

static const struct idp_cidr *cidrs_at_c(const struct idp_policy *p, const struct field *f)
{
	return (const struct idp_cidr *)(const void *)((const char *)p + f->off);
}

static size_t *count_at(struct idp_policy *p, const struct field *f)
{
	return (size_t *)(void *)((char *)p + f->count_off);
}

static size_t count_at_c(const struct idp_policy *p, const struct field *f)
{
	return *(const size_t *)(const void *)((const char *)p + f->count_off);
}

/* Write the name of the bad field into field[0..fieldsz), truncated. */
static void __attribute__((format(printf, 3, 4)))
set_field(char *field, size_t fieldsz, const char *fmt, ...)
{
	va_list ap;

	if (!field || fieldsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(field, fieldsz, fmt, ap);
	va_end(ap);
}

/* The problems found so far: their names in bad[0..n) (at most max of them),
 * whether there was any, and which fields of the table are bad. */
struct report {
	char (*bad)[IDP_POLICY_FIELD_NAME_MAX];
	size_t max, n;
	bool found;
	bool field_bad[N_FIELDS];
};

static void __attribute__((format(printf, 2, 3))) report(struct report *rep, const char *fmt, ...)
{
	va_list ap;

	rep->found = true;
	if (rep->n >= rep->max)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->bad[rep->n++], IDP_POLICY_FIELD_NAME_MAX, fmt, ap);
	va_end(ap);
}

/* Report field f as bad (as a whole). */
static void report_field(struct report *rep, const struct field *f)
{
	rep->field_bad[f - fields] = true;
	report(rep, "%s.%s", f->section, f->name);
}

/* Range check of one field of p. */
static bool field_valid(const struct idp_policy *p, const struct field *f)
{
	long v;

	switch (f->kind) {
	case K_INT: v = *int_at_c(p, f); return v >= f->min && v <= f->max;
	case K_BOOL: return true;
	case K_CONCURRENT:
	case K_MFA:
	case K_CERT: return enum_get(p, f->kind) < 3;
	case K_CIDRS: return count_at_c(p, f) <= IDP_POLICY_MAX_CIDRS;
	case K_TZ:
		return memchr(p->audit.timezone, '\0', IDP_POLICY_TZ_MAX) &&
		       idp_tz_valid(p->audit.timezone);
	}
	return false;
}

static const struct field *find_field(const char *section, const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (strcmp(fields[i].section, section) == 0 && strcmp(fields[i].name, name) == 0)
			return &fields[i];
	}
	return NULL;
}

/* Report the fields of p out of range, then the rules between fields whose
 * fields are not already reported. */
static void check_merged(const struct idp_policy *p, struct report *rep)
{
	for (size_t i = 0; i < N_FIELDS; i++) {
		if (!rep->field_bad[i] && !field_valid(p, &fields[i]))
			report_field(rep, &fields[i]);
	}
	for (size_t i = 0; i < sizeof cross_rules / sizeof cross_rules[0]; i++) {
		const struct field *lo = find_field(cross_rules[i].section, cross_rules[i].low);
		const struct field *hi = find_field(cross_rules[i].section, cross_rules[i].high);

		if (rep->field_bad[lo - fields] || rep->field_bad[hi - fields])
			continue;
		if (*int_at_c(p, hi) < *int_at_c(p, lo))
			report_field(rep, hi);
	}
}

enum idp_err idp_policy_validate(const struct idp_policy *p, char *field, size_t fieldsz)
{
	char bad[1][IDP_POLICY_FIELD_NAME_MAX];
	struct report rep = {.bad = bad, .max = 1};

	check_merged(p, &rep);
	set_field(field, fieldsz, "%s", rep.n ? bad[0] : "");
	return rep.found ? IDP_ERR_INVALID : IDP_OK;
}

void idp_policy_default(struct idp_policy *p)
{
	memset(p, 0, sizeof *p);
	p->password.min_length = 8;
	p->password.max_length = 64;
	p->password.change_at_first_login = true;
	p->password.min_score = 2;
	p->lockout.max_failures = 5;
	p->lockout.unlock_after_seconds = 0;
	p->session.idle_timeout_seconds = 10800;
	p->session.absolute_timeout_seconds = 43200;
	p->session.concurrent = IDP_CONCURRENT_ALLOW;
	p->mfa.require = IDP_MFA_OFF;
	p->mfa.client_cert = IDP_CERT_OFF;
	p->audit.retention_days = 396;
	snprintf(p->audit.timezone, sizeof p->audit.timezone, "%s", "Asia/Tokyo");
	p->saml.want_signed_requests = false;
}

/* ---- parsing ---- */

static bool is_section(const char *name)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		if (strcmp(sections[i], name) == 0)
			return true;
	}
	return false;
}

/* The C string of a JSON string, or NULL when v is not a string or holds a
 * NUL (which would make the C view differ from the JSON one). */
static const char *plain_string(struct json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}

/* Parse a CIDR array into f's list of p, reporting each bad entry.  The count
 * changes only when every entry is good (entries may be overwritten before
 * that is known: p is then not the caller's result). */
static void parse_cidrs(struct json_object *v, const struct field *f, struct idp_policy *p,
                        struct report *rep)
{
	struct idp_cidr *list = cidrs_at(p, f);
	bool ok = true;
	size_t n;

	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) > IDP_POLICY_MAX_CIDRS) {
		report_field(rep, f);
		return;
	}
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		const char *s = plain_string(json_object_array_get_idx(v, i));

		if (!s || idp_cidr_parse(s, &list[i]) != IDP_OK) {
			rep->field_bad[f - fields] = true;
			report(rep, "%s.%s[%zu]", f->section, f->name, i);
			ok = false;
		}
	}
	if (ok)
		*count_at(p, f) = n;
}

/* Parse value v of field f into p, checking its type and range; a bad value
 * is reported and leaves p's. */
static void parse_value(struct json_object *v, const struct field *f, struct idp_policy *p,
                        struct report *rep)
{
	const char *const *names;
	const char *s;
	int64_t i;

	switch (f->kind) {
	case K_INT:
		/* json-c types 8.0 and 1e3 as double: those are refused here. */
		if (!json_object_is_type(v, json_type_int))
			break;
		i = json_object_get_int64(v);
		if (i < f->min || i > f->max)
			break;
		*int_at(p, f) = (int)i;
		return;
	case K_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			break;
		*bool_at(p, f) = json_object_get_boolean(v);
		return;
	case K_CONCURRENT:
	case K_MFA:
	case K_CERT:
		names = enum_names(f->kind);
		s = plain_string(v);
		for (unsigned k = 0; s && k < 3; k++) {
			if (strcmp(s, names[k]) == 0) {
				enum_set(p, f->kind, k);
				return;
			}
		}
		break;
	case K_CIDRS: parse_cidrs(v, f, p, rep); return;
	case K_TZ:
		s = plain_string(v);
		if (!s || !idp_tz_valid(s))
			break;
		snprintf(p->audit.timezone, sizeof p->audit.timezone, "%s", s);
		return;
	}
	report_field(rep, f);
}

/* Apply the members of section object sec to p. */
static void parse_section(struct json_object *sec, const char *section, struct idp_policy *p,
                          struct report *rep)
{
	if (!json_object_is_type(sec, json_type_object)) {
		report(rep, "%s", section);
		return;
	}
	json_object_object_foreach(sec, key, val)
	{
		const struct field *f = find_field(section, key);

		if (f)
			parse_value(val, f, p, rep);
		else
			report(rep, "%s.%s", section, key);
	}
}

/* Apply the sections of document root to p. */
static void parse_root(struct json_object *root, struct idp_policy *p, struct report *rep)
{
	json_object_object_foreach(root, key, val)
	{
		if (is_section(key))
			parse_section(val, key, p, rep);
		else
			report(rep, "%s", key);
	}
}

enum idp_err idp_policy_check(const char *json, size_t len, const struct idp_policy *base,
                              struct idp_policy *out, char (*bad)[IDP_POLICY_FIELD_NAME_MAX],
                              size_t max, size_t *nbad)
{
	struct report rep = {.bad = bad, .max = bad ? max : 0};
	char name[IDP_POLICY_FIELD_NAME_MAX];
	struct json_object *root = NULL;
	struct idp_policy *p = NULL;
	enum idp_err err;

	if (len > POLICY_JSON_MAX) {
		err = IDP_ERR_TOO_LARGE;
		goto out;
	}
	err = idp_json_object(json, len, POLICY_JSON_DEPTH, &root, name, sizeof name);
	if (err == IDP_ERR_INVALID)
		report(&rep, "%s", name);
	if (err)
		goto out;
	/* Work on a copy: *out changes only when the whole document is good. */
	p = malloc(sizeof *p);
	if (!p) {
		err = IDP_ERR_NOMEM;
		goto out;
	}
	*p = *base;
	parse_root(root, p, &rep);
	check_merged(p, &rep);
	if (rep.found) {
		err = IDP_ERR_INVALID;
		goto out;
	}
	*out = *p;
out:
	*nbad = rep.n;
	free(p);
	json_object_put(root);
	return err;
}

enum idp_err idp_policy_parse(const char *json, size_t len, const struct idp_policy *base,
                              struct idp_policy *out, char *field, size_t fieldsz)
{
	char bad[1][IDP_POLICY_FIELD_NAME_MAX];
	enum idp_err err;
	size_t n;

	err = idp_policy_check(json, len, base, out, bad, 1, &n);
	set_field(field, fieldsz, "%s", n ? bad[0] : "");
	return err;
}

/* ---- writing ---- */

/* The JSON value of field f of p, or NULL when out of memory. */
static struct json_object *field_json(const struct idp_policy *p, const struct field *f)
{
	struct json_object *arr = NULL;
	char buf[50];

	switch (f->kind) {
	case K_INT: return json_object_new_int(*int_at_c(p, f));
	case K_BOOL: return json_object_new_boolean(*bool_at_c(p, f));
	case K_CONCURRENT:
	case K_MFA:
	case K_CERT: {
		unsigned v = enum_get(p, f->kind);

		return json_object_new_string(v < 3 ? enum_names(f->kind)[v] : "");
	}
	case K_CIDRS:
		arr = json_object_new_array();
		for (size_t i = 0; arr && i < count_at_c(p, f) && i < IDP_POLICY_MAX_CIDRS; i++) {
			struct json_object *s;

			idp_cidr_format(&cidrs_at_c(p, f)[i], buf);
			s = json_object_new_string(buf);
			if (!s || json_object_array_add(arr, s) != 0) {
				json_object_put(s);
				json_object_put(arr);
				arr = NULL;
			}
		}
		return arr;
	case K_TZ:
		return json_object_new_string_len(
		    p->audit.timezone, (int)strnlen(p->audit.timezone, IDP_POLICY_TZ_MAX - 1));
	}
	return NULL;
}

char *idp_policy_to_json(const struct idp_policy *p)
{
	struct json_object *root = NULL;
	struct json_object *sec = NULL;
	const char *section = NULL;
	const char *text;
	char *res = NULL;

	root = json_object_new_object();
	if (!root)
		goto out;
	for (size_t i = 0; i < N_FIELDS; i++) {
		const struct field *f = &fields[i];
		struct json_object *v;

		if (!section || strcmp(section, f->section) != 0) {
			sec = json_object_new_object();
			if (!sec || json_object_object_add(root, f->section, sec) != 0) {
				json_object_put(sec);
				goto out;
			}
			section = f->section;
		}
		v = field_json(p, f);
		if (!v || json_object_object_add(sec, f->name, v) != 0) {
			json_object_put(v);
			goto out;
		}
	}
	/* No "\/" escapes: "Asia/Tokyo" and "10.0.0.0/8" stay readable. */
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	                                                JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		res = strdup(text);
out:
	json_object_put(root);
	return res;
}

/* ---- the schema ---- */

size_t idp_policy_field_count(void)
{
	return N_FIELDS;
}

void idp_policy_field_info(size_t i, struct idp_policy_field_info *out)
{
	const struct field *f = &fields[i < N_FIELDS ? i : 0];
	static const enum idp_policy_kind kinds[] = {
	    [K_INT] = IDP_POLICY_INT,           [K_BOOL] = IDP_POLICY_BOOL,
	    [K_CONCURRENT] = IDP_POLICY_CHOICE, [K_MFA] = IDP_POLICY_CHOICE,
	    [K_CERT] = IDP_POLICY_CHOICE,       [K_CIDRS] = IDP_POLICY_CIDRS,
	    [K_TZ] = IDP_POLICY_TEXT,
	};

	*out = (struct idp_policy_field_info){
	    .section = f->section,
	    .name = f->name,
	    .kind = kinds[f->kind],
	    .min = f->min,
	    .max = f->max,
	    .unit = f->unit,
	    .choices = enum_names(f->kind),
	};
}

char *idp_policy_field_text(const struct idp_policy *p, size_t i)
{
	const struct field *f = &fields[i < N_FIELDS ? i : 0];
	char num[24], cidr[50], *s;
	size_t n, len = 0;

	switch (f->kind) {
	case K_INT: snprintf(num, sizeof num, "%d", *int_at_c(p, f)); return strdup(num);
	case K_BOOL: return strdup(*bool_at_c(p, f) ? "true" : "false");
	case K_CONCURRENT:
	case K_MFA:
	case K_CERT: {
		unsigned v = enum_get(p, f->kind);
		return strdup(v < 3 ? enum_names(f->kind)[v] : "");
	}
	case K_TZ: return strndup(p->audit.timezone, IDP_POLICY_TZ_MAX - 1);
	case K_CIDRS: break;
	}
	n = count_at_c(p, f);
	s = malloc(n * 50 + 1);
	if (!s)
		return NULL;
	s[0] = 0;
	for (size_t k = 0; k < n && k < IDP_POLICY_MAX_CIDRS; k++) {
		idp_cidr_format(&cidrs_at_c(p, f)[k], cidr);
		len += (size_t)snprintf(s + len, n * 50 + 1 - len, "%s\n", cidr);
	}
	return s;
}
