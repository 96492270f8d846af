/*
 * One service provider's page in the console's SAML tab
 * (/admin/saml/sps/{id}): its facts, its settings form (those of PUT
 * /api/v1/sps/{id}, every bad field reported next to it, nothing written
 * on a refusal) and its removal through a confirmation page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "web/admin.h"
#include "web/admin_saml.h"
#include "web/i18n.h"
#include "web/web.h"

#define SP_SET_ALL                                                                                 \
	(IDP_SP_SET_NAME | IDP_SP_SET_NAMEID_FORMAT | IDP_SP_SET_ATTRIBUTES | IDP_SP_SET_SIGN |    \
	 IDP_SP_SET_ENCRYPT | IDP_SP_SET_ROLES)

/* ---- one service provider: its settings and its removal ---- */

/* A submitted settings form: the values as sent and the bad ones
 * (IDP_SP_SET_* bits). */
struct set_form {
	struct idp_sp v;
	unsigned bad;
};

/* The service provider of the route's id with whether its metadata has an
 * encryption key; IDP_ERR_NOT_FOUND for none. */
static enum idp_err sp_of(struct web_req *r, struct idp_sp *sp, bool *can_encrypt)
{
	char *md = NULL;
	enum idp_err err = idp_sp_get(&r->tenant, web_wild_id(r, 0), sp, &md);

	*can_encrypt = !err && idp_sp_can_encrypt(md);
	free(md);
	return err;
}

static void select_field(struct web_buf *b, const struct web_req *r, const char *id,
                         const char *name, enum web_msg label, const struct choice *set, size_t n,
                         const char *cur, bool bad, enum web_msg error)
{
	web_buf_printf(b, "<label for=\"%s\">", id);
	web_admin_text(b, r, label);
	web_buf_printf(b, "</label><select id=\"%s\" name=\"%s\"", id, name);
	web_admin_described(b, id, bad, false);
	web_buf_puts(b, ">");
	for (size_t i = 0; i < n; i++) {
		web_buf_printf(b, "<option value=\"%s\"%s>", set[i].value,
		               cur && strcmp(cur, set[i].value) == 0 ? " selected" : "");
		web_admin_text(b, r, set[i].label);
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select>");
	if (bad)
		web_admin_field_error(b, r, id, error);
}

/* One checkbox of a fieldset: input#<prefix>-<value> name=name. */
static void check_box(struct web_buf *b, const struct web_req *r, const char *prefix,
                      const char *name, const char *value, bool on, enum web_msg label,
                      const char *group, bool bad, bool hint)
{
	web_buf_printf(b, "<label><input type=\"checkbox\" id=\"%s-%s\" name=\"%s\" value=\"%s\"%s",
	               prefix, value, name, value, on ? " checked" : "");
	web_admin_described(b, group, bad, hint);
	web_buf_puts(b, "> ");
	web_admin_text(b, r, label);
	web_buf_puts(b, "</label>");
}

/* Whether the comma-separated list csv holds name. */
static bool in_list(const char *csv, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = csv; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len;
		p += *p == ',';
	}
	return false;
}

/* What sp is: its entity ID, since web_saml_when, whether it can be encrypted for. */
static void sp_facts(struct web_buf *b, const struct web_req *r, const struct idp_sp *sp,
                     bool can_encrypt)
{
	web_buf_puts(b, "<section class=\"card\" id=\"sp\"><h2>");
	web_buf_esc(b, sp->name);
	web_buf_puts(b, "</h2><dl class=\"facts\">");
	web_saml_fact(b, r, M_SAML_SP_ENTITY);
	web_buf_puts(b, "<code>");
	web_buf_url(b, sp->entity_id);
	web_buf_puts(b, "</code></dd>");
	web_saml_fact(b, r, M_SAML_SP_REGISTERED);
	web_saml_when(b, r, sp->created_at);
	web_buf_puts(b, "</dd>");
	web_saml_fact(b, r, M_SAML_SP_ENC_KEY);
	web_admin_text(b, r, can_encrypt ? M_SAML_SP_ENC_KEY_YES : M_SAML_SP_ENC_KEY_NO);
	web_buf_puts(b, "</dd></dl></section>");
}

/* The form of sp's settings with the values v (as stored or as sent) and
 * the faults bad (IDP_SP_SET_* bits). */
