CREATE TABLE IF NOT EXISTS organisations (
    tenant_id   text PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS workspaces (
    tenant_id     text NOT NULL,
    workspace_id  text NOT NULL,
    name          text NOT NULL,
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, workspace_id)
);
-- workspace_key '' is the organisation-wide role.
CREATE TABLE IF NOT EXISTS memberships (
    tenant_id      text NOT NULL,
    workspace_key  text NOT NULL,
    member         text NOT NULL,
    role           text NOT NULL,
    granted_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, workspace_key, member)
);
