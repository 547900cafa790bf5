-- The night purge (purgeUnconfirmed in src/domain/appointments/repo.ts) looks for the ticket of
-- each appointment still CREE by the idRendezVous its deposit carried in tickets.details. Without
-- an index that was a sequential scan of every ticket ever deposited, once a night, growing with
-- the volumetry (article 7). Partial: only deposits that name an appointment enter it; the
-- others pay the predicate's test and nothing more. Built in the migration's transaction (a
-- one-time scan of tickets, writes wait meanwhile).
CREATE INDEX tickets_appointment ON tickets ((details->>'idRendezVous'), operator_siren) WHERE details ? 'idRendezVous';
