/*
 * The audit log as people read it: one sentence per event in the reader's
 * language and the table of events that the audit tab, the overview and the
 * user page share (the API's filter and the CSV export are in
 * web/audit_export.c).
 *
 * An event is stored as idp wrote it (actor, role, action, target, result
 * and a JSON detail, the time in UTC) and the chain hashes exactly that, so
 * nothing here changes what is stored: the sentence is derived when the page
 * is drawn, from the action and the detail, with enum values translated and
 * every time in the tenant's zone (policy.audit.timezone) with its offset.
 * The raw detail stays one click away (<details>, no script) and the API
 * keeps returning it unchanged.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/admin.h"
#include "web/api.h"
#include "web/audit_say.h"
#include "web/i18n.h"
#include "web/web.h"

#define LIST_MAX (1024 * 1024)

/* ---- times ---- */

/* The Unix time of a stored "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" (UTC); false when
 * it is not one. */
static bool at_parse(const char *at, int64_t *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	if (!strptime(at, "%Y-%m-%dT%H:%M:%S", &tm))
		return false;
	*t = (int64_t)timegm(&tm);
	return true;
}

/* Unix time t in zone tz, broken down, and the zone's offset then; an
 * unreadable zone is UTC (as idp_time_local shows it).  False when t cannot
 * be shown. */
static bool local_tm(int64_t t, const char *tz, struct tm *tm, long *off)
{
	time_t tt;

	if (t <= 0 || t > 253402300799LL)
		return false;
	if (!idp_tz_offset(t, tz, off))
		*off = 0;
	tt = (time_t)(t + *off);
	return gmtime_r(&tt, tm) != NULL;
}

/* "+09:00", "-03:30", "+00:00". */
static void offset_text(long off, char out[8])
{
	long a = labs(off);

	snprintf(out, 8, "%c%02ld:%02ld", off < 0 ? '-' : '+', (a / 3600) % 100, (a % 3600) / 60);
}

/* The stored time at in zone tz as ISO 8601 with the offset,
 * "2026-11-30T10:15:03+09:00"; at itself when it cannot be read. */
void web_audit_time_iso(const char *at, const char *tz, char out[40])
{
	struct tm tm;
	int64_t t;
	long off = 0;
	char o[8];

	if (!at_parse(at, &t) || !local_tm(t, tz, &tm, &off)) {
		snprintf(out, 40, "%s", at);
		return;
	}
	offset_text(off, o);
	snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, o);
}

/* Append t as people write it in r's language, in the tenant's zone with
 * the offset ("3 Dec 2026 18:00 (+09:00)"): the day and the time each kept
 * on one line. */
static void put_when(struct web_buf *b, const struct web_req *r, int64_t t)
{
	const char *months = web_t(r, M_AUD_MONTHS);
	char y[8], mon[24] = "", d[4], hm[8], off[8];
	const char *day[3] = {y, mon, d}, *hour[2] = {hm, off};
	struct tm tm;
	long o = 0;

	if (!local_tm(t, r->tenant.policy.audit.timezone, &tm, &o)) {
		web_buf_puts(b, "-");
		return;
	}
	/* M_AUD_MONTHS: twelve names separated by single spaces. */
	for (int i = 0; i < tm.tm_mon && months; i++) {
		months = strchr(months, ' ');
		months = months ? months + 1 : NULL;
	}
	if (months)
		snprintf(mon, sizeof mon, "%.*s", (int)strcspn(months, " "), months);
	snprintf(y, sizeof y, "%d", tm.tm_year + 1900);
	snprintf(d, sizeof d, "%d", tm.tm_mday);
	snprintf(hm, sizeof hm, "%02d:%02d", tm.tm_hour, tm.tm_min);
	offset_text(o, off);
	web_buf_puts(b, "<span class=\"nowrap\">");
	web_admin_subst(b, web_t(r, M_AUD_DAY), day, 3);
	web_buf_puts(b, "</span> <span class=\"nowrap\">");
	web_admin_subst(b, web_t(r, M_AUD_HOUR), hour, 2);
	web_buf_puts(b, "</span>");
}

