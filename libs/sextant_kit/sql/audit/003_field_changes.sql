-- Field-level before and after values of each entry, computed by the projector from the
-- entity's previous state (the fields of its earlier events, merged in order).
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS changes jsonb;

CREATE TABLE IF NOT EXISTS audit_entity_state (
    tenant_id  text NOT NULL,
    subject    text NOT NULL,
    state      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, subject)
);

CREATE INDEX IF NOT EXISTS audit_log_time ON audit_log (tenant_id, occurred_at, event_id);
CREATE INDEX IF NOT EXISTS audit_log_event_type ON audit_log (tenant_id, event_type, occurred_at);
