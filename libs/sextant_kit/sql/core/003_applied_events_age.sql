-- When each event was applied, so that dedupe ids older than the retention period
-- (SEXTANT_APPLIED_EVENTS_RETENTION_HOURS) can be forgotten: a republished duplicate
-- arrives within seconds of its original, and without pruning the table grew by one row
-- per event per projection for ever. Rows arrive in time order, so a BRIN index finds the
-- old ones at almost no cost to each insert.
ALTER TABLE projection_applied_events
    ADD COLUMN IF NOT EXISTS applied_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX IF NOT EXISTS projection_applied_events_age
    ON projection_applied_events USING brin (applied_at);
