"""The preliminary timeline: milestones, moved with a reason, and their history."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import CommandContext, NotFound
from sextant_kit.api import ID, MOMENT
from sextant_kit.authz import Access
from sextant_kit.http import Caller, IdempotencyKey, command_context, requires
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_strategy.api.common import (
    Aggregate,
    Cursor,
    IfMatch,
    Limit,
    WorkspaceId,
    answer,
    decode_cursor,
    in_workspace,
    jsonable,
    page,
)
from sextant_strategy.api.objectives import Objectives, named_objectives
from sextant_strategy.domain.common import ClearableText, ShortText, Text, Title
from sextant_strategy.domain.milestone import (
    MoveMilestone,
    PlanMilestone,
    ReachMilestone,
    RestateMilestone,
    milestone_decider,
)
from sextant_strategy.domain.milestone import standing as standing_on
from sextant_strategy.domain.objective import objective_decider

# What the timeline's ``standing`` filter keeps, in SQL over strategy_milestones. $3 is
# today; every clause names it, as PostgreSQL must know each parameter's type.
STANDINGS = {
    "upcoming": "reached_on IS NULL AND target_date >= $3::date",
    "overdue": "reached_on IS NULL AND target_date < $3::date",
    "reached": "reached_on IS NOT NULL AND $3::date IS NOT NULL",
    None: "$3::date IS NOT NULL",
}


class MilestoneIn(Body):
    title: Title
    description: Text | None = None
    target_date: date
    objective_ids: Annotated[tuple[uuid.UUID, ...], Field(max_length=50)] = ()


class MilestoneChangesIn(Body):
    title: Title | None = None
    description: ClearableText | None = None
    objective_ids: Annotated[tuple[uuid.UUID, ...] | None, Field(max_length=50)] = None


class MoveIn(Body):
    target_date: date
    reason: ShortText


class ReachIn(Body):
    reached_on: date


def milestone_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["timeline"])
    milestones = Aggregate(rt, milestone_decider, "milestone")
    objectives: Objectives = Aggregate(rt, objective_decider, "objective")
    Writer = Annotated[Caller, Depends(requires(Access.WRITE))]
    Reader = Annotated[Caller, Depends(requires(Access.READ))]
    Context = Annotated[CommandContext, Depends(command_context)]

    async def existing(milestone_id: uuid.UUID, tenant: str, workspace_id: str) -> None:
        state, _ = await milestones.load(str(milestone_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"milestone {milestone_id}")

    @api.post("/milestones", status_code=201)
    async def plan_milestone(
        workspace_id: WorkspaceId,
        body: MilestoneIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await named_objectives(objectives, who, body.objective_ids, "objective_ids")
        milestone_id = uuid.uuid4()
        command = PlanMilestone(
            milestone_id=milestone_id, workspace_id=workspace_id, now=ctx.now, **body.model_dump()
        )
        result = await milestones.run(
            str(milestone_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.patch("/milestones/{milestone_id}")
    async def restate_milestone(
        workspace_id: WorkspaceId,
        milestone_id: uuid.UUID,
        body: MilestoneChangesIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Retitle or redescribe a milestone not yet reached, or change the objectives it
        serves: fields left out stay, an empty description clears it, ``objective_ids``
        replaces the list. Its date moves with a reason (``move``)."""
        await existing(milestone_id, ctx.tenant_id, workspace_id)
        await named_objectives(objectives, who, body.objective_ids or (), "objective_ids")
        command = RestateMilestone(
            milestone_id=milestone_id, now=ctx.now, actor=ctx.actor, **body.model_dump()
        )
        result = await milestones.run(
            str(milestone_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/milestones/{milestone_id}/move")
    async def move_milestone(
        workspace_id: WorkspaceId,
        milestone_id: uuid.UUID,
        body: MoveIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(milestone_id, ctx.tenant_id, workspace_id)
        command = MoveMilestone(
            milestone_id=milestone_id,
            to_date=body.target_date,
            reason=body.reason,
            now=ctx.now,
            actor=ctx.actor,
        )
        result = await milestones.run(
            str(milestone_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/milestones/{milestone_id}/reach")
    async def reach_milestone(
        workspace_id: WorkspaceId,
        milestone_id: uuid.UUID,
        body: ReachIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await existing(milestone_id, ctx.tenant_id, workspace_id)
        command = ReachMilestone(milestone_id=milestone_id, reached_on=body.reached_on, now=ctx.now)
        result = await milestones.run(
            str(milestone_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    async def history(tenant: str, ids: list[Any]) -> dict[str, list[dict[str, Any]]]:
        rows = await rt.reads.fetch(
            "SELECT milestone_id, from_date, to_date, reason, moved_at, moved_by"
            " FROM strategy_milestone_moves WHERE tenant_id = $1 AND milestone_id = ANY($2)"
            " ORDER BY moved_at",
            tenant,
            ids,
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            out.setdefault(str(r["milestone_id"]), []).append(jsonable(r))
        return out

    def shown(row: Any, moves: dict[str, list[dict[str, Any]]], today: date) -> dict[str, Any]:
        """A milestone as the timeline shows it: with its moves (oldest first) and where it
        stands today (``upcoming``, ``overdue``, ``reached`` or ``reached_late``)."""
        return {
            **jsonable(row),
            "standing": standing_on(row["target_date"], row["reached_on"], today),
            "moves": moves.get(str(row["milestone_id"]), []),
        }

    @api.get("/timeline")
    async def timeline(
        workspace_id: WorkspaceId,
        who: Reader,
        cursor: Cursor = None,
        limit: Limit = 50,
        standing: Literal["upcoming", "overdue", "reached"] | None = None,
    ) -> dict[str, Any]:
        """Milestones by target date, each with its moves and where it stands today;
        ``standing=overdue`` keeps those whose date passed unreached (``reached`` keeps
        those reached, late or not)."""
        after = decode_cursor(cursor, MOMENT, ID)
        today = datetime.now(UTC).date()
        rows = await rt.reads.fetch(
            "SELECT * FROM strategy_milestones WHERE tenant_id = $1 AND workspace_id = $2"
            f" AND {STANDINGS[standing]}"
            " AND ($4::text IS NULL"
            " OR (target_date, milestone_id) > ($4::text::date, $5::text::uuid))"
            " ORDER BY target_date, milestone_id LIMIT $6",
            who.tenant_id,
            workspace_id,
            today,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        moves = await history(who.tenant_id, [r["milestone_id"] for r in rows])
        items = [shown(r, moves, today) for r in rows]
        return page(items, limit, "target_date", "milestone_id")

    @api.get("/milestones/{milestone_id}")
    async def get_milestone(
        workspace_id: WorkspaceId, milestone_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_milestones WHERE tenant_id = $1 AND workspace_id = $2"
            " AND milestone_id = $3",
            who.tenant_id,
            workspace_id,
            milestone_id,
        )
        if row is None:
            raise NotFound(f"milestone {milestone_id} not found in workspace {workspace_id}")
        return shown(row, await history(who.tenant_id, [milestone_id]), datetime.now(UTC).date())

    return api
