/*
 * Service providers of a tenant (idp/sp.c): registered from metadata that
 * saml/spmeta.c has read, with the settings Sekisho applies to each.
 */
#ifndef IDP_SP_H
#define IDP_SP_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/audit.h"
#include "idp/tenant.h"

#define IDP_SPS_MAX 100 /* per tenant */

struct idp_sp {
	int64_t id;
	char entity_id[1025];
	char name[401];
	char nameid_format[16]; /* "persistent", "email", "transient", "unspecified" */
	char attributes[32];    /* "email,name,role" or a part of it, "" for none */
	char sign[16];          /* "response", "assertion", "both" */
	bool encrypt;
	char roles[16]; /* "user", "admin", "user,admin" */
	int64_t created_at;
};

/* The short name of a NameID format URI Sekisho supports, or NULL. */
const char *idp_nameid_format_short(const char *uri);

/* Register a service provider from its metadata (kept as sent) with the
 * settings in sp (entity_id and name required; the rest validated here).
 * Audited saml.sp_added.  IDP_ERR_INVALID with *field for a bad setting;
 * IDP_ERR_CONFLICT when the tenant has one with that entity ID;
 * IDP_ERR_TOO_LARGE beyond IDP_SPS_MAX. */
enum idp_err idp_sp_add(const struct idp_tenant *t, const struct idp_actor *by,
                        const struct idp_sp *sp, const char *metadata, int64_t *id,
                        const char **field);

/* The tenant's service providers by name; *rows new (caller frees). */
enum idp_err idp_sps_list(const struct idp_tenant *t, struct idp_sp **rows, int *n);

/* Remove one (saml.sp_removed); IDP_ERR_NOT_FOUND for no such id. */
enum idp_err idp_sp_delete(const struct idp_tenant *t, const struct idp_actor *by, int64_t id);

/* A service provider with its stored metadata (new). */
struct idp_sp_full {
	struct idp_sp sp;
	char *metadata;
};

/* Every service provider of t with its metadata, by id; free with
 * idp_sps_full_free. */
enum idp_err idp_sps_list_full(const struct idp_tenant *t, struct idp_sp_full **rows, int *n);
void idp_sps_full_free(struct idp_sp_full *rows, int n);

#endif
