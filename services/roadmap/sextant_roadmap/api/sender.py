"""Runs roadmap commands for the HTTP endpoints: one handler per aggregate type."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from sextant_kit import CommandContext, CommandHandler
from sextant_kit.api import request_idempotency
from sextant_kit.authz import Access, Principal
from sextant_kit.http import Caller, caller, command_context, requires
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_roadmap.api.common import accepted, expected_version, metadata
from sextant_roadmap.domain import commands as c
from sextant_roadmap.domain.events import FormulaEvent, RoadmapEvent
from sextant_roadmap.domain.formulas import Formulas, formulas_decider
from sextant_roadmap.domain.roadmap import roadmap_decider
from sextant_roadmap.domain.state import Roadmap
from sextant_roadmap.events import FORMULAS_STREAM, ROADMAP_STREAM, registry

Write = Annotated[Caller, Depends(requires(Access.WRITE))]
Publish = Annotated[Caller, Depends(requires(Access.PUBLISH))]


class RoadmapContext(CommandContext):
    """A command's context, with where the caller may change a portfolio roadmap's items
    (``OnRoadmap.may_change``)."""

    only_in: frozenset[str] | None = None
    kept_out: frozenset[str] = frozenset()


async def roadmap_context(
    ctx: Annotated[CommandContext, Depends(command_context)],
    who: Annotated[Principal, Depends(caller)],
) -> RoadmapContext:
    return RoadmapContext(
        **ctx.model_dump(),
        only_in=who.workspaces_with(Access.WRITE),
        kept_out=who.withheld(Access.WRITE),
    )


Ctx = Annotated[RoadmapContext, Depends(roadmap_context)]


class Sender:
    def __init__(self, rt: Runtime) -> None:
        self.roadmaps: CommandHandler[c.RoadmapCommand, RoadmapEvent, Roadmap] = CommandHandler(
            rt.store, registry, roadmap_decider, stream_type=ROADMAP_STREAM
        )
        self.formulas: CommandHandler[c.DefineScoringFormula, FormulaEvent, Formulas] = (
            CommandHandler(rt.store, registry, formulas_decider, stream_type=FORMULAS_STREAM)
        )

    @staticmethod
    def on(workspace_id: str, roadmap_id: UUID, ctx: RoadmapContext) -> dict[str, Any]:
        """The fields every roadmap command carries."""
        return {
            "roadmap_id": roadmap_id,
            "tenant_id": ctx.tenant_id,
            "workspace_id": workspace_id,
            "at": ctx.now,
            "only_in": ctx.only_in,
            "kept_out": ctx.kept_out,
        }

    async def send(
        self,
        command: c.RoadmapCommand,
        ctx: CommandContext,
        request: Request,
        body: Body | None,
        key: str | None,
        *,
        resource_id: str | None = None,
        if_match: str | None = None,
        status: int = 200,
    ) -> JSONResponse:
        result = await self.roadmaps.handle(
            str(command.roadmap_id),
            command,
            metadata(ctx, command.workspace_id),
            expected_version=expected_version(if_match),
            idempotency=request_idempotency(key, request, body),
        )
        return accepted(result, resource_id=resource_id or result.stream_id, status=status)
