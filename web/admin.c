/*
 * The tenant administrator console (/t/{slug}/admin/).
 */
#include "web/web.h"

const struct web_route web_routes_admin[] = {
	{NULL, NULL, NULL, 0},
};
