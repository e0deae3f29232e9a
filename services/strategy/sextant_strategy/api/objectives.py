"""Objectives and key results, of the organisation and of each workspace (team)."""
# No "from __future__ import annotations": FastAPI must resolve the local Annotated aliases.

import uuid
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import CommandContext, DomainError
from sextant_kit.api import ID, MOMENT
from sextant_kit.authz import Access
from sextant_kit.http import (
    Caller,
    IdempotencyKey,
    command_context,
    requires,
    requires_somewhere,
)
from sextant_kit.ids import id_for_key
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
    page,
)
from sextant_strategy.api.inputs import PeriodIn
from sextant_strategy.api.objective_queries import (
    assessed_today,
    key_result_detail,
    objective_detail,
)
from sextant_strategy.domain.common import Actor, ClearableText, ShortText, Text, Title, Unit
from sextant_strategy.domain.objective import (
    AlignObjective,
    CheckInKeyResult,
    CloseObjective,
    DefineKeyResult,
    Objective,
    ReopenObjective,
    RestateObjective,
    RetargetKeyResult,
    RewordKeyResult,
    SetObjective,
    objective_decider,
)
from sextant_strategy.domain.objective_events import Outcome
from sextant_strategy.domain.progress import Direction

MAX_DEPTH = 100


class ObjectiveIn(Body):
    title: Title
    description: Text | None = None
    owner: Actor | None = None
    period: PeriodIn
    parent_id: uuid.UUID | None = None


class ObjectiveChangesIn(Body):
    title: Title | None = None
    description: ClearableText | None = None
    owner: Actor | None = None


class AlignIn(Body):
    parent_id: uuid.UUID | None


Measure = Annotated[float, Field(ge=-1e15, le=1e15)]
"""A key result's baseline, target or value: a business figure, bounded so that progress
(``(value - baseline) / (target - baseline)``) stays a finite number."""


class KeyResultIn(Body):
    title: Title
    baseline: Measure
    target: Measure
    unit: Unit
    direction: Direction


class KeyResultWordingIn(Body):
    title: Title


class RetargetIn(Body):
    baseline: Measure | None = None
    target: Measure
    reason: ShortText


class CheckInIn(Body):
    value: Measure
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    comment: ShortText | None = None


class ReopenIn(Body):
    reason: ShortText


class CloseIn(Body):
    outcome: Outcome
    note: ShortText | None = None


def team_scope(workspace_id: WorkspaceId) -> str | None:
    return workspace_id


def organisation_scope() -> str | None:
    return None


Objectives = Aggregate[Any, Any, Objective]


def seen_by(who: Caller, objective: Objective) -> bool:
    """An objective exists for ``who``: the organisation's, or one of a workspace they read."""
    return objective.exists and (
        objective.workspace_id is None or who.may(Access.READ, objective.workspace_id)
    )


async def named_objectives(
    objectives: Objectives, who: Caller, objective_ids: Iterable[uuid.UUID], field: str
) -> None:
    """The objectives a milestone or a strategy serves: each one that exists for ``who``."""
    for objective_id in objective_ids:
        state, _ = await objectives.load(str(objective_id), who.tenant_id)
        if not seen_by(who, state):
            raise DomainError(f"objective {objective_id} does not exist", field=field)


async def ancestry(
    objectives: Objectives, who: Caller, parent_id: uuid.UUID
) -> tuple[uuid.UUID, ...]:
    """The proposed parent's chain of parents, nearest first, read from the event streams.
    A parent in a workspace the caller does not read is one that does not exist: aligning
    under it would tell of it, and count in its roll-up, unseen."""
    tenant = who.tenant_id
    parent, _ = await objectives.load(str(parent_id), tenant)
    if not seen_by(who, parent):
        raise DomainError(
            f"parent objective {parent_id} does not exist in this organisation",
            field="parent_id",
        )
    chain: list[uuid.UUID] = []
    current = parent.parent_id
    while current is not None and current not in chain and len(chain) < MAX_DEPTH:
        chain.append(current)
        state, _ = await objectives.load(str(current), tenant)
        current = state.parent_id
    return tuple(chain)


