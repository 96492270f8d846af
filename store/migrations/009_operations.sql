-- Sekisho schema, version 9: the operator log and tenant termination.
--
-- The operator log records what operators did with the command line and
-- what the daemon did on its own (tenant create/terminate/restore/purge,
-- backups, restores, key rotation, API token creation).  It is hash-chained
-- like a tenant's audit log (same canonical fields, tenant id "0"), belongs
-- to no tenant and so outlives a purged one.  The application may append
-- and read, never change or delete.
CREATE TABLE operator_events (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor_email  text NOT NULL DEFAULT '',
  actor_role   text NOT NULL DEFAULT '',
  source_ip    text NOT NULL DEFAULT '',
  action       text NOT NULL,
  target       text NOT NULL DEFAULT '',
  result       text NOT NULL,
  detail       text NOT NULL DEFAULT '{}',
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);
CREATE INDEX operator_events_action ON operator_events (action, seq);

CREATE TABLE operator_head (
  one   boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq   bigint NOT NULL DEFAULT 0,
  hash  bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);
INSERT INTO operator_head DEFAULT VALUES;

CREATE FUNCTION operator_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'operator events are append-only';
END $$;
CREATE TRIGGER operator_events_no_change BEFORE UPDATE OR DELETE ON operator_events
  FOR EACH ROW EXECUTE FUNCTION operator_events_immutable();
CREATE TRIGGER operator_events_no_truncate BEFORE TRUNCATE ON operator_events
  FOR EACH STATEMENT EXECUTE FUNCTION operator_events_immutable();

-- Termination: the tenant is refused everywhere at once (status), and its
-- rows are purged after purge_after by the daemon.
ALTER TABLE tenants ADD COLUMN terminated_at timestamptz;
ALTER TABLE tenants ADD COLUMN purge_after timestamptz;
ALTER TABLE tenants ADD CONSTRAINT tenants_terminated_dates
  CHECK ((status = 'active') = (terminated_at IS NULL AND purge_after IS NULL));

DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'sekisho_app') THEN
    REVOKE ALL ON operator_events, operator_head FROM sekisho_app;
    GRANT SELECT, INSERT ON operator_events TO sekisho_app;
    GRANT SELECT, UPDATE ON operator_head TO sekisho_app;
  END IF;
END $$;
