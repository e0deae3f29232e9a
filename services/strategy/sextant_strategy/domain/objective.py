"""Objectives with key results: set, aligned to a parent, checked in, closed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Conflict, Decider, DomainError, NotFound

from sextant_strategy.domain.common import (
    Actor,
    ClearableText,
    Period,
    ShortText,
    Text,
    Title,
    Unit,
    check_period,
    restated,
)
from sextant_strategy.domain.objective_events import (
    KeyResultDefined,
    KeyResultProgressed,
    KeyResultRetargeted,
    KeyResultReworded,
    Level,
    ObjectiveAligned,
    ObjectiveClosed,
    ObjectiveEvent,
    ObjectiveReopened,
    ObjectiveRestated,
    ObjectiveSet,
    Outcome,
)
from sextant_strategy.domain.progress import (
    Direction,
    elapsed_share,
    key_result_progress,
    key_result_status,
)

# Commands -----------------------------------------------------------------------------


class SetObjective(Command):
    kind: Literal["set"] = "set"
    objective_id: UUID
    workspace_id: str | None
    title: Title
    description: Text | None = None
    owner: Actor
    period: Period
    parent_id: UUID | None = None
    parent_ancestry: tuple[UUID, ...] = ()
    """The proposed parent's own parents, nearest first, as the caller loaded them."""
    now: datetime


class RestateObjective(Command):
    """Fields left out stay as they are."""

    kind: Literal["restate"] = "restate"
    objective_id: UUID
    title: Title | None = None
    description: ClearableText | None = None
    owner: Actor | None = None
    now: datetime
    actor: Actor


class AlignObjective(Command):
    kind: Literal["align"] = "align"
    objective_id: UUID
    parent_id: UUID | None
    parent_ancestry: tuple[UUID, ...] = ()


class DefineKeyResult(Command):
    kind: Literal["define_kr"] = "define_kr"
    objective_id: UUID
    key_result_id: UUID
    title: Title
    baseline: float
    target: float
    unit: Unit
    direction: Direction


class RewordKeyResult(Command):
    kind: Literal["reword_kr"] = "reword_kr"
    objective_id: UUID
    key_result_id: UUID
    title: Title


class RetargetKeyResult(Command):
    """The baseline and target a key result is measured against from now on (the baseline
    left out stays), and why they moved."""

    kind: Literal["retarget_kr"] = "retarget_kr"
    objective_id: UUID
    key_result_id: UUID
    baseline: float | None = None
    target: float
    reason: ShortText
    now: datetime
    actor: Actor


class CheckInKeyResult(Command):
    kind: Literal["check_in"] = "check_in"
    objective_id: UUID
    key_result_id: UUID
    value: float
    confidence: Annotated[float, Field(ge=0.0, le=1.0)]
    comment: ShortText | None = None
    now: datetime
    actor: Actor


class CloseObjective(Command):
    kind: Literal["close"] = "close"
    objective_id: UUID
    outcome: Outcome
    note: ShortText | None = None
    now: datetime
    actor: Actor


class ReopenObjective(Command):
    kind: Literal["reopen"] = "reopen"
    objective_id: UUID
    reason: ShortText
    now: datetime
    actor: Actor


ObjectiveCommand = (
    SetObjective
    | RestateObjective
    | AlignObjective
    | DefineKeyResult
    | RewordKeyResult
    | RetargetKeyResult
    | CheckInKeyResult
    | CloseObjective
    | ReopenObjective
)

# State --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyResult:
    definition: KeyResultDefined
    latest: KeyResultProgressed | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    set: ObjectiveSet | None = None
    """As it was set, with its wording and owner as they now stand."""
    parent_id: UUID | None = None
    key_results: dict[UUID, KeyResult] = field(default_factory=dict)
    closed: ObjectiveClosed | None = None

    @property
    def exists(self) -> bool:
        return self.set is not None

    @property
    def workspace_id(self) -> str | None:
        return self.set.workspace_id if self.set else None


def initial_state() -> Objective:
    return Objective()


