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

enum pkind { PK_GROUP, PK_INT, PK_BOOL, PK_SELECT, PK_CIDRS, PK_TEXT };

struct popt {
	const char *value;
	enum web_msg label;
};

static const struct popt conc_opts[] = {{"allow", M_ADM_POL_CONC_ALLOW},
                                        {"deny_new", M_ADM_POL_CONC_DENY},
                                        {"end_old", M_ADM_POL_CONC_END},
                                        {NULL, M__COUNT}};
static const struct popt mfa_opts[] = {{"off", M_ADM_POL_MFA_OFF},
                                       {"admins", M_ADM_POL_MFA_ADMINS},
                                       {"all", M_ADM_POL_MFA_ALL},
                                       {NULL, M__COUNT}};
static const struct popt cert_opts[] = {{"off", M_ADM_POL_CERT_OFF},
                                        {"required", M_ADM_POL_CERT_REQUIRED},
                                        {"factor", M_ADM_POL_CERT_FACTOR},
                                        {NULL, M__COUNT}};

static const char *cur_concurrent(const struct idp_policy *p)
{
	return idp_concurrent_name(p->session.concurrent);
}

static const char *cur_mfa(const struct idp_policy *p)
{
	return idp_mfa_require_name(p->mfa.require);
}

static const char *cur_cert(const struct idp_policy *p)
{
	return idp_client_cert_name(p->mfa.client_cert);
}

/* One field of the policy form; key is the dotted JSON name and the form
 * field's name, so an error from idp_policy_update maps straight back. */
struct pfield {
	const char *key;
	enum pkind kind;
	enum web_msg label;
	size_t off;   /* PK_INT, PK_BOOL, PK_TEXT: the member; PK_CIDRS: the array */
	size_t off_n; /* PK_CIDRS: the count */
	const struct popt *opts;
	const char *(*cur)(const struct idp_policy *p); /* PK_SELECT */
};

#define POFF(m) offsetof(struct idp_policy, m)

