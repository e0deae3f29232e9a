"""Personas: every revision is an event with its own version number, so any past version
can be read back."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, assert_never
from uuid import UUID

from pydantic import ConfigDict
from sextant_kit import Command, Conflict, Decider, Event, NotFound
from sextant_kit.inputs import Body

from sextant_discovery.domain.common import Items, Name, ShortText, Text


class PersonaProfile(Body):
    """What a persona version says: who they are and what they want."""

    model_config = ConfigDict(frozen=True)
    name: Name
    description: Text | None = None
    segment: Name | None = None
    goals: Items = ()
    pains: Items = ()
    jobs_to_be_done: Items = ()


class PersonaCreated(Event):
    event_type = "PersonaCreated"
    persona_id: UUID
    workspace_id: str
    version: int
    profile: PersonaProfile
    created_by: str
    created_at: datetime


class PersonaRevised(Event):
    event_type = "PersonaRevised"
    persona_id: UUID
    version: int
    profile: PersonaProfile
    note: str | None
    revised_by: str
    revised_at: datetime


class PersonaArchived(Event):
    event_type = "PersonaArchived"
    persona_id: UUID
    archived_at: datetime


class PersonaRestored(Event):
    """An archived persona current again, its versions as they were."""

    event_type = "PersonaRestored"
    persona_id: UUID
    restored_by: str
    restored_at: datetime


PersonaEvent = PersonaCreated | PersonaRevised | PersonaArchived | PersonaRestored


class CreatePersona(Command):
    kind: Literal["create"] = "create"
    persona_id: UUID
    workspace_id: str
    profile: PersonaProfile
    actor: str
    now: datetime


class RevisePersona(Command):
    kind: Literal["revise"] = "revise"
    persona_id: UUID
    profile: PersonaProfile
    note: ShortText | None = None
    actor: str
    now: datetime


class ArchivePersona(Command):
    kind: Literal["archive"] = "archive"
    persona_id: UUID
    now: datetime


class RestorePersona(Command):
    kind: Literal["restore"] = "restore"
    persona_id: UUID
    actor: str
    now: datetime


PersonaCommand = CreatePersona | RevisePersona | ArchivePersona | RestorePersona


@dataclass(frozen=True, slots=True)
class Persona:
    workspace_id: str | None = None
    version: int = 0
    profile: PersonaProfile | None = None
    archived: bool = False

    @property
    def exists(self) -> bool:
        return self.workspace_id is not None


def initial_state() -> Persona:
    return Persona()


def evolve(state: Persona, event: PersonaEvent) -> Persona:
    match event:
        case PersonaCreated():
            return Persona(workspace_id=event.workspace_id, version=1, profile=event.profile)
        case PersonaRevised():
            return replace(state, version=event.version, profile=event.profile)
        case PersonaArchived():
            return replace(state, archived=True)
        case PersonaRestored():
            return replace(state, archived=False)
        case _:
            assert_never(event)


def decide(command: PersonaCommand, state: Persona) -> list[PersonaEvent]:
    match command:
        case CreatePersona():
            if state.exists:
                raise Conflict(f"persona {command.persona_id} already exists")
            return [
                PersonaCreated(
                    persona_id=command.persona_id,
                    workspace_id=command.workspace_id,
                    version=1,
                    profile=command.profile,
                    created_by=command.actor,
                    created_at=command.now,
                )
            ]
        case RevisePersona():
            if not state.exists:
                raise NotFound(f"persona {command.persona_id} does not exist")
            if state.archived:
                raise Conflict(
                    f"persona {command.persona_id} is archived; restore it to revise it",
                    code="persona-archived",
                )
            if command.profile == state.profile:
                return []
            return [
                PersonaRevised(
                    persona_id=command.persona_id,
                    version=state.version + 1,
                    profile=command.profile,
                    note=command.note,
                    revised_by=command.actor,
                    revised_at=command.now,
                )
            ]
        case ArchivePersona():
            if not state.exists:
                raise NotFound(f"persona {command.persona_id} does not exist")
            if state.archived:
                return []
            return [PersonaArchived(persona_id=command.persona_id, archived_at=command.now)]
        case RestorePersona():
            if not state.exists:
                raise NotFound(f"persona {command.persona_id} does not exist")
            if not state.archived:
                return []
            return [
                PersonaRestored(
                    persona_id=command.persona_id,
                    restored_by=command.actor,
                    restored_at=command.now,
                )
            ]
        case _:
            assert_never(command)


persona_decider: Decider[PersonaCommand, PersonaEvent, Persona] = Decider(
    initial_state, decide, evolve
)
