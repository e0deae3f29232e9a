"""HTTP commands that reach beyond one item: dependencies, versions, delivery, formulas."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from sextant_kit import NotFound
from sextant_kit.api import request_idempotency
from sextant_kit.authz import Access, Principal
from sextant_kit.errors import Forbidden
from sextant_kit.http import IdempotencyKey
from sextant_kit.service import Runtime

from sextant_roadmap.api import bodies
from sextant_roadmap.api.common import IfMatch, WorkspaceId, accepted, metadata
from sextant_roadmap.api.sender import Ctx, Publish, RoadmapContext, Sender, Write
from sextant_roadmap.domain import commands as c
from sextant_roadmap.domain.commands import DependencyEdge
from sextant_roadmap.events import formulas_stream_id

_DEPENDENCIES_LOCK = "SELECT pg_advisory_lock(hashtextextended('roadmap dependencies ' || $1, 0))"
_DEPENDENCIES_UNLOCK = (
    "SELECT pg_advisory_unlock(hashtextextended('roadmap dependencies ' || $1, 0))"
)
"""An organisation's dependencies are added one at a time: a cycle may close through
several roadmaps, each its own stream, so no one stream's version check sees two added at
once on different roadmaps."""


def router(rt: Runtime, sender: Sender) -> APIRouter:
    api = APIRouter(prefix="/v1/workspaces/{workspace_id}", tags=["roadmap"])
    send, on = sender.send, sender.on

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/dependencies", status_code=201)
    async def add_dependency(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.DependencyIn,
        request: Request,
        who: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        async with rt.pool.acquire() as lock:
            await lock.execute(_DEPENDENCIES_LOCK, who.tenant_id)
            try:
                return await add(
                    workspace_id, roadmap_id, item_id, body, request, who, ctx, idempotency_key
                )
            finally:
                await lock.execute(_DEPENDENCIES_UNLOCK, who.tenant_id)

    async def reachable(roadmap_id: UUID, item_id: UUID) -> list[DependencyEdge]:
        """The dependencies reachable from an item, across roadmaps, read from their
        streams (the read model may be a moment behind the one added just before)."""
        edges: list[DependencyEdge] = []
        seen: set[UUID] = set()
        states: dict[UUID, Any] = {}
        todo = [(roadmap_id, item_id)]
        while todo:
            rid, iid = todo.pop()
            if iid in seen:
                continue
            seen.add(iid)
            if rid not in states:
                states[rid], _ = await sender.roadmaps.load(str(rid))
            item = states[rid].items.get(iid)
            for depends_on, on_roadmap in (item.depends_on if item else {}).items():
                edges.append(DependencyEdge(item_id=iid, depends_on=depends_on))
                todo.append((on_roadmap, depends_on))
        return edges

    async def add(
        workspace_id: str,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.DependencyIn,
        request: Request,
        who: Principal,
        ctx: RoadmapContext,
        idempotency_key: str | None,
    ) -> Any:
        target_roadmap = body.depends_on_roadmap_id or roadmap_id
        target_workspace, exists = workspace_id, True
        graph = await reachable(target_roadmap, body.depends_on_item_id)
        if target_roadmap != roadmap_id:
            other, version = await sender.roadmaps.load(str(target_roadmap))
            if version == 0 or other.tenant_id != who.tenant_id:
                raise NotFound(f"roadmap {target_roadmap} does not exist")
            if not who.may(Access.READ, other.workspace_id):
                raise Forbidden(f"{who.actor} may not read workspace {other.workspace_id}")
            target_workspace = other.workspace_id
            exists = body.depends_on_item_id in other.items
        nodes = list({e.item_id for e in graph} | {e.depends_on for e in graph})
        titles = {
            r["item_id"]: r["title"]
            for r in await rt.reads.fetch(
                "SELECT item_id, title, coalesce(item_workspace_id, workspace_id) AS workspace_id"
                " FROM roadmap_items"
                " WHERE tenant_id = $1 AND item_id = ANY($2::uuid[])",
                who.tenant_id,
                nodes,
            )
            if who.may(Access.READ, r["workspace_id"])
        }
        command = c.AddDependency(
            **on(workspace_id, roadmap_id, ctx),
            item_id=item_id,
            depends_on_roadmap_id=target_roadmap,
            depends_on_item_id=body.depends_on_item_id,
            depends_on_workspace_id=target_workspace,
            depends_on_exists=exists,
            graph=graph,
            titles=titles,
        )
        return await send(command, ctx, request, body, idempotency_key, status=201)

    @api.delete("/roadmaps/{roadmap_id}/items/{item_id}/dependencies/{depends_on_item_id}")
    async def remove_dependency(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        depends_on_item_id: UUID,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        command = c.RemoveDependency(
            **on(workspace_id, roadmap_id, ctx),
            item_id=item_id,
            depends_on_item_id=depends_on_item_id,
        )
        return await send(command, ctx, request, None, idempotency_key)

    @api.post("/roadmaps/{roadmap_id}/versions", status_code=201)
    async def publish(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        body: bodies.PublishIn,
        request: Request,
        _: Publish,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Any:
        command = c.PublishVersion(**on(workspace_id, roadmap_id, ctx), **body.model_dump())
        return await send(
            command, ctx, request, body, idempotency_key, if_match=if_match, status=201
        )

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/commit")
    async def commit(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.CommitIn,
        request: Request,
        _: Publish,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        command = c.CommitToDelivery(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key)

    @api.post("/roadmaps/{roadmap_id}/items/{item_id}/delivery-status")
    async def delivery_status(
        workspace_id: WorkspaceId,
        roadmap_id: UUID,
        item_id: UUID,
        body: bodies.DeliveryStatusIn,
        request: Request,
        _: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        """The tracker's status of a committed item; ``in_progress`` also moves a planned
        item to in progress. A ``done`` ticket does not release it: that is the PM's call."""
        command = c.RecordDeliveryStatus(
            **on(workspace_id, roadmap_id, ctx), item_id=item_id, **body.model_dump()
        )
        return await send(command, ctx, request, body, idempotency_key)

    @api.put("/scoring-formulas/{name}")
    async def define_formula(
        workspace_id: WorkspaceId,
        name: str,
        body: bodies.FormulaIn,
        request: Request,
        who: Write,
        ctx: Ctx,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        """Define the formula ``name`` (201, ``created: true``) or revise it (200)."""
        command = c.DefineScoringFormula.model_validate(
            {"workspace_id": workspace_id, "name": name, "at": ctx.now, **body.model_dump()}
        )
        stream = formulas_stream_id(who.tenant_id, workspace_id)
        known, _ = await sender.formulas.load(stream)
        result = await sender.formulas.handle(
            stream,
            command,
            metadata(ctx, workspace_id),
            idempotency=request_idempotency(idempotency_key, request, body),
        )
        created = name not in known.revisions
        if result.replayed and result.positions:  # a repeat: what the first time recorded
            [first] = await rt.store.read_positions(result.positions[0], result.positions[0])
            created = first.payload.get("revision") == 1
        return accepted(result, resource_id=name, status=201 if created else 200)

    return api
