-- The gateway: the applications a tenant puts behind its reverse proxies,
-- and the notifications that keep every node's caches coherent.
--
-- url is stored normalised by idp/app.c (lower-case scheme and host, explicit
-- port, path prefix without a trailing slash); roles lists the roles admitted.
CREATE TABLE apps (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  url         text NOT NULL CHECK (length(url) BETWEEN 8 AND 512),
  roles       text NOT NULL CHECK (roles IN ('user', 'admin', 'user,admin')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, url)
);

ALTER TABLE apps ENABLE ROW LEVEL SECURITY;
ALTER TABLE apps FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON apps USING (tenant_id = sekisho_tenant())
  WITH CHECK (tenant_id = sekisho_tenant());

-- A node keeps each tenant (policy and apps) as one snapshot, versioned by
-- the tenant row: a change of the apps moves that version, which also sends
-- the tenant's notification (003_tenant_notify.sql).
ALTER TABLE tenants ADD COLUMN apps_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION sekisho_apps_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE tenants SET apps_version = apps_version + 1
   WHERE id = COALESCE(NEW.tenant_id, OLD.tenant_id);
  RETURN NULL;
END $$;

CREATE TRIGGER apps_changed AFTER INSERT OR UPDATE OR DELETE ON apps
  FOR EACH ROW EXECUTE FUNCTION sekisho_apps_changed();

-- Sessions are cached by every node that answers for them.  Whatever ends a
-- session (logout, an administrator, a timeout seen by another node, a new
-- login replacing it), and whatever changes what decides a session's fate
-- (the user's status, lock, role, password, name or address, or the user's
-- deletion), tells every node through these channels, from the database
-- itself, so that no write path can forget to:
--   sekisho_session: payload the hex SHA-256 of the session's cookie token;
--   sekisho_user:    payload the user's id.
-- Writing the last activity (last_seen_at) sends nothing.
CREATE FUNCTION sekisho_session_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('sekisho_session', encode(OLD.token_hash, 'hex'));
  RETURN NULL;
END $$;

CREATE TRIGGER sessions_ended AFTER UPDATE OF ended_at ON sessions
  FOR EACH ROW WHEN (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)
  EXECUTE FUNCTION sekisho_session_changed();
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION sekisho_session_changed();

CREATE FUNCTION sekisho_user_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('sekisho_user', OLD.id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER users_changed AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                  OR OLD.locked_at IS DISTINCT FROM NEW.locked_at
                  OR OLD.role IS DISTINCT FROM NEW.role
                  OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
                  OR OLD.password_changed_at IS DISTINCT FROM NEW.password_changed_at
                  OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password
                  OR OLD.name IS DISTINCT FROM NEW.name
                  OR OLD.email IS DISTINCT FROM NEW.email)
  EXECUTE FUNCTION sekisho_user_changed();
CREATE TRIGGER users_deleted AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION sekisho_user_changed();

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON apps TO sekisho_app;
    GRANT USAGE, SELECT ON apps_id_seq TO sekisho_app;
  END IF;
END $$;
