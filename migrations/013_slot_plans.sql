-- Slot search at speed (issue #4's bar): processes cache each zone's free windows, and a search's
-- hold is written in batches with what it offered as a bitmap.

-- What a search offered: bit k of `offered` set = the window starting offered_base + 30k minutes
-- (epoch minutes; Paris starts are on :00/:30, which are :00/:30 UTC too). ~90 bytes for 14 days
-- instead of an array of 170+ bigints. Holds from before this migration are no longer
-- reservable (a new search makes new ones); their offered count is kept for the no-slot rule.
ALTER TABLE slot_searches
  ADD COLUMN offered_base bigint NOT NULL DEFAULT 0,
  ADD COLUMN offered bytea NOT NULL DEFAULT '\x',
  ADD COLUMN offered_count int NOT NULL DEFAULT 0;
UPDATE slot_searches SET offered_count = cardinality(offered_starts);
ALTER TABLE slot_searches DROP COLUMN offered_starts;
ALTER TABLE slot_searches ALTER COLUMN offered_base DROP DEFAULT, ALTER COLUMN offered DROP DEFAULT, ALTER COLUMN offered_count DROP DEFAULT;

-- A booking, move or cancellation changes its zone's free windows; technicians and days off may
-- change any zone's. Every process drops what it cached (channel esav_planning, payload the
-- zone's code INSEE, or '*').
CREATE FUNCTION esav_planning_zone_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('esav_planning', OLD.code_insee); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('esav_planning', NEW.code_insee); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER appointments_planning_notify AFTER INSERT OR UPDATE OR DELETE ON appointments
  FOR EACH ROW EXECUTE FUNCTION esav_planning_zone_notify();

CREATE FUNCTION esav_planning_all_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_planning', '*');
  RETURN NULL;
END $$;
CREATE TRIGGER technicians_planning_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON technicians
  FOR EACH STATEMENT EXECUTE FUNCTION esav_planning_all_notify();
CREATE TRIGGER days_off_planning_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON technician_days_off
  FOR EACH STATEMENT EXECUTE FUNCTION esav_planning_all_notify();
