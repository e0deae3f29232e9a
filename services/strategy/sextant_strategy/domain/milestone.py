"""Preliminary timeline milestones: planned for a date, restated, moved with a reason,
reached."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, assert_never
from uuid import UUID

from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound

from sextant_strategy.domain.common import (
    Actor,
    ClearableText,
    ShortText,
    Text,
    Title,
    check_come,
    restated,
)


class MilestonePlanned(Event):
    event_type = "MilestonePlanned"
    milestone_id: UUID
    workspace_id: str
    title: str
    description: str | None
    target_date: date
    objective_ids: tuple[UUID, ...]
    planned_at: datetime


class MilestoneRestated(Event):
    """The milestone's title, description and the objectives it serves as they now stand
    (its date moves with a reason, as its own event)."""

    event_type = "MilestoneRestated"
    milestone_id: UUID
    title: str
    description: str | None
    objective_ids: tuple[UUID, ...]
    restated_at: datetime
    restated_by: str


class MilestoneMoved(Event):
    event_type = "MilestoneMoved"
    milestone_id: UUID
    from_date: date
    to_date: date
    reason: str
    moved_at: datetime
    moved_by: str


class MilestoneReached(Event):
    event_type = "MilestoneReached"
    milestone_id: UUID
    reached_on: date
    reached_at: datetime


MilestoneEvent = MilestonePlanned | MilestoneRestated | MilestoneMoved | MilestoneReached


class PlanMilestone(Command):
    kind: Literal["plan"] = "plan"
    milestone_id: UUID
    workspace_id: str
    title: Title
    description: Text | None = None
    target_date: date
    objective_ids: tuple[UUID, ...] = ()
    now: datetime


class RestateMilestone(Command):
    """Fields left out stay as they are; an empty description clears it, the objectives
    given replace those it served."""

    kind: Literal["restate"] = "restate"
    milestone_id: UUID
    title: Title | None = None
    description: ClearableText | None = None
    objective_ids: tuple[UUID, ...] | None = None
    now: datetime
    actor: Actor


class MoveMilestone(Command):
    kind: Literal["move"] = "move"
    milestone_id: UUID
    to_date: date
    reason: ShortText
    now: datetime
    actor: Actor


class ReachMilestone(Command):
    kind: Literal["reach"] = "reach"
    milestone_id: UUID
    reached_on: date
    now: datetime


MilestoneCommand = PlanMilestone | RestateMilestone | MoveMilestone | ReachMilestone


@dataclass(frozen=True, slots=True)
class Milestone:
    planned: MilestonePlanned | None = None
    """As it was planned, with its title, description and objectives as they now stand."""
    target_date: date | None = None
    reached: MilestoneReached | None = None

    @property
    def exists(self) -> bool:
        return self.planned is not None

    @property
    def workspace_id(self) -> str | None:
        return self.planned.workspace_id if self.planned else None


def initial_state() -> Milestone:
    return Milestone()


def evolve(state: Milestone, event: MilestoneEvent) -> Milestone:
    match event:
        case MilestonePlanned():
            return Milestone(planned=event, target_date=event.target_date)
        case MilestoneRestated():
            assert state.planned is not None
            wording = event.model_dump(include=set(_WORDING))
            return replace(state, planned=state.planned.model_copy(update=wording))
        case MilestoneMoved():
            return replace(state, target_date=event.to_date)
        case MilestoneReached():
            return replace(state, reached=event)
        case _:
            assert_never(event)


_WORDING = ("title", "description", "objective_ids")
"""What restating a milestone may change."""


def _pending(state: Milestone, milestone_id: UUID) -> date:
    if state.target_date is None:
        raise NotFound(f"milestone {milestone_id} does not exist")
    if state.reached is not None:
        raise Conflict(
            f"milestone {milestone_id} was reached on {state.reached.reached_on}; "
            "plan a new milestone instead",
            code="milestone-reached",
        )
    return state.target_date


def decide(command: MilestoneCommand, state: Milestone) -> list[MilestoneEvent]:
    match command:
        case PlanMilestone():
            if state.exists:
                raise Conflict(f"milestone {command.milestone_id} already exists")
            return [
                MilestonePlanned(
                    **command.model_dump(exclude={"kind", "now"}), planned_at=command.now
                )
            ]
        case RestateMilestone():
            return _restate(command, state)
        case MoveMilestone():
            current = _pending(state, command.milestone_id)
            if command.to_date == current:
                raise DomainError(
                    f"milestone {command.milestone_id} already targets {current}; "
                    "give a different date to move it",
                    field="target_date",
                )
            return [
                MilestoneMoved(
                    milestone_id=command.milestone_id,
                    from_date=current,
                    to_date=command.to_date,
                    reason=command.reason,
                    moved_at=command.now,
                    moved_by=command.actor,
                )
            ]
        case ReachMilestone():
            _pending(state, command.milestone_id)
            check_come(
                command.reached_on,
                command.now,
                what=f"milestone {command.milestone_id} cannot be reached",
                field="reached_on",
            )
            return [
                MilestoneReached(
                    milestone_id=command.milestone_id,
                    reached_on=command.reached_on,
                    reached_at=command.now,
                )
            ]
        case _:
            assert_never(command)


def _restate(command: RestateMilestone, state: Milestone) -> list[MilestoneEvent]:
    _pending(state, command.milestone_id)
    assert state.planned is not None
    after = restated(state.planned, command, _WORDING)
    if after is None:
        return []
    return [
        MilestoneRestated(
            milestone_id=command.milestone_id,
            **after,
            restated_at=command.now,
            restated_by=command.actor,
        )
    ]


Standing = Literal["upcoming", "overdue", "reached", "reached_late"]


def standing(target_date: date, reached_on: date | None, today: date) -> Standing:
    """Where a milestone stands on ``today``: ``overdue`` once its target date has passed
    unreached (the timeline says so rather than showing a past date as planned), and
    ``reached_late`` when it was reached after the date it targeted last."""
    if reached_on is not None:
        return "reached_late" if reached_on > target_date else "reached"
    return "overdue" if target_date < today else "upcoming"


milestone_decider: Decider[MilestoneCommand, MilestoneEvent, Milestone] = Decider(
    initial_state, decide, evolve
)
