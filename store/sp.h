/*
 * Service providers as stored: entity ID, name, the metadata as sent and
 * the settings Sekisho applies (NameID format, attributes, what to sign,
 * encryption, roles).  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_SP_H
#define STORE_SP_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

#define STORE_SP_ENTITY_MAX 1024
#define STORE_SP_NAME_MAX   400

struct store_sp {
	int64_t id;
	char entity_id[STORE_SP_ENTITY_MAX + 1];
	char name[STORE_SP_NAME_MAX + 1];
	char nameid_format[16];
	char attributes[32];
	char sign[16];
	bool encrypt;
	char roles[16];
	int64_t created_at;
	char *metadata; /* store_sp_get and store_sp_by_entity only: new string (caller frees) */
};

/* A new service provider; *id gets its id.  IDP_ERR_CONFLICT when the
 * tenant has one with that entity ID. */
enum idp_err store_sp_insert(struct store_conn *c, int64_t tenant_id, const struct store_sp *sp,
                             const char *metadata, int64_t *id);

/* The tenant's service providers by name (metadata not read); *rows new. */
enum idp_err store_sp_list(struct store_conn *c, struct store_sp **rows, int *n);

/* Delete service provider id; *out (may be NULL) gets what it was.
 * IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_sp_delete(struct store_conn *c, int64_t id, struct store_sp *out);

/* Every service provider of the tenant with its metadata (each row's
 * .metadata new), by id; *rows new.  On error nothing is left to free. */
enum idp_err store_sp_list_full(struct store_conn *c, struct store_sp **rows, int *n);
/* Service provider id into *out (lock: FOR UPDATE), with its metadata in
 * out->metadata when metadata is true (new string, caller frees; else
 * NULL).  IDP_ERR_NOT_FOUND when the tenant has none with that id. */
enum idp_err store_sp_get(struct store_conn *c, int64_t id, bool lock, bool metadata,
                          struct store_sp *out);

/* The tenant's service provider with entity ID entity_id, as store_sp_get. */
enum idp_err store_sp_by_entity(struct store_conn *c, const char *entity_id, bool metadata,
                                struct store_sp *out);

/* Write the settings of sp (name, NameID format, attributes, sign, encrypt,
 * roles) to service provider id.  IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_sp_update(struct store_conn *c, int64_t id, const struct store_sp *sp);

#endif
