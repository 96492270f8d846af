/*
 * The console's SAML tab (/admin/saml): the address service providers read
 * Sekisho's metadata from (also its entity ID); the signing keys (state,
 * size, SHA-256 fingerprint of the certificate, validity) with the steps
 * of a rollover (create the next key, activate it, delete an old one
 * through a confirmation page); the service providers, with a form that
 * registers one from its metadata.  Each service provider's own page
 * (settings, removal) is web/admin_saml_sp.c.
 *
 * The metadata is pasted into a text area: the request layer reads
 * application/x-www-form-urlencoded bodies only (no multipart, so no file
 * upload), and this form's route lets a field be as long as the body
 * (WEB_LONG_FIELDS), the bound the API's POST /sps has too.
 *
 * Forms are checked here field by field so that every bad field is
 * reported next to it at once; idp (idp_sp_register, idp_sp_update,
 * idp_samlkey_*) stays the authority and writes nothing it refuses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"
#include "idp/x509gen.h"
#include "web/admin.h"
#include "web/admin_saml.h"
#include "web/i18n.h"
#include "web/web.h"

/* ---- the settings in words ---- */

const struct choice web_saml_formats[] = {
    {"persistent", M_SAML_FMT_PERSISTENT},
    {"email", M_SAML_FMT_EMAIL},
    {"transient", M_SAML_FMT_TRANSIENT},
    {"unspecified", M_SAML_FMT_UNSPECIFIED},
};
const struct choice web_saml_signs[] = {
    {"both", M_SAML_SIGN_BOTH},
    {"response", M_SAML_SIGN_RESPONSE},
    {"assertion", M_SAML_SIGN_ASSERTION},
};
const struct choice web_saml_attrs[] = {
    {"email", M_SAML_ATTR_EMAIL},
    {"name", M_SAML_ATTR_NAME},
    {"role", M_SAML_ATTR_ROLE},
};

/* The choice of set[0..n) with value v (n bytes of it), or NULL. */
static const struct choice *choice_n(const struct choice *set, size_t n, const char *v, size_t len)
{
	for (size_t i = 0; v && i < n; i++)
		if (strlen(set[i].value) == len && strncmp(set[i].value, v, len) == 0)
			return &set[i];
	return NULL;
}

const struct choice *web_saml_choice_of(const struct choice *set, size_t n, const char *v)
{
	return v ? choice_n(set, n, v, strlen(v)) : NULL;
}

/* The label of v in set, or v itself, escaped. */
static void choice_text(struct web_buf *b, const struct web_req *r, const struct choice *set,
                        size_t n, const char *v)
{
	const struct choice *c = web_saml_choice_of(set, n, v);

	if (c)
		web_admin_text(b, r, c->label);
	else
		web_buf_esc(b, v ? v : "-");
}

/* A stored list of attributes, "E-mail address, Display name"; "none". */
static void attrs_text(struct web_buf *b, const struct web_req *r, const char *csv)
{
	if (!csv || !*csv) {
		web_admin_text(b, r, M_SAML_ATTRS_NONE);
		return;
	}
	for (const char *p = csv; *p;) {
		size_t n = strcspn(p, ",");
		const struct choice *c = choice_n(web_saml_attrs, COUNT(web_saml_attrs), p, n);
		if (p != csv)
			web_admin_text(b, r, M_APP_ROLES_SEP);
		if (c) {
			web_admin_text(b, r, c->label);
		} else {
			char part[64];
			snprintf(part, sizeof part, "%.*s", (int)n, p);
			web_buf_esc(b, part);
		}
		p += n;
		p += *p == ',';
	}
}

static void roles_text(struct web_buf *b, const struct web_req *r, const char *stored)
{
	unsigned set = 0;

	if (idp_roleset_parse(stored, &set))
		web_admin_roles_text(b, r, set);
	else
		web_buf_esc(b, stored ? stored : "-");
}

void web_saml_setting_label(struct web_buf *b, const struct web_req *r, const char *key)
{
	static const struct choice labels[] = {
	    {"name", M_SAML_SP_NAME},        {"nameid_format", M_SAML_SP_FORMAT},
	    {"attributes", M_SAML_SP_ATTRS}, {"sign", M_SAML_SP_SIGN},
	    {"encrypt", M_SAML_SP_ENCRYPT},  {"roles", M_SAML_SP_ROLES},
	};

	choice_text(b, r, labels, COUNT(labels), key);
}

