"""Strategies through review: draft, submit to named reviewers, comment, approve."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import CommandContext, DomainError
from sextant_kit.authz import Access
from sextant_kit.http import Caller, IdempotencyKey, command_context, requires
from sextant_kit.ids import id_for_key
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_strategy.api.common import Aggregate, IfMatch, WorkspaceId, answer, in_workspace
from sextant_strategy.api.inputs import PeriodIn
from sextant_strategy.api.objectives import named_objectives
from sextant_strategy.domain.common import Actor, ShortText, Text, Title, vision_id_for
from sextant_strategy.domain.concept import concept_decider
from sextant_strategy.domain.objective import objective_decider
from sextant_strategy.domain.review import (
    ApproveStrategy,
    CommentOnStrategy,
    DraftStrategy,
    RequestChanges,
    ReviseStrategy,
    SubmitStrategy,
)
from sextant_strategy.domain.review_rules import strategy_decider
from sextant_strategy.domain.snapshot import (
    StrategySnapshot,
    concept_snapshot,
    objective_snapshot,
    vision_snapshot,
)
from sextant_strategy.domain.vision import vision_decider


class StrategyIn(Body):
    title: Title
    period: PeriodIn
    objective_ids: Annotated[tuple[uuid.UUID, ...], Field(max_length=50)] = ()
    concept_id: uuid.UUID | None = None


class SubmitIn(Body):
    reviewers: Annotated[tuple[Actor, ...], Field(min_length=1, max_length=20)]


class CommentIn(Body):
    text: Text


class ApproveIn(Body):
    comment: ShortText | None = None


def review_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/strategies", tags=["strategy review"])
    strategies = Aggregate(rt, strategy_decider, "strategy")
    objectives = Aggregate(rt, objective_decider, "objective")
    concepts = Aggregate(rt, concept_decider, "concept")
    visions = Aggregate(rt, vision_decider, "vision")
    Writer = Annotated[Caller, Depends(requires(Access.WRITE))]
    Decider_ = Annotated[Caller, Depends(requires(Access.DECIDE))]
    Context = Annotated[CommandContext, Depends(command_context)]

    async def check_parts(body: StrategyIn, who: Caller, workspace_id: str) -> None:
        """The objectives must exist for the caller, the concept in this workspace."""
        tenant = who.tenant_id
        await named_objectives(objectives, who, body.objective_ids, "objective_ids")
        if body.concept_id is not None:
            concept, _ = await concepts.load(str(body.concept_id), tenant)
            if not concept.exists or concept.workspace_id != workspace_id:
                raise DomainError(
                    f"concept {body.concept_id} does not exist in workspace {workspace_id}",
                    field="concept_id",
                )

    async def existing(strategy_id: uuid.UUID, tenant: str, workspace_id: str) -> Any:
        state, _ = await strategies.load(str(strategy_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"strategy {strategy_id}")
        return state

    @api.post("", status_code=201)
    async def draft_strategy(
        workspace_id: WorkspaceId,
        body: StrategyIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await check_parts(body, who, workspace_id)
        strategy_id = uuid.uuid4()
        command = DraftStrategy(
            strategy_id=strategy_id,
            workspace_id=workspace_id,
            title=body.title,
            period=body.period.period(),
            objective_ids=body.objective_ids,
            concept_id=body.concept_id,
            now=ctx.now,
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.put("/{strategy_id}")
    async def revise_strategy(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        body: StrategyIn,
        request: Request,
        who: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(strategy_id, ctx.tenant_id, workspace_id)
        await check_parts(body, who, workspace_id)
        command = ReviseStrategy(
            strategy_id=strategy_id,
            title=body.title,
            period=body.period.period(),
            objective_ids=body.objective_ids,
            concept_id=body.concept_id,
            now=ctx.now,
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{strategy_id}/submit")
    async def submit_strategy(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        body: SubmitIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(strategy_id, ctx.tenant_id, workspace_id)
        command = SubmitStrategy(
            strategy_id=strategy_id, reviewers=body.reviewers, now=ctx.now, actor=ctx.actor
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{strategy_id}/comments", status_code=201)
    async def comment(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        body: CommentIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await existing(strategy_id, ctx.tenant_id, workspace_id)
        comment_id = id_for_key(ctx.tenant_id, idempotency_key)  # a retry names the same
        command = CommentOnStrategy(
            strategy_id=strategy_id,
            comment_id=comment_id,
            text=body.text,
            now=ctx.now,
            actor=ctx.actor,
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, extra={"comment_id": str(comment_id)})

    @api.post("/{strategy_id}/request-changes")
    async def request_changes(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        body: CommentIn,
        request: Request,
        _: Decider_,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(strategy_id, ctx.tenant_id, workspace_id)
        command = RequestChanges(
            strategy_id=strategy_id, comment=body.text, now=ctx.now, actor=ctx.actor
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{strategy_id}/approve")
    async def approve(
        workspace_id: WorkspaceId,
        strategy_id: uuid.UUID,
        body: ApproveIn,
        request: Request,
        _: Decider_,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        """Approve the version in review, freezing its vision, objectives and concept."""
        state = await existing(strategy_id, ctx.tenant_id, workspace_id)
        vision, _version = await visions.load(
            str(vision_id_for(ctx.tenant_id, workspace_id)), ctx.tenant_id
        )
        parts = [await objectives.load(str(o), ctx.tenant_id) for o in state.objective_ids]
        concept = None
        if state.concept_id is not None:
            concept_state, _version = await concepts.load(str(state.concept_id), ctx.tenant_id)
            concept = concept_snapshot(state.concept_id, concept_state)
        snapshot = StrategySnapshot(
            title=state.title,
            period=state.period,
            vision=vision_snapshot(vision),
            objectives=tuple(objective_snapshot(o) for o, _version in parts if o.exists),
            concept=concept,
        )
        command = ApproveStrategy(
            strategy_id=strategy_id,
            comment=body.comment,
            snapshot=snapshot,
            now=ctx.now,
            actor=ctx.actor,
        )
        result = await strategies.run(
            str(strategy_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    return api
