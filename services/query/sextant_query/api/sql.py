"""The columns each endpoint shows of each read model (aliases: o, i, r, p, q, e, f)."""

from sextant_query.api.common import in_scope

OBJECTIVE_COLUMNS = (
    "o.objective_id, o.workspace_id, o.level, o.title, o.owner, o.period_label,"
    " o.period_start, o.period_end, o.parent_id, o.progress, o.status, o.outcome,"
    " o.closed_at, o.set_at"
)
ITEM_COLUMNS = (
    "i.item_id, i.roadmap_id, r.name AS roadmap_name, r.archived_at AS roadmap_archived_at,"
    " i.workspace_id, i.title, i.type, i.status, i.horizon, i.timeframe, i.delivery_state,"
    " i.objective_ids, i.opportunity_ids"
)
"""Needs ``query_roadmaps r`` joined on the item's roadmap (``roadmap_archived_at``: when it
was put away, null while in use)."""
PROBLEM_COLUMNS = (
    "p.problem_id, p.workspace_id, p.title, p.severity, p.frequency, p.status, p.merged_into"
)
OPPORTUNITY_COLUMNS = (
    "q.opportunity_id, q.workspace_id, q.title, q.status, q.problem_ids, q.score,"
    " q.evaluations, q.opened_at, q.decided_at"
)
EXPERIMENT_COLUMNS = (
    "e.experiment_id, e.workspace_id, e.opportunity_id, e.hypothesis, e.metric, e.status,"
    " e.observations, e.outcome, e.learnings, e.designed_at, e.concluded_at"
)
FEEDBACK_COLUMNS = (
    "f.feedback_id, f.workspace_id, f.source, f.customer_id, f.votes, f.merged_into, f.received_at"
)
ITEMS_FROM = (
    "query_roadmap_items i LEFT JOIN query_roadmaps r"
    " ON r.tenant_id = i.tenant_id AND r.roadmap_id = i.roadmap_id"
)

ALIGNED_BELOW = f"""
WITH RECURSIVE tree AS (
    SELECT objective_id, parent_id, progress, ARRAY[objective_id] AS path
    FROM query_objectives WHERE tenant_id = $1 AND objective_id = ANY($2::text[])
    UNION ALL
    SELECT c.objective_id, c.parent_id, c.progress, t.path || c.objective_id
    FROM tree t JOIN query_objectives c ON c.tenant_id = $1 AND c.parent_id = t.objective_id
    WHERE c.objective_id <> ALL(t.path)
        AND {in_scope("c", 3)}
)
"""
"""``tree``: the objectives ``$2`` and every objective aligned below them, in the workspaces
``$3`` when it is set (a cycle in the alignments, which the strategy context refuses, would
end where it closes). Follow it with a ``SELECT ... FROM tree``."""

ALIGNED_ABOVE = """
WITH RECURSIVE tree AS (
    SELECT objective_id, parent_id, ARRAY[objective_id] AS path
    FROM query_objectives WHERE tenant_id = $1 AND objective_id = ANY($2::text[])
    UNION ALL
    SELECT p.objective_id, p.parent_id, t.path || p.objective_id
    FROM tree t JOIN query_objectives p ON p.tenant_id = $1 AND p.objective_id = t.parent_id
    WHERE p.objective_id <> ALL(t.path)
)
"""
"""``tree``: the objectives ``$2`` and every objective they are aligned to, up to the
organisation's (``$3``, the caller's workspaces, is left to the query that follows)."""

MERGED_BELOW = """
WITH RECURSIVE merged AS (
    SELECT problem_id FROM query_problems WHERE tenant_id = $1 AND merged_into = ANY($2::text[])
    UNION
    SELECT p.problem_id FROM merged m
    JOIN query_problems p ON p.tenant_id = $1 AND p.merged_into = m.problem_id
)
"""
"""``merged``: the problems merged into the problems ``$2``, directly or through a problem
that was merged into them in its turn: their evidence moved there."""
MERGED_ABOVE = """
WITH RECURSIVE kept AS (
    SELECT problem_id, merged_into FROM query_problems
    WHERE tenant_id = $1 AND problem_id = ANY($2::text[])
    UNION
    SELECT p.problem_id, p.merged_into FROM kept k
    JOIN query_problems p ON p.tenant_id = $1 AND p.problem_id = k.merged_into
)
"""
"""``kept``: the problems ``$2`` and those they were merged into, to the one that stayed."""
