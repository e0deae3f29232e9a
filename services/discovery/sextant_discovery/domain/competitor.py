"""Competitors: a profile, feature-comparison entries and their status over time."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, assert_never
from uuid import UUID

from pydantic import ConfigDict
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound
from sextant_kit.inputs import Body

from sextant_discovery.domain.common import Items, Name, ShortText, Text


class CompetitorStatus(StrEnum):
    ACTIVE = "active"
    WATCHING = "watching"
    DECLINING = "declining"
    ACQUIRED = "acquired"
    DEFUNCT = "defunct"


class Coverage(StrEnum):
    """How well a product covers a feature, ours or theirs."""

    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"
    BETTER = "better"


class CompetitorProfile(Body):
    model_config = ConfigDict(frozen=True)
    name: Name
    website: ShortText | None = None
    positioning: Text | None = None
    pricing_notes: Text | None = None
    strengths: Items = ()
    weaknesses: Items = ()


class CompetitorProfiled(Event):
    """The first profile or a later revision of it (``revision`` counts from 1)."""

    event_type = "CompetitorProfiled"
    competitor_id: UUID
    workspace_id: str
    revision: int
    profile: CompetitorProfile
    profiled_at: datetime


class FeatureCompared(Event):
    event_type = "FeatureCompared"
    audit_part = ("feature",)
    competitor_id: UUID
    feature: str
    theirs: Coverage
    ours: Coverage
    note: str | None
    compared_at: datetime


class CompetitorStatusChanged(Event):
    event_type = "CompetitorStatusChanged"
    competitor_id: UUID
    status: CompetitorStatus
    previous: CompetitorStatus
    reason: str | None
    changed_at: datetime


CompetitorEvent = CompetitorProfiled | FeatureCompared | CompetitorStatusChanged


class ProfileCompetitor(Command):
    kind: Literal["profile"] = "profile"
    competitor_id: UUID
    workspace_id: str
    profile: CompetitorProfile
    now: datetime


class CompareFeature(Command):
    kind: Literal["compare"] = "compare"
    competitor_id: UUID
    feature: Name
    theirs: Coverage
    ours: Coverage
    note: ShortText | None = None
    now: datetime


class ChangeCompetitorStatus(Command):
    kind: Literal["status"] = "status"
    competitor_id: UUID
    status: CompetitorStatus
    reason: ShortText | None = None
    now: datetime


CompetitorCommand = ProfileCompetitor | CompareFeature | ChangeCompetitorStatus


@dataclass(frozen=True, slots=True)
class Competitor:
    workspace_id: str | None = None
    revision: int = 0
    profile: CompetitorProfile | None = None
    status: CompetitorStatus = CompetitorStatus.ACTIVE

    @property
    def exists(self) -> bool:
        return self.workspace_id is not None


def initial_state() -> Competitor:
    return Competitor()


def evolve(state: Competitor, event: CompetitorEvent) -> Competitor:
    match event:
        case CompetitorProfiled():
            return replace(
                state,
                workspace_id=event.workspace_id,
                revision=event.revision,
                profile=event.profile,
            )
        case FeatureCompared():
            return state
        case CompetitorStatusChanged():
            return replace(state, status=event.status)
        case _:
            assert_never(event)


def _require(state: Competitor, competitor_id: UUID) -> None:
    if not state.exists:
        raise NotFound(f"competitor {competitor_id} does not exist; profile it first")


def decide(command: CompetitorCommand, state: Competitor) -> list[CompetitorEvent]:
    match command:
        case ProfileCompetitor():
            if state.exists and state.workspace_id != command.workspace_id:
                raise Conflict(f"competitor {command.competitor_id} belongs to another workspace")
            if command.profile == state.profile:
                return []
            return [
                CompetitorProfiled(
                    competitor_id=command.competitor_id,
                    workspace_id=command.workspace_id,
                    revision=state.revision + 1,
                    profile=command.profile,
                    profiled_at=command.now,
                )
            ]
        case CompareFeature():
            _require(state, command.competitor_id)
            return [
                FeatureCompared(
                    **command.model_dump(exclude={"kind", "now"}), compared_at=command.now
                )
            ]
        case ChangeCompetitorStatus():
            _require(state, command.competitor_id)
            if command.status == state.status:
                return []
            if state.status == CompetitorStatus.DEFUNCT:
                raise DomainError(
                    f"competitor {command.competitor_id} is defunct; its status cannot change",
                    field="status",
                )
            return [
                CompetitorStatusChanged(
                    competitor_id=command.competitor_id,
                    status=command.status,
                    previous=state.status,
                    reason=command.reason,
                    changed_at=command.now,
                )
            ]
        case _:
            assert_never(command)


competitor_decider: Decider[CompetitorCommand, CompetitorEvent, Competitor] = Decider(
    initial_state, decide, evolve
)
