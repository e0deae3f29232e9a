-- The portfolio and the traces assess each objective's key results as of today, which needs
-- the confidence of their last check-ins. Key results checked in before this column came
-- are not assessed until `sextant rebuild query query_objectives` has replayed them.
ALTER TABLE query_key_results ADD COLUMN IF NOT EXISTS confidence double precision;
