/*
 * Unit tests of idp/policy.c: the defaults and JSON form of the policy document (README), merge
 * of partial documents, strict typing, ranges, cross-field rules, the name of
 * the bad field, and that a refused document changes nothing; idp_policy_check
 * names every problem at once, and the schema gives each number's unit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/policy.h"
#include "tests/unit/check.h"

#define DEFAULT_JSON                                                                               \
	"{\"password\":{\"min_length\":8,\"max_length\":64,\"require_upper\":false,"               \
	"\"require_lower\":false,\"require_digit\":false,\"require_symbol\":false,"                \
	"\"min_classes\":0,\"history\":0,\"expiry_days\":0,\"change_at_first_login\":true,"        \
	"\"min_score\":2},"                                                                        \
	"\"lockout\":{\"max_failures\":5,\"unlock_after_seconds\":0},"                             \
	"\"session\":{\"idle_timeout_seconds\":10800,\"absolute_timeout_seconds\":43200,"          \
	"\"concurrent\":\"allow\"},"                                                               \
	"\"mfa\":{\"require\":\"off\",\"client_cert\":\"off\"},"                                   \
	"\"ip\":{\"allow\":[],\"admin_allow\":[]},"                                                \
	"\"audit\":{\"retention_days\":396,\"timezone\":\"Asia/Tokyo\"},"                          \
	"\"saml\":{\"want_signed_requests\":false}}"

static char field[64];

/* Parse doc over the defaults into *out; returns the error. */
static enum idp_err parse(const char *doc, struct idp_policy *out)
{
	struct idp_policy base;

	idp_policy_default(&base);
	memset(field, 'X', sizeof field);
	field[sizeof field - 1] = '\0';
	return idp_policy_parse(doc, strlen(doc), &base, out, field, sizeof field);
}

/* idp_policy_parse of NUL-terminated doc. */
static enum idp_err parse_into(const char *doc, const struct idp_policy *base,
                               struct idp_policy *out, char *f, size_t fsz)
{
	return idp_policy_parse(doc, strlen(doc), base, out, f, fsz);
}

/* True when doc is refused with field name want. */
static bool refused(const char *doc, const char *want)
{
	struct idp_policy p;

	return parse(doc, &p) == IDP_ERR_INVALID && strcmp(field, want) == 0;
}

static bool accepted(const char *doc)
{
	struct idp_policy p;

	return parse(doc, &p) == IDP_OK;
}

/* A one-field document {"section":{"key":value}}. */
static const char *doc1(const char *section, const char *key, const char *value)
{
	static char buf[512];

	snprintf(buf, sizeof buf, "{\"%s\":{\"%s\":%s}}", section, key, value);
	return buf;
}

TEST(default_json_is_design_document)
{
	struct idp_policy p;
	char *json;

	idp_policy_default(&p);
	json = idp_policy_to_json(&p);
	CHECK(json != NULL);
	if (json)
		CHECK_STR(json, DEFAULT_JSON);
	free(json);
}

TEST(default_round_trips_through_json)
{
	struct idp_policy p;
	struct idp_policy q;
	char *a;
	char *b = NULL;

	idp_policy_default(&p);
	a = idp_policy_to_json(&p);
	CHECK(a != NULL);
	memset(&q, 0x55, sizeof q);
	CHECK(idp_policy_parse(a, strlen(a), &p, &q, field, sizeof field) == IDP_OK);
	b = idp_policy_to_json(&q);
	CHECK(b != NULL && strcmp(a, b) == 0);
	free(a);
	free(b);
}

