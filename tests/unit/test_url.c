/* The gateway's URLs (idp/url.c) and its decision (idp/gateway.c) as plain
 * functions: normalisation, app matching, redirect targets. */
#include <stdlib.h>

#include "idp/addr.h"
#include "idp/app.h"
#include "idp/gateway.h"
#include "tests/unit/check.h"

/* The normalised path of s, or "!" when it does not parse. */
static const char *path_of(const char *s)
{
	static struct idp_url u;

	return idp_url_parse(s, &u) ? "!" : u.path;
}

TEST(url_normalises_host_port_and_path)
{
	struct idp_url u;

	CHECK(idp_url_parse("HTTPS://App.Example.COM./a/b/?q=1#f", &u) == IDP_OK);
	CHECK(u.https);
	CHECK_STR(u.host, "app.example.com");
	CHECK(u.port == 443);
	CHECK_STR(u.path, "/a/b");
	CHECK(idp_url_parse("http://h:8080", &u) == IDP_OK);
	CHECK(!u.https && u.port == 8080);
	CHECK_STR(u.path, "");
	CHECK(idp_url_parse("http://[::1]:81/x", &u) == IDP_OK);
	CHECK_STR(u.host, "[::1]");
	CHECK(u.port == 81);
}

TEST(url_resolves_dots_slashes_escapes_and_parameters)
{
	CHECK_STR(path_of("https://h/app/../admin"), "/admin");
	CHECK_STR(path_of("https://h/app/%2e%2e/admin"), "/admin");
	CHECK_STR(path_of("https://h/app/%2E./admin/"), "/admin");
	CHECK_STR(path_of("https://h//app///x"), "/app/x");
	CHECK_STR(path_of("https://h/./app/./x"), "/app/x");
	CHECK_STR(path_of("https://h/%61dmin"), "/admin");
	CHECK_STR(path_of("https://h/caf%c3%a9"), "/caf%C3%A9");
	CHECK_STR(path_of("https://h/public/..;/admin"), "!");
	CHECK_STR(path_of("https://h/public/.;x/admin"), "!");
	CHECK_STR(path_of("https://h/public;x/../admin"), "/admin");
	CHECK_STR(path_of("https://h/admin;jsessionid=1/x"), "/admin/x");
}

TEST(url_refuses_what_servers_read_differently)
{
	const char *bad[] = {"https://h/app%2f..%2fadmin",
	                     "https://h/app%2F",
	                     "https://h/a%5cb",
	                     "https://h/a\\b",
	                     "https://h/%00",
	                     "https://h/..",
	                     "https://h/a/../..",
	                     "https://u@h/",
	                     "https://u:p@h/",
	                     "https://h:0/",
	                     "https://h:65536/",
	                     "https://h:80x/",
	                     "ftp://h/",
	                     "//h/",
	                     "/relative",
	                     "https:///x",
	                     "https://h/a b",
	                     "https://h/\x01",
	                     "https://h/caf\xc3\xa9",
	                     "https://h/%zz",
	                     "https://h/%2",
	                     "https://.h/",
	                     "https://h../",
	                     "https://[::1/",
	                     "https://h%2e/",
	                     "",
	                     NULL};

	for (int i = 0; bad[i]; i++) {
		struct idp_url u;
		if (idp_url_parse(bad[i], &u) == IDP_OK)
			printf("  accepted: %s\n", bad[i]);
		CHECK(idp_url_parse(bad[i], &u) != IDP_OK);
	}
}

TEST(app_url_is_strict_and_canonical)
{
	struct idp_url u;
	char canon[IDP_APP_URL_MAX + 1];

	CHECK(idp_app_url_parse("HTTPS://App.Example.COM:443/x/", &u, canon) == IDP_OK);
	CHECK_STR(canon, "https://app.example.com/x");
	CHECK(idp_app_url_parse("http://h:8080/", &u, canon) == IDP_OK);
	CHECK_STR(canon, "http://h:8080");
	CHECK(idp_app_url_parse("https://h/a/../b", &u, canon) != IDP_OK);
	CHECK(idp_app_url_parse("https://h//a", &u, canon) != IDP_OK);
	CHECK(idp_app_url_parse("https://h/a?x=1", &u, canon) != IDP_OK);
	CHECK(idp_app_url_parse("https://h/a#f", &u, canon) != IDP_OK);
	CHECK(idp_app_url_parse("https://h/a;p", &u, canon) != IDP_OK);
}