void web_saml_setting_value(struct web_buf *b, const struct web_req *r, const char *key,
                            const char *stored)
{
	if (strcmp(key, "nameid_format") == 0)
		choice_text(b, r, web_saml_formats, COUNT(web_saml_formats), stored);
	else if (strcmp(key, "sign") == 0)
		choice_text(b, r, web_saml_signs, COUNT(web_saml_signs), stored);
	else if (strcmp(key, "attributes") == 0)
		attrs_text(b, r, stored);
	else if (strcmp(key, "roles") == 0)
		roles_text(b, r, stored);
	else if (strcmp(key, "encrypt") == 0 && stored && strcmp(stored, "true") == 0)
		web_admin_text(b, r, M_SAML_ENC_YES);
	else if (strcmp(key, "encrypt") == 0 && stored && strcmp(stored, "false") == 0)
		web_admin_text(b, r, M_SAML_ENC_NO);
	else
		web_buf_esc(b, stored ? stored : "-");
}

/* ---- pieces ---- */

/* A time in the tenant's zone, or "-". */
void web_saml_when(struct web_buf *b, const struct web_req *r, int64_t t)
{
	char text[40];

	if (t <= 0) {
		web_buf_puts(b, "-");
		return;
	}
	idp_time_local(t, r->tenant.policy.audit.timezone, text);
	web_buf_time(b, text);
}

/* The first n hex digits of a fingerprint in groups of four. */
static void fingerprint(struct web_buf *b, const char *hex, size_t n)
{
	for (size_t i = 0; i < n && hex[i]; i += 4)
		web_buf_printf(b, "%s%.4s", i ? " " : "", hex + i);
}

/* "<dt>label</dt><dd>": one fact of a list (closed by the caller). */
void web_saml_fact(struct web_buf *b, const struct web_req *r, enum web_msg label)
{
	web_buf_puts(b, "<dt>");
	web_admin_text(b, r, label);
	web_buf_puts(b, "</dt><dd>");
}

/* The box above a form listing the fields to correct, each a link. */
void web_saml_summary(struct web_buf *b, const struct web_req *r, enum web_msg intro,
                      const char *const *ids, const enum web_msg *labels, const bool *bad, size_t n)
{
	web_buf_puts(b, "<div class=\"error\" id=\"error\" role=\"alert\"><p>");
	web_admin_text(b, r, intro);
	web_buf_puts(b, "</p><ul>");
	for (size_t i = 0; i < n; i++) {
		if (!bad[i])
			continue;
		web_buf_printf(b, "<li><a href=\"#%s\">", ids[i]);
		web_admin_text(b, r, labels[i]);
		web_buf_puts(b, "</a></li>");
	}
	web_buf_puts(b, "</ul></div>");
}

/* The readonly field showing url for copying, with the hint's id. */
static void copy_field(struct web_buf *b, const struct web_req *r, const char *id, enum web_msg m,
                       const char *url)
{
	web_buf_printf(b, "<label for=\"%s\">", id);
	web_admin_text(b, r, m);
	web_buf_printf(b,
	               "</label><input type=\"text\" id=\"%s\" readonly spellcheck=\"false\" "
	               "aria-describedby=\"idp-hint\" value=\"",
	               id);
	web_buf_esc(b, url);
	web_buf_puts(b, "\">");
}

/* ---- the tab ---- */

/* A submitted registration and what is wrong with it. */
struct sp_form {
	const char *name, *metadata;
	bool bad_name;
	enum web_msg md_error; /* M__COUNT: none */
	const char *md_arg;    /* its {0}, or NULL */
};

static void idp_card(struct web_buf *b, const struct web_req *r)
{
	char url[700];

	snprintf(url, sizeof url, "%s/t/%s/saml/metadata", idp_rt.cfg->public_url, r->slug);
	web_buf_puts(b, "<section class=\"card\" id=\"saml-idp\"><h2>");
	web_admin_text(b, r, M_SAML_IDP);
	web_buf_puts(b, "</h2>");
	copy_field(b, r, "idp-metadata-url", M_SAML_METADATA_URL, url);
	copy_field(b, r, "idp-entity-id", M_SAML_ENTITY_ID, url);
	web_buf_puts(b, "<p class=\"hint\" id=\"idp-hint\">");
	web_admin_text(b, r, M_SAML_IDP_HINT);
	web_buf_puts(b, "</p></section>");
}