TEST(full_document_round_trips_over_other_base)
{
	const char *doc =
	    "{\"password\":{\"min_length\":12,\"max_length\":100,\"require_upper\":true,"
	    "\"require_lower\":true,\"require_digit\":true,\"require_symbol\":true,"
	    "\"min_classes\":4,\"history\":24,\"expiry_days\":999,\"change_at_first_login\":false,"
	    "\"min_score\":4},"
	    "\"lockout\":{\"max_failures\":100,\"unlock_after_seconds\":31536000},"
	    "\"session\":{\"idle_timeout_seconds\":60,\"absolute_timeout_seconds\":31536000,"
	    "\"concurrent\":\"end_old\"},"
	    "\"mfa\":{\"require\":\"all\",\"client_cert\":\"factor\"},"
	    "\"ip\":{\"allow\":[\"10.0.0.0/8\",\"2001:db8::/32\",\"192.0.2.1/32\"],"
	    "\"admin_allow\":[\"192.168.0.0/16\"]},"
	    "\"audit\":{\"retention_days\":3650,\"timezone\":\"UTC\"},"
	    "\"saml\":{\"want_signed_requests\":true}}";
	struct idp_policy p;
	char *json;

	CHECK(parse(doc, &p) == IDP_OK);
	CHECK(p.password.min_length == 12 && p.password.require_symbol);
	CHECK(p.session.concurrent == IDP_CONCURRENT_END_OLD);
	CHECK(p.mfa.require == IDP_MFA_ALL && p.mfa.client_cert == IDP_CERT_FACTOR);
	CHECK(p.ip.n_allow == 3 && p.ip.n_admin_allow == 1);
	CHECK_STR(p.audit.timezone, "UTC");
	CHECK(p.saml.want_signed_requests);
	json = idp_policy_to_json(&p);
	CHECK(json != NULL);
	if (json)
		CHECK_STR(json, doc);
	free(json);
}

TEST(partial_document_changes_only_named_fields)
{
	struct idp_policy def;
	struct idp_policy p;
	struct idp_policy expect;

	idp_policy_default(&def);
	CHECK(parse("{\"password\":{\"history\":5},\"mfa\":{\"require\":\"admins\"}}", &p) ==
	      IDP_OK);
	expect = def;
	expect.password.history = 5;
	expect.mfa.require = IDP_MFA_ADMINS;
	CHECK(memcmp(&p, &expect, sizeof p) == 0);
}

TEST(empty_document_keeps_base)
{
	struct idp_policy def;
	struct idp_policy p;

	idp_policy_default(&def);
	CHECK(parse("{}", &p) == IDP_OK);
	CHECK(memcmp(&p, &def, sizeof p) == 0);
	CHECK(parse("{\"ip\":{}}", &p) == IDP_OK);
	CHECK(memcmp(&p, &def, sizeof p) == 0);
}

TEST(parse_may_write_over_its_base)
{
	struct idp_policy p;

	idp_policy_default(&p);
	CHECK(parse_into("{\"lockout\":{\"max_failures\":3}}", &p, &p, field, sizeof field) ==
	      IDP_OK);
	CHECK(p.lockout.max_failures == 3 && p.password.min_length == 8);
}

TEST(policy_min_length_boundary_7_8_64_65)
{
	CHECK(refused(doc1("password", "min_length", "7"), "password.min_length"));
	CHECK(accepted(doc1("password", "min_length", "8")));
	/* 64 needs max_length >= 64: the default max is 64 */
	CHECK(accepted(doc1("password", "min_length", "64")));
	CHECK(refused(doc1("password", "min_length", "65"), "password.min_length"));
}

TEST(max_length_below_min_length_names_max_length)
{
	CHECK(
	    refused("{\"password\":{\"min_length\":20,\"max_length\":19}}", "password.max_length"));
	CHECK(accepted("{\"password\":{\"min_length\":20,\"max_length\":20}}"));
	CHECK(refused(doc1("password", "max_length", "7"), "password.max_length"));
	CHECK(accepted(doc1("password", "max_length", "128")));
	CHECK(refused(doc1("password", "max_length", "129"), "password.max_length"));
}

TEST(integer_ranges_enforced_at_both_ends)
{
	static const struct {
		const char *section, *key;
		long lo, hi;
	} r[] = {
	    {"password", "min_classes", 0, 4},
	    {"password", "history", 0, 24},
	    {"password", "expiry_days", 0, 999},
	    {"lockout", "max_failures", 0, 100},
	    {"lockout", "unlock_after_seconds", 0, 31536000},
	    {"session", "idle_timeout_seconds", 60, 43200},
	    {"audit", "retention_days", 1, 3650},
	};
	char v[32];
	char name[64];

	for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
		snprintf(name, sizeof name, "%s.%s", r[i].section, r[i].key);
		snprintf(v, sizeof v, "%ld", r[i].lo - 1);
		CHECK(refused(doc1(r[i].section, r[i].key, v), name));
		snprintf(v, sizeof v, "%ld", r[i].lo);
		CHECK(accepted(doc1(r[i].section, r[i].key, v)));
		snprintf(v, sizeof v, "%ld", r[i].hi);
		CHECK(accepted(doc1(r[i].section, r[i].key, v)));
	}
	CHECK(refused(doc1("password", "min_classes", "5"), "password.min_classes"));
	CHECK(refused(doc1("password", "history", "25"), "password.history"));
	CHECK(refused(doc1("password", "expiry_days", "1000"), "password.expiry_days"));
	CHECK(refused(doc1("lockout", "max_failures", "101"), "lockout.max_failures"));
	CHECK(refused(doc1("lockout", "unlock_after_seconds", "31536001"),
	              "lockout.unlock_after_seconds"));
	CHECK(refused(doc1("audit", "retention_days", "3651"), "audit.retention_days"));
}

