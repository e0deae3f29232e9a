"""Experiments and MVPs: a hypothesis, a success metric with a threshold, observations and
a conclusion with learnings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Conflict, Decider, DomainError, Event, NotFound
from sextant_kit.numbers import plain

from sextant_discovery.domain.common import Name, ShortText, Text, fields_of
from sextant_discovery.domain.opportunity import OpportunityStatus
from sextant_discovery.domain.opportunity_events import Outcome


class MetricUnit(StrEnum):
    PERCENT = "percent"
    RATIO = "ratio"
    COUNT = "count"


RANGES: dict[MetricUnit, tuple[float, float]] = {
    MetricUnit.PERCENT: (0.0, 100.0),
    MetricUnit.RATIO: (0.0, 1.0),
    MetricUnit.COUNT: (0.0, 1e12),
}
"""The values a metric in each unit can take, both ends inclusive."""


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


class ExperimentStatus(StrEnum):
    DESIGNED = "designed"
    RUNNING = "running"
    CONCLUDED = "concluded"


class ExperimentDesigned(Event):
    event_type = "ExperimentDesigned"
    experiment_id: UUID
    workspace_id: str
    opportunity_id: UUID
    solution_id: UUID | None
    hypothesis: str
    metric: str
    unit: MetricUnit
    direction: Direction
    threshold: float
    designed_by: str
    designed_at: datetime


class ExperimentRedesigned(Event):
    """The experiment's design as it now stands, before it started: what it tests and the
    threshold it is judged by (fixed from its start on)."""

    event_type = "ExperimentRedesigned"
    experiment_id: UUID
    solution_id: UUID | None
    hypothesis: str
    metric: str
    unit: MetricUnit
    direction: Direction
    threshold: float
    redesigned_by: str
    redesigned_at: datetime


class ExperimentStarted(Event):
    event_type = "ExperimentStarted"
    experiment_id: UUID
    started_at: datetime


class ObservationRecorded(Event):
    event_type = "ObservationRecorded"
    experiment_id: UUID
    value: float
    note: str | None
    observed_at: datetime


class ExperimentConcluded(Event):
    event_type = "ExperimentConcluded"
    experiment_id: UUID
    opportunity_id: UUID
    outcome: Outcome
    learnings: str
    concluded_by: str
    concluded_at: datetime


ExperimentEvent = (
    ExperimentDesigned
    | ExperimentRedesigned
    | ExperimentStarted
    | ObservationRecorded
    | ExperimentConcluded
)


class DesignExperiment(Command):
    kind: Literal["design"] = "design"
    experiment_id: UUID
    workspace_id: str
    opportunity_id: UUID
    solution_id: UUID | None = None
    hypothesis: Text
    metric: Name
    unit: MetricUnit
    direction: Direction = Direction.AT_LEAST
    threshold: Annotated[float, Field(allow_inf_nan=False)]
    opportunity_status: OpportunityStatus
    """Fact from the API: the opportunity's status."""
    solution_known: bool = True
    """Fact from the API: ``solution_id`` is a candidate of the opportunity."""
    actor: str
    now: datetime


class RedesignExperiment(Command):
    kind: Literal["redesign"] = "redesign"
    experiment_id: UUID
    solution_id: UUID | None = None
    hypothesis: Text
    metric: Name
    unit: MetricUnit
    direction: Direction = Direction.AT_LEAST
    threshold: Annotated[float, Field(allow_inf_nan=False)]
    solution_known: bool = True
    """Fact from the API: ``solution_id`` is a candidate of the opportunity."""
    actor: str
    now: datetime


class StartExperiment(Command):
    kind: Literal["start"] = "start"
    experiment_id: UUID
    opportunity_status: OpportunityStatus
    """Fact from the API: the status of the experiment's opportunity."""
    now: datetime


class RecordObservation(Command):
    kind: Literal["observe"] = "observe"
    experiment_id: UUID
    value: Annotated[float, Field(allow_inf_nan=False)]
    note: ShortText | None = None
    now: datetime


class ConcludeExperiment(Command):
    kind: Literal["conclude"] = "conclude"
    experiment_id: UUID
    outcome: Outcome
    learnings: Text
    actor: str
    now: datetime


ExperimentCommand = (
    DesignExperiment | RedesignExperiment | StartExperiment | RecordObservation | ConcludeExperiment
)


@dataclass(frozen=True, slots=True)
class Experiment:
    designed: ExperimentDesigned | None = None
    """As it was designed, its design as it now stands."""
    status: ExperimentStatus = ExperimentStatus.DESIGNED
    latest: float | None = None
    """The most recent observation: what the metric reads now."""

    @property
    def exists(self) -> bool:
        return self.designed is not None


def initial_state() -> Experiment:
    return Experiment()


def evolve(state: Experiment, event: ExperimentEvent) -> Experiment:
    match event:
        case ExperimentDesigned():
            return Experiment(designed=event)
        case ExperimentRedesigned():
            assert state.designed is not None
            design = fields_of(event, _DESIGN)
            return replace(state, designed=state.designed.model_copy(update=design))
        case ExperimentStarted():
            return replace(state, status=ExperimentStatus.RUNNING)
        case ObservationRecorded():
            return replace(state, latest=event.value)
        case ExperimentConcluded():
            return replace(state, status=ExperimentStatus.CONCLUDED)
        case _:
            assert_never(event)


_DESIGN = ("solution_id", "hypothesis", "metric", "unit", "direction", "threshold")
"""What designing an experiment says of it and redesigning it may change."""