static void settings_form(struct web_buf *b, const struct web_req *r, const struct idp_sp *sp,
                          const struct idp_sp *v, unsigned bad, bool can_encrypt)
{
	unsigned roles = 0;

	web_buf_puts(b, "<section class=\"card\" id=\"sp-settings\"><h2>");
	web_admin_text(b, r, M_SAML_SP_SETTINGS);
	web_buf_printf(b, "</h2><form method=\"post\" action=\"/t/%s/admin/saml/sps/%lld\">",
	               r->slug, (long long)sp->id);
	web_page_csrf(b, r);
	web_buf_puts(b, "<label for=\"sp-name\">");
	web_admin_text(b, r, M_SAML_SP_NAME);
	web_buf_puts(b, "</label><input type=\"text\" id=\"sp-name\" name=\"name\" required "
	                "autocomplete=\"off\"");
	web_admin_described(b, "sp-name", bad & IDP_SP_SET_NAME, false);
	web_buf_puts(b, " value=\"");
	web_buf_esc(b, v->name);
	web_buf_puts(b, "\">");
	if (bad & IDP_SP_SET_NAME)
		web_admin_field_error(b, r, "sp-name", M_APP_ERR_NAME);
	select_field(b, r, "sp-nameid-format", "nameid_format", M_SAML_SP_FORMAT, web_saml_formats,
	             COUNT(web_saml_formats), v->nameid_format, bad & IDP_SP_SET_NAMEID_FORMAT,
	             M_SAML_ERR_FORMAT);
	web_buf_puts(b, "<fieldset id=\"sp-attributes\"><legend>");
	web_admin_text(b, r, M_SAML_SP_ATTRS);
	web_buf_puts(b, "</legend>");
	for (size_t i = 0; i < COUNT(web_saml_attrs); i++)
		check_box(b, r, "sp-attr", "attributes", web_saml_attrs[i].value,
		          in_list(v->attributes, web_saml_attrs[i].value), web_saml_attrs[i].label,
		          "sp-attributes", bad & IDP_SP_SET_ATTRIBUTES, true);
	web_buf_puts(b, "<p class=\"hint\" id=\"sp-attributes.hint\">");
	web_admin_text(b, r, M_SAML_SP_ATTRS_HINT);
	web_buf_puts(b, "</p>");
	if (bad & IDP_SP_SET_ATTRIBUTES)
		web_admin_field_error(b, r, "sp-attributes", M_SAML_ERR_ATTRS);
	web_buf_puts(b, "</fieldset>");
	select_field(b, r, "sp-sign", "sign", M_SAML_SP_SIGN, web_saml_signs, COUNT(web_saml_signs),
	             v->sign, bad & IDP_SP_SET_SIGN, M_SAML_ERR_SIGN);
	web_buf_puts(b, "<fieldset id=\"sp-encryption\"><legend>");
	web_admin_text(b, r, M_SAML_SP_ENCRYPT);
	web_buf_puts(b, "</legend>");
	web_buf_printf(b,
	               "<label><input type=\"checkbox\" id=\"sp-encrypt\" name=\"encrypt\" "
	               "value=\"1\"%s",
	               v->encrypt ? " checked" : "");
	web_admin_described(b, "sp-encrypt", bad & IDP_SP_SET_ENCRYPT, !can_encrypt);
	web_buf_puts(b, "> ");
	web_admin_text(b, r, M_SAML_SP_ENCRYPT_BOX);
	web_buf_puts(b, "</label>");
	if (!can_encrypt) {
		web_buf_puts(b, "<p class=\"hint\" id=\"sp-encrypt.hint\">");
		web_admin_text(b, r, M_SAML_SP_ENCRYPT_NO_KEY);
		web_buf_puts(b, "</p>");
	}
	if (bad & IDP_SP_SET_ENCRYPT)
		web_admin_field_error(b, r, "sp-encrypt", M_SAML_ERR_ENCRYPT);
	web_buf_puts(b, "</fieldset><fieldset id=\"sp-roles\"><legend>");
	web_admin_text(b, r, M_SAML_SP_ROLES);
	web_buf_puts(b, "</legend>");
	if (!idp_roleset_parse(v->roles, &roles))
		roles = 0;
	check_box(b, r, "sp-role", "roles", "user", roles & IDP_ROLESET_USER, M_ROLE_USER,
	          "sp-roles", bad & IDP_SP_SET_ROLES, false);
	check_box(b, r, "sp-role", "roles", "admin", roles & IDP_ROLESET_ADMIN, M_ROLE_ADMIN,
	          "sp-roles", bad & IDP_SP_SET_ROLES, false);
	if (bad & IDP_SP_SET_ROLES)
		web_admin_field_error(b, r, "sp-roles", M_APP_ERR_ROLES);
	web_buf_puts(b,
	             "</fieldset><div class=\"actions\"><button type=\"submit\" id=\"sp-save\">");
	web_admin_text(b, r, M_SAVE);
	web_buf_printf(b,
	               "</button><a class=\"button danger\" data-action=\"delete-sp\" "
	               "href=\"/t/%s/admin/saml/sps/%lld/delete\">",
	               r->slug, (long long)sp->id);
	web_admin_text(b, r, M_ADM_DELETE);
	web_buf_puts(b, "</a></div></form></section>");
}