TEST(idle_and_absolute_timeouts_bounded)
{
	CHECK(refused("{\"session\":{\"idle_timeout_seconds\":2592001,"
	              "\"absolute_timeout_seconds\":31536000}}",
	              "session.idle_timeout_seconds"));
	CHECK(accepted("{\"session\":{\"idle_timeout_seconds\":2592000,"
	               "\"absolute_timeout_seconds\":31536000}}"));
	CHECK(refused(doc1("session", "absolute_timeout_seconds", "31536001"),
	              "session.absolute_timeout_seconds"));
}

TEST(absolute_below_idle_names_absolute)
{
	CHECK(refused(doc1("session", "absolute_timeout_seconds", "10799"),
	              "session.absolute_timeout_seconds"));
	CHECK(accepted(doc1("session", "absolute_timeout_seconds", "10800")));
	CHECK(refused(doc1("session", "idle_timeout_seconds", "50000"),
	              "session.absolute_timeout_seconds"));
}

TEST(policy_rejects_string_for_integer)
{
	CHECK(refused(doc1("password", "min_length", "\"8\""), "password.min_length"));
}

TEST(policy_rejects_float_for_integer)
{
	CHECK(refused(doc1("password", "min_length", "8.0"), "password.min_length"));
	CHECK(refused(doc1("password", "min_length", "8e0"), "password.min_length"));
	CHECK(refused(doc1("password", "min_length", "8.5"), "password.min_length"));
}

TEST(policy_rejects_bool_and_null_for_integer)
{
	CHECK(refused(doc1("password", "history", "true"), "password.history"));
	CHECK(refused(doc1("password", "history", "null"), "password.history"));
	CHECK(refused(doc1("password", "history", "[1]"), "password.history"));
}

TEST(policy_rejects_integers_past_int_range)
{
	/* 2^32 + 8 would be 8 after a careless cast to int */
	CHECK(refused(doc1("password", "min_length", "4294967304"), "password.min_length"));
	CHECK(
	    refused(doc1("password", "min_length", "99999999999999999999"), "password.min_length"));
	CHECK(
	    refused(doc1("password", "min_length", "-9223372036854775809"), "password.min_length"));
}

TEST(policy_rejects_non_bool_for_bool)
{
	CHECK(refused(doc1("password", "require_upper", "1"), "password.require_upper"));
	CHECK(refused(doc1("password", "require_upper", "\"true\""), "password.require_upper"));
	CHECK(refused(doc1("password", "change_at_first_login", "null"),
	              "password.change_at_first_login"));
	CHECK(accepted(doc1("password", "require_upper", "true")));
}

TEST(policy_enums_accept_only_their_names)
{
	struct idp_policy p;

	CHECK(parse(doc1("session", "concurrent", "\"deny_new\""), &p) == IDP_OK);
	CHECK(p.session.concurrent == IDP_CONCURRENT_DENY_NEW);
	CHECK(parse(doc1("mfa", "client_cert", "\"required\""), &p) == IDP_OK);
	CHECK(p.mfa.client_cert == IDP_CERT_REQUIRED);
	CHECK(refused(doc1("session", "concurrent", "\"DENY_NEW\""), "session.concurrent"));
	CHECK(refused(doc1("session", "concurrent", "1"), "session.concurrent"));
	CHECK(refused(doc1("mfa", "require", "\"everyone\""), "mfa.require"));
	CHECK(refused(doc1("mfa", "require", "\"off\\u0000\""), "mfa.require"));
	CHECK(refused(doc1("mfa", "client_cert", "\"\""), "mfa.client_cert"));
}

TEST(policy_unknown_key_named)
{
	CHECK(refused(doc1("password", "foo", "1"), "password.foo"));
	CHECK(refused("{\"bogus\":{}}", "bogus"));
	CHECK(refused("{\"password\":{\"min_length\":8},\"bogus\":1}", "bogus"));
	CHECK(refused(doc1("ip", "n_allow", "0"), "ip.n_allow"));
}