/* ---- the sentence ---- */

/* Append n bytes of s, HTML-escaped. */
static void esc_n(struct web_buf *b, const char *s, size_t n)
{
	char part[512];

	while (n > 0) {
		size_t k = n < sizeof part ? n : sizeof part - 1;
		memcpy(part, s, k);
		part[k] = 0;
		web_buf_esc(b, part); /* escaping touches ASCII only: a cut sequence is harmless */
		s += k;
		n -= k;
	}
}

/* Append template tmpl escaped, with {k} (k < n) replaced by html[k] as it
 * is: the placeholders' HTML, already escaped by whoever made it. */
static void subst_html(struct web_buf *b, const char *tmpl, const char *const *html, int n)
{
	const char *run = tmpl;

	for (const char *p = tmpl; *p; p++) {
		if (p[0] != '{' || p[1] < '0' || p[1] > '9' || p[2] != '}' || p[1] - '0' >= n)
			continue;
		esc_n(b, run, (size_t)(p - run));
		web_buf_puts(b, html[p[1] - '0']);
		p += 2;
		run = p + 1;
	}
	web_buf_esc(b, run);
}

/* Member k of object d, or NULL. */
json_object *say_get(json_object *d, const char *k)
{
	json_object *v = NULL;

	if (!d || !json_object_is_type(d, json_type_object))
		return NULL;
	return json_object_object_get_ex(d, k, &v) ? v : NULL;
}

