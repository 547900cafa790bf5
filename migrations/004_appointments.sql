-- FTTH after-sales appointments (Interop'Fibre "plan de charge SAV FTTH").
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Where an FTTH prestation is: the zone its appointments are searched in.
ALTER TABLE prestations ADD COLUMN code_insee text CHECK (code_insee ~ '^[0-9][0-9AB][0-9]{3}$');

-- The provider's technicians (or teams): zones, intervention types, working hours.
CREATE TABLE technicians (
  id                 bigserial PRIMARY KEY,
  name               text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  zones              text[] NOT NULL CHECK (cardinality(zones) > 0),
  intervention_types text[] NOT NULL CHECK (intervention_types <@ ARRAY['S', 'E'] AND cardinality(intervention_types) > 0),
  -- ISO weekdays worked (1 = Monday .. 7 = Sunday) and daily hours, Europe/Paris wall time.
  weekdays           int[] NOT NULL DEFAULT ARRAY[1, 2, 3, 4, 5] CHECK (weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]),
  start_minute       int NOT NULL DEFAULT 480 CHECK (start_minute BETWEEN 0 AND 1439),
  end_minute         int NOT NULL DEFAULT 1080 CHECK (end_minute BETWEEN 1 AND 1440),
  active             boolean NOT NULL DEFAULT true,
  created_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (end_minute > start_minute)
);
CREATE INDEX technicians_zones ON technicians USING gin (zones);

CREATE TABLE technician_days_off (
  technician_id bigint NOT NULL REFERENCES technicians(id) ON DELETE CASCADE,
  day           date NOT NULL,
  PRIMARY KEY (technician_id, day)
);

-- A search: what it offered, to whom, until when (the 10-minute hold). The slot ids handed out
-- (idOI, given back as idCreneau) are <search id>.<start in epoch minutes, base 36>.
CREATE TABLE slot_searches (
  id                 uuid PRIMARY KEY,
  operator_siren     char(9) NOT NULL REFERENCES operators(siren),
  code_insee         text NOT NULL,
  intervention_type  char(1) NOT NULL,
  segment            text NOT NULL,
  defect_prelocalization text NOT NULL,
  range_from         timestamptz NOT NULL,
  range_to           timestamptz NOT NULL,
  offered_starts     bigint[] NOT NULL,
  created_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL
);
CREATE INDEX slot_searches_latest ON slot_searches (operator_siren, code_insee, intervention_type, created_at DESC);

-- Appointments. Each holds one technician for its window; the exclusion constraint makes a
-- double booking impossible, whichever process or connection tries it.
CREATE TABLE appointments (
  id                 text PRIMARY KEY,
  operator_siren     char(9) NOT NULL REFERENCES operators(siren),
  technician_id      bigint NOT NULL REFERENCES technicians(id),
  code_insee         text NOT NULL,
  intervention_type  char(1) NOT NULL,
  nature_produit     text NOT NULL,
  segment            text NOT NULL,
  defect_prelocalization text,
  starts_at          timestamptz NOT NULL,
  ends_at            timestamptz NOT NULL,
  status             text NOT NULL CHECK (status IN ('CREE', 'CONFIRME', 'ANNULE')),
  ticket_reference   text,
  search_id          uuid,
  reserved_at        timestamptz NOT NULL,
  confirmed_at       timestamptz,
  cancelled_at       timestamptz,
  cancel_reason      text,
  updated_at         timestamptz NOT NULL,
  CHECK (ends_at > starts_at),
  CONSTRAINT appointments_no_double_booking EXCLUDE USING gist (technician_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'ANNULE')
);
CREATE INDEX appointments_zone_time ON appointments (code_insee, starts_at) WHERE status <> 'ANNULE';
CREATE INDEX appointments_created ON appointments (status, reserved_at) WHERE status = 'CREE';

CREATE TABLE appointment_events (
  id             bigserial PRIMARY KEY,
  appointment_id text NOT NULL REFERENCES appointments(id),
  at             timestamptz NOT NULL,
  action         text NOT NULL,
  detail         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX appointment_events_appt ON appointment_events (appointment_id, id);