TEST(policy_first_bad_field_in_document_order_named)
{
	CHECK(refused("{\"lockout\":{\"max_failures\":-1},\"password\":{\"min_length\":1}}",
	              "lockout.max_failures"));
}

TEST(policy_section_not_object_named)
{
	CHECK(refused("{\"password\":8}", "password"));
	CHECK(refused("{\"ip\":[]}", "ip"));
	CHECK(refused("{\"audit\":null}", "audit"));
}

TEST(policy_bad_cidr_named_with_index)
{
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/8\",\"192.0.2.0/24\",\"::/0\","
	              "\"10.0.0.300/32\"]}}",
	              "ip.allow[3]"));
	CHECK(refused("{\"ip\":{\"admin_allow\":[\"10.0.0.1/8\"]}}", "ip.admin_allow[0]"));
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/33\"]}}", "ip.allow[0]"));
	CHECK(refused("{\"ip\":{\"allow\":[\"\"]}}", "ip.allow[0]"));
}

TEST(policy_non_string_cidr_named_with_index)
{
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/8\",167772160]}}", "ip.allow[1]"));
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/8\",[\"1.2.3.4\"]]}}", "ip.allow[1]"));
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/8\\u0000\"]}}", "ip.allow[0]"));
	CHECK(refused("{\"ip\":{\"allow\":\"10.0.0.0/8\"}}", "ip.allow"));
}

TEST(policy_cidrs_written_in_canonical_form)
{
	struct idp_policy p;
	char *json;

	CHECK(parse("{\"ip\":{\"allow\":[\"2001:DB8:0:0::/32\",\"192.0.2.7\"]}}", &p) == IDP_OK);
	CHECK(p.ip.n_allow == 2);
	json = idp_policy_to_json(&p);
	CHECK(json && strstr(json, "\"allow\":[\"2001:db8::/32\",\"192.0.2.7/32\"]"));
	free(json);
}

TEST(policy_cidr_list_replaced_not_appended)
{
	struct idp_policy base;
	struct idp_policy p;

	idp_policy_default(&base);
	CHECK(parse_into("{\"ip\":{\"allow\":[\"10.0.0.0/8\",\"10.1.0.0/16\"]}}", &base, &base,
	                 field, sizeof field) == IDP_OK);
	CHECK(base.ip.n_allow == 2);
	CHECK(parse_into("{\"ip\":{\"allow\":[]}}", &base, &p, field, sizeof field) == IDP_OK);
	CHECK(p.ip.n_allow == 0);
}

/* {"ip":{"allow":["10.0.0.0/32","10.0.0.1/32",...]}} with n entries. */
static char *cidr_doc(size_t n)
{
	size_t sz = 32 + n * 20;
	char *doc = malloc(sz);
	size_t o;

	if (!doc)
		return NULL;
	o = (size_t)snprintf(doc, sz, "{\"ip\":{\"allow\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(doc + o, sz - o, "%s\"10.0.%zu.%zu\"", i ? "," : "", i / 256,
		                      i % 256);
	snprintf(doc + o, sz - o, "]}}");
	return doc;
}

TEST(policy_at_most_256_cidrs)
{
	char *ok = cidr_doc(IDP_POLICY_MAX_CIDRS);
	char *over = cidr_doc(IDP_POLICY_MAX_CIDRS + 1);
	struct idp_policy p;

	CHECK(ok && over);
	if (ok && over) {
		CHECK(parse(ok, &p) == IDP_OK && p.ip.n_allow == IDP_POLICY_MAX_CIDRS);
		CHECK(refused(over, "ip.allow"));
	}
	free(ok);
	free(over);
}

TEST(policy_timezone_utc_and_tokyo_accepted)
{
	struct idp_policy p;

	CHECK(parse(doc1("audit", "timezone", "\"UTC\""), &p) == IDP_OK);
	CHECK_STR(p.audit.timezone, "UTC");
	CHECK(parse(doc1("audit", "timezone", "\"Asia/Tokyo\""), &p) == IDP_OK);
	CHECK_STR(p.audit.timezone, "Asia/Tokyo");
	CHECK(accepted(doc1("audit", "timezone", "\"America/Argentina/Buenos_Aires\"")));
	CHECK(accepted(doc1("audit", "timezone", "\"Etc/GMT+9\"")));
}

