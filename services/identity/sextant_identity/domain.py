"""Organisations and workspaces, and who holds which role in them.

Tokens carry the roles a caller presents (``sextant_role``, ``sextant_workspaces``); this
context is the organisation's record of which workspaces exist and who was granted what,
by whom and when, so an identity provider (or ``sextant token create``) can issue them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, assert_never

from pydantic import StringConstraints
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound
from sextant_kit.authz import Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Member = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
WorkspaceKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
]


def organisation_stream(tenant_id: str) -> str:
    return f"organisation:{tenant_id}"


def workspace_stream(tenant_id: str, workspace_id: str) -> str:
    return f"workspace:{tenant_id}:{workspace_id}"


class OrganisationCreated(Event):
    event_type = "OrganisationCreated"
    tenant_id: str
    name: str
    created_at: datetime


class WorkspaceCreated(Event):
    event_type = "WorkspaceCreated"
    tenant_id: str
    workspace_id: str
    name: str
    created_at: datetime


class OrganisationRenamed(Event):
    event_type = "OrganisationRenamed"
    tenant_id: str
    name: str
    renamed_at: datetime


class WorkspaceRenamed(Event):
    """Its id stays: it is in every other context's events and paths."""

    event_type = "WorkspaceRenamed"
    tenant_id: str
    workspace_id: str
    name: str
    renamed_at: datetime


class MemberRoleGranted(Event):
    """``workspace_id`` None: an organisation-wide role."""

    event_type = "MemberRoleGranted"
    audit_part = ("member",)
    tenant_id: str
    workspace_id: str | None = None
    member: str
    role: Role
    granted_at: datetime


class MemberRoleRevoked(Event):
    event_type = "MemberRoleRevoked"
    audit_part = ("member",)
    audit_clears = ("role", "granted_at")
    tenant_id: str
    workspace_id: str | None = None
    member: str
    revoked_at: datetime


IdentityEvent = (
    OrganisationCreated
    | WorkspaceCreated
    | OrganisationRenamed
    | WorkspaceRenamed
    | MemberRoleGranted
    | MemberRoleRevoked
)


class CreateOrganisation(Command):
    tenant_id: str
    name: Name
    at: datetime


class CreateWorkspace(Command):
    tenant_id: str
    workspace_id: WorkspaceKey
    name: Name
    organisation_exists: bool
    at: datetime


class Rename(Command):
    """The organisation's or a workspace's name (a workspace keeps its id)."""

    name: Name
    at: datetime


class GrantRole(Command):
    member: Member
    role: Role
    at: datetime


class RevokeRole(Command):
    member: Member
    at: datetime


IdentityCommand = CreateOrganisation | CreateWorkspace | Rename | GrantRole | RevokeRole


@dataclass(frozen=True, slots=True)
class Unit:
    """An organisation or a workspace: both have a name and members with roles."""

    tenant_id: str | None = None
    workspace_id: str | None = None
    name: str | None = None
    roles: dict[str, Role] = field(default_factory=dict)


def evolve(state: Unit, event: IdentityEvent) -> Unit:
    match event:
        case OrganisationCreated():
            return Unit(tenant_id=event.tenant_id, name=event.name)
        case WorkspaceCreated():
            return Unit(tenant_id=event.tenant_id, workspace_id=event.workspace_id, name=event.name)
        case OrganisationRenamed() | WorkspaceRenamed():
            return replace(state, name=event.name)
        case MemberRoleGranted():
            return replace(state, roles={**state.roles, event.member: event.role})
        case MemberRoleRevoked():
            return replace(state, roles={k: v for k, v in state.roles.items() if k != event.member})
        case _:
            assert_never(event)


def decide(command: IdentityCommand, state: Unit) -> list[IdentityEvent]:
    match command:
        case CreateOrganisation():
            if state.name is not None:
                return _same_name(state, command.name, "organisation")
            return [
                OrganisationCreated(
                    tenant_id=command.tenant_id, name=command.name, created_at=command.at
                )
            ]
        case CreateWorkspace():
            if not command.organisation_exists:
                raise NotFound("create the organisation before its workspaces")
            if state.name is not None:
                return _same_name(state, command.name, f"workspace {command.workspace_id}")
            return [
                WorkspaceCreated(
                    tenant_id=command.tenant_id,
                    workspace_id=command.workspace_id,
                    name=command.name,
                    created_at=command.at,
                )
            ]
        case Rename():
            tenant = _existing(state)
            if state.name == command.name:
                return []
            if state.workspace_id is None:
                return [
                    OrganisationRenamed(tenant_id=tenant, name=command.name, renamed_at=command.at)
                ]
            return [
                WorkspaceRenamed(
                    tenant_id=tenant,
                    workspace_id=state.workspace_id,
                    name=command.name,
                    renamed_at=command.at,
                )
            ]
        case GrantRole():
            tenant = _existing(state)
            if state.roles.get(command.member) == command.role:
                return []
            return [
                MemberRoleGranted(
                    tenant_id=tenant,
                    workspace_id=state.workspace_id,
                    member=command.member,
                    role=command.role,
                    granted_at=command.at,
                )
            ]
        case RevokeRole():
            tenant = _existing(state)
            if command.member not in state.roles:
                raise DomainError(f"{command.member} holds no role here", field="member")
            return [
                MemberRoleRevoked(
                    tenant_id=tenant,
                    workspace_id=state.workspace_id,
                    member=command.member,
                    revoked_at=command.at,
                )
            ]
        case _:
            assert_never(command)


def _same_name(state: Unit, name: str, what: str) -> list[IdentityEvent]:
    if state.name == name:
        return []  # creating it again with the same name: already done
    raise Conflict(f"{what} already exists as {state.name!r}", code="already-exists")


def _existing(state: Unit) -> str:
    if state.tenant_id is None:
        raise NotFound("no such organisation or workspace")
    return state.tenant_id


identity_decider: Decider[IdentityCommand, IdentityEvent, Unit] = Decider(Unit, decide, evolve)
