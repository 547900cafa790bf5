-- e-SAV Test (remote line tests), planned works and incidents, volumetry (issue #5).

-- Test types the provider knows; which ones an offer offers is configuration (offer_tests).
CREATE TABLE test_types (
  code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9_]{2,40}$'),
  label       text NOT NULL,
  -- a test that acts on the network (e.g. a port reset) rather than only reading it
  active      boolean NOT NULL DEFAULT false
);
INSERT INTO test_types(code, label, active) VALUES
  ('ETAT_SERVICE', 'État des équipements et activation du service', false),
  ('ETAT_LIGNE_OPTIQUE', 'État de la ligne optique et niveau de signal', false),
  ('ETAT_SESSION', 'État de la connexion (session)', false),
  ('REINIT_PORT', 'Réinitialisation du port sur l''élément actif', true),
  ('TRAVAUX_INCIDENTS', 'Travaux programmés et incidents sur le parcours', false);

-- Tests exist only for offers where they are activated.
CREATE TABLE offer_tests (
  offer_code  text NOT NULL REFERENCES offers(code),
  test_type   text NOT NULL REFERENCES test_types(code),
  PRIMARY KEY (offer_code, test_type)
);
INSERT INTO offer_tests(offer_code, test_type) VALUES
  ('FTTH_ACCES', 'ETAT_SERVICE'), ('FTTH_ACCES', 'ETAT_LIGNE_OPTIQUE'), ('FTTH_ACCES', 'ETAT_SESSION'), ('FTTH_ACCES', 'TRAVAUX_INCIDENTS'),
  ('ETH_ENTREPRISE', 'ETAT_SERVICE'), ('ETH_ENTREPRISE', 'ETAT_SESSION'), ('ETH_ENTREPRISE', 'REINIT_PORT'), ('ETH_ENTREPRISE', 'TRAVAUX_INCIDENTS');

-- Per offer, a deposit may require a finished test on the prestation within this many minutes.
-- A column of offers so the existing offers trigger tells every process to drop its cache.
ALTER TABLE offers ADD COLUMN test_required_minutes integer CHECK (test_required_minutes BETWEEN 1 AND 10080);

CREATE TABLE line_tests (
  id              text PRIMARY KEY,
  operator_siren  char(9) NOT NULL REFERENCES operators(siren),
  prestation_id   text NOT NULL REFERENCES prestations(prestation_id),
  offer_code      text NOT NULL REFERENCES offers(code),
  test_type       text NOT NULL REFERENCES test_types(code),
  external_ref    text,
  state           text NOT NULL CHECK (state IN ('EN_COURS', 'TERMINE', 'ECHEC')),
  requested_at    timestamptz NOT NULL,
  -- past this, a test still EN_COURS is marked ECHEC (a gateway died mid-test, a lost job)
  deadline_at     timestamptz NOT NULL,
  started_at      timestamptz,
  finished_at     timestamptz,
  verdict         text CHECK (verdict IN ('OK', 'KO')),
  origin          text CHECK (origin IN ('RESEAU_OPERATEUR', 'RESEAU_FOURNISSEUR', 'INSTALLATION_CLIENT', 'INDETERMINEE')),
  measures        jsonb NOT NULL DEFAULT '[]'::jsonb,
  error_code      text,
  error_message   text,
  CHECK ((state = 'EN_COURS') = (finished_at IS NULL))
);
CREATE INDEX line_tests_operator ON line_tests(operator_siren, requested_at DESC);
CREATE INDEX line_tests_recent ON line_tests(prestation_id, finished_at DESC) WHERE state = 'TERMINE';
CREATE INDEX line_tests_running ON line_tests(deadline_at) WHERE state = 'EN_COURS';

-- Planned works (TP) and collective outages / incidents (DERCO), recorded by ops.
CREATE TABLE works (
  reference             text PRIMARY KEY CHECK (reference ~ '^[A-Za-z0-9._-]{1,64}$'),
  type                  text NOT NULL CHECK (type IN ('TP', 'DERCO')),
  equipment             text NOT NULL CHECK (equipment IN ('PM', 'PMT', 'PBO', 'LIENPMPBO')),
  pm_ref                text NOT NULL,
  pm_prestation_ref     text NOT NULL,
  created_at            timestamptz NOT NULL,
  modified_at           timestamptz NOT NULL,
  starts_at             timestamptz,
  ends_at               timestamptz,
  intervention_required boolean NOT NULL DEFAULT false,
  curative              boolean,
  nature                text CHECK (nature IN ('DEPL', 'REFE', 'DSCM', 'EXTE', 'INGE', 'CHGC', 'AUTR')),
  state                 text NOT NULL CHECK (state IN ('NOUVEAU', 'REPLANIFICATION', 'MAJ', 'CLOTURE', 'ANNULE')),
  pbo_refs              text[] NOT NULL DEFAULT '{}',
  pmt_refs              text[] NOT NULL DEFAULT '{}',
  comment               text CHECK (length(comment) <= 512),
  contact               text,
  buildings             text[] NOT NULL DEFAULT '{}',
  impacted_plugs        text[] NOT NULL DEFAULT '{}',
  impacted_prestations  text[] NOT NULL DEFAULT '{}',
  incident_ref          text,
  operator_comment      text CHECK (length(operator_comment) <= 512),
  -- public: every operator sees it; otherwise only operators owning an impacted prestation
  public                boolean NOT NULL DEFAULT false,
  CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at <= ends_at)
);
CREATE INDEX works_prestations ON works USING gin (impacted_prestations);
CREATE INDEX works_modified ON works(modified_at);

-- Volumetry (contract article 7): per operator, day (Europe/Paris) and kind of request.
CREATE TABLE volumetry (
  day             date NOT NULL,
  operator_siren  char(9) NOT NULL REFERENCES operators(siren),
  kind            text NOT NULL CHECK (kind IN ('TEST_AVEC_RESULTAT', 'INFO_TRAVAUX', 'DEPOT', 'CONSULTATION_ETAT', 'HISTORIQUE')),
  count           bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, operator_siren, kind)
);