TEST(policy_timezone_rejects_paths_and_unknown_zones)
{
	static const char *const bad[] = {
	    "\"\"",
	    "\"../../etc/passwd\"",
	    "\"Asia/../UTC\"",
	    "\"/etc/localtime\"",
	    "\"Asia//Tokyo\"",
	    "\"Asia/\"",
	    "\"Asia\"",
	    "\"Mars/Olympus_Mons\"",
	    "\"leapseconds\"",
	    "\"zone.tab\"",
	    "\"Asia/Tokyo \"",
	    "\"asia/tokyo\"",
	    "\"Asia\\\\Tokyo\"",
	    "\"UTC\\u0000\"",
	    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
	    "9",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(refused(doc1("audit", "timezone", bad[i]), "audit.timezone"));
}

TEST(policy_rejects_document_that_is_not_an_object)
{
	CHECK(refused("[]", ""));
	CHECK(refused("null", ""));
	CHECK(refused("\"policy\"", ""));
	CHECK(refused("5 ", ""));
	CHECK(refused("", ""));
	CHECK(refused("{", ""));
	CHECK(refused("{\"password\":{\"min_length\":8}", ""));
}

TEST(policy_rejects_trailing_garbage_but_not_whitespace)
{
	CHECK(refused("{} x", ""));
	CHECK(refused("{}{}", ""));
	CHECK(refused("{}]", ""));
	CHECK(accepted(" {}\r\n\t "));
}

TEST(policy_rejects_non_standard_json)
{
	CHECK(refused("{'password':{}}", ""));
	CHECK(refused("{\"password\":{\"min_length\":8,}}", ""));
	/* json-c reads NaN even in strict mode; as a double it is refused by type */
	CHECK(refused("{\"password\":{\"min_length\":NaN}}", "password.min_length"));
	CHECK(refused("{\"password\":{\"min_length\":08}}", ""));
	CHECK(refused("{\"password\":{\"require_upper\":True}}", ""));
	CHECK(refused("{/* c */}", ""));
	CHECK(refused("{\"password\":{\"min_length\":1.}}", "password.min_length"));
	/* a single quote inside a string is just a character */
	CHECK(refused("{\"it's\":1}", "it's"));
	CHECK(refused("{\"a\\\"'\":1}", "a\"'"));
}

TEST(policy_rejects_embedded_nul_and_bad_utf8)
{
	struct idp_policy base;
	struct idp_policy p;

	idp_policy_default(&base);
	CHECK(idp_policy_parse("{}\0{}", 5, &base, &p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK(refused("{\"\xff\":1}", ""));
	CHECK(refused("{\"audit\":{\"timezone\":\"\xc3\x28\"}}", ""));
}

TEST(policy_over_64k_is_too_large)
{
	size_t n = 65537;
	char *doc = malloc(n + 1);
	struct idp_policy base;
	struct idp_policy p;

	CHECK(doc != NULL);
	if (!doc)
		return;
	idp_policy_default(&base);
	memset(doc, ' ', n);
	memcpy(doc, "{}", 2);
	doc[n] = '\0';
	CHECK(idp_policy_parse(doc, n, &base, &p, field, sizeof field) == IDP_ERR_TOO_LARGE);
	CHECK_STR(field, "");
	CHECK(idp_policy_parse(doc, n - 1, &base, &p, field, sizeof field) == IDP_OK);
	free(doc);
}

TEST(policy_rejects_deep_nesting)
{
	char doc[4096];
	size_t o = 0;

	for (int i = 0; i < 1000; i++)
		doc[o++] = '[';
	for (int i = 0; i < 1000; i++)
		doc[o++] = ']';
	doc[o] = '\0';
	CHECK(refused(doc, ""));
	CHECK(refused("{\"password\":{\"min_length\":[[[[[[[[[[1]]]]]]]]]]}}", ""));
}

TEST(policy_error_leaves_output_untouched)
{
	struct idp_policy base;
	struct idp_policy out;
	struct idp_policy before;

	idp_policy_default(&base);
	memset(&out, 0xa5, sizeof out);
	before = out;
	/* good fields first, then a bad one */
	CHECK(parse_into("{\"password\":{\"history\":3,\"min_length\":3}}", &base, &out, field,
	                 sizeof field) == IDP_ERR_INVALID);
	CHECK(memcmp(&out, &before, sizeof out) == 0);
	CHECK(parse_into("{\"ip\":{\"allow\":[\"10.0.0.0/8\",\"x\"]}}", &base, &out, field,
	                 sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "ip.allow[1]");
	CHECK(memcmp(&out, &before, sizeof out) == 0);
}

TEST(policy_field_name_truncated_to_buffer)
{
	struct idp_policy base;
	struct idp_policy p;
	char small[6];

	idp_policy_default(&base);
	CHECK(parse_into("{\"password\":{\"min_length\":1}}", &base, &p, small, sizeof small) ==
	      IDP_ERR_INVALID);
	CHECK_STR(small, "passw");
	CHECK(parse_into("{\"password\":{\"min_length\":1}}", &base, &p, NULL, 0) ==
	      IDP_ERR_INVALID);
}

TEST(validate_checks_typed_policy)
{
	struct idp_policy p;

	idp_policy_default(&p);
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_OK);
	p.password.min_length = 7;
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "password.min_length");
	idp_policy_default(&p);
	p.mfa.client_cert = (enum idp_client_cert)7;
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "mfa.client_cert");
	idp_policy_default(&p);
	p.ip.n_admin_allow = IDP_POLICY_MAX_CIDRS + 1;
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "ip.admin_allow");
	idp_policy_default(&p);
	strcpy(p.audit.timezone, "Nowhere/Land");
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "audit.timezone");
	idp_policy_default(&p);
	p.session.absolute_timeout_seconds = 3600;
	CHECK(idp_policy_validate(&p, field, sizeof field) == IDP_ERR_INVALID);
	CHECK_STR(field, "session.absolute_timeout_seconds");
}

