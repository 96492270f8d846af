/*
 * The console's policy tab (/admin/policy): the tenant's whole policy as one
 * form, a fieldset per group.  The form is derived from idp's schema
 * (idp_policy_field_info: the fields, their kinds, ranges, choices and
 * units) and from one table of the console's words for them.  Numbers are
 * entered in the units they count: timeouts in hours and minutes, expiry and
 * retention in days.  A timeout set through the API that is not a whole
 * number of minutes also gets a seconds input, so saving the form untouched
 * keeps it exactly.
 *
 * A submitted form is turned into the JSON document that idp_policy_update
 * takes, so the console and PUT /api/v1/policy obey the same rules.  It is
 * first checked whole (idp_policy_check): when anything is wrong nothing is
 * saved, every bad setting is marked next to its field and listed in a box
 * at the top, and the form comes back as submitted.
 *
 * web_policy_label and web_policy_value lend the same words to the audit
 * log, which shows a policy change as "field: before → after".
 */
#include <errno.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

/* The console's words for the policy by dotted JSON name: a label for each
 * section and field, the note shown under a field (for the field that gives
 * way in a rule between two fields, the note states that rule and is also its
 * complaint), and labels for choices and special values
 * ("session.concurrent=allow", "password.expiry_days=0"). */
struct plabel {
	const char *key;
	enum web_msg label;
	enum web_msg note; /* M__COUNT: none */
};

static const struct plabel plabels[] = {
    {"password", M_ADM_POL_PASSWORD, M__COUNT},
    {"password.min_length", M_ADM_POL_MIN_LENGTH, M__COUNT},
    {"password.max_length", M_ADM_POL_MAX_LENGTH, M_ADM_POL_MAX_LENGTH_NOTE},
    {"password.require_upper", M_ADM_POL_REQ_UPPER, M__COUNT},
    {"password.require_lower", M_ADM_POL_REQ_LOWER, M__COUNT},
    {"password.require_digit", M_ADM_POL_REQ_DIGIT, M__COUNT},
    {"password.require_symbol", M_ADM_POL_REQ_SYMBOL, M__COUNT},
    {"password.min_classes", M_ADM_POL_MIN_CLASSES, M_ADM_POL_MIN_CLASSES_NOTE},
    {"password.history", M_ADM_POL_HISTORY, M_ADM_POL_HISTORY_NOTE},
    {"password.expiry_days", M_ADM_POL_EXPIRY, M_ADM_POL_EXPIRY_NOTE},
    {"password.expiry_days=0", M_ADM_POL_NEVER, M__COUNT},
    {"password.change_at_first_login", M_ADM_POL_FIRST_LOGIN, M__COUNT},
    {"password.min_score", M_ADM_POL_MIN_SCORE, M_ADM_POL_MIN_SCORE_NOTE},
    {"password.min_score=0", M_ADM_POL_NO_CHECK, M__COUNT},
    {"lockout", M_ADM_POL_LOCKOUT, M__COUNT},
    {"lockout.max_failures", M_ADM_POL_MAX_FAILURES, M_ADM_POL_MAX_FAILURES_NOTE},
    {"lockout.max_failures=0", M_ADM_POL_NEVER_LOCK, M__COUNT},
    {"lockout.unlock_after_seconds", M_ADM_POL_UNLOCK_AFTER, M_ADM_POL_UNLOCK_AFTER_NOTE},
    {"lockout.unlock_after_seconds=0", M_ADM_POL_ADMIN_UNLOCKS, M__COUNT},
    {"session", M_ADM_POL_SESSION, M__COUNT},
    {"session.idle_timeout_seconds", M_ADM_POL_IDLE, M_ADM_POL_IDLE_NOTE},
    {"session.absolute_timeout_seconds", M_ADM_POL_ABSOLUTE, M_ADM_POL_ABSOLUTE_NOTE},
    {"session.concurrent", M_ADM_POL_CONCURRENT, M__COUNT},
    {"session.concurrent=allow", M_ADM_POL_CONC_ALLOW, M__COUNT},
    {"session.concurrent=deny_new", M_ADM_POL_CONC_DENY, M__COUNT},
    {"session.concurrent=end_old", M_ADM_POL_CONC_END, M__COUNT},
    {"mfa", M_ADM_POL_MFA, M__COUNT},
    {"mfa.require", M_ADM_POL_MFA_REQUIRE, M__COUNT},
    {"mfa.require=off", M_ADM_POL_MFA_OFF, M__COUNT},
    {"mfa.require=admins", M_ADM_POL_MFA_ADMINS, M__COUNT},
    {"mfa.require=all", M_ADM_POL_MFA_ALL, M__COUNT},
    {"mfa.client_cert", M_ADM_POL_CERT, M__COUNT},
    {"mfa.client_cert=off", M_ADM_POL_CERT_OFF, M__COUNT},
    {"mfa.client_cert=required", M_ADM_POL_CERT_REQUIRED, M__COUNT},
    {"mfa.client_cert=factor", M_ADM_POL_CERT_FACTOR, M__COUNT},
    {"ip", M_ADM_POL_IP, M__COUNT},
    {"ip.allow", M_ADM_POL_IP_ALLOW, M_ADM_POL_CIDR_NOTE},
    {"ip.admin_allow", M_ADM_POL_IP_ADMIN, M_ADM_POL_CIDR_NOTE},
    {"audit", M_ADM_AUDIT, M__COUNT},
    {"audit.retention_days", M_ADM_POL_RETENTION, M__COUNT},
    {"audit.timezone", M_ADM_POL_TIMEZONE, M_ADM_POL_TIMEZONE_NOTE},
    {"saml", M_ADM_POL_SAML, M__COUNT},
    {"saml.want_signed_requests", M_ADM_POL_SAML_SIGNED, M_ADM_POL_SAML_SIGNED_NOTE},
};

