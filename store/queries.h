/*
 * Every SQL statement Sekisho runs, by id (private to store/).  The text
 * lives in store/queries.c; the typed operations in store/<aggregate>.c pass
 * text parameters in the order the comment gives and read the columns in
 * the order listed.
 */
#ifndef STORE_QUERIES_H
#define STORE_QUERIES_H

enum store_stmt_id {
	/* Transaction control, prepared like everything else so that a busy
	 * connection parses them once (store/db.c). */
	STMT_TX_BEGIN,
	STMT_TX_SET_TENANT, /* tenant id */
	STMT_TX_COMMIT,
	STMT_TX_ROLLBACK,

	STMT_MIGRATION_APPLIED, /* version -> 1 */
	STMT_MIGRATION_RECORD,  /* version, name */

	/* The database as a whole (store/backup.c, on a connection of its own). */
	STMT_DB_SCHEMA_VERSION,  /* -> highest migration applied */
	STMT_DB_CONTENTS,        /* -> tenants, operator events other than backups' */
	STMT_DB_OTHER_SESSIONS,  /* -> clients connected to this database besides us */
	STMT_DB_APP_GRANTS,      /* -> the application role is absent or has its grants */
	STMT_DB_BACKUP_TRY_LOCK, /* -> the daily backup's session lock taken */
	STMT_DB_WIPE_SCHEMA,     /* : several statements, run as plain SQL */

	STMT_TENANT_INSERT,      /* slug, name, policy -> id */
	STMT_TENANT_BY_SLUG,     /* slug, known version -> id, slug, name, status, created_epoch,
	                            version, policy (NULL when the version is the known one) */
	STMT_TENANT_LIST,        /* -> id, slug, name, status, created_at, terminated_at,
	                            purge_after (epochs) */
	STMT_TENANT_POLICY_SET,  /* id, policy */
	STMT_TENANT_POLICY_LOCK, /* id -> policy (FOR UPDATE) */
	STMT_TENANT_LOCK_SLUG,   /* slug -> id, status, purge_after epoch, purge due (FOR UPDATE) */
	STMT_TENANT_SHARE_SLUG,  /* the same, FOR SHARE */
	STMT_TENANT_TERMINATE,   /* id, days -> purge_after epoch */
	STMT_TENANT_RESTORE,     /* id */
	STMT_TENANT_END_ACCESS,  /* id -> sessions, login flows, invitations, reset links, parked
	                            SAML requests ended */
	STMT_TENANT_PURGE_ROWS,  /* id -> rows deleted, per STORE_TENANT_TABLES, then 0 */
	STMT_TENANT_DELETE,      /* id -> affected */
	STMT_TENANT_PURGE_DUE,   /* -> slug of terminated tenants past purge_after */

	STMT_USER_BY_EMAIL,            /* email -> USER_COLS */
	STMT_USER_BY_ID,               /* id -> USER_COLS */
	STMT_USER_LOCK_BY_EMAIL,       /* email -> USER_COLS, FOR UPDATE */
	STMT_USER_LOCK_BY_ID,          /* id -> USER_COLS, FOR UPDATE */
	STMT_USER_INSERT_INVITED,      /* tenant, email, role -> id */
	STMT_USER_ACTIVATE,            /* id, name, hash -> */
	STMT_USER_LOGIN_FAIL,          /* id, max_failures -> failed_count, locked, locked_epoch */
	STMT_USER_SET_HASH,            /* id, hash, must_change -> */
	STMT_USER_REHASH,              /* id, hash: same password, new parameters */
	STMT_USER_UNLOCK,              /* id -> */
	STMT_USER_SET_STATUS,          /* id, status -> */
	STMT_USER_DELETE,              /* id -> */
	STMT_USER_SET_ROLE,            /* id, role -> */
	STMT_USER_LIST,                /* q, limit, offset -> USER_COLS */
	STMT_USER_COUNT_ACTIVE_ADMINS, /* -> n */
	STMT_USER_STATS, /* unlock_after, mfa_scope, expiry_days, warn_days, idle_days -> counts */

	STMT_MFA_GET, /* user, owner -> secret, owner's live candidate, enrolled, step, failed, left
	               */
	STMT_MFA_GET_LOCK,      /* the same, FOR UPDATE */
	STMT_MFA_SET_PENDING,   /* user, sealed */
	STMT_MFA_CONFIRM,       /* user, step */
	STMT_MFA_USE_STEP,      /* user, step */
	STMT_MFA_FAIL,          /* user, max -> failed, locked */
	STMT_MFA_REMOVE,        /* user */
	STMT_RECOVERY_DELETE,   /* user */
	STMT_RECOVERY_INSERT,   /* tenant, user, hash */
	STMT_RECOVERY_USE,      /* user, hash */
	STMT_FLOW_INSERT,       /* tenant, user, hash, expires epoch, methods, continuation */
	STMT_FLOW_BY_HASH,      /* hash -> id, user, expires epoch, methods, continuation */
	STMT_FLOW_BY_HASH_LOCK, /* the same, FOR UPDATE */
	STMT_FLOW_SET_METHODS,  /* id, methods */
	STMT_FLOW_END,          /* id */
	STMT_FLOW_END_USER,     /* user */

