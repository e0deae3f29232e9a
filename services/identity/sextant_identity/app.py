"""Creating organisations and workspaces and granting roles: shared by the API and the CLI."""

from __future__ import annotations

from sextant_kit import AppendResult, CommandContext, CommandHandler, EventMetadata
from sextant_kit.application import Idempotency
from sextant_kit.authz import Role
from sextant_kit.service import Runtime
from sextant_kit.telemetry import current_traceparent

from sextant_identity.domain import (
    CreateOrganisation,
    CreateWorkspace,
    GrantRole,
    IdentityCommand,
    IdentityEvent,
    Rename,
    RevokeRole,
    Unit,
    identity_decider,
    organisation_stream,
    workspace_stream,
)
from sextant_identity.events import registry

Handler = CommandHandler[IdentityCommand, IdentityEvent, Unit]


class Identity:
    def __init__(self, rt: Runtime) -> None:
        self._organisations = CommandHandler(
            rt.store, registry, identity_decider, stream_type="organisation"
        )
        self._workspaces = CommandHandler(
            rt.store, registry, identity_decider, stream_type="workspace"
        )

    async def create_organisation(
        self, ctx: CommandContext, name: str, key: Idempotency | None = None
    ) -> AppendResult:
        command = CreateOrganisation(tenant_id=ctx.tenant_id, name=name, at=ctx.now)
        return await self._run(
            self._organisations, organisation_stream(ctx.tenant_id), command, ctx, None, key
        )

    async def create_workspace(
        self, ctx: CommandContext, workspace_id: str, name: str, key: Idempotency | None = None
    ) -> AppendResult:
        organisation, _ = await self._organisations.load(organisation_stream(ctx.tenant_id))
        command = CreateWorkspace(
            tenant_id=ctx.tenant_id,
            workspace_id=workspace_id,
            name=name,
            organisation_exists=organisation.name is not None,
            at=ctx.now,
        )
        return await self._run(
            self._workspaces,
            workspace_stream(ctx.tenant_id, workspace_id),
            command,
            ctx,
            workspace_id,
            key,
        )

    async def rename(
        self,
        ctx: CommandContext,
        workspace_id: str | None,
        name: str,
        key: Idempotency | None = None,
    ) -> AppendResult:
        """The organisation's name (``workspace_id`` None) or a workspace's."""
        return await self._for(ctx, workspace_id, Rename(name=name, at=ctx.now), key)

    async def grant(
        self,
        ctx: CommandContext,
        workspace_id: str | None,
        member: str,
        role: Role,
        key: Idempotency | None = None,
    ) -> AppendResult:
        command = GrantRole(member=member, role=role, at=ctx.now)
        return await self._for(ctx, workspace_id, command, key)

    async def revoke(
        self,
        ctx: CommandContext,
        workspace_id: str | None,
        member: str,
        key: Idempotency | None = None,
    ) -> AppendResult:
        return await self._for(ctx, workspace_id, RevokeRole(member=member, at=ctx.now), key)

    async def _for(
        self,
        ctx: CommandContext,
        workspace_id: str | None,
        command: IdentityCommand,
        key: Idempotency | None,
    ) -> AppendResult:
        if workspace_id is None:
            return await self._run(
                self._organisations, organisation_stream(ctx.tenant_id), command, ctx, None, key
            )
        return await self._run(
            self._workspaces,
            workspace_stream(ctx.tenant_id, workspace_id),
            command,
            ctx,
            workspace_id,
            key,
        )

    async def _run(
        self,
        handler: Handler,
        stream: str,
        command: IdentityCommand,
        ctx: CommandContext,
        workspace_id: str | None,
        key: Idempotency | None,
    ) -> AppendResult:
        metadata = EventMetadata.from_context(
            ctx, workspace_id=workspace_id, traceparent=current_traceparent()
        )
        return await handler.handle(stream, command, metadata, idempotency=key)