/* The inputs of a duration: "<key>.h", "<key>.m" and "<key>.s" (the last
 * only when needed), each with its unit word. */
static const struct {
	const char *suffix;
	long long seconds;
	enum web_msg unit;
} parts[] = {
    {"h", 3600, M_ADM_POL_U_HOURS},
    {"m", 60, M_ADM_POL_U_MINUTES},
    {"s", 1, M_ADM_POL_U_SECONDS},
};

static const struct plabel *plabel(const char *key)
{
	for (size_t i = 0; i < sizeof plabels / sizeof plabels[0]; i++)
		if (strcmp(plabels[i].key, key) == 0)
			return &plabels[i];
	return NULL;
}

const char *web_policy_label(const struct web_req *r, const char *key)
{
	const struct plabel *l = plabel(key);

	return l ? web_t(r, l->label) : key;
}

/* Field i of idp's schema with its dotted name and its words. */
struct pfield {
	size_t i;
	struct idp_policy_field_info info;
	char key[96];
	enum web_msg note; /* M__COUNT: none */
};

static void pfield_get(size_t i, struct pfield *f)
{
	const struct plabel *l;

	f->i = i;
	idp_policy_field_info(i, &f->info);
	snprintf(f->key, sizeof f->key, "%s.%s", f->info.section, f->info.name);
	l = plabel(f->key);
	f->note = l ? l->note : M__COUNT;
}

static bool pfield_find(const char *key, struct pfield *f)
{
	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		pfield_get(i, f);
		if (strcmp(f->key, key) == 0)
			return true;
	}
	return false;
}

static bool is_duration(const struct pfield *f)
{
	return f->info.kind == IDP_POLICY_INT && f->info.unit == IDP_UNIT_SECONDS;
}

/* ---- values in the console's words ---- */

/* tmpl with {0} and {1} replaced by a0 and a1, as plain text into out[0..n). */
static void fill(char *out, size_t n, const char *tmpl, const char *a0, const char *a1)
{
	size_t len = 0;

	out[0] = 0;
	for (const char *p = tmpl; *p && len + 1 < n; p++) {
		const char *a = NULL;
		size_t k;

		if (p[0] == '{' && (p[1] == '0' || p[1] == '1') && p[2] == '}') {
			a = p[1] == '0' ? a0 : a1;
			a = a ? a : "";
			p += 2;
		}
		k = a ? strlen(a) : 1;
		if (len + k >= n)
			break;
		memcpy(out + len, a ? a : p, k);
		len += k;
		out[len] = 0;
	}
}

/* Number v of a field counting unit, as plain text in r's language: "8",
 * "30 days", and for seconds whole minutes as "3 h", "1 h 30 min", "5 min",
 * anything else exactly as "90 s". */
