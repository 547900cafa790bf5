-- Operators (opérateurs): identified by their SIREN.
CREATE TABLE operators (
  siren        char(9) PRIMARY KEY CHECK (siren ~ '^[0-9]{9}$'),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  quadrigram   char(4) UNIQUE CHECK (quadrigram ~ '^[A-Z0-9]{4}$'),
  suspended_at timestamptz,
  suspend_reason text,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- Offers (offres): which access technology a prestation belongs to. FTTH offers follow
-- annexe P1 (dedicated certificate scope, Interop'Fibre view of states).
CREATE TABLE offers (
  code   text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{2,40}$'),
  label  text NOT NULL,
  ftth   boolean NOT NULL
);
INSERT INTO offers(code, label, ftth) VALUES
  ('FTTH_ACCES', 'Accès FTTH (fibre optique jusqu''à l''abonné)', true),
  ('ETH_ENTREPRISE', 'Ethernet entreprise (liaison point à point)', false),
  ('CUIVRE_ACCES', 'Accès cuivre (dégroupage / bitstream)', false);

-- The operator's parc: identifiant de prestation -> owner and offer.
CREATE TABLE prestations (
  prestation_id  text PRIMARY KEY CHECK (length(prestation_id) BETWEEN 1 AND 64),
  operator_siren char(9) NOT NULL REFERENCES operators(siren),
  offer_code     text NOT NULL REFERENCES offers(code),
  ref_pto        text,
  end_a          text,
  end_z          text,
  info           text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prestations_operator ON prestations(operator_siren);

-- Client certificates: the SHA-256 fingerprint of the DER is the key the gateway looks up.
CREATE TABLE certificates (
  fingerprint    char(64) PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  operator_siren char(9) NOT NULL REFERENCES operators(siren),
  scope          text NOT NULL CHECK (scope IN ('esav', 'ftth')),
  serial         text NOT NULL,
  subject        text NOT NULL,
  issuer         text NOT NULL,
  source         text NOT NULL DEFAULT 'provider' CHECK (source IN ('provider', 'recognised')),
  not_before     timestamptz NOT NULL,
  not_after      timestamptz NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'superseded', 'disabled')),
  revoked_at     timestamptz,
  revoke_reason  text,
  last_used_at   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  pem            text NOT NULL
);
CREATE INDEX certificates_operator ON certificates(operator_siren);

-- Any change to a certificate or an operator's suspension tells every gateway process to drop
-- its cached identity, so a revoke is effective on the next request.
CREATE FUNCTION esav_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'certificates' THEN
    PERFORM pg_notify('esav_identity', COALESCE(NEW.fingerprint, OLD.fingerprint));
  ELSE
    PERFORM pg_notify('esav_identity', '*');
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER certificates_changed AFTER INSERT OR UPDATE OR DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION esav_identity_changed();
CREATE TRIGGER operators_changed AFTER UPDATE OF suspended_at ON operators
  FOR EACH ROW EXECUTE FUNCTION esav_identity_changed();

-- Signalisations (after-sales tickets). The full life is in ticket_events.
CREATE TABLE tickets (
  id              bigserial PRIMARY KEY,
  reference       text NOT NULL UNIQUE,
  operator_siren  char(9) NOT NULL REFERENCES operators(siren),
  prestation_id   text NOT NULL REFERENCES prestations(prestation_id),
  offer_code      text NOT NULL REFERENCES offers(code),
  service_version text NOT NULL,
  state           text NOT NULL,
  state_since     timestamptz NOT NULL,
  fault_code      text NOT NULL,
  fault_label     text NOT NULL,
  comment         text,
  external_ref    text,
  request_hash    text NOT NULL,
  deposited_at    timestamptz NOT NULL,
  last_interaction_at timestamptz NOT NULL,
  closed_at       timestamptz,
  details         jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (operator_siren, external_ref)
);
CREATE INDEX tickets_operator_state ON tickets(operator_siren, state);
CREATE INDEX tickets_prestation ON tickets(prestation_id);

CREATE TABLE ticket_events (
  id          bigserial PRIMARY KEY,
  ticket_id   bigint NOT NULL REFERENCES tickets(id),
  at          timestamptz NOT NULL,
  from_state  text,
  to_state    text NOT NULL,
  actor       text NOT NULL,
  comment     text
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