TEST(enum_names_match_json_names)
{
	CHECK_STR(idp_concurrent_name(IDP_CONCURRENT_ALLOW), "allow");
	CHECK_STR(idp_concurrent_name(IDP_CONCURRENT_DENY_NEW), "deny_new");
	CHECK_STR(idp_concurrent_name(IDP_CONCURRENT_END_OLD), "end_old");
	CHECK_STR(idp_mfa_require_name(IDP_MFA_OFF), "off");
	CHECK_STR(idp_mfa_require_name(IDP_MFA_ADMINS), "admins");
	CHECK_STR(idp_mfa_require_name(IDP_MFA_ALL), "all");
	CHECK_STR(idp_client_cert_name(IDP_CERT_OFF), "off");
	CHECK_STR(idp_client_cert_name(IDP_CERT_REQUIRED), "required");
	CHECK_STR(idp_client_cert_name(IDP_CERT_FACTOR), "factor");
	CHECK_STR(idp_client_cert_name((enum idp_client_cert)9), "");
}

/* ---- idp_policy_check: every problem at once ---- */

static char names[8][IDP_POLICY_FIELD_NAME_MAX];
static size_t nnames;

/* idp_policy_check of doc over the defaults, up to max names. */
static enum idp_err check_doc(const char *doc, size_t max, struct idp_policy *out)
{
	struct idp_policy base;

	idp_policy_default(&base);
	memset(names, 'X', sizeof names);
	nnames = 99;
	return idp_policy_check(doc, strlen(doc), &base, out, names, max, &nnames);
}

/* True when the names reported are exactly the n of want, in order. */
static bool names_are(const char *const *want, size_t n)
{
	if (nnames != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], want[i]) != 0)
			return false;
	return true;
}

TEST(check_reports_every_bad_field_at_once)
{
	static const char *const want[] = {
	    "password.min_length", "password.history", "password.foo",   "session.concurrent",
	    "ip.allow[1]",         "ip.allow[3]",      "audit.timezone",
	};
	const char *doc = "{\"password\":{\"min_length\":1,\"history\":\"x\",\"max_length\":20,"
	                  "\"foo\":1},\"session\":{\"concurrent\":\"bogus\"},"
	                  "\"ip\":{\"allow\":[\"10.0.0.0/8\",\"nope\",\"::1/128\",\"1.2.3.4/99\"]},"
	                  "\"audit\":{\"timezone\":\"Nowhere/Land\",\"retention_days\":30}}";
	struct idp_policy out, untouched;

	memset(&out, 0x5a, sizeof out);
	untouched = out;
	CHECK(check_doc(doc, 8, &out) == IDP_ERR_INVALID);
	CHECK(names_are(want, sizeof want / sizeof want[0]));
	CHECK(memcmp(&out, &untouched, sizeof out) == 0);
}

