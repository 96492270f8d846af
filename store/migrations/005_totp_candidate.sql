-- An enrolment candidate belongs to whoever asked for it (the SHA-256 of
-- the pending login's or the session's token) and lives ten minutes: it is
-- never shown to, or confirmed by, another browser of the same user.
ALTER TABLE users
  ADD COLUMN totp_pending_owner bytea CHECK (totp_pending_owner IS NULL OR length(totp_pending_owner) = 32),
  ADD COLUMN totp_pending_until timestamptz;
