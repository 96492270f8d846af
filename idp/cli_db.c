/*
 * `sekisho db setup --admin-url URL [--database NAME] [--reset-passwords]`:
 * prepare an existing PostgreSQL server (store/setup.h) and print the two
 * configuration lines the daemon needs.  Passwords are made here (256-bit
 * random, as every token) for the roles whose password is set, and shown
 * once.
 */
#include <stdio.h>
#include <string.h>

#include "idp/cli.h"
#include "idp/idp.h"
#include "store/setup.h"

static void say(void *ctx, const char *line)
{
	(void)ctx;
	printf("%s\n", line);
}

/* A libpq key=value string for role: host and port as the administrator's
 * connection had them, the password when one was set now. */
static void conninfo_line(const char *key, const struct store_setup *s, const char *role,
                          const char *pw)
{
	printf("%s = host='%s' port=%s dbname=%s user=%s", key, s->host, s->port, s->dbname, role);
	if (pw)
		printf(" password=%s", pw);
	printf("\n");
}

int idp_cli_db_setup(int argc, char **argv)
{
	char owner_pw[IDP_TOKEN_LEN + 1], app_pw[IDP_TOKEN_LEN + 1];
	struct store_setup s = {.dbname = "sekisho", .say = say};
	enum idp_err err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--admin-url") && i + 1 < argc)
			s.admin_url = argv[++i];
		else if (!strcmp(argv[i], "--database") && i + 1 < argc)
			s.dbname = argv[++i];
		else if (!strcmp(argv[i], "--reset-passwords"))
			s.reset_passwords = true;
		else
			return idp_cli_fail("db setup: unexpected argument \"%s\"", argv[i]);
	}
	if (!s.admin_url || !*s.admin_url)
		return idp_cli_fail("%s", "db setup: --admin-url URL required");
	if (strchr(s.admin_url, '\n'))
		return idp_cli_fail("%s", "db setup: --admin-url must be one line");
	if (idp_token_new(owner_pw) || idp_token_new(app_pw))
		return idp_cli_fail("%s", "db setup: no randomness for the passwords");
	s.owner_pw = owner_pw;
	s.app_pw = app_pw;
	err = store_setup_run(&s);
	if (!err && (strchr(s.host, '\'') || strchr(s.host, '\\'))) {
		err = IDP_ERR_CONFIG;
		snprintf(s.why, sizeof s.why, "%s", "the server's host name has a quote in it");
	}
	if (err) {
		idp_wipe(owner_pw, sizeof owner_pw);
		idp_wipe(app_pw, sizeof app_pw);
		return idp_cli_fail("db setup: %s", s.why[0] ? s.why : idp_strerror(err));
	}
	printf("\nConfiguration for every node (keep the file 0600):\n");
	conninfo_line("database_url", &s, STORE_SETUP_OWNER, s.owner_pw_set ? owner_pw : NULL);
	conninfo_line("database_app_url", &s, STORE_SETUP_APP, s.app_pw_set ? app_pw : NULL);
	if (!s.owner_pw_set || !s.app_pw_set)
		printf("(a password not shown is unchanged; --reset-passwords sets new ones)\n");
	idp_wipe(owner_pw, sizeof owner_pw);
	idp_wipe(app_pw, sizeof app_pw);
	return fflush(stdout) == EOF ? 1 : 0;
}
