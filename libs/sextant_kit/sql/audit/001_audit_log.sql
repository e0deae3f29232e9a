-- One entry per event: who did what to which entity, when, under which correlation.
CREATE TABLE IF NOT EXISTS audit_log (
    event_id        uuid PRIMARY KEY,
    tenant_id       text NOT NULL,
    workspace_id    text,
    subject         text NOT NULL,
    entity_type     text,
    event_type      text NOT NULL,
    source          text NOT NULL,
    actor           text NOT NULL,
    correlation_id  text,
    causation_id    text,
    occurred_at     timestamptz NOT NULL,
    data            jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS audit_log_subject ON audit_log (tenant_id, subject, occurred_at);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (tenant_id, actor, occurred_at);
CREATE INDEX IF NOT EXISTS audit_log_workspace ON audit_log (tenant_id, workspace_id, occurred_at);
