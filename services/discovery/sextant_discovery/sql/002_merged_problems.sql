-- The evidence views gather the duplicates merged into a problem.
CREATE INDEX IF NOT EXISTS discovery_problems_merged
    ON discovery_problems (tenant_id, merged_into) WHERE merged_into IS NOT NULL;