TEST(check_stops_writing_names_at_max)
{
	const char *doc = "{\"password\":{\"min_length\":1,\"history\":99},"
	                  "\"lockout\":{\"max_failures\":-1}}";
	static const char *const want[] = {"password.min_length", "password.history"};
	struct idp_policy out;
	struct idp_policy base;
	size_t n = 99;

	CHECK(check_doc(doc, 2, &out) == IDP_ERR_INVALID);
	CHECK(names_are(want, 2));
	CHECK(names[2][0] == 'X');
	idp_policy_default(&base);
	CHECK(idp_policy_check(doc, strlen(doc), &base, &out, NULL, 0, &n) == IDP_ERR_INVALID);
	CHECK(n == 0);
}

TEST(check_cross_rules_over_the_merged_good_fields)
{
	static const char *const both[] = {"password.max_length",
	                                   "session.absolute_timeout_seconds"};
	static const char *const only_max[] = {"password.max_length"};
	static const char *const only_idle[] = {"session.idle_timeout_seconds"};
	static const char *const only_min[] = {"password.min_length"};
	struct idp_policy out;

	/* Both rules broken in one document: both reported. */
	CHECK(check_doc("{\"password\":{\"min_length\":20,\"max_length\":10},"
	                "\"session\":{\"idle_timeout_seconds\":7200,"
	                "\"absolute_timeout_seconds\":3600}}",
	                8, &out) == IDP_ERR_INVALID);
	CHECK(names_are(both, 2));
	/* Against the base's value of a field the document leaves out. */
	CHECK(check_doc("{\"password\":{\"max_length\":7}}", 8, &out) == IDP_ERR_INVALID);
	CHECK(names_are(only_max, 1)); /* out of range, reported once */
	CHECK(check_doc("{\"session\":{\"absolute_timeout_seconds\":600}}", 8, &out) ==
	      IDP_ERR_INVALID);
	CHECK(nnames == 1 && strcmp(names[0], "session.absolute_timeout_seconds") == 0);
	/* A bad field's value is unknown: the rule it takes part in is not
	 * checked against the base's value instead (idle 10800 > 3600). */
	CHECK(check_doc("{\"session\":{\"idle_timeout_seconds\":\"x\","
	                "\"absolute_timeout_seconds\":3600}}",
	                8, &out) == IDP_ERR_INVALID);
	CHECK(names_are(only_idle, 1));
	CHECK(check_doc("{\"password\":{\"min_length\":100,\"max_length\":9}}", 8, &out) ==
	      IDP_ERR_INVALID);
	CHECK(names_are(only_min, 1));
	/* Good fields tied by a rule that holds. */
	CHECK(check_doc("{\"password\":{\"min_length\":20,\"max_length\":20}}", 8, &out) == IDP_OK);
	CHECK(nnames == 0);
}

TEST(check_accepts_a_good_partial_document)
{
	struct idp_policy out, want;

	memset(&out, 0x5a, sizeof out);
	CHECK(check_doc("{\"lockout\":{\"max_failures\":3,\"unlock_after_seconds\":90},"
	                "\"ip\":{\"allow\":[\"10.0.0.0/8\"]}}",
	                8, &out) == IDP_OK);
	CHECK(nnames == 0);
	idp_policy_default(&want);
	want.lockout.max_failures = 3;
	want.lockout.unlock_after_seconds = 90;
	CHECK(out.lockout.max_failures == 3 && out.lockout.unlock_after_seconds == 90);
	CHECK(out.ip.n_allow == 1 && out.ip.n_admin_allow == 0);
	CHECK(out.password.min_length == want.password.min_length);
	CHECK(out.session.idle_timeout_seconds == want.session.idle_timeout_seconds);
	CHECK_STR(out.audit.timezone, want.audit.timezone);
}

TEST(check_names_documents_that_are_not_objects_and_too_large)
{
	struct idp_policy out;
	struct idp_policy base;
	size_t n = 99;
	char *big;

	CHECK(check_doc("[1]", 8, &out) == IDP_ERR_INVALID);
	CHECK(nnames == 1 && names[0][0] == '\0');
	CHECK(check_doc("{\"password\":7,\"bogus\":{}}", 8, &out) == IDP_ERR_INVALID);
	CHECK(nnames == 2 && strcmp(names[0], "password") == 0 && strcmp(names[1], "bogus") == 0);
	big = malloc(70000);
	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, ' ', 70000);
	big[0] = '{';
	big[69999] = '}';
	idp_policy_default(&base);
	CHECK(idp_policy_check(big, 70000, &base, &out, names, 8, &n) == IDP_ERR_TOO_LARGE);
	CHECK(n == 0);
	free(big);
}

