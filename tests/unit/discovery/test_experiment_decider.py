"""Given-when-then for experiments."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from pydantic import ValidationError
from sextant_discovery.domain.experiment import (
    ConcludeExperiment,
    DesignExperiment,
    Direction,
    ExperimentConcluded,
    ExperimentDesigned,
    ExperimentEvent,
    ExperimentRedesigned,
    ExperimentStarted,
    MetricUnit,
    ObservationRecorded,
    RecordObservation,
    RedesignExperiment,
    StartExperiment,
    experiment_decider,
)
from sextant_discovery.domain.opportunity import OpportunityStatus
from sextant_discovery.domain.opportunity_events import Outcome
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification

NOW = datetime(2026, 3, 1, tzinfo=UTC)
X = UUID("00000000-0000-4000-8000-000000000001")
OPP = UUID("00000000-0000-4000-8000-0000000000aa")
spec = DeciderSpecification(experiment_decider)


def design(**overrides: object) -> DesignExperiment:
    fields: dict[str, object] = {
        "experiment_id": X,
        "workspace_id": "ws",
        "opportunity_id": OPP,
        "hypothesis": "SMBs will try photo invoices",
        "metric": "trial conversion",
        "unit": MetricUnit.PERCENT,
        "threshold": 20,
        "opportunity_status": OpportunityStatus.PURSUED,
        "actor": "ana",
        "now": NOW,
    }
    fields.update(overrides)
    return DesignExperiment.model_validate(fields)


DESIGNED = ExperimentDesigned(
    experiment_id=X,
    workspace_id="ws",
    opportunity_id=OPP,
    solution_id=None,
    hypothesis="SMBs will try photo invoices",
    metric="trial conversion",
    unit=MetricUnit.PERCENT,
    direction=Direction.AT_LEAST,
    threshold=20,
    designed_by="ana",
    designed_at=NOW,
)
STARTED = ExperimentStarted(experiment_id=X, started_at=NOW)
CONCLUDE = ConcludeExperiment(
    experiment_id=X, outcome=Outcome.VALIDATED, learnings="they do", actor="ana", now=NOW
)
CONCLUDED = ExperimentConcluded(
    experiment_id=X,
    opportunity_id=OPP,
    outcome=Outcome.VALIDATED,
    learnings="they do",
    concluded_by="ana",
    concluded_at=NOW,
)


def test_an_experiment_is_designed_once() -> None:
    spec.given([]).when(design()).then([DESIGNED])
    spec.given([DESIGNED]).when(design()).then_raises(Conflict)


def test_no_experiment_on_a_rejected_opportunity() -> None:
    rejected = design(opportunity_status=OpportunityStatus.REJECTED)
    spec.given([]).when(rejected).then_raises(Conflict, match="rejected")


def test_the_solution_must_be_a_candidate() -> None:
    unknown = design(solution_id=UUID(int=7), solution_known=False)
    spec.given([]).when(unknown).then_raises(DomainError, match="candidate")


def test_the_threshold_must_be_within_the_metric_range() -> None:
    error = spec.given([]).when(design(threshold=120)).then_raises(DomainError, match="0 to 100")
    assert isinstance(error, DomainError)
    assert error.field == "threshold"
    spec.given([]).when(design(unit=MetricUnit.RATIO, threshold=1.5)).then_raises(DomainError)
    with pytest.raises(ValidationError):
        design(threshold=float("nan"))
    # a count counts: 10.5 signups is no threshold, nor an observation
    half = design(unit=MetricUnit.COUNT, threshold=10.5)
    spec.given([]).when(half).then_raises(DomainError, match="10.5 is not a whole number")
    signups = DESIGNED.model_copy(update={"unit": MetricUnit.COUNT, "threshold": 10})
    observe = RecordObservation(experiment_id=X, value=3.5, now=NOW)
    spec.given([signups, STARTED]).when(observe).then_raises(DomainError, match="whole number")


def test_start_is_idempotent_and_needs_a_design_on_an_opportunity_not_rejected() -> None:
    start = StartExperiment(experiment_id=X, opportunity_status=OpportunityStatus.OPEN, now=NOW)
    spec.given([DESIGNED]).when(start).then([STARTED])
    spec.given([DESIGNED, STARTED]).when(start).then([])
    spec.given([]).when(start).then_raises(NotFound)
    spec.given([DESIGNED, STARTED, CONCLUDED]).when(start).then_raises(Conflict)
    rejected = start.model_copy(update={"opportunity_status": OpportunityStatus.REJECTED})
    spec.given([DESIGNED]).when(rejected).then_raises(Conflict, match="was rejected")


def test_observations_need_a_running_experiment_and_a_value_in_range() -> None:
    observe = RecordObservation(experiment_id=X, value=25, now=NOW)
    spec.given([DESIGNED, STARTED]).when(observe).then(
        [ObservationRecorded(experiment_id=X, value=25, note=None, observed_at=NOW)]
    )
    spec.given([DESIGNED]).when(observe).then_raises(Conflict, match="not started")
    out = observe.model_copy(update={"value": -1})
    spec.given([DESIGNED, STARTED]).when(out).then_raises(DomainError, match="outside")
    spec.given([]).when(observe).then_raises(NotFound)


def observed(value: float) -> ObservationRecorded:
    return ObservationRecorded(experiment_id=X, value=value, note=None, observed_at=NOW)


def test_no_conclusion_before_start_and_only_one_conclusion() -> None:
    spec.given([DESIGNED]).when(CONCLUDE).then_raises(Conflict, match="not started")
    spec.given([DESIGNED, STARTED, observed(25)]).when(CONCLUDE).then([CONCLUDED])
    spec.given([DESIGNED, STARTED, observed(25), CONCLUDED]).when(CONCLUDE).then_raises(
        Conflict, match="concluded"
    )


def test_the_verdict_is_what_the_latest_observation_says() -> None:
    invalidate = CONCLUDE.model_copy(update={"outcome": Outcome.INVALIDATED})
    inconclusive = CONCLUDE.model_copy(update={"outcome": Outcome.INCONCLUSIVE})
    missed: list[ExperimentEvent] = [DESIGNED, STARTED, observed(25), observed(12)]
    error = spec.given(missed).when(CONCLUDE).then_raises(DomainError, match="misses")
    assert isinstance(error, DomainError)
    assert error.field == "outcome"
    assert str(error) == (
        "the latest observation of trial conversion, 12 percent, misses the threshold "
        "(at least 20); conclude it invalidated or inconclusive"
    )
    [event] = spec.given(missed).when(invalidate)._run()
    assert isinstance(event, ExperimentConcluded)
    spec.given([DESIGNED, STARTED, observed(20)]).when(invalidate).then_raises(
        DomainError, match="meets the threshold"
    )
    # no data shows either verdict; inconclusive stays open whatever the data says
    spec.given([DESIGNED, STARTED]).when(CONCLUDE).then_raises(DomainError, match="no observation")
    runs: list[list[ExperimentEvent]] = [
        [DESIGNED, STARTED],
        missed,
        [DESIGNED, STARTED, observed(30)],
    ]
    for given in runs:
        [event] = spec.given(given).when(inconclusive)._run()
        assert isinstance(event, ExperimentConcluded)
    at_most = DESIGNED.model_copy(update={"direction": Direction.AT_MOST})
    spec.given([at_most, STARTED, observed(15)]).when(CONCLUDE).then([CONCLUDED])
    # large figures read in full: two that differ never read the same
    signups = DESIGNED.model_copy(update={"unit": MetricUnit.COUNT, "threshold": 123456789})
    close = spec.given([signups, STARTED, observed(123456788)]).when(CONCLUDE)
    close.then_raises(
        DomainError, match=", 123456788 count, misses the threshold (at least 123456789)"
    )


def redesign(**overrides: object) -> RedesignExperiment:
    fields: dict[str, object] = {
        "experiment_id": X,
        "hypothesis": "SMBs will try photo invoices",
        "metric": "trial conversion",
        "unit": MetricUnit.PERCENT,
        "threshold": 20,
        "actor": "bo",
        "now": NOW,
    }
    fields.update(overrides)
    return RedesignExperiment.model_validate(fields)


def test_an_experiment_is_redesigned_before_it_starts_and_judged_by_its_new_threshold() -> None:
    stricter = redesign(metric="paid conversion", threshold=5.5, direction=Direction.AT_LEAST)
    redesigned = ExperimentRedesigned(
        experiment_id=X,
        solution_id=None,
        hypothesis="SMBs will try photo invoices",
        metric="paid conversion",
        unit=MetricUnit.PERCENT,
        direction=Direction.AT_LEAST,
        threshold=5.5,
        redesigned_by="bo",
        redesigned_at=NOW,
    )
    spec.given([DESIGNED]).when(stricter).then([redesigned])
    spec.given([DESIGNED, redesigned]).when(stricter).then([])  # as it stands
    spec.given([DESIGNED]).when(redesign()).then([])
    # Judged by the threshold as redesigned: 6 % now validates it (it missed 20 %).
    history: list[ExperimentEvent] = [DESIGNED, redesigned, STARTED, observed(6)]
    spec.given(history).when(CONCLUDE).then([CONCLUDED])


def test_a_started_experiment_keeps_its_design() -> None:
    spec.given([DESIGNED, STARTED]).when(redesign(threshold=1)).then_raises(
        Conflict, match="fixed once it starts"
    )
    spec.given([DESIGNED, STARTED, CONCLUDED]).when(redesign(threshold=1)).then_raises(Conflict)
    spec.given([]).when(redesign(threshold=1)).then_raises(NotFound)
    unknown = redesign(solution_id=OPP, solution_known=False)
    spec.given([DESIGNED]).when(unknown).then_raises(DomainError, match="not a candidate")
    spec.given([DESIGNED]).when(redesign(threshold=120)).then_raises(DomainError, match="range")
