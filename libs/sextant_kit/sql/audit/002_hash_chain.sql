-- Tamper evidence: the entries of each (tenant, workspace) form a hash chain.
-- hash = sha256(prev_hash || canonical entry); the head of each chain is locked while a
-- batch extends it, so concurrent consumers append one after the other.
ALTER TABLE audit_log
    ADD COLUMN IF NOT EXISTS chain_seq bigint,
    ADD COLUMN IF NOT EXISTS prev_hash text,
    ADD COLUMN IF NOT EXISTS hash text;
CREATE UNIQUE INDEX IF NOT EXISTS audit_log_chain
    ON audit_log (tenant_id, (coalesce(workspace_id, '')), chain_seq);

CREATE TABLE IF NOT EXISTS audit_chain_heads (
    tenant_id     text NOT NULL,
    workspace_key text NOT NULL,
    seq           bigint NOT NULL,
    hash          text NOT NULL,
    PRIMARY KEY (tenant_id, workspace_key)
);