def evolve(state: Objective, event: ObjectiveEvent) -> Objective:
    match event:
        case ObjectiveSet():
            return Objective(set=event, parent_id=event.parent_id)
        case ObjectiveRestated():
            assert state.set is not None
            wording = event.model_dump(include=set(_WORDING))
            return replace(state, set=state.set.model_copy(update=wording))
        case ObjectiveAligned():
            return replace(state, parent_id=event.parent_id)
        case KeyResultDefined():
            return replace(
                state, key_results={**state.key_results, event.key_result_id: KeyResult(event)}
            )
        case KeyResultReworded():
            kr = state.key_results[event.key_result_id]
            definition = kr.definition.model_copy(update={"title": event.title})
            return replace(
                state,
                key_results={
                    **state.key_results,
                    event.key_result_id: replace(kr, definition=definition),
                },
            )
        case KeyResultRetargeted():
            kr = state.key_results[event.key_result_id]
            measure = {"baseline": event.baseline, "target": event.target}
            latest = kr.latest
            if latest is not None and event.progress is not None and event.status is not None:
                latest = latest.model_copy(
                    update={"progress": event.progress, "status": event.status}
                )
            retargeted = KeyResult(kr.definition.model_copy(update=measure), latest)
            return replace(
                state, key_results={**state.key_results, event.key_result_id: retargeted}
            )
        case KeyResultProgressed():
            kr = state.key_results[event.key_result_id]
            return replace(
                state,
                key_results={**state.key_results, event.key_result_id: replace(kr, latest=event)},
            )
        case ObjectiveClosed():
            return replace(state, closed=event)
        case ObjectiveReopened():
            return replace(state, closed=None)
        case _:
            assert_never(event)


# Decisions ----------------------------------------------------------------------------

_WORDING = ("title", "description", "owner")
"""What restating an objective may change."""


def check_no_cycle(objective_id: UUID, parent_id: UUID | None, ancestry: tuple[UUID, ...]) -> None:
    """An objective may not sit below itself anywhere in its chain of parents."""
    if parent_id is None:
        return
    chain = [parent_id, *ancestry]
    if objective_id in chain:
        loop = chain[: chain.index(objective_id) + 1]
        path = " → ".join(str(o) for o in [objective_id, *loop])
        raise DomainError(
            f"aligning objective {objective_id} under {parent_id} would create a cycle: "
            f"{path}; choose a parent that is not aligned below this objective",
            field="parent_id",
            code="alignment-cycle",
        )


def _open(state: Objective, objective_id: UUID) -> ObjectiveSet:
    if state.set is None:
        raise NotFound(f"objective {objective_id} does not exist")
    if state.closed is not None:
        raise Conflict(
            f"objective {objective_id} was closed ({state.closed.outcome.value}); "
            "set a new objective instead",
            code="objective-closed",
        )
    return state.set


def decide(command: ObjectiveCommand, state: Objective) -> list[ObjectiveEvent]:
    match command:
        case SetObjective():
            if state.exists:
                raise Conflict(f"objective {command.objective_id} already exists")
            check_period(command.period)
            check_no_cycle(command.objective_id, command.parent_id, command.parent_ancestry)
            level = Level.TEAM if command.workspace_id else Level.ORGANISATION
            return [
                ObjectiveSet(
                    **command.model_dump(exclude={"kind", "parent_ancestry", "now"}),
                    level=level,
                    set_at=command.now,
                )
            ]
        case RestateObjective():
            return _restate(command, state)
        case AlignObjective():
            _open(state, command.objective_id)
            check_no_cycle(command.objective_id, command.parent_id, command.parent_ancestry)
            if command.parent_id == state.parent_id:
                return []
            return [
                ObjectiveAligned(
                    objective_id=command.objective_id,
                    parent_id=command.parent_id,
                    previous_parent_id=state.parent_id,
                )
            ]
        case DefineKeyResult():
            return _define(command, state)
        case RewordKeyResult():
            _open(state, command.objective_id)
            kr = _key_result(state, command.objective_id, command.key_result_id)
            if kr.definition.title == command.title:
                return []
            return [KeyResultReworded(**command.model_dump(exclude={"kind"}))]
        case RetargetKeyResult():
            return _retarget(command, state)
        case CheckInKeyResult():
            return _check_in(command, state)
        case CloseObjective():
            _open(state, command.objective_id)
            return [
                ObjectiveClosed(
                    objective_id=command.objective_id,
                    outcome=command.outcome,
                    note=command.note,
                    closed_at=command.now,
                    closed_by=command.actor,
                )
            ]
        case ReopenObjective():
            if state.set is None:
                raise NotFound(f"objective {command.objective_id} does not exist")
            if state.closed is None:
                raise Conflict(
                    f"objective {command.objective_id} is open; only a closed one is reopened",
                    code="objective-open",
                )
            return [
                ObjectiveReopened(
                    objective_id=command.objective_id,
                    previous_outcome=state.closed.outcome,
                    reason=command.reason,
                    reopened_at=command.now,
                    reopened_by=command.actor,
                )
            ]
        case _:
            assert_never(command)


