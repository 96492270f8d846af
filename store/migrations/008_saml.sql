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
CREATE FUNCTION sekisho_saml_keys_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  UPDATE tenants SET apps_version = apps_version + 1
   WHERE id = COALESCE(NEW.tenant_id, OLD.tenant_id);
  RETURN NULL;
END $$;

CREATE TRIGGER saml_keys_changed AFTER INSERT OR UPDATE OR DELETE ON saml_keys
  FOR EACH ROW EXECUTE FUNCTION sekisho_saml_keys_changed();

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON saml_keys TO sekisho_app;
    GRANT USAGE, SELECT ON saml_keys_id_seq TO sekisho_app;
  END IF;
END $$;
