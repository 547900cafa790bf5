-- Certificate lifecycle (issue #6): renewals, recognised CAs, audit, disabling.

-- A renewal's successor names the certificate it renews; the predecessor becomes superseded when
-- the successor is first used (or at its own expiry). Superseded certificates stay accepted until
-- they expire, so nothing an operator does during the overlap fails.
ALTER TABLE certificates
  ADD COLUMN renews          char(64) REFERENCES certificates(fingerprint),
  ADD COLUMN superseded_at   timestamptz,
  ADD COLUMN disabled_at     timestamptz,
  ADD COLUMN disable_reason  text;
CREATE INDEX certificates_renews ON certificates(renews);
CREATE INDEX certificates_active_not_after ON certificates(not_after) WHERE status = 'active';

-- last_used_at is written as certificates are used: that must not make every process drop its
-- cached identity, so the 001 trigger now fires only on changes that matter to the resolver.
DROP TRIGGER certificates_changed ON certificates;
CREATE TRIGGER certificates_changed_rows AFTER INSERT OR DELETE ON certificates
  FOR EACH ROW EXECUTE FUNCTION esav_identity_changed();
CREATE TRIGGER certificates_changed AFTER UPDATE ON certificates
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.operator_siren IS DISTINCT FROM NEW.operator_siren
                     OR OLD.scope IS DISTINCT FROM NEW.scope OR OLD.not_before IS DISTINCT FROM NEW.not_before
                     OR OLD.not_after IS DISTINCT FROM NEW.not_after)
  EXECUTE FUNCTION esav_identity_changed();

-- Certification authorities recognised by the provider (e-SAV conditions 5.2.2): certificates they
-- issue may be registered for an operator, and the TLS server trusts them beside the provider's.
CREATE TABLE approved_cas (
  fingerprint char(64) PRIMARY KEY CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  subject     text NOT NULL,
  not_after   timestamptz NOT NULL,
  pem         text NOT NULL,
  approved_at timestamptz NOT NULL DEFAULT now(),
  approved_by text NOT NULL
);

-- Every lifecycle action: who, when, what.
CREATE TABLE pki_audit (
  id             bigserial PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor          text NOT NULL,
  action         text NOT NULL,
  operator_siren char(9),
  fingerprint    text,
  details        jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX pki_audit_operator ON pki_audit(operator_siren, id);

-- Any change to the trusted-CA list makes every gateway process rebuild its TLS context
-- (the CLI also NOTIFYs esav_tls for server-certificate rotations, which live in files).
CREATE FUNCTION esav_tls_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_tls', 'approved_cas');
  RETURN NULL;
END $$;
CREATE TRIGGER approved_cas_changed AFTER INSERT OR UPDATE OR DELETE ON approved_cas
  FOR EACH ROW EXECUTE FUNCTION esav_tls_changed();
