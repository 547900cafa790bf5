-- Service guarantees per offer (garanties de service): the default GTR level of the offer.
ALTER TABLE offers ADD COLUMN guarantee_level text;
UPDATE offers SET guarantee_level = 'GTR4H' WHERE code = 'ETH_ENTREPRISE';
UPDATE offers SET guarantee_level = 'STANDARD' WHERE code IN ('CUIVRE_ACCES', 'FTTH_ACCES');

-- Comments on a ticket: the provider's SAV (restitued to the operator in order) and the
-- operator's complements (completerSignalisation).
CREATE TABLE ticket_comments (
  id         bigserial PRIMARY KEY,
  ticket_id  bigint NOT NULL REFERENCES tickets(id),
  at         timestamptz NOT NULL,
  author     text NOT NULL CHECK (author IN ('sav', 'operateur')),
  actor      text NOT NULL,
  body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000)
);
CREATE INDEX ticket_comments_ticket ON ticket_comments(ticket_id, id);

-- History (90 days after closing) and searches.
CREATE INDEX tickets_operator_closed ON tickets(operator_siren, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX tickets_operator_deposited ON tickets(operator_siren, deposited_at DESC, reference);