static void number_text(char *out, size_t n, const struct web_req *r, enum idp_policy_unit unit,
                        long long v)
{
	char a[24], b[24] = "";
	enum web_msg m;

	snprintf(a, sizeof a, "%lld", v);
	switch (unit) {
	case IDP_UNIT_NONE: snprintf(out, n, "%s", a); return;
	case IDP_UNIT_DAYS:
		fill(out, n, web_t(r, v == 1 ? M_ADM_POL_V_DAY : M_ADM_POL_V_DAYS), a, NULL);
		return;
	case IDP_UNIT_SECONDS: break;
	}
	if (v % 60 != 0) {
		m = M_ADM_POL_V_SECONDS;
	} else if (v < 3600) {
		snprintf(a, sizeof a, "%lld", v / 60);
		m = M_ADM_POL_V_MINUTES;
	} else {
		snprintf(a, sizeof a, "%lld", v / 3600);
		snprintf(b, sizeof b, "%lld", v % 3600 / 60);
		m = v % 3600 ? M_ADM_POL_V_HOURS_MINUTES : M_ADM_POL_V_HOURS;
	}
	fill(out, n, web_t(r, m), a, b);
}

/* CIDR lines ("a\nb\n") as "a, b", or "none"; escaped. */
static void cidr_list(struct web_buf *b, const struct web_req *r, const char *text)
{
	size_t shown = 0;

	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");

		if (n > 0) {
			char *line = strndup(s, n);

			web_buf_puts(b, shown++ ? ", " : "");
			web_buf_esc(b, line ? line : "");
			free(line);
		}
		s += n;
		s += *s == '\n';
	}
	if (!shown)
		web_admin_text(b, r, M_ADM_POL_NONE);
}

void web_policy_value(struct web_buf *b, const struct web_req *r, const char *key, const char *text)
{
	const struct plabel *special = NULL;
	char k[160], words[64], *end;
	struct pfield f;
	long long v;

	if (!text)
		text = "";
	if ((size_t)snprintf(k, sizeof k, "%s=%s", key, text) < sizeof k)
		special = plabel(k);
	if (special) {
		web_admin_text(b, r, special->label);
		return;
	}
	if (!pfield_find(key, &f)) {
		web_buf_esc(b, text);
		return;
	}
	switch (f.info.kind) {
	case IDP_POLICY_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
			web_admin_text(b, r, text[0] == 't' ? M_ADM_POL_YES : M_ADM_POL_NO);
			return;
		}
		break;
	case IDP_POLICY_INT:
		errno = 0;
		v = strtoll(text, &end, 10);
		if (*text && !*end && !errno) {
			number_text(words, sizeof words, r, f.info.unit, v);
			web_buf_esc(b, words);
			return;
		}
		break;
	case IDP_POLICY_CIDRS: cidr_list(b, r, text); return;
	case IDP_POLICY_CHOICE:
	case IDP_POLICY_TEXT: break;
	}
	web_buf_esc(b, text);
}

/* ---- the submitted form ---- */

/* A submitted form after checking: the document built from it and what
 * idp_policy_check named as its problems. */
struct pcheck {
	json_object *doc;
	char (*names)[IDP_POLICY_FIELD_NAME_MAX];
	size_t max, n;
};

/* s as a number into *v: digits only, at most 15 of them; an empty or
 * absent s is 0 when empty_ok. */
static bool form_digits(const char *s, bool empty_ok, long long *v)
{
	size_t n = s ? strlen(s) : 0;

	*v = 0;
	if (n == 0)
		return empty_ok;
	if (n > 15 || strspn(s, "0123456789") != n)
		return false;
	*v = strtoll(s, NULL, 10);
	return true;
}

/* The submitted value of integer field f into *v: its digits, or for a
 * duration the seconds of its inputs (an empty or absent one counts 0).
 * False when something other than digits was entered. */
static bool form_number(const struct web_req *r, const struct pfield *f, long long *v)
{
	char id[128];
	long long part;

	if (!is_duration(f))
		return form_digits(web_form(r, f->key), false, v);
	*v = 0;
	for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
		snprintf(id, sizeof id, "%s.%s", f->key, parts[k].suffix);
		if (!form_digits(web_form(r, id), true, &part))
			return false;
		*v += part * parts[k].seconds;
	}
	return true;
}

