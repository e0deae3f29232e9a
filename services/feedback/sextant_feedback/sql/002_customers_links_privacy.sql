-- Similar-feedback suggestions use trigram similarity (pg_trgm, part of PostgreSQL contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Keys of data subjects (customers); deleting a key is erasure (crypto-shredding).
CREATE TABLE IF NOT EXISTS subject_keys (
    tenant_id   text NOT NULL,
    subject_id  uuid NOT NULL,
    key         bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);
CREATE TABLE IF NOT EXISTS erased_subjects (
    tenant_id   text NOT NULL,
    subject_id  uuid NOT NULL,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subject_id)
);

ALTER TABLE feedback_inbox
    ADD COLUMN IF NOT EXISTS author text,
    ADD COLUMN IF NOT EXISTS attendees text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS customer_id uuid,
    ADD COLUMN IF NOT EXISTS tags text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS themes text[] NOT NULL DEFAULT '{}',
    ADD COLUMN IF NOT EXISTS sentiment real NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS votes integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS links integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS merged_into uuid,
    ADD COLUMN IF NOT EXISTS search tsvector
        GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX IF NOT EXISTS feedback_inbox_search ON feedback_inbox USING gin (search);
CREATE INDEX IF NOT EXISTS feedback_inbox_trgm ON feedback_inbox USING gin (text gin_trgm_ops);
CREATE INDEX IF NOT EXISTS feedback_inbox_customer ON feedback_inbox (tenant_id, customer_id);

CREATE TABLE IF NOT EXISTS customers (
    tenant_id       text NOT NULL,
    customer_id     uuid NOT NULL,
    ref             text NOT NULL,
    name            text NOT NULL,
    segment         text,
    plan            text,
    annual_revenue  numeric(20, 2) NOT NULL DEFAULT 0,
    contact         text,
    erased          boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, customer_id)
);

CREATE TABLE IF NOT EXISTS feedback_links (
    tenant_id     text NOT NULL,
    feedback_id   uuid NOT NULL,
    workspace_id  text NOT NULL,
    target_type   text NOT NULL,
    target_id     text NOT NULL,
    linked_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, feedback_id, target_type, target_id)
);
CREATE INDEX IF NOT EXISTS feedback_links_target
    ON feedback_links (tenant_id, target_type, target_id);

CREATE TABLE IF NOT EXISTS feedback_votes (
    tenant_id     text NOT NULL,
    feedback_id   uuid NOT NULL,
    voter         text NOT NULL,
    customer_id   uuid,
    PRIMARY KEY (tenant_id, feedback_id, voter)
);
