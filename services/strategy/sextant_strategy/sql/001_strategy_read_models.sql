-- Vision: every revision, so the statement in force on any date can be found.
CREATE TABLE IF NOT EXISTS strategy_vision_revisions (
    tenant_id     text NOT NULL,
    workspace_id  text NOT NULL,
    revision      integer NOT NULL,
    vision_id     uuid NOT NULL,
    vision        text NOT NULL,
    mission       text NOT NULL,
    note          text,
    revised_at    timestamptz NOT NULL,
    revised_by    text NOT NULL,
    PRIMARY KEY (tenant_id, workspace_id, revision)
);
CREATE INDEX IF NOT EXISTS strategy_vision_revisions_time
    ON strategy_vision_revisions (tenant_id, workspace_id, revised_at DESC);

-- Objectives of every workspace and of the organisation, with their alignment.
CREATE TABLE IF NOT EXISTS strategy_objectives (
    tenant_id     text NOT NULL,
    objective_id  uuid NOT NULL,
    workspace_id  text,
    level         text NOT NULL,
    title         text NOT NULL,
    description   text,
    owner         text NOT NULL,
    period_label  text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    parent_id     uuid,
    progress      double precision,
    status        text,
    outcome       text,
    closed_at     timestamptz,
    set_at        timestamptz NOT NULL,
    version       integer NOT NULL,
    PRIMARY KEY (tenant_id, objective_id)
);
CREATE INDEX IF NOT EXISTS strategy_objectives_parent ON strategy_objectives (tenant_id, parent_id);
CREATE INDEX IF NOT EXISTS strategy_objectives_workspace
    ON strategy_objectives (tenant_id, workspace_id, set_at, objective_id);

CREATE TABLE IF NOT EXISTS strategy_key_results (
    tenant_id      text NOT NULL,
    key_result_id  uuid NOT NULL,
    objective_id   uuid NOT NULL,
    title          text NOT NULL,
    baseline       double precision NOT NULL,
    target         double precision NOT NULL,
    unit           text NOT NULL,
    direction      text NOT NULL,
    current        double precision,
    progress       double precision NOT NULL DEFAULT 0,
    confidence     double precision,
    status         text,
    checked_in_at  timestamptz,
    defined_order  integer NOT NULL,
    PRIMARY KEY (tenant_id, key_result_id)
);
CREATE INDEX IF NOT EXISTS strategy_key_results_objective
    ON strategy_key_results (tenant_id, objective_id, defined_order);

