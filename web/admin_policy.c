/*
 * The console's policy tab (/admin/policy): the tenant's whole policy as one
 * form, a fieldset per group, driven by a table of fields whose names are the
 * dotted JSON names.  A submitted form is turned into the JSON document that
 * idp_policy_update takes, so the console and PUT /api/v1/policy are checked
 * by the same rules; an error names the setting (and the CIDR line) at fault
 * and shows the form again as submitted.  The current policy is shown as JSON
 * below the form.
 */
#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/admin.h"
#include "web/i18n.h"
#include "web/web.h"

/* The console's words for the policy's fields: a label for each section and
 * each field (by its dotted JSON name), and for each choice.  Which fields
 * there are, their kinds, ranges and choices come from idp's schema
 * (idp_policy_field_info), so the form cannot drift from the document. */
struct plabel {
	const char *key; /* "password", "password.min_length", "session.concurrent=allow" */
	enum web_msg label;
};

static const struct plabel plabels[] = {
    {"password", M_ADM_POL_PASSWORD},
    {"password.min_length", M_ADM_POL_MIN_LENGTH},
    {"password.max_length", M_ADM_POL_MAX_LENGTH},
    {"password.require_upper", M_ADM_POL_REQ_UPPER},
    {"password.require_lower", M_ADM_POL_REQ_LOWER},
    {"password.require_digit", M_ADM_POL_REQ_DIGIT},
    {"password.require_symbol", M_ADM_POL_REQ_SYMBOL},
    {"password.min_classes", M_ADM_POL_MIN_CLASSES},
    {"password.history", M_ADM_POL_HISTORY},
    {"password.expiry_days", M_ADM_POL_EXPIRY},
    {"password.change_at_first_login", M_ADM_POL_FIRST_LOGIN},
    {"password.min_score", M_ADM_POL_MIN_SCORE},
    {"lockout", M_ADM_POL_LOCKOUT},
    {"lockout.max_failures", M_ADM_POL_MAX_FAILURES},
    {"lockout.unlock_after_seconds", M_ADM_POL_UNLOCK_AFTER},
    {"session", M_ADM_POL_SESSION},
    {"session.idle_timeout_seconds", M_ADM_POL_IDLE},
    {"session.absolute_timeout_seconds", M_ADM_POL_ABSOLUTE},
    {"session.concurrent", M_ADM_POL_CONCURRENT},
    {"session.concurrent=allow", M_ADM_POL_CONC_ALLOW},
    {"session.concurrent=deny_new", M_ADM_POL_CONC_DENY},
    {"session.concurrent=end_old", M_ADM_POL_CONC_END},
    {"mfa", M_ADM_POL_MFA},
    {"mfa.require", M_ADM_POL_MFA_REQUIRE},
    {"mfa.require=off", M_ADM_POL_MFA_OFF},
    {"mfa.require=admins", M_ADM_POL_MFA_ADMINS},
    {"mfa.require=all", M_ADM_POL_MFA_ALL},
    {"mfa.client_cert", M_ADM_POL_CERT},
    {"mfa.client_cert=off", M_ADM_POL_CERT_OFF},
    {"mfa.client_cert=required", M_ADM_POL_CERT_REQUIRED},
    {"mfa.client_cert=factor", M_ADM_POL_CERT_FACTOR},
    {"ip", M_ADM_POL_IP},
    {"ip.allow", M_ADM_POL_IP_ALLOW},
    {"ip.admin_allow", M_ADM_POL_IP_ADMIN},
    {"audit", M_ADM_AUDIT},
    {"audit.retention_days", M_ADM_POL_RETENTION},
    {"audit.timezone", M_ADM_POL_TIMEZONE},
};

const char *web_policy_label(const struct web_req *r, const char *key)
{
	for (size_t i = 0; i < sizeof plabels / sizeof plabels[0]; i++)
		if (strcmp(plabels[i].key, key) == 0)
			return web_t(r, plabels[i].label);
	return key;
}

