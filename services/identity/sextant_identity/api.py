"""HTTP for organisations, workspaces and memberships."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sextant_kit import CommandContext, NotFound
from sextant_kit.api import (
    TEXT,
    Cursor,
    Limit,
    WorkspaceId,
    answer,
    decode_cursor,
    jsonable,
    page,
    request_idempotency,
)
from sextant_kit.authz import Access, Role
from sextant_kit.http import (
    Caller,
    IdempotencyKey,
    command_context,
    requires,
    requires_somewhere,
)
from sextant_kit.inputs import Body
from sextant_kit.service import Runtime

from sextant_identity.app import Identity
from sextant_identity.domain import Member, Name, WorkspaceKey

Admin = Annotated[Caller, Depends(requires(Access.ADMINISTER))]
Search = Annotated[str | None, Query(min_length=1, max_length=200)]
Reader = Annotated[Caller, Depends(requires(Access.READ))]
Stakeholder = Annotated[Caller, Depends(requires(Access.READ_PUBLISHED))]
StakeholderSomewhere = Annotated[Caller, Depends(requires_somewhere(Access.READ_PUBLISHED))]
Context = Annotated[CommandContext, Depends(command_context)]
# The rest of the path: a member's name may hold a '/' (an identity provider's subject),
# which reaches the route decoded whether or not the caller escaped it.
MemberPath = Annotated[str, Path(min_length=1, max_length=200)]


class OrganisationIn(Body):
    name: Name


class WorkspaceIn(Body):
    workspace_id: WorkspaceKey
    name: Name


class NameIn(Body):
    name: Name


class GrantIn(Body):
    member: Member
    role: Role


def routers(rt: Runtime) -> list[APIRouter]:
    api = APIRouter(prefix="/v1", tags=["identity"])
    identity = Identity(rt)

    def ok(result: Any, *, create: bool = False, location: str | None = None) -> JSONResponse:
        return answer(result, context="identity", create=create, location=location)

    @api.post("/organisation", status_code=201)
    async def create_organisation(
        body: OrganisationIn, request: Request, _: Admin, ctx: Context, key: IdempotencyKey = None
    ) -> JSONResponse:
        """The caller's organisation (the tenant its token names)."""
        keyed = request_idempotency(key, request, body)
        return ok(await identity.create_organisation(ctx, body.name, keyed), create=True)

    @api.patch("/organisation")
    async def rename_organisation(
        body: NameIn, request: Request, _: Admin, ctx: Context, key: IdempotencyKey = None
    ) -> JSONResponse:
        """The organisation's name."""
        keyed = request_idempotency(key, request, body)
        return ok(await identity.rename(ctx, None, body.name, keyed))

    @api.get("/organisation")
    async def organisation(who: Reader) -> dict[str, Any]:
        row = await rt.reads.fetchrow(
            "SELECT tenant_id, name, created_at FROM organisations WHERE tenant_id = $1",
            who.tenant_id,
        )
        if row is None:
            raise NotFound("this organisation has not been set up yet")
        return jsonable(row)

    async def members_of(
        tenant: str, workspace_key: str, q: str | None, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        after = decode_cursor(cursor, TEXT)
        rows = await rt.reads.fetch(
            "SELECT member, role, granted_at FROM memberships"
            " WHERE tenant_id = $1 AND workspace_key = $2 AND ($3::text IS NULL OR member > $3)"
            " AND ($5::text IS NULL OR member ILIKE $5)"
            " ORDER BY member LIMIT $4",
            tenant,
            workspace_key,
            after[0] if after else None,
            limit + 1,
            _containing(q),
        )
        return page([jsonable(r) for r in rows], limit, "member")

    @api.post("/organisation/members", status_code=200)
    async def grant_organisation_role(
        body: GrantIn, request: Request, _: Admin, ctx: Context, key: IdempotencyKey = None
    ) -> JSONResponse:
        """An organisation-wide role: it applies in every workspace."""
        keyed = request_idempotency(key, request, body)
        return ok(await identity.grant(ctx, None, body.member, body.role, keyed))

    @api.get("/organisation/members")
    async def organisation_members(
        who: Reader, q: Search = None, cursor: Cursor = None, limit: Limit = 50
    ) -> dict[str, Any]:
        """Who holds an organisation-wide role, by name (cursor paged); ``q``, those whose
        name holds it (any case)."""
        return await members_of(who.tenant_id, "", q, cursor, limit)

    @api.delete("/organisation/members/{member:path}")
    async def revoke_organisation_role(
        member: MemberPath, request: Request, _: Admin, ctx: Context, key: IdempotencyKey = None
    ) -> JSONResponse:
        """Take an organisation-wide role back (a workspace's own roles stay)."""
        keyed = request_idempotency(key, request, None)
        return ok(await identity.revoke(ctx, None, member, keyed))

    @api.post("/workspaces", status_code=201)
    async def create_workspace(
        body: WorkspaceIn, request: Request, _: Admin, ctx: Context, key: IdempotencyKey = None
    ) -> JSONResponse:
        keyed = request_idempotency(key, request, body)
        result = await identity.create_workspace(ctx, body.workspace_id, body.name, keyed)
        return ok(result, create=True, location=f"/v1/workspaces/{body.workspace_id}")

    @api.get("/workspaces")
    async def workspaces(
        who: StakeholderSomewhere,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The workspaces the caller sees published roadmaps in, by name (cursor paged):
        every workspace of the organisation for an organisation-wide role, a team member's
        own otherwise; ``q``, those whose id or name holds it (any case). Names only, so a
        stakeholder finds the roadmaps published to them; members need ``read``."""
        after = decode_cursor(cursor, TEXT, TEXT)
        kept = who.workspaces_with(Access.READ_PUBLISHED)
        rows = await rt.reads.fetch(
            "SELECT workspace_id, name, created_at FROM workspaces WHERE tenant_id = $1"
            " AND ($2::text IS NULL OR (name, workspace_id) > ($2::text, $6::text))"
            " AND ($3::text[] IS NULL OR workspace_id = ANY($3::text[]))"
            " AND ($5::text IS NULL OR workspace_id ILIKE $5 OR name ILIKE $5)"
            " ORDER BY name, workspace_id LIMIT $4",
            who.tenant_id,
            after[0] if after else None,
            None if kept is None else sorted(kept),
            limit + 1,
            _containing(q),
            after[1] if after else None,
        )
        return page([jsonable(r) for r in rows], limit, "name", "workspace_id")

    @api.get("/workspaces/{workspace_id}")
    async def workspace(workspace_id: WorkspaceId, who: Stakeholder) -> dict[str, Any]:
        """One workspace: its id, name and when it was added."""
        row = await rt.reads.fetchrow(
            "SELECT workspace_id, name, created_at FROM workspaces"
            " WHERE tenant_id = $1 AND workspace_id = $2",
            who.tenant_id,
            workspace_id,
        )
        if row is None:
            raise NotFound(f"workspace {workspace_id} not found")
        return jsonable(row)

    @api.patch("/workspaces/{workspace_id}")
    async def rename_workspace(
        workspace_id: WorkspaceId,
        body: NameIn,
        request: Request,
        _: Admin,
        ctx: Context,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        """The workspace's name; its id stays (every context's events and paths name it)."""
        keyed = request_idempotency(key, request, body)
        return ok(await identity.rename(ctx, workspace_id, body.name, keyed))

    @api.post("/workspaces/{workspace_id}/members")
    async def grant(
        workspace_id: WorkspaceId,
        body: GrantIn,
        request: Request,
        _: Admin,
        ctx: Context,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        keyed = request_idempotency(key, request, body)
        return ok(await identity.grant(ctx, workspace_id, body.member, body.role, keyed))

    @api.delete("/workspaces/{workspace_id}/members/{member:path}")
    async def revoke(
        workspace_id: WorkspaceId,
        member: MemberPath,
        request: Request,
        _: Admin,
        ctx: Context,
        key: IdempotencyKey = None,
    ) -> JSONResponse:
        keyed = request_idempotency(key, request, None)
        return ok(await identity.revoke(ctx, workspace_id, member, keyed))

    @api.get("/workspaces/{workspace_id}/members")
    async def members(
        workspace_id: WorkspaceId,
        who: Reader,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The workspace's members and their roles, by name (cursor paged); ``q``, those
        whose name holds it (any case). Organisation-wide roles are at
        ``/v1/organisation/members``."""
        return await members_of(who.tenant_id, workspace_id, q, cursor, limit)

    return [api]


def _containing(text: str | None) -> str | None:
    """A LIKE pattern for what holds ``text``, its wildcards (and the escape) taken as
    themselves; None for no ``text``."""
    if text is None:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