static const struct pfield pfields[] = {
    {"password", PK_GROUP, M_ADM_POL_PASSWORD, 0, 0, NULL, NULL},
    {"password.min_length", PK_INT, M_ADM_POL_MIN_LENGTH, POFF(password.min_length), 0, NULL, NULL},
    {"password.max_length", PK_INT, M_ADM_POL_MAX_LENGTH, POFF(password.max_length), 0, NULL, NULL},
    {"password.require_upper", PK_BOOL, M_ADM_POL_REQ_UPPER, POFF(password.require_upper), 0, NULL,
     NULL},
    {"password.require_lower", PK_BOOL, M_ADM_POL_REQ_LOWER, POFF(password.require_lower), 0, NULL,
     NULL},
    {"password.require_digit", PK_BOOL, M_ADM_POL_REQ_DIGIT, POFF(password.require_digit), 0, NULL,
     NULL},
    {"password.require_symbol", PK_BOOL, M_ADM_POL_REQ_SYMBOL, POFF(password.require_symbol), 0,
     NULL, NULL},
    {"password.min_classes", PK_INT, M_ADM_POL_MIN_CLASSES, POFF(password.min_classes), 0, NULL,
     NULL},
    {"password.history", PK_INT, M_ADM_POL_HISTORY, POFF(password.history), 0, NULL, NULL},
    {"password.expiry_days", PK_INT, M_ADM_POL_EXPIRY, POFF(password.expiry_days), 0, NULL, NULL},
    {"password.change_at_first_login", PK_BOOL, M_ADM_POL_FIRST_LOGIN,
     POFF(password.change_at_first_login), 0, NULL, NULL},
    {"lockout", PK_GROUP, M_ADM_POL_LOCKOUT, 0, 0, NULL, NULL},
    {"lockout.max_failures", PK_INT, M_ADM_POL_MAX_FAILURES, POFF(lockout.max_failures), 0, NULL,
     NULL},
    {"lockout.unlock_after_seconds", PK_INT, M_ADM_POL_UNLOCK_AFTER,
     POFF(lockout.unlock_after_seconds), 0, NULL, NULL},
    {"session", PK_GROUP, M_ADM_POL_SESSION, 0, 0, NULL, NULL},
    {"session.idle_timeout_seconds", PK_INT, M_ADM_POL_IDLE, POFF(session.idle_timeout_seconds), 0,
     NULL, NULL},
    {"session.absolute_timeout_seconds", PK_INT, M_ADM_POL_ABSOLUTE,
     POFF(session.absolute_timeout_seconds), 0, NULL, NULL},
    {"session.concurrent", PK_SELECT, M_ADM_POL_CONCURRENT, 0, 0, conc_opts, cur_concurrent},
    {"mfa", PK_GROUP, M_ADM_POL_MFA, 0, 0, NULL, NULL},
    {"mfa.require", PK_SELECT, M_ADM_POL_MFA_REQUIRE, 0, 0, mfa_opts, cur_mfa},
    {"mfa.client_cert", PK_SELECT, M_ADM_POL_CERT, 0, 0, cert_opts, cur_cert},
    {"ip", PK_GROUP, M_ADM_POL_IP, 0, 0, NULL, NULL},
    {"ip.allow", PK_CIDRS, M_ADM_POL_IP_ALLOW, POFF(ip.allow), POFF(ip.n_allow), NULL, NULL},
    {"ip.admin_allow", PK_CIDRS, M_ADM_POL_IP_ADMIN, POFF(ip.admin_allow), POFF(ip.n_admin_allow),
     NULL, NULL},
    {"audit", PK_GROUP, M_ADM_AUDIT, 0, 0, NULL, NULL},
    {"audit.retention_days", PK_INT, M_ADM_POL_RETENTION, POFF(audit.retention_days), 0, NULL,
     NULL},
    {"audit.timezone", PK_TEXT, M_ADM_POL_TIMEZONE, POFF(audit.timezone), 0, NULL, NULL},
};

#define NPFIELDS (sizeof pfields / sizeof pfields[0])

/* The policy's value of f as form text (CIDR lists one per line). */
static void pfield_current(struct web_buf *b, const struct idp_policy *p, const struct pfield *f)
{
	const char *base = (const char *)p;
	char cidr[50];

	switch (f->kind) {
	case PK_INT: web_buf_printf(b, "%d", *(const int *)(base + f->off)); break;
	case PK_BOOL: web_buf_puts(b, *(const bool *)(base + f->off) ? "on" : ""); break;
	case PK_TEXT: web_buf_puts(b, base + f->off); break;
	case PK_SELECT: web_buf_puts(b, f->cur(p)); break;
	case PK_CIDRS: {
		const struct idp_cidr *list = (const struct idp_cidr *)(base + f->off);
		size_t n = *(const size_t *)(base + f->off_n);
		for (size_t i = 0; i < n; i++) {
			idp_cidr_format(&list[i], cidr);
			web_buf_printf(b, "%s\n", cidr);
		}
		break;
	}
	case PK_GROUP: break;
	}
}

static void pfield_label(struct web_buf *b, const struct web_req *r, const struct pfield *f)
{
	web_buf_printf(b, "<label for=\"%s\">", f->key);
	web_admin_text(b, r, f->label);
	web_buf_puts(b, "</label>");
}