def objective_routes(rt: Runtime, *, team: bool) -> APIRouter:
    prefix = "/v1/workspaces/{workspace_id}/objectives" if team else "/v1/organisation/objectives"
    api = APIRouter(prefix=prefix, tags=["objectives"])
    Scope = Annotated[str | None, Depends(team_scope if team else organisation_scope)]
    Writer = Annotated[Caller, Depends(requires(Access.WRITE))]
    # The organisation's objectives are every team's to read (they align their own to
    # them); a team's, its workspace's readers'.
    Reader = Annotated[Caller, Depends(requires_somewhere(Access.READ))]
    Context = Annotated[CommandContext, Depends(command_context)]
    objectives: Objectives = Aggregate(rt, objective_decider, "objective")

    async def existing(objective_id: uuid.UUID, tenant: str, scope: str | None) -> Objective:
        state, _ = await objectives.load(str(objective_id), tenant)
        in_workspace(state.exists, state.workspace_id, scope, f"objective {objective_id}")
        return state

    @api.post("", status_code=201)
    async def set_objective(
        scope: Scope,
        body: ObjectiveIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        objective_id = uuid.uuid4()
        parents = await ancestry(objectives, who, body.parent_id) if body.parent_id else ()
        command = SetObjective(
            objective_id=objective_id,
            workspace_id=scope,
            title=body.title,
            description=body.description,
            owner=body.owner or ctx.actor,
            period=body.period.period(),
            parent_id=body.parent_id,
            parent_ancestry=parents,
            now=ctx.now,
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.patch("/{objective_id}")
    async def restate_objective(
        scope: Scope,
        objective_id: uuid.UUID,
        body: ObjectiveChangesIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Reword an open objective or hand it to another owner: fields left out stay as
        they are, an empty description clears it. Its period and key results stay."""
        await existing(objective_id, ctx.tenant_id, scope)
        command = RestateObjective(
            objective_id=objective_id, now=ctx.now, actor=ctx.actor, **body.model_dump()
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.put("/{objective_id}/parent")
    async def align_objective(
        scope: Scope,
        objective_id: uuid.UUID,
        body: AlignIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(objective_id, ctx.tenant_id, scope)
        parents = await ancestry(objectives, who, body.parent_id) if body.parent_id else ()
        command = AlignObjective(
            objective_id=objective_id, parent_id=body.parent_id, parent_ancestry=parents
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{objective_id}/key-results", status_code=201)
    async def define_key_result(
        scope: Scope,
        objective_id: uuid.UUID,
        body: KeyResultIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(objective_id, ctx.tenant_id, scope)
        kr_id = id_for_key(ctx.tenant_id, idempotency_key)  # a retry names the same
        command = DefineKeyResult(
            objective_id=objective_id, key_result_id=kr_id, **body.model_dump()
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(
            result,
            create=True,
            location=f"{request.url.path}/{kr_id}",
            extra={"key_result_id": str(kr_id)},
        )

    @api.patch("/{objective_id}/key-results/{key_result_id}")
    async def reword_key_result(
        scope: Scope,
        objective_id: uuid.UUID,
        key_result_id: uuid.UUID,
        body: KeyResultWordingIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Reword a key result of an open objective; its baseline, target and unit stay
        (``retarget`` moves the first two, with a reason; a different measure is a new key
        result)."""
        await existing(objective_id, ctx.tenant_id, scope)
        command = RewordKeyResult(
            objective_id=objective_id, key_result_id=key_result_id, title=body.title
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{objective_id}/key-results/{key_result_id}/retarget")
    async def retarget_key_result(
        scope: Scope,
        objective_id: uuid.UUID,
        key_result_id: uuid.UUID,
        body: RetargetIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Move a key result's target (and its baseline, if given) on an open objective,
        saying why. Its latest check-in is measured again against them; earlier check-ins
        keep the progress they were measured with. Its unit and direction stay."""
        await existing(objective_id, ctx.tenant_id, scope)
        command = RetargetKeyResult(
            objective_id=objective_id,
            key_result_id=key_result_id,
            now=ctx.now,
            actor=ctx.actor,
            **body.model_dump(),
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{objective_id}/key-results/{key_result_id}/check-ins", status_code=201)
    async def check_in(
        scope: Scope,
        objective_id: uuid.UUID,
        key_result_id: uuid.UUID,
        body: CheckInIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await existing(objective_id, ctx.tenant_id, scope)
        command = CheckInKeyResult(
            objective_id=objective_id,
            key_result_id=key_result_id,
            now=ctx.now,
            actor=ctx.actor,
            **body.model_dump(),
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True)

    @api.post("/{objective_id}/close")
    async def close_objective(
        scope: Scope,
        objective_id: uuid.UUID,
        body: CloseIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(objective_id, ctx.tenant_id, scope)
        command = CloseObjective(
            objective_id=objective_id, now=ctx.now, actor=ctx.actor, **body.model_dump()
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{objective_id}/reopen")
    async def reopen_objective(
        scope: Scope,
        objective_id: uuid.UUID,
        body: ReopenIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Open a closed objective again, saying why (closed too soon, or by mistake); its
        key results and check-ins are as they were."""
        await existing(objective_id, ctx.tenant_id, scope)
        command = ReopenObjective(
            objective_id=objective_id, now=ctx.now, actor=ctx.actor, reason=body.reason
        )
        result = await objectives.run(
            str(objective_id),
            command,
            ctx,
            request,
            workspace_id=scope,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.get("")
    async def list_objectives(
        scope: Scope,
        who: Reader,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The objectives set here, by when they were set. ``status`` is the worst of their
        key results' statuses at the last check-ins; ``status_today`` assesses the same
        check-ins against the share of the period gone now (at closing, once closed)."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM strategy_objectives WHERE tenant_id = $1"
            " AND workspace_id IS NOT DISTINCT FROM $2"
            " AND ($3::text IS NULL"
            " OR (set_at, objective_id) > ($3::text::timestamptz, $4::text::uuid))"
            " ORDER BY set_at, objective_id LIMIT $5",
            who.tenant_id,
            scope,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page(
            await assessed_today(rt.reads, who.tenant_id, rows), limit, "set_at", "objective_id"
        )

    @api.get("/{objective_id}")
    async def get_objective(
        scope: Scope,
        objective_id: uuid.UUID,
        who: Reader,
    ) -> dict[str, Any]:
        return await objective_detail(rt.reads, who.tenant_id, scope, objective_id)

    @api.get("/{objective_id}/key-results/{key_result_id}")
    async def get_key_result(
        scope: Scope,
        objective_id: uuid.UUID,
        key_result_id: uuid.UUID,
        who: Reader,
    ) -> dict[str, Any]:
        """A key result with its progress, status and latest check-ins, newest first."""
        return await key_result_detail(rt.reads, who.tenant_id, scope, objective_id, key_result_id)

    return api
