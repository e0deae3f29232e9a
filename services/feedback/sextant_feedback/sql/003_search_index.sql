-- Full-text search reads an expression index instead of a stored tsvector column: the
-- stemming then happens once, in the index, rather than in every insert as well. A
-- rebuild builds this index once over the loaded rows, beside the trigram index.
DROP INDEX IF EXISTS feedback_inbox_search;
ALTER TABLE feedback_inbox DROP COLUMN IF EXISTS search;
CREATE INDEX IF NOT EXISTS feedback_inbox_search
    ON feedback_inbox USING gin (to_tsvector('english', text));
