/*
 * The audit log's sentences about the applications Sekisho guards: apps
 * (app.created, app.deleted), the gateway's refusals (gateway.denied) and
 * SAML (signing keys, service providers, assertions, refusals, single
 * logout).  web/audit_text.c dispatches to them.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "idp/app.h"
#include "web/admin.h"
#include "web/audit_say.h"
#include "web/i18n.h"
#include "web/web.h"

/* app.created and app.deleted {"name","url","roles"}: the name (else the
 * event's target), the URL and, for a new app, the roles it admits. */
enum web_msg say_app(struct say *s)
{
	const char *name = say_str(s->d, "name"), *url = say_str(s->d, "url");
	const char *roles = say_str(s->d, "roles");
	unsigned set = 0;

	web_buf_esc(&s->a[2], name ? name : s->e->target);
	web_buf_url(&s->a[3], url ? url : "-");
	if (say_is(s->e->action, "app.deleted"))
		return M_AUD_S_APP_DELETED;
	if (!idp_roleset_parse(roles, &set)) {
		web_buf_esc(&s->a[4], roles ? roles : "-");
		return M_AUD_S_APP_CREATED;
	}
	if (set & IDP_ROLESET_USER)
		say_put_role(&s->a[4], s->r, "user");
	if (set == IDP_ROLESET_ALL)
		web_admin_text(&s->a[4], s->r, M_APP_ROLES_SEP);
	if (set & IDP_ROLESET_ADMIN)
		say_put_role(&s->a[4], s->r, "admin");
	return M_AUD_S_APP_CREATED;
}

/* The last part of a URI (an AuthnContext class: "TimeSyncToken"). */
static const char *uri_tail(const char *uri)
{
	const char *c = uri ? strrchr(uri, ':') : NULL, *sl = uri ? strrchr(uri, '/') : NULL;

	if (sl > c)
		c = sl;
	return c && c[1] ? c + 1 : uri ? uri : "-";
}

/* saml.assertion {sp, nameid_format, authn_context}, saml.refused {sp,
 * reason, detail?}, saml.logout {sp}. */
enum web_msg say_saml(struct say *s)
{
	static const struct {
		const char *code;
		enum web_msg msg;
	} why[] = {
	    {"invalid", M_AUD_R_SAML_INVALID},
	    {"replayed", M_AUD_R_SAML_REPLAYED},
	    {"unknown_sp", M_AUD_R_SAML_UNKNOWN_SP},
	    {"ip_denied", M_AUD_R_SAML_IP},
	    {"client_cert_required", M_AUD_R_SAML_CERT},
	    {"role", M_AUD_R_SAML_ROLE},
	    {"password_change_required", M_AUD_R_SAML_PASSWORD},
	    {"no_passive", M_AUD_R_SAML_PASSIVE},
	    {"nameid_policy", M_AUD_R_SAML_NAMEID},
	};
	const char *sp = say_str(s->d, "sp"), *reason = say_str(s->d, "reason");
	const char *detail = say_str(s->d, "detail");
	size_t i = 0;

	web_buf_esc(&s->a[2], sp && *sp ? sp : "-");
	if (say_is(s->e->action, "saml.assertion")) {
		web_buf_esc(&s->a[3],
		            say_str(s->d, "nameid_format") ? say_str(s->d, "nameid_format") : "-");
		web_buf_esc(&s->a[4], uri_tail(say_str(s->d, "authn_context")));
		return M_AUD_S_SAML_ASSERTION;
	}
	if (say_is(s->e->action, "saml.logout"))
		return M_AUD_S_SAML_LOGOUT;
	while (i < sizeof why / sizeof why[0] && !say_is(reason, why[i].code))
		i++;
	if (i < sizeof why / sizeof why[0])
		web_admin_text(&s->a[3], s->r, why[i].msg);
	else
		web_buf_esc(&s->a[3], reason ? reason : "-");
	if (detail && *detail) {
		web_buf_puts(&s->a[4], " (");
		web_buf_esc(&s->a[4], detail);
		web_buf_puts(&s->a[4], ")");
	}
	return M_AUD_S_SAML_REFUSED;
}

/* gateway.denied {"reason","url","app","repeated"?}: who was refused (no
 * target: nobody known), where, why, and the app and the count of refusals
 * collapsed into the event when there are. */
