/*
 * Service providers of a tenant (idp/sp.c): registered from metadata that
 * saml/spmeta.c has read, with the settings Sekisho applies to each.
 */
#ifndef IDP_SP_H
#define IDP_SP_H

#include <stdbool.h>
#include <stddef.h>
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

/* Register a service provider from its metadata xml (len bytes, kept as
 * sent) with the settings Sekisho starts from: the first NameID format the
 * metadata lists that Sekisho supports (else persistent), encryption when
 * it has an encryption key, every attribute, both signed, both roles.
 * Named name, or (NULL or "") its entity ID cut to 100 bytes.  *out (may
 * be NULL) gets what was registered, or as much as was read (the entity ID
 * of one registered already).  IDP_ERR_TOO_LARGE with *field "metadata"
 * for metadata beyond SAML_SPMETA_MAX (without a field: the tenant has
 * IDP_SPS_MAX); IDP_ERR_INVALID with *field "metadata" and *why (a
 * sentence of saml_spmeta_parse) for metadata that is refused, or *field
 * naming a bad setting; otherwise as idp_sp_add. */
enum idp_err idp_sp_register(const struct idp_tenant *t, const struct idp_actor *by,
                             const char *xml, size_t len, const char *name, int64_t *id,
                             struct idp_sp *out, const char **field, const char **why);

/* What idp_sp_register would register, into *out, without writing
 * anything: the same errors but those of the database (IDP_ERR_CONFLICT,
 * the maximum).  Pure. */
enum idp_err idp_sp_from_metadata(const char *xml, size_t len, const char *name, struct idp_sp *out,
                                  const char **field, const char **why);

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
/* One service provider of the tenant by its id, or by its entity ID; its
 * stored metadata (the XML as registered) in *metadata, a new string the
 * caller frees, unless metadata is NULL.  IDP_ERR_NOT_FOUND when the tenant
 * has no such service provider (another tenant's are never found). */
enum idp_err idp_sp_get(const struct idp_tenant *t, int64_t id, struct idp_sp *out,
                        char **metadata);
enum idp_err idp_sp_by_entity(const struct idp_tenant *t, const char *entity_id, struct idp_sp *out,
                              char **metadata);

/* Whether metadata (as stored) names a key Sekisho can encrypt assertions
 * for: a KeyDescriptor for encryption, or one without a use.  False for
 * metadata that does not parse. */
bool idp_sp_can_encrypt(const char *metadata);

/* The settings idp_sp_update changes, as bits of its mask. */
enum idp_sp_setting {
	IDP_SP_SET_NAME = 1 << 0,
	IDP_SP_SET_NAMEID_FORMAT = 1 << 1,
	IDP_SP_SET_ATTRIBUTES = 1 << 2,
	IDP_SP_SET_SIGN = 1 << 3,
	IDP_SP_SET_ENCRYPT = 1 << 4,
	IDP_SP_SET_ROLES = 1 << 5,
};

/* Change the settings of service provider id named by the bits of set to
 * their values in in (attributes and roles: names separated by commas, in
 * any order, each once; stored in the fixed order "email,name,role" and
 * "user,admin"); the other settings stay as they are.  Everything is
 * checked before anything is written: IDP_ERR_INVALID with *field naming
 * the first bad setting ("name", "nameid_format", "sign", "roles",
 * "attributes"; "encrypt" for encryption asked of a service provider whose
 * stored metadata has no encryption key, idp_sp_can_encrypt).  Audited
 * saml.sp_changed {"entity_id","name","before":{...},"after":{...}} with
 * the settings that changed (attributes and roles as stored, encrypt a
 * boolean) in the transaction that writes them; when none changed nothing
 * is written or audited.  *out (may be NULL) gets the service provider as
 * it is afterwards.  IDP_ERR_NOT_FOUND for no such id of the tenant. */
enum idp_err idp_sp_update(const struct idp_tenant *t, const struct idp_actor *by, int64_t id,
                           const struct idp_sp *in, unsigned set, struct idp_sp *out,
                           const char **field);

#endif
