"""The workspace's vision: revise it, read it as of any moment, list its revisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sextant_kit import CommandContext, DomainError, NotFound
from sextant_kit.api import COUNT
from sextant_kit.authz import Access
from sextant_kit.http import Caller, IdempotencyKey, command_context, requires
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime
from sextant_kit.storable import in_utc

from sextant_strategy.api.common import (
    Aggregate,
    Cursor,
    IfMatch,
    Limit,
    WorkspaceId,
    answer,
    decode_cursor,
    jsonable,
    page,
)
from sextant_strategy.domain.common import ShortText, Text, vision_id_for
from sextant_strategy.domain.vision import ReviseVision, vision_decider

AsOf = Annotated[str | None, Query(max_length=40)]


def parse_as_of(raw: str | None, now: datetime) -> datetime:
    """``None`` -> now; a date -> the end of that day (UTC); else an ISO 8601 timestamp."""
    if raw is None:
        return now
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.max, tzinfo=UTC)
        return in_utc(datetime.fromisoformat(raw))
    except ValueError:
        raise DomainError(
            f"as_of {raw!r} is neither a date (2026-03-31) nor an ISO 8601 timestamp",
            field="query.as_of",
        ) from None
    except OverflowError:  # east of UTC on 1 January of the year 1
        raise DomainError(f"as_of {raw!r} has no time in UTC", field="query.as_of") from None


class VisionIn(Body):
    vision: Text
    mission: Text
    note: ShortText | None = None


def vision_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/vision", tags=["vision"])
    visions = Aggregate(rt, vision_decider, "vision")

    @api.put("")
    async def revise_vision(
        workspace_id: WorkspaceId,
        body: VisionIn,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.WRITE))],
        ctx: Annotated[CommandContext, Depends(command_context)],
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        vision_id = vision_id_for(ctx.tenant_id, workspace_id)
        command = ReviseVision(
            vision_id=vision_id,
            workspace_id=workspace_id,
            now=ctx.now,
            actor=ctx.actor,
            **body.model_dump(),
        )
        result = await visions.run(
            str(vision_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=True, location=request.url.path)

    @api.get("")
    async def vision_as_of(
        workspace_id: WorkspaceId,
        who: Annotated[Caller, Depends(requires(Access.READ))],
        as_of: AsOf = None,
    ) -> dict[str, Any]:
        """The revision in force at ``as_of`` (default: now)."""
        moment = parse_as_of(as_of, datetime.now(UTC))
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_vision_revisions WHERE tenant_id = $1 AND workspace_id = $2"
            " AND revised_at <= $3 ORDER BY revised_at DESC, revision DESC LIMIT 1",
            who.tenant_id,
            workspace_id,
            moment,
        )
        if row is None:
            raise NotFound(f"workspace {workspace_id} had no vision at {moment.isoformat()}")
        return jsonable(row)

    @api.get("/revisions")
    async def revisions(
        workspace_id: WorkspaceId,
        who: Annotated[Caller, Depends(requires(Access.READ))],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        after = decode_cursor(cursor, COUNT)
        rows = await rt.reads.fetch(
            "SELECT * FROM strategy_vision_revisions WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::int IS NULL OR revision < $3) ORDER BY revision DESC LIMIT $4",
            who.tenant_id,
            workspace_id,
            int(after[0]) if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "revision")

    return api