TEST(parse_still_names_only_the_first_bad_field)
{
	const char *doc = "{\"lockout\":{\"max_failures\":-1},\"password\":{\"min_length\":1,"
	                  "\"history\":\"x\"},\"ip\":{\"allow\":[\"a\",\"b\"]}}";
	struct idp_policy p;

	CHECK(parse(doc, &p) == IDP_ERR_INVALID);
	CHECK_STR(field, "lockout.max_failures");
	CHECK(refused("{\"ip\":{\"allow\":[\"10.0.0.0/8\",\"a\",\"b\"]}}", "ip.allow[1]"));
	CHECK(refused("{\"password\":{\"min_length\":20,\"max_length\":10},"
	              "\"session\":{\"absolute_timeout_seconds\":60}}",
	              "password.max_length"));
	CHECK(accepted("{\"lockout\":{\"max_failures\":3}}"));
	CHECK_STR(field, "");
}

TEST(schema_gives_the_unit_of_durations_and_days)
{
	struct idp_policy_field_info f;
	char key[96];
	size_t seconds = 0, days = 0;

	for (size_t i = 0; i < idp_policy_field_count(); i++) {
		idp_policy_field_info(i, &f);
		snprintf(key, sizeof key, "%s.%s", f.section, f.name);
		if (f.unit == IDP_UNIT_SECONDS) {
			seconds++;
			CHECK(f.kind == IDP_POLICY_INT);
			CHECK(strcmp(key, "lockout.unlock_after_seconds") == 0 ||
			      strcmp(key, "session.idle_timeout_seconds") == 0 ||
			      strcmp(key, "session.absolute_timeout_seconds") == 0);
		} else if (f.unit == IDP_UNIT_DAYS) {
			days++;
			CHECK(strcmp(key, "password.expiry_days") == 0 ||
			      strcmp(key, "audit.retention_days") == 0);
		} else {
			CHECK(f.unit == IDP_UNIT_NONE);
		}
	}
	CHECK(seconds == 3 && days == 2);
}

int main(void)
{
	RUN(default_json_is_design_document);
	RUN(default_round_trips_through_json);
	RUN(full_document_round_trips_over_other_base);
	RUN(partial_document_changes_only_named_fields);
	RUN(empty_document_keeps_base);
	RUN(parse_may_write_over_its_base);
	RUN(policy_min_length_boundary_7_8_64_65);
	RUN(max_length_below_min_length_names_max_length);
	RUN(integer_ranges_enforced_at_both_ends);
	RUN(idle_and_absolute_timeouts_bounded);
	RUN(absolute_below_idle_names_absolute);
	RUN(policy_rejects_string_for_integer);
	RUN(policy_rejects_float_for_integer);
	RUN(policy_rejects_bool_and_null_for_integer);
	RUN(policy_rejects_integers_past_int_range);
	RUN(policy_rejects_non_bool_for_bool);
	RUN(policy_enums_accept_only_their_names);
	RUN(policy_unknown_key_named);
	RUN(policy_first_bad_field_in_document_order_named);
	RUN(policy_section_not_object_named);
	RUN(policy_bad_cidr_named_with_index);
	RUN(policy_non_string_cidr_named_with_index);
	RUN(policy_cidrs_written_in_canonical_form);
	RUN(policy_cidr_list_replaced_not_appended);
	RUN(policy_at_most_256_cidrs);
	RUN(policy_timezone_utc_and_tokyo_accepted);
	RUN(policy_timezone_rejects_paths_and_unknown_zones);
	RUN(policy_rejects_document_that_is_not_an_object);
	RUN(policy_rejects_trailing_garbage_but_not_whitespace);
	RUN(policy_rejects_non_standard_json);
	RUN(policy_rejects_embedded_nul_and_bad_utf8);
	RUN(policy_over_64k_is_too_large);
	RUN(policy_rejects_deep_nesting);
	RUN(policy_error_leaves_output_untouched);
	RUN(policy_field_name_truncated_to_buffer);
	RUN(validate_checks_typed_policy);
	RUN(enum_names_match_json_names);
	RUN(check_reports_every_bad_field_at_once);
	RUN(check_stops_writing_names_at_max);
	RUN(check_cross_rules_over_the_merged_good_fields);
	RUN(check_accepts_a_good_partial_document);
	RUN(check_names_documents_that_are_not_objects_and_too_large);
	RUN(parse_still_names_only_the_first_bad_field);
	RUN(schema_gives_the_unit_of_durations_and_days);
	return check_summary();
}
