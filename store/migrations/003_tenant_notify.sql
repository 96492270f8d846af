-- Nodes keep the tenants they serve (and their parsed policies) in memory.
-- Any change to a tenant row, by any node or by hand, tells every node which
-- tenant to forget, through the channel sekisho_tenant (payload: the slug).
-- A node that is not listening does not trust its copy (idp/tenant.c).
CREATE FUNCTION sekisho_tenant_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_notify('sekisho_tenant', OLD.slug);
  IF TG_OP = 'UPDATE' AND NEW.slug <> OLD.slug THEN
    PERFORM pg_notify('sekisho_tenant', NEW.slug);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER tenants_changed AFTER UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION sekisho_tenant_changed();
