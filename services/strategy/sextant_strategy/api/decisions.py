"""The decision log: record decisions (superseding earlier ones) and search it."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sextant_kit import CommandContext, NotFound
from sextant_kit.api import ID, MOMENT, request_idempotency, step_key
from sextant_kit.authz import Access
from sextant_kit.http import Caller, IdempotencyKey, command_context, requires
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_strategy.api.common import (
    Aggregate,
    Cursor,
    Limit,
    WorkspaceId,
    answer,
    decode_cursor,
    in_workspace,
    jsonable,
    page,
)
from sextant_strategy.domain.common import STRATEGY_NAMESPACE, Actor, Text, Title
from sextant_strategy.domain.decision import (
    Evidence,
    EvidenceKind,
    Option,
    RecordDecision,
    SupersedeDecision,
    decision_decider,
)


class DecisionIn(Body):
    title: Title
    context: Text
    options: Annotated[tuple[Option, ...], Field(min_length=1, max_length=20)]
    decision: Text
    rationale: Text
    evidence: Annotated[tuple[Evidence, ...], Field(max_length=100)] = ()
    decided_by: Actor | None = None
    decided_on: date | None = None
    supersedes: uuid.UUID | None = None


def decision_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/decisions", tags=["decisions"])
    decisions = Aggregate(rt, decision_decider, "decision")
    Reader = Annotated[Caller, Depends(requires(Access.READ))]

    @api.post("", status_code=201)
    async def record_decision(
        workspace_id: WorkspaceId,
        body: DecisionIn,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.DECIDE))],
        ctx: Annotated[CommandContext, Depends(command_context)],
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        """Record a decision; with ``supersedes`` the earlier decision is marked replaced.

        The earlier decision is marked first, so of two decisions superseding one at once
        only one is recorded (the other is a 409, with nothing written). A retry under the
        same ``Idempotency-Key`` names the same new decision, so it finishes a request that
        stopped between the two."""
        decision_id = uuid.uuid4()
        if body.supersedes is not None and idempotency_key:
            key = f"decision\n{ctx.tenant_id}\n{idempotency_key}"
            decision_id = uuid.uuid5(STRATEGY_NAMESPACE, key)
        command = RecordDecision(
            decision_id=decision_id,
            workspace_id=workspace_id,
            now=ctx.now,
            **body.model_dump(exclude={"decided_by", "decided_on", "options", "evidence"}),
            options=body.options,
            evidence=body.evidence,
            decided_by=body.decided_by or ctx.actor,
            decided_on=body.decided_on or ctx.now.date(),
        )
        if body.supersedes is not None:
            # The new decision must stand before the earlier one is marked replaced by it:
            # decided, and its key not one another request used.
            decision_decider.decide(command, decision_decider.initial_state())
            keyed = request_idempotency(idempotency_key, request, body)
            if keyed is not None:
                await rt.store.earlier_result(ctx.tenant_id, keyed.key, keyed.request_hash)
            old, _version = await decisions.load(str(body.supersedes), ctx.tenant_id)
            in_workspace(old.exists, old.workspace_id, workspace_id, f"decision {body.supersedes}")
            await decisions.run(
                str(body.supersedes),
                SupersedeDecision(
                    decision_id=body.supersedes, superseded_by=decision_id, now=ctx.now
                ),
                ctx,
                request,
                workspace_id=workspace_id,
                body=body,
                idempotency_key=step_key(idempotency_key, "supersede"),
            )
        result = await decisions.run(
            str(decision_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.get("")
    async def search_decisions(
        workspace_id: WorkspaceId,
        who: Reader,
        entity_kind: Annotated[EvidenceKind | None, Query()] = None,
        entity_id: Annotated[uuid.UUID | None, Query()] = None,
        q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        include_superseded: bool = True,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Newest first; ``entity_kind`` + ``entity_id`` keep decisions linked to that entity,
        and ``q`` those whose title, context, decision or rationale holds the text."""
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT d.* FROM strategy_decisions d WHERE d.tenant_id = $1 AND d.workspace_id = $2"
            " AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM strategy_decision_links l"
            "  WHERE l.tenant_id = d.tenant_id AND l.decision_id = d.decision_id"
            "  AND l.entity_kind = $3 AND ($4::uuid IS NULL OR l.entity_id = $4)))"
            " AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM strategy_decision_links l"
            "  WHERE l.tenant_id = d.tenant_id AND l.decision_id = d.decision_id"
            "  AND l.entity_id = $4))"
            " AND ($5::text IS NULL OR d.title ILIKE '%' || $5 || '%'"
            "  OR d.decision ILIKE '%' || $5 || '%' OR d.context ILIKE '%' || $5 || '%'"
            "  OR d.rationale ILIKE '%' || $5 || '%')"
            " AND ($6 OR d.superseded_by IS NULL)"
            " AND ($7::text IS NULL"
            "  OR (d.recorded_at, d.decision_id) < ($7::text::timestamptz, $8::text::uuid))"
            " ORDER BY d.recorded_at DESC, d.decision_id DESC LIMIT $9",
            who.tenant_id,
            workspace_id,
            entity_kind.value if entity_kind else None,
            entity_id,
            q,
            include_superseded,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "recorded_at", "decision_id")

    @api.get("/{decision_id}")
    async def get_decision(
        workspace_id: WorkspaceId, decision_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_decisions WHERE tenant_id = $1 AND workspace_id = $2"
            " AND decision_id = $3",
            who.tenant_id,
            workspace_id,
            decision_id,
        )
        if row is None:
            raise NotFound(f"decision {decision_id} not found in workspace {workspace_id}")
        return jsonable(row)

    return api
