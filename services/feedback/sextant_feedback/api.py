"""HTTP commands and queries of the feedback context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from sextant_kit import (
    AppendResult,
    CommandContext,
    CommandHandler,
    EventMetadata,
    Idempotency,
    NotFound,
)
from sextant_kit.audit import audit_entries
from sextant_kit.authz import Access
from sextant_kit.http import Caller, IdempotencyKey, command_context, requires
from sextant_kit.service import Runtime
from sextant_kit.telemetry import current_traceparent

from sextant_feedback.domain import (
    Channel,
    CustomerRef,
    ExternalId,
    ReceiveFeedback,
    Text,
    feedback_decider,
    feedback_id_for,
)
from sextant_feedback.events import registry

WorkspaceId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    source: Channel
    external_id: ExternalId | None = None
    customer_ref: CustomerRef | None = None
    received_at: datetime | None = None


class Accepted(BaseModel):
    id: str
    stream_version: int
    positions: list[int]
    consistency_token: str | None
    created: bool


def accepted(result: AppendResult) -> Accepted:
    return Accepted(
        id=result.stream_id,
        stream_version=result.stream_version,
        positions=list(result.positions),
        consistency_token=f"feedback:{max(result.positions)}" if result.positions else None,
        created=bool(result.positions) and not result.replayed,
    )


def router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["feedback"])
    handler = CommandHandler(rt.store, registry, feedback_decider, stream_type="feedback")

    @api.post("/workspaces/{workspace_id}/feedback", status_code=201, response_model=Accepted)
    async def receive_feedback(
        workspace_id: WorkspaceId,
        body: FeedbackIn,
        request: Request,
        _: Annotated[Caller, Depends(requires(Access.WRITE))],
        ctx: Annotated[CommandContext, Depends(command_context)],
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        item_id = (
            feedback_id_for(ctx.tenant_id, workspace_id, body.source, body.external_id)
            if body.external_id is not None
            else uuid.uuid4()
        )
        command = ReceiveFeedback(
            feedback_id=item_id,
            workspace_id=workspace_id,
            received_at=body.received_at or ctx.now,
            **body.model_dump(exclude={"received_at"}),
        )
        metadata = EventMetadata.from_context(
            ctx, workspace_id=workspace_id, traceparent=current_traceparent()
        )
        idempotency = Idempotency.of(
            idempotency_key, request.url.path, workspace_id, body.model_dump_json()
        )
        result = await handler.handle(str(item_id), command, metadata, idempotency=idempotency)
        out = accepted(result)
        status = 201 if out.created else 200
        return JSONResponse(
            out.model_dump(),
            status_code=status,
            headers={"Location": f"{request.url.path}/{out.id}"},
        )

    @api.get("/workspaces/{workspace_id}/feedback/{feedback_id}")
    async def get_feedback(
        workspace_id: WorkspaceId,
        feedback_id: uuid.UUID,
        who: Annotated[Caller, Depends(requires(Access.READ))],
    ) -> dict[str, Any]:
        row = await rt.pool.fetchrow(
            "SELECT feedback_id, workspace_id, text, source, external_id, customer_ref,"
            " received_at, version FROM feedback_inbox"
            " WHERE tenant_id = $1 AND workspace_id = $2 AND feedback_id = $3",
            who.tenant_id,
            workspace_id,
            feedback_id,
        )
        if row is None:
            raise NotFound(f"feedback {feedback_id} not found in workspace {workspace_id}")
        item = dict(row)
        item["feedback_id"] = str(item["feedback_id"])
        item["received_at"] = item["received_at"].isoformat()
        return item

    @api.get("/audit")
    async def audit(
        subject: Annotated[str, Query(min_length=1, max_length=200)],
        who: Annotated[Caller, Depends(requires(Access.READ))],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        entries = await audit_entries(rt.pool, who.tenant_id, subject, limit=limit)
        return {"subject": subject, "entries": entries}

    return api
