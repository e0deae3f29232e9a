"""The columns each endpoint shows of each read model (aliases: o, i, r, p, q, e, f)."""

OBJECTIVE_COLUMNS = (
    "o.objective_id, o.workspace_id, o.level, o.title, o.owner, o.period_label,"
    " o.parent_id, o.progress, o.status, o.outcome, o.closed_at, o.set_at"
)
ITEM_COLUMNS = (
    "i.item_id, i.roadmap_id, r.name AS roadmap_name, i.workspace_id, i.title, i.type,"
    " i.status, i.horizon, i.timeframe, i.delivery_state, i.objective_ids, i.opportunity_ids"
)
"""Needs ``query_roadmaps r`` joined on the item's roadmap."""
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
