"""The directory: organisations, workspaces and memberships as they stand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, cast

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection
from sextant_kit.registry import parse_ce_type

from sextant_identity.domain import (
    IdentityEvent,
    MemberRoleGranted,
    MemberRoleRevoked,
    OrganisationCreated,
    OrganisationRenamed,
    WorkspaceCreated,
    WorkspaceRenamed,
)
from sextant_identity.events import registry


class Directory:
    name = "identity_directory"
    tables: Sequence[str] = ("organisations", "workspaces", "memberships")
    topics: Sequence[str] = (registry.topic,)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        _, name, version = parse_ce_type(event.type)
        fact = cast(IdentityEvent, registry.decode(name, version, event.data))
        match fact:
            case OrganisationCreated():
                await conn.execute(
                    "INSERT INTO organisations (tenant_id, name, created_at) VALUES ($1, $2, $3)"
                    " ON CONFLICT DO NOTHING",
                    fact.tenant_id,
                    fact.name,
                    fact.created_at,
                )
            case WorkspaceCreated():
                await conn.execute(
                    "INSERT INTO workspaces (tenant_id, workspace_id, name, created_at)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    fact.tenant_id,
                    fact.workspace_id,
                    fact.name,
                    fact.created_at,
                )
            case OrganisationRenamed():
                await conn.execute(
                    "UPDATE organisations SET name = $2 WHERE tenant_id = $1",
                    fact.tenant_id,
                    fact.name,
                )
            case WorkspaceRenamed():
                await conn.execute(
                    "UPDATE workspaces SET name = $3 WHERE tenant_id = $1 AND workspace_id = $2",
                    fact.tenant_id,
                    fact.workspace_id,
                    fact.name,
                )
            case MemberRoleGranted():
                await conn.execute(
                    "INSERT INTO memberships (tenant_id, workspace_key, member, role, granted_at)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, workspace_key, member)"
                    " DO UPDATE SET role = excluded.role, granted_at = excluded.granted_at",
                    fact.tenant_id,
                    fact.workspace_id or "",
                    fact.member,
                    fact.role.value,
                    fact.granted_at,
                )
            case MemberRoleRevoked():
                await conn.execute(
                    "DELETE FROM memberships WHERE tenant_id = $1 AND workspace_key = $2"
                    " AND member = $3",
                    fact.tenant_id,
                    fact.workspace_id or "",
                    fact.member,
                )
            case _:
                assert_never(fact)
