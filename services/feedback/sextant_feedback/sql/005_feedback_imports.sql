-- Files uploaded over HTTP and imported beside the API: how each is going, or how it ended.
-- Operational state, as idempotency keys are, not a read model: the items themselves are
-- events, and an import's rows are identified so that running it again adds nothing.
CREATE TABLE IF NOT EXISTS feedback_imports (
    tenant_id        text NOT NULL,
    import_id        uuid NOT NULL,
    workspace_id     text NOT NULL,
    file_name        text NOT NULL,
    format           text NOT NULL,
    actor            text NOT NULL,
    status           text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    bytes_total      bigint NOT NULL,
    content_sha256   text NOT NULL,
    idempotency_key  text,
    bytes_read       bigint NOT NULL DEFAULT 0,
    rows             integer NOT NULL DEFAULT 0,
    created          integer NOT NULL DEFAULT 0,
    duplicates       integer NOT NULL DEFAULT 0,
    rejected         integer NOT NULL DEFAULT 0,
    rejects          jsonb NOT NULL DEFAULT '[]',
    ignored_columns  text[] NOT NULL DEFAULT '{}',
    error            text,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    PRIMARY KEY (tenant_id, import_id)
);
-- A retried upload (the same Idempotency-Key) is answered with the import it started.
CREATE UNIQUE INDEX IF NOT EXISTS feedback_imports_by_key
    ON feedback_imports (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
