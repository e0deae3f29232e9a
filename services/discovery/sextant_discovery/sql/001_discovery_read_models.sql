-- Market insights.
CREATE TABLE IF NOT EXISTS discovery_insights (
    tenant_id      text NOT NULL,
    insight_id     uuid NOT NULL,
    workspace_id   text NOT NULL,
    title          text NOT NULL,
    market         text NOT NULL,
    segment        text,
    source         text NOT NULL,
    summary        text NOT NULL,
    evidence_links text[] NOT NULL,
    tags           text[] NOT NULL,
    retired        boolean NOT NULL DEFAULT false,
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, insight_id)
);
CREATE INDEX IF NOT EXISTS discovery_insights_ws
    ON discovery_insights (tenant_id, workspace_id, recorded_at DESC);

-- Personas: the current version, and every version ever written.
CREATE TABLE IF NOT EXISTS discovery_personas (
    tenant_id    text NOT NULL,
    persona_id   uuid NOT NULL,
    workspace_id text NOT NULL,
    name         text NOT NULL,
    version      integer NOT NULL,
    profile      jsonb NOT NULL,
    archived     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, persona_id)
);
CREATE TABLE IF NOT EXISTS discovery_persona_versions (
    tenant_id  text NOT NULL,
    persona_id uuid NOT NULL,
    version    integer NOT NULL,
    profile    jsonb NOT NULL,
    note       text,
    written_by text NOT NULL,
    written_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, persona_id, version)
);

-- Competitors, their feature comparison and their status history.
CREATE TABLE IF NOT EXISTS discovery_competitors (
    tenant_id     text NOT NULL,
    competitor_id uuid NOT NULL,
    workspace_id  text NOT NULL,
    name          text NOT NULL,
    revision      integer NOT NULL,
    profile       jsonb NOT NULL,
    status        text NOT NULL DEFAULT 'active',
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, competitor_id)
);
CREATE TABLE IF NOT EXISTS discovery_competitor_features (
    tenant_id     text NOT NULL,
    competitor_id uuid NOT NULL,
    feature       text NOT NULL,
    theirs        text NOT NULL,
    ours          text NOT NULL,
    note          text,
    compared_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, competitor_id, feature)
);
CREATE TABLE IF NOT EXISTS discovery_competitor_statuses (
    tenant_id     text NOT NULL,
    event_id      uuid NOT NULL,
    competitor_id uuid NOT NULL,
    status        text NOT NULL,
    previous      text NOT NULL,
    reason        text,
    changed_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);

-- Problems with their evidence: attached insights and linked feedback.
CREATE TABLE IF NOT EXISTS discovery_problems (
    tenant_id     text NOT NULL,
    problem_id    uuid NOT NULL,
    workspace_id  text NOT NULL,
    title         text NOT NULL,
    statement     text NOT NULL,
    persona_ids   uuid[] NOT NULL,
    severity      integer NOT NULL,
    frequency     integer NOT NULL,
    status        text NOT NULL DEFAULT 'open',
    merged_into   uuid,
    close_reason  text,
    identified_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, problem_id)
);
CREATE INDEX IF NOT EXISTS discovery_problems_ws
    ON discovery_problems (tenant_id, workspace_id, identified_at DESC);
CREATE TABLE IF NOT EXISTS discovery_problem_insights (
    tenant_id   text NOT NULL,
    problem_id  uuid NOT NULL,
    insight_id  uuid NOT NULL,
    note        text,
    attached_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, problem_id, insight_id)
);
CREATE TABLE IF NOT EXISTS discovery_feedback_links (
    tenant_id    text NOT NULL,
    workspace_id text NOT NULL,
    target_type  text NOT NULL,
    target_id    text NOT NULL,
    feedback_id  uuid NOT NULL,
    linked_at    timestamptz,
    PRIMARY KEY (tenant_id, target_type, target_id, feedback_id)
);

-- The opportunity scoreboard, every evaluation, and candidate solutions.
CREATE TABLE IF NOT EXISTS discovery_opportunities (
    tenant_id         text NOT NULL,
    opportunity_id    uuid NOT NULL,
    workspace_id      text NOT NULL,
    title             text NOT NULL,
    description       text,
    problem_ids       uuid[] NOT NULL,
    status            text NOT NULL DEFAULT 'open',
    rationale         text,
    score             double precision,
    inputs            jsonb,
    breakdown         jsonb,
    evaluations       integer NOT NULL DEFAULT 0,
    selected_solution uuid,
    experiments       integer NOT NULL DEFAULT 0,
    validated         integer NOT NULL DEFAULT 0,
    invalidated       integer NOT NULL DEFAULT 0,
    opened_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id)
);
CREATE INDEX IF NOT EXISTS discovery_opportunities_rank
    ON discovery_opportunities (tenant_id, workspace_id, score DESC NULLS LAST);
CREATE TABLE IF NOT EXISTS discovery_evaluations (
    tenant_id      text NOT NULL,
    opportunity_id uuid NOT NULL,
    evaluation     integer NOT NULL,
    inputs         jsonb NOT NULL,
    score          double precision NOT NULL,
    breakdown      jsonb NOT NULL,
    note           text,
    evaluated_by   text NOT NULL,
    evaluated_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, opportunity_id, evaluation)
);
CREATE TABLE IF NOT EXISTS discovery_solutions (
    tenant_id      text NOT NULL,
    solution_id    uuid NOT NULL,
    opportunity_id uuid NOT NULL,
    title          text NOT NULL,
    description    text,
    value          integer NOT NULL,
    effort         integer NOT NULL,
    confidence     integer NOT NULL,
    selected       boolean NOT NULL DEFAULT false,
    proposed_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, solution_id)
);

-- The experiment log.
CREATE TABLE IF NOT EXISTS discovery_experiments (
    tenant_id      text NOT NULL,
    experiment_id  uuid NOT NULL,
    workspace_id   text NOT NULL,
    opportunity_id uuid NOT NULL,
    solution_id    uuid,
    hypothesis     text NOT NULL,
    metric         text NOT NULL,
    unit           text NOT NULL,
    direction      text NOT NULL,
    threshold      double precision NOT NULL,
    status         text NOT NULL DEFAULT 'designed',
    outcome        text,
    learnings      text,
    designed_at    timestamptz NOT NULL,
    started_at     timestamptz,
    concluded_at   timestamptz,
    PRIMARY KEY (tenant_id, experiment_id)
);
CREATE INDEX IF NOT EXISTS discovery_experiments_opp
    ON discovery_experiments (tenant_id, opportunity_id, designed_at DESC);
CREATE TABLE IF NOT EXISTS discovery_observations (
    tenant_id     text NOT NULL,
    event_id      uuid NOT NULL,
    experiment_id uuid NOT NULL,
    value         double precision NOT NULL,
    note          text,
    observed_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
