-- Sekisho schema, version 10: which master key the database's secrets are
-- sealed with.
--
-- One row: the fingerprint of the current master key (a hash-derived id,
-- never the key) and the recovery-code key sealed under it.  Every start
-- compares master_key_file with the fingerprint (a wrong key file is refused
-- at once instead of failing at the first TOTP login), and `sekisho key
-- rotate` changes it in the same transaction that re-seals every secret, so
-- the row says which of the old and the new key file is the right one after
-- a crash.  Recovery codes are stored as keyed hashes, which cannot be
-- re-keyed without the codes: their key stays the same across rotations and
-- lives here, sealed under the current master key.  The first start after
-- the upgrade fills the row.
CREATE TABLE master_key (
  one              boolean PRIMARY KEY DEFAULT true CHECK (one),
  fingerprint      text NOT NULL CHECK (fingerprint ~ '^[0-9a-f]{32}$'),
  recovery_sealed  bytea NOT NULL CHECK (length(recovery_sealed) = 60),
  changed_at       timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    REVOKE ALL ON master_key FROM sekisho_app;
    GRANT SELECT, INSERT, UPDATE ON master_key TO sekisho_app;
  END IF;
END $$;
