/*
 * The SQL of Sekisho.  Every statement is a named prepared statement with
 * parameters; nothing is ever concatenated.  Tenant-owned tables are also
 * filtered by row-level security (sekisho.tenant), and statements still name
 * tenant_id where they insert, so a missing setting fails loudly.
 */
#include "store/queries.h"
#include "store/internal.h"
#include "store/tenant.h"

#define EPOCH(x) "coalesce(floor(extract(epoch from " x "))::bigint, 0)"

/* clang-format off */
#define USER_COLS \
	"id, email, name, role, status, coalesce(password_hash, ''), " \
	EPOCH("password_changed_at") ", must_change_password, failed_count, " \
	EPOCH("locked_at") ", " EPOCH("last_login_at") ", " EPOCH("created_at") ", " \
	"totp_enrolled_at IS NOT NULL, EXISTS (SELECT 1 FROM user_certificates uc WHERE " \
	"uc.user_id = users.id)"
/* clang-format on */

#define AUDIT_COLS                                                                                 \
	"seq, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), actor_email, "  \
	"actor_role, source_ip, action, target, result, detail"

/* One field of the audit hash: its length (4 bytes, big-endian), then it. */
#define HF(x) "int4send(octet_length(" x ")) || convert_to(" x ", 'UTF8')"

/* Audit filters: NULL parameters mean "no filter". */
#define AUDIT_WHERE                                                                                \
	" WHERE ($1::timestamptz IS NULL OR at >= $1::timestamptz)"                                \
	" AND ($2::timestamptz IS NULL OR at < $2::timestamptz)"                                   \
	" AND ($3::text IS NULL OR action = $3 OR action LIKE $3 || '.%')"                         \
	" AND ($4::text IS NULL OR actor_email = $4)"                                              \
	" AND ($5::text IS NULL OR actor_email = $5 OR target = $5)"                               \
	" AND (NOT $6::bool OR (actor_role IN ('admin', 'api', 'operator') AND (target <> "        \
	"actor_email OR action = 'user.role_changed') AND (action LIKE 'user.%' OR action IN "     \
	"('invitation.revoked', 'policy.updated', 'token.created', 'session.forced_logout', "      \
	"'tenant.created') OR (action = 'session.ended' AND detail NOT LIKE "                      \
	"'%\"reason\":\"relogin\"%'))))"

/* The tenant x when it is active, locked against termination until the
 * transaction ends; else no row. */
#define TENANT_ACTIVE(x)                                                                           \
	"(SELECT id FROM tenants WHERE id = " x "::bigint AND status = 'active' FOR SHARE)"

