-- Cross-context read models, built only from the domain topics of strategy, roadmap,
-- discovery and feedback. Ids from every context are kept as text: the contexts link to
-- each other by id strings (a roadmap item's objective_ids, a feedback link's target_id),
-- so text is what joins them. Links are stored as the events state them, never resolved
-- when written: an entity and a link to it may arrive in either order from different
-- topics, and the queries join whatever has arrived.

-- strategy: objectives and their key results ------------------------------------------
CREATE TABLE IF NOT EXISTS query_objectives (
    tenant_id     text NOT NULL,
    objective_id  text NOT NULL,
    workspace_id  text,                -- NULL: an organisation-level objective
    level         text NOT NULL,
    title         text NOT NULL,
    owner         text NOT NULL,
    period_label  text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    parent_id     text,
    progress      double precision,    -- mean key-result progress; NULL without key results
    status        text,                -- worst key-result status; NULL until a check-in
    outcome       text,
    closed_at     timestamptz,
    set_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, objective_id)
);
CREATE INDEX IF NOT EXISTS query_objectives_page ON query_objectives (tenant_id, set_at, objective_id);

CREATE TABLE IF NOT EXISTS query_key_results (
    tenant_id      text NOT NULL,
    key_result_id  text NOT NULL,
    objective_id   text NOT NULL,
    title          text NOT NULL,
    progress       double precision,
    status         text,
    checked_in_at  timestamptz,
    PRIMARY KEY (tenant_id, key_result_id)
);
CREATE INDEX IF NOT EXISTS query_key_results_objective ON query_key_results (tenant_id, objective_id);

-- roadmap: items and what they serve ----------------------------------------------------
CREATE TABLE IF NOT EXISTS query_roadmaps (
    tenant_id     text NOT NULL,
    roadmap_id    text NOT NULL,
    workspace_id  text NOT NULL,
    name          text NOT NULL,
    PRIMARY KEY (tenant_id, roadmap_id)
);

CREATE TABLE IF NOT EXISTS query_roadmap_items (
    tenant_id        text NOT NULL,
    item_id          text NOT NULL,
    roadmap_id       text NOT NULL,
    workspace_id     text NOT NULL,    -- the item's own workspace (portfolio roadmaps mix them)
    title            text NOT NULL,
    type             text NOT NULL,
    status           text NOT NULL DEFAULT 'proposed',
    horizon          text,
    timeframe        text,
    delivery_state   text,
    objective_ids    text[] NOT NULL DEFAULT '{}',
    opportunity_ids  text[] NOT NULL DEFAULT '{}',
    added_at         timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX IF NOT EXISTS query_roadmap_items_objectives
    ON query_roadmap_items USING gin (objective_ids);
CREATE INDEX IF NOT EXISTS query_roadmap_items_opportunities
    ON query_roadmap_items USING gin (opportunity_ids);

-- discovery: problems, opportunities, experiments ---------------------------------------
CREATE TABLE IF NOT EXISTS query_problems (
    tenant_id      text NOT NULL,
    problem_id     text NOT NULL,
    workspace_id   text NOT NULL,
    title          text NOT NULL,
    severity       integer NOT NULL,
    frequency      integer NOT NULL,
    status         text NOT NULL DEFAULT 'open',
    merged_into    text,
    identified_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, problem_id)
);
CREATE INDEX IF NOT EXISTS query_problems_merged ON query_problems (tenant_id, merged_into);

CREATE TABLE IF NOT EXISTS query_opportunities (
    tenant_id       text NOT NULL,
    opportunity_id  text NOT NULL,
    workspace_id    text NOT NULL,
    title           text NOT NULL,
    status          text NOT NULL DEFAULT 'open',
    problem_ids     text[] NOT NULL DEFAULT '{}',
    score           double precision,  -- the latest evaluation's
    evaluations     integer NOT NULL DEFAULT 0,
    opened_at       timestamptz NOT NULL,
    decided_at      timestamptz,
    PRIMARY KEY (tenant_id, opportunity_id)
);
CREATE INDEX IF NOT EXISTS query_opportunities_page
    ON query_opportunities (tenant_id, workspace_id, opened_at, opportunity_id);
CREATE INDEX IF NOT EXISTS query_opportunities_problems
    ON query_opportunities USING gin (problem_ids);

CREATE TABLE IF NOT EXISTS query_experiments (
    tenant_id       text NOT NULL,
    experiment_id   text NOT NULL,
    workspace_id    text NOT NULL,
    opportunity_id  text NOT NULL,
    hypothesis      text NOT NULL,
    metric          text NOT NULL,
    status          text NOT NULL DEFAULT 'designed',
    observations    integer NOT NULL DEFAULT 0,
    outcome         text,
    learnings       text,
    designed_at     timestamptz NOT NULL,
    concluded_at    timestamptz,
    PRIMARY KEY (tenant_id, experiment_id)
);
CREATE INDEX IF NOT EXISTS query_experiments_opportunity
    ON query_experiments (tenant_id, opportunity_id);

-- feedback: items, links, votes and customers' revenue ----------------------------------
-- No feedback text, author or contact is copied here: the evidence views need counts and
-- revenue, not personal data, so erasure in the feedback context needs nothing from us.
CREATE TABLE IF NOT EXISTS query_feedback (
    tenant_id     text NOT NULL,
    feedback_id   text NOT NULL,
    workspace_id  text NOT NULL,
    source        text NOT NULL,
    customer_id   text,
    votes         integer NOT NULL DEFAULT 0,
    merged_into   text,
    received_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, feedback_id)
);

CREATE TABLE IF NOT EXISTS query_feedback_links (
    tenant_id     text NOT NULL,
    feedback_id   text NOT NULL,
    workspace_id  text NOT NULL,
    target_type   text NOT NULL,
    target_id     text NOT NULL,
    linked_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, feedback_id, target_type, target_id)
);
CREATE INDEX IF NOT EXISTS query_feedback_links_target
    ON query_feedback_links (tenant_id, target_type, target_id);

CREATE TABLE IF NOT EXISTS query_feedback_votes (
    tenant_id    text NOT NULL,
    feedback_id  text NOT NULL,
    voter        text NOT NULL,
    customer_id  text,
    PRIMARY KEY (tenant_id, feedback_id, voter)
);

CREATE TABLE IF NOT EXISTS query_customers (
    tenant_id       text NOT NULL,
    customer_id     text NOT NULL,
    segment         text,
    annual_revenue  numeric(20, 2) NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, customer_id)
);
