"""Feedback as evidence for opportunities: counts, votes and revenue-weighted demand.

Feedback backs an opportunity when it is linked to the opportunity itself or to one of its
problems (or to a problem merged into one of them, directly or in turn: its evidence moved
there). Items merged into another count once, as that other item. Revenue-weighted demand
is the summed annual revenue of the distinct customers behind the backing feedback (each
item's own customer and the customers voted for on its behalf, a merged duplicate's
customer among them), as the feedback service's own demand view defines it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sextant_kit.database import Connection

from sextant_query.api.common import in_scope, jsonable
from sextant_query.api.sql import MERGED_BELOW

_EVIDENCE = f"""
WITH RECURSIVE opp AS (
    SELECT opportunity_id, problem_ids FROM query_opportunities
    WHERE tenant_id = $1 AND opportunity_id = ANY($2::text[])),
merged AS (
    SELECT o.opportunity_id, p.problem_id FROM opp o
        JOIN query_problems p ON p.tenant_id = $1 AND p.merged_into = ANY(o.problem_ids)
    UNION SELECT m.opportunity_id, p.problem_id FROM merged m
        JOIN query_problems p ON p.tenant_id = $1 AND p.merged_into = m.problem_id),
targets AS (
    SELECT opportunity_id, 'opportunity' AS target_type, opportunity_id AS target_id,
        true AS direct FROM opp
    UNION SELECT opportunity_id, 'problem', unnest(problem_ids), false FROM opp
    UNION SELECT opportunity_id, 'problem', problem_id, false FROM merged),
items AS (
    SELECT t.opportunity_id, f.feedback_id, bool_or(t.direct) AS direct,
        max(f.customer_id) AS customer_id, max(f.votes) AS votes
    FROM targets t
    JOIN query_feedback_links l ON l.tenant_id = $1
        AND l.target_type = t.target_type AND l.target_id = t.target_id
    JOIN query_feedback f ON f.tenant_id = $1 AND f.feedback_id = l.feedback_id
        AND f.merged_into IS NULL
    WHERE {in_scope("f", 3)}
    GROUP BY t.opportunity_id, f.feedback_id),
counts AS (
    SELECT opportunity_id, count(*) AS items, count(*) FILTER (WHERE direct) AS direct,
        sum(votes) AS votes
    FROM items GROUP BY opportunity_id),
accounts AS (
    SELECT a.opportunity_id, count(*) AS customers,
        coalesce(sum(c.annual_revenue), 0) AS revenue
    FROM (SELECT opportunity_id, customer_id FROM items WHERE customer_id IS NOT NULL
          UNION SELECT i.opportunity_id, v.customer_id FROM items i
          JOIN query_feedback_votes v ON v.tenant_id = $1 AND v.feedback_id = i.feedback_id
          WHERE v.customer_id IS NOT NULL) a
    LEFT JOIN query_customers c ON c.tenant_id = $1 AND c.customer_id = a.customer_id
    GROUP BY a.opportunity_id)
SELECT o.opportunity_id, coalesce(n.items, 0) AS items, coalesce(n.direct, 0) AS direct,
    coalesce(n.votes, 0) AS votes, coalesce(a.customers, 0) AS customers,
    coalesce(a.revenue, 0) AS revenue
FROM opp o LEFT JOIN counts n USING (opportunity_id) LEFT JOIN accounts a USING (opportunity_id)
"""


async def evidence(
    conn: Connection, tenant: str, workspaces: list[str] | None, opportunity_ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each opportunity's evidence, keyed by its id (ids not found are left out)."""
    if not opportunity_ids:
        return {}
    rows = await conn.fetch(_EVIDENCE, tenant, list(opportunity_ids), workspaces)
    return {
        r["opportunity_id"]: {
            "feedback_items": r["items"],
            "linked_directly": r["direct"],
            "linked_through_problems": r["items"] - r["direct"],
            "votes": int(r["votes"]),
            "customers": r["customers"],
            "revenue_weighted_demand": str(r["revenue"]),
        }
        for r in rows
    }


async def problem_targets(conn: Connection, tenant: str, problem_ids: Sequence[str]) -> list[str]:
    """``problem_ids`` and the problems merged into them, directly or in turn: where their
    feedback is linked."""
    if not problem_ids:
        return []
    merged = await conn.fetch(
        MERGED_BELOW + "SELECT problem_id FROM merged", tenant, list(problem_ids)
    )
    return sorted({*problem_ids, *(r["problem_id"] for r in merged)})


async def linked_feedback(
    conn: Connection,
    tenant: str,
    workspaces: list[str] | None,
    targets: Sequence[tuple[str, str]],
    limit: int,
) -> dict[str, Any]:
    """Feedback linked to any of ``targets`` (``(target_type, target_id)``), newest first:
    the first ``limit`` items with what each is linked to, and how many there are."""
    if not targets:
        return {"total": 0, "items": []}
    rows = await conn.fetch(
        "SELECT f.feedback_id, f.workspace_id, f.source, f.customer_id, f.votes, f.received_at,"
        " jsonb_agg(jsonb_build_object('target_type', l.target_type, 'target_id', l.target_id)"
        "   ORDER BY l.target_type, l.target_id) AS linked_to, count(*) OVER () AS total"
        " FROM query_feedback_links l JOIN query_feedback f"
        "   ON f.tenant_id = l.tenant_id AND f.feedback_id = l.feedback_id"
        " WHERE l.tenant_id = $1 AND f.merged_into IS NULL"
        " AND (l.target_type, l.target_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))"
        f" AND {in_scope('f', 4)}"
        " GROUP BY f.feedback_id, f.workspace_id, f.source, f.customer_id, f.votes,"
        "   f.received_at ORDER BY f.received_at DESC, f.feedback_id LIMIT $5",
        tenant,
        [t for t, _ in targets],
        [i for _, i in targets],
        workspaces,
        limit,
    )
    items = [jsonable(r) for r in rows]
    total = items[0]["total"] if items else 0
    for item in items:
        del item["total"]
    return {"total": total, "items": items}