/* FIXME(policy helper): units, choice labels and yes/no. */
void web_policy_value(struct web_buf *b, const struct web_req *r, const char *key, const char *text)
{
	(void)r;
	(void)key;
	web_buf_esc(b, text);
}

/* Field i of idp's schema with its dotted name. */
struct pfield {
	struct idp_policy_field_info info;
	char key[96];
};

static void pfield_get(size_t i, struct pfield *f)
{
	idp_policy_field_info(i, &f->info);
	snprintf(f->key, sizeof f->key, "%s.%s", f->info.section, f->info.name);
}

/* The policy's value of field i as form text (booleans "on" or ""). */
static void pfield_current(struct web_buf *b, const struct idp_policy *p, size_t i,
                           const struct pfield *f)
{
	char *v = idp_policy_field_text(p, i);

	if (f->info.kind == IDP_POLICY_BOOL)
		web_buf_puts(b, v && strcmp(v, "true") == 0 ? "on" : "");
	else
		web_buf_puts(b, v ? v : "");
	free(v);
}

static void pfield_label(struct web_buf *b, const struct web_req *r, const struct pfield *f)
{
	web_buf_printf(b, "<label for=\"%s\">", f->key);
	web_buf_esc(b, web_policy_label(r, f->key));
	web_buf_puts(b, "</label>");
}

static void pfield_select(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, const char *inv)
{
	char key[160];

	pfield_label(b, r, f);
	web_buf_printf(b, "<select id=\"%s\" name=\"%s\"%s>", f->key, f->key, inv);
	for (const char *const *o = f->info.choices; o && *o; o++) {
		snprintf(key, sizeof key, "%s=%s", f->key, *o);
		web_buf_printf(b, "<option value=\"%s\"%s>", *o,
		               strcmp(*o, v) == 0 ? " selected" : "");
		web_buf_esc(b, web_policy_label(r, key));
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select>");
}

/* One form control, showing value v (from the submitted form or the policy). */
static void pfield_render(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, bool invalid)
{
	const char *inv = invalid ? " aria-invalid=\"true\" autofocus" : "";

	switch (f->info.kind) {
	case IDP_POLICY_BOOL:
		web_buf_printf(b, "<label><input type=\"checkbox\" id=\"%s\" name=\"%s\"%s%s> ",
		               f->key, f->key, *v ? " checked" : "", inv);
		web_buf_esc(b, web_policy_label(r, f->key));
		web_buf_puts(b, "</label>");
		break;
	case IDP_POLICY_INT:
	case IDP_POLICY_TEXT:
		pfield_label(b, r, f);
		web_buf_printf(b, "<input type=\"text\" id=\"%s\" name=\"%s\"%s%s value=\"", f->key,
		               f->key,
		               f->info.kind == IDP_POLICY_INT ? " inputmode=\"numeric\"" : "", inv);
		web_buf_esc(b, v);
		web_buf_puts(b, "\" required>");
		break;
	case IDP_POLICY_CHOICE: pfield_select(b, r, f, v, inv); break;
	case IDP_POLICY_CIDRS:
		pfield_label(b, r, f);
		web_buf_printf(b,
		               "<textarea id=\"%s\" name=\"%s\" rows=\"4\" spellcheck=\"false\"%s>",
		               f->key, f->key, inv);
		web_buf_esc(b, v);
		web_buf_puts(b, "</textarea>");
		if (strcmp(f->key, "ip.admin_allow") == 0) {
			web_buf_puts(b, "<p class=\"muted\">");
			web_admin_subst1(b, r, M_ADM_POL_YOUR_IP, r->ri.ip);
			web_buf_puts(b, "</p>");
		}
		break;
	}
}

/* Whether a dotted error name ("ip.allow[2]") names field f. */
static bool pfield_named(const struct pfield *f, const char *name)
{
	size_t n = strcspn(name, "[");

	return strlen(f->key) == n && strncmp(f->key, name, n) == 0;
}

/* The console's word for the field a dotted error name names. */
static const char *error_label(const struct web_req *r, const char *name)
{
	struct pfield f;

	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		pfield_get(i, &f);
		if (pfield_named(&f, name))
			return web_policy_label(r, f.key);
	}
	return name;
}

