"""Problems and the problem evidence view."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import Conflict, NotFound
from sextant_kit.api import ID, MOMENT, step_key
from sextant_kit.http import IdempotencyKey
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
from sextant_discovery.api.inputs import Ctx, Reader, ReasonIn, Writer
from sextant_discovery.domain.common import Scale, ShortText, Text, Title
from sextant_discovery.domain.insight import insight_decider
from sextant_discovery.domain.persona import persona_decider
from sextant_discovery.domain.problem import (
    AttachInsight,
    CloseProblem,
    IdentifyProblem,
    MergeProblem,
    ProblemStatus,
    ReopenProblem,
    RestateProblem,
    UnmergeProblem,
    problem_decider,
)


class ProblemIn(Body):
    title: Title
    statement: Text
    persona_ids: Annotated[tuple[uuid.UUID, ...], Field(max_length=20)] = ()
    severity: Scale
    frequency: Scale


class RestateIn(ProblemIn):
    note: ShortText | None = None


class AttachIn(Body):
    insight_id: uuid.UUID
    note: ShortText | None = None


class MergeIn(Body):
    into: uuid.UUID


def evidence(scope: int) -> str:
    """The workspace's (``$2``) problems with their evidence: their own and that of the
    duplicates merged into them, as the query service's evidence reads it, an item linked
    to both counted once, and feedback only from the workspaces the reader reads
    (``$scope``, a ``workspace_scope``)."""
    return (
        "SELECT p.*, m.merged_from,"
        " (SELECT count(DISTINCT i.insight_id) FROM discovery_problem_insights i"
        "  WHERE i.tenant_id = p.tenant_id"
        "  AND i.problem_id = ANY(p.problem_id || m.merged_from)) AS insight_count,"
        " (SELECT count(DISTINCT f.feedback_id) FROM discovery_feedback_links f"
        "  WHERE f.tenant_id = p.tenant_id AND f.target_type = 'problem'"
        f"  AND {in_scope('f', scope)}"
        "  AND f.target_id = ANY((p.problem_id || m.merged_from)::text[])) AS feedback_count"
        " FROM discovery_problems p CROSS JOIN LATERAL (SELECT "
        + MERGED_FROM.format(row="p", ids="ARRAY[p.problem_id]")
        + " AS merged_from) m WHERE p.tenant_id = $1 AND p.workspace_id = $2"
    )


def problem_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/problems", tags=["problems"])
    problems = Aggregate(rt, problem_decider, "problem")
    personas = Aggregate(rt, persona_decider, "persona")
    insights = Aggregate(rt, insight_decider, "insight")

    async def problem_in(problem_id: uuid.UUID, workspace_id: str, tenant: str) -> None:
        state, _ = await problems.load(str(problem_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"problem {problem_id}")

    async def current_personas(
        persona_ids: tuple[uuid.UUID, ...], workspace_id: str, tenant: str
    ) -> frozenset[uuid.UUID]:
        """Those of ``persona_ids`` that are personas of the workspace, not archived."""
        known = set()
        for persona_id in persona_ids:
            state, _ = await personas.load(str(persona_id), tenant)
            if state.exists and state.workspace_id == workspace_id and not state.archived:
                known.add(persona_id)
        return frozenset(known)

    @api.post("", status_code=201)
    async def identify_problem(
        workspace_id: WorkspaceId,
        body: ProblemIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Identify a customer pain point: statement, affected personas, severity, frequency."""
        problem_id = uuid.uuid4()
        command = IdentifyProblem(
            problem_id=problem_id,
            workspace_id=workspace_id,
            known_personas=await current_personas(body.persona_ids, workspace_id, ctx.tenant_id),
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.put("/{problem_id}")
    async def restate_problem(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: RestateIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Restate an open problem as the team now understands it: every field as it should
        stand (a persona archived since it was named may stay), and optionally why. Sent
        unchanged, nothing is recorded."""
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        command = RestateProblem(
            problem_id=problem_id,
            known_personas=await current_personas(body.persona_ids, workspace_id, ctx.tenant_id),
            actor=ctx.actor,
            now=ctx.now,
            **body.model_dump(),
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{problem_id}/insights")
    async def attach_insight(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: AttachIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Attach a market insight as evidence."""
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        insight, _ = await insights.load(str(body.insight_id), ctx.tenant_id)
        in_workspace(
            insight.exists, insight.workspace_id, workspace_id, f"insight {body.insight_id}"
        )
        command = AttachInsight(
            problem_id=problem_id,
            insight_id=body.insight_id,
            note=body.note,
            insight_retired=insight.retired,
            now=ctx.now,
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/{problem_id}/merge")
    async def merge_problem(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: MergeIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Mark this problem a duplicate of ``into``, an open problem. When ``into`` was
        merged itself meanwhile (someone merging the two the other way at once), this one is
        open on its own again and the merge is a 409: two problems never end up merged into
        each other, their evidence counted for neither."""
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        target, _ = await problems.load(str(body.into), ctx.tenant_id)
        in_workspace(target.exists, target.workspace_id, workspace_id, f"problem {body.into}")
        command = MergeProblem(
            problem_id=problem_id, into=body.into, target_status=target.status, now=ctx.now
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        target, _ = await problems.load(str(body.into), ctx.tenant_id)
        if target.merged_into is not None and not result.replayed:
            reason = f"{body.into} was merged into another problem at the same time"
            undo = UnmergeProblem(
                problem_id=problem_id, reason=reason, actor=ctx.actor, now=ctx.now
            )
            await problems.run(
                str(problem_id),
                undo,
                ctx,
                request,
                workspace_id=workspace_id,
                body=body,
                idempotency_key=step_key(idempotency_key, "stand-alone"),
            )
            raise Conflict(
                f"problem {body.into} was merged into another problem meanwhile, so "
                f"{problem_id} is open on its own again; look at both and merge again",
                code="problem-not-open",
            )
        return answer(result, create=False)

    @api.post("/{problem_id}/close")
    async def close_problem(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: ReasonIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        command = CloseProblem(problem_id=problem_id, reason=body.reason, now=ctx.now)
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/{problem_id}/reopen")
    async def reopen_problem(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: ReasonIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Open a closed problem again, saying why (it came back, or was closed too soon);
        its insights and evidence are as they were."""
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        command = ReopenProblem(
            problem_id=problem_id, reason=body.reason, actor=ctx.actor, now=ctx.now
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.post("/{problem_id}/unmerge")
    async def unmerge_problem(
        workspace_id: WorkspaceId,
        problem_id: uuid.UUID,
        body: ReasonIn,
        request: Request,
        who: Writer,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """This problem, merged by mistake, is open on its own again, saying why: its
        insights and feedback count for it alone, no longer for the problem it went into."""
        await problem_in(problem_id, workspace_id, ctx.tenant_id)
        command = UnmergeProblem(
            problem_id=problem_id, reason=body.reason, actor=ctx.actor, now=ctx.now
        )
        result = await problems.run(
            str(problem_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("")
    async def list_problems(
        workspace_id: WorkspaceId,
        who: Reader,
        status: Annotated[ProblemStatus | None, Query()] = None,
        persona_id: Annotated[uuid.UUID | None, Query()] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The problem evidence view: newest first with insight and feedback counts."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            evidence(8) + " AND ($3::text IS NULL OR p.status = $3)"
            " AND ($4::uuid IS NULL OR $4 = ANY(p.persona_ids))"
            " AND ($5::text IS NULL"
            "  OR (p.identified_at, p.problem_id) < ($5::text::timestamptz, $6::text::uuid))"
            " ORDER BY p.identified_at DESC, p.problem_id DESC LIMIT $7",
            who.tenant_id,
            workspace_id,
            status.value if status else None,
            persona_id,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
            workspace_scope(who),
        )
        return page([jsonable(r) for r in rows], limit, "identified_at", "problem_id")

    @api.get("/{problem_id}")
    async def problem_evidence(
        workspace_id: WorkspaceId, problem_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        """The problem with its attached insights and its linked feedback count, the
        duplicates merged into it included (`attached_to` names the problem each insight was
        attached to)."""
        row = await rt.reads.fetchrow(
            evidence(4) + " AND p.problem_id = $3",
            who.tenant_id,
            workspace_id,
            problem_id,
            workspace_scope(who),
        )
        if row is None:
            raise NotFound(f"problem {problem_id} not found in workspace {workspace_id}")
        attached = await rt.reads.fetch(
            "SELECT * FROM (SELECT DISTINCT ON (i.insight_id) i.insight_id, i.title, i.market,"
            " i.segment, i.source, i.summary, i.evidence_links, i.retired, a.note,"
            " a.attached_at, a.problem_id AS attached_to"
            " FROM discovery_problem_insights a JOIN discovery_insights i"
            " ON i.tenant_id = a.tenant_id AND i.insight_id = a.insight_id"
            " WHERE a.tenant_id = $1 AND a.problem_id = ANY($2::uuid[])"
            " ORDER BY i.insight_id, a.attached_at) first ORDER BY attached_at, insight_id",
            who.tenant_id,
            [problem_id, *row["merged_from"]],
        )
        return {**jsonable(row), "insights": [jsonable(a) for a in attached]}

    return api
