"""The roadmap service's own queries: board, timeline, kanban, swimlanes, ranking."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from sextant_kit import DomainError, InvalidCursor, NotFound
from sextant_kit.authz import Access
from sextant_kit.http import Caller, requires
from sextant_kit.scope import in_scope, workspace_scope
from sextant_kit.service import Runtime

from sextant_roadmap.api.common import Cursor, Limit, WorkspaceId, audiences_of, row, spans
from sextant_roadmap.domain.events import ItemStatus
from sextant_roadmap.domain.roadmap import TRANSITIONS
from sextant_roadmap.domain.schedule import Horizon, Slot, schedule_flags
from sextant_roadmap.domain.scoring import BUILT_IN, MANUAL

Read = Annotated[Caller, Depends(requires(Access.READ))]
ReadPublished = Annotated[Caller, Depends(requires(Access.READ_PUBLISHED))]
BoardLimit = Annotated[int | None, Query(ge=1, le=1000)]
ModelName = Annotated[str, Query(min_length=1, max_length=50, pattern=r"^[a-z][a-z0-9_]*$")]

_SCORES_AND_DEPENDENCIES = (
    "coalesce((SELECT jsonb_object_agg(s.model, s.score) FROM roadmap_item_scores s"
    " WHERE s.tenant_id = i.tenant_id AND s.item_id = i.item_id), '{}'::jsonb)::text AS scores,"
    " coalesce((SELECT array_agg(d.depends_on_item_id) FROM roadmap_dependencies d"
    " WHERE d.tenant_id = i.tenant_id AND d.item_id = i.item_id), '{}') AS depends_on"
)
"""An item's scores by model (as JSON text) and the items it depends on, for items ``i``."""


def _readable(alias: str, param: int) -> str:
    """A portfolio roadmap's items filed under workspaces the reader reads: a team member
    sees their workspaces' part, and a lesser role in one keeps its items out, as from every
    view across workspaces."""
    return in_scope(
        alias, param, column=f"coalesce({alias}.item_workspace_id, {alias}.workspace_id)"
    )


_ITEMS = (
    f"SELECT i.*, {_SCORES_AND_DEPENDENCIES}"
    " FROM roadmap_items i WHERE i.tenant_id = $1 AND i.roadmap_id = $2"
    f" AND {_readable('i', 3)} ORDER BY i.rank"
)

_ITEM = (
    f"SELECT i.*, {_SCORES_AND_DEPENDENCIES}"
    " FROM roadmap_items i WHERE i.tenant_id = $1 AND i.roadmap_id = $2 AND i.item_id = $3"
    f" AND {_readable('i', 4)}"
)

_BOARD_PAGE = (
    f"SELECT i.*, c.board_column, {_SCORES_AND_DEPENDENCIES}"
    " FROM (VALUES ('now'), ('next'), ('later'), ('unscheduled')) AS c(board_column)"
    " CROSS JOIN LATERAL (SELECT * FROM roadmap_items r WHERE r.tenant_id = $1"
    "   AND r.roadmap_id = $2 AND coalesce(r.horizon, 'unscheduled') = c.board_column"
    f"   AND r.status NOT IN ('dropped', 'released') AND {_readable('r', 4)}"
    "   ORDER BY r.rank LIMIT $3) i"
    " ORDER BY i.rank"
)
"""The first ``$3`` open items of each board column: each column walks the rank index and
stops at ``$3``, so a roadmap of 10,000 items costs what one of 200 does."""
_BOARD_TOTALS = (
    "SELECT coalesce(horizon, 'unscheduled') AS board_column, count(*) AS total"
    " FROM roadmap_items r WHERE tenant_id = $1 AND roadmap_id = $2"
    f" AND status NOT IN ('dropped', 'released') AND {_readable('r', 3)} GROUP BY 1"
)


def _item(record: Any) -> dict[str, Any]:
    out = row(record)
    out.pop("tenant_id", None)
    out["scores"] = json.loads(record["scores"])
    return out


