"""Objective read models: one objective in full, and the tree across all workspaces."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sextant_kit import NotFound
from sextant_kit.api import ID, MOMENT
from sextant_kit.authz import Access
from sextant_kit.http import Caller, requires_somewhere
from sextant_kit.scope import in_scope, workspace_scope
from sextant_kit.service import Runtime
from sextant_kit.tenancy import TenantReads

from sextant_strategy.api.common import Cursor, Limit, decode_cursor, jsonable, page
from sextant_strategy.domain.common import PeriodLabel
from sextant_strategy.domain.progress import rolled_up_progress, status_today


async def assessed_today(
    reads: TenantReads, tenant: str, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """``strategy_objectives`` rows as JSON, each with ``status_today`` beside ``status``.

    ``status`` is the worst key-result status recorded at the last check-ins;
    ``status_today`` applies the same rule to those check-ins against the share of the
    period gone now (``domain.progress.status_today``), so a key result checked in on
    track in the first week does not stay on track to the end of the quarter.
    """
    krs = await reads.fetch(
        "SELECT objective_id, progress, confidence FROM strategy_key_results"
        " WHERE tenant_id = $1 AND objective_id = ANY($2::uuid[])",
        tenant,
        [r["objective_id"] for r in rows],
    )
    of: dict[uuid.UUID, list[tuple[float, float | None]]] = defaultdict(list)
    for kr in krs:
        of[kr["objective_id"]].append((kr["progress"], kr["confidence"]))
    now = datetime.now(UTC)
    return [
        {
            **jsonable(r),
            "status_today": status_today(
                of[r["objective_id"]], r["period_start"], r["period_end"], now, r["closed_at"]
            )[1],
        }
        for r in rows
    ]


async def objective_detail(
    reads: TenantReads, tenant: str, workspace_id: str | None, objective_id: uuid.UUID
) -> dict[str, Any]:
    row = await reads.fetchrow(
        "SELECT * FROM strategy_objectives WHERE tenant_id = $1 AND objective_id = $2"
        " AND workspace_id IS NOT DISTINCT FROM $3",
        tenant,
        objective_id,
        workspace_id,
    )
    if row is None:
        where = f"workspace {workspace_id}" if workspace_id else "the organisation"
        raise NotFound(f"objective {objective_id} not found in {where}")
    krs = await reads.fetch(
        "SELECT * FROM strategy_key_results WHERE tenant_id = $1 AND objective_id = $2"
        " ORDER BY defined_order",
        tenant,
        objective_id,
    )
    check_ins = await reads.fetch(
        "SELECT key_result_id, value, confidence, comment, progress, status, checked_in_at,"
        " checked_in_by FROM strategy_check_ins WHERE tenant_id = $1 AND objective_id = $2"
        " ORDER BY checked_in_at DESC LIMIT 100",
        tenant,
        objective_id,
    )
    retargets = await reads.fetch(
        "SELECT key_result_id, from_baseline, from_target, to_baseline, to_target, reason,"
        " retargeted_at, retargeted_by FROM strategy_key_result_retargets"
        " WHERE tenant_id = $1 AND objective_id = $2 ORDER BY retargeted_at DESC LIMIT 100",
        tenant,
        objective_id,
    )
    krs_today, objective_today = status_today(
        [(k["progress"], k["confidence"]) for k in krs],
        row["period_start"],
        row["period_end"],
        datetime.now(UTC),
        row["closed_at"],
    )
    return {
        **jsonable(row),
        "status_today": objective_today,
        "key_results": [
            {**jsonable(k), "status_today": today} for k, today in zip(krs, krs_today, strict=True)
        ],
        "recent_check_ins": [jsonable(c) for c in check_ins],
        "retargets": [jsonable(r) for r in retargets],
    }


async def key_result_detail(
    reads: TenantReads,
    tenant: str,
    workspace_id: str | None,
    objective_id: uuid.UUID,
    key_result_id: uuid.UUID,
) -> dict[str, Any]:
    """One key result as its objective shows it, with its own latest 100 check-ins and the
    times its baseline or target moved (``retargets``, newest first, of its objective's
    latest 100)."""
    objective = await objective_detail(reads, tenant, workspace_id, objective_id)
    found = [k for k in objective["key_results"] if k["key_result_id"] == str(key_result_id)]
    if not found:
        raise NotFound(f"key result {key_result_id} not found in objective {objective_id}")
    check_ins = await reads.fetch(
        "SELECT value, confidence, comment, progress, status, checked_in_at, checked_in_by"
        " FROM strategy_check_ins WHERE tenant_id = $1 AND objective_id = $2"
        " AND key_result_id = $3 ORDER BY checked_in_at DESC LIMIT 100",
        tenant,
        objective_id,
        key_result_id,
    )
    retargets = [
        {k: v for k, v in r.items() if k != "key_result_id"}
        for r in objective["retargets"]
        if r["key_result_id"] == str(key_result_id)
    ]
    return {
        **found[0],
        "recent_check_ins": [jsonable(c) for c in check_ins],
        "retargets": retargets,
    }


def build_tree(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Nest objectives under their parents and roll progress up (``rolled_up_progress``).

    Roots are objectives without a parent, or whose parent is outside ``rows``.
    """
    by_id = {r["objective_id"]: {**r, "children": []} for r in rows}
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    roots: list[dict[str, Any]] = []
    for node in by_id.values():
        parent = node["parent_id"]
        if parent is not None and parent in by_id:
            children[parent].append(node)
        else:
            roots.append(node)

    def fill(node: dict[str, Any], seen: frozenset[str]) -> float | None:
        kids = [c for c in children[node["objective_id"]] if c["objective_id"] not in seen]
        node["children"] = kids
        inner = seen | {node["objective_id"]}
        node["rolled_up_progress"] = rolled_up_progress(
            node["progress"], [fill(c, inner) for c in kids]
        )
        return node["rolled_up_progress"]  # type: ignore[no-any-return]

    for root in roots:
        fill(root, frozenset())
    return roots