/* The error box of the policy form: which setting, and why when we know. */
static void policy_error(struct web_buf *b, const struct web_req *r, const char *field,
                         bool not_number, const char *entry)
{
	web_buf_puts(b, "<div class=\"error\" role=\"alert\" id=\"error\"><p>");
	web_admin_subst1(b, r, M_ADM_POL_INVALID, error_label(r, field));
	web_buf_puts(b, "</p>");
	if (not_number) {
		web_buf_puts(b, "<p>");
		web_admin_text(b, r, M_ADM_POL_NUMBER);
		web_buf_puts(b, "</p>");
	}
	if (entry) {
		web_buf_puts(b, "<p>");
		web_admin_subst1(b, r, M_ADM_POL_ENTRY, entry);
		web_buf_puts(b, "</p>");
	}
	web_buf_puts(b, "</div>");
}

/* What went wrong with a submitted policy form. */
struct policy_bad {
	char field[128]; /* dotted name, "" when none */
	bool not_number;
	char entry[128]; /* the offending CIDR line, "" when unknown */
};

/* json re-indented for reading (as it is when it cannot be parsed), escaped. */
static void pretty_json(struct web_buf *b, const char *json)
{
	json_object *o = json ? json_tokener_parse(json) : NULL;

	if (!o) {
		web_buf_esc(b, json);
		return;
	}
	web_buf_esc(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The policy tab.  from_form: show the submitted values (after an error). */
static int policy_render(struct web_req *r, unsigned status, bool from_form,
                         const struct policy_bad *bad, const struct web_admin_flash *fl)
{
	const struct policy_bad none = {"", false, ""};
	struct web_buf b, v;
	const char *section = NULL;
	char *json = NULL;
	bool open = false;

	if (!bad)
		bad = &none;
	web_admin_begin(&b, r, WEB_TAB_POLICY);
	web_admin_flash(&b, r, fl);
	if (bad->field[0] || status >= 400)
		policy_error(&b, r, bad->field, bad->not_number, bad->entry[0] ? bad->entry : NULL);
	web_buf_printf(&b,
	               "<section class=\"card\"><form method=\"post\" id=\"policy\" "
	               "action=\"/t/%s/admin/policy\">",
	               r->slug);
	web_page_csrf(&b, r);
	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		struct pfield f;
		pfield_get(i, &f);
		if (!section || strcmp(section, f.info.section) != 0) {
			web_buf_puts(&b,
			             open ? "</fieldset><fieldset><legend>" : "<fieldset><legend>");
			web_buf_esc(&b, web_policy_label(r, f.info.section));
			web_buf_puts(&b, "</legend>");
			open = true;
			section = f.info.section;
		}
		web_buf_init(&v, 64 * 1024);
		if (from_form) {
			const char *s = web_form(r, f.key);
			web_buf_puts(&v, s ? s : "");
		} else {
			pfield_current(&v, &r->tenant.policy, i, &f);
		}
		pfield_render(&b, r, &f, v.data ? v.data : "", pfield_named(&f, bad->field));
		web_buf_free(&v);
	}
	web_buf_puts(&b, "</fieldset><button type=\"submit\" id=\"save\">");
	web_admin_text(&b, r, M_SAVE);
	web_buf_puts(&b, "</button></form></section><section class=\"card\"><h2>");
	web_admin_text(&b, r, M_ADM_POL_CURRENT);
	web_buf_puts(&b, "</h2><pre id=\"policy-json\"><code>");
	json = idp_policy_to_json(&r->tenant.policy);
	pretty_json(&b, json);
	web_buf_puts(&b, "</code></pre></section>");
	free(json);
	return web_admin_send(r, status, &b);
}

int web_admin_policy_get(struct web_req *r)
{
	struct web_admin_flash f = web_admin_flash_from_query(r);

	return policy_render(r, 200, false, NULL, &f);
}

/* Digits only, at most 9 of them: what a JSON integer field may come from. */
static bool digits(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n <= 9 && strspn(s, "0123456789") == n;
}

/* Lines of a textarea as a JSON array of strings, blank lines skipped. */
static json_object *lines_array(const char *s)
{
	json_object *arr = json_object_new_array();

	while (arr && s && *s) {
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

/* The value of one submitted field as JSON; NULL with bad set when it is not a number. */
static json_object *pfield_json(const struct web_req *r, const struct pfield *f,
                                struct policy_bad *bad)
{
	const char *s = web_form(r, f->key);

	switch (f->info.kind) {
	case IDP_POLICY_INT:
		if (!digits(s)) {
			snprintf(bad->field, sizeof bad->field, "%s", f->key);
			bad->not_number = true;
			return NULL;
		}
		return json_object_new_int(atoi(s));
	case IDP_POLICY_BOOL: return json_object_new_boolean(s != NULL);
	case IDP_POLICY_CIDRS: return lines_array(s);
	case IDP_POLICY_CHOICE:
	case IDP_POLICY_TEXT: break;
	}
	return json_object_new_string(s ? s : "");
}

/* Build the whole policy document from the form; NULL with bad filled when a
 * field cannot be turned into JSON. */
static json_object *policy_from_form(const struct web_req *r, struct policy_bad *bad)
{
	json_object *doc = json_object_new_object(), *group = NULL;
	const char *section = NULL;

	for (size_t i = 0; doc && i < idp_policy_field_count(); i++) {
		struct pfield f;
		pfield_get(i, &f);
		if (!section || strcmp(section, f.info.section) != 0) {
			group = json_object_new_object();
			json_object_object_add(doc, f.info.section, group);
			section = f.info.section;
		}
		json_object *v = pfield_json(r, &f, bad);
		if (!v) {
			json_object_put(doc);
			return NULL;
		}
		json_object_object_add(group, f.info.name, v);
	}
	return doc;
}

/* For "ip.allow[2]", the third line the administrator typed. */
static void bad_entry(json_object *doc, struct policy_bad *bad)
{
	const char *br = strchr(bad->field, '['), *dot = strchr(bad->field, '.');
	json_object *group, *arr, *el;
	char member[64];

	if (!br || !dot || br < dot || (size_t)(br - dot - 1) >= sizeof member)
		return;
	memcpy(member, dot + 1, (size_t)(br - dot - 1));
	member[br - dot - 1] = 0;
	if (!json_object_object_get_ex(doc, "ip", &group) ||
	    !json_object_object_get_ex(group, member, &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return;
	el = json_object_array_get_idx(arr, (size_t)atoi(br + 1));
	if (el)
		snprintf(bad->entry, sizeof bad->entry, "%s", json_object_get_string(el));
}

int web_admin_policy_post(struct web_req *r)
{
	struct policy_bad bad = {"", false, ""};
	struct idp_policy out;
	json_object *doc = NULL;
	enum idp_err err;
	const char *s;
	int ret;

	doc = policy_from_form(r, &bad);
	if (!doc) {
		ret = bad.field[0] ? policy_render(r, 400, true, &bad, &web_admin_no_flash)
		                   : web_admin_unavailable(r);
		goto out;
	}
	s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
	err = idp_policy_update(&r->tenant, &r->actor, s, strlen(s), bad.field, sizeof bad.field,
	                        &out);
	if (err == IDP_OK) {
		ret = web_admin_back_with(r, "policy", "policy", NULL, 0);
	} else if (err == IDP_ERR_INVALID) {
		bad_entry(doc, &bad);
		ret = policy_render(r, 400, true, &bad, &web_admin_no_flash);
	} else {
		ret = web_admin_unavailable(r);
	}
out:
	json_object_put(doc);
	return ret;
}
