/*
 * Every SQL statement Sekisho runs, by id.  The text lives in
 * store/queries.c; callers pass text parameters in the order the comment
 * gives and read the columns in the order listed.
 */
#ifndef STORE_QUERIES_H
#define STORE_QUERIES_H

enum store_stmt_id {
	STMT_MIGRATION_APPLIED, /* version -> 1 */
	STMT_MIGRATION_RECORD,  /* version, name */

	STMT_TENANT_INSERT,      /* slug, name, policy -> id */
	STMT_TENANT_BY_SLUG,     /* slug -> id, slug, name, policy, status */
	STMT_TENANT_LIST,        /* -> id, slug, name, status, created_at, users */
	STMT_TENANT_POLICY_SET,  /* id, policy */
	STMT_TENANT_POLICY_LOCK, /* id -> policy (FOR UPDATE) */

	STMT_USER_BY_EMAIL,            /* email -> USER_COLS */
	STMT_USER_BY_ID,               /* id -> USER_COLS */
	STMT_USER_LOCK_BY_EMAIL,       /* email -> USER_COLS, FOR UPDATE */
	STMT_USER_LOCK_BY_ID,          /* id -> USER_COLS, FOR UPDATE */
	STMT_USER_INSERT_INVITED,      /* tenant, email, role -> id */
	STMT_USER_ACTIVATE,            /* id, name, hash -> */
	STMT_USER_LOGIN_FAIL,          /* id, max_failures -> failed_count, locked */
	STMT_USER_SET_HASH,            /* id, hash, must_change -> */
	STMT_USER_REHASH,              /* id, hash: same password, new parameters */
	STMT_USER_UNLOCK,              /* id -> */
	STMT_USER_SET_STATUS,          /* id, status -> */
	STMT_USER_DELETE,              /* id -> */
	STMT_USER_SET_ROLE,            /* id, role -> */
	STMT_USER_LIST,                /* q, limit, offset -> USER_COLS */
	STMT_USER_COUNT_ACTIVE_ADMINS, /* -> n */
	STMT_USER_SET_CHANGED_AT,      /* id, timestamptz text (tests/operations) */

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

	STMT_SESSION_INSERT,        /* tenant, user, token_hash, expires(epoch), ip, ua -> id */
	STMT_SESSION_BY_HASH,       /* token_hash -> SESSION_COLS */
	STMT_SESSION_TOUCH,         /* id */
	STMT_SESSION_END,           /* id, reason -> affected */
	STMT_SESSION_END_USER,      /* user_id, reason -> affected */
	STMT_SESSION_END_OTHERS,    /* user_id, keep_id, reason */
	STMT_SESSION_LIVE_COUNT,    /* user_id, idle_seconds, except_id -> n */
	STMT_SESSION_LOCK_OPEN,     /* id -> 1 row when not ended (FOR UPDATE) */
	STMT_SESSION_LIST_USER,     /* user_id, idle_seconds -> id, created, last_seen, ip, ua */
	STMT_SESSION_END_OWN,       /* id, user_id, reason -> affected */
	STMT_SESSION_SET_LAST_SEEN, /* id, epoch (tests/operations) */

	STMT_TOKEN_INSERT,  /* tenant, name, hash */
	STMT_TOKEN_BY_HASH, /* hash -> id, name */
	STMT_TOKEN_TOUCH,   /* id */

	STMT_AUDIT_HEAD_LOCK, /* tenant -> seq, hash */
	STMT_AUDIT_HEAD_INIT, /* tenant */
	STMT_AUDIT_INSERT, /* tenant, seq, at, actor_email, actor_role, ip, action, target, result,
	                      detail, prev, hash */
	STMT_AUDIT_QUERY,  /* from, to, action, actor, limit, offset -> AUDIT_COLS */
	STMT_AUDIT_COUNT,  /* from, to, action, actor -> n */
	STMT_AUDIT_ALL,    /* -> AUDIT_COLS + prev, hash, ordered by seq (verification) */
	STMT_AUDIT_PRUNE_POINT, /* days -> seq, hash of the newest event older than that */
	STMT_AUDIT_PRUNE,       /* seq: delete events up to and including it */

	STMT__COUNT
};

/* Columns of user rows, in order. */
enum {
	USER_ID,
	USER_EMAIL,
	USER_NAME,
	USER_ROLE,
	USER_STATUS,
	USER_HASH,
	USER_CHANGED_EPOCH,
	USER_MUST_CHANGE,
	USER_FAILED,
	USER_LOCKED_EPOCH,
	USER_LAST_LOGIN_EPOCH,
	USER_CREATED_EPOCH,
};

/* Columns of session rows joined with their user. */
enum {
	SES_ID,
	SES_USER_ID,
	SES_CREATED_EPOCH,
	SES_LAST_SEEN_EPOCH,
	SES_EXPIRES_EPOCH,
	SES_ENDED,
	SES_EMAIL,
	SES_NAME,
	SES_ROLE,
	SES_STATUS,
	SES_MUST_CHANGE,
	SES_CHANGED_EPOCH,
	SES_LOCKED_EPOCH,
	SES_NOW_EPOCH,
};

/* Columns of audit rows. */
enum {
	AUD_SEQ,
	AUD_AT,
	AUD_ACTOR,
	AUD_ROLE,
	AUD_IP,
	AUD_ACTION,
	AUD_TARGET,
	AUD_RESULT,
	AUD_DETAIL,
	AUD_PREV,
	AUD_HASH,
};

#endif
