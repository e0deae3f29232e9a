"""What a workspace's feedback is about, and what is rising: each tag and theme counted
period by period, with the customers and revenue behind it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from sextant_kit import DomainError
from sextant_kit.periods import PERIODS, Period, periods_ago, trend, window
from sextant_kit.service import Runtime

from sextant_feedback.api.common import Reader, WorkspaceId
from sextant_feedback.api.queries import InboxFilter


def trends_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["feedback queries"])

    # Before the item's route: "trends" is not an item's id.
    @api.get("/workspaces/{workspace_id}/feedback/trends")
    async def trends(
        workspace_id: WorkspaceId,
        who: Reader,
        which: Annotated[InboxFilter, Depends()],
        period: Period = "week",
        periods: Annotated[int, Query(ge=2, le=52)] = 8,
        order: Literal["volume", "rising"] = "volume",
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """How often each tag and theme came up in the items the inbox's filters keep, in
        each of the last ``periods`` periods (a day, a week, or a month of 30 days) up to
        ``until`` (now by default), oldest first; with the distinct customers behind it,
        their annual revenue summed, and the items' mean sentiment over the whole window.
        ``change`` is the latest period's items less the one before's; ``order=rising``
        puts the largest rise first. ``untagged`` counts the items with neither, which are
        still to be triaged; ``total`` every item, and ``sentiment`` their mean sentiment
        in each period (none in a period without items)."""
        if which.since is not None:
            raise DomainError(
                "trends count whole periods back from until; say how many with periods",
                field="query.since",
            )
        length = PERIODS[period]
        end = which.until or datetime.now(UTC)
        spans = window(end, length, periods)
        # The request's own filter, narrowed to the window.
        which.since, which.until = spans[0][0], end
        where, args = which.where(who.tenant_id, workspace_id)
        args += [end, length.total_seconds(), periods - 1]
        n = len(args)
        ago = periods_ago("i.received_at", f"${n - 2}", f"${n - 1}", f"${n}")
        in_window = (
            f"SELECT i.tags, i.themes, i.sentiment, i.customer_id, {ago} AS ago"
            f" FROM feedback_inbox i WHERE {' AND '.join(where)}"
        )

        def rising(change: str) -> str:
            """The largest rise first, when ``order`` (``$n + 1``) asks for it."""
            return f"CASE WHEN ${n + 1} = 'rising' THEN {change} END DESC NULLS LAST"

        async with rt.reads.connection(who.tenant_id) as conn:
            # The plan's cost is guessed high from the window's rows, and compiling it would
            # take longer than running it.
            await conn.execute("SET LOCAL jit = off")
            found = await conn.fetchrow(
                # The window's items are read once; every count is then over small groups.
                f"WITH items AS MATERIALIZED ({in_window}),"
                " per_period AS MATERIALIZED ("
                "  SELECT l.kind, l.name, i.ago, count(*)::int AS items,"
                "    sum(i.sentiment)::float8 AS sentiment,"
                "    array_agg(i.customer_id) FILTER (WHERE i.customer_id IS NOT NULL)"
                "      AS accounts"
                "  FROM items i CROSS JOIN LATERAL ("
                "    SELECT 'tag' AS kind, t AS name FROM unnest(i.tags) t"
                "    UNION ALL SELECT 'theme', t FROM unnest(i.themes) t) l"
                "  GROUP BY 1, 2, 3),"
                " summed AS ("
                "  SELECT kind, name, sum(items)::int AS items,"
                "    sum(sentiment) / sum(items) AS sentiment,"
                "    (coalesce(sum(items) FILTER (WHERE ago = 0), 0)"
                "      - coalesce(sum(items) FILTER (WHERE ago = 1), 0))::int AS change,"
                "    array_agg(ARRAY[ago, items]) AS counts"
                "  FROM per_period GROUP BY 1, 2),"
                f" labels AS (SELECT * FROM summed ORDER BY {rising('change')},"
                f"  items DESC, kind, name LIMIT ${n + 2}),"
                " accounts AS ("
                "  SELECT DISTINCT p.kind, p.name, a.customer_id FROM labels l"
                "  JOIN per_period p USING (kind, name), unnest(p.accounts) a(customer_id)),"
                " backing AS ("
                "  SELECT a.kind, a.name, count(*)::int AS customers,"
                "    coalesce(sum(c.annual_revenue), 0) AS revenue"
                "  FROM accounts a LEFT JOIN customers c"
                "    ON c.tenant_id = $1 AND c.customer_id = a.customer_id"
                "  GROUP BY 1, 2)"
                " SELECT (SELECT coalesce(jsonb_agg(t), '[]') FROM ("
                "   SELECT ago, count(*)::int AS items, (count(*) FILTER (WHERE"
                "     cardinality(tags) = 0 AND cardinality(themes) = 0))::int AS untagged,"
                "     round(avg(sentiment)::numeric, 3) AS sentiment"
                "   FROM items GROUP BY ago) t) AS totals,"
                "  (SELECT coalesce(jsonb_agg(jsonb_build_object("
                "    'kind', l.kind, 'name', l.name, 'items', l.items, 'counts', l.counts,"
                "    'change', l.change, 'customers', coalesce(b.customers, 0),"
                "    'revenue_weighted', coalesce(b.revenue, 0)::text,"
                "    'sentiment', round(l.sentiment::numeric, 3))"
                f"   ORDER BY {rising('l.change')}, l.items DESC,"
                "     l.kind, l.name), '[]')"
                "   FROM labels l LEFT JOIN backing b USING (kind, name)) AS labels",
                *args,
                order,
                limit,
            )
        assert found is not None
        return {
            "workspace_id": workspace_id,
            "period": period,
            **trend(
                found["totals"],
                found["labels"],
                spans,
                total=("items", 0),
                untagged=("untagged", 0),
                sentiment=("sentiment", None),
            ),
        }

    return api