static void key_row(struct web_buf *b, const struct web_req *r, const struct idp_samlkey *k)
{
	static const char *const badge[] = {
	    [IDP_SAMLKEY_NEXT] = "badge invited",
	    [IDP_SAMLKEY_ACTIVE] = "badge success",
	    [IDP_SAMLKEY_PREVIOUS] = "badge",
	};
	static const enum web_msg label[] = {
	    [IDP_SAMLKEY_NEXT] = M_SAML_KEY_NEXT,
	    [IDP_SAMLKEY_ACTIVE] = M_SAML_KEY_ACTIVE,
	    [IDP_SAMLKEY_PREVIOUS] = M_SAML_KEY_PREVIOUS,
	};
	char bits[16];
	int64_t until = 0;

	web_buf_printf(b, "<tr data-key=\"%lld\" data-state=\"%s\">", (long long)k->id,
	               idp_samlkey_state_name(k->state));
	web_td(b, r, M_SAML_KEY_STATE, NULL);
	web_buf_printf(b, "<span class=\"%s\">", badge[k->state]);
	web_admin_text(b, r, label[k->state]);
	web_buf_puts(b, "</span></td>");
	web_td(b, r, M_SAML_KEY_BITS, NULL);
	snprintf(bits, sizeof bits, "%d", k->bits);
	web_buf_puts(b, "<span class=\"nowrap\">");
	web_admin_subst1(b, r, M_SAML_KEY_N_BITS, bits);
	web_buf_puts(b, "</span></td>");
	web_td(b, r, M_SAML_KEY_SHA256, NULL);
	web_buf_puts(b, "<code>");
	fingerprint(b, k->sha256, 64);
	web_buf_puts(b, "</code></td>");
	web_td(b, r, M_SAML_KEY_CREATED, NULL);
	web_saml_when(b, r, k->created_at);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SAML_KEY_NOT_AFTER, NULL);
	if (idp_x509_not_after(k->cert_pem, &until) != IDP_OK)
		until = 0;
	web_saml_when(b, r, until);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	web_buf_puts(b, "<div class=\"actions\">");
	if (k->state == IDP_SAMLKEY_NEXT) {
		web_buf_printf(
		    b, "<form method=\"post\" action=\"/t/%s/admin/saml/keys/%lld/activate\">",
		    r->slug, (long long)k->id);
		web_page_csrf(b, r);
		web_buf_puts(b, "<button type=\"submit\" data-action=\"activate-key\">");
		web_admin_text(b, r, M_SAML_KEY_ACTIVATE);
		web_buf_puts(b, "</button></form>");
	}
	if (k->state != IDP_SAMLKEY_ACTIVE) {
		web_buf_printf(b,
		               "<a class=\"button danger\" data-action=\"delete-key\" "
		               "href=\"/t/%s/admin/saml/keys/%lld/delete\">",
		               r->slug, (long long)k->id);
		web_admin_text(b, r, M_ADM_DELETE);
		web_buf_puts(b, "</a>");
	}
	web_buf_puts(b, "</div></td></tr>");
}

static void keys_card(struct web_buf *b, const struct web_req *r, const struct idp_samlkey *keys,
                      int n)
{
	static const enum web_msg heads[] = {M_SAML_KEY_STATE,     M_SAML_KEY_BITS,
	                                     M_SAML_KEY_SHA256,    M_SAML_KEY_CREATED,
	                                     M_SAML_KEY_NOT_AFTER, M_ADM_ACTIONS};

	web_buf_puts(b, "<section class=\"card\" id=\"saml-keys\"><h2>");
	web_admin_text(b, r, M_SAML_KEYS);
	web_buf_puts(b, "</h2><p class=\"hint\">");
	web_admin_text(b, r, M_SAML_KEYS_INTRO);
	web_buf_puts(b, "</p>");
	web_table_open(b, r, "keys", heads, COUNT(heads));
	for (int i = 0; i < n; i++)
		key_row(b, r, &keys[i]);
	web_table_close(b, r, n, M_SAML_KEY_NONE);
	web_buf_printf(b, "<form method=\"post\" action=\"/t/%s/admin/saml/keys\" id=\"key-form\">",
	               r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<div class=\"row\"><div><label for=\"key-bits\">");
	web_admin_text(b, r, M_SAML_KEY_SIZE);
	web_buf_puts(b, "</label><select id=\"key-bits\" name=\"bits\">");
	for (int bits = 2048; bits <= 3072; bits += 1024) {
		char num[8];
		snprintf(num, sizeof num, "%d", bits);
		web_buf_printf(b, "<option value=\"%d\">", bits);
		web_admin_subst1(b, r, M_SAML_KEY_N_BITS, num);
		web_buf_puts(b, "</option>");
	}
	web_buf_puts(b, "</select></div><button type=\"submit\" id=\"key-create\">");
	web_admin_text(b, r, M_SAML_KEY_CREATE);
	web_buf_puts(b, "</button></div></form></section>");
}

