-- A pair told apart is recorded on the item it was told on; an item's page lists the
-- items told apart from it either way round, so it looks up the items holding it too.
-- Few items hold any: only those are indexed, and an import's rows cost no more.
CREATE INDEX IF NOT EXISTS feedback_inbox_told_apart
    ON feedback_inbox USING gin (told_apart) WHERE told_apart <> '{}';
