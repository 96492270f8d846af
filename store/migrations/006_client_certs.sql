-- X.509 client certificates: each tenant's CAs and CRLs (DER, with what the
-- console and the API list), and the certificates bound to users as a
-- second factor (by SHA-256 fingerprint of the DER).
CREATE TABLE client_cas (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('cert', 'crl')),
  der         bytea NOT NULL CHECK (length(der) BETWEEN 1 AND 16384),
  subject     text NOT NULL CHECK (length(subject) <= 512),
  issuer      text NOT NULL CHECK (length(issuer) <= 512),
  not_after   timestamptz,
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sha256)
);

CREATE TABLE user_certificates (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  subject     text NOT NULL CHECK (length(subject) <= 512),
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sha256),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['client_cas', 'user_certificates'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = sekisho_tenant()) '
                   'WITH CHECK (tenant_id = sekisho_tenant())', t);
  END LOOP;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON client_cas, user_certificates TO sekisho_app;
    GRANT USAGE, SELECT ON client_cas_id_seq, user_certificates_id_seq TO sekisho_app;
  END IF;
END $$;