/* Lines of a textarea as a JSON array of strings, blank lines skipped; at
 * most one more than a list may hold, which is enough to be refused. */
static json_object *lines_array(const char *s)
{
	json_object *arr = json_object_new_array();

	while (arr && s && *s && json_object_array_length(arr) <= IDP_POLICY_MAX_CIDRS) {
		size_t n = strcspn(s, "\r\n");
		const char *a = s, *e = s + n;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		while (e > a && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > a)
			json_object_array_add(arr, json_object_new_string_len(a, (int)(e - a)));
		s += n;
		s += strspn(s, "\r\n");
	}
	return arr;
}

/* The JSON value of one submitted field (NULL when out of memory).  What is
 * not a number where one belongs goes as a string, which the check then
 * names as this field's problem. */
static json_object *field_json(const struct web_req *r, const struct pfield *f)
{
	const char *s = web_form(r, f->key);
	long long v;

	switch (f->info.kind) {
	case IDP_POLICY_INT:
		return form_number(r, f, &v) ? json_object_new_int64(v)
		                             : json_object_new_string("");
	case IDP_POLICY_BOOL: return json_object_new_boolean(s != NULL);
	case IDP_POLICY_CIDRS: return lines_array(s);
	case IDP_POLICY_CHOICE:
	case IDP_POLICY_TEXT: break;
	}
	return json_object_new_string(s ? s : "");
}

/* The whole policy document from the form; NULL when out of memory. */
static json_object *policy_from_form(const struct web_req *r)
{
	json_object *doc = json_object_new_object(), *group = NULL;
	const char *section = NULL;
	struct pfield f;

	for (size_t i = 0; doc && i < idp_policy_field_count(); i++) {
		pfield_get(i, &f);
		if (!section || strcmp(section, f.info.section) != 0) {
			group = json_object_new_object();
			if (!group || json_object_object_add(doc, f.info.section, group) != 0) {
				json_object_put(group);
				json_object_put(doc);
				return NULL;
			}
			section = f.info.section;
		}
		json_object_object_add(group, f.info.name, field_json(r, &f));
	}
	return doc;
}

/* Whether a reported name ("ip.allow[2]") is about field f. */
static bool pfield_named(const struct pfield *f, const char *name)
{
	size_t n = strcspn(name, "[");

	return strlen(f->key) == n && strncmp(f->key, name, n) == 0;
}

/* Whether the check c (NULL: none) found field f bad. */
static bool pfield_bad(const struct pfield *f, const struct pcheck *c)
{
	for (size_t k = 0; c && k < c->n; k++)
		if (pfield_named(f, c->names[k]))
			return true;
	return false;
}

/* Field f's value in the submitted document. */
static json_object *doc_value(const struct pcheck *c, const struct pfield *f)
{
	json_object *group = NULL, *v = NULL;

	if (json_object_object_get_ex(c->doc, f->info.section, &group))
		json_object_object_get_ex(group, f->info.name, &v);
	return v;
}

/* ---- the page ---- */

/* The id of f's first input, which its label and the error box point at. */
static void first_id(const struct pfield *f, char *out, size_t n)
{
	snprintf(out, n, is_duration(f) ? "%s.h" : "%s", f->key);
}

/* f's range as "{lo} to {hi}"-style words: into lo and hi. */
static void range_text(const struct web_req *r, const struct pfield *f, char lo[64], char hi[64])
{
	number_text(lo, 64, r, f->info.unit, f->info.min);
	number_text(hi, 64, r, f->info.unit, f->info.max);
}

static bool has_hint(const struct pfield *f)
{
	return f->info.kind == IDP_POLICY_INT || f->note != M__COUNT;
}

/* The hint under f (id "<key>.hint"): its range, its note, and for the
 * administrators' addresses the address this request comes from. */