static void sp_row(struct web_buf *b, const struct web_req *r, const struct idp_sp *sp)
{
	web_buf_printf(b, "<tr data-sp=\"%lld\">", (long long)sp->id);
	web_td(b, r, M_SAML_SP_NAME, NULL);
	web_buf_esc(b, sp->name);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SAML_SP_ENTITY, NULL);
	web_buf_puts(b, "<code>");
	web_buf_url(b, sp->entity_id);
	web_buf_puts(b, "</code></td>");
	web_td(b, r, M_SAML_SP_FORMAT, NULL);
	web_saml_setting_value(b, r, "nameid_format", sp->nameid_format);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SAML_SP_SIGN, NULL);
	web_saml_setting_value(b, r, "sign", sp->sign);
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SAML_SP_ENCRYPT, NULL);
	web_saml_setting_value(b, r, "encrypt", sp->encrypt ? "true" : "false");
	web_buf_puts(b, "</td>");
	web_td(b, r, M_SAML_SP_ROLES, NULL);
	web_saml_setting_value(b, r, "roles", sp->roles);
	web_buf_puts(b, "</td>");
	web_td(b, r, M__COUNT, NULL);
	web_buf_printf(b,
	               "<div class=\"actions\"><a class=\"button secondary\" "
	               "data-action=\"sp-settings\" href=\"/t/%s/admin/saml/sps/%lld\">",
	               r->slug, (long long)sp->id);
	web_admin_text(b, r, M_SAML_SP_SETTINGS);
	web_buf_printf(b,
	               "</a><a class=\"button danger\" data-action=\"delete-sp\" "
	               "href=\"/t/%s/admin/saml/sps/%lld/delete\">",
	               r->slug, (long long)sp->id);
	web_admin_text(b, r, M_ADM_DELETE);
	web_buf_puts(b, "</a></div></td></tr>");
}

static void sps_card(struct web_buf *b, const struct web_req *r, const struct idp_sp *sps, int n)
{
	static const enum web_msg heads[] = {M_SAML_SP_NAME, M_SAML_SP_ENTITY,  M_SAML_SP_FORMAT,
	                                     M_SAML_SP_SIGN, M_SAML_SP_ENCRYPT, M_SAML_SP_ROLES,
	                                     M_ADM_ACTIONS};

	web_buf_puts(b, "<section class=\"card\" id=\"saml-sps\"><h2>");
	web_admin_text(b, r, M_SAML_SPS);
	web_buf_puts(b, "</h2><p class=\"hint\">");
	web_admin_text(b, r, M_SAML_SPS_INTRO);
	web_buf_puts(b, "</p>");
	web_table_open(b, r, "sps", heads, COUNT(heads));
	for (int i = 0; i < n; i++)
		sp_row(b, r, &sps[i]);
	web_table_close(b, r, n, M_SAML_SP_NONE);
	web_buf_puts(b, "</section>");
}

/* The form to register a service provider: empty (f NULL) or as sent,
 * with what is wrong next to each field. */
