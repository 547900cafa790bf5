-- Article 5.2.1: an operator uses a domain (signalisation, test) in production only after at least
-- one successful call of that domain on the integration platform. One row per operator and domain,
-- in the PRODUCTION database: the first success the integration platform delivered ('platform'),
-- a validation ops recorded by hand for a platform run elsewhere ('manual'), or an operator that
-- was already in production when this rule came in ('migration'). No foreign key to operators:
-- an operator usually validates before it is registered in production.
CREATE TABLE operator_validations (
  operator_siren char(9) NOT NULL CHECK (operator_siren ~ '^[0-9]{9}$'),
  domain         text NOT NULL CHECK (domain IN ('signalisation', 'test')),
  validated_at   timestamptz NOT NULL,
  how            text NOT NULL CHECK (how IN ('platform', 'manual', 'migration')),
  actor          text NOT NULL,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operator_siren, domain)
);

-- Production gateway processes cache each operator's validated domains; a change tells them to
-- drop that operator's entry.
CREATE FUNCTION esav_validation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_validation', COALESCE(NEW.operator_siren, OLD.operator_siren));
  RETURN NULL;
END $$;
CREATE TRIGGER operator_validations_changed AFTER INSERT OR UPDATE OR DELETE ON operator_validations
  FOR EACH ROW EXECUTE FUNCTION esav_validation_changed();

-- Operators already registered when the rule comes in keep working.
INSERT INTO operator_validations (operator_siren, domain, validated_at, how, actor, details)
SELECT o.siren, d.domain, now(), 'migration', 'migration 012_integration',
       jsonb_build_object('reason', 'opérateur enregistré avant la règle de validation')
  FROM operators o CROSS JOIN (VALUES ('signalisation'), ('test')) AS d(domain);

-- INTEGRATION database: the first successful call per operator and domain, kept until the
-- production database has it (delivered_at), so a production database that is down or not
-- started loses nothing.
CREATE TABLE validation_outbox (
  operator_siren char(9) NOT NULL,
  domain         text NOT NULL,
  validated_at   timestamptz NOT NULL,
  details        jsonb NOT NULL,
  delivered_at   timestamptz,
  attempts       integer NOT NULL DEFAULT 0,
  last_error     text,
  PRIMARY KEY (operator_siren, domain)
);
CREATE INDEX validation_outbox_pending ON validation_outbox (validated_at) WHERE delivered_at IS NULL;

-- INTEGRATION database: tickets deposited on a scenario prestation of the test data set, moved
-- by the scenario engine. `step` is the next move; a run waiting for the operator's complement
-- (GEL) has awaiting_since set and is taken only once a complement came after it.
CREATE TABLE integration_runs (
  ticket_reference text PRIMARY KEY,
  scenario         text NOT NULL,
  step             integer NOT NULL DEFAULT 0,
  due_at           timestamptz NOT NULL,
  awaiting_since   timestamptz,
  done_at          timestamptz,
  outcome          text
);
CREATE INDEX integration_runs_due ON integration_runs (due_at) WHERE done_at IS NULL;
