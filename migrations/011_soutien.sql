-- e-soutien (general conditions, annexe 3): support tickets about the e-service itself, filed by
-- an operator, answered by the provider's support desk, closed with a resolution report.
CREATE TABLE soutien_tickets (
  reference       text PRIMARY KEY,
  operator_siren  char(9) NOT NULL REFERENCES operators(siren),
  subject         text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 8000),
  category        text NOT NULL,
  service         text,
  service_version text,
  request_id      text,
  contact_email   text NOT NULL,
  state           text NOT NULL DEFAULT 'OUVERT' CHECK (state IN ('OUVERT', 'CLOS')),
  opened_at       timestamptz NOT NULL,
  -- when the desk looks at it: the opening itself within hours, else the next opening
  handling_from   timestamptz NOT NULL,
  closed_at       timestamptz,
  closed_by       text,
  resolution      text,
  CHECK ((state = 'CLOS') = (closed_at IS NOT NULL AND resolution IS NOT NULL))
);
CREATE INDEX soutien_tickets_operator ON soutien_tickets (operator_siren, opened_at);
CREATE INDEX soutien_tickets_open ON soutien_tickets (opened_at) WHERE state = 'OUVERT';

-- The exchanges: the operator's complements ("retour sur ticket ouvert") and the desk's comments.
CREATE TABLE soutien_messages (
  id         bigserial PRIMARY KEY,
  reference  text NOT NULL REFERENCES soutien_tickets(reference),
  author     text NOT NULL CHECK (author IN ('OPERATEUR', 'SOUTIEN')),
  agent      text,
  text       text NOT NULL CHECK (length(text) BETWEEN 1 AND 8000),
  created_at timestamptz NOT NULL
);
CREATE INDEX soutien_messages_ticket ON soutien_messages (reference, id);