static void field_hint(struct web_buf *b, const struct web_req *r, const struct pfield *f)
{
	char lo[64], hi[64];
	const char *args[2] = {lo, hi};

	if (!has_hint(f))
		return;
	web_buf_printf(b, "<p class=\"hint\" id=\"%s.hint\">", f->key);
	if (f->info.kind == IDP_POLICY_INT) {
		range_text(r, f, lo, hi);
		web_admin_subst(b, web_t(r, M_ADM_POL_RANGE), args, 2);
	}
	if (f->note != M__COUNT) {
		if (f->info.kind == IDP_POLICY_INT)
			web_admin_text(b, r, M_ADM_POL_SEP);
		web_admin_text(b, r, f->note);
	}
	if (strcmp(f->key, "ip.admin_allow") == 0) {
		web_admin_text(b, r, M_ADM_POL_SEP);
		web_admin_subst1(b, r, M_ADM_POL_YOUR_IP, r->ri.ip);
	}
	web_buf_puts(b, "</p>");
}

/* The CIDR entries of f that c named, one complaint each; false when it
 * named none (the list itself was refused: too long). */
static bool bad_entries(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                        const struct pcheck *c)
{
	json_object *list = doc_value(c, f), *el;
	bool any = false;

	for (size_t k = 0; k < c->n; k++) {
		const char *br = strchr(c->names[k], '[');

		if (!br || !pfield_named(f, c->names[k]))
			continue;
		el = json_object_array_get_idx(list, strtoul(br + 1, NULL, 10));
		web_buf_puts(b, any ? "<br>" : "");
		web_admin_subst1(b, r, M_ADM_POL_ENTRY, el ? json_object_get_string(el) : "");
		any = true;
	}
	return any;
}

/* What is wrong with bad field f: one line (id "<key>.error"). */
static void field_error(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                        const struct pcheck *c)
{
	json_object *v = doc_value(c, f);
	char lo[64], hi[64], max[24];
	const char *args[2] = {lo, hi};
	long long x;

	web_buf_printf(b, "<p class=\"field-error\" id=\"%s.error\">", f->key);
	switch (f->info.kind) {
	case IDP_POLICY_INT:
		if (!json_object_is_type(v, json_type_int)) {
			web_admin_text(b, r, M_ADM_POL_NUMBER);
			break;
		}
		x = json_object_get_int64(v);
		if (x >= f->info.min && x <= f->info.max) {
			/* In range: a rule between fields, which the note states. */
			web_admin_text(b, r, f->note != M__COUNT ? f->note : M_ADM_POL_ERR_VALUE);
			break;
		}
		range_text(r, f, lo, hi);
		web_admin_subst(b, web_t(r, M_ADM_POL_ERR_RANGE), args, 2);
		break;
	case IDP_POLICY_CIDRS:
		if (bad_entries(b, r, f, c))
			break;
		snprintf(max, sizeof max, "%d", IDP_POLICY_MAX_CIDRS);
		web_admin_subst1(b, r, M_ADM_POL_ERR_TOO_MANY, max);
		break;
	case IDP_POLICY_BOOL:
	case IDP_POLICY_CHOICE:
	case IDP_POLICY_TEXT: web_admin_text(b, r, M_ADM_POL_ERR_VALUE); break;
	}
	web_buf_puts(b, "</p>");
}

/* A short number input showing v, followed by its unit word (id
 * "<id>.unit"); named by the field's label and that word. */
static void unit_input(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                       const char *id, const char *v, enum web_msg unit, const char *aria)
{
	web_buf_printf(b,
	               "<input type=\"text\" id=\"%s\" name=\"%s\" inputmode=\"numeric\" "
	               "size=\"6\" aria-labelledby=\"%s.label %s.unit\"%s value=\"",
	               id, id, f->key, id, aria);
	web_buf_esc(b, v);
	web_buf_printf(b, "\"><span class=\"unit\" id=\"%s.unit\">", id);
	web_admin_text(b, r, unit);
	web_buf_puts(b, "</span>");
}

/* The inputs of duration f: hours and minutes, and seconds when the saved
 * value is not a whole number of minutes or the form sent seconds. */
static void duration_inputs(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                            const struct pcheck *c, const char *saved, const char *aria)
{
	long long secs = c || !saved ? 0 : strtoll(saved, NULL, 10);
	long long split[3] = {secs / 3600, secs % 3600 / 60, secs % 60};
	char id[128], num[24];
	const char *v;

	web_buf_puts(b, "<div class=\"row duration\">");
	for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++) {
		snprintf(id, sizeof id, "%s.%s", f->key, parts[k].suffix);
		snprintf(num, sizeof num, "%lld", split[k]);
		v = c ? web_form(r, id) : num;
		if (k == 2 && (c ? !v : split[2] == 0))
			continue;
		unit_input(b, r, f, id, v ? v : "", parts[k].unit, aria);
	}
	web_buf_puts(b, "</div>");
}

