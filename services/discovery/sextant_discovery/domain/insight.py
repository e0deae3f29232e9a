"""Market insights: research findings with their source and evidence links."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Conflict, Decider, Event, NotFound

from sextant_discovery.domain.common import Name, ShortText, Tag, Text, Title, Url, fields_of


class InsightRecorded(Event):
    event_type = "InsightRecorded"
    insight_id: UUID
    workspace_id: str
    title: str
    market: str
    segment: str | None
    source: str
    summary: str
    evidence_links: tuple[str, ...]
    tags: tuple[str, ...]
    recorded_by: str
    recorded_at: datetime


class InsightRevised(Event):
    """The finding as it now reads: its wording, market, segment, source and evidence
    (every field as it now stands; its tags are their own events')."""

    event_type = "InsightRevised"
    insight_id: UUID
    title: str
    market: str
    segment: str | None
    source: str
    summary: str
    evidence_links: tuple[str, ...]
    revised_by: str
    revised_at: datetime


class InsightTagged(Event):
    event_type = "InsightTagged"
    insight_id: UUID
    tags: tuple[str, ...]
    tagged_at: datetime


class InsightRetired(Event):
    event_type = "InsightRetired"
    insight_id: UUID
    reason: str
    retired_at: datetime


class InsightReinstated(Event):
    """A retired insight current again (retired by mistake, or borne out after all)."""

    event_type = "InsightReinstated"
    insight_id: UUID
    reason: str
    reinstated_by: str
    reinstated_at: datetime


InsightEvent = InsightRecorded | InsightRevised | InsightTagged | InsightRetired | InsightReinstated


class _Finding(Command):
    """What an insight says, as a command states it, recorded or revised."""

    insight_id: UUID
    title: Title
    market: Name
    segment: Name | None = None
    source: ShortText
    summary: Text
    evidence_links: Annotated[tuple[Url, ...], Field(max_length=50)] = ()
    now: datetime


class RecordInsight(_Finding):
    kind: Literal["record"] = "record"
    workspace_id: str
    tags: Annotated[tuple[Tag, ...], Field(max_length=30)] = ()
    recorded_by: str


class ReviseInsight(_Finding):
    kind: Literal["revise"] = "revise"
    actor: str


class TagInsight(Command):
    """Replace the insight's tags with these (an empty set clears them)."""

    kind: Literal["tag"] = "tag"
    insight_id: UUID
    tags: Annotated[tuple[Tag, ...], Field(max_length=30)]
    now: datetime


class RetireInsight(Command):
    kind: Literal["retire"] = "retire"
    insight_id: UUID
    reason: ShortText
    now: datetime


class ReinstateInsight(Command):
    kind: Literal["reinstate"] = "reinstate"
    insight_id: UUID
    reason: ShortText
    actor: str
    now: datetime


InsightCommand = RecordInsight | ReviseInsight | TagInsight | RetireInsight | ReinstateInsight


@dataclass(frozen=True, slots=True)
class Insight:
    workspace_id: str | None = None
    tags: tuple[str, ...] = ()
    retired: bool = False
    finding: dict[str, Any] | None = None
    """What it says, as it now stands (``_FINDING``)."""

    @property
    def exists(self) -> bool:
        return self.workspace_id is not None


def initial_state() -> Insight:
    return Insight()


def evolve(state: Insight, event: InsightEvent) -> Insight:
    match event:
        case InsightRecorded():
            return Insight(
                workspace_id=event.workspace_id, tags=event.tags, finding=fields_of(event, _FINDING)
            )
        case InsightRevised():
            return replace(state, finding=fields_of(event, _FINDING))
        case InsightTagged():
            return replace(state, tags=event.tags)
        case InsightRetired():
            return replace(state, retired=True)
        case InsightReinstated():
            return replace(state, retired=False)
        case _:
            assert_never(event)


_FINDING = ("title", "market", "segment", "source", "summary", "evidence_links")
"""What recording an insight says of it and revising it may change."""


def _current(state: Insight, insight_id: UUID) -> None:
    """The insight exists and is not retired."""
    if not state.exists:
        raise NotFound(f"insight {insight_id} does not exist")
    if state.retired:
        raise Conflict(
            f"insight {insight_id} is retired; reinstate it to change it, or record a new one",
            code="insight-retired",
        )


def _unique(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(tags)))


def decide(command: InsightCommand, state: Insight) -> list[InsightEvent]:
    match command:
        case RecordInsight():
            if state.exists:
                raise Conflict(f"insight {command.insight_id} is already recorded")
            return [
                InsightRecorded(
                    **command.model_dump(exclude={"kind", "now", "tags", "evidence_links"}),
                    evidence_links=command.evidence_links,
                    tags=_unique(command.tags),
                    recorded_at=command.now,
                )
            ]
        case ReviseInsight():
            _current(state, command.insight_id)
            finding = fields_of(command, _FINDING)
            if finding == state.finding:
                return []
            return [
                InsightRevised(
                    insight_id=command.insight_id,
                    **finding,
                    revised_by=command.actor,
                    revised_at=command.now,
                )
            ]
        case TagInsight():
            _current(state, command.insight_id)
            tags = _unique(command.tags)
            if tags == state.tags:
                return []
            return [InsightTagged(insight_id=command.insight_id, tags=tags, tagged_at=command.now)]
        case RetireInsight():
            if not state.exists:
                raise NotFound(f"insight {command.insight_id} does not exist")
            if state.retired:
                return []
            return [
                InsightRetired(
                    insight_id=command.insight_id, reason=command.reason, retired_at=command.now
                )
            ]
        case ReinstateInsight():
            if not state.exists:
                raise NotFound(f"insight {command.insight_id} does not exist")
            if not state.retired:
                return []
            return [
                InsightReinstated(
                    insight_id=command.insight_id,
                    reason=command.reason,
                    reinstated_by=command.actor,
                    reinstated_at=command.now,
                )
            ]
        case _:
            assert_never(command)


insight_decider: Decider[InsightCommand, InsightEvent, Insight] = Decider(
    initial_state, decide, evolve
)