/* The page of sp: its facts and its settings (f: as sent, with its
 * faults; NULL: as stored). */
static int sp_render(struct web_req *r, unsigned status, const struct web_admin_flash *fl,
                     const struct idp_sp *sp, bool can_encrypt, const struct set_form *f)
{
	const struct idp_sp *v = f ? &f->v : sp;
	unsigned bad = f ? f->bad : 0;
	struct web_buf b;

	web_admin_begin(&b, r, WEB_TAB_SAML);
	web_buf_printf(&b, "<p><a href=\"/t/%s/admin/saml\" id=\"back\">", r->slug);
	web_admin_text(&b, r, M_SAML_SP_BACK);
	web_buf_puts(&b, "</a></p>");
	web_admin_flash(&b, r, fl);
	if (bad) {
		static const char *const ids[] = {"sp-name", "sp-nameid-format", "sp-attr-email",
		                                  "sp-sign", "sp-encrypt",       "sp-role-user"};
		static const enum web_msg labels[] = {M_SAML_SP_NAME,    M_SAML_SP_FORMAT,
		                                      M_SAML_SP_ATTRS,   M_SAML_SP_SIGN,
		                                      M_SAML_SP_ENCRYPT, M_SAML_SP_ROLES};
		const bool which[] = {bad & IDP_SP_SET_NAME,       bad & IDP_SP_SET_NAMEID_FORMAT,
		                      bad & IDP_SP_SET_ATTRIBUTES, bad & IDP_SP_SET_SIGN,
		                      bad & IDP_SP_SET_ENCRYPT,    bad & IDP_SP_SET_ROLES};
		web_saml_summary(&b, r, M_SAML_SP_SAVE_INVALID, ids, labels, which, COUNT(ids));
	}
	sp_facts(&b, r, sp, can_encrypt);
	settings_form(&b, r, sp, v, bad, can_encrypt);
	return web_admin_send(r, status, &b);
}

static int sp_get(struct web_req *r)
{
	struct web_admin_flash fl = web_admin_flash_from_query(r);
	struct idp_sp sp;
	bool can_encrypt;
	enum idp_err err = sp_of(r, &sp, &can_encrypt);

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return sp_render(r, 200, &fl, &sp, can_encrypt, NULL);
}