static void choice_options(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                           const char *v)
{
	char key[160];

	for (const char *const *o = f->info.choices; o && *o; o++) {
		snprintf(key, sizeof key, "%s=%s", f->key, *o);
		web_buf_printf(b, "<option value=\"%s\"%s>", *o,
		               strcmp(*o, v) == 0 ? " selected" : "");
		web_buf_esc(b, web_policy_label(r, key));
		web_buf_puts(b, "</option>");
	}
}

/* A required text input id (named the same) showing v. */
static void text_input(struct web_buf *b, const char *id, const char *v, const char *mode,
                       const char *aria)
{
	web_buf_printf(b, "<input type=\"text\" id=\"%s\" name=\"%s\"%s required%s value=\"", id,
	               id, mode, aria);
	web_buf_esc(b, v);
	web_buf_puts(b, "\">");
}

/* The control of non-boolean field f showing v (submitted, or saved). */
static void field_control(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const struct pcheck *c, const char *v, const char *aria)
{
	const char *k = f->key;

	switch (f->info.kind) {
	case IDP_POLICY_INT:
		if (is_duration(f)) {
			duration_inputs(b, r, f, c, v, aria);
		} else if (f->info.unit == IDP_UNIT_DAYS) {
			web_buf_puts(b, "<div class=\"row duration\">");
			unit_input(b, r, f, k, v, M_ADM_POL_U_DAYS, aria);
			web_buf_puts(b, "</div>");
		} else {
			text_input(b, k, v, " inputmode=\"numeric\"", aria);
		}
		break;
	case IDP_POLICY_TEXT: text_input(b, k, v, "", aria); break;
	case IDP_POLICY_CHOICE:
		web_buf_printf(b, "<select id=\"%s\" name=\"%s\"%s>", k, k, aria);
		choice_options(b, r, f, v);
		web_buf_puts(b, "</select>");
		break;
	case IDP_POLICY_CIDRS:
		web_buf_printf(b,
		               "<textarea id=\"%s\" name=\"%s\" rows=\"4\" spellcheck=\"false\"%s>",
		               k, k, aria);
		web_buf_esc(b, v);
		web_buf_puts(b, "</textarea>");
		break;
	case IDP_POLICY_BOOL: break;
	}
}

/* Field f with its label, hint and, when c found it bad, its error; showing
 * the submitted value when c is given, else the saved one. */
static void field_render(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                         const struct pcheck *c)
{
	char *saved = c ? NULL : idp_policy_field_text(&r->tenant.policy, f->i);
	const char *v = c ? web_form(r, f->key) : saved;
	bool bad = pfield_bad(f, c), hint = has_hint(f);
	char aria[400], id[128];

	snprintf(aria, sizeof aria, "%s aria-describedby=\"%s%s%s%s%s\"",
	         bad ? " aria-invalid=\"true\"" : "", bad ? f->key : "", bad ? ".error" : "",
	         bad && hint ? " " : "", hint ? f->key : "", hint ? ".hint" : "");
	if (!bad && !hint)
		aria[0] = 0;
	if (f->info.kind == IDP_POLICY_BOOL) {
		bool on = c ? v != NULL : v && strcmp(v, "true") == 0;

		web_buf_printf(b, "<label><input type=\"checkbox\" id=\"%s\" name=\"%s\"%s%s> ",
		               f->key, f->key, on ? " checked" : "", aria);
		web_buf_esc(b, web_policy_label(r, f->key));
		web_buf_puts(b, "</label>");
	} else {
		first_id(f, id, sizeof id);
		web_buf_printf(b, "<label for=\"%s\" id=\"%s.label\">", id, f->key);
		web_buf_esc(b, web_policy_label(r, f->key));
		web_buf_puts(b, "</label>");
		field_control(b, r, f, c, v ? v : "", aria);
	}
	field_hint(b, r, f);
	if (bad)
		field_error(b, r, f, c);
	free(saved);
}

/* The box above the form listing every setting to correct, each a link to
 * its field. */
