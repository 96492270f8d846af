/* Setting up an existing PostgreSQL server: see store/setup.h. */
#include "store/setup.h"

#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idp/log.h"

static void say(struct store_setup *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	idp_debug("db setup: %s", line);
	if (s->say)
		s->say(s->ctx, line);
}

static enum idp_err fail(struct store_setup *s, enum idp_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->why, sizeof s->why, fmt, ap);
	va_end(ap);
	/* One line: PostgreSQL's messages end with a newline. */
	for (char *p = s->why; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = *(p + 1) ? ' ' : 0;
	idp_error("db setup: %s", s->why);
	return err;
}

static PGconn *connect_to(const char *url, const char *dbname)
{
	const char *keys[] = {"dbname", "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {url, dbname, "10", "sekisho-setup", NULL};

	/* The URL is expanded first; a later dbname (when given) overrides it. */
	if (!dbname) {
		keys[1] = "connect_timeout";
		vals[1] = "10";
	}
	return PQconnectdbParams(keys, vals, 1);
}

/* Run sql; IDP_OK when it succeeded, else the server's message in s->why. */
static enum idp_err exec(struct store_setup *s, PGconn *pg, const char *sql, const char *what)
{
	PGresult *r = PQexec(pg, sql);
	enum idp_err err = IDP_OK;

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		err = fail(s, IDP_ERR_DB, "%s: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return err;
}

/* One row of a query with one text parameter; NULL when no row (or error,
 * then s->why is set and *err). */
static PGresult *row(struct store_setup *s, PGconn *pg, const char *sql, const char *param,
                     enum idp_err *err)
{
	PGresult *r =
	    PQexecParams(pg, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);

	*err = IDP_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		*err = fail(s, IDP_ERR_DB, "%s", PQresultErrorMessage(r));
		PQclear(r);
		return NULL;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return NULL;
	}
	return r;
}

/* ALTER ROLE name PASSWORD with the SCRAM verifier made here, so the
 * password itself never reaches the server's logs. */
/* The SCRAM verifier of pw for role as an SQL literal (PQfreemem it), made
 * here so the password itself never reaches the server or its logs; NULL
 * with s->why set on failure. */
static char *verifier_literal(struct store_setup *s, PGconn *pg, const char *role, const char *pw)
{
	char *verifier = PQencryptPasswordConn(pg, pw, role, NULL);
	char *lit = verifier ? PQescapeLiteral(pg, verifier, strlen(verifier)) : NULL;

	PQfreemem(verifier);
	if (!lit)
		fail(s, IDP_ERR_DB, "cannot encrypt the password of %s: %s", role,
		     PQerrorMessage(pg));
	return lit;
}

/* "CREATE ROLE role ... PASSWORD" or "ALTER ROLE role PASSWORD": one
 * statement, so a role is never left without its password. */
static enum idp_err role_with_password(struct store_setup *s, PGconn *pg, const char *verb,
                                       const char *role, const char *attrs, const char *pw)
{
	char *lit = verifier_literal(s, pg, role, pw);
	char sql[1024];
	enum idp_err err;

	if (!lit)
		return IDP_ERR_DB;
	snprintf(sql, sizeof sql, "%s ROLE %s %s PASSWORD %s", verb, role, attrs, lit);
	err = exec(s, pg, sql, verb[0] == 'C' ? "create role" : "set password");
	PQfreemem(lit);
	return err;
}

/* The owner needs BYPASSRLS: row-level security is forced on it too, and
 * backups and restores (which it runs) read and write every tenant's rows.
 * Only a superuser may grant it; without one, say what to ask for. */
static enum idp_err owner_bypass(struct store_setup *s, PGconn *pg, bool admin_super)
{
	enum idp_err err;

	if (!admin_super) {
		say(s,
		    "role " STORE_SETUP_OWNER " lacks BYPASSRLS, which backups and restores need: "
		    "ask a superuser to run ALTER ROLE " STORE_SETUP_OWNER " BYPASSRLS");
		return IDP_OK;
	}
	err = exec(s, pg, "ALTER ROLE " STORE_SETUP_OWNER " BYPASSRLS", "alter role");
	if (!err)
		say(s, "%s",
		    "role " STORE_SETUP_OWNER " may bypass row-level security (BYPASSRLS: "
		    "backups and restores read every tenant's rows)");
	return err;
}

static enum idp_err ensure_role(struct store_setup *s, PGconn *pg, const char *role, const char *pw,
                                bool *pw_set, bool is_app, bool admin_super)
{
	enum idp_err err;
	PGresult *r = row(s, pg,
	                  "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles "
	                  "WHERE rolname = $1",
	                  role, &err);

	*pw_set = false;
	if (err)
		return err;
	if (!r) {
		err =
		    role_with_password(s, pg, "CREATE", role,
		                       "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS", pw);
		if (err)
			return err;
		*pw_set = true;
		say(s, "created role %s (login, no superuser)", role);
		return is_app ? IDP_OK : owner_bypass(s, pg, admin_super);
	}
	bool super = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	bool bypass = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	bool login = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	PQclear(r);
	/* Row-level security never binds a superuser or a BYPASSRLS role: the
	 * application role must be neither. */
	if (is_app && (super || bypass))
		return fail(s, IDP_ERR_CONFIG,
		            "role %s exists and is %s: row-level security would not bind it "
		            "(ALTER ROLE %s NOSUPERUSER NOBYPASSRLS)",
		            role, super ? "a superuser" : "BYPASSRLS", role);
	if (!login)
		return fail(s, IDP_ERR_CONFIG,
		            "role %s exists but cannot log in (ALTER ROLE %s LOGIN)", role, role);
	if (s->reset_passwords) {
		err = role_with_password(s, pg, "ALTER", role, "", pw);
		if (err)
			return err;
		*pw_set = true;
		say(s, "role %s exists: new password set", role);
	} else {
		say(s, "role %s exists: unchanged", role);
	}
	if (!is_app && !bypass && !super)
		return owner_bypass(s, pg, admin_super);
	return IDP_OK;
}

static enum idp_err ensure_database(struct store_setup *s, PGconn *pg)
{
	enum idp_err err;
	PGresult *r =
	    row(s, pg, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1",
	        s->dbname, &err);
	char sql[512];

	if (err)
		return err;
	if (r) {
		bool ours = strcmp(PQgetvalue(r, 0, 0), STORE_SETUP_OWNER) == 0;
		char owner[128];
		snprintf(owner, sizeof owner, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		if (!ours)
			return fail(s, IDP_ERR_CONFIG,
			            "database %s exists, owned by %s, not by " STORE_SETUP_OWNER
			            " (ALTER DATABASE %s OWNER TO " STORE_SETUP_OWNER ")",
			            s->dbname, owner, s->dbname);
		say(s, "database %s exists (owner " STORE_SETUP_OWNER "): unchanged", s->dbname);
		return IDP_OK;
	}
	snprintf(sql, sizeof sql,
	         "CREATE DATABASE \"%s\" OWNER " STORE_SETUP_OWNER
	         " ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
	         s->dbname);
	err = exec(s, pg, sql, "create database");
	if (!err)
		say(s, "created database %s (owner " STORE_SETUP_OWNER ", UTF8)", s->dbname);
	return err;
}

/* Inside the database: only our roles connect, and only the owner creates
 * objects in schema public (PostgreSQL before 15 let everyone). */
static enum idp_err lock_down(struct store_setup *s)
{
	PGconn *pg = connect_to(s->admin_url, s->dbname);
	char sql[512];
	enum idp_err err = IDP_OK;

	if (PQstatus(pg) != CONNECTION_OK) {
		err = fail(s, IDP_ERR_DB, "connect to database %s: %s", s->dbname,
		           PQerrorMessage(pg));
		goto out;
	}
	snprintf(sql, sizeof sql,
	         "REVOKE ALL ON DATABASE \"%s\" FROM PUBLIC; "
	         "GRANT CONNECT, TEMPORARY ON DATABASE \"%s\" TO " STORE_SETUP_APP "; "
	         "REVOKE CREATE ON SCHEMA public FROM PUBLIC; "
	         "GRANT USAGE, CREATE ON SCHEMA public TO " STORE_SETUP_OWNER,
	         s->dbname, s->dbname);
	err = exec(s, pg, sql, "grants");
	if (!err)
		say(s,
		    "database %s: CONNECT only for " STORE_SETUP_OWNER " and " STORE_SETUP_APP
		    ", schema public writable only by " STORE_SETUP_OWNER,
		    s->dbname);
out:
	PQfinish(pg);
	return err;
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 63 || !(n[0] >= 'a' && n[0] <= 'z'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '_'))
			return false;
	return true;
}

enum idp_err store_setup_run(struct store_setup *s)
{
	PGconn *pg;
	PGresult *r;
	enum idp_err err = IDP_OK;

	s->why[0] = 0;
	s->owner_pw_set = s->app_pw_set = false;
	if (!name_ok(s->dbname))
		return fail(
		    s, IDP_ERR_CONFIG,
		    "database name \"%.64s\": 1-63 of a-z, 0-9 and _, starting with a letter",
		    s->dbname);
	pg = connect_to(s->admin_url, NULL);
	if (PQstatus(pg) != CONNECTION_OK) {
		err = fail(s, IDP_ERR_DB, "connect: %s", PQerrorMessage(pg));
		goto out;
	}
	snprintf(s->host, sizeof s->host, "%s", PQhost(pg) ? PQhost(pg) : "");
	snprintf(s->port, sizeof s->port, "%s", PQport(pg) ? PQport(pg) : "");
	if (PQserverVersion(pg) < 130000) {
		err = fail(s, IDP_ERR_CONFIG, "PostgreSQL %d.%d is too old: 13 or later is needed",
		           PQserverVersion(pg) / 10000, PQserverVersion(pg) % 10000);
		goto out;
	}
	r = row(s, pg,
	        "SELECT current_user, rolsuper, rolcreaterole AND rolcreatedb FROM pg_roles "
	        "WHERE rolname = current_user",
	        NULL, &err);
	if (!r) {
		if (!err)
			err = fail(s, IDP_ERR_DB, "%s", "cannot read the administrator's role");
		goto out;
	}
	bool super = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
	bool can = strcmp(PQgetvalue(r, 0, 2), "t") == 0;
	char admin[128];
	snprintf(admin, sizeof admin, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!super && !can) {
		err = fail(s, IDP_ERR_CONFIG,
		           "role %s may not create roles and databases (needs SUPERUSER, or "
		           "CREATEROLE and CREATEDB)",
		           admin);
		goto out;
	}
	say(s, "connected to %s:%s as %s (PostgreSQL %d)", s->host, s->port, admin,
	    PQserverVersion(pg) / 10000);
	err = ensure_role(s, pg, STORE_SETUP_OWNER, s->owner_pw, &s->owner_pw_set, false, super);
	if (!err)
		err = ensure_role(s, pg, STORE_SETUP_APP, s->app_pw, &s->app_pw_set, true, super);
	/* Before PostgreSQL 16 a CREATEROLE administrator must be a member of
	 * the owner role to give it a database. */
	if (!err && !super) {
		r = PQexec(pg, "GRANT " STORE_SETUP_OWNER " TO CURRENT_USER");
		PQclear(r);
	}
	if (!err)
		err = ensure_database(s, pg);
	if (!err)
		err = lock_down(s);
out:
	PQfinish(pg);
	return err;
}
