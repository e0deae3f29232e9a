"""What the feedback of every team is about, and what is rising across the organisation:
each tag and theme counted period by period, in how many workspaces it came up, and the
customers and revenue behind it. A workspace's own view, with sentiment and the inbox's
filters, is the feedback service's ``…/feedback/trends``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sextant_feedback.domain import Channel
from sextant_kit.periods import PERIODS, Period, periods_ago, trend, window
from sextant_kit.service import Runtime
from sextant_kit.storable import Moment

from sextant_query.api.common import Reader, WorkspaceRef, in_scope, scope

_TRENDS = f"""
WITH items AS MATERIALIZED (
    SELECT f.workspace_id, f.tags, f.themes, f.customer_id,
        {periods_ago("f.received_at", "$3", "$4", "$5")} AS ago
    FROM query_feedback f
    WHERE f.tenant_id = $1 AND {in_scope("f", 2)} AND f.merged_into IS NULL
        AND f.received_at >= $6 AND f.received_at < $3
        AND ($9::text IS NULL OR f.source = $9)
        AND ($10::text IS NULL OR EXISTS (SELECT 1 FROM query_customers c
            WHERE c.tenant_id = $1 AND c.customer_id = f.customer_id AND c.segment = $10))),
per_period AS MATERIALIZED (
    SELECT l.kind, l.name, i.ago, count(*)::int AS items,
        array_agg(DISTINCT i.workspace_id) AS workspaces,
        array_agg(i.customer_id) FILTER (WHERE i.customer_id IS NOT NULL) AS accounts
    FROM items i CROSS JOIN LATERAL (
        SELECT 'tag' AS kind, t AS name FROM unnest(i.tags) t
        UNION ALL SELECT 'theme', t FROM unnest(i.themes) t) l
    GROUP BY 1, 2, 3),
summed AS (
    SELECT kind, name, sum(items)::int AS items,
        (coalesce(sum(items) FILTER (WHERE ago = 0), 0)
            - coalesce(sum(items) FILTER (WHERE ago = 1), 0))::int AS change,
        array_agg(ARRAY[ago, items]) AS counts
    FROM per_period GROUP BY 1, 2),
labels AS (
    SELECT * FROM summed
    ORDER BY CASE WHEN $7 = 'rising' THEN change END DESC NULLS LAST, items DESC, kind, name
    LIMIT $8),
spread AS (
    SELECT l.kind, l.name, array_agg(DISTINCT w ORDER BY w) AS workspaces
    FROM labels l JOIN per_period p USING (kind, name), unnest(p.workspaces) w
    GROUP BY 1, 2),
accounts AS (
    SELECT DISTINCT p.kind, p.name, a.customer_id FROM labels l
    JOIN per_period p USING (kind, name), unnest(p.accounts) a(customer_id)),
backing AS (
    SELECT a.kind, a.name, count(*)::int AS customers,
        coalesce(sum(c.annual_revenue), 0) AS revenue
    FROM accounts a LEFT JOIN query_customers c
        ON c.tenant_id = $1 AND c.customer_id = a.customer_id
    GROUP BY 1, 2)
SELECT (SELECT coalesce(jsonb_agg(t), '[]') FROM (
        SELECT ago, count(*)::int AS items, (count(*) FILTER (WHERE
            cardinality(tags) = 0 AND cardinality(themes) = 0))::int AS untagged,
            count(DISTINCT workspace_id)::int AS workspaces
        FROM items GROUP BY ago) t) AS totals,
    (SELECT coalesce(jsonb_agg(jsonb_build_object(
        'kind', l.kind, 'name', l.name, 'items', l.items, 'counts', l.counts,
        'change', l.change, 'workspaces', s.workspaces,
        'customers', coalesce(b.customers, 0),
        'revenue_weighted', coalesce(b.revenue, 0)::text)
        ORDER BY CASE WHEN $7 = 'rising' THEN l.change END DESC NULLS LAST, l.items DESC,
            l.kind, l.name), '[]')
    FROM labels l JOIN spread s USING (kind, name)
        LEFT JOIN backing b USING (kind, name)) AS labels
"""


def trends_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/query", tags=["feedback"])

    @api.get("/feedback/trends")
    async def trends(
        who: Reader,
        workspace: Annotated[list[WorkspaceRef] | None, Query(max_length=50)] = None,
        source: Channel | None = None,
        segment: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
        period: Period = "week",
        periods: Annotated[int, Query(ge=2, le=52)] = 8,
        until: Moment | None = None,
        order: Literal["volume", "rising"] = "volume",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """How often each tag and theme came up in the feedback of the workspaces the
        caller reads (``workspace``, repeatable, keeps some; ``source`` the items of one
        channel, ``segment`` those of customers in one segment), in each of the last
        ``periods`` periods (a day, a week, or a month of 30 days) up to ``until`` (now by
        default), oldest first; with the ``workspaces`` it came up in, the distinct
        customers behind it and their annual revenue summed. An item merged into another
        counts once, as that item. ``change`` is the latest period's items less the one
        before's; ``order=rising`` puts the largest rise first. ``total`` counts every
        item in each period, ``untagged`` those with neither a tag nor a theme, and
        ``workspaces`` the workspaces they came from."""
        length = PERIODS[period]
        end = until or datetime.now(UTC)
        spans = window(end, length, periods)
        async with rt.reads.connection(who.tenant_id) as conn:
            # The plan's cost is guessed high from the window's rows, and compiling it would
            # take longer than running it.
            await conn.execute("SET LOCAL jit = off")
            found = await conn.fetchrow(
                _TRENDS,
                who.tenant_id,
                scope(who, workspace),
                end,
                length.total_seconds(),
                periods - 1,
                spans[0][0],
                order,
                limit,
                source.value if source else None,
                segment,
            )
        assert found is not None
        return {
            "period": period,
            **trend(
                found["totals"],
                found["labels"],
                spans,
                total=("items", 0),
                untagged=("untagged", 0),
                workspaces=("workspaces", 0),
            ),
        }

    return api
