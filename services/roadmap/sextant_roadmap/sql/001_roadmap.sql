CREATE TABLE IF NOT EXISTS roadmaps (
    tenant_id     text NOT NULL,
    roadmap_id    uuid NOT NULL,
    workspace_id  text NOT NULL,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    scope         text NOT NULL,
    workspaces    text[] NOT NULL,
    versions      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    version       integer NOT NULL,
    PRIMARY KEY (tenant_id, roadmap_id)
);
CREATE INDEX IF NOT EXISTS roadmaps_by_workspace ON roadmaps (tenant_id, workspace_id, roadmap_id);
CREATE INDEX IF NOT EXISTS roadmaps_by_spanned ON roadmaps USING gin (workspaces);

CREATE TABLE IF NOT EXISTS roadmap_items (
    tenant_id          text NOT NULL,
    item_id            uuid NOT NULL,
    roadmap_id         uuid NOT NULL,
    workspace_id       text NOT NULL,
    item_workspace_id  text NOT NULL,
    title              text NOT NULL,
    description        text NOT NULL DEFAULT '',
    type               text NOT NULL,
    owner              text,
    team               text,
    status             text NOT NULL DEFAULT 'proposed',
    horizon            text,
    timeframe_kind     text,
    timeframe_label    text,
    start_date         date,
    end_date           date,
    objective_ids      text[] NOT NULL DEFAULT '{}',
    opportunity_ids    text[] NOT NULL DEFAULT '{}',
    rank               integer NOT NULL,
    committed_to       text,
    project_key        text,
    delivery_state     text,
    delivery_status    text,
    delivery_key       text,
    delivery_url       text,
    added_at           timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, item_id)
);
CREATE INDEX IF NOT EXISTS roadmap_items_by_roadmap ON roadmap_items (tenant_id, roadmap_id, rank);

CREATE TABLE IF NOT EXISTS roadmap_item_scores (
    tenant_id   text NOT NULL,
    item_id     uuid NOT NULL,
    roadmap_id  uuid NOT NULL,
    model       text NOT NULL,
    score       double precision NOT NULL,
    inputs      jsonb NOT NULL,
    formula     text NOT NULL,
    scored_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, item_id, model)
);
CREATE INDEX IF NOT EXISTS roadmap_item_scores_by_roadmap
    ON roadmap_item_scores (tenant_id, roadmap_id, model, score DESC);

CREATE TABLE IF NOT EXISTS roadmap_dependencies (
    tenant_id                text NOT NULL,
    roadmap_id               uuid NOT NULL,
    item_id                  uuid NOT NULL,
    depends_on_roadmap_id    uuid NOT NULL,
    depends_on_item_id       uuid NOT NULL,
    depends_on_workspace_id  text NOT NULL,
    PRIMARY KEY (tenant_id, item_id, depends_on_item_id)
);
CREATE INDEX IF NOT EXISTS roadmap_dependencies_by_target
    ON roadmap_dependencies (tenant_id, depends_on_item_id);

CREATE TABLE IF NOT EXISTS roadmap_item_moves (
    tenant_id       text NOT NULL,
    event_id        uuid PRIMARY KEY,
    roadmap_id      uuid NOT NULL,
    item_id         uuid NOT NULL,
    from_horizon    text,
    from_timeframe  text,
    to_horizon      text NOT NULL,
    to_timeframe    text,
    reason          text NOT NULL,
    actor           text NOT NULL,
    moved_at        timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS roadmap_item_moves_by_item
    ON roadmap_item_moves (tenant_id, item_id, moved_at);

CREATE TABLE IF NOT EXISTS roadmap_versions (
    tenant_id     text NOT NULL,
    roadmap_id    uuid NOT NULL,
    version       integer NOT NULL,
    workspace_id  text NOT NULL,
    audience      text NOT NULL,
    title         text NOT NULL,
    notes         text NOT NULL,
    published_at  timestamptz NOT NULL,
    published_by  text NOT NULL,
    item_count    integer NOT NULL,
    snapshot      jsonb NOT NULL,
    PRIMARY KEY (tenant_id, roadmap_id, version)
);

CREATE TABLE IF NOT EXISTS scoring_formulas (
    tenant_id     text NOT NULL,
    workspace_id  text NOT NULL,
    name          text NOT NULL,
    expression    text NOT NULL,
    inputs        text[] NOT NULL,
    description   text NOT NULL,
    revision      integer NOT NULL,
    defined_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, workspace_id, name)
);
