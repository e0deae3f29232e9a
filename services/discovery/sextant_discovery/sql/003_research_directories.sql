-- A workspace's personas and competitors, listed by name.
CREATE INDEX IF NOT EXISTS discovery_personas_ws
    ON discovery_personas (tenant_id, workspace_id, name, persona_id);
CREATE INDEX IF NOT EXISTS discovery_competitors_ws
    ON discovery_competitors (tenant_id, workspace_id, name, competitor_id);