/* Read and check the settings form into f; true when every field is good. */
static bool set_form_read(const struct web_req *r, bool can_encrypt, struct set_form *f)
{
	const char *name = web_form(r, "name"), *fmt = web_form(r, "nameid_format");
	const char *sign = web_form(r, "sign"), *encrypt = web_form(r, "encrypt");
	unsigned roles = 0, seen = 0;
	size_t len = 0;

	memset(f, 0, sizeof *f);
	if (!name || strlen(name) > IDP_APP_NAME_MAX || !idp_name_valid(name))
		f->bad |= IDP_SP_SET_NAME;
	idp_copy(f->v.name, sizeof f->v.name, name);
	if (!web_saml_choice_of(web_saml_formats, COUNT(web_saml_formats), fmt))
		f->bad |= IDP_SP_SET_NAMEID_FORMAT;
	idp_copy(f->v.nameid_format, sizeof f->v.nameid_format, fmt);
	if (!web_saml_choice_of(web_saml_signs, COUNT(web_saml_signs), sign))
		f->bad |= IDP_SP_SET_SIGN;
	idp_copy(f->v.sign, sizeof f->v.sign, sign);
	for (int i = 0; i < r->nform; i++) {
		const struct choice *c;
		if (strcmp(r->form[i].key, "roles") == 0 &&
		    !idp_roleset_add(&roles, r->form[i].value))
			f->bad |= IDP_SP_SET_ROLES;
		if (strcmp(r->form[i].key, "attributes") != 0)
			continue;
		c = web_saml_choice_of(web_saml_attrs, COUNT(web_saml_attrs), r->form[i].value);
		if (!c || (seen & 1u << (c - web_saml_attrs))) {
			f->bad |= IDP_SP_SET_ATTRIBUTES;
			continue;
		}
		seen |= 1u << (c - web_saml_attrs);
	}
	for (size_t i = 0; i < COUNT(web_saml_attrs); i++)
		if (seen & 1u << i)
			len += (size_t)snprintf(f->v.attributes + len, sizeof f->v.attributes - len,
			                        "%s%s", len ? "," : "", web_saml_attrs[i].value);
	if (!roles)
		f->bad |= IDP_SP_SET_ROLES;
	idp_copy(f->v.roles, sizeof f->v.roles, idp_roleset_name(roles));
	f->v.encrypt = encrypt != NULL;
	if ((encrypt && strcmp(encrypt, "1") != 0) || (f->v.encrypt && !can_encrypt))
		f->bad |= IDP_SP_SET_ENCRYPT;
	return !f->bad;
}

static int sp_post(struct web_req *r)
{
	struct web_admin_flash fl = web_admin_no_flash;
	struct set_form f;
	struct idp_sp sp;
	const char *field = NULL;
	bool can_encrypt;
	enum idp_err err = sp_of(r, &sp, &can_encrypt);

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	if (!set_form_read(r, can_encrypt, &f))
		return sp_render(r, 400, &fl, &sp, can_encrypt, &f);
	err = idp_sp_update(&r->tenant, &r->actor, sp.id, &f.v, SP_SET_ALL, NULL, &field);
	if (err == IDP_ERR_INVALID) {
		static const struct {
			const char *field;
			unsigned bit;
		} bits[] = {
		    {"name", IDP_SP_SET_NAME},
		    {"nameid_format", IDP_SP_SET_NAMEID_FORMAT},
		    {"attributes", IDP_SP_SET_ATTRIBUTES},
		    {"sign", IDP_SP_SET_SIGN},
		    {"encrypt", IDP_SP_SET_ENCRYPT},
		    {"roles", IDP_SP_SET_ROLES},
		};
		for (size_t i = 0; field && i < COUNT(bits); i++)
			if (strcmp(field, bits[i].field) == 0)
				f.bad |= bits[i].bit;
		if (!f.bad)
			return web_admin_bad_request(r);
		return sp_render(r, 400, &fl, &sp, can_encrypt, &f);
	}
	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "saml", "sp_changed", NULL, 0);
}

static int sp_delete_get(struct web_req *r)
{
	struct idp_sp sp;
	char action[128], back[100];
	enum idp_err err = idp_sp_get(&r->tenant, web_wild_id(r, 0), &sp, NULL);

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	snprintf(action, sizeof action, "/t/%s/admin/saml/sps/%lld/delete", r->slug,
	         (long long)sp.id);
	snprintf(back, sizeof back, "/t/%s/admin/saml", r->slug);
	struct web_admin_confirm c = {
	    M_SAML_SP_CONFIRM, M_SAML_SP_CONFIRM_WHAT, M_ADM_DELETE, sp.name, action, back,
	    WEB_TAB_SAML};
	return web_admin_confirm_page(r, &c);
}

static int sp_delete_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? idp_sp_delete(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "saml", "sp_removed", NULL, 0);
}

#define ADMIN      (WEB_TENANT | WEB_ADMIN)
#define ADMIN_POST (WEB_TENANT | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_admin_saml_sp[] = {
    {"GET", "/admin/saml/sps/*", sp_get, ADMIN},
    {"POST", "/admin/saml/sps/*", sp_post, ADMIN_POST},
    {"GET", "/admin/saml/sps/*/delete", sp_delete_get, ADMIN},
    {"POST", "/admin/saml/sps/*/delete", sp_delete_post, ADMIN_POST},
    {NULL, NULL, NULL, 0},
};
