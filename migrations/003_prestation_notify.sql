-- Gateway processes cache prestations (owner, offer) for the deposit path; any change tells them
-- to drop the entry.
CREATE FUNCTION esav_prestation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_prestation', COALESCE(NEW.prestation_id, OLD.prestation_id));
  RETURN NULL;
END $$;
CREATE TRIGGER prestations_changed AFTER INSERT OR UPDATE OR DELETE ON prestations
  FOR EACH ROW EXECUTE FUNCTION esav_prestation_changed();
CREATE FUNCTION esav_prestation_changed_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_prestation', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER offers_changed AFTER UPDATE OR DELETE ON offers
  FOR EACH STATEMENT EXECUTE FUNCTION esav_prestation_changed_all();