def of_period(roots: list[dict[str, Any]], period: str) -> list[dict[str, Any]]:
    """The objectives of ``period`` in the trees of ``roots``, each under its own parent when
    that is of the period too; one aligned under an objective of another period stands as a
    root (never under a grandparent it is not aligned to)."""
    found: list[dict[str, Any]] = []

    def walk(node: dict[str, Any], kept: bool) -> None:
        mine = node["period_label"] == period
        if mine and not kept:
            found.append(node)
        children = node["children"]
        if mine:
            node["children"] = [c for c in children if c["period_label"] == period]
        for child in children:
            walk(child, mine)

    for root in roots:
        walk(root, False)
    return found


def tree_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/organisation", tags=["objectives"])

    @api.get("/objective-tree")
    async def objective_tree(
        who: Annotated[Caller, Depends(requires_somewhere(Access.READ))],
        period: Annotated[PeriodLabel | None, Query()] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Every objective of the organisation and its workspaces, nested by alignment: a
        team member's, the organisation's and their workspaces'; an organisation-wide
        reader's, all but those of a workspace a lesser role of theirs withholds.

        Pages over the root objectives (by when they were set); each root carries its whole
        subtree with ``rolled_up_progress``; ``status`` is as of the last check-ins,
        ``status_today`` as of now (the same check-ins against more of the period gone).
        ``period`` keeps objectives of that quarter, or of a custom period
        (``2026-07-01..2026-08-15``); their ``rolled_up_progress`` is the same as unfiltered,
        counting the objectives aligned below them in any period.
        """
        rows = await rt.reads.fetch(
            "SELECT objective_id, workspace_id, level, title, owner, period_label, period_start,"
            " period_end, parent_id, progress, status, outcome, closed_at, set_at"
            " FROM strategy_objectives WHERE tenant_id = $1"
            f" AND {in_scope('strategy_objectives', 2)} ORDER BY set_at, objective_id",
            who.tenant_id,
            workspace_scope(who),
        )
        roots = build_tree(await assessed_today(rt.reads, who.tenant_id, rows))
        if period is not None:
            roots = sorted(of_period(roots, period), key=lambda r: (r["set_at"], r["objective_id"]))
        after = decode_cursor(cursor, MOMENT, ID)
        if after is not None:
            roots = [r for r in roots if (r["set_at"], r["objective_id"]) > (after[0], after[1])]
        return page(roots[: limit + 1], limit, "set_at", "objective_id")

    return api
