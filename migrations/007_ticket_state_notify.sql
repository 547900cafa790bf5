-- Gateway processes cache ticket states for consulterEtatSignalisation (operators poll them);
-- a state change tells every process to drop that ticket's entry.
CREATE FUNCTION esav_ticket_state_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_ticket', NEW.reference);
  RETURN NULL;
END $$;
CREATE TRIGGER tickets_state_changed AFTER UPDATE OF state, state_since ON tickets
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.state_since IS DISTINCT FROM NEW.state_since)
  EXECUTE FUNCTION esav_ticket_state_changed();
