/*
 * SAML single sign-on state as stored (store/saml.c): request IDs seen
 * (replay), AuthnRequests parked while the user logs in, persistent
 * NameIDs, and the service providers each session has logged in to (for
 * Single Logout).  Every function runs inside the caller's tenant
 * transaction.
 */
#ifndef STORE_SAML_H
#define STORE_SAML_H

#include <stdbool.h>
#include <stdint.h>

#include "idp/err.h"
#include "store/db.h"

/* Record request_id of sp until expires (Unix seconds).  *fresh is false
 * when it was seen before (a replay). */
enum idp_err store_saml_seen(struct store_conn *c, int64_t tenant_id, int64_t sp_id,
                             const char *request_id, int64_t expires, bool *fresh);
/* Forget expired request IDs and parked requests. */
enum idp_err store_saml_prune(struct store_conn *c);

struct store_saml_parked {
	int64_t sp_id;
	char request_id[257];
	char *xml; /* new (caller frees) */
	char relay[1025];
	bool force_authn;
	int64_t session_before;
	int64_t created_at, expires_at;
};

enum idp_err store_saml_park(struct store_conn *c, int64_t tenant_id, const unsigned char hash[32],
                             const struct store_saml_parked *p);
/* IDP_ERR_NOT_FOUND when there is none. */
enum idp_err store_saml_parked_get(struct store_conn *c, const unsigned char hash[32],
                                   struct store_saml_parked *out);
/* IDP_ERR_NOT_FOUND when it was taken already. */
enum idp_err store_saml_parked_take(struct store_conn *c, const unsigned char hash[32]);

/* The persistent NameID of user for sp into out (129 bytes); "" when none. */
enum idp_err store_saml_nameid_get(struct store_conn *c, int64_t user_id, int64_t sp_id,
                                   char out[129]);
enum idp_err store_saml_nameid_insert(struct store_conn *c, int64_t tenant_id, int64_t user_id,
                                      int64_t sp_id, const char *value);

struct store_saml_ssp {
	int64_t sp_id;
	char nameid[513];
	char format[16];
	char session_index[129];
	char logout_id[257];
};

enum idp_err store_saml_ssp_upsert(struct store_conn *c, int64_t tenant_id, int64_t session_id,
                                   const struct store_saml_ssp *s);
/* The live session sp knows by nameid (and session_index when not "");
 * IDP_ERR_NOT_FOUND when none. */
enum idp_err store_saml_ssp_session(struct store_conn *c, int64_t sp_id, const char *nameid,
                                    const char *session_index, int64_t *session_id);
enum idp_err store_saml_ssp_list(struct store_conn *c, int64_t session_id,
                                 struct store_saml_ssp **rows, int *n);
enum idp_err store_saml_ssp_set_logout(struct store_conn *c, int64_t session_id, int64_t sp_id,
                                       const char *logout_id);
/* The row waiting for logout_id's answer from sp ends; *session_id is its
 * session.  IDP_ERR_NOT_FOUND when none waits. */
enum idp_err store_saml_ssp_done(struct store_conn *c, const char *logout_id, int64_t sp_id,
                                 int64_t *session_id);
enum idp_err store_saml_ssp_delete(struct store_conn *c, int64_t session_id, int64_t sp_id);

#endif
