-- Article 13 (versions and form catalogues), article 11 (maintenance), article 7 (rate limits).
-- The WSDL/XSD files on disk are the artefacts; which are live and their dates live here, seeded
-- from the manifests the first time a service (or the catalogue) is seen.
CREATE TABLE lifecycle_versions (
  kind text NOT NULL CHECK (kind IN ('service', 'catalogue')),
  -- the service name, or 'catalogue' for form catalogues
  name text NOT NULL,
  version text NOT NULL,
  status text NOT NULL CHECK (status IN ('live', 'retired')),
  production_date date NOT NULL,
  -- first day the version no longer answers (from 00:00 Europe/Paris); null: no end announced
  sunset_date date,
  evolution text CHECK (evolution IN ('minor', 'major')),
  notice_date date,
  published_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz,
  PRIMARY KEY (kind, name, version),
  CHECK (sunset_date IS NULL OR sunset_date > production_date)
);

CREATE TABLE maintenance_windows (
  id bigserial PRIMARY KEY,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  reason text NOT NULL,
  urgent boolean NOT NULL DEFAULT false,
  cancelled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);

-- One row per decision; the one in force for an operator is the latest effective one
-- (an operator's own row wins over an --all row effective at the same instant).
-- per_minute NULL: limit lifted.
CREATE TABLE rate_limits (
  id bigserial PRIMARY KEY,
  siren text,
  per_minute integer CHECK (per_minute IS NULL OR per_minute > 0),
  effective_from timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Shared per-minute counters (every gateway process increments the same row).
CREATE UNLOGGED TABLE rate_counters (
  siren text NOT NULL,
  minute timestamptz NOT NULL,
  hits integer NOT NULL,
  PRIMARY KEY (siren, minute)
);

CREATE FUNCTION esav_lifecycle_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_lifecycle', TG_TABLE_NAME);
  RETURN NULL;
END $$;
CREATE TRIGGER lifecycle_versions_changed AFTER INSERT OR UPDATE OR DELETE ON lifecycle_versions
  FOR EACH STATEMENT EXECUTE FUNCTION esav_lifecycle_changed();
CREATE TRIGGER maintenance_windows_changed AFTER INSERT OR UPDATE OR DELETE ON maintenance_windows
  FOR EACH STATEMENT EXECUTE FUNCTION esav_lifecycle_changed();
CREATE TRIGGER rate_limits_changed AFTER INSERT OR UPDATE OR DELETE ON rate_limits
  FOR EACH STATEMENT EXECUTE FUNCTION esav_lifecycle_changed();
