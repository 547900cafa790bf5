import pg from 'pg';

/**
 * The suites call production with operators they make on the spot: in their own test database,
 * a trigger records both domains as validated by hand for every new operator (as ops would with
 * `esav operator validation --record all`), so the validation gate stays on and every call still
 * goes through it. Suites that test the gate itself start without it (startTestGateway option
 * `validateOperators: false`).
 */
export async function validateNewOperators(databaseUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`
      CREATE OR REPLACE FUNCTION test_harness_validate_operator() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO operator_validations (operator_siren, domain, validated_at, how, actor, details)
        SELECT NEW.siren, d, now(), 'manual', 'test harness', '{"reason": "test harness: operators are validated when created"}'::jsonb
          FROM unnest(ARRAY['signalisation', 'test']) AS d
        ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$;
      DROP TRIGGER IF EXISTS test_harness_validate_operator ON operators;
      CREATE TRIGGER test_harness_validate_operator AFTER INSERT ON operators
        FOR EACH ROW EXECUTE FUNCTION test_harness_validate_operator();`);
  } finally {
    await c.end();
  }
}
