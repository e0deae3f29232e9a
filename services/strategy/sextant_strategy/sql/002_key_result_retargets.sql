-- A key result's baseline and target as they moved, with the reason (KeyResultRetargeted),
-- shown beside its check-ins: a stakeholder reading "80 %" should see that the target was
-- lowered, when, by whom and why.
CREATE TABLE IF NOT EXISTS strategy_key_result_retargets (
    tenant_id          text NOT NULL,
    event_id           uuid NOT NULL,
    objective_id       uuid NOT NULL,
    key_result_id      uuid NOT NULL,
    from_baseline      double precision NOT NULL,
    from_target        double precision NOT NULL,
    to_baseline        double precision NOT NULL,
    to_target          double precision NOT NULL,
    reason             text NOT NULL,
    retargeted_at      timestamptz NOT NULL,
    retargeted_by      text NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX IF NOT EXISTS strategy_key_result_retargets_key_result
    ON strategy_key_result_retargets (tenant_id, key_result_id, retargeted_at);
