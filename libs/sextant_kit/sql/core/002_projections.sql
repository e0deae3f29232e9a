-- Where each projection stands, committed in the same transaction as its read-model changes.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection   text NOT NULL,
    topic        text NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint NOT NULL,
    event_time   timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, topic, partition)
);

-- Event ids already applied, so a relay's republish after a crash changes nothing.
CREATE TABLE IF NOT EXISTS projection_applied_events (
    projection  text NOT NULL,
    event_id    uuid NOT NULL,
    PRIMARY KEY (projection, event_id)
);
