/*
 * The HTTP layer's shared vocabulary: the parsed request, the route table,
 * response helpers and the HTML page buffer.  Only web/ includes
 * libmicrohttpd; handlers see struct web_req and call idp_ operations.
 */
#ifndef WEB_WEB_H
#define WEB_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idp/idp.h"

#define WEB_BODY_MAX    (64 * 1024) /* forms and JSON */
#define WEB_HEADERS_MAX (16 * 1024) /* all request headers together */
#define WEB_FIELD_MAX   4096        /* one form field */
#define WEB_FIELDS_MAX  64

enum web_lang { WEB_EN, WEB_JA };

struct web_kv {
	char *key;
	char *value;
};

/* A growable text buffer with a hard maximum (curl's dynbuf idea). */
struct web_buf {
	char *data;
	size_t len, cap, max;
	bool overflow;
	bool secret; /* holds a secret: every block it leaves behind is wiped */
};

struct web_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *path;    /* decoded path, no query */
	char slug[64];       /* for /t/{slug}/..., else "" */
	const char *tpath;   /* path below /t/{slug} ("/login"), or path */
	const char *wild[4]; /* '*' segments matched by the route */
	char wildbuf[4][256];
	bool https;
	enum web_lang lang;
	struct idp_reqinfo ri;
	struct idp_addr peer; /* the socket's peer */
	bool peer_trusted;    /* peer is one of trusted_proxies */
	/* body */
	char *body;
	size_t body_len;
	bool body_too_large;
	bool headers_too_large;
	struct web_kv form[WEB_FIELDS_MAX];
	int nform;
	/* tenant and authentication, filled by the dispatcher per route flags */
	struct idp_snapshot *snap; /* the tenant's snapshot (released with the request) */
	struct idp_tenant tenant;  /* a copy of snap->t */
	bool have_tenant;
	struct idp_session session;
	bool have_session;
	char session_token[IDP_TOKEN_LEN + 1];
	char session_cookie[IDP_TOKEN_LEN + 2]; /* as sent (web_session_cookie) */
	struct idp_flow flow;                   /* the pending login, for WEB_FLOW routes */
	bool have_flow;
	struct idp_actor actor; /* who acts: session user or API token */
	bool via_token;
	char csrf[IDP_TOKEN_LEN + 1];       /* token to embed in forms */
	char pre_cookie[IDP_TOKEN_LEN + 1]; /* pre-session CSRF binding */
	bool set_pre_cookie;
	/* Set while a hashing worker runs the handler: responses are kept in
	 * pending and queued by the access handler after the connection resumes. */
	bool deferred;
	struct MHD_Response *pending;
	unsigned pending_status;
	unsigned status; /* the status answered (0: none yet) */
	/* extra response headers */
	char disposition[200]; /* Content-Disposition, when not empty */
	/* The auto-submitting SAML form: scripts from 'self' and a form that
	 * posts to this origin (a registered SP's), when not empty. */
	char csp_post_origin[300];
	char set_cookie[4][512];
	int nset_cookie;
};

enum web_route_flags {
	WEB_TENANT = 1 << 0,    /* needs /t/{slug}; 404 for unknown tenants */
	WEB_SESSION = 1 << 1,   /* needs a logged-in user (pages redirect to login) */
	WEB_ADMIN = 1 << 2,     /* needs an administrator (session or API token) */
	WEB_CSRF = 1 << 3,      /* POST must carry a valid CSRF token */
	WEB_API = 1 << 4,       /* JSON answers; Bearer tokens accepted */
	WEB_FORCED_OK = 1 << 5, /* reachable while a password change is forced */
	WEB_SLOW = 1 << 6,      /* runs Argon2id: handled on the hashing workers */
	WEB_FLOW = 1 << 7,      /* needs a pending login of the tenant (with WEB_SESSION: or
	                           a session); the rest go back to the login page */
	/* A form field may be as long as the body (a pasted document), not only
	 * WEB_FIELD_MAX bytes. */
	WEB_LONG_FIELDS = 1 << 10,
	WEB_RAW_FORM = 1 << 8, /* the handler reads the body itself (a SAML binding's
	                          one field may be as large as the body) */
	WEB_SAML = 1 << 9,     /* a SAML endpoint: refusals at the gate are saml.refused */
};