CREATE TABLE IF NOT EXISTS strategy_check_ins (
    tenant_id      text NOT NULL,
    event_id       uuid NOT NULL,
    objective_id   uuid NOT NULL,
    key_result_id  uuid NOT NULL,
    value          double precision NOT NULL,
    confidence     double precision NOT NULL,
    comment        text,
    progress       double precision NOT NULL,
    status         text NOT NULL,
    checked_in_at  timestamptz NOT NULL,
    checked_in_by  text NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX IF NOT EXISTS strategy_check_ins_kr
    ON strategy_check_ins (tenant_id, key_result_id, checked_in_at DESC);

-- Product concepts.
CREATE TABLE IF NOT EXISTS strategy_concepts (
    tenant_id          text NOT NULL,
    concept_id         uuid NOT NULL,
    workspace_id       text NOT NULL,
    name               text NOT NULL,
    problem            text NOT NULL,
    personas           text[] NOT NULL,
    value_proposition  text NOT NULL,
    differentiators    text[] NOT NULL,
    opportunity_ids    uuid[] NOT NULL DEFAULT '{}',
    drafted_at         timestamptz NOT NULL,
    version            integer NOT NULL,
    PRIMARY KEY (tenant_id, concept_id)
);
CREATE INDEX IF NOT EXISTS strategy_concepts_workspace
    ON strategy_concepts (tenant_id, workspace_id, drafted_at, concept_id);

-- Timeline: milestones and every move with its reason.
CREATE TABLE IF NOT EXISTS strategy_milestones (
    tenant_id      text NOT NULL,
    milestone_id   uuid NOT NULL,
    workspace_id   text NOT NULL,
    title          text NOT NULL,
    description    text,
    target_date    date NOT NULL,
    original_date  date NOT NULL,
    objective_ids  uuid[] NOT NULL,
    reached_on     date,
    planned_at     timestamptz NOT NULL,
    version        integer NOT NULL,
    PRIMARY KEY (tenant_id, milestone_id)
);
CREATE INDEX IF NOT EXISTS strategy_milestones_timeline
    ON strategy_milestones (tenant_id, workspace_id, target_date, milestone_id);

CREATE TABLE IF NOT EXISTS strategy_milestone_moves (
    tenant_id     text NOT NULL,
    event_id      uuid NOT NULL,
    milestone_id  uuid NOT NULL,
    from_date     date NOT NULL,
    to_date       date NOT NULL,
    reason        text NOT NULL,
    moved_at      timestamptz NOT NULL,
    moved_by      text NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX IF NOT EXISTS strategy_milestone_moves_milestone
    ON strategy_milestone_moves (tenant_id, milestone_id, moved_at);

-- Decision log, searchable by the entities a decision links to.
CREATE TABLE IF NOT EXISTS strategy_decisions (
    tenant_id      text NOT NULL,
    decision_id    uuid NOT NULL,
    workspace_id   text NOT NULL,
    title          text NOT NULL,
    context        text NOT NULL,
    options        jsonb NOT NULL,
    decision       text NOT NULL,
    rationale      text NOT NULL,
    evidence       jsonb NOT NULL,
    decided_by     text NOT NULL,
    decided_on     date NOT NULL,
    supersedes     uuid,
    superseded_by  uuid,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, decision_id)
);
CREATE INDEX IF NOT EXISTS strategy_decisions_log
    ON strategy_decisions (tenant_id, workspace_id, decided_on DESC, decision_id DESC);

CREATE TABLE IF NOT EXISTS strategy_decision_links (
    tenant_id    text NOT NULL,
    entity_kind  text NOT NULL,
    entity_id    uuid NOT NULL,
    decision_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, entity_kind, entity_id, decision_id)
);

-- Strategies under review, their comments, and the approved versions (immutable).
CREATE TABLE IF NOT EXISTS strategy_reviews (
    tenant_id      text NOT NULL,
    strategy_id    uuid NOT NULL,
    workspace_id   text NOT NULL,
    title          text NOT NULL,
    period_label   text NOT NULL,
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    objective_ids  uuid[] NOT NULL,
    concept_id     uuid,
    current_version integer NOT NULL,
    status         text NOT NULL,
    reviewers      text[] NOT NULL DEFAULT '{}',
    drafted_at     timestamptz NOT NULL,
    stream_version integer NOT NULL,
    PRIMARY KEY (tenant_id, strategy_id)
);
CREATE INDEX IF NOT EXISTS strategy_reviews_workspace
    ON strategy_reviews (tenant_id, workspace_id, drafted_at, strategy_id);

CREATE TABLE IF NOT EXISTS strategy_review_comments (
    tenant_id    text NOT NULL,
    event_id     uuid NOT NULL,
    strategy_id  uuid NOT NULL,
    version      integer NOT NULL,
    kind         text NOT NULL,
    author       text NOT NULL,
    text         text,
    at           timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX IF NOT EXISTS strategy_review_comments_strategy
    ON strategy_review_comments (tenant_id, strategy_id, at);

CREATE TABLE IF NOT EXISTS strategy_approved_versions (
    tenant_id     text NOT NULL,
    strategy_id   uuid NOT NULL,
    version       integer NOT NULL,
    workspace_id  text NOT NULL,
    approved_by   text NOT NULL,
    approved_at   timestamptz NOT NULL,
    snapshot      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, strategy_id, version)
);
CREATE INDEX IF NOT EXISTS strategy_approved_versions_time
    ON strategy_approved_versions (tenant_id, workspace_id, approved_at DESC);
