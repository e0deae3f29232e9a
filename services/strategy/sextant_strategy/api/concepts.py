"""Product concepts of a workspace and their links to discovery opportunities."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
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
from sextant_strategy.domain.common import Text, Title
from sextant_strategy.domain.concept import (
    Differentiators,
    DraftConcept,
    LinkOpportunity,
    Personas,
    ReviseConcept,
    UnlinkOpportunity,
    concept_decider,
)


class ConceptIn(Body):
    name: Title
    problem: Text
    personas: Personas
    value_proposition: Text
    differentiators: Differentiators = ()


class OpportunityLinkIn(Body):
    opportunity_id: uuid.UUID


def concept_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}/concepts", tags=["concepts"])
    concepts = Aggregate(rt, concept_decider, "concept")
    Writer = Annotated[Caller, Depends(requires(Access.WRITE))]
    Reader = Annotated[Caller, Depends(requires(Access.READ))]
    Context = Annotated[CommandContext, Depends(command_context)]

    async def existing(concept_id: uuid.UUID, tenant: str, workspace_id: str) -> None:
        state, _ = await concepts.load(str(concept_id), tenant)
        in_workspace(state.exists, state.workspace_id, workspace_id, f"concept {concept_id}")

    @api.post("", status_code=201)
    async def draft_concept(
        workspace_id: WorkspaceId,
        body: ConceptIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        concept_id = uuid.uuid4()
        command = DraftConcept(
            concept_id=concept_id, workspace_id=workspace_id, now=ctx.now, **body.model_dump()
        )
        result = await concepts.run(
            str(concept_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=True, location=f"{request.url.path}/{result.stream_id}")

    @api.put("/{concept_id}")
    async def revise_concept(
        workspace_id: WorkspaceId,
        concept_id: uuid.UUID,
        body: ConceptIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        await existing(concept_id, ctx.tenant_id, workspace_id)
        command = ReviseConcept(concept_id=concept_id, now=ctx.now, **body.model_dump())
        result = await concepts.run(
            str(concept_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
            expected_version=if_match,
        )
        return answer(result, create=False)

    @api.post("/{concept_id}/opportunities")
    async def link_opportunity(
        workspace_id: WorkspaceId,
        concept_id: uuid.UUID,
        body: OpportunityLinkIn,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await existing(concept_id, ctx.tenant_id, workspace_id)
        command = LinkOpportunity(concept_id=concept_id, opportunity_id=body.opportunity_id)
        result = await concepts.run(
            str(concept_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            body=body,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.delete("/{concept_id}/opportunities/{opportunity_id}")
    async def unlink_opportunity(
        workspace_id: WorkspaceId,
        concept_id: uuid.UUID,
        opportunity_id: uuid.UUID,
        request: Request,
        _: Writer,
        ctx: Context,
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        await existing(concept_id, ctx.tenant_id, workspace_id)
        command = UnlinkOpportunity(concept_id=concept_id, opportunity_id=opportunity_id)
        result = await concepts.run(
            str(concept_id),
            command,
            ctx,
            request,
            workspace_id=workspace_id,
            idempotency_key=idempotency_key,
        )
        return answer(result, create=False)

    @api.get("")
    async def list_concepts(
        workspace_id: WorkspaceId, who: Reader, cursor: Cursor = None, limit: Limit = 50
    ) -> dict[str, Any]:
        after = decode_cursor(cursor, MOMENT, ID)
        rows = await rt.reads.fetch(
            "SELECT * FROM strategy_concepts WHERE tenant_id = $1 AND workspace_id = $2"
            " AND ($3::text IS NULL"
            " OR (drafted_at, concept_id) > ($3::text::timestamptz, $4::text::uuid))"
            " ORDER BY drafted_at, concept_id LIMIT $5",
            who.tenant_id,
            workspace_id,
            after[0] if after else None,
            after[1] if after else None,
            limit + 1,
        )
        return page([jsonable(r) for r in rows], limit, "drafted_at", "concept_id")

    @api.get("/{concept_id}")
    async def get_concept(
        workspace_id: WorkspaceId, concept_id: uuid.UUID, who: Reader
    ) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT * FROM strategy_concepts WHERE tenant_id = $1 AND workspace_id = $2"
            " AND concept_id = $3",
            who.tenant_id,
            workspace_id,
            concept_id,
        )
        if row is None:
            raise NotFound(f"concept {concept_id} not found in workspace {workspace_id}")
        return jsonable(row)

    return api