struct web_route {
	const char *method;  /* "GET", "POST", "PUT", "DELETE" */
	const char *pattern; /* tenant-relative for WEB_TENANT routes; '*' = one segment */
	int (*handler)(struct web_req *r);
	unsigned flags;
};

/* --- request helpers (web/request.c) --- */

/* The '*' segment n of the route as a positive id (digits only, no sign,
 * no overflow); 0 when it is not one. */
int64_t web_wild_id(const struct web_req *r, int n);
/* Borrowed form field value, or NULL. */
const char *web_form(const struct web_req *r, const char *key);
/* Borrowed query argument value (decoded), or NULL. */
const char *web_query(const struct web_req *r, const char *key);
/* Borrowed request header value, or NULL. */
const char *web_header(const struct web_req *r, const char *name);
/* Borrowed cookie value, or NULL. */
const char *web_cookie(const struct web_req *r, const char *name);

/* Parse the body as application/x-www-form-urlencoded into r->form, each
 * value at most field_max bytes once decoded (WEB_FIELD_MAX, or the body's
 * bound for WEB_LONG_FIELDS routes).  IDP_ERR_INVALID for bad encoding,
 * invalid UTF-8 or a value too long; IDP_ERR_TOO_LARGE for too many fields
 * or one far too long. */
enum idp_err web_parse_form(struct web_req *r, size_t field_max);

/* Session cookie name for slug: "sekisho_s_<slug>". */
void web_session_cookie_name(const char *slug, char out[80]);
/* The pending login's cookie name for slug: "sekisho_f_<slug>". */
void web_flow_cookie_name(const char *slug, char out[80]);

/* Queue a Set-Cookie header for the response (host-only, Path=/, HttpOnly,
 * SameSite stated: None with Secure over HTTPS, so a service provider's
 * POST still carries it; Lax over plain HTTP). */
void web_add_cookie(struct web_req *r, const char *name, const char *value, bool clear);
/* Set (or clear) the tenant's session cookie: web_add_cookie, for the
 * cookie_domain when one is configured, so apps on its subdomains receive it. */
void web_set_session_cookie(struct web_req *r, const char *value, bool clear);
/* The configured cookie_domain ("" = host-only) and whether cookies are
 * Secure whatever the connection (public_url is https), set once at start. */
void web_cookies_configure(const char *domain, bool secure);

/* Answer with an empty body, the security headers and the n extra headers
 * hdrs[i][0]: hdrs[i][1] (the gateway's). */
int web_respond_headers(struct web_req *r, unsigned status, const char *const (*hdrs)[2], int n);

/* --- responses (web/request.c) --- */

/* Every response goes through these; they add the security headers.
 * They return an MHD result code for the access handler to return. */
int web_respond(struct web_req *r, unsigned status, const char *type, const char *body, size_t len);
int web_redirect(struct web_req *r, const char *location);
/* JSON error body {"error": code, "field": field?}. */
int web_json_error(struct web_req *r, unsigned status, const char *code, const char *field);
int web_respond_buf(struct web_req *r, unsigned status, const char *type, struct web_buf *b);

/* --- buffers and HTML (web/page.c) --- */

