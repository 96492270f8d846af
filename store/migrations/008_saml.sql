-- SAML: each tenant's signing keys.  The private key is sealed under a key
-- derived from the master key (AES-256-GCM, bound to tenant and key id); the
-- certificate is public.  A tenant has at most one active key; 'next' keys
-- are published in metadata before they are activated, and 'previous' ones
-- after, until an administrator deletes them.
CREATE TABLE saml_keys (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  bits          integer NOT NULL CHECK (bits IN (2048, 3072)),
  state         text NOT NULL CHECK (state IN ('next', 'active', 'previous')),
  cert_pem      text NOT NULL CHECK (length(cert_pem) BETWEEN 100 AND 8192),
  key_sealed    bytea NOT NULL CHECK (length(key_sealed) BETWEEN 100 AND 8192),
  sha256        bytea NOT NULL CHECK (length(sha256) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  activated_at  timestamptz,
  UNIQUE (tenant_id, sha256)
);
CREATE UNIQUE INDEX saml_keys_one_active ON saml_keys (tenant_id) WHERE state = 'active';

ALTER TABLE saml_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE saml_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saml_keys USING (tenant_id = sekisho_tenant())
  WITH CHECK (tenant_id = sekisho_tenant());

-- The snapshot a node keeps of a tenant includes its keys: a change moves
-- the tenant's version (and so notifies every node).
CREATE FUNCTION sekisho_tenant_part_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE tenants SET apps_version = apps_version + 1
   WHERE id = COALESCE(NEW.tenant_id, OLD.tenant_id);
  RETURN NULL;
END $$;

CREATE TRIGGER saml_keys_changed AFTER INSERT OR UPDATE OR DELETE ON saml_keys
  FOR EACH ROW EXECUTE FUNCTION sekisho_tenant_part_changed();

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON saml_keys TO sekisho_app;
    GRANT USAGE, SELECT ON saml_keys_id_seq TO sekisho_app;
  END IF;
END $$;

-- Service providers: registered from their metadata (kept as sent), with
-- the settings Sekisho applies to them.
CREATE TABLE service_providers (
  id             bigserial PRIMARY KEY,
  tenant_id      bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  entity_id      text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 1024),
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  metadata       text NOT NULL CHECK (length(metadata) BETWEEN 1 AND 262144),
  nameid_format  text NOT NULL CHECK (nameid_format IN ('persistent', 'email', 'transient',
                                                        'unspecified')),
  attributes     text NOT NULL CHECK (attributes ~ '^((email|name|role)(,(email|name|role))*)?$'),
  sign           text NOT NULL CHECK (sign IN ('response', 'assertion', 'both')),
  encrypt        boolean NOT NULL,
  roles          text NOT NULL CHECK (roles IN ('user', 'admin', 'user,admin')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, entity_id)
);

ALTER TABLE service_providers ENABLE ROW LEVEL SECURITY;
ALTER TABLE service_providers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON service_providers USING (tenant_id = sekisho_tenant())
  WITH CHECK (tenant_id = sekisho_tenant());

CREATE TRIGGER service_providers_changed AFTER INSERT OR UPDATE OR DELETE ON service_providers
  FOR EACH ROW EXECUTE FUNCTION sekisho_tenant_part_changed();

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON service_providers TO sekisho_app;
    GRANT USAGE, SELECT ON service_providers_id_seq TO sekisho_app;
  END IF;
END $$;

-- SSO state.  Request IDs seen from each service provider, kept until the
-- IssueInstant window they could be replayed in has passed.
CREATE TABLE saml_seen (
  tenant_id   bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  sp_id       bigint NOT NULL REFERENCES service_providers(id) ON DELETE CASCADE,
  request_id  text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 256),
  expires_at  timestamptz NOT NULL,
  PRIMARY KEY (sp_id, request_id)
);
CREATE INDEX saml_seen_expiry ON saml_seen (expires_at);

-- An AuthnRequest parked while the user logs in: the login's continuation
-- names it by a random handle (stored hashed); it is answered once.
CREATE TABLE saml_parked (
  id           bigserial PRIMARY KEY,
  tenant_id    bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  handle_hash  bytea NOT NULL UNIQUE CHECK (length(handle_hash) = 32),
  sp_id        bigint NOT NULL REFERENCES service_providers(id) ON DELETE CASCADE,
  request_id   text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 256),
  request_xml  text NOT NULL CHECK (length(request_xml) BETWEEN 1 AND 65536),
  relay_state  text NOT NULL DEFAULT '' CHECK (length(relay_state) <= 1024),
  force_authn  boolean NOT NULL DEFAULT false,
  -- ForceAuthn: the session that was there when the request came; only a
  -- later login answers it.
  session_before bigint NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);

-- Persistent NameIDs: random, opaque, one per user and service provider.
CREATE TABLE saml_nameids (
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  sp_id       bigint NOT NULL REFERENCES service_providers(id) ON DELETE CASCADE,
  value       text NOT NULL CHECK (length(value) BETWEEN 16 AND 128),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, sp_id),
  UNIQUE (sp_id, value),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- The service providers a session has logged in to, for Single Logout.
CREATE TABLE saml_session_sps (
  tenant_id      bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  session_id     bigint NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  sp_id          bigint NOT NULL REFERENCES service_providers(id) ON DELETE CASCADE,
  nameid         text NOT NULL CHECK (length(nameid) BETWEEN 1 AND 512),
  nameid_format  text NOT NULL,
  session_index  text NOT NULL CHECK (length(session_index) BETWEEN 1 AND 128),
  logout_id      text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, sp_id)
);
CREATE INDEX saml_session_sps_logout ON saml_session_sps (logout_id) WHERE logout_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['saml_seen', 'saml_parked', 'saml_nameids', 'saml_session_sps'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = sekisho_tenant()) '
                   'WITH CHECK (tenant_id = sekisho_tenant())', t);
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO sekisho_app', t);
    END IF;
  END LOOP;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT USAGE, SELECT ON saml_parked_id_seq TO sekisho_app;
  END IF;
END $$;