static void summary(struct web_buf *b, const struct web_req *r, const struct pcheck *c)
{
	bool listed = false;
	struct pfield f;
	char id[128];

	web_buf_puts(b, "<div class=\"error\" id=\"error\" role=\"alert\"><p>");
	web_admin_text(b, r, M_ADM_POL_INVALID);
	web_buf_puts(b, "</p><ul>");
	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		pfield_get(i, &f);
		if (!pfield_bad(&f, c))
			continue;
		first_id(&f, id, sizeof id);
		web_buf_printf(b, "<li><a href=\"#%s\">", id);
		web_buf_esc(b, web_policy_label(r, f.key));
		web_buf_puts(b, "</a></li>");
		listed = true;
	}
	if (!listed) {
		web_buf_puts(b, "<li>");
		web_admin_text(b, r, M_ADM_POL_ERR_VALUE);
		web_buf_puts(b, "</li>");
	}
	web_buf_puts(b, "</ul></div>");
}

/* The policy tab: the saved policy, or (c given) the submitted form with
 * what c found wrong. */
static int policy_render(struct web_req *r, unsigned status, const struct pcheck *c,
                         const struct web_admin_flash *fl)
{
	const char *section = NULL;
	struct web_buf b;
	struct pfield f;

	web_admin_begin(&b, r, WEB_TAB_POLICY);
	web_admin_flash(&b, r, fl);
	if (c)
		summary(&b, r, c);
	web_buf_printf(&b,
	               "<section class=\"card\"><form method=\"post\" id=\"policy\" "
	               "action=\"/t/%s/admin/policy\">",
	               r->slug);
	web_page_csrf(&b, r);
	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		pfield_get(i, &f);
		if (!section || strcmp(section, f.info.section) != 0) {
			web_buf_puts(&b, section ? "</fieldset><fieldset><legend>"
			                         : "<fieldset><legend>");
			web_buf_esc(&b, web_policy_label(r, f.info.section));
			web_buf_puts(&b, "</legend>");
			section = f.info.section;
		}
		field_render(&b, r, &f, c);
	}
	web_buf_puts(&b, "</fieldset><button type=\"submit\" id=\"save\">");
	web_admin_text(&b, r, M_SAVE);
	web_buf_puts(&b, "</button></form><p class=\"hint\" id=\"policy-api\">");
	web_admin_text(&b, r, M_ADM_POL_API);
	web_buf_printf(&b,
	               " <code>GET /t/%s/api/v1/policy</code>, "
	               "<code>PUT /t/%s/api/v1/policy</code></p></section>",
	               r->slug, r->slug);
	return web_admin_send(r, status, &b);
}

int web_admin_policy_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return policy_render(r, 200, NULL, &f);
}

int web_admin_policy_post(struct web_req *r)
{
	struct pcheck c = {0};
	struct idp_policy *out = NULL;
	enum idp_err err = IDP_ERR_NOMEM;
	const char *s = NULL;
	int ret;

	/* Room for every field and every entry of both address lists. */
	c.max = idp_policy_field_count() + 2 * (IDP_POLICY_MAX_CIDRS + 1);
	c.names = calloc(c.max, sizeof *c.names);
	c.doc = policy_from_form(r);
	out = malloc(sizeof *out);
	if (c.names && c.doc && out)
		s = json_object_to_json_string_ext(c.doc, JSON_C_TO_STRING_PLAIN);
	if (s)
		err = idp_policy_check(s, strlen(s), &r->tenant.policy, out, c.names, c.max, &c.n);
	if (err == IDP_OK) {
		/* Checked whole: save it, under the row lock, with its audit event. */
		err = idp_policy_update(&r->tenant, &r->actor, s, strlen(s), c.names[0],
		                        sizeof c.names[0], out);
		c.n = err == IDP_ERR_INVALID;
	}
	if (err == IDP_OK)
		ret = web_admin_back_with(r, "policy", "policy", NULL, 0);
	else if (err == IDP_ERR_INVALID)
		ret = policy_render(r, 400, &c, &web_admin_no_flash);
	else if (err == IDP_ERR_TOO_LARGE)
		ret = web_admin_bad_request(r);
	else
		ret = web_admin_unavailable(r);
	json_object_put(c.doc);
	free(c.names);
	free(out);
	return ret;
}
