"""Problems: customer pain points with severity, frequency and the evidence behind them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound

from sextant_discovery.domain.common import Scale, ShortText, Text, Title, fields_of


class ProblemStatus(StrEnum):
    OPEN = "open"
    MERGED = "merged"
    CLOSED = "closed"


class ProblemIdentified(Event):
    event_type = "ProblemIdentified"
    problem_id: UUID
    workspace_id: str
    title: str
    statement: str
    persona_ids: tuple[UUID, ...]
    severity: int
    frequency: int
    identified_by: str
    identified_at: datetime


class ProblemRestated(Event):
    """What the team now knows of the problem: its wording, whom it hurts, how much and how
    often (every field as it now stands; ``note`` says why)."""

    event_type = "ProblemRestated"
    problem_id: UUID
    title: str
    statement: str
    persona_ids: tuple[UUID, ...]
    severity: int
    frequency: int
    note: str | None
    restated_by: str
    restated_at: datetime


class InsightAttached(Event):
    event_type = "InsightAttached"
    audit_part = ("insight_id",)
    problem_id: UUID
    insight_id: UUID
    note: str | None
    attached_at: datetime


class ProblemMerged(Event):
    """This problem duplicates ``into``; its evidence counts for that problem from now on."""

    event_type = "ProblemMerged"
    problem_id: UUID
    into: UUID
    merged_at: datetime


class ProblemUnmerged(Event):
    """This problem was merged into ``from_problem`` by mistake: it is open on its own again,
    and its evidence counts for itself alone."""

    event_type = "ProblemUnmerged"
    audit_clears = ("into", "merged_at")
    problem_id: UUID
    from_problem: UUID
    reason: str
    unmerged_by: str
    unmerged_at: datetime


class ProblemClosed(Event):
    event_type = "ProblemClosed"
    problem_id: UUID
    reason: str
    closed_at: datetime


class ProblemReopened(Event):
    """A closed problem open again (it came back, or was closed too soon), with why."""

    event_type = "ProblemReopened"
    audit_clears = ("closed_at",)
    problem_id: UUID
    reason: str
    reopened_by: str
    reopened_at: datetime


ProblemEvent = (
    ProblemIdentified
    | ProblemRestated
    | InsightAttached
    | ProblemMerged
    | ProblemUnmerged
    | ProblemClosed
    | ProblemReopened
)


class IdentifyProblem(Command):
    kind: Literal["identify"] = "identify"
    problem_id: UUID
    workspace_id: str
    title: Title
    statement: Text
    persona_ids: Annotated[tuple[UUID, ...], Field(max_length=20)] = ()
    severity: Scale
    frequency: Scale
    known_personas: frozenset[UUID] = frozenset()
    """Fact from the API: which of ``persona_ids`` exist in the workspace."""
    actor: str
    now: datetime


class RestateProblem(Command):
    kind: Literal["restate"] = "restate"
    problem_id: UUID
    title: Title
    statement: Text
    persona_ids: Annotated[tuple[UUID, ...], Field(max_length=20)] = ()
    severity: Scale
    frequency: Scale
    note: ShortText | None = None
    known_personas: frozenset[UUID] = frozenset()
    """Fact from the API: which of ``persona_ids`` are current personas of the workspace."""
    actor: str
    now: datetime


class AttachInsight(Command):
    kind: Literal["attach"] = "attach"
    problem_id: UUID
    insight_id: UUID
    note: ShortText | None = None
    insight_retired: bool = False
    """Fact from the API: the insight has been retired."""
    now: datetime


class MergeProblem(Command):
    kind: Literal["merge"] = "merge"
    problem_id: UUID
    into: UUID
    target_status: ProblemStatus
    """Fact from the API: the status of the problem merged into."""
    now: datetime


class UnmergeProblem(Command):
    kind: Literal["unmerge"] = "unmerge"
    problem_id: UUID
    reason: ShortText
    actor: str
    now: datetime


class CloseProblem(Command):
    kind: Literal["close"] = "close"
    problem_id: UUID
    reason: ShortText
    now: datetime


class ReopenProblem(Command):
    kind: Literal["reopen"] = "reopen"
    problem_id: UUID
    reason: ShortText
    actor: str
    now: datetime


ProblemCommand = (
    IdentifyProblem
    | RestateProblem
    | AttachInsight
    | MergeProblem
    | UnmergeProblem
    | CloseProblem
    | ReopenProblem
)


@dataclass(frozen=True, slots=True)
class Problem:
    workspace_id: str | None = None
    status: ProblemStatus = ProblemStatus.OPEN
    insights: frozenset[UUID] = frozenset()
    title: str = ""
    statement: str = ""
    persona_ids: tuple[UUID, ...] = ()
    severity: int = 0
    frequency: int = 0
    merged_into: UUID | None = None

    @property
    def exists(self) -> bool:
        return self.workspace_id is not None


def initial_state() -> Problem:
    return Problem()


def evolve(state: Problem, event: ProblemEvent) -> Problem:
    match event:
        case ProblemIdentified():
            return Problem(workspace_id=event.workspace_id, **fields_of(event, _WORDING))
        case ProblemRestated():
            return replace(state, **fields_of(event, _WORDING))
        case InsightAttached():
            return replace(state, insights=state.insights | {event.insight_id})
        case ProblemMerged():
            return replace(state, status=ProblemStatus.MERGED, merged_into=event.into)
        case ProblemUnmerged():
            return replace(state, status=ProblemStatus.OPEN, merged_into=None)
        case ProblemClosed():
            return replace(state, status=ProblemStatus.CLOSED)
        case ProblemReopened():
            return replace(state, status=ProblemStatus.OPEN)
        case _:
            assert_never(event)


_WORDING = ("title", "statement", "persona_ids", "severity", "frequency")
"""What identifying a problem says of it and restating it may change."""


def _personas(persona_ids: tuple[UUID, ...], allowed: frozenset[UUID]) -> None:
    """Each persona named once, and each one the problem may name."""
    if len(set(persona_ids)) != len(persona_ids):
        raise DomainError("the same persona is named twice", field="persona_ids")
    missing = [p for p in persona_ids if p not in allowed]
    if missing:
        raise DomainError(
            f"persona {missing[0]} is not a current persona of this workspace: it was "
            "archived or never created here",
            field="persona_ids",
        )


def _open(state: Problem, problem_id: UUID) -> None:
    if not state.exists:
        raise NotFound(f"problem {problem_id} does not exist")
    if state.status != ProblemStatus.OPEN:
        raise Conflict(
            f"problem {problem_id} is {state.status.value}; only open problems change",
            code="problem-not-open",
        )


def decide(command: ProblemCommand, state: Problem) -> list[ProblemEvent]:
    match command:
        case IdentifyProblem():
            if state.exists:
                raise Conflict(f"problem {command.problem_id} is already identified")
            _personas(command.persona_ids, command.known_personas)
            return [
                ProblemIdentified(
                    **command.model_dump(exclude={"kind", "now", "actor", "known_personas"}),
                    identified_by=command.actor,
                    identified_at=command.now,
                )
            ]
        case RestateProblem():
            _open(state, command.problem_id)
            # A persona archived since it was named may stay; only new ones must be current.
            _personas(command.persona_ids, command.known_personas | frozenset(state.persona_ids))
            if fields_of(command, _WORDING) == fields_of(state, _WORDING):
                return []
            return [
                ProblemRestated(
                    problem_id=command.problem_id,
                    **fields_of(command, _WORDING),
                    note=command.note,
                    restated_by=command.actor,
                    restated_at=command.now,
                )
            ]
        case AttachInsight():
            _open(state, command.problem_id)
            if command.insight_id in state.insights:
                return []
            if command.insight_retired:
                raise DomainError(
                    f"insight {command.insight_id} is retired; attach current research",
                    field="insight_id",
                )
            return [
                InsightAttached(
                    problem_id=command.problem_id,
                    insight_id=command.insight_id,
                    note=command.note,
                    attached_at=command.now,
                )
            ]
        case MergeProblem():
            _open(state, command.problem_id)
            if command.into == command.problem_id:
                raise DomainError("a problem cannot be merged into itself", field="into")
            if command.target_status != ProblemStatus.OPEN:
                raise Conflict(
                    f"problem {command.into} is {command.target_status.value}; "
                    "merge into an open problem",
                    code="problem-not-open",
                )
            return [
                ProblemMerged(
                    problem_id=command.problem_id, into=command.into, merged_at=command.now
                )
            ]
        case UnmergeProblem():
            if not state.exists:
                raise NotFound(f"problem {command.problem_id} does not exist")
            if state.merged_into is None:
                raise Conflict(
                    f"problem {command.problem_id} is {state.status.value}, not merged into"
                    " another problem",
                    code="problem-not-merged",
                )
            return [
                ProblemUnmerged(
                    problem_id=command.problem_id,
                    from_problem=state.merged_into,
                    reason=command.reason,
                    unmerged_by=command.actor,
                    unmerged_at=command.now,
                )
            ]
        case CloseProblem():
            if state.exists and state.status == ProblemStatus.CLOSED:
                return []
            _open(state, command.problem_id)
            return [
                ProblemClosed(
                    problem_id=command.problem_id, reason=command.reason, closed_at=command.now
                )
            ]
        case ReopenProblem():
            if not state.exists:
                raise NotFound(f"problem {command.problem_id} does not exist")
            if state.status != ProblemStatus.CLOSED:
                raise Conflict(
                    f"problem {command.problem_id} is {state.status.value}; only a closed "
                    "problem reopens (a merged one counts for the problem it was merged into)",
                    code="problem-not-closed",
                )
            return [
                ProblemReopened(
                    problem_id=command.problem_id,
                    reason=command.reason,
                    reopened_by=command.actor,
                    reopened_at=command.now,
                )
            ]
        case _:
            assert_never(command)


problem_decider: Decider[ProblemCommand, ProblemEvent, Problem] = Decider(
    initial_state, decide, evolve
)