/* String member k of d, or NULL. */
const char *say_str(json_object *d, const char *k)
{
	json_object *v = say_get(d, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Integer member k of d, also when written as a string of digits
 * (user.invited's expires_at); false when there is none. */
bool say_int(json_object *d, const char *k, int64_t *out)
{
	json_object *v = say_get(d, k);
	const char *s;

	if (v && json_object_is_type(v, json_type_int)) {
		*out = json_object_get_int64(v);
		return true;
	}
	s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

/* Boolean member k of d: 1, 0, or -1 when there is none. */
int say_bool(json_object *d, const char *k)
{
	json_object *v = say_get(d, k);

	if (!v || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

/* a and b are both there and the same. */
bool say_is(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Who acted, in words: a user's e-mail address, an API token by its name,
 * the operator's command line, or Sekisho itself. */
static void put_actor(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	if (say_is(e->role, "api")) /* idp_token_auth names it "token:<name>" */
		web_admin_subst1(b, r, M_AUD_ACTOR_TOKEN,
		                 e->actor + (strncmp(e->actor, "token:", 6) == 0 ? 6 : 0));
	else if (say_is(e->role, "operator"))
		web_admin_text(b, r, M_AUD_ACTOR_OPERATOR);
	else if (say_is(e->role, "system") || !e->actor[0])
		web_admin_text(b, r, M_AUD_ACTOR_SYSTEM);
	else
		web_buf_email(b, e->actor);
}

/* A user's role as the console names it; an unknown one as it is. */
void say_put_role(struct web_buf *b, const struct web_req *r, const char *role)
{
	if (say_is(role, "admin"))
		web_admin_text(b, r, M_ROLE_ADMIN);
	else if (say_is(role, "user"))
		web_admin_text(b, r, M_ROLE_USER);
	else
		web_buf_esc(b, role ? role : "-");
}

/* n with its noun, singular (one) or plural (many). */
static void put_count(struct web_buf *b, const struct web_req *r, int64_t n, enum web_msg one,
                      enum web_msg many)
{
	char num[24];

	snprintf(num, sizeof num, "%lld", (long long)n);
	web_admin_subst1(b, r, n == 1 ? one : many, num);
}

/* Integer member k of the detail as digits into b, or "?". */
void say_put_int(struct web_buf *b, json_object *d, const char *k)
{
	int64_t v;

	if (say_int(d, k, &v))
		web_buf_printf(b, "%lld", (long long)v);
	else
		web_buf_puts(b, "?");
}

static enum web_msg say_login(struct say *s)
{
	const char *method = say_str(s->d, "method");

	if (say_is(method, "invitation"))
		return M_AUD_S_LOGIN_INVITATION;
	if (say_is(method, "password") && strstr(s->e->detail, "\"x509\""))
		return M_AUD_S_LOGIN_X509;
	if (say_is(method, "password") && strstr(s->e->detail, "\"otp\""))
		return M_AUD_S_LOGIN_OTP;
	if (say_is(method, "password") && strstr(s->e->detail, "\"rec\""))
		return M_AUD_S_LOGIN_REC;
	if (say_is(method, "password"))
		return say_bool(s->d, "rehashed") == 1 ? M_AUD_S_LOGIN_REHASHED
		                                       : M_AUD_S_LOGIN_PASSWORD;
	return M_AUD_S_LOGIN;
}

/* Why a sign-in failed (idp_login_refusal_reason, the user statuses, and
 * the refusals of idp/login.c). */
static const struct {
	const char *code;
	enum web_msg msg;
} reasons[] = {
    {"bad_password", M_AUD_R_BAD_PASSWORD},
    {"unknown_user", M_AUD_R_UNKNOWN_USER},
    {"malformed", M_AUD_R_MALFORMED},
    {"no_password", M_AUD_R_NO_PASSWORD},
    {"locked", M_AUD_R_LOCKED},
    {"suspended", M_AUD_R_SUSPENDED},
    {"invited", M_AUD_R_INVITED},
    {"credential_changed", M_AUD_R_CREDENTIAL_CHANGED},
    {"concurrent_session", M_AUD_R_CONCURRENT},
};

static enum web_msg say_login_failure(struct say *s)
{
	const char *why = say_str(s->d, "reason");

	if (say_is(why, "bad_current_password"))
		return M_AUD_S_WRONG_CURRENT;
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (say_is(why, reasons[i].code)) {
			web_admin_text(&s->a[2], s->r, reasons[i].msg);
			return M_AUD_S_LOGIN_FAILURE;
		}
	web_buf_esc(&s->a[2], why ? why : "-");
	return M_AUD_S_LOGIN_FAILURE;
}

/* mfa.totp.failure: why the code was refused. */
static enum web_msg say_mfa_failure(struct say *s)
{
	static const struct {
		const char *code;
		enum web_msg msg;
	} why[] = {
	    {"wrong_code", M_AUD_R_WRONG_CODE},
	    {"replayed", M_AUD_R_REPLAYED},
	    {"malformed", M_AUD_R_MALFORMED_CODE},
	    {"wrong_recovery_code", M_AUD_R_WRONG_RECOVERY},
	};
	const char *reason = say_str(s->d, "reason");

	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
		if (say_is(reason, why[i].code)) {
			web_admin_text(&s->a[2], s->r, why[i].msg);
			return M_AUD_S_MFA_FAILURE;
		}
	web_buf_esc(&s->a[2], reason ? reason : "-");
	return M_AUD_S_MFA_FAILURE;
}

/* session.ended: by its user, by an administrator, or replaced by a new
 * sign-in in the same browser (whoever signed in is the actor). */
static enum web_msg say_session_ended(struct say *s)
{
	say_put_int(&s->a[2], s->d, "session");
	if (say_is(say_str(s->d, "reason"), "relogin"))
		return M_AUD_S_SESSION_RELOGIN;
	return say_is(s->e->actor, s->e->target) ? M_AUD_S_SESSION_OWN : M_AUD_S_SESSION_OTHER;
}

static enum web_msg say_forced_logout(struct say *s)
{
	int64_t n = 0;

	say_int(s->d, "sessions", &n);
	put_count(&s->a[2], s->r, n, M_AUD_N_SESSION, M_AUD_N_SESSIONS);
	return M_AUD_S_FORCED_LOGOUT;
}

static enum web_msg say_invited(struct say *s)
{
	int64_t until = 0;

	say_put_role(&s->a[2], s->r, say_str(s->d, "role"));
	if (say_int(s->d, "expires_at", &until))
		put_when(&s->a[3], s->r, until);
	else
		web_buf_puts(&s->a[3], "-");
	return M_AUD_S_INVITED;
}

static enum web_msg say_suspended(struct say *s)
{
	int64_t n;

	if (!say_int(s->d, "sessions", &n) || n <= 0)
		return M_AUD_S_SUSPENDED; /* nothing to end is not worth saying */
	put_count(&s->a[2], s->r, n, M_AUD_N_SESSION, M_AUD_N_SESSIONS);
	return M_AUD_S_SUSPENDED_N;
}

static enum web_msg say_unlocked(struct say *s)
{
	if (say_is(say_str(s->d, "by"), "timeout"))
		return M_AUD_S_UNLOCK_TIMEOUT;
	return say_bool(s->d, "was_locked") == 0 ? M_AUD_S_UNLOCKED_NOT : M_AUD_S_UNLOCKED;
}

static enum web_msg say_password_set(struct say *s)
{
	return say_bool(s->d, "change_at_first_login") == 1 ? M_AUD_S_PASSWORD_TEMP
	                                                    : M_AUD_S_PASSWORD_SET;
}

static enum web_msg say_role_changed(struct say *s)
{
	say_put_role(&s->a[2], s->r, say_str(s->d, "from"));
	say_put_role(&s->a[3], s->r, say_str(s->d, "to"));
	return M_AUD_S_ROLE_CHANGED;
}

static enum web_msg say_password_changed(struct say *s)
{
	const char *why = say_str(s->d, "reason");

	if (say_is(why, "expired"))
		return M_AUD_S_PW_CHANGED_EXPIRED;
	return say_is(why, "first_login") ? M_AUD_S_PW_CHANGED_FIRST : M_AUD_S_PW_CHANGED;
}

static enum web_msg say_reset_requested(struct say *s)
{
	const char *why = say_str(s->d, "reason");

	if (say_is(s->e->result, "success"))
		return M_AUD_S_RESET_SENT;
	if (say_is(why, "unknown_user"))
		return M_AUD_S_RESET_UNKNOWN;
	if (say_is(why, "not_active"))
		return M_AUD_S_RESET_INACTIVE;
	if (say_is(why, "too_soon"))
		return M_AUD_S_RESET_TOO_SOON;
	web_buf_esc(&s->a[2], why ? why : "-");
	return M_AUD_S_RESET_REFUSED;
}

/* A policy field's JSON value as idp_policy_field_text writes it: integers
 * as digits, booleans as "true"/"false", strings as they are, lists one
 * element a line, each ending "\n"; nothing for a missing value. */
static void json_text(struct web_buf *b, json_object *v)
{
	switch (v ? json_object_get_type(v) : json_type_null) {
	case json_type_int: web_buf_printf(b, "%lld", (long long)json_object_get_int64(v)); break;
	case json_type_boolean:
		web_buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_string: web_buf_puts(b, json_object_get_string(v)); break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			json_text(b, json_object_array_get_idx(v, i));
			web_buf_puts(b, "\n");
		}
		break;
	case json_type_double:
	case json_type_object:
	case json_type_null: break;
	}
}

/* Append the line "label: before → after" made of h (label, before,
 * after: HTML), and free h. */
void say_change_line(struct say *s, struct web_buf h[3])
{
	const char *html[3];

	for (int i = 0; i < 3; i++)
		html[i] = h[i].data ? h[i].data : "";
	web_buf_puts(&s->tail, "<li>");
	subst_html(&s->tail, web_t(s->r, M_AUD_CHANGE), html, 3);
	web_buf_puts(&s->tail, "</li>");
	for (int i = 0; i < 3; i++)
		web_buf_free(&h[i]);
}

/* Append one line "label: before → after" for policy field key. */
static void policy_change(struct say *s, const char *key, json_object *before, json_object *after)
{
	struct web_buf text, h[3];

	for (int i = 0; i < 3; i++)
		web_buf_init(&h[i], ARG_MAX);
	web_buf_esc(&h[0], web_policy_label(s->r, key));
	for (int i = 1; i < 3; i++) {
		web_buf_init(&text, ARG_MAX);
		json_text(&text, i == 1 ? before : after);
		web_policy_value(&h[i], s->r, key, text.data ? text.data : "");
		web_buf_free(&text);
	}
	say_change_line(s, h);
}

/* policy.updated {"before":{...},"after":{...}}: the fields that changed,
 * in the schema's order, each with its value before and after. */
static enum web_msg say_policy(struct say *s)
{
	json_object *before = say_get(s->d, "before"), *after = say_get(s->d, "after");
	size_t changed = 0;

	if (!before || !after)
		return M__COUNT;
	web_buf_puts(&s->tail, "<ul class=\"changes\">");
	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		struct idp_policy_field_info f;
		char key[128];
		json_object *b, *a;

		idp_policy_field_info(i, &f);
		b = say_get(say_get(before, f.section), f.name);
		a = say_get(say_get(after, f.section), f.name);
		if (json_object_equal(b, a))
			continue;
		snprintf(key, sizeof key, "%s.%s", f.section, f.name);
		policy_change(s, key, b, a);
		changed++;
	}
	web_buf_puts(&s->tail, "</ul>");
	if (changed)
		return M_AUD_S_POLICY;
	web_buf_free(&s->tail);
	web_buf_init(&s->tail, LIST_MAX);
	return M_AUD_S_POLICY_SAME;
}

/* access.denied_ip: an administrator outside the administrators' list
 * (the address is the event's), or anyone outside the tenant's list (the
 * address is in the detail; no target when nobody was named). */
static enum web_msg say_denied(struct say *s)
{
	const char *ip = say_str(s->d, "ip");

	if (say_is(say_str(s->d, "list"), "admin_allow")) {
		web_buf_esc(&s->a[2], s->e->ip);
		return M_AUD_S_DENIED_ADMIN;
	}
	web_buf_esc(&s->a[2], ip ? ip : s->e->ip);
	return s->e->target[0] ? M_AUD_S_DENIED : M_AUD_S_DENIED_ANON;
}

static enum web_msg say_tenant(struct say *s)
{
	const char *name = say_str(s->d, "name");

	web_buf_esc(&s->a[2], name ? name : s->e->target);
	return M_AUD_S_TENANT;
}

static enum web_msg say_terminated(struct say *s)
{
	const char *when = say_str(s->d, "purge_after");

	web_buf_esc(&s->a[2], when ? when : "?");
	return M_AUD_S_TENANT_TERMINATED;
}

static enum web_msg say_pruned(struct say *s)
{
	int64_t n = 0, days = 0;

	say_int(s->d, "deleted", &n);
	put_count(&s->a[2], s->r, n, M_AUD_N_EVENT, M_AUD_N_EVENTS);
	if (say_int(s->d, "retention_days", &days))
		put_count(&s->a[3], s->r, days, M_AUD_N_DAY, M_AUD_N_DAYS);
	else
		web_buf_puts(&s->a[3], "?");
	say_put_int(&s->a[4], s->d, "through_seq");
	return M_AUD_S_PRUNED;
}

static const struct {
	const char *action;
	enum web_msg fixed;
	enum web_msg (*say)(struct say *s);
} sayers[] = {
    {"login.success", M__COUNT, say_login},
    {"login.failure", M__COUNT, say_login_failure},
    {"login.locked", M_AUD_S_LOCKED, NULL},
    {"logout", M_AUD_S_LOGOUT, NULL},
    {"session.ended", M__COUNT, say_session_ended},
    {"session.forced_logout", M__COUNT, say_forced_logout},
    {"user.invited", M__COUNT, say_invited},
    {"user.suspended", M__COUNT, say_suspended},
    {"user.resumed", M_AUD_S_RESUMED, NULL},
    {"user.unlocked", M__COUNT, say_unlocked},
    {"user.deleted", M_AUD_S_DELETED, NULL},
    {"user.password_set", M__COUNT, say_password_set},
    {"user.role_changed", M__COUNT, say_role_changed},
    {"invitation.accepted", M_AUD_S_ACCEPTED, NULL},
    {"invitation.revoked", M_AUD_S_REVOKED, NULL},
    {"password.changed", M__COUNT, say_password_changed},
    {"password.reset_requested", M__COUNT, say_reset_requested},
    {"password.reset", M_AUD_S_RESET_DONE, NULL},
    {"policy.updated", M__COUNT, say_policy},
    {"access.denied_ip", M__COUNT, say_denied},
    {"token.created", M_AUD_S_TOKEN, NULL},
    {"tenant.created", M__COUNT, say_tenant},
    {"tenant.terminated", M__COUNT, say_terminated},
    {"tenant.restored", M_AUD_S_TENANT_RESTORED, NULL},
    {"audit.pruned", M__COUNT, say_pruned},
    {"mfa.totp.enrolled", M_AUD_S_MFA_ENROLLED, NULL},
    {"mfa.totp.failure", M__COUNT, say_mfa_failure},
    {"mfa.totp.removed", M_AUD_S_MFA_REMOVED, NULL},
    {"mfa.recovery.used", M_AUD_S_RECOVERY_USED, NULL},
    {"mfa.recovery.regenerated", M_AUD_S_RECOVERY_NEW, NULL},
    {"mfa.reset", M_AUD_S_MFA_RESET, NULL},
    {"mfa.cert.bound", M_AUD_S_CERT_BOUND, NULL},
    {"mfa.cert.unbound", M_AUD_S_CERT_UNBOUND, NULL},
    {"client_ca.added", M_AUD_S_CA_ADDED, NULL},
    {"client_ca.removed", M_AUD_S_CA_REMOVED, NULL},
    {"access.denied_cert", M_AUD_S_DENIED_CERT, NULL},
    {"access.cert_header_ignored", M_AUD_S_CERT_HEADER, NULL},
    {"app.created", M__COUNT, say_app},
    {"app.deleted", M__COUNT, say_app},
    {"gateway.denied", M__COUNT, say_gateway_denied},
    {"saml.key_created", M__COUNT, say_saml_key},
    {"saml.key_activated", M__COUNT, say_saml_key},
    {"saml.key_deleted", M__COUNT, say_saml_key},
    {"saml.sp_added", M__COUNT, say_saml_sp},
    {"saml.sp_removed", M__COUNT, say_saml_sp},
    {"saml.sp_changed", M__COUNT, say_saml_sp},
    {"saml.assertion", M__COUNT, say_saml},
    {"saml.refused", M__COUNT, say_saml},
    {"saml.logout", M__COUNT, say_saml},
};

/* The message for s's event, its placeholders filled. */
static enum web_msg say_event(struct say *s)
{
	enum web_msg m = M__COUNT;

	put_actor(&s->a[0], s->r, s->e);
	web_buf_email(&s->a[1], s->e->target);
	for (size_t i = 0; i < sizeof sayers / sizeof sayers[0]; i++) {
		if (!say_is(s->e->action, sayers[i].action))
			continue;
		m = sayers[i].say ? sayers[i].say(s) : sayers[i].fixed;
		break;
	}
	if (m != M__COUNT)
		return m;
	/* An action without a sentence (or a detail that fits none): say what
	 * is known, raw. */
	for (int i = 2; i < NARGS; i++) {
		web_buf_free(&s->a[i]);
		web_buf_init(&s->a[i], ARG_MAX);
	}
	web_buf_free(&s->tail);
	web_buf_init(&s->tail, LIST_MAX);
	web_buf_esc(&s->a[2], s->e->action);
	return M_AUD_S_OTHER;
}

void web_audit_sentence(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	struct say s = {.r = r, .e = e};
	const char *html[NARGS];
	enum web_msg m;

	s.d = json_tokener_parse(e->detail ? e->detail : "{}");
	for (int i = 0; i < NARGS; i++)
		web_buf_init(&s.a[i], ARG_MAX);
	web_buf_init(&s.tail, LIST_MAX);
	m = say_event(&s);
	for (int i = 0; i < NARGS; i++) {
		html[i] = s.a[i].data ? s.a[i].data : "";
		if (s.a[i].overflow)
			b->overflow = true;
	}
	subst_html(b, web_t(r, m), html, NARGS);
	if (s.tail.data)
		web_buf_puts(b, s.tail.data);
	if (s.tail.overflow)
		b->overflow = true;
	for (int i = 0; i < NARGS; i++)
		web_buf_free(&s.a[i]);
	web_buf_free(&s.tail);
	json_object_put(s.d);
}

/* ---- the table ---- */

/* The event's time in the tenant's zone, "2026-11-22 12:04:05 +09:00", the
 * date and the time each kept on one line. */
static void put_time_cell(struct web_buf *b, const struct web_req *r, const char *at)
{
	char when[40];
	int64_t t;
	size_t n;

	if (!at_parse(at, &t)) {
		web_buf_esc(b, at);
		return;
	}
	idp_time_local(t, r->tenant.policy.audit.timezone, when);
	n = strcspn(when, " ");
	web_buf_puts(b, "<time datetime=\"");
	web_buf_esc(b, at);
	web_buf_puts(b, "\"><span class=\"nowrap\">");
	esc_n(b, when, n);
	web_buf_puts(b, "</span>");
	if (when[n]) {
		web_buf_puts(b, " <span class=\"nowrap\">");
		web_buf_esc(b, when + n + 1);
		web_buf_puts(b, "</span>");
	}
	web_buf_puts(b, "</time>");
}

/* The raw detail, folded: pretty JSON (or the text as stored). */
static void put_raw(struct web_buf *b, const struct web_req *r, const char *detail)
{
	json_object *o = json_tokener_parse(detail);
	const char *pretty = o ? json_object_to_json_string_ext(
	                             o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                    JSON_C_TO_STRING_NOSLASHESCAPE)
	                       : detail;

	web_buf_puts(b, "<details><summary><span class=\"nowrap\">");
	web_admin_text(b, r, M_ADM_AUD_RAW);
	web_buf_puts(b, "</span></summary><pre class=\"raw\">");
	web_buf_esc(b, pretty);
	web_buf_puts(b, "</pre></details>");
	json_object_put(o);
}

static const enum web_msg columns[] = {M_ADM_AUD_TIME, M_ADM_AUD_EVENT, M_ADM_AUD_SOURCE,
                                       M_ADM_AUD_RESULT, M_ADM_AUD_DETAIL};

static void audit_row(struct web_buf *b, const struct web_req *r, const struct idp_audit_row *e)
{
	const char *detail = e->detail ? e->detail : "{}";
	bool ok = say_is(e->result, "success"), failed = say_is(e->result, "failure");

	web_buf_printf(b, "<tr data-seq=\"%lld\">", (long long)e->seq);
	web_td(b, r, columns[0], NULL);
	put_time_cell(b, r, e->at);
	web_buf_puts(b, "</td>");
	/* One element per cell: on a phone the cell is a grid of its label and
	 * its content, and the list of changes must stay with its sentence. */
	web_td(b, r, columns[1], NULL);
	web_buf_puts(b, "<div>");
	web_audit_sentence(b, r, e);
	web_buf_puts(b, "</div></td>");
	web_td(b, r, columns[2], NULL);
	if (e->ip[0]) {
		web_buf_puts(b, "<span class=\"nowrap\">");
		web_buf_esc(b, e->ip);
		web_buf_puts(b, "</span>");
	}
	web_buf_puts(b, "</td>");
	web_td(b, r, columns[3], NULL);
	web_buf_printf(b, "<span><span class=\"badge%s\">",
	               ok       ? " success"
	               : failed ? " failure"
	                        : "");
	if (ok || failed)
		web_admin_text(b, r, ok ? M_ADM_AUD_SUCCESS : M_ADM_AUD_FAILURE);
	else
		web_buf_esc(b, e->result);
	web_buf_puts(b, "</span></span></td>");
	web_td(b, r, columns[4], NULL);
	if (strcmp(detail, "{}") != 0)
		put_raw(b, r, detail);
	web_buf_puts(b, "</td></tr>");
}

void web_audit_table(struct web_buf *b, const struct web_req *r, const char *id,
                     const struct idp_audit_row *rows, int n, enum web_msg none)
{
	web_table_open(b, r, id, columns, sizeof columns / sizeof columns[0]);
	for (int i = 0; i < n; i++)
		audit_row(b, r, &rows[i]);
	web_table_close(b, r, n, none);
}