/* SQL reads better broken where SQL breaks, so the formatter keeps out. */
/* clang-format off */
const struct store_stmt store_stmts[] = {
	[STMT_TX_BEGIN] = {"tx_begin", "BEGIN"},
	/* set_config(..., true) is SET LOCAL: gone at COMMIT/ROLLBACK, so a
	 * reused connection never carries the last tenant into the next job. */
	[STMT_TX_SET_TENANT] = {"tx_set_tenant", "SELECT set_config('sekisho.tenant', $1, true)"},
	[STMT_TX_COMMIT] = {"tx_commit", "COMMIT"},
	[STMT_TX_ROLLBACK] = {"tx_rollback", "ROLLBACK"},
	[STMT_MIGRATION_APPLIED] = {"migration_applied",
		"SELECT 1 FROM schema_migrations WHERE version = $1"},
	[STMT_MIGRATION_RECORD] = {"migration_record",
		"INSERT INTO schema_migrations (version, name) VALUES ($1, $2)"},
	[STMT_DB_SCHEMA_VERSION] = {"db_schema_version",
		"SELECT CASE WHEN to_regclass('public.schema_migrations') IS NULL THEN 0 "
		"ELSE (SELECT coalesce(max(version), 0) FROM public.schema_migrations) END"},
	[STMT_DB_CONTENTS] = {"db_contents",
		"SELECT (SELECT count(*) FROM tenants), (SELECT count(*) FROM operator_events "
		"WHERE action NOT LIKE 'backup.%')"},
	[STMT_DB_OTHER_SESSIONS] = {"db_other_sessions",
		"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
		"AND pid <> pg_backend_pid() AND backend_type = 'client backend'"},
	/* Reading the tenant directory and appending to the operator log stand
	 * for the whole set: 002 grants the first, 009 the second. */
	[STMT_DB_APP_GRANTS] = {"db_app_grants",
		"SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') OR "
		"(has_schema_privilege('sekisho_app', 'public', 'USAGE') "
		"AND has_table_privilege('sekisho_app', 'public.tenants', 'SELECT,INSERT,UPDATE') "
		"AND has_table_privilege('sekisho_app', 'public.audit_events', 'INSERT') "
		"AND has_table_privilege('sekisho_app', 'public.operator_events', 'INSERT'))"},
	/* Any constant other than the migrations' one, the same on every node. */
	[STMT_DB_BACKUP_TRY_LOCK] = {"db_backup_try_lock",
		"SELECT pg_try_advisory_lock(7365697369)"},
	/* The public schema as PostgreSQL 15 creates it: owned by the
	 * database's owner, usable by everyone. */
	[STMT_DB_WIPE_SCHEMA] = {"db_wipe_schema",
		"DROP SCHEMA public CASCADE; "
		"CREATE SCHEMA public AUTHORIZATION pg_database_owner; "
		"GRANT USAGE ON SCHEMA public TO PUBLIC; "
		"COMMENT ON SCHEMA public IS 'standard public schema'"},
	[STMT_TENANT_INSERT] = {"tenant_insert",
		"INSERT INTO tenants (slug, name, policy) VALUES ($1, $2, $3) RETURNING id"},
	[STMT_TENANT_BY_SLUG] = {"tenant_by_slug",
		/* xmin changes with every update of the row: the version of the
		 * policy a node may have cached, sent again only when it moved. */
		"SELECT id, slug, name, status, " EPOCH("created_at") ", xmin::text, "
		"CASE WHEN xmin::text = $2 THEN NULL ELSE policy END "
		"FROM tenants WHERE slug = $1"},
	[STMT_TENANT_LIST] = {"tenant_list",
		"SELECT id, slug, name, status, "
		EPOCH("created_at") ", " EPOCH("terminated_at") ", " EPOCH("purge_after")
		" FROM tenants ORDER BY slug"},
	[STMT_TENANT_POLICY_SET] = {"tenant_policy_set",
		"UPDATE tenants SET policy = $2 WHERE id = $1"},
	[STMT_TENANT_POLICY_LOCK] = {"tenant_policy_lock",
		"SELECT policy FROM tenants WHERE id = $1 FOR UPDATE"},
	/* ---- termination (store/tenant.c) ---- */
	[STMT_TENANT_LOCK_SLUG] = {"tenant_lock_slug",
		"SELECT id, status, " EPOCH("purge_after") ", coalesce(purge_after <= now(), false) "
		"FROM tenants WHERE slug = $1 FOR UPDATE"},
	[STMT_TENANT_SHARE_SLUG] = {"tenant_share_slug",
		"SELECT id, status, " EPOCH("purge_after") ", coalesce(purge_after <= now(), false) "
		"FROM tenants WHERE slug = $1 FOR SHARE"},
	[STMT_TENANT_TERMINATE] = {"tenant_terminate",
		"UPDATE tenants SET status = 'terminated', terminated_at = now(), "
		"purge_after = now() + make_interval(days => $2::int) WHERE id = $1 "
		"RETURNING " EPOCH("purge_after")},
	[STMT_TENANT_RESTORE] = {"tenant_restore",
		"UPDATE tenants SET status = 'active', terminated_at = NULL, purge_after = NULL "
		"WHERE id = $1 AND status = 'terminated'"},
	/* Everything that lets someone in or will: each ended session tells
	 * every node's session cache (007_gateway.sql). */
	[STMT_TENANT_END_ACCESS] = {"tenant_end_access",
		"WITH s AS (UPDATE sessions SET ended_at = now(), end_reason = 'tenant_terminated' "
		"WHERE tenant_id = $1 AND ended_at IS NULL RETURNING 1), "
		"f AS (UPDATE login_flows SET ended_at = now() WHERE tenant_id = $1 AND ended_at "
		"IS NULL RETURNING 1), "
		"i AS (UPDATE invitations SET revoked_at = now() WHERE tenant_id = $1 AND used_at "
		"IS NULL AND revoked_at IS NULL RETURNING 1), "
		"r AS (UPDATE reset_tokens SET used_at = now() WHERE tenant_id = $1 AND used_at "
		"IS NULL RETURNING 1), "
		"p AS (DELETE FROM saml_parked WHERE tenant_id = $1 RETURNING 1) "
		"SELECT (SELECT count(*) FROM s), (SELECT count(*) FROM f), (SELECT count(*) FROM i), "
		"(SELECT count(*) FROM r), (SELECT count(*) FROM p)"},
	/* Every tenant-owned table in one statement (one snapshot); the
	 * tenant row's deletion after it cascades to anything this missed. */
#define PURGE_CTE(t)   "d_" #t " AS (DELETE FROM " #t " WHERE tenant_id = $1 RETURNING 1), "
#define PURGE_COUNT(t) "(SELECT count(*) FROM d_" #t "), "
	[STMT_TENANT_PURGE_ROWS] = {"tenant_purge_rows",
		"WITH " STORE_TENANT_TABLES(PURGE_CTE) "nothing AS (SELECT 1) "
		"SELECT " STORE_TENANT_TABLES(PURGE_COUNT) "0"},
#undef PURGE_CTE
#undef PURGE_COUNT
	[STMT_TENANT_DELETE] = {"tenant_delete",
		"DELETE FROM tenants WHERE id = $1"},
	[STMT_TENANT_PURGE_DUE] = {"tenant_purge_due",
		"SELECT slug FROM tenants WHERE status = 'terminated' AND purge_after <= now() "
		"ORDER BY purge_after, slug"},
	[STMT_USER_BY_EMAIL] = {"user_by_email",
		"SELECT "
		USER_COLS
		" FROM users WHERE email = $1"},
	[STMT_USER_BY_ID] = {"user_by_id",
		"SELECT "
		USER_COLS
		" FROM users WHERE id = $1"},
	[STMT_USER_LOCK_BY_EMAIL] = {"user_lock_by_email",
		"SELECT "
		USER_COLS
		" FROM users WHERE email = $1 FOR UPDATE"},
	[STMT_USER_LOCK_BY_ID] = {"user_lock_by_id",
		"SELECT "
		USER_COLS
		" FROM users WHERE id = $1 FOR UPDATE"},
	[STMT_USER_INSERT_INVITED] = {"user_insert_invited",
		"INSERT INTO users (tenant_id, email, role, status) VALUES ($1, $2, $3, "
		"'invited') RETURNING id"},
	[STMT_USER_ACTIVATE] = {"user_activate",
		"UPDATE users SET name = $2, password_hash = $3, status = 'active', "
		"password_changed_at = now(), must_change_password = false, failed_count = "
		"0, locked_at = NULL, last_login_at = now() WHERE id = $1 AND status = "
		"'invited'"},
	/* One atomic statement: parallel failures cannot overshoot the limit,
	 * and only an unlocked row is counted, so exactly one failure reports
	 * that it locked the account, however many arrive at once. */
	[STMT_USER_LOGIN_FAIL] = {"user_login_fail",
		"UPDATE users SET failed_count = failed_count + 1, locked_at = CASE WHEN "
		"$2::int > 0 AND failed_count + 1 >= $2::int THEN now() END WHERE id = $1 "
		"AND locked_at IS NULL RETURNING failed_count, locked_at IS NOT NULL, "
		EPOCH("locked_at")},
	[STMT_USER_SET_HASH] = {"user_set_hash",
		"UPDATE users SET password_hash = $2, password_changed_at = now(), "
		"must_change_password = $3 WHERE id = $1"},
	/* A rehash keeps password_changed_at: the password itself did not change. */
	[STMT_USER_REHASH] = {"user_rehash",
		"UPDATE users SET password_hash = $2 WHERE id = $1"},
	[STMT_USER_UNLOCK] = {"user_unlock",
		"UPDATE users SET failed_count = 0, mfa_failed_count = 0, locked_at = NULL "
		"WHERE id = $1"},
	[STMT_USER_SET_STATUS] = {"user_set_status",
		"UPDATE users SET status = $2 WHERE id = $1"},
	[STMT_USER_DELETE] = {"user_delete",
		"DELETE FROM users WHERE id = $1"},
	[STMT_USER_SET_ROLE] = {"user_set_role",
		"UPDATE users SET role = $2 WHERE id = $1"},
	[STMT_USER_LIST] = {"user_list",
		"SELECT "
		USER_COLS
		" FROM users WHERE ($1::text IS NULL OR strpos(lower(email), lower($1)) > 0 "
		"OR strpos(lower(name), lower($1)) > 0) ORDER BY email LIMIT $2 OFFSET $3"},
	[STMT_USER_COUNT_ACTIVE_ADMINS] = {"user_count_active_admins",
		"SELECT count(*) FROM users WHERE role = 'admin' AND status = 'active'"},
	/* The overview's user figures in one pass.  A lock holds while
	 * unlock_after ($1 s) has not run out (0 = until an administrator
	 * unlocks: idp_lock_holds).  $2 names who must use a second factor
	 * ('admins', 'all', NULL = nobody): the active users it covers who have
	 * no confirmed TOTP are counted.  $3 is the password expiry
	 * in days (0 = never), $4 the warning window, $5 the days after which
	 * an active account counts as unused. */
	[STMT_USER_STATS] = {"user_stats",
		"SELECT count(*) FILTER (WHERE status = 'active' AND NOT locked), "
		"count(*) FILTER (WHERE status = 'invited'), "
		"count(*) FILTER (WHERE status = 'suspended'), "
		"count(*) FILTER (WHERE status = 'active' AND locked), "
		"count(*) FILTER (WHERE status = 'active' AND totp_enrolled_at IS NULL AND "
		"($2::text = 'all' OR ($2::text = 'admins' AND role = 'admin'))), "
		"count(*) FILTER (WHERE status = 'active' AND coalesce(last_login_at, created_at) "
		"< now() - make_interval(days => $5::int)), "
		"count(*) FILTER (WHERE status = 'active' AND $3::int > 0 AND expires <= now()), "
		"count(*) FILTER (WHERE status = 'active' AND $3::int > 0 AND expires > now() "
		"AND expires <= now() + make_interval(days => $4::int)) "
		"FROM (SELECT status, role, last_login_at, created_at, totp_enrolled_at, "
		"locked_at IS NOT NULL AND ($1::int = 0 OR locked_at > now() - "
		"make_interval(secs => $1::int)) AS locked, "
		"password_changed_at + make_interval(days => $3::int) AS expires FROM users) u"},
	/* ---- second factors (store/mfa.c) ---- */
#define MFA_COLS \
	"totp_secret, CASE WHEN totp_pending_owner = $2 AND totp_pending_until > now() THEN " \
	"totp_pending END, " EPOCH("totp_enrolled_at") ", totp_last_step, " \
	"mfa_failed_count, (SELECT count(*) FROM mfa_recovery_codes r WHERE r.user_id = " \
	"users.id AND r.used_at IS NULL)"
	[STMT_MFA_GET] = {"mfa_get", "SELECT " MFA_COLS " FROM users WHERE id = $1"},
	[STMT_MFA_GET_LOCK] = {"mfa_get_lock",
		"SELECT " MFA_COLS " FROM users WHERE id = $1 FOR UPDATE"},
	[STMT_MFA_SET_PENDING] = {"mfa_set_pending",
		"UPDATE users SET totp_pending = $2, totp_pending_owner = $3, totp_pending_until "
		"= now() + interval '10 minutes' WHERE id = $1"},
	[STMT_MFA_CONFIRM] = {"mfa_confirm",
		"UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, "
		"totp_pending_owner = NULL, totp_pending_until = NULL, totp_enrolled_at = now(), "
		"totp_last_step = $2, mfa_failed_count = 0 WHERE id = $1 AND totp_pending IS NOT "
		"NULL AND totp_pending_owner = $3 AND totp_pending_until > now()"},
	[STMT_MFA_USE_STEP] = {"mfa_use_step",
		"UPDATE users SET totp_last_step = $2, mfa_failed_count = 0 WHERE id = $1 "
		"AND totp_last_step < $2"},
	/* Like user_login_fail: counted only while the row is not locked, and
	 * the count that reaches max locks it, in one statement. */
	[STMT_MFA_FAIL] = {"mfa_fail",
		"UPDATE users SET mfa_failed_count = mfa_failed_count + 1, locked_at = CASE "
		"WHEN $2::int > 0 AND mfa_failed_count + 1 >= $2::int THEN now() ELSE NULL END "
		"WHERE id = $1 AND locked_at IS NULL RETURNING mfa_failed_count, "
		"locked_at IS NOT NULL"},
	[STMT_MFA_REMOVE] = {"mfa_remove",
		"UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_pending_owner = "
		"NULL, totp_pending_until = NULL, totp_enrolled_at = NULL, mfa_failed_count = 0 "
		"WHERE id = $1"},
	[STMT_RECOVERY_DELETE] = {"recovery_delete",
		"DELETE FROM mfa_recovery_codes WHERE user_id = $1"},
	[STMT_RECOVERY_INSERT] = {"recovery_insert",
		"INSERT INTO mfa_recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, $3)"},
	[STMT_RECOVERY_USE] = {"recovery_use",
		"UPDATE mfa_recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = "
		"$2 AND used_at IS NULL"},
	[STMT_FLOW_INSERT] = {"flow_insert",
		"INSERT INTO login_flows (tenant_id, user_id, token_hash, expires_at, methods, "
		"continuation) VALUES ($1, $2, $3, to_timestamp($4), $5, $6)"},
	[STMT_FLOW_BY_HASH] = {"flow_by_hash",
		"SELECT id, user_id, " EPOCH("expires_at") ", methods, continuation FROM "
		"login_flows WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now()"},
	[STMT_FLOW_BY_HASH_LOCK] = {"flow_by_hash_lock",
		"SELECT id, user_id, " EPOCH("expires_at") ", methods, continuation FROM "
		"login_flows WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now() "
		"FOR UPDATE"},
	[STMT_FLOW_SET_METHODS] = {"flow_set_methods",
		"UPDATE login_flows SET methods = $2 WHERE id = $1"},
	[STMT_FLOW_END] = {"flow_end",
		"UPDATE login_flows SET ended_at = now() WHERE id = $1 AND ended_at IS NULL"},
	[STMT_FLOW_END_USER] = {"flow_end_user",
		"UPDATE login_flows SET ended_at = now() WHERE user_id = $1 AND ended_at IS NULL"},
	/* ---- client certificates (store/cert.c) ---- */
#define CA_COLS "id, kind, der, subject, issuer, " EPOCH("not_after") ", sha256, " EPOCH("created_at")
	[STMT_CA_INSERT] = {"ca_insert",
		"INSERT INTO client_cas (tenant_id, kind, der, subject, issuer, not_after, sha256) "
		"VALUES ($1, $2, $3, $4, $5, to_timestamp($6), $7) RETURNING id"},
	[STMT_CA_LIST] = {"ca_list", "SELECT " CA_COLS " FROM client_cas ORDER BY id"},
	[STMT_CA_DELETE] = {"ca_delete",
		"DELETE FROM client_cas WHERE id = $1 RETURNING " CA_COLS},
	[STMT_USER_CERT_INSERT] = {"user_cert_insert",
		"INSERT INTO user_certificates (tenant_id, user_id, sha256, subject) VALUES ($1, $2, "
		"$3, $4)"},
	[STMT_USER_CERT_LIST] = {"user_cert_list",
		"SELECT sha256, subject, " EPOCH("created_at") " FROM user_certificates WHERE user_id = "
		"$1 ORDER BY id DESC"},
	[STMT_USER_CERT_DELETE] = {"user_cert_delete",
		"DELETE FROM user_certificates WHERE user_id = $1 AND sha256 = $2"},
	[STMT_CA_HAS_CERT] = {"ca_has_cert",
		"SELECT EXISTS (SELECT 1 FROM client_cas WHERE kind = 'cert')"},
	[STMT_USER_CERT_DELETE_ALL] = {"user_cert_delete_all",
		"DELETE FROM user_certificates WHERE user_id = $1"},
	[STMT_USER_CERT_OWNER] = {"user_cert_owner",
		"SELECT user_id FROM user_certificates WHERE sha256 = $1"},
	[STMT_APP_INSERT] = {"app_insert",
		"INSERT INTO apps (tenant_id, name, url, roles) VALUES ($1, $2, $3, $4) RETURNING id"},
	[STMT_APP_LIST] = {"app_list",
		"SELECT id, name, url, roles, " EPOCH("created_at") " FROM apps ORDER BY lower(name), id"},
	[STMT_APP_DELETE] = {"app_delete",
		"DELETE FROM apps WHERE id = $1 RETURNING id, name, url, roles, " EPOCH("created_at")},
	/* Activity seen by a node's session cache, written in batches: never
	 * moves a session's last activity back, and leaves ended ones alone. */
	[STMT_SESSION_TOUCH_BATCH] = {"session_touch_batch",
		"UPDATE sessions s SET last_seen_at = to_timestamp(x.seen) "
		"FROM unnest($1::bigint[], $2::float8[]) AS x(id, seen) "
		"WHERE s.id = x.id AND s.ended_at IS NULL AND s.last_seen_at < to_timestamp(x.seen)"},
	[STMT_SAMLKEY_INSERT] = {"samlkey_insert",
		"INSERT INTO saml_keys (tenant_id, bits, state, cert_pem, key_sealed, sha256) "
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"},
	[STMT_SAMLKEY_SET_SEALED] = {"samlkey_set_sealed",
		"UPDATE saml_keys SET key_sealed = $2 WHERE id = $1"},
	[STMT_SAMLKEY_LIST] = {"samlkey_list",
		"SELECT id, bits, state, cert_pem, sha256, " EPOCH("created_at") ", "
		EPOCH("activated_at") " FROM saml_keys ORDER BY id DESC"},
	[STMT_SAMLKEY_GET] = {"samlkey_get",
		"SELECT id, bits, state, cert_pem, sha256, " EPOCH("created_at") ", "
		EPOCH("activated_at") ", key_sealed FROM saml_keys WHERE id = $1"},
	[STMT_SAMLKEY_ACTIVE] = {"samlkey_active",
		"SELECT id FROM saml_keys WHERE state = 'active'"},
	[STMT_SAMLKEY_RETIRE] = {"samlkey_retire",
		"UPDATE saml_keys SET state = 'previous' WHERE state = 'active'"},
	[STMT_SAMLKEY_ACTIVATE] = {"samlkey_activate",
		"UPDATE saml_keys SET state = 'active', activated_at = now() WHERE id = $1"},
	[STMT_SAMLKEY_DELETE] = {"samlkey_delete",
		"DELETE FROM saml_keys WHERE id = $1 AND state <> 'active' RETURNING state"},
	[STMT_SAMLKEY_STATE] = {"samlkey_state",
		"SELECT state FROM saml_keys WHERE id = $1"},
	[STMT_SP_INSERT] = {"sp_insert",
		"INSERT INTO service_providers (tenant_id, entity_id, name, metadata, nameid_format, "
		"attributes, sign, encrypt, roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
		"RETURNING id"},
	[STMT_SP_LIST] = {"sp_list",
		"SELECT id, entity_id, name, nameid_format, attributes, sign, encrypt, roles, "
		EPOCH("created_at") " FROM service_providers ORDER BY lower(name), id"},
	[STMT_SP_DELETE] = {"sp_delete",
		"DELETE FROM service_providers WHERE id = $1 RETURNING id, entity_id, name, "
		"nameid_format, attributes, sign, encrypt, roles, " EPOCH("created_at")},
	[STMT_SAML_SPS_FULL] = {"saml_sps_full",
		"SELECT id, entity_id, name, nameid_format, attributes, sign, encrypt, roles, "
		EPOCH("created_at") ", metadata FROM service_providers ORDER BY id"},
	[STMT_SAML_SEEN_INSERT] = {"saml_seen_insert",
		"INSERT INTO saml_seen (tenant_id, sp_id, request_id, expires_at) "
		"VALUES ($1, $2, $3, to_timestamp($4)) ON CONFLICT DO NOTHING RETURNING 1"},
	[STMT_SAML_SEEN_PRUNE] = {"saml_seen_prune",
		"DELETE FROM saml_seen WHERE expires_at < now()"},
	[STMT_SAML_PARK_INSERT] = {"saml_park_insert",
		"INSERT INTO saml_parked (tenant_id, handle_hash, sp_id, request_id, request_xml, "
		"relay_state, force_authn, session_before, expires_at) "
		"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9))"},
	[STMT_SAML_PARK_GET] = {"saml_park_get",
		"SELECT sp_id, request_id, request_xml, relay_state, force_authn, session_before, "
		EPOCH("created_at") ", " EPOCH("expires_at") " FROM saml_parked WHERE handle_hash = $1"},
	[STMT_SAML_PARK_DELETE] = {"saml_park_delete",
		"DELETE FROM saml_parked WHERE handle_hash = $1"},
	[STMT_SAML_PARK_PRUNE] = {"saml_park_prune",
		"DELETE FROM saml_parked WHERE expires_at < now()"},
	[STMT_SAML_NAMEID_GET] = {"saml_nameid_get",
		"SELECT value FROM saml_nameids WHERE user_id = $1 AND sp_id = $2"},
	[STMT_SAML_NAMEID_INSERT] = {"saml_nameid_insert",
		"INSERT INTO saml_nameids (tenant_id, user_id, sp_id, value) VALUES ($1, $2, $3, $4) "
		"ON CONFLICT (user_id, sp_id) DO NOTHING"},
	[STMT_SAML_SSP_UPSERT] = {"saml_ssp_upsert",
		"INSERT INTO saml_session_sps (tenant_id, session_id, sp_id, nameid, nameid_format, "
		"session_index) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (session_id, sp_id) DO "
		"UPDATE SET nameid = EXCLUDED.nameid, nameid_format = EXCLUDED.nameid_format, "
		"session_index = EXCLUDED.session_index, logout_id = NULL"},
	[STMT_SAML_SSP_BY_NAMEID] = {"saml_ssp_by_nameid",
		"SELECT p.session_id FROM saml_session_sps p JOIN sessions s ON s.id = p.session_id "
		"WHERE p.sp_id = $1 AND p.nameid = $2 AND ($3 = '' OR p.session_index = $3) "
		"AND s.ended_at IS NULL ORDER BY p.created_at DESC LIMIT 1"},
	[STMT_SAML_SSP_LIST] = {"saml_ssp_list",
		"SELECT sp_id, nameid, nameid_format, session_index, coalesce(logout_id, '') "
		"FROM saml_session_sps WHERE session_id = $1 ORDER BY created_at, sp_id"},
	[STMT_SAML_SSP_SET_LOGOUT] = {"saml_ssp_set_logout",
		"UPDATE saml_session_sps SET logout_id = $3 WHERE session_id = $1 AND sp_id = $2"},
	[STMT_SAML_SSP_DONE] = {"saml_ssp_done",
		"DELETE FROM saml_session_sps WHERE logout_id = $1 AND sp_id = $2 RETURNING session_id"},
	[STMT_SAML_SSP_DELETE] = {"saml_ssp_delete",
		"DELETE FROM saml_session_sps WHERE session_id = $1 AND sp_id = $2"},
#define SP_COLS "id, entity_id, name, nameid_format, attributes, sign, encrypt, roles, " \
	EPOCH("created_at")
	[STMT_SP_GET] = {"sp_get",
		"SELECT " SP_COLS ", metadata FROM service_providers WHERE id = $1"},
	[STMT_SP_GET_LOCK] = {"sp_get_lock",
		"SELECT " SP_COLS ", metadata FROM service_providers WHERE id = $1 FOR UPDATE"},
	[STMT_SP_BY_ENTITY] = {"sp_by_entity",
		"SELECT " SP_COLS ", metadata FROM service_providers WHERE entity_id = $1"},
	[STMT_SP_UPDATE] = {"sp_update",
		"UPDATE service_providers SET name = $2, nameid_format = $3, attributes = $4, "
		"sign = $5, encrypt = $6, roles = $7 WHERE id = $1"},
	[STMT_HISTORY_INSERT] = {"history_insert",
		"INSERT INTO password_history (tenant_id, user_id, hash) VALUES ($1, $2, $3)"},
	[STMT_HISTORY_RECENT] = {"history_recent",
		"SELECT hash FROM password_history WHERE user_id = $1 ORDER BY created_at "
		"DESC, id DESC LIMIT $2"},
	[STMT_HISTORY_PRUNE] = {"history_prune",
		"DELETE FROM password_history WHERE user_id = $1 AND id NOT IN (SELECT id "
		"FROM password_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC "
		"LIMIT $2)"},
	[STMT_INVITE_INSERT] = {"invite_insert",
		"INSERT INTO invitations (tenant_id, user_id, token_hash, created_by, "
		"expires_at) SELECT t.id, $2, $3, $4, to_timestamp($5) FROM "
		TENANT_ACTIVE("$1") " t RETURNING id, "
		EPOCH("expires_at")},
	[STMT_INVITE_BY_HASH] = {"invite_by_hash",
		"SELECT i.id, i.user_id, "
		EPOCH("i.expires_at")
		", i.used_at IS NOT NULL, i.revoked_at IS NOT NULL, u.email, u.role, "
		"u.status, "
		EPOCH("now()")
		" FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.token_hash = "
		"$1 FOR UPDATE OF i, u"},
	[STMT_INVITE_USE] = {"invite_use",
		"UPDATE invitations SET used_at = now() WHERE id = $1 AND used_at IS NULL "
		"AND revoked_at IS NULL AND expires_at > now()"},
	[STMT_INVITE_REVOKE_USER] = {"invite_revoke_user",
		"UPDATE invitations SET revoked_at = now() WHERE user_id = $1 AND used_at IS "
		"NULL AND revoked_at IS NULL"},
	[STMT_INVITE_LIST_OPEN] = {"invite_list_open",
		"SELECT i.id, u.email, u.role, i.created_by, "
		EPOCH("i.created_at")
		", "
		EPOCH("i.expires_at")
		" FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.used_at IS "
		"NULL AND i.revoked_at IS NULL AND i.expires_at > now() ORDER BY "
		"i.created_at DESC LIMIT 500"},
	[STMT_INVITE_REVOKE_ID] = {"invite_revoke_id",
		"UPDATE invitations i SET revoked_at = now() FROM users u WHERE i.id = $1 "
		"AND u.id = i.user_id AND i.used_at IS NULL AND i.revoked_at IS NULL "
		"RETURNING i.user_id, u.email"},
	[STMT_RESET_INSERT] = {"reset_insert",
		"INSERT INTO reset_tokens (tenant_id, user_id, token_hash, expires_at) "
		"SELECT t.id, $2, $3, to_timestamp($4) FROM " TENANT_ACTIVE("$1") " t"},
	[STMT_RESET_BY_HASH] = {"reset_by_hash",
		"SELECT id, user_id, expires_at <= now(), used_at IS NOT NULL FROM "
		"reset_tokens WHERE token_hash = $1 FOR UPDATE"},
	[STMT_RESET_USE] = {"reset_use",
		"UPDATE reset_tokens SET used_at = now() WHERE id = $1 AND used_at IS NULL "
		"AND expires_at > now()"},
	[STMT_RESET_INVALIDATE_USER] = {"reset_invalidate_user",
		"UPDATE reset_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS "
		"NULL"},
	[STMT_RESET_RECENT] = {"reset_recent",
		"SELECT count(*) FROM reset_tokens WHERE user_id = $1 AND used_at IS NULL "
		"AND created_at > now() - interval '5 minutes'"},
	/* A new session is a successful login: the same statement clears the
	 * user's failure count and stamps the login.  The tenant must still be
	 * active, under a share lock: a termination either waits for this
	 * login (and then ends its session) or is seen by it (NULL tenant: the
	 * insert fails). */
	[STMT_SESSION_INSERT] = {"session_insert",
		"WITH t AS " TENANT_ACTIVE("$1") ", "
		"s AS (INSERT INTO sessions (tenant_id, user_id, token_hash, "
		"expires_at, ip, user_agent, amr) SELECT t.id, $2, $3, "
		"to_timestamp($4), $5, $6, $7 FROM t "
		"RETURNING id), u AS (UPDATE users SET failed_count = 0, mfa_failed_count = 0, "
		"locked_at = NULL, last_login_at = now() WHERE id = $2 AND EXISTS (SELECT FROM s)) "
		"SELECT id FROM s"},
	[STMT_SESSION_BY_HASH] = {"session_by_hash",
		"SELECT s.id, s.user_id, "
		EPOCH("s.created_at")
		", "
		EPOCH("s.last_seen_at")
		", "
		EPOCH("s.expires_at")
		", s.ended_at IS NOT NULL, u.email, u.name, u.role, u.status, "
		"u.must_change_password, "
		EPOCH("u.password_changed_at")
		", "
		EPOCH("u.locked_at")
		", "
		EPOCH("now()")
		", s.amr FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"},
	[STMT_SESSION_TOUCH] = {"session_touch",
		"UPDATE sessions SET last_seen_at = now() WHERE id = $1"},
	[STMT_SESSION_END] = {"session_end",
		"UPDATE sessions SET ended_at = now(), end_reason = $2 WHERE id = $1 AND "
		"ended_at IS NULL"},
	[STMT_SESSION_END_OTHERS] = {"session_end_others",
		"UPDATE sessions SET ended_at = now(), end_reason = $3 WHERE user_id = $1 "
		"AND id <> $2 AND ended_at IS NULL"},
	[STMT_SESSION_END_OTHERS_TOKEN] = {"session_end_others_token",
		"UPDATE sessions SET ended_at = now(), end_reason = $3 WHERE user_id = $1 "
		"AND token_hash <> $2 AND ended_at IS NULL"},
	[STMT_SESSION_LIVE_COUNT] = {"session_live_count",
		"SELECT count(*) FROM sessions WHERE user_id = $1 AND id <> $3 AND ended_at "
		"IS NULL AND expires_at > now() AND last_seen_at > now() - "
		"make_interval(secs => $2::int)"},
	[STMT_SESSION_LOCK_OPEN] = {"session_lock_open",
		"SELECT 1 FROM sessions WHERE id = $1 AND ended_at IS NULL FOR UPDATE"},
	[STMT_SESSION_LIST_USER] = {"session_list_user",
		"SELECT id, "
		EPOCH("created_at")
		", "
		EPOCH("last_seen_at")
		", ip, user_agent FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND "
		"expires_at > now() AND last_seen_at > now() - make_interval(secs => "
		"$2::int) ORDER BY created_at DESC LIMIT 100"},
	[STMT_SESSION_END_OWN] = {"session_end_own",
		"UPDATE sessions SET ended_at = now(), end_reason = $3 WHERE id = $1 AND "
		"user_id = $2 AND ended_at IS NULL"},
	[STMT_TOKEN_INSERT] = {"token_insert",
		"INSERT INTO api_tokens (tenant_id, name, token_hash) VALUES ($1, $2, $3) "
		"RETURNING id"},
	[STMT_TOKEN_BY_HASH] = {"token_by_hash",
		"SELECT id, name FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL"},
	[STMT_TOKEN_TOUCH] = {"token_touch",
		"UPDATE api_tokens SET last_used_at = now() WHERE id = $1 AND (last_used_at "
		"IS NULL OR last_used_at < now() - interval '1 minute')"},
	[STMT_AUDIT_HEAD_LOCK] = {"audit_head_lock",
		"SELECT seq, hash FROM audit_heads WHERE tenant_id = $1 FOR UPDATE"},
	[STMT_AUDIT_HEAD_INIT] = {"audit_head_init",
		"INSERT INTO audit_heads (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING"},
	/* The event, its hash and the new chain head in one statement, so an
	 * audited change costs no round trip of its own.  The hash is
	 * idp_audit_hash (idp/audit.c), which `sekisho audit verify` recomputes:
	 * SHA-256 over "sekisho-audit-v1", the previous hash, and each field as
	 * a 4-byte big-endian length and its UTF-8 bytes.  Without a chain head
	 * (made with the tenant) seq is NULL and the insert fails. */
	[STMT_AUDIT_APPEND] = {"audit_append",
		"WITH h AS (SELECT seq, hash FROM audit_heads WHERE tenant_id = $1::bigint "
		"FOR UPDATE), "
		"ev AS (INSERT INTO audit_events (tenant_id, seq, at, actor_email, actor_role, "
		"source_ip, action, target, result, detail, prev_hash, hash) "
		"SELECT $1::bigint, h.seq + 1, $2::text::timestamptz, $3::text, $4::text, "
		"$5::text, $6::text, $7::text, $8::text, $9::text, h.hash, "
		"sha256('sekisho-audit-v1'::bytea || h.hash || "
		HF("$1::bigint::text") " || " HF("(h.seq + 1)::text") " || "
		HF("$2::text") " || " HF("$3::text") " || " HF("$4::text") " || "
		HF("$5::text") " || " HF("$6::text") " || " HF("$7::text") " || "
		HF("$8::text") " || " HF("$9::text") ") "
		"FROM (SELECT 1) AS one LEFT JOIN h ON true "
		"RETURNING tenant_id, seq, hash) "
		"UPDATE audit_heads a SET seq = ev.seq, hash = ev.hash FROM ev "
		"WHERE a.tenant_id = ev.tenant_id"},
	[STMT_AUDIT_QUERY] = {"audit_query",
		"SELECT "
		AUDIT_COLS
		" FROM audit_events"
		AUDIT_WHERE
		" ORDER BY seq DESC LIMIT $7 OFFSET $8"},
	[STMT_AUDIT_COUNT] = {"audit_count",
		"SELECT count(*) FROM audit_events"
		AUDIT_WHERE},
	[STMT_AUDIT_SIGNINS] = {"audit_signins",
		"SELECT count(*) FILTER (WHERE action = 'login.success' AND at > now() - "
		"interval '24 hours'), count(*) FILTER (WHERE action = 'login.failure' AND "
		"at > now() - interval '24 hours'), count(*) FILTER (WHERE action = "
		"'login.success'), count(*) FILTER (WHERE action = 'login.failure') FROM "
		"audit_events WHERE at > now() - interval '7 days' AND action IN "
		"('login.success', 'login.failure')"},
	[STMT_AUDIT_PRUNE_POINT] = {"audit_prune_point",
		"SELECT seq, hash FROM audit_events WHERE at < now() - make_interval(days => "
		"$1::int) ORDER BY seq DESC LIMIT 1"},
	[STMT_AUDIT_PRUNE] = {"audit_prune",
		"DELETE FROM audit_events WHERE seq <= $1"},
	[STMT_AUDIT_ALL] = {"audit_all",
		"SELECT "
		AUDIT_COLS
		", prev_hash, hash FROM audit_events ORDER BY seq"},
	/* The operator log: chained as a tenant's audit log is, with tenant "0". */
	[STMT_OPLOG_APPEND] = {"oplog_append",
		"WITH h AS (SELECT seq, hash FROM operator_head FOR UPDATE), "
		"ev AS (INSERT INTO operator_events (seq, at, actor_email, actor_role, "
		"source_ip, action, target, result, detail, prev_hash, hash) "
		"SELECT h.seq + 1, $1::text::timestamptz, $2::text, $3::text, $4::text, "
		"$5::text, $6::text, $7::text, $8::text, h.hash, "
		"sha256('sekisho-audit-v1'::bytea || h.hash || "
		HF("'0'::text") " || " HF("(h.seq + 1)::text") " || "
		HF("$1::text") " || " HF("$2::text") " || " HF("$3::text") " || "
		HF("$4::text") " || " HF("$5::text") " || " HF("$6::text") " || "
		HF("$7::text") " || " HF("$8::text") ") "
		"FROM h RETURNING seq, hash) "
		"UPDATE operator_head o SET seq = ev.seq, hash = ev.hash FROM ev"},
	[STMT_OPLOG_HEAD] = {"oplog_head",
		"SELECT seq, hash FROM operator_head FOR UPDATE"},
	[STMT_OPLOG_ALL] = {"oplog_all",
		"SELECT "
		AUDIT_COLS
		", prev_hash, hash FROM operator_events ORDER BY seq"},
	[STMT_OPLOG_LAST] = {"oplog_last",
		"SELECT "
		AUDIT_COLS
		" FROM operator_events WHERE action = $1 ORDER BY seq DESC LIMIT 1"},
	[STMT_OPLOG_LAST_WITH] = {"oplog_last_with",
		"SELECT "
		AUDIT_COLS
		" FROM operator_events WHERE action = $1 AND result = 'success' "
		"AND detail::jsonb @> $2::jsonb ORDER BY seq DESC LIMIT 1"},

	/* The master key (migration 010) and the lock that keeps a rotation
	 * away from every process holding keys derived from the old one. */
	[STMT_MASTERKEY_GET] = {"masterkey_get",
		"SELECT fingerprint, recovery_sealed FROM master_key"},
	[STMT_MASTERKEY_GET_LOCK] = {"masterkey_get_lock",
		"SELECT fingerprint, recovery_sealed FROM master_key FOR UPDATE"},
	[STMT_MASTERKEY_INIT] = {"masterkey_init",
		"INSERT INTO master_key (fingerprint, recovery_sealed) VALUES ($1, $2) "
		"ON CONFLICT (one) DO NOTHING"},
	[STMT_MASTERKEY_REPLACE] = {"masterkey_replace",
		"UPDATE master_key SET fingerprint = $1, recovery_sealed = $2, changed_at = now() "
		"WHERE fingerprint = $3"},
	[STMT_KEYLOCK_TRY_X] = {"keylock_try_x",
		"SELECT pg_try_advisory_lock($1::int4, $2::int4)"},
	[STMT_KEYLOCK_TRY_S] = {"keylock_try_s",
		"SELECT pg_try_advisory_lock_shared($1::int4, $2::int4)"},
	[STMT_KEYLOCK_RELEASE_X] = {"keylock_release_x",
		"SELECT pg_advisory_unlock($1::int4, $2::int4)"},
	[STMT_KEYLOCK_RELEASE_S] = {"keylock_release_s",
		"SELECT pg_advisory_unlock_shared($1::int4, $2::int4)"},
	/* CASE evaluates in order: the lock is taken only when not held. */
	[STMT_KEYLOCK_KEEP] = {"keylock_keep",
		"SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
		"AND pid = pg_backend_pid() AND classid = $1::int4::oid "
		"AND objid = $2::int4::oid AND objsubid = 2 AND mode = 'ShareLock' AND granted) "
		"THEN true ELSE pg_try_advisory_lock_shared($1::int4, $2::int4) END"},
	[STMT_SEALED_TOTP_LIST] = {"sealed_totp_list",
		"SELECT id, totp_secret, totp_pending FROM users "
		"WHERE totp_secret IS NOT NULL OR totp_pending IS NOT NULL ORDER BY id FOR UPDATE"},
	[STMT_SEALED_TOTP_SET] = {"sealed_totp_set",
		"UPDATE users SET totp_secret = $2, totp_pending = $3 WHERE id = $1 "
		"AND (totp_secret IS NULL) = ($2::bytea IS NULL) "
		"AND (totp_pending IS NULL) = ($3::bytea IS NULL)"},
	[STMT_SEALED_SAMLKEY_LIST] = {"sealed_samlkey_list",
		"SELECT id, key_sealed FROM saml_keys ORDER BY id FOR UPDATE"},
};
/* clang-format on */

const int store_stmts_count = STMT__COUNT;
