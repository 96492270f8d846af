-- Sekisho schema, version 1: tenants, users, password history, invitations,
-- password reset tokens, sessions, API tokens and the hash-chained audit log.
--
-- Tenant isolation is enforced here as well as in C: every tenant-owned table
-- has row-level security keyed by the transaction-local setting
-- sekisho.tenant, FORCEd so that it also binds the tables' owner (the role
-- the daemon runs as).  A transaction without the setting sees no rows.

CREATE FUNCTION sekisho_tenant() RETURNS bigint
  LANGUAGE sql STABLE
  AS $$ SELECT NULLIF(current_setting('sekisho.tenant', true), '')::bigint $$;

CREATE TABLE tenants (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  policy      text NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'terminated')),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                   bigserial PRIMARY KEY,
  tenant_id            bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email                text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  name                 text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
  role                 text NOT NULL CHECK (role IN ('admin', 'user')),
  status               text NOT NULL CHECK (status IN ('invited', 'active', 'suspended')),
  password_hash        text,
  password_changed_at  timestamptz,
  must_change_password boolean NOT NULL DEFAULT false,
  failed_count         integer NOT NULL DEFAULT 0,
  locked_at            timestamptz,
  last_login_at        timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, id)
);

CREATE TABLE password_history (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  hash        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX password_history_user ON password_history (user_id, created_at DESC);

CREATE TABLE invitations (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_user ON invitations (user_id);

CREATE TABLE reset_tokens (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);

CREATE TABLE sessions (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL,
  user_id       bigint NOT NULL,
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ip            text NOT NULL DEFAULT '',
  user_agent    text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 512),
  ended_at      timestamptz,
  end_reason    text,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_live ON sessions (user_id) WHERE ended_at IS NULL;

CREATE TABLE api_tokens (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- The audit log is append-only and chained per tenant: hash = SHA-256 over
-- the previous hash and this event's canonical fields (idp/audit.c).
CREATE TABLE audit_events (
  id           bigserial PRIMARY KEY,
  tenant_id    bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  seq          bigint NOT NULL,
  at           timestamptz NOT NULL,
  actor_email  text NOT NULL DEFAULT '',
  actor_role   text NOT NULL DEFAULT '',
  source_ip    text NOT NULL DEFAULT '',
  action       text NOT NULL,
  target       text NOT NULL DEFAULT '',
  result       text NOT NULL,
  detail       text NOT NULL DEFAULT '{}',
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL,
  UNIQUE (tenant_id, seq)
);
CREATE INDEX audit_events_time ON audit_events (tenant_id, at);

CREATE TABLE audit_heads (
  tenant_id  bigint PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  seq        bigint NOT NULL DEFAULT 0,
  hash       bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'password_history', 'invitations', 'reset_tokens',
                           'sessions', 'api_tokens', 'audit_events', 'audit_heads'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = sekisho_tenant()) '
                   'WITH CHECK (tenant_id = sekisho_tenant())', t);
  END LOOP;
END $$;

-- The tenant directory: a transaction bound to a tenant sees only that tenant;
-- tenant-less transactions (resolving a slug, the operator's tenant list) see all.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_directory ON tenants
  USING (sekisho_tenant() IS NULL OR id = sekisho_tenant());

-- Audit rows are never changed once written (retention deletes whole rows).
CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();
