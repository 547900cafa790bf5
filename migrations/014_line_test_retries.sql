-- A lancerTest retried with the same referenceExterne gets the first test back, never a second
-- test on the line. The key is set on launches from now on (older rows keep NULL, so possible
-- old duplicates do not block the index).
ALTER TABLE line_tests ADD COLUMN retry_key text;
CREATE UNIQUE INDEX line_tests_retry_key ON line_tests (operator_siren, retry_key) WHERE retry_key IS NOT NULL;
