"""Opportunities: open, evaluate, decide, candidate solutions; the scoreboard."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import NotFound
from sextant_kit.api import ID, NUMBER
from sextant_kit.http import IdempotencyKey
from sextant_kit.ids import id_for_key
from sextant_kit.inputs import Body
from sextant_kit.scope import in_scope, workspace_scope
from sextant_kit.service import Runtime

from sextant_discovery.api.common import (
    MERGED_FROM,
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
from sextant_discovery.api.inputs import Ctx, Decider_, Reader, Writer
from sextant_discovery.domain.common import Scale, ShortText, Text, Title
from sextant_discovery.domain.opportunity import OpportunityStatus, opportunity_decider
from sextant_discovery.domain.opportunity_events import (
    DecideOpportunity,
    EvaluateOpportunity,
    OpenOpportunity,
    ProposeSolution,
    RestateOpportunity,
    ReviseSolution,
    SelectSolution,
    Verdict,
)
from sextant_discovery.domain.problem import ProblemStatus, problem_decider
from sextant_discovery.domain.scoring import ScoreInputs


class OpportunityIn(Body):
    title: Title
    description: Text | None = None
    problem_ids: Annotated[tuple[uuid.UUID, ...], Field(min_length=1, max_length=50)]


class RestateIn(OpportunityIn):
    note: ShortText | None = None


class EvaluationIn(Body):
    inputs: ScoreInputs
    note: ShortText | None = None


class DecisionIn(Body):
    verdict: Verdict
    rationale: Text


class SolutionIn(Body):
    title: Title
    description: Text | None = None
    value: Scale
    effort: Scale
    confidence: Scale


class SelectIn(Body):
    rationale: Text


def board(scope: int) -> str:
    """The workspace's (``$2``) opportunities with the feedback linked to each, to one of
    its problems or to a duplicate merged into one of them, each item counted once, from
    the workspaces the reader reads (``$scope``, a ``workspace_scope``): the query
    service's evidence, counted the same way. ``problems`` names the opportunity's problems
    (id and title, in its order)."""
    return (
        "SELECT o.*,"
        " (SELECT coalesce(jsonb_agg(jsonb_build_object('problem_id', p.problem_id,"
        "   'title', p.title) ORDER BY array_position(o.problem_ids, p.problem_id)), '[]')"
        "  FROM discovery_problems p"
        "  WHERE p.tenant_id = o.tenant_id AND p.problem_id = ANY(o.problem_ids)) AS problems,"
        " (SELECT count(DISTINCT f.feedback_id) FROM discovery_feedback_links f"
        f"  WHERE f.tenant_id = o.tenant_id AND {in_scope('f', scope)}"
        "  AND ((f.target_type = 'opportunity' AND f.target_id = o.opportunity_id::text)"
        "  OR (f.target_type = 'problem' AND f.target_id = ANY(m.problems))))"
        "  AS feedback_count"
        " FROM discovery_opportunities o CROSS JOIN LATERAL (SELECT (o.problem_ids || "
        + MERGED_FROM.format(row="o", ids="o.problem_ids")
        + ")::text[] AS problems) m WHERE o.tenant_id = $1 AND o.workspace_id = $2"
    )


def opportunity_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/opportunities", tags=["opportunities"])
    opportunities = Aggregate(rt, opportunity_decider, "opportunity")
    problems = Aggregate(rt, problem_decider, "problem")

    async def opportunity_in(opportunity_id: uuid.UUID, workspace_id: str, tenant: str) -> None:
        state, _ = await opportunities.load(str(opportunity_id), tenant)
        in_workspace(
            state.exists, state.workspace_id, workspace_id, f"opportunity {opportunity_id}"
        )

    async def problem_statuses(
        problem_ids: tuple[uuid.UUID, ...], workspace_id: str, tenant: str
    ) -> dict[uuid.UUID, ProblemStatus]:
        """The status of each of ``problem_ids`` found in the workspace."""
        statuses: dict[uuid.UUID, ProblemStatus] = {}
        for problem_id in problem_ids:
            state, _ = await problems.load(str(problem_id), tenant)
            if state.exists and state.workspace_id == workspace_id:
                statuses[problem_id] = state.status
        return statuses

    @api.post("", status_code=201)
    async def open_opportunity(
        workspace_id: WorkspaceId,
        body: OpportunityIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Open an opportunity from one or more existing, open problems."""
        opportunity_id = uuid.uuid4()
        command = OpenOpportunity(
            opportunity_id=opportunity_id,
            workspace_id=workspace_id,
            problem_statuses=await problem_statuses(body.problem_ids, workspace_id, ctx.tenant_id),
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.put("/{opportunity_id}")
    async def restate_opportunity(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        body: RestateIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Restate an opportunity that was not rejected as the team now frames it: every
        field as it should stand, and optionally why. Problems it addresses may stay, merged
        or closed since; problems added must be open. Sent unchanged, nothing is recorded."""
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        command = RestateOpportunity(
            opportunity_id=opportunity_id,
            problem_statuses=await problem_statuses(body.problem_ids, workspace_id, ctx.tenant_id),
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{opportunity_id}/evaluations", status_code=201)
    async def evaluate(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        body: EvaluationIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Score the opportunity (see ``sextant_discovery.domain.scoring.score``)."""
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        command = EvaluateOpportunity(
            opportunity_id=opportunity_id,
            inputs=body.inputs,
            note=body.note,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True)

    @api.post("/{opportunity_id}/decision")
    async def decide(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        body: DecisionIn,
        request: Request,
        who: Decider_,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Pursue, park or reject, with a rationale."""
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        command = DecideOpportunity(
            opportunity_id=opportunity_id,
            verdict=body.verdict,
            rationale=body.rationale,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/{opportunity_id}/solutions", status_code=201)
    async def propose_solution(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        body: SolutionIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        solution_id = id_for_key(ctx.tenant_id, idempotency_key)  # a retry names the same
        command = ProposeSolution(
            opportunity_id=opportunity_id,
            solution_id=solution_id,
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, extra={"solution_id": str(solution_id)})

    @api.put("/{opportunity_id}/solutions/{solution_id}")
    async def revise_solution(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        solution_id: uuid.UUID,
        body: SolutionIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Revise a candidate solution as the team now sees it: every field as it should
        stand (its value, effort and confidence set its priority). Sent unchanged, nothing
        is recorded."""
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        command = ReviseSolution(
            opportunity_id=opportunity_id,
            solution_id=solution_id,
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{opportunity_id}/solutions/{solution_id}/select")
    async def select_solution(
        workspace_id: WorkspaceId,
        opportunity_id: uuid.UUID,
        solution_id: uuid.UUID,
        body: SelectIn,
        request: Request,
        who: Decider_,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await opportunity_in(opportunity_id, workspace_id, ctx.tenant_id)
        command = SelectSolution(
            opportunity_id=opportunity_id,
            solution_id=solution_id,
            rationale=body.rationale,
            actor=ctx.actor,
            now=ctx.now,
        )
        result = await opportunities.run(
            str(opportunity_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("")
    async def scoreboard(
        workspace_id: WorkspaceId,
        who: Reader,
        status: Annotated[OpportunityStatus | None, Query()] = None,
        persona_id: Annotated[uuid.UUID | None, Query()] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Ranked by score (unscored last), with each score's breakdown and inputs."""
        after = decode_cursor(cursor, NUMBER, ID)
        rows = await rt.reads.fetch(
            board(8) + " AND ($3::text IS NULL OR o.status = $3)"
            " AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM discovery_problems p"
            "  WHERE p.tenant_id = o.tenant_id AND p.problem_id = ANY(o.problem_ids)"
            "  AND $4 = ANY(p.persona_ids)))"
            " AND ($5::text IS NULL OR (coalesce(o.score, -1), o.opportunity_id)"
            "  < ($5::text::double precision, $6::text::uuid))"
            " ORDER BY coalesce(o.score, -1) DESC, o.opportunity_id DESC LIMIT $7",
            who.tenant_id,
            workspace_id,
            status.value if status else None,
            persona_id,
            str(after[0]) if after else None,  # the score, a number in the cursor
            after[1] if after else None,
            limit + 1,
            workspace_scope(who),
        )
        items = [
            {**jsonable(r), "rank_score": -1 if r["score"] is None else r["score"]} for r in rows
        ]
        return page(items, limit, "rank_score", "opportunity_id")

    @api.get("/{opportunity_id}")
    async def get_opportunity(
        workspace_id: WorkspaceId, opportunity_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """The opportunity with every evaluation and its candidate solutions compared."""
        row = await rt.reads.fetchrow(
            board(4) + " AND o.opportunity_id = $3",
            who.tenant_id,
            workspace_id,
            opportunity_id,
            workspace_scope(who),
        )
        if row is None:
            raise NotFound(f"opportunity {opportunity_id} not found in workspace {workspace_id}")
        evaluations = await rt.reads.fetch(
            "SELECT * FROM discovery_evaluations WHERE tenant_id = $1 AND opportunity_id = $2"
            " ORDER BY evaluation",
            who.tenant_id,
            opportunity_id,
        )
        solutions = await rt.reads.fetch(
            "SELECT *, round((value * confidence)::numeric / effort, 2)::float AS priority"
            " FROM discovery_solutions WHERE tenant_id = $1 AND opportunity_id = $2"
            " ORDER BY priority DESC, proposed_at",
            who.tenant_id,
            opportunity_id,
        )
        return {
            **jsonable(row),
            "evaluations": [jsonable(e) for e in evaluations],
            "solutions": [jsonable(s) for s in solutions],
        }

    return api