static void add_form(struct web_buf *b, const struct web_req *r, const struct sp_form *f)
{
	bool bad_md = f && f->md_error != M__COUNT;

	web_buf_puts(b, "<section class=\"card\" id=\"add-sp\"><h2>");
	web_admin_text(b, r, M_SAML_SP_ADD);
	web_buf_printf(b, "</h2><form method=\"post\" action=\"/t/%s/admin/saml/sps\">", r->slug);
	web_page_csrf(b, r);
	web_buf_puts(b, "<label for=\"sp-name\">");
	web_admin_text(b, r, M_SAML_SP_NAME);
	web_buf_puts(b, "</label><input type=\"text\" id=\"sp-name\" name=\"name\" "
	                "autocomplete=\"off\"");
	web_admin_described(b, "sp-name", f && f->bad_name, true);
	web_buf_puts(b, " value=\"");
	web_buf_esc(b, f && f->name ? f->name : "");
	web_buf_puts(b, "\"><p class=\"hint\" id=\"sp-name.hint\">");
	web_admin_text(b, r, M_SAML_SP_NAME_HINT);
	web_buf_puts(b, "</p>");
	if (f && f->bad_name)
		web_admin_field_error(b, r, "sp-name", M_APP_ERR_NAME);
	web_buf_puts(b, "<label for=\"sp-metadata\">");
	web_admin_text(b, r, M_SAML_SP_METADATA);
	web_buf_puts(b, "</label><textarea id=\"sp-metadata\" name=\"metadata\" rows=\"10\" "
	                "spellcheck=\"false\" autocomplete=\"off\" required");
	web_admin_described(b, "sp-metadata", bad_md, true);
	web_buf_puts(b, ">");
	web_buf_esc(b, f && f->metadata ? f->metadata : "");
	web_buf_puts(b, "</textarea><p class=\"hint\" id=\"sp-metadata.hint\">");
	web_admin_text(b, r, M_SAML_SP_METADATA_HINT);
	web_buf_puts(b, "</p>");
	if (bad_md) {
		web_buf_puts(b, "<p class=\"field-error\" id=\"sp-metadata.error\">");
		web_admin_subst1(b, r, f->md_error, f->md_arg);
		web_buf_puts(b, "</p>");
	}
	web_buf_puts(b, "<button type=\"submit\" id=\"add-sp-submit\">");
	web_admin_text(b, r, M_SAML_SP_REGISTER);
	web_buf_puts(b, "</button></form></section>");
}

/* The tab: flash fl, the identity provider, its keys, the service
 * providers and the registration form (f: as sent, with its faults). */
static int saml_render(struct web_req *r, unsigned status, const struct web_admin_flash *fl,
                       const struct sp_form *f)
{
	struct idp_samlkey *keys = NULL;
	struct idp_sp *sps = NULL;
	struct web_buf b;
	int nk = 0, ns = 0;

	if (idp_samlkeys_list(&r->tenant, &keys, &nk) != IDP_OK ||
	    idp_sps_list(&r->tenant, &sps, &ns) != IDP_OK) {
		free(keys);
		return web_admin_unavailable(r);
	}
	web_admin_begin(&b, r, WEB_TAB_SAML);
	web_admin_flash(&b, r, fl);
	if (f && (f->bad_name || f->md_error != M__COUNT)) {
		static const char *const ids[] = {"sp-name", "sp-metadata"};
		static const enum web_msg labels[] = {M_SAML_SP_NAME, M_SAML_SP_METADATA};
		const bool bad[] = {f->bad_name, f->md_error != M__COUNT};
		web_saml_summary(&b, r, M_SAML_SP_INVALID, ids, labels, bad, COUNT(ids));
	}
	idp_card(&b, r);
	keys_card(&b, r, keys, nk);
	sps_card(&b, r, sps, ns);
	add_form(&b, r, f);
	free(keys);
	free(sps);
	return web_admin_send(r, status, &b);
}

static int saml_get(struct web_req *r)
{
	struct web_admin_flash fl = web_admin_flash_from_query(r);

	return saml_render(r, 200, &fl, NULL);
}

/* The tab with an error above it (arg: its {0}, may be NULL). */
static int saml_error(struct web_req *r, unsigned status, enum web_msg m, const char *arg)
{
	struct web_admin_flash fl = {m, true, arg, 0, 0};

	return saml_render(r, status, &fl, NULL);
}

/* ---- signing keys ---- */