static struct idp_app app(int64_t id, const char *url, unsigned roles)
{
	struct idp_app a = {.id = id, .roles = roles};
	char canon[IDP_APP_URL_MAX + 1];

	snprintf(a.name, sizeof a.name, "app%lld", (long long)id);
	if (idp_app_url_parse(url, &a.u, canon) == IDP_OK)
		snprintf(a.url, sizeof a.url, "%s", canon);
	return a;
}

/* The id of the app url belongs to, 0 for none, -1 when it does not parse. */
static int64_t match(const struct idp_app *apps, int n, const char *url)
{
	struct idp_url u;
	const struct idp_app *a;
	bool ambiguous;

	if (idp_url_parse(url, &u))
		return -1;
	a = idp_app_match(apps, n, &u, &ambiguous);
	return a ? a->id : ambiguous ? -2 : 0;
}

TEST(app_match_takes_longest_prefix_on_segment_boundaries)
{
	struct idp_app apps[] = {
	    app(1, "https://app.example.com/", IDP_ROLESET_ALL),
	    app(2, "https://app.example.com/admin", IDP_ROLESET_ADMIN),
	    app(3, "https://app.example.com:8443/", IDP_ROLESET_USER),
	};

	CHECK(match(apps, 3, "https://app.example.com/x") == 1);
	CHECK(match(apps, 3, "https://app.example.com/admin") == 2);
	CHECK(match(apps, 3, "https://app.example.com/admin/") == 2);
	CHECK(match(apps, 3, "https://app.example.com/admin/users?x") == 2);
	CHECK(match(apps, 3, "https://app.example.com/administrator") == 1);
	CHECK(match(apps, 3, "https://app.example.com/x/../admin/y") == 2);
	CHECK(match(apps, 3, "https://app.example.com/x/%2e%2e/admin") == 2);
	CHECK(match(apps, 3, "https://APP.example.com./admin") == 2);
	CHECK(match(apps, 3, "https://app.example.com//admin") == 2);
	CHECK(match(apps, 3, "https://app.example.com/%61dmin") == 2);
	CHECK(match(apps, 3, "https://app.example.com/x/..;/admin") == -1);
	CHECK(match(apps, 3, "https://app.example.com/admin/.;x/y") == -1);
	CHECK(match(apps, 3, "https://app.example.com/ADMIN/x") == -2);
	CHECK(match(apps, 3, "https://app.example.com/Admin") == -2);
	CHECK(match(apps, 3, "https://app.example.com/X/y") == 1);
	CHECK(match(apps, 3, "https://app.example.com:443/admin") == 2);
	CHECK(match(apps, 3, "https://app.example.com:8443/admin") == 3);
	CHECK(match(apps, 3, "https://app.example.com:9000/admin") == 0);
	CHECK(match(apps, 3, "http://app.example.com/admin") == 0);
	CHECK(match(apps, 3, "https://app.example.com.evil/") == 0);
	CHECK(match(apps, 3, "https://evil.app.example.com/") == 0);
	CHECK(match(apps, 3, "https://app.example.com/x%2f..%2fadmin") == -1);
	CHECK(match(apps, 0, "https://app.example.com/") == 0);
}

TEST(app_match_refuses_what_decoding_servers_read_otherwise)
{
	struct idp_app apps[] = {
	    app(1, "https://h.example/", IDP_ROLESET_USER),
	    app(2, "https://h.example/@admin", IDP_ROLESET_ADMIN),
	    app(3, "https://h.example/public", IDP_ROLESET_USER),
	};

	CHECK(match(apps, 3, "https://h.example/@admin/x") == 2);
	CHECK(match(apps, 3, "https://h.example/%40admin/x") == -2);
	CHECK(match(apps, 3, "https://h.example/public/x") == 3);
	CHECK(match(apps, 3, "https://h.example/public;/x") == -2);
	CHECK(match(apps, 3, "https://h.example/public;jsessionid=1") == -2);
	CHECK(match(apps, 3, "https://h.example/public;x/../other") == 1);
	CHECK(match(apps, 3, "https://h.example/%70ublic/x") == 3);
	CHECK(match(apps, 3, "https://h.example/;x/public") == -1);
}