void web_buf_init(struct web_buf *b, size_t max);
void web_buf_free(struct web_buf *b);
void web_buf_add(struct web_buf *b, const char *s, size_t n);
void web_buf_puts(struct web_buf *b, const char *s);
void web_buf_printf(struct web_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s HTML-escaped (& < > " ' escaped).  The one escaping routine. */
void web_buf_esc(struct web_buf *b, const char *s);
/* Append an e-mail address, escaped, that may wrap after its '@' only. */
void web_buf_email(struct web_buf *b, const char *email);
/* Append a time as idp_time_local writes it, that may wrap only between
 * its date and its time. */
void web_buf_time(struct web_buf *b, const char *when);
/* Append a URL, escaped, that may wrap after its '/' and before its '.'. */
void web_buf_url(struct web_buf *b, const char *url);
/* Append template tmpl (escaped) with its {0} written by put(b, arg)
 * (web_buf_esc, web_buf_email, web_buf_time, ...). */
void web_buf_subst(struct web_buf *b, const char *tmpl,
                   void (*put)(struct web_buf *b, const char *arg), const char *arg);
/* Append s percent-encoded for a URL query value. */
void web_buf_urlenc(struct web_buf *b, const char *s);

/* Start a page: doctype, head with title (escaped), stylesheet, header bar.
 * End it with web_page_end. */
void web_page_begin(struct web_buf *b, const struct web_req *r, const char *title);
void web_page_end(struct web_buf *b, const struct web_req *r);
/* The hidden CSRF input for forms. */
void web_page_csrf(struct web_buf *b, const struct web_req *r);
/* Finish a form page: the submit button (id "submit", label message id
 * submit), close the form and its card, end the page, send it with status
 * and free b.  Returns the MHD result. */
int web_page_send_form(struct web_buf *b, struct web_req *r, unsigned status, int submit);
/* Where a login (or a page that sends the browser on) may go: rd when it
 * is a safe same-site path, or an absolute URL inside one of the tenant's
 * registered apps (idp_app_redirect_ok), into out; false for anything else. */
bool web_rd_target(const struct web_req *r, const char *rd, char out[IDP_URL_MAX + 1]);
/* The hidden "rd" input, only for a target web_rd_target accepts. */
void web_page_hidden_rd(struct web_buf *b, const struct web_req *r, const char *rd);
/* A whole page with a title and one message paragraph (errors, notices). */
int web_page_message(struct web_req *r, unsigned status, const char *title, const char *message);

/* The failed password rules (idp_password_check bits) as an error list. */
void web_password_rules(struct web_buf *b, const struct web_req *r, unsigned rules);
/* The tenant's password rules as a list (ul#pw-rules) for a page that sets a
 * password, the rules in failed (idp_password_check bits) marked as not met;
 * with_current: the user has a password the new one must differ from. */
void web_password_policy(struct web_buf *b, const struct web_req *r, unsigned failed,
                         bool with_current);

/* After a password (or invitation) step: set the session cookie and go on
 * when the login is done, else set the pending login's cookie and go to
 * its next step's page (web/pages_mfa.c).  rd: where to go when the login
 * keeps no continuation of its own. */
int web_login_done(struct web_req *r, const struct idp_login *l, const char *rd);
/* The two-step verification and client certificate cards of the home page
 * (web/pages_mfa.c). */
void web_home_mfa(struct web_buf *b, const struct web_req *r);
void web_home_certs(struct web_buf *b, const struct web_req *r);

/* The "my sessions" card of the home page (web/pages_home.c). */
void web_home_sessions(struct web_buf *b, const struct web_req *r);
/* The home page's card of the apps and then the SAML service providers
 * the user's role may use, each a link (a service provider's to
 * /t/{slug}/saml/init?sp=<entity ID>); nothing when there are none; either
 * kind left out when it cannot be read (logged). */
void web_home_apps(struct web_buf *b, const struct web_req *r);

/* --- routes of each page module --- */
extern const struct web_route web_routes_auth[];
extern const struct web_route web_routes_home[];
extern const struct web_route web_routes_api[];
extern const struct web_route web_routes_admin[];
extern const struct web_route web_routes_password[];
extern const struct web_route web_routes_mfa[];
extern const struct web_route web_routes_api_saml[];
extern const struct web_route web_routes_saml[];
extern const struct web_route web_routes_sso[];
extern const struct web_route web_routes_admin_saml_sp[];

/* /static/saml-post.js: submits the SAML form at once (web/saml_sso.c). */
int web_saml_post_js(struct web_req *r);
/* Go on with the Single Logout of session_id (ended already): a
 * LogoutRequest to its next service provider through the browser, or the
 * login page when none is left. */
int web_saml_logout_next(struct web_req *r, int64_t session_id);
extern const struct web_route web_routes_api_certs[];
extern const struct web_route web_routes_api_apps[];
extern const struct web_route web_routes_admin_apps[];
extern const struct web_route web_routes_admin_saml[];

/* A labelled input; value (may be NULL) is escaped. */
void web_field(struct web_buf *b, const struct web_req *r, const char *name, const char *type,
               int label, const char *value, const char *autocomplete);

/* Ensure r->csrf holds the token for this request's binding (session cookie
 * when logged in, else the pre-session cookie, created if missing). */
void web_csrf_prepare(struct web_req *r);

/* Check that tls_cert and tls_key hold a PEM certificate and key; logs which
 * is wrong.  IDP_OK when TLS is off. */
enum idp_err web_tls_check(const struct idp_config *cfg);

/* Start and stop the HTTP daemon (web/server.c). */
enum idp_err web_start(const struct idp_config *cfg);
void web_stop(void);

#endif