	STMT_CA_INSERT,        /* tenant, kind, der, subject, issuer, not_after epoch, sha -> id */
	STMT_CA_LIST,          /* -> CA_COLS */
	STMT_CA_DELETE,        /* id -> CA_COLS of the deleted row */
	STMT_USER_CERT_INSERT, /* tenant, user, sha, subject */
	STMT_USER_CERT_LIST,   /* user -> sha, subject, created epoch */
	STMT_USER_CERT_DELETE, /* user, sha */
	STMT_USER_CERT_OWNER,  /* sha -> user */
	STMT_USER_CERT_DELETE_ALL, /* user */
	STMT_CA_HAS_CERT,          /* -> whether the tenant has a CA certificate */

	STMT_HISTORY_INSERT, /* tenant, user, hash */
	STMT_HISTORY_RECENT, /* user, n -> hash */
	STMT_HISTORY_PRUNE,  /* user, keep */

	STMT_INVITE_INSERT,      /* tenant, user, token_hash, created_by, expires_at(epoch) -> id,
	                            expires_at epoch */
	STMT_INVITE_BY_HASH,     /* token_hash -> id, user_id, expires_epoch, used, revoked, email,
	                            role, status, now_epoch */
	STMT_INVITE_USE,         /* id -> (sets used_at if unused; affected=1) */
	STMT_INVITE_REVOKE_USER, /* user_id -> (revokes open invitations) */
	STMT_INVITE_LIST_OPEN,   /* -> id, email, role, created_by, created_epoch, expires_epoch */
	STMT_INVITE_REVOKE_ID,   /* id -> user_id, email */

	STMT_RESET_INSERT,          /* tenant, user, token_hash, expires(epoch) */
	STMT_RESET_BY_HASH,         /* token_hash -> id, user_id, expired, used */
	STMT_RESET_USE,             /* id -> affected */
	STMT_RESET_INVALIDATE_USER, /* user_id */
	STMT_RESET_RECENT,          /* user_id -> open links made in the last 5 minutes */

	STMT_SESSION_INSERT,     /* tenant, user, token_hash, expires(epoch), ip, ua, amr -> id */
	STMT_SESSION_BY_HASH,    /* token_hash -> SESSION_COLS */
	STMT_SESSION_TOUCH,      /* id */
	STMT_SESSION_END,        /* id, reason -> affected */
	STMT_SESSION_END_OTHERS, /* user_id, keep_id (0 = none), reason -> affected */
	STMT_SESSION_END_OTHERS_TOKEN, /* user_id, keep token_hash, reason */
	STMT_SESSION_LIVE_COUNT,       /* user_id, idle_seconds, except_id -> n */
	STMT_SESSION_LOCK_OPEN,        /* id -> 1 row when not ended (FOR UPDATE) */
	STMT_SESSION_LIST_USER,        /* user_id, idle_seconds -> id, created, last_seen, ip, ua */
	STMT_SESSION_END_OWN,          /* id, user_id, reason -> affected */

	STMT_TOKEN_INSERT,  /* tenant, name, hash */
	STMT_TOKEN_BY_HASH, /* hash -> id, name */
	STMT_TOKEN_TOUCH,   /* id */

	STMT_AUDIT_HEAD_LOCK,   /* tenant -> seq, hash */
	STMT_AUDIT_HEAD_INIT,   /* tenant */
	STMT_AUDIT_APPEND,      /* tenant, at, actor_email, actor_role, ip, action, target, result,
	                           detail: chained onto the head and hashed in one statement */
	STMT_AUDIT_QUERY,       /* from, to, action, actor, subject, by_admins, limit, offset
	                           -> AUDIT_COLS */
	STMT_AUDIT_COUNT,       /* from, to, action, actor, subject, by_admins -> n */
	STMT_AUDIT_SIGNINS,     /* -> successes, failures in 24 h; the same in 7 days */
	STMT_AUDIT_ALL,         /* -> AUDIT_COLS + prev, hash, ordered by seq (verification) */
	STMT_AUDIT_PRUNE_POINT, /* days -> seq, hash of the newest event older than that */
	STMT_AUDIT_PRUNE,       /* seq: delete events up to and including it */
	STMT_OPLOG_APPEND,      /* at, actor, role, source, action, target, result, detail */
	STMT_OPLOG_HEAD,        /* -> seq, hash of the operator log's head (locked) */
	STMT_OPLOG_ALL,         /* -> AUDIT_COLS + prev, hash of the operator log, by seq */
	STMT_OPLOG_LAST,        /* action -> AUDIT_COLS of its newest operator event */
	STMT_OPLOG_LAST_WITH,   /* action, json -> its newest success whose detail holds json */