static void pfield_select(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, const char *inv)
{
	pfield_label(b, r, f);
	web_buf_printf(b, "<select id=\"%s\" name=\"%s\"%s>", f->key, f->key, inv);
	for (const struct popt *o = f->opts; o->value; o++) {
		web_buf_printf(b, "<option value=\"%s\"%s>", o->value,
		               strcmp(o->value, v) == 0 ? " selected" : "");
		web_admin_text(b, r, o->label);
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select>");
}

/* One form control, showing value v (from the submitted form or the policy). */
static void pfield_render(struct web_buf *b, const struct web_req *r, const struct pfield *f,
                          const char *v, bool invalid)
{
	const char *inv = invalid ? " aria-invalid=\"true\" autofocus" : "";

	switch (f->kind) {
	case PK_GROUP: break;
	case PK_BOOL:
		web_buf_printf(b, "<label><input type=\"checkbox\" id=\"%s\" name=\"%s\"%s%s> ",
		               f->key, f->key, *v ? " checked" : "", inv);
		web_admin_text(b, r, f->label);
		web_buf_puts(b, "</label>");
		break;
	case PK_INT:
	case PK_TEXT:
		pfield_label(b, r, f);
		web_buf_printf(b, "<input type=\"text\" id=\"%s\" name=\"%s\"%s%s value=\"", f->key,
		               f->key, f->kind == PK_INT ? " inputmode=\"numeric\"" : "", inv);
		web_buf_esc(b, v);
		web_buf_puts(b, "\" required>");
		break;
	case PK_SELECT: pfield_select(b, r, f, v, inv); break;
	case PK_CIDRS:
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

/* The field named by a dotted error name ("ip.allow[2]" -> ip.allow). */
static const struct pfield *pfield_find(const char *name)
{
	size_t n = strcspn(name, "[");

	for (size_t i = 0; i < NPFIELDS; i++)
		if (strlen(pfields[i].key) == n && strncmp(pfields[i].key, name, n) == 0)
			return &pfields[i];
	return NULL;
}

/* The error box of the policy form: which setting, and why when we know. */
static void policy_error(struct web_buf *b, const struct web_req *r, const char *field,
                         bool not_number, const char *entry)
{
	const struct pfield *f = pfield_find(field);

	web_buf_puts(b, "<div class=\"error\" role=\"alert\" id=\"error\"><p>");
	web_admin_subst1(b, r, M_ADM_POL_INVALID, f ? web_t(r, f->label) : field);
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
	for (size_t i = 0; i < NPFIELDS; i++) {
		const struct pfield *f = &pfields[i];
		if (f->kind == PK_GROUP) {
			web_buf_puts(&b,
			             open ? "</fieldset><fieldset><legend>" : "<fieldset><legend>");
			web_admin_text(&b, r, f->label);
			web_buf_puts(&b, "</legend>");
			open = true;
			continue;
		}
		web_buf_init(&v, 64 * 1024);
		if (from_form) {
			const char *s = web_form(r, f->key);
			web_buf_puts(&v, s ? s : "");
		} else {
			pfield_current(&v, &r->tenant.policy, f);
		}
		pfield_render(&b, r, f, v.data ? v.data : "", pfield_find(bad->field) == f);
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

	switch (f->kind) {
	case PK_INT:
		if (!digits(s)) {
			snprintf(bad->field, sizeof bad->field, "%s", f->key);
			bad->not_number = true;
			return NULL;
		}
		return json_object_new_int(atoi(s));
	case PK_BOOL: return json_object_new_boolean(s != NULL);
	case PK_CIDRS: return lines_array(s);
	case PK_SELECT:
	case PK_TEXT: return json_object_new_string(s ? s : "");
	case PK_GROUP: break;
	}
	return NULL;
}

/* Build the whole policy document from the form; NULL with bad filled when a
 * field cannot be turned into JSON. */
static json_object *policy_from_form(const struct web_req *r, struct policy_bad *bad)
{
	json_object *doc = json_object_new_object(), *group = NULL;

	for (size_t i = 0; doc && i < NPFIELDS; i++) {
		const struct pfield *f = &pfields[i];
		if (f->kind == PK_GROUP) {
			group = json_object_new_object();
			json_object_object_add(doc, f->key, group);
			continue;
		}
		json_object *v = pfield_json(r, f, bad);
		if (!v) {
			json_object_put(doc);
			return NULL;
		}
		json_object_object_add(group, strchr(f->key, '.') + 1, v);
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
