/*
 * Route lookup: the page modules' route tables in one list, and the match of
 * a request path against their patterns ('*' is one path segment, kept in
 * r->wild for the handler).  The first route whose pattern and method match
 * wins; HEAD is answered by GET routes.
 */
#include <stdbool.h>
#include <string.h>

#include "web/server.h"
#include "web/web.h"

static const struct web_route *const route_tables[] = {
    web_routes_auth,       web_routes_home,          web_routes_api,       web_routes_admin,
    web_routes_password,   web_routes_mfa,           web_routes_api_certs, web_routes_api_saml,
    web_routes_saml,       web_routes_sso,           web_routes_api_apps,  web_routes_admin_apps,
    web_routes_admin_saml, web_routes_admin_saml_sp,
};

/* A '*' in a pattern matches exactly one non-empty path segment. */
static bool match(const char *pattern, const char *path, struct web_req *r)
{
	int nw = 0;

	while (*pattern && *path) {
		if (*pattern == '*') {
			const char *end = strchr(path, '/');
			size_t n = end ? (size_t)(end - path) : strlen(path);
			if (n == 0 || n >= sizeof r->wildbuf[0] || nw >= 4)
				return false;
			memcpy(r->wildbuf[nw], path, n);
			r->wildbuf[nw][n] = 0;
			r->wild[nw] = r->wildbuf[nw];
			nw++;
			path += n;
			pattern++;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return !*pattern && !*path;
}

const struct web_route *web_route_find(struct web_req *r, const char *path, bool tenant,
                                       bool *path_matched)
{
	*path_matched = false;
	for (size_t t = 0; t < sizeof route_tables / sizeof route_tables[0]; t++) {
		for (const struct web_route *rt = route_tables[t]; rt->pattern; rt++) {
			if (!!(rt->flags & WEB_TENANT) != tenant || !match(rt->pattern, path, r))
				continue;
			*path_matched = true;
			if (strcmp(rt->method, r->method) == 0 ||
			    (strcmp(rt->method, "GET") == 0 && strcmp(r->method, "HEAD") == 0))
				return rt;
		}
	}
	return NULL;
}
