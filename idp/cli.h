/*
 * The sekisho command line: serve, migrate, tenant create/list, invite,
 * token create, audit verify.  Exit status 0 on success; on bad input one
 * line on stderr and a non-zero status.
 */
#ifndef IDP_CLI_H
#define IDP_CLI_H

int idp_cli_main(int argc, char **argv);

#endif
