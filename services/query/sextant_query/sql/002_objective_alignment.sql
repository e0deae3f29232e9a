-- The portfolio rolls progress up through the objectives aligned below each one.
CREATE INDEX IF NOT EXISTS query_objectives_parent
    ON query_objectives (tenant_id, parent_id) WHERE parent_id IS NOT NULL;
