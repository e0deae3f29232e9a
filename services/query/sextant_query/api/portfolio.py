"""The portfolio: every objective across the organisation's workspaces, with the roadmap
items that serve it, their status, and the objective's progress (the items found through
the owner's ``query_items_serving``, as in ``trace``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sextant_kit.service import Runtime
from sextant_roadmap.domain.vocabulary import ItemStatus
from sextant_strategy.domain.common import PeriodLabel
from sextant_strategy.domain.progress import Status, rolled_up_progress

from sextant_query.api.common import (
    Cursor,
    ItemLimit,
    Limit,
    Reader,
    WorkspaceRef,
    after,
    assessed_today,
    in_scope,
    jsonable,
    page,
    scope,
)
from sextant_query.api.sql import ALIGNED_BELOW, ITEM_COLUMNS, OBJECTIVE_COLUMNS

_SUBTREES = ALIGNED_BELOW + "SELECT DISTINCT objective_id, parent_id, progress FROM tree"


def _rolled_up(
    roots: list[str], nodes: list[tuple[str, str | None, float | None]]
) -> dict[str, float | None]:
    """Each root's progress rolled up through the objectives aligned below it, as the
    strategy context's objective tree rolls it up (``rolled_up_progress``)."""
    progress = {objective: own for objective, _, own in nodes}
    children: dict[str, list[str]] = defaultdict(list)
    for objective, parent, _ in nodes:
        if parent is not None and parent in progress:
            children[parent].append(objective)

    def roll(objective: str, seen: frozenset[str]) -> float | None:
        below = [c for c in children[objective] if c not in seen]
        inner = seen | {objective}
        return rolled_up_progress(progress[objective], [roll(c, inner) for c in below])

    return {root: roll(root, frozenset()) for root in roots if root in progress}


def portfolio_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/query", tags=["portfolio"])

    @api.get("/portfolio")
    async def portfolio(
        who: Reader,
        workspace: Annotated[list[WorkspaceRef] | None, Query(max_length=50)] = None,
        status: Status | None = None,
        status_today: Status | None = None,
        item_status: ItemStatus | None = None,
        period: Annotated[PeriodLabel | None, Query()] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
        item_limit: ItemLimit = 100,
    ) -> dict[str, Any]:
        """Objectives by when they were set, each with its roadmap items and their counts by
        status, its own progress and ``rolled_up_progress`` (with the objectives aligned
        below it, as the strategy context's objective tree has it), ``status`` at the last
        check-ins and ``status_today`` (those check-ins against the share of the period gone
        now). ``workspace`` (repeatable) keeps objectives of those workspaces, ``status``
        those whose key results were on track, at risk or off track at the last check-ins,
        ``status_today`` those that are now, ``period`` those of one period (``2026-Q3``, or
        a custom one as ``2026-07-01..2026-08-15``); ``item_status`` keeps only items in that
        status (the counts still cover every item). Each objective lists its first
        ``item_limit`` items, ``roadmap_items_total`` counting them all."""
        at, key = after(cursor)
        workspaces = scope(who, workspace)
        async with rt.reads.connection(who.tenant_id) as conn:
            # status_today is assessed here, not stored: read on until a page's worth match.
            objectives: list[dict[str, Any]] = []
            while len(objectives) <= limit:
                rows = await conn.fetch(
                    f"SELECT {OBJECTIVE_COLUMNS} FROM query_objectives o WHERE o.tenant_id = $1"
                    f" AND {in_scope('o', 2)}"
                    " AND ($3::text IS NULL OR o.status = $3)"
                    " AND ($4::text IS NULL OR o.period_label = $4)"
                    " AND ($5::timestamptz IS NULL OR (o.set_at, o.objective_id) > ($5, $6))"
                    " ORDER BY o.set_at, o.objective_id LIMIT $7",
                    who.tenant_id,
                    workspaces,
                    status.value if status else None,
                    period,
                    at,
                    key,
                    limit + 1,
                )
                assessed = await assessed_today(conn, who.tenant_id, rows)
                objectives += [
                    o for o in assessed if status_today is None or o["status_today"] == status_today
                ]
                if len(rows) <= limit:
                    break
                at, key = rows[-1]["set_at"], rows[-1]["objective_id"]
            objectives = objectives[: limit + 1]
            ids = [o["objective_id"] for o in objectives[:limit]]
            items = await conn.fetch(
                f"SELECT o.objective_id AS serves, {ITEM_COLUMNS} FROM query_roadmap_items i"
                " CROSS JOIN LATERAL unnest(i.objective_ids) AS o(objective_id)"
                " LEFT JOIN query_roadmaps r"
                "   ON r.tenant_id = i.tenant_id AND r.roadmap_id = i.roadmap_id"
                " WHERE i.tenant_id = $1"
                " AND i.item_id IN (SELECT item_id FROM query_items_serving($2::text[]))"
                " AND o.objective_id = ANY($2::text[])"
                f" AND {in_scope('i', 3)}"
                " ORDER BY i.added_at, i.item_id",
                who.tenant_id,
                ids,
                scope(who),
            )
            below = await conn.fetch(_SUBTREES, who.tenant_id, ids, scope(who))
        rolled_up = _rolled_up(
            ids, [(r["objective_id"], r["parent_id"], r["progress"]) for r in below]
        )
        serving: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in items:
            item = jsonable(row)
            serving[item.pop("serves")].append(item)
        for objective in objectives:
            objective["rolled_up_progress"] = rolled_up.get(objective["objective_id"])
            mine = serving[objective["objective_id"]]
            objective["item_counts"] = dict(Counter(i["status"] for i in mine))
            shown = [i for i in mine if item_status is None or i["status"] == item_status.value]
            objective["roadmap_items"] = shown[:item_limit]
            objective["roadmap_items_total"] = len(shown)
        return page(objectives, limit, "set_at", "objective_id")

    return api