enum web_msg say_gateway_denied(struct say *s)
{
	static const struct {
		const char *code;
		enum web_msg msg;
	} why[] = {
	    {"ip", M_AUD_R_GW_IP},
	    {"role", M_AUD_R_GW_ROLE},
	    {"no_app", M_AUD_R_GW_NO_APP},
	    {"password_change", M_AUD_R_GW_PASSWORD},
	    {"client_certificate", M_AUD_R_GW_CERT},
	    {"bad_url", M_AUD_R_GW_BAD_URL},
	    {"ambiguous_url", M_AUD_R_GW_AMBIGUOUS},
	};
	const char *reason = say_str(s->d, "reason"), *url = say_str(s->d, "url");
	const char *app = say_str(s->d, "app");
	size_t i = 0;
	int64_t n;
	char num[24];

	while (i < sizeof why / sizeof why[0] && !say_is(reason, why[i].code))
		i++;
	if (i < sizeof why / sizeof why[0])
		web_admin_text(&s->a[2], s->r, why[i].msg);
	else
		web_buf_esc(&s->a[2], reason ? reason : "-");
	web_buf_url(&s->a[3], url && *url ? url : "-");
	if (app && *app)
		web_admin_subst1(&s->a[4], s->r, M_AUD_GW_APP, app);
	if (say_int(s->d, "repeated", &n) && n > 0) {
		snprintf(num, sizeof num, "%lld", (long long)n);
		web_admin_subst1(&s->a[4], s->r, M_AUD_GW_REPEATED, num);
	}
	return s->e->target[0] ? M_AUD_S_GW_DENIED : M_AUD_S_GW_DENIED_ANON;
}

/* saml.key_created {"id","bits","sha256","state"}, saml.key_activated and
 * saml.key_deleted {"id"}: the key's number, and a new key's size and
 * whether it became the active key or the next one. */
enum web_msg say_saml_key(struct say *s)
{
	say_put_int(&s->a[2], s->d, "id");
	if (say_is(s->e->action, "saml.key_activated"))
		return M_AUD_S_SAML_KEY_ACTIVATED;
	if (say_is(s->e->action, "saml.key_deleted"))
		return M_AUD_S_SAML_KEY_DELETED;
	say_put_int(&s->a[3], s->d, "bits");
	return say_is(say_str(s->d, "state"), "active") ? M_AUD_S_SAML_KEY_ACTIVE
	                                                : M_AUD_S_SAML_KEY_NEXT;
}

/* One line "label: before → after" for service provider setting key. */
static void sp_change(struct say *s, const char *key, json_object *before, json_object *after)
{
	json_object *v[2] = {before, after};
	struct web_buf h[3];

	for (int i = 0; i < 3; i++)
		web_buf_init(&h[i], ARG_MAX);
	web_saml_setting_label(&h[0], s->r, key);
	for (int i = 0; i < 2; i++) {
		if (v[i] && json_object_is_type(v[i], json_type_boolean))
			web_saml_setting_value(&h[i + 1], s->r, key,
			                       json_object_get_boolean(v[i]) ? "true" : "false");
		else if (v[i] && json_object_is_type(v[i], json_type_string))
			web_saml_setting_value(&h[i + 1], s->r, key, json_object_get_string(v[i]));
		else
			web_buf_puts(&h[i + 1], "-");
	}
	say_change_line(s, h);
}

/* saml.sp_added and saml.sp_removed {"entity_id","name"}: its name (else
 * the event's target) and entity ID; saml.sp_changed {..."before",
 * "after"}: those and each setting that changed, before and after. */
enum web_msg say_saml_sp(struct say *s)
{
	static const char *const keys[] = {"name", "nameid_format", "attributes",
	                                   "sign", "encrypt",       "roles"};
	const char *name = say_str(s->d, "name"), *entity = say_str(s->d, "entity_id");
	json_object *before = say_get(s->d, "before"), *after = say_get(s->d, "after");
	size_t changed = 0;

	web_buf_esc(&s->a[2], name ? name : s->e->target);
	web_buf_url(&s->a[3], entity ? entity : "-");
	if (say_is(s->e->action, "saml.sp_added"))
		return M_AUD_S_SAML_SP_ADDED;
	if (say_is(s->e->action, "saml.sp_removed"))
		return M_AUD_S_SAML_SP_REMOVED;
	if (!before || !after)
		return M__COUNT;
	web_buf_puts(&s->tail, "<ul class=\"changes\">");
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_object *b = say_get(before, keys[i]), *a = say_get(after, keys[i]);
		if (!b && !a)
			continue;
		sp_change(s, keys[i], b, a);
		changed++;
	}
	web_buf_puts(&s->tail, "</ul>");
	return changed ? M_AUD_S_SAML_SP_CHANGED : M__COUNT;
}

/* Every action idp records (idp_audit_actions): a fixed sentence, or one
 * chosen from the detail (say; M__COUNT = no sentence fits). */
