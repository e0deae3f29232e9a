CREATE TABLE IF NOT EXISTS feedback_inbox (
    tenant_id     text NOT NULL,
    feedback_id   uuid NOT NULL,
    workspace_id  text NOT NULL,
    text          text NOT NULL,
    source        text NOT NULL,
    external_id   text,
    customer_ref  text,
    received_at   timestamptz NOT NULL,
    version       integer NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, feedback_id)
);
CREATE INDEX IF NOT EXISTS feedback_inbox_workspace
    ON feedback_inbox (tenant_id, workspace_id, received_at DESC, feedback_id);
