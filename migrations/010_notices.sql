-- Notices by e-mail (issue 7): operators' contacts and a durable outbox. A notice is a row here,
-- written in the same transaction as the change it announces; senders in every gateway process
-- take due rows with FOR UPDATE SKIP LOCKED, so each is sent by one of them.

-- Who receives an operator's notices (every contact gets every notice; the role is informative).
CREATE TABLE operator_contacts (
  operator_siren char(9) NOT NULL REFERENCES operators(siren),
  email          text NOT NULL CHECK (email ~ '^[^[:space:]@<>,;"]+@[^[:space:]@<>,;"]+$' AND length(email) <= 254),
  role           text NOT NULL DEFAULT 'technique' CHECK (role IN ('technique', 'administrateur', 'commercial')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (operator_siren, email)
);

CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  -- one notice per key, whoever enqueues it and however often (scheduler run twice, two processes)
  dedupe_key      text NOT NULL UNIQUE,
  kind            text NOT NULL,
  -- the operator the notice is for (null: the provider's own support address)
  operator_siren  char(9) REFERENCES operators(siren),
  recipients      text[] NOT NULL,
  subject         text NOT NULL,
  body            text NOT NULL,
  reply_to        text,
  -- pending: to send at next_attempt_at; sent; failed: given up (kept, visible, retry by hand);
  -- held: no recipient known yet (released when the operator gets a contact)
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'held')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  created_at      timestamptz NOT NULL,
  sent_at         timestamptz,
  -- where it went: the SMTP server's answer or the .eml file written
  delivery        text,
  CHECK (status = 'held' OR cardinality(recipients) > 0)
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_status ON outbox (status, created_at);

-- Wakes the senders as soon as a notice is due (they also poll, for retries).
CREATE FUNCTION esav_outbox_ready() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('esav_outbox', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_ready AFTER INSERT OR UPDATE OF status ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION esav_outbox_ready();
