/* The backup commands: `backup [--dir DIR]`, `backup verify FILE` and
 * `restore FILE [--force]` (idp/cli.h; the rules are idp/backup.c's). */
#include <stdio.h>
#include <string.h>

#include "idp/backup.h"
#include "idp/cli.h"
#include "idp/config.h"

#define WHY_MAX 1024

static int cmd_backup(const struct idp_backup_env *e, const struct idp_config *cfg, int argc,
                      char **argv)
{
	struct idp_backup_opts o = {cfg->backup_dir, cfg->backup_keep, e->bindir, e->admin_conninfo,
	                            false};
	struct idp_backup_result r;
	char why[WHY_MAX];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc && argv[i + 1][0])
			o.dir = argv[++i];
		else
			return idp_cli_fail("backup: unexpected argument \"%s\"", argv[i]);
	}
	if (!o.dir[0])
		return idp_cli_fail("%s", "backup: no directory: set backup_dir or give --dir DIR");
	if (idp_backup_create(&o, &r, why, sizeof why))
		return idp_cli_fail("backup: %s", why);
	printf("%lld bytes, sha256 %s, schema version %d; %d generations kept, %d deleted\n%s\n",
	       (long long)r.m.size, r.m.sha256, r.m.schema_version, r.kept, r.deleted, r.path);
	return 0;
}

static int cmd_verify(const struct idp_backup_env *e, int argc, char **argv)
{
	struct idp_backup_report rep;
	char why[WHY_MAX];

	if (argc != 1 || argv[0][0] == '-')
		return idp_cli_fail("%s", "backup verify: FILE required");
	if (idp_backup_verify(e, argv[0], &rep, why, sizeof why))
		return idp_cli_fail("backup verify: %s", why);
	printf("%s: intact (taken %s by sekisho %s, schema version %d)\n"
	       "restored into a scratch database: %d tenants, %ld audit events and %ld "
	       "operator events verified\n",
	       rep.m.file, rep.m.time, rep.m.version, rep.schema_version, rep.tenants, rep.events,
	       rep.op_events);
	return 0;
}

static int cmd_restore(const struct idp_backup_env *e, int argc, char **argv)
{
	struct idp_backup_report rep;
	const char *file = NULL;
	bool force = false;
	char why[WHY_MAX];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			return idp_cli_fail("restore: unexpected argument \"%s\"", argv[i]);
	}
	if (!file)
		return idp_cli_fail("%s", "restore: FILE required");
	if (idp_backup_restore(e, file, force, &rep, why, sizeof why))
		return idp_cli_fail("restore: %s", why);
	printf("restored %s (taken %s): %d tenants, schema version %d\n", rep.m.file, rep.m.time,
	       rep.tenants, rep.schema_version);
	return 0;
}

bool idp_cli_backup_known(int n, char **args)
{
	return n >= 1 && (!strcmp(args[0], "backup") || !strcmp(args[0], "restore"));
}

int idp_cli_backup(const struct idp_backup_env *e, const struct idp_config *cfg, int n, char **args)
{
	if (!strcmp(args[0], "restore"))
		return cmd_restore(e, n - 1, args + 1);
	if (n >= 2 && !strcmp(args[1], "verify"))
		return cmd_verify(e, n - 2, args + 2);
	return cmd_backup(e, cfg, n - 1, args + 1);
}
