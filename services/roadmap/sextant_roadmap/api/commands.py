"""HTTP commands on roadmaps and their items: create, add, change, score, order, schedule."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from sextant_kit.api import step_key
from sextant_kit.authz import Access
from sextant_kit.errors import Forbidden
from sextant_kit.http import IdempotencyKey
from sextant_kit.ids import id_for_key

from sextant_roadmap.api import bodies
from sextant_roadmap.api.common import IfMatch, WorkspaceId
from sextant_roadmap.api.sender import Ctx, Sender, Write
from sextant_roadmap.domain import commands as c
from sextant_roadmap.events import formulas_stream_id


def router(sender: Sender) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["roadmap"])
    send, on = sender.send, sender.on

    @api.post("/roadmaps", status_code=201)
    async def create_roadmap(
        workspace_id: WorkspaceId,
        body: bodies.RoadmapIn,
        request: Request,
        who: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        for other in body.workspaces:
            if not who.may(Access.READ, other):
                raise Forbidden(f"{who.actor} may not read workspace {other}, so cannot span it")
        command = c.CreateRoadmap(
            **on(workspace_id, id_for_key(ctx.tenant_id, idempotency_key), ctx), **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key, status=201)

    @api.patch("/roadmaps/{roadmap_id}")
    async def rename_roadmap(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        body: bodies.RoadmapChangesIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        """Rename the roadmap or change its description; fields left out stay as they are.
        Published versions keep the titles they were published with."""
        command = c.RenameRoadmap(**on(workspace_id, roadmap_id, ctx), **body.model_dump())
        return await send(command, ctx, request, body, idempotency_key, if_match=if_match)

    @api.post("/roadmaps/{roadmap_id}/archive")
    async def archive_roadmap(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        request: Request,
        _: Write,
        ctx: Ctx,
        body: bodies.ArchiveIn | None = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        """Put the roadmap away, with a note if given: it leaves the workspace's list of
        roadmaps (``?archived=true`` lists it) and takes no changes until restored. Its
        published versions stay readable; its delivery trackers' reports are still kept."""
        body = body or bodies.ArchiveIn()
        command = c.ArchiveRoadmap(**on(workspace_id, roadmap_id, ctx), note=body.note)
        return await send(command, ctx, request, body, idempotency_key)

    @api.post("/roadmaps/{roadmap_id}/restore")
    async def restore_roadmap(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        """Bring an archived roadmap back to the list, to be changed again."""
        command = c.RestoreRoadmap(**on(workspace_id, roadmap_id, ctx))
        return await send(command, ctx, request, None, idempotency_key)

    @api.post("/roadmaps/{roadmap_id}/items", status_code=201)
    async def add_item(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        body: bodies.ItemIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        item_id = id_for_key(ctx.tenant_id, idempotency_key)
        command = c.AddItem(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(
            command,
            ctx,
            request,
            body,
            idempotency_key,
            resource_id=str(item_id),
            if_match=if_match,
            status=201,
        )

    @api.post("/roadmaps/{roadmap_id}/items/batch")
    async def add_items(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        body: bodies.ItemsIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        """Up to 1,000 items in one transaction (an import), each optionally scheduled;
        answers the new item ids in order. One bad item refuses the whole batch, naming it."""
        # A batch's n-th item under its key: an id no single add's key can name (a header
        # holds no line break), as "<key>/<n>" could.
        ids = [
            id_for_key(ctx.tenant_id, step_key(idempotency_key, f"item {n}"))
            for n in range(len(body.items))
        ]
        items = [{**i.model_dump(), "item_id": n} for i, n in zip(body.items, ids, strict=True)]
        command = c.AddItems(**on(workspace_id, roadmap_id, ctx), items=items)
        answer = await send(command, ctx, request, body, idempotency_key, if_match=if_match)
        return {**json.loads(bytes(answer.body)), "item_ids": [str(i) for i in ids]}

    @api.patch("/roadmaps/{roadmap_id}/items/{item_id}")
    async def change_item(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.ItemChangesIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        command = c.ChangeItemDetails(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key, if_match=if_match)

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/status")
    async def change_status(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.StatusIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        command = c.ChangeItemStatus(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key, if_match=if_match)

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/scores")
    async def score_item(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.ScoreIn,
        request: Request,
        who: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        state, _ = await sender.formulas.load(formulas_stream_id(who.tenant_id, workspace_id))
        command = c.ScoreItem(
            **on(workspace_id, roadmap_id, ctx),
            item_id=item_id,
            formula=state.expressions.get(body.model),
            **body.model_dump(),
        )
        return await send(command, ctx, request, body, idempotency_key)

    @api.put("/roadmaps/{roadmap_id}/order")
    async def reorder(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        body: bodies.OrderIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        command = c.ReorderItems(**on(workspace_id, roadmap_id, ctx), order=body.order)
        return await send(command, ctx, request, body, idempotency_key, if_match=if_match)

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/schedule")
    async def schedule(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.ScheduleIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        command = c.ScheduleItem(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key, if_match=if_match)

    return api