def in_range(unit: MetricUnit, value: float, field: str) -> None:
    low, high = RANGES[unit]
    if unit is MetricUnit.COUNT and not float(value).is_integer():
        raise DomainError(
            f"{plain(value)} is not a whole number; a count metric counts (signups, tickets)",
            field=field,
        )
    if not low <= value <= high:
        raise DomainError(
            f"{value} is outside the range of a {unit.value} metric; give a value from "
            f"{plain(low)} to {plain(high)}",
            field=field,
        )


def _check_design(command: DesignExperiment | RedesignExperiment) -> None:
    """The solution it tests is a candidate, and its threshold a value its unit can take."""
    if not command.solution_known:
        raise DomainError(
            f"solution {command.solution_id} is not a candidate of this opportunity",
            field="solution_id",
        )
    in_range(command.unit, command.threshold, "threshold")


def _design(command: DesignExperiment, state: Experiment) -> list[ExperimentEvent]:
    if state.exists:
        raise Conflict(f"experiment {command.experiment_id} is already designed")
    _not_rejected(command.opportunity_id, command.opportunity_status)
    _check_design(command)
    return [
        ExperimentDesigned(
            **command.model_dump(
                exclude={"kind", "now", "actor", "opportunity_status", "solution_known"}
            ),
            designed_by=command.actor,
            designed_at=command.now,
        )
    ]


def _not_rejected(opportunity_id: UUID, status: OpportunityStatus) -> None:
    if status == OpportunityStatus.REJECTED:
        raise Conflict(
            f"opportunity {opportunity_id} was rejected; no experiments run on it",
            code="opportunity-rejected",
        )


def _redesign(command: RedesignExperiment, state: Experiment) -> list[ExperimentEvent]:
    if state.designed is None:
        raise NotFound(f"experiment {command.experiment_id} does not exist")
    if state.status != ExperimentStatus.DESIGNED:
        raise Conflict(
            f"experiment {command.experiment_id} is {state.status.value}; its design is fixed "
            "once it starts (a threshold moved afterwards would read any result as success), "
            "so design a new experiment",
            code="experiment-started",
        )
    _check_design(command)
    design = fields_of(command, _DESIGN)
    if design == fields_of(state.designed, _DESIGN):
        return []
    return [
        ExperimentRedesigned(
            experiment_id=command.experiment_id,
            **design,
            redesigned_by=command.actor,
            redesigned_at=command.now,
        )
    ]


def _running(state: Experiment, experiment_id: UUID, doing: str) -> ExperimentDesigned:
    if state.designed is None:
        raise NotFound(f"experiment {experiment_id} does not exist")
    if state.status == ExperimentStatus.DESIGNED:
        raise Conflict(
            f"experiment {experiment_id} has not started; start it before you {doing}",
            code="experiment-not-started",
        )
    if state.status == ExperimentStatus.CONCLUDED:
        raise Conflict(
            f"experiment {experiment_id} is concluded; design a new experiment",
            code="experiment-concluded",
        )
    return state.designed


def decide(command: ExperimentCommand, state: Experiment) -> list[ExperimentEvent]:
    match command:
        case DesignExperiment():
            return _design(command, state)
        case RedesignExperiment():
            return _redesign(command, state)
        case StartExperiment():
            if state.designed is None:
                raise NotFound(f"experiment {command.experiment_id} does not exist")
            if state.status == ExperimentStatus.RUNNING:
                return []
            if state.status == ExperimentStatus.CONCLUDED:
                raise Conflict(
                    f"experiment {command.experiment_id} is concluded; it cannot start again",
                    code="experiment-concluded",
                )
            _not_rejected(state.designed.opportunity_id, command.opportunity_status)
            return [ExperimentStarted(experiment_id=command.experiment_id, started_at=command.now)]
        case RecordObservation():
            designed = _running(state, command.experiment_id, "record observations")
            in_range(designed.unit, command.value, "value")
            return [
                ObservationRecorded(
                    experiment_id=command.experiment_id,
                    value=command.value,
                    note=command.note,
                    observed_at=command.now,
                )
            ]
        case ConcludeExperiment():
            designed = _running(state, command.experiment_id, "conclude it")
            _check_outcome(command.outcome, designed, state.latest)
            return [
                ExperimentConcluded(
                    experiment_id=command.experiment_id,
                    opportunity_id=designed.opportunity_id,
                    outcome=command.outcome,
                    learnings=command.learnings,
                    concluded_by=command.actor,
                    concluded_at=command.now,
                )
            ]
        case _:
            assert_never(command)


def meets(designed: ExperimentDesigned, value: float) -> bool:
    """Whether ``value`` reaches the experiment's threshold in its direction."""
    if designed.direction is Direction.AT_LEAST:
        return value >= designed.threshold
    return value <= designed.threshold


def _check_outcome(outcome: Outcome, designed: ExperimentDesigned, latest: float | None) -> None:
    """A validated or invalidated verdict must be what the observations say; inconclusive
    is always open (too little data, a confounded run)."""
    if outcome is Outcome.INCONCLUSIVE:
        return
    wanted = f"{designed.direction.value.replace('_', ' ')} {plain(designed.threshold)}"
    if latest is None:
        raise DomainError(
            f"no observation of {designed.metric} was recorded, so nothing shows it "
            f"{outcome.value}; record one, or conclude it inconclusive",
            field="outcome",
        )
    met = meets(designed, latest)
    if met != (outcome is Outcome.VALIDATED):
        verdict = "meets" if met else "misses"
        other = Outcome.INVALIDATED if outcome is Outcome.VALIDATED else Outcome.VALIDATED
        raise DomainError(
            f"the latest observation of {designed.metric}, {plain(latest)} {designed.unit.value}, "
            f"{verdict} the threshold ({wanted}); conclude it {other.value} or inconclusive",
            field="outcome",
        )


experiment_decider: Decider[ExperimentCommand, ExperimentEvent, Experiment] = Decider(
    initial_state, decide, evolve
)
