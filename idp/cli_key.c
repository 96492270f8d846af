/*
 * `sekisho key rotate` and `key verify`: the operator's side of master-key rotation (the
 * rules are in idp/keyrotate.c, see idp/keys.h).  The program's start-up
 * takes the key lock exclusive for it (idp_cli_key_rotation), so it runs
 * only while no other sekisho process does.
 */
#include <stdio.h>
#include <string.h>

#include "idp/cli.h"
#include "idp/idp.h"
#include "idp/keys.h"

bool idp_cli_key_rotation(int n, char **args)
{
	return n >= 2 && !strcmp(args[0], "key") && !strcmp(args[1], "rotate");
}

static int key_verify(void)
{
	struct idp_key_rotation r;
	enum idp_err err = idp_key_check(&r);

	if (err)
		return idp_cli_fail("key verify: %s (see the log above)", idp_strerror(err));
	printf("every secret opens with the master key %s: %ld TOTP secrets, %ld TOTP enrolment "
	       "candidates, %ld SAML keys\n",
	       r.old_fp, r.totp_secrets, r.totp_candidates, r.saml_keys);
	return 0;
}

int idp_cli_key(int argc, char **argv)
{
	struct idp_key_rotation r;
	enum idp_err err;

	if (argc < 1 || (strcmp(argv[0], "rotate") && strcmp(argv[0], "verify")))
		return idp_cli_usage();
	if (argc != 1)
		return idp_cli_fail("key %s: takes no arguments", argv[0]);
	if (!strcmp(argv[0], "verify"))
		return key_verify();
	err = idp_key_rotate(&r);
	if (err)
		return idp_cli_fail("key rotate: %s (see the log above)", idp_strerror(err));
	printf("master key rotated: %ld TOTP secrets, %ld TOTP enrolment candidates and %ld SAML "
	       "keys re-sealed\n",
	       r.totp_secrets, r.totp_candidates, r.saml_keys);
	printf("new key fingerprint %s (was %s)\n", r.new_fp, r.old_fp);
	if (r.old_path[0])
		printf("old key kept as %s: keep it as long as backups taken before now\n",
		       r.old_path);
	return 0;
}
