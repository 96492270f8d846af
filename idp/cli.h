/*
 * The operator's commands: migrate, tenant create/list/terminate/restore/
 * export/purge, invite, token create, audit verify/prune (idp/cli.c), key
 * rotate/verify (idp/cli_key.c), db setup (idp/cli_db.c).  The program's
 * start-up (idp/main.c) parses the options, opens the database and runs
 * serve itself.  Exit status 0 on success; on bad input one line on stderr
 * and a non-zero status.
 */
#ifndef IDP_CLI_H
#define IDP_CLI_H

#include <stdbool.h>

/* Print the usage text on stderr; returns the exit status 2. */
int idp_cli_usage(void);
/* Print the usage text on stdout (help, -h, --help); returns the exit
 * status: 0, or 1 when stdout cannot be written. */
int idp_cli_help(void);

/* Print "sekisho: " and the message on stderr; returns the exit status 1. */
int idp_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when args[0..n) name a command that exists (serve included). */
bool idp_cli_known(int n, char **args);

/* Run command args[0..n) other than serve, with the database open. */
int idp_cli_run(int n, char **args);

/* `db setup ARGS...` (idp/cli_db.c): needs no database configured. */
int idp_cli_db_setup(int argc, char **argv);

/* True for `key rotate`, which needs the key lock exclusive (idp/cli_key.c). */
bool idp_cli_key_rotation(int n, char **args);

/* `key SUBCOMMAND ...` with argv after "key" (idp/cli_key.c). */
int idp_cli_key(int argc, char **argv);

struct idp_backup_env;
struct idp_config;

/* True when args name `backup` or `restore` (idp/cli_backup.c). */
bool idp_cli_backup_known(int n, char **args);

/* `backup [--dir DIR]`, `backup verify FILE`, `restore FILE [--force]`,
 * with the database open and e saying how to reach it. */
int idp_cli_backup(const struct idp_backup_env *e, const struct idp_config *cfg, int n,
                   char **args);

#endif
