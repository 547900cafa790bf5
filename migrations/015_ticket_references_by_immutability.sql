-- A deposit's foreign keys to operators, prestations and offers cost more than the rest of its
-- insert: each new ticket ran three referential checks, each taking a FOR KEY SHARE lock on a
-- row that every concurrent deposit of the operator also locks (one operator row, a handful of
-- offer rows), so PostgreSQL wrote a lock record and built a MultiXact per ticket. Measured in
-- the bench: 0.13 -> 0.09..0.11 ms of PostgreSQL CPU per deposit without them.
--
-- The guarantee they gave is kept another way: a deposit only inserts a ticket whose
-- prestation exists and belongs to the caller (the insert joins prestations), and from then on
-- the rows a ticket names can neither disappear nor change key. Operators, prestations and
-- offers are never deleted (the application has no such path; suspend an operator instead) and
-- their keys never change; the triggers below refuse both, so a ticket's references stay valid
-- whatever SQL is run against the database. ticket_events and ticket_comments keep their
-- foreign key to tickets: those rows are per ticket, nothing else locks them.
ALTER TABLE tickets
  DROP CONSTRAINT tickets_operator_siren_fkey,
  DROP CONSTRAINT tickets_prestation_id_fkey,
  DROP CONSTRAINT tickets_offer_code_fkey;

CREATE FUNCTION esav_referenced_row_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are referenced by tickets and are never deleted, nor is their key changed', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation',
          HINT = CASE TG_TABLE_NAME WHEN 'operators' THEN 'suspend the operator (esav operator suspend) instead' ELSE 'add a new row instead' END;
END $$;

CREATE TRIGGER operators_kept BEFORE DELETE OR TRUNCATE ON operators FOR EACH STATEMENT EXECUTE FUNCTION esav_referenced_row_kept();
CREATE TRIGGER prestations_kept BEFORE DELETE OR TRUNCATE ON prestations FOR EACH STATEMENT EXECUTE FUNCTION esav_referenced_row_kept();
CREATE TRIGGER offers_kept BEFORE DELETE OR TRUNCATE ON offers FOR EACH STATEMENT EXECUTE FUNCTION esav_referenced_row_kept();

CREATE TRIGGER operators_key_kept BEFORE UPDATE OF siren ON operators
  FOR EACH ROW WHEN (OLD.siren IS DISTINCT FROM NEW.siren) EXECUTE FUNCTION esav_referenced_row_kept();
CREATE TRIGGER prestations_key_kept BEFORE UPDATE OF prestation_id ON prestations
  FOR EACH ROW WHEN (OLD.prestation_id IS DISTINCT FROM NEW.prestation_id) EXECUTE FUNCTION esav_referenced_row_kept();
CREATE TRIGGER offers_key_kept BEFORE UPDATE OF code ON offers
  FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION esav_referenced_row_kept();