static int key_create_post(struct web_req *r)
{
	const char *bits = web_form(r, "bits");
	char max[8];
	int n = bits && strcmp(bits, "2048") == 0   ? 2048
	        : bits && strcmp(bits, "3072") == 0 ? 3072
	                                            : 0;
	enum idp_err err = n ? idp_samlkey_create(&r->tenant, &r->actor, n, NULL) : IDP_ERR_INVALID;

	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "saml", "key_created", NULL, 0);
	case IDP_ERR_INVALID: return saml_error(r, 400, M_SAML_ERR_BITS, NULL);
	case IDP_ERR_TOO_LARGE:
		snprintf(max, sizeof max, "%d", IDP_SAMLKEYS_MAX);
		return saml_error(r, 409, M_SAML_ERR_TOO_MANY_KEYS, max);
	default: return web_admin_unavailable(r);
	}
}

static int key_activate_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? idp_samlkey_activate(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "saml", "key_activated", NULL, 0);
}

static int key_delete_get(struct web_req *r)
{
	struct idp_samlkey *rows = NULL;
	int64_t id = web_wild_id(r, 0);
	char action[128], back[100];
	struct web_buf fp;
	int n = 0, ret = -1;

	if (!id)
		return web_admin_not_found(r);
	if (idp_samlkeys_list(&r->tenant, &rows, &n) != IDP_OK)
		return web_admin_unavailable(r);
	snprintf(action, sizeof action, "/t/%s/admin/saml/keys/%lld/delete", r->slug,
	         (long long)id);
	snprintf(back, sizeof back, "/t/%s/admin/saml", r->slug);
	for (int i = 0; i < n && ret < 0; i++) {
		if (rows[i].id != id)
			continue;
		if (rows[i].state == IDP_SAMLKEY_ACTIVE) {
			ret = saml_error(r, 409, M_SAML_ERR_KEY_ACTIVE, NULL);
			break;
		}
		web_buf_init(&fp, 128);
		fingerprint(&fp, rows[i].sha256, 16);
		web_buf_puts(&fp, "…");
		struct web_admin_confirm c = {M_SAML_KEY_CONFIRM,
		                              M_SAML_KEY_CONFIRM_WHAT,
		                              M_ADM_DELETE,
		                              fp.data ? fp.data : "",
		                              action,
		                              back,
		                              WEB_TAB_SAML};
		ret = web_admin_confirm_page(r, &c);
		web_buf_free(&fp);
	}
	free(rows);
	return ret < 0 ? web_admin_not_found(r) : ret;
}

static int key_delete_post(struct web_req *r)
{
	int64_t id = web_wild_id(r, 0);
	enum idp_err err = id ? idp_samlkey_delete(&r->tenant, &r->actor, id) : IDP_ERR_NOT_FOUND;

	if (err == IDP_ERR_NOT_FOUND)
		return web_admin_not_found(r);
	if (err == IDP_ERR_CONFLICT)
		return saml_error(r, 409, M_SAML_ERR_KEY_ACTIVE, NULL);
	if (err)
		return web_admin_unavailable(r);
	return web_admin_back_with(r, "saml", "key_deleted", NULL, 0);
}

/* ---- registering a service provider ---- */

/* Why saml_spmeta_parse refused metadata, in the reader's words; NULL for
 * a reason this table does not know (shown as it is). */
static const char *why_text(const struct web_req *r, const char *why)
{
	static const struct {
		const char *why;
		enum web_msg m;
	} reasons[] = {
	    {"an endpoint without Binding or Location", M_SAML_MD_ENDPOINT},
	    {"an endpoint Location that is not an absolute http(s) URL", M_SAML_MD_LOCATION},
	    {"an AssertionConsumerService index that is not a number", M_SAML_MD_INDEX},
	    {"a KeyDescriptor whose use is neither signing nor encryption", M_SAML_MD_KEY_USE},
	    {"a KeyDescriptor without an X.509 certificate that parses", M_SAML_MD_KEY_CERT},
	    {"too many certificates", M_SAML_MD_CERTS},
	    {"the SPSSODescriptor does not support SAML 2.0", M_SAML_MD_PROTOCOL},
	    {"too many endpoints", M_SAML_MD_ENDPOINTS},
	    {"a NameIDFormat that is empty or too long", M_SAML_MD_FORMAT},
	    {"no AssertionConsumerService with the HTTP-POST binding", M_SAML_MD_ACS},
	    {"empty metadata, or a NUL byte in it", M_SAML_MD_EMPTY},
	    {"the metadata is not well-formed XML", M_SAML_MD_XML},
	    {"the metadata has a DOCTYPE", M_SAML_MD_DOCTYPE},
	    {"the metadata is not one EntityDescriptor", M_SAML_MD_ROOT},
	    {"no entityID, or one over 1024 characters", M_SAML_MD_ENTITY},
	    {"not exactly one SPSSODescriptor", M_SAML_MD_SPSSO},
	};

	for (size_t i = 0; why && i < COUNT(reasons); i++)
		if (strcmp(why, reasons[i].why) == 0)
			return web_t(r, reasons[i].m);
	return why;
}

