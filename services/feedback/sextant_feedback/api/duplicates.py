"""Likely duplicates among a workspace's newest feedback, found all at once."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sextant_kit.service import Runtime

from sextant_feedback.api.common import Reader, WorkspaceId
from sextant_feedback.api.queries import ITEM_COLUMNS, NEWEST_FIRST, InboxFilter, item_out
from sextant_feedback.domain.likeness import alike_groups, similarity, trigrams
from sextant_feedback.privacy import ERASED

METHOD = "trigram similarity (as pg_trgm's), every pair at or above min_similarity"


def _keeper(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The item the others would be merged into: the most linked, then the most voted
    for, then the first received (the original)."""
    return min(items, key=lambda i: (-i["links"], -i["votes"], i["received_at"], i["feedback_id"]))


def duplicates_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["feedback queries"])

    # Before the item's route: "duplicates" is not an item's id.
    @api.get("/workspaces/{workspace_id}/feedback/duplicates")
    async def duplicates(
        workspace_id: WorkspaceId,
        who: Reader,
        which: Annotated[InboxFilter, Depends()],
        sweep: Annotated[int, Query(ge=2, le=1000)] = 500,
        min_similarity: Annotated[float, Query(ge=0.3, le=1.0)] = 0.5,
        limit: Annotated[int, Query(ge=1, le=100)] = 50,
    ) -> dict[str, Any]:
        """The newest ``sweep`` items the inbox's filters keep, in groups of likely
        duplicates: each item with every other at least ``min_similarity`` alike (by the
        similar items' measure), in turn. Each group names the item to keep (the most
        linked, then voted for, then the first received) and how alike each other item is
        to it; the largest groups first. An item told apart from the one kept (``POST
        …/feedback/{id}/tell-apart``) is not listed with it. Every pair is compared (no
        sampling), so a sweep is bounded: 500 items by default, at most 1,000; narrow it by
        the filters (this week, one source) to reach further back. An erased customer's
        items, whose text is gone, are alike to nothing."""
        where, args = which.where(who.tenant_id, workspace_id)
        rows = await rt.reads.fetch(
            f"SELECT {ITEM_COLUMNS}, i.told_apart FROM feedback_inbox i"
            f" WHERE {' AND '.join(where)}"
            f" {NEWEST_FIRST} LIMIT ${len(args) + 1}",
            *args,
            sweep + 1,
        )
        items = {str(r["feedback_id"]): item_out(r) for r in rows[:sweep]}
        # the pairs a team told apart, either way round
        apart = {frozenset((str(r["feedback_id"]), str(o))) for r in rows for o in r["told_apart"]}
        for item in items.values():
            del item["told_apart"]
        # Pure Python, up to a second for the largest sweep: off the event loop.
        texts = {key: item["text"] for key, item in items.items() if item["text"] != ERASED}
        found = await asyncio.to_thread(alike_groups, texts, min_similarity)
        groups: list[dict[str, Any]] = []
        for group in found:
            members = [items[key] for key in group]
            keep = _keeper(members)
            kept = trigrams(keep["text"])
            others = sorted(
                (
                    {**item, "similarity": round(similarity(kept, trigrams(item["text"])), 3)}
                    for item in members
                    if item is not keep
                    and frozenset((item["feedback_id"], keep["feedback_id"])) not in apart
                ),
                key=lambda i: (-i["similarity"], i["received_at"], i["feedback_id"]),
            )
            if others:
                groups.append({"keep": keep, "duplicates": others})
        groups.sort(key=lambda g: (-len(g["duplicates"]), g["keep"]["received_at"]))
        return {
            "swept": len(items),
            "more": len(rows) > sweep,
            "method": METHOD,
            "min_similarity": min_similarity,
            "groups": groups[:limit],
            "groups_total": len(groups),
        }

    return api