def router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["roadmap"])

    async def roadmap(tenant: str, workspace_id: str, roadmap_id: UUID) -> dict[str, Any]:
        found = await rt.reads.fetchrow(
            f"SELECT * FROM roadmaps WHERE tenant_id = $1 AND roadmap_id = $2 AND {spans('$3')}",
            tenant,
            roadmap_id,
            workspace_id,
        )
        if found is None:
            raise NotFound(f"roadmap {roadmap_id} not found in workspace {workspace_id}")
        out = row(found)
        out.pop("tenant_id")
        return out

    async def items(who: Caller, workspace_id: str, roadmap_id: UUID) -> list[dict[str, Any]]:
        await roadmap(who.tenant_id, workspace_id, roadmap_id)
        found = await rt.reads.fetch(_ITEMS, who.tenant_id, roadmap_id, workspace_scope(who))
        return [_item(r) for r in found]

    @api.get("/roadmaps")
    async def list_roadmaps(
        workspace_id: WorkspaceId,
        who: Read,
        limit: Limit = 50,
        cursor: Cursor = None,
        archived: bool = False,
    ) -> dict[str, Any]:
        """Roadmaps of the workspace, and portfolio roadmaps that span it: those in use, or
        with ``archived=true`` those put away."""
        after = _uuid_cursor(cursor)
        rows = await rt.reads.fetch(
            f"SELECT * FROM roadmaps WHERE tenant_id = $1 AND {spans('$2')} AND roadmap_id > $3"
            " AND (archived_at IS NOT NULL) = $5 ORDER BY roadmap_id LIMIT $4",
            who.tenant_id,
            workspace_id,
            after,
            limit + 1,
            archived,
        )
        page = [{k: v for k, v in row(r).items() if k != "tenant_id"} for r in rows[:limit]]
        more = len(rows) > limit
        return {"items": page, "next_cursor": page[-1]["roadmap_id"] if more else None}

    @api.get("/roadmaps/{roadmap_id}")
    async def get_roadmap(
        workspace_id: WorkspaceId, roadmap_id: UUID, who: Read, include_items: bool = True
    ) -> Any:
        """The roadmap, with its items unless ``include_items=false``."""
        found = await roadmap(who.tenant_id, workspace_id, roadmap_id)
        if include_items:
            found["items"] = await items(who, workspace_id, roadmap_id)
        return found

    @api.get("/published-roadmaps")
    async def published_roadmaps(
        workspace_id: WorkspaceId, who: ReadPublished, limit: Limit = 50, cursor: Cursor = None
    ) -> dict[str, Any]:
        """Roadmaps of the workspace, and portfolio roadmaps that span it, not archived,
        with at least one published version (what a stakeholder may open; an archived
        roadmap's versions stay readable by their links), with their latest version;
        for a stakeholder whose token names audiences, those with a version published for
        one of them, and the latest such."""
        audiences = audiences_of(who, workspace_id)
        rows = await rt.reads.fetch(
            "SELECT r.roadmap_id, r.name, v.latest_version FROM roadmaps r"
            " CROSS JOIN LATERAL (SELECT max(version) AS latest_version FROM roadmap_versions"
            "   WHERE tenant_id = r.tenant_id AND roadmap_id = r.roadmap_id"
            "   AND ($5::text[] IS NULL OR audience = ANY($5::text[]))) v"
            f" WHERE r.tenant_id = $1 AND {spans('$2', 'r')} AND r.versions > 0"
            " AND r.archived_at IS NULL"
            " AND v.latest_version IS NOT NULL AND r.roadmap_id > $3"
            " ORDER BY r.roadmap_id LIMIT $4",
            who.tenant_id,
            workspace_id,
            _uuid_cursor(cursor),
            limit + 1,
            audiences,
        )
        page = [row(r) for r in rows[:limit]]
        more = len(rows) > limit
        return {"items": page, "next_cursor": page[-1]["roadmap_id"] if more else None}

    @api.get("/roadmaps/{roadmap_id}/board")
    async def board(
        workspace_id: WorkspaceId, roadmap_id: UUID, who: Read, limit: BoardLimit = None
    ) -> Any:
        """Now / next / later columns of open items, in manual order.

        ``limit`` keeps the first items of each column (``totals`` still counts them all),
        so a roadmap of thousands of items answers quickly."""
        columns: dict[str, list[dict[str, Any]]] = {h.value: [] for h in Horizon}
        columns["unscheduled"] = []
        totals = dict.fromkeys(columns, 0)
        if limit is None:
            for item in await items(who, workspace_id, roadmap_id):
                if item["status"] in (ItemStatus.DROPPED, ItemStatus.RELEASED):
                    continue
                columns[item["horizon"] or "unscheduled"].append(item)
            totals = {k: len(v) for k, v in columns.items()}
        else:
            await roadmap(who.tenant_id, workspace_id, roadmap_id)
            scope = workspace_scope(who)
            for r in await rt.reads.fetch(_BOARD_PAGE, who.tenant_id, roadmap_id, limit, scope):
                item = _item(r)
                columns[item.pop("board_column")].append(item)
            for r in await rt.reads.fetch(_BOARD_TOTALS, who.tenant_id, roadmap_id, scope):
                totals[r["board_column"]] = r["total"]
        return {"roadmap_id": str(roadmap_id), "columns": columns, "totals": totals}

    @api.get("/roadmaps/{roadmap_id}/kanban")
    async def kanban(
        workspace_id: WorkspaceId, roadmap_id: UUID, who: Read, limit: BoardLimit = None
    ) -> Any:
        """Items by status, in manual order (the first ``limit`` of each column when given;
        ``totals`` counts them all)."""
        columns: dict[str, list[dict[str, Any]]] = {s.value: [] for s in ItemStatus}
        for item in await items(who, workspace_id, roadmap_id):
            columns[item["status"]].append(item)
        return {
            "roadmap_id": str(roadmap_id),
            "columns": {k: v[:limit] for k, v in columns.items()},
            "totals": {k: len(v) for k, v in columns.items()},
        }

    @api.get("/roadmaps/{roadmap_id}/swimlanes")
    async def swimlanes(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        who: Read,
        by: Literal["objective", "team"] = "objective",
        limit: BoardLimit = None,
    ) -> Any:
        """Lanes by strategy objective (an item may be in several) or by team, in manual
        order (the first ``limit`` of each lane when given; its ``total`` counts them all)."""
        lanes: dict[str, list[dict[str, Any]]] = {}
        for item in await items(who, workspace_id, roadmap_id):
            keys = item["objective_ids"] if by == "objective" else [item["team"]]
            for key in [k for k in keys if k] or ["(none)"]:
                lanes.setdefault(key, []).append(item)
        return {
            "roadmap_id": str(roadmap_id),
            "by": by,
            "lanes": [
                {"key": k, "items": v[:limit], "total": len(v)} for k, v in sorted(lanes.items())
            ],
        }

    @api.get("/roadmaps/{roadmap_id}/ranking")
    async def ranking(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        who: Read,
        model: ModelName = MANUAL,
        limit: BoardLimit = None,
    ) -> Any:
        """Items ranked by one model's score (highest first), or by the manual order; the
        first ``limit`` of them and of those not scored with it when given (``total`` and
        ``unscored_total`` count them all).

        A model is ``manual``, a built-in, a formula of the workspace or one the roadmap's
        items were scored with; any other name is a 422 listing those, not an empty
        ranking."""
        found = await items(who, workspace_id, roadmap_id)
        if model == MANUAL:
            ranked, unscored = found, []
        else:
            await _known_model(who.tenant_id, workspace_id, model, found)
            ranked = sorted(
                (i for i in found if model in i["scores"]),
                key=lambda i: (-i["scores"][model], i["rank"]),
            )
            unscored = [i for i in found if model not in i["scores"]]
        return {
            "roadmap_id": str(roadmap_id),
            "model": model,
            "items": [
                {"position": n, "score": i["scores"].get(model), **i}
                for n, i in enumerate(ranked[:limit], start=1)
            ],
            "total": len(ranked),
            "unscored": unscored[:limit],
            "unscored_total": len(unscored),
        }

    @api.get("/roadmaps/{roadmap_id}/timeline")
    async def timeline(
        workspace_id: WorkspaceId, roadmap_id: UUID, who: Read, limit: BoardLimit = None
    ) -> Any:
        """Scheduled items by date, then by horizon, each with its dependency flags: planned
        before what it depends on, or depending on a dropped item. Dropped items are left
        out, as on the board (the first ``limit`` items when given; ``total`` counts them
        all)."""
        found = await items(who, workspace_id, roadmap_id)
        edges = [(i["item_id"], d) for i in found for d in i["depends_on"]]
        targets = {d for _, d in edges} - {i["item_id"] for i in found}
        others = await rt.reads.fetch(
            "SELECT item_id, horizon, start_date, end_date, status FROM roadmap_items"
            " WHERE tenant_id = $1 AND item_id = ANY($2::uuid[])",
            who.tenant_id,
            list(targets),
        )
        slots = {
            str(r["item_id"]): Slot(
                Horizon(r["horizon"]) if r["horizon"] else None,
                r["start_date"],
                r["end_date"],
                dropped=r["status"] == ItemStatus.DROPPED,
            )
            for r in others
        }
        for i in found:
            slots[i["item_id"]] = Slot(
                Horizon(i["horizon"]) if i["horizon"] else None,
                _date(i["start_date"]),
                _date(i["end_date"]),
                dropped=i["status"] == ItemStatus.DROPPED,
            )
        flags: dict[str, list[dict[str, str]]] = {}
        for f in schedule_flags(slots, edges):
            flags.setdefault(f.item_id, []).append({"depends_on": f.depends_on, "reason": f.reason})
        order = {h.value: n for n, h in enumerate(Horizon)}
        scheduled = sorted(
            (i for i in found if i["horizon"] and i["status"] != ItemStatus.DROPPED),
            key=lambda i: (i["start_date"] or "9999", order[i["horizon"]], i["rank"]),
        )
        shown = scheduled if limit is None else scheduled[:limit]
        return {
            "roadmap_id": str(roadmap_id),
            "items": [{**i, "flags": flags.get(i["item_id"], [])} for i in shown],
            "flagged": sum(len(v) for v in flags.values()),
            "total": len(scheduled),
        }

    @api.get("/roadmaps/{roadmap_id}/items/{item_id}")
    async def get_item(
        workspace_id: WorkspaceId, roadmap_id: UUID, item_id: UUID, who: Read
    ) -> dict[str, Any]:
        """One item: what it is, where it stands and the statuses it may take next, what it
        serves (objectives, opportunities), what it depends on, and each model's score with
        the inputs it was given."""
        await roadmap(who.tenant_id, workspace_id, roadmap_id)
        found = await rt.reads.fetchrow(
            _ITEM, who.tenant_id, roadmap_id, item_id, workspace_scope(who)
        )
        if found is None:
            raise NotFound(f"item {item_id} not found on roadmap {roadmap_id}")
        scored = await rt.reads.fetch(
            "SELECT model, score, inputs::text AS inputs, scored_at FROM roadmap_item_scores"
            " WHERE tenant_id = $1 AND item_id = $2 ORDER BY model",
            who.tenant_id,
            item_id,
        )
        out = _item(found)
        out["score_details"] = [{**row(s), "inputs": json.loads(s["inputs"])} for s in scored]
        # The statuses it may take next, so a client offers only those (the domain's rule).
        allowed = TRANSITIONS[ItemStatus(out["status"])]
        out["next_statuses"] = [status.value for status in ItemStatus if status in allowed]
        return out

    @api.get("/roadmaps/{roadmap_id}/items/{item_id}/moves")
    async def moves(workspace_id: WorkspaceId, roadmap_id: UUID, item_id: UUID, who: Read) -> Any:
        """Every time the item moved: from, to, why and who."""
        await roadmap(who.tenant_id, workspace_id, roadmap_id)
        readable = await rt.reads.fetchval(
            "SELECT 1 FROM roadmap_items i WHERE i.tenant_id = $1 AND i.roadmap_id = $2"
            f" AND i.item_id = $3 AND {_readable('i', 4)}",
            who.tenant_id,
            roadmap_id,
            item_id,
            workspace_scope(who),
        )
        if readable is None:  # not on it, or filed where the caller does not read
            raise NotFound(f"item {item_id} not found on roadmap {roadmap_id}")
        rows = await rt.reads.fetch(
            "SELECT from_horizon, from_timeframe, to_horizon, to_timeframe, reason, actor,"
            " moved_at FROM roadmap_item_moves WHERE tenant_id = $1 AND roadmap_id = $2"
            " AND item_id = $3 ORDER BY moved_at, event_id",
            who.tenant_id,
            roadmap_id,
            item_id,
        )
        return {"item_id": str(item_id), "items": [row(r) for r in rows]}

    @api.get("/scoring-formulas")
    async def list_formulas(workspace_id: WorkspaceId, who: Read) -> Any:
        rows = await rt.reads.fetch(
            "SELECT name, expression, inputs, description, revision, defined_at"
            " FROM scoring_formulas WHERE tenant_id = $1 AND workspace_id = $2 ORDER BY name",
            who.tenant_id,
            workspace_id,
        )
        return {"items": [row(r) for r in rows], "next_cursor": None}

    async def _known_model(
        tenant_id: str, workspace_id: str, model: str, found: list[dict[str, Any]]
    ) -> None:
        scored = {name for item in found for name in item["scores"]}
        if model in BUILT_IN or model in scored:
            return
        formulas = await rt.reads.fetch(
            "SELECT name FROM scoring_formulas WHERE tenant_id = $1 AND workspace_id = $2",
            tenant_id,
            workspace_id,
        )
        known = {MANUAL, *BUILT_IN, *scored, *(r["name"] for r in formulas)}
        if model not in known:
            raise DomainError(
                f"no scoring model {model!r} here; rank by one of: {', '.join(sorted(known))}",
                field="query.model",
            )

    return api


def _uuid_cursor(cursor: str | None) -> UUID:
    if cursor is None:
        return UUID(int=0)
    try:
        return UUID(cursor)
    except ValueError:
        raise InvalidCursor from None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