static int sp_add_post(struct web_req *r)
{
	struct sp_form f = {web_form(r, "name"), web_form(r, "metadata"), false, M__COUNT, NULL};
	struct web_admin_flash fl = web_admin_no_flash;
	struct idp_sp sp;
	const char *field = NULL, *why = NULL;
	char max[8];
	enum idp_err err;

	/* The name is optional (the entity ID stands in); a given one is checked. */
	f.bad_name =
	    f.name && *f.name && (strlen(f.name) > IDP_APP_NAME_MAX || !idp_name_valid(f.name));
	if (!f.metadata || !f.metadata[strspn(f.metadata, " \t\r\n")])
		f.md_error = M_SAML_ERR_METADATA_EMPTY;
	else if (f.bad_name) {
		/* The metadata's fault said beside the name's, nothing registered. */
		err = idp_sp_from_metadata(f.metadata, strlen(f.metadata), NULL, &sp, &field, &why);
		if (err == IDP_ERR_TOO_LARGE)
			f.md_error = M_SAML_ERR_METADATA_LARGE;
		else if (err == IDP_ERR_INVALID)
			f.md_error = M_SAML_ERR_METADATA;
		f.md_arg = why ? why_text(r, why) : web_t(r, M_SAML_MD_ENTITY);
	}
	if (f.bad_name || f.md_error != M__COUNT)
		return saml_render(r, 400, &fl, &f);
	err = idp_sp_register(&r->tenant, &r->actor, f.metadata, strlen(f.metadata), f.name, NULL,
	                      &sp, &field, &why);
	switch (err) {
	case IDP_OK: return web_admin_back_with(r, "saml", "sp_added", NULL, 0);
	case IDP_ERR_TOO_LARGE:
		if (!field) { /* the maximum of service providers */
			snprintf(max, sizeof max, "%d", IDP_SPS_MAX);
			fl = (struct web_admin_flash){M_SAML_ERR_TOO_MANY_SPS, true, max, 0, 0};
			return saml_render(r, 409, &fl, &f);
		}
		f.md_error = M_SAML_ERR_METADATA_LARGE;
		return saml_render(r, 413, &fl, &f);
	case IDP_ERR_INVALID:
		if (field && strcmp(field, "name") == 0) {
			f.bad_name = true;
		} else {
			/* The metadata, or a setting read from it (its entity ID). */
			idp_info("tenant %s: SP metadata refused: %s", r->slug, why ? why : field);
			f.md_error = M_SAML_ERR_METADATA;
			f.md_arg = why ? why_text(r, why) : web_t(r, M_SAML_MD_ENTITY);
		}
		return saml_render(r, 400, &fl, &f);
	case IDP_ERR_CONFLICT:
		f.md_error = M_SAML_ERR_ENTITY_TAKEN;
		f.md_arg = sp.entity_id;
		return saml_render(r, 409, &fl, &f);
	default: return web_admin_unavailable(r);
	}
}

#define ADMIN      (WEB_TENANT | WEB_ADMIN)
#define ADMIN_POST (WEB_TENANT | WEB_ADMIN | WEB_CSRF)

const struct web_route web_routes_admin_saml[] = {
    {"GET", "/admin/saml", saml_get, ADMIN},
    {"POST", "/admin/saml/keys", key_create_post, ADMIN_POST | WEB_SLOW},
    {"POST", "/admin/saml/keys/*/activate", key_activate_post, ADMIN_POST},
    {"GET", "/admin/saml/keys/*/delete", key_delete_get, ADMIN},
    {"POST", "/admin/saml/keys/*/delete", key_delete_post, ADMIN_POST},
    {"POST", "/admin/saml/sps", sp_add_post, ADMIN_POST | WEB_LONG_FIELDS},
    {NULL, NULL, NULL, 0},
};
