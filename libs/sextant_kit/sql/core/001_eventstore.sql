-- The append-only event store of one service.
-- transaction_id makes the global order gap-free for readers: a reader only takes rows
-- whose transaction is older than every transaction still running, so an event that
-- commits later can never carry a lower (transaction_id, position) than one already read.
CREATE TABLE IF NOT EXISTS events (
    position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_id        uuid NOT NULL UNIQUE,
    stream_id       text NOT NULL,
    stream_type     text NOT NULL,
    stream_version  integer NOT NULL CHECK (stream_version > 0),
    event_type      text NOT NULL,
    schema_version  integer NOT NULL,
    tenant_id       text NOT NULL,
    payload         jsonb NOT NULL,
    metadata        jsonb NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
);
CREATE INDEX IF NOT EXISTS events_global_order ON events (transaction_id, position);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    tenant_id     text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    result        jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE IF NOT EXISTS relay_checkpoints (
    name            text PRIMARY KEY,
    transaction_id  xid8 NOT NULL,
    position        bigint NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
