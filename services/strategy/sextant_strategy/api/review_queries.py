"""Read side of strategy review: strategies, their comments and approved versions, as of."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sextant_kit import NotFound
from sextant_kit.api import ID, MOMENT
from sextant_kit.authz import Access
from sextant_kit.http import Caller, requires
from sextant_kit.service import Runtime

from sextant_strategy.api.common import Cursor, Limit, WorkspaceId, decode_cursor, jsonable, page
from sextant_strategy.api.vision import AsOf, parse_as_of


def review_query_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["strategy review"])
    Reader = Annotated[Caller, Depends(requires(Access.READ))]

    @api.get("/strategies")
    async def list_strategies(
        workspace_id: WorkspaceId, who: Reader, cursor: Cursor = None, limit: Limit = 50
    ) -> dict[str, Any]:
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM strategy_reviews WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL"
            " OR (drafted_at, strategy_id) > ($3::text::timestamptz, $4::text::uuid))"
            " ORDER BY drafted_at, strategy_id LIMIT $5",
            who.tenant_id,
            workspace_id,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "drafted_at", "strategy_id")

    @api.get("/strategies/{strategy_id}")
    async def get_strategy(
        workspace_id: WorkspaceId, strategy_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_reviews WHERE tenant_id = $1 AND workspace_id = $2"
            " AND strategy_id = $3",
            who.tenant_id,
            workspace_id,
            strategy_id,
        )
        if row is None:
            raise NotFound(f"strategy {strategy_id} not found in workspace {workspace_id}")
        comments = await rt.reads.fetch(
            "SELECT version, kind, author, text, at FROM strategy_review_comments"
            " WHERE tenant_id = $1 AND strategy_id = $2 ORDER BY at",
            who.tenant_id,
            strategy_id,
        )
        versions = await rt.reads.fetch(
            "SELECT version, approved_by, approved_at FROM strategy_approved_versions"
            " WHERE tenant_id = $1 AND strategy_id = $2 ORDER BY version",
            who.tenant_id,
            strategy_id,
        )
        return {
            **jsonable(row),
            "comments": [jsonable(c) for c in comments],
            "approved_versions": [jsonable(v) for v in versions],
        }

    @api.get("/strategies/{strategy_id}/versions/{version}")
    async def approved_version(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        version: Annotated[int, Path(ge=1, le=1_000_000)],
        who: Reader,
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_approved_versions WHERE tenant_id = $1 AND workspace_id = $2"
            " AND strategy_id = $3 AND version = $4",
            who.tenant_id,
            workspace_id,
            strategy_id,
            version,
        )
        if row is None:
            raise NotFound(f"strategy {strategy_id} has no approved version {version}")
        return jsonable(row)

    @api.get("/strategy")
    async def strategy_as_of(
        workspace_id: WorkspaceId, who: Reader, as_of: AsOf = None
    ) -> dict[str, Any]:
        """The workspace's strategy at ``as_of``: the vision then in force and the latest
        approved version of each strategy approved by then (default: now)."""
        moment = parse_as_of(as_of, datetime.now(UTC))
        vision = await rt.reads.fetchrow(
            "SELECT revision, vision, mission, revised_at, revised_by"
            " FROM strategy_vision_revisions WHERE tenant_id = $1 AND workspace_id = $2"
            " AND revised_at <= $3 ORDER BY revised_at DESC, revision DESC LIMIT 1",
            who.tenant_id,
            workspace_id,
            moment,
        )
        approved = await rt.reads.fetch(
            "SELECT DISTINCT ON (strategy_id) strategy_id, version, approved_by, approved_at,"
            " snapshot FROM strategy_approved_versions"
            " WHERE tenant_id = $1 AND workspace_id = $2 AND approved_at <= $3"
            " ORDER BY strategy_id, version DESC",
            who.tenant_id,
            workspace_id,
            moment,
        )
        return {
            "workspace_id": workspace_id,
            "as_of": moment.isoformat(),
            "vision": jsonable(vision) if vision else None,
            "approved": sorted(
                (jsonable(a) for a in approved), key=lambda a: a["approved_at"], reverse=True
            ),
        }

    return api
