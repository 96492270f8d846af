/* sekisho: an identity provider and SSO gateway.  See idp/cli.h. */
#include "idp/cli.h"

int main(int argc, char **argv)
{
	return idp_cli_main(argc, argv);
}
