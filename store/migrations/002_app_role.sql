-- The daemon's queries run as sekisho_app, which owns nothing: row-level
-- security binds it without exception, and it cannot ALTER or DROP what it
-- reads (STACK.md: migrations as the owner, the application as another role).
-- With an external database the operator creates the role (or points
-- database_app_url at another one); without it this migration grants nothing.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT USAGE ON SCHEMA public TO sekisho_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sekisho_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sekisho_app;
    REVOKE ALL ON schema_migrations FROM sekisho_app;
    -- The audit log is append-only for the application.
    REVOKE UPDATE ON audit_events FROM sekisho_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sekisho_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sekisho_app;
  END IF;
END $$;
