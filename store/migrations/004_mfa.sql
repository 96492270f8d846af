-- Second factors and the login flow (issue: MFA on a first-class login flow).
--
-- A login that needs more than a password is a login flow: server-side,
-- short-lived, bound to a cookie (stored as SHA-256 like every token), holding
-- what is proven and where to go afterwards.  A full session is made only when
-- nothing is left, and records how the user authenticated.

CREATE TABLE login_flows (
  id            bigserial PRIMARY KEY,
  tenant_id     bigint NOT NULL,
  user_id       bigint NOT NULL,
  token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  methods       text NOT NULL DEFAULT '' CHECK (length(methods) <= 100),
  continuation  text NOT NULL DEFAULT '' CHECK (length(continuation) <= 2048),
  ended_at      timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX login_flows_user ON login_flows (user_id);

-- TOTP: the secret sealed with AES-256-GCM (nonce || ciphertext || tag) under
-- a key derived from the master key, bound to tenant and user; the last time
-- step accepted (a step is accepted once); a candidate secret while the user
-- enrols (it counts only once confirmed with a code); wrong codes on their
-- own counter.
ALTER TABLE users
  ADD COLUMN totp_secret       bytea,
  ADD COLUMN totp_enrolled_at  timestamptz,
  ADD COLUMN totp_last_step    bigint NOT NULL DEFAULT 0,
  ADD COLUMN totp_pending      bytea,
  ADD COLUMN mfa_failed_count  integer NOT NULL DEFAULT 0;

-- Recovery codes: HMAC-SHA256 under a key derived from the master key; each
-- is used at most once; a new set replaces the old one.
CREATE TABLE mfa_recovery_codes (
  id          bigserial PRIMARY KEY,
  tenant_id   bigint NOT NULL,
  user_id     bigint NOT NULL,
  code_hash   bytea NOT NULL CHECK (length(code_hash) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  used_at     timestamptz,
  UNIQUE (user_id, code_hash),
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

-- How a session was authenticated: "pwd", "pwd otp", "pwd rec" (RFC 8176
-- method names, space-separated), for SAML's AuthnContext and the gateway.
ALTER TABLE sessions ADD COLUMN amr text NOT NULL DEFAULT 'pwd' CHECK (length(amr) <= 100);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['login_flows', 'mfa_recovery_codes'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = sekisho_tenant()) '
                   'WITH CHECK (tenant_id = sekisho_tenant())', t);
  END LOOP;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON login_flows, mfa_recovery_codes TO sekisho_app;
    GRANT USAGE, SELECT ON login_flows_id_seq, mfa_recovery_codes_id_seq TO sekisho_app;
  END IF;
END $$;