	STMT_APP_INSERT,          /* tenant, name, url, roles -> id */
	STMT_APP_LIST,            /* -> APP_COLS, by name */
	STMT_APP_DELETE,          /* id -> APP_COLS */
	STMT_SESSION_TOUCH_BATCH, /* ids (bigint[]), seen (float8[] epochs): later activity only */

	STMT_SAMLKEY_INSERT,     /* tenant, bits, state, cert, sealed (bytea), sha256 -> id */
	STMT_SAMLKEY_SET_SEALED, /* id, sealed */
	STMT_SAMLKEY_LIST,       /* -> SAMLKEY_COLS, newest first */
	STMT_SAMLKEY_GET,        /* id -> SAMLKEY_COLS, sealed */
	STMT_SAMLKEY_ACTIVE,     /* -> id of the active key */
	STMT_SAMLKEY_RETIRE,     /* : the active key becomes previous */
	STMT_SAMLKEY_ACTIVATE,   /* id -> affected */
	STMT_SAMLKEY_DELETE,     /* id -> state of the deleted key (not the active one) */
	STMT_SAMLKEY_STATE,      /* id -> state */

	STMT_SP_INSERT, /* tenant, entity, name, metadata, format, attributes, sign, encrypt, roles
	                   -> id */
	STMT_SP_LIST,   /* -> SP_COLS by name */
	STMT_SP_DELETE, /* id -> SP_COLS */
	STMT_SP_GET,    /* id -> SP_COLS, metadata */
	STMT_SP_GET_LOCK,  /* the same, FOR UPDATE */
	STMT_SP_BY_ENTITY, /* entity_id -> SP_COLS, metadata */
	STMT_SP_UPDATE,    /* id, name, format, attributes, sign, encrypt, roles -> affected */

	STMT_SAML_SPS_FULL,      /* -> SP_COLS, metadata by id */
	STMT_SAML_SEEN_INSERT,   /* tenant, sp, request id, expires epoch -> 1 (none: seen) */
	STMT_SAML_SEEN_PRUNE,    /* : forget the IDs past their window */
	STMT_SAML_PARK_INSERT,   /* tenant, hash, sp, request id, xml, relay, force, session before,
	                            expires */
	STMT_SAML_PARK_GET,      /* hash -> sp, request id, xml, relay, force, session before,
	                            created, expires */
	STMT_SAML_PARK_DELETE,   /* hash -> affected */
	STMT_SAML_PARK_PRUNE,    /* : the expired ones */
	STMT_SAML_NAMEID_GET,    /* user, sp -> value */
	STMT_SAML_NAMEID_INSERT, /* tenant, user, sp, value */
	STMT_SAML_SSP_UPSERT,    /* tenant, session, sp, nameid, format, session index */
	STMT_SAML_SSP_BY_NAMEID, /* sp, nameid, session index ('' any) -> live session id */
	STMT_SAML_SSP_LIST,      /* session -> sp, nameid, format, session index, logout id */
	STMT_SAML_SSP_SET_LOGOUT, /* session, sp, logout id -> affected */
	STMT_SAML_SSP_DONE,       /* logout id, sp -> session id (row deleted) */
	STMT_SAML_SSP_DELETE,     /* session, sp -> affected */

	STMT_MASTERKEY_GET,       /* -> fingerprint, recovery key sealed */
	STMT_MASTERKEY_GET_LOCK,  /* the same, FOR UPDATE */
	STMT_MASTERKEY_INIT,      /* fingerprint, sealed: insert unless there is a row */
	STMT_MASTERKEY_REPLACE,   /* fingerprint, sealed, old fingerprint -> affected */
	STMT_KEYLOCK_TRY_X,       /* class, object -> got the exclusive advisory lock */
	STMT_KEYLOCK_TRY_S,       /* class, object -> got the shared advisory lock */
	STMT_KEYLOCK_RELEASE_X,   /* class, object */
	STMT_KEYLOCK_RELEASE_S,   /* class, object */
	STMT_KEYLOCK_KEEP,        /* class, object -> holds it shared (taking it if not) */
	STMT_SEALED_TOTP_LIST,    /* -> user, seed sealed, candidate sealed (locked) */
	STMT_SEALED_TOTP_SET,     /* user, seed sealed, candidate sealed -> affected */
	STMT_SEALED_SAMLKEY_LIST, /* -> id, key sealed (locked) */

	STMT__COUNT
};

#endif