def _restate(command: RestateObjective, state: Objective) -> list[ObjectiveEvent]:
    after = restated(_open(state, command.objective_id), command, _WORDING)
    if after is None:
        return []
    return [
        ObjectiveRestated(
            objective_id=command.objective_id,
            **after,
            restated_at=command.now,
            restated_by=command.actor,
        )
    ]


def _define(command: DefineKeyResult, state: Objective) -> list[ObjectiveEvent]:
    _open(state, command.objective_id)
    if command.key_result_id in state.key_results:
        raise Conflict(f"key result {command.key_result_id} already exists")
    _check_measure(command.direction, command.baseline, command.target)
    return [KeyResultDefined(**command.model_dump(exclude={"kind"}))]


def _check_measure(direction: Direction, baseline: float, target: float) -> None:
    rising = direction is Direction.INCREASE
    if (target > baseline) != rising or target == baseline:
        relation = "above" if rising else "below"
        raise DomainError(
            f"a key result to {direction.value} needs a target {relation} its baseline "
            f"({baseline}); got {target}",
            field="target",
        )


def _retarget(command: RetargetKeyResult, state: Objective) -> list[ObjectiveEvent]:
    """The latest check-in's value is measured again, against the new baseline and target
    and the share of the period gone now; the check-ins themselves stay as they were."""
    objective = _open(state, command.objective_id)
    kr = _key_result(state, command.objective_id, command.key_result_id)
    d = kr.definition
    baseline = d.baseline if command.baseline is None else command.baseline
    if (baseline, command.target) == (d.baseline, d.target):
        return []
    _check_measure(d.direction, baseline, command.target)
    progress = status = None
    if kr.latest is not None:
        progress = key_result_progress(baseline, command.target, kr.latest.value)
        elapsed = elapsed_share(objective.period.start, objective.period.end, command.now)
        status = key_result_status(progress, elapsed, kr.latest.confidence)
    return [
        KeyResultRetargeted(
            objective_id=command.objective_id,
            key_result_id=command.key_result_id,
            baseline=baseline,
            target=command.target,
            previous_baseline=d.baseline,
            previous_target=d.target,
            reason=command.reason,
            progress=progress,
            status=status,
            retargeted_at=command.now,
            retargeted_by=command.actor,
        )
    ]


def _key_result(state: Objective, objective_id: UUID, key_result_id: UUID) -> KeyResult:
    kr = state.key_results.get(key_result_id)
    if kr is None:
        raise NotFound(f"objective {objective_id} has no key result {key_result_id}")
    return kr


def _check_in(command: CheckInKeyResult, state: Objective) -> list[ObjectiveEvent]:
    objective = _open(state, command.objective_id)
    d = _key_result(state, command.objective_id, command.key_result_id).definition
    progress = key_result_progress(d.baseline, d.target, command.value)
    elapsed = elapsed_share(objective.period.start, objective.period.end, command.now)
    return [
        KeyResultProgressed(
            objective_id=command.objective_id,
            key_result_id=command.key_result_id,
            value=command.value,
            confidence=command.confidence,
            comment=command.comment,
            progress=progress,
            status=key_result_status(progress, elapsed, command.confidence),
            checked_in_at=command.now,
            checked_in_by=command.actor,
        )
    ]


objective_decider: Decider[ObjectiveCommand, ObjectiveEvent, Objective] = Decider(
    initial_state, decide, evolve
)