TEST(redirect_targets_only_inside_apps)
{
	struct idp_app apps[] = {app(1, "https://app.example.com/wiki", IDP_ROLESET_USER)};
	char out[IDP_URL_MAX + 1];

	CHECK(idp_app_redirect_ok(apps, 1, "https://app.example.com/wiki/page?a=1#top", out));
	CHECK_STR(out, "https://app.example.com/wiki/page?a=1#top");
	CHECK(idp_app_redirect_ok(apps, 1, "HTTPS://APP.example.com:443/wiki", out));
	CHECK_STR(out, "https://app.example.com/wiki");
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com/wikipedia", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com.evil/wiki", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com@evil/wiki", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com\\@evil/wiki", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com/wiki/\t/x", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "//app.example.com/wiki", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com/wiki/../admin", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "javascript:alert(1)", out));
	CHECK(!idp_app_redirect_ok(apps, 0, "https://app.example.com/wiki", out));
	CHECK(!idp_app_redirect_ok(apps, 1, "https://app.example.com/WIKI/x", out));
}

TEST(rolesets)
{
	unsigned s = 0;

	CHECK(idp_roleset_add(&s, "user"));
	CHECK(!idp_roleset_add(&s, "user"));
	CHECK(!idp_roleset_add(&s, "root"));
	CHECK(idp_roleset_add(&s, "admin"));
	CHECK_STR(idp_roleset_name(s), "user,admin");
	CHECK(idp_roleset_name(0) == NULL);
	CHECK(idp_roleset_parse("admin", &s) && s == IDP_ROLESET_ADMIN);
	CHECK(!idp_roleset_parse("admin,user", &s));
}

TEST(gateway_decides_in_order)
{
	struct idp_app apps[] = {app(1, "https://a.example/", IDP_ROLESET_USER),
	                         app(2, "https://a.example/admin", IDP_ROLESET_ADMIN)};
	struct idp_snapshot snap = {.apps = apps, .n_apps = 2};
	struct idp_session s = {.role = IDP_ROLE_USER};
	struct idp_addr in, out;
	struct idp_url u;
	const struct idp_app *got;
	char bad[64];

	idp_policy_default(&snap.t.policy);
	idp_addr_parse("10.0.0.5", &in);
	idp_addr_parse("192.0.2.1", &out);
	idp_url_parse("https://a.example/page", &u);
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_PASS && got == &apps[0]);
	idp_url_parse("https://a.example/admin/x", &u);
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_ROLE && got == &apps[1]);
	s.role = IDP_ROLE_ADMIN;
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_PASS);
	idp_url_parse("https://other.example/", &u);
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_NO_APP && !got);
	idp_url_parse("https://a.example/ADMIN/x", &u);
	s.role = IDP_ROLE_USER;
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_AMBIGUOUS && !got);
	s.role = IDP_ROLE_ADMIN;
	struct idp_cidr *list = NULL;
	size_t n = 0;
	CHECK(idp_cidr_list_parse("10.0.0.0/8", &list, &n, bad, sizeof bad) == IDP_OK && n == 1);
	snap.t.policy.ip.allow[0] = list[0];
	snap.t.policy.ip.n_allow = 1;
	free(list);
	idp_url_parse("https://a.example/admin/x", &u);
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_PASS);
	CHECK(idp_gateway_decide(&snap, &s, &out, &u, &got) == IDP_GW_IP);
	s.password_expired = true;
	CHECK(idp_gateway_decide(&snap, &s, &in, &u, &got) == IDP_GW_PASSWORD_CHANGE);
	CHECK_STR(idp_gw_verdict_name(IDP_GW_NO_APP), "no_app");
	CHECK(idp_gw_verdict_name(IDP_GW_PASS) == NULL);
}

int main(void)
{
	RUN(url_normalises_host_port_and_path);
	RUN(url_resolves_dots_slashes_escapes_and_parameters);
	RUN(url_refuses_what_servers_read_differently);
	RUN(app_url_is_strict_and_canonical);
	RUN(app_match_takes_longest_prefix_on_segment_boundaries);
	RUN(app_match_refuses_what_decoding_servers_read_otherwise);
	RUN(redirect_targets_only_inside_apps);
	RUN(rolesets);
	RUN(gateway_decides_in_order);
	return check_summary();
}
