/*
 * The tenant policy document (README, "Admin API"): its C form, its
 * defaults, and its JSON form.  Parsing validates every field and names the
 * first bad one, so PUT /policy can answer 400 "password.min_length" without
 * having changed anything; checking names every bad one, so the console can
 * show them all at once.
 */
#ifndef IDP_POLICY_H
#define IDP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "idp/addr.h"
#include "idp/err.h"
#include "idp/time.h"

enum idp_concurrent { IDP_CONCURRENT_ALLOW, IDP_CONCURRENT_DENY_NEW, IDP_CONCURRENT_END_OLD };
enum idp_mfa_require { IDP_MFA_OFF, IDP_MFA_ADMINS, IDP_MFA_ALL };
enum idp_client_cert { IDP_CERT_OFF, IDP_CERT_REQUIRED, IDP_CERT_FACTOR };

#define IDP_POLICY_MAX_CIDRS      256
#define IDP_POLICY_TZ_MAX         IDP_TZ_NAME_MAX
#define IDP_POLICY_FIELD_NAME_MAX 128 /* a reported name, NUL included; longer ones are cut */

struct idp_policy {
	struct {
		int min_length; /* 8..64 */
		int max_length; /* min_length..128 */
		bool require_upper, require_lower, require_digit, require_symbol;
		int min_classes; /* 0..4 */
		int history;     /* 0..24 */
		int expiry_days; /* 0 = never, 1..999 */
		bool change_at_first_login;
		int min_score; /* zxcvbn score 0..4; 0 = no strength check */
	} password;
	struct {
		int max_failures;         /* 0 = off, 1..100 */
		int unlock_after_seconds; /* 0 = administrator only, 1..31536000 */
	} lockout;
	struct {
		int idle_timeout_seconds;     /* 60..2592000 (30 days) */
		int absolute_timeout_seconds; /* idle..31536000 (365 days) */
		enum idp_concurrent concurrent;
	} session;
	struct {
		enum idp_mfa_require require;
		enum idp_client_cert client_cert;
	} mfa;
	struct {
		struct idp_cidr allow[IDP_POLICY_MAX_CIDRS];
		size_t n_allow;
		struct idp_cidr admin_allow[IDP_POLICY_MAX_CIDRS];
		size_t n_admin_allow;
	} ip;
	struct {
		int retention_days;               /* 1..3650 */
		char timezone[IDP_POLICY_TZ_MAX]; /* IANA name, must exist in /usr/share/zoneinfo */
	} audit;
	struct {
		bool want_signed_requests; /* refuse unsigned AuthnRequests from every SP */
	} saml;
};

/* Fill p with the documented defaults. Cannot fail. */
void idp_policy_default(struct idp_policy *p);

/* Parse a complete or partial JSON policy document of len bytes over base:
 * fields present replace base's, fields absent keep base's value.  Unknown
 * keys, wrong types and out-of-range values are errors.  On error returns
 * IDP_ERR_INVALID, writes the dotted name of the first bad field
 * ("password.min_length", "ip.allow[2]", or "" for a document that is not a
 * JSON object) into field[0..fieldsz), and leaves *out unmodified.  On
 * success *out is the merged, validated policy. */
enum idp_err idp_policy_parse(const char *json, size_t len, const struct idp_policy *base,
                              struct idp_policy *out, char *field, size_t fieldsz);

/* Check a complete or partial JSON policy document of len bytes over base
 * like idp_policy_parse, but report every problem instead of the first:
 * each member is parsed on its own (type and range), then the range of every
 * field of the merged result, then the rules between fields over the merged
 * result of the good members (a rule one of whose fields is already reported
 * is not checked: that field's value is unknown).  The names, spelt as
 * idp_policy_parse spells them ("password.min_length"; "ip.allow[2]" for each
 * bad entry of a list; "" for a document that is not a JSON object), go in
 * the order found into bad[0..max), cut to IDP_POLICY_FIELD_NAME_MAX - 1
 * bytes; *nbad is how many were written (at most max; more may have been
 * found).  Returns IDP_OK with *out the merged policy when there is no
 * problem; IDP_ERR_INVALID when there is at least one; IDP_ERR_TOO_LARGE
 * over 64 KiB and IDP_ERR_NOMEM with nothing reported.  *out changes only on
 * IDP_OK and may be base.  idp_policy_parse names bad[0] of this check. */
enum idp_err idp_policy_check(const char *json, size_t len, const struct idp_policy *base,
                              struct idp_policy *out, char (*bad)[IDP_POLICY_FIELD_NAME_MAX],
                              size_t max, size_t *nbad);

/* Check cross-field rules of an already-typed policy (max >= min, absolute >=
 * idle, ...).  Same field reporting as idp_policy_parse. */
enum idp_err idp_policy_validate(const struct idp_policy *p, char *field, size_t fieldsz);

/* The full JSON document for p, in the documented key order.  Returns a new
 * NUL-terminated string (caller frees) or NULL when out of memory. */
char *idp_policy_to_json(const struct idp_policy *p);

/* ---- the schema, once: what the console's form (and anything else that
 * shows or edits a policy) is derived from ---- */

enum idp_policy_kind {
	IDP_POLICY_INT, /* an integer in min..max */
	IDP_POLICY_BOOL,
	IDP_POLICY_CHOICE, /* one of choices */
	IDP_POLICY_CIDRS,  /* a list of CIDR ranges */
	IDP_POLICY_TEXT,   /* a string (the time zone) */
};

/* What an IDP_POLICY_INT counts, so that it can be shown and entered in
 * human units (hours and minutes, days). */
enum idp_policy_unit {
	IDP_UNIT_NONE, /* a plain number (characters, attempts, a score) */
	IDP_UNIT_SECONDS,
	IDP_UNIT_DAYS,
};

struct idp_policy_field_info {
	const char *section; /* "password" */
	const char *name;    /* "min_length" */
	enum idp_policy_kind kind;
	long min, max;              /* IDP_POLICY_INT: the allowed range */
	enum idp_policy_unit unit;  /* IDP_POLICY_INT: what the number counts */
	const char *const *choices; /* IDP_POLICY_CHOICE: the names, NULL-terminated */
};

/* The fields of the document in its order (section by section). */
size_t idp_policy_field_count(void);

/* Field i (< idp_policy_field_count()) into *out. Cannot fail. */
void idp_policy_field_info(size_t i, struct idp_policy_field_info *out);

/* Field i's value in p as text: the integer, "true"/"false", the choice's
 * name, the time zone, or the CIDR ranges one per line ("\n" after each).
 * A new string (caller frees), NULL when out of memory. */
char *idp_policy_field_text(const struct idp_policy *p, size_t i);

/* Text names of the enums, as used in the JSON document. */
const char *idp_concurrent_name(enum idp_concurrent c);
const char *idp_mfa_require_name(enum idp_mfa_require m);
const char *idp_client_cert_name(enum idp_client_cert c);

#endif
