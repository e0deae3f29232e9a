"""The decision log: what was decided, why, on which evidence, and what replaced it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import ConfigDict, Field
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound
from sextant_kit.inputs import Body

from sextant_strategy.domain.common import Actor, ShortText, Text, Title, check_come


class EvidenceKind(StrEnum):
    PROBLEM = "problem"
    OPPORTUNITY = "opportunity"
    FEEDBACK = "feedback"
    EXPERIMENT = "experiment"


class Evidence(Body):
    """A link to what the decision rests on, in discovery or feedback, by id."""

    model_config = ConfigDict(frozen=True)
    kind: EvidenceKind
    id: UUID


class Option(Body):
    model_config = ConfigDict(frozen=True)
    title: Title
    summary: ShortText | None = None


class DecisionRecorded(Event):
    event_type = "DecisionRecorded"
    decision_id: UUID
    workspace_id: str
    title: str
    context: str
    options: tuple[Option, ...]
    decision: str
    rationale: str
    evidence: tuple[Evidence, ...]
    decided_by: str
    decided_on: date
    supersedes: UUID | None
    recorded_at: datetime


class DecisionSuperseded(Event):
    event_type = "DecisionSuperseded"
    decision_id: UUID
    superseded_by: UUID
    superseded_at: datetime


DecisionEvent = DecisionRecorded | DecisionSuperseded


class RecordDecision(Command):
    kind: Literal["record"] = "record"
    decision_id: UUID
    workspace_id: str
    title: Title
    context: Text
    options: Annotated[tuple[Option, ...], Field(min_length=1, max_length=20)]
    decision: Text
    rationale: Text
    evidence: Annotated[tuple[Evidence, ...], Field(max_length=100)] = ()
    decided_by: Actor
    decided_on: date
    supersedes: UUID | None = None
    now: datetime


class SupersedeDecision(Command):
    kind: Literal["supersede"] = "supersede"
    decision_id: UUID
    superseded_by: UUID
    now: datetime


DecisionCommand = RecordDecision | SupersedeDecision


@dataclass(frozen=True, slots=True)
class Decision:
    recorded: DecisionRecorded | None = None
    superseded_by: UUID | None = None

    @property
    def exists(self) -> bool:
        return self.recorded is not None

    @property
    def workspace_id(self) -> str | None:
        return self.recorded.workspace_id if self.recorded else None


def initial_state() -> Decision:
    return Decision()


def evolve(state: Decision, event: DecisionEvent) -> Decision:
    match event:
        case DecisionRecorded():
            return Decision(recorded=event)
        case DecisionSuperseded():
            return replace(state, superseded_by=event.superseded_by)
        case _:
            assert_never(event)


def decide(command: DecisionCommand, state: Decision) -> list[DecisionEvent]:
    match command:
        case RecordDecision():
            if state.exists:
                raise Conflict(f"decision {command.decision_id} is already recorded")
            if command.supersedes == command.decision_id:
                raise DomainError("a decision cannot supersede itself", field="supersedes")
            if len(set(command.evidence)) != len(command.evidence):
                raise DomainError("the same evidence is linked twice", field="evidence")
            check_come(
                command.decided_on,
                command.now,
                what=f"decision {command.decision_id} cannot have been taken",
                field="decided_on",
            )
            return [
                DecisionRecorded(
                    **command.model_dump(exclude={"kind", "now", "options", "evidence"}),
                    options=command.options,
                    evidence=command.evidence,
                    recorded_at=command.now,
                )
            ]
        case SupersedeDecision():
            if not state.exists:
                raise NotFound(f"decision {command.decision_id} does not exist")
            if command.superseded_by == command.decision_id:
                raise DomainError("a decision cannot supersede itself", field="supersedes")
            if state.superseded_by == command.superseded_by:
                return []
            if state.superseded_by is not None:
                raise Conflict(
                    f"decision {command.decision_id} was already superseded by "
                    f"{state.superseded_by}; supersede that decision instead",
                    code="decision-superseded",
                )
            return [
                DecisionSuperseded(
                    decision_id=command.decision_id,
                    superseded_by=command.superseded_by,
                    superseded_at=command.now,
                )
            ]
        case _:
            assert_never(command)


decision_decider: Decider[DecisionCommand, DecisionEvent, Decision] = Decider(
    initial_state, decide, evolve
)
