from datetime import UTC, date, datetime
from uuid import UUID

from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification
from sextant_strategy.domain.decision import (
    DecisionRecorded,
    DecisionSuperseded,
    Evidence,
    EvidenceKind,
    Option,
    RecordDecision,
    SupersedeDecision,
    decision_decider,
)

spec = DeciderSpecification(decision_decider)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
OLD = UUID("00000000-0000-4000-8000-000000000001")
NEW = UUID("00000000-0000-4000-8000-000000000002")
PROBLEM = Evidence(kind=EvidenceKind.PROBLEM, id=UUID("00000000-0000-4000-8000-0000000000aa"))


def record(**overrides: object) -> RecordDecision:
    fields: dict[str, object] = {
        "decision_id": OLD,
        "workspace_id": "ws",
        "title": "Build our own checkout",
        "context": "Conversion is low",
        "options": (Option(title="Build"), Option(title="Buy")),
        "decision": "Build",
        "rationale": "Control of the flow",
        "evidence": (PROBLEM,),
        "decided_by": "ana",
        "decided_on": date(2026, 3, 1),
        "now": NOW,
    }
    fields.update(overrides)
    return RecordDecision.model_validate(fields)


def recorded() -> DecisionRecorded:
    return DecisionRecorded(
        **record().model_dump(exclude={"kind", "now", "options", "evidence"}),
        options=record().options,
        evidence=record().evidence,
        recorded_at=NOW,
    )


def test_a_decision_is_recorded_with_its_evidence() -> None:
    spec.given([]).when(record()).then([recorded()])


def test_a_decision_is_recorded_once() -> None:
    spec.given([recorded()]).when(record()).then_raises(Conflict)


def test_the_same_evidence_twice_is_refused() -> None:
    command = record(evidence=(PROBLEM, PROBLEM))
    spec.given([]).when(command).then_raises(DomainError, match="twice")


def test_a_decision_is_not_dated_on_a_day_still_to_come() -> None:
    error = (
        spec.given([])
        .when(record(decided_on=date(2026, 3, 3)))
        .then_raises(DomainError, match="has not come yet")
    )
    assert isinstance(error, DomainError)
    assert error.field == "decided_on"
    # a day's grace for a caller whose today is already tomorrow in UTC
    spec.given([]).when(record(decided_on=date(2026, 3, 2))).then(
        [recorded().model_copy(update={"decided_on": date(2026, 3, 2)})]
    )


def test_a_decision_cannot_supersede_itself() -> None:
    spec.given([]).when(record(supersedes=OLD)).then_raises(DomainError, match="itself")


def test_a_decision_is_superseded_once() -> None:
    supersede = SupersedeDecision(decision_id=OLD, superseded_by=NEW, now=NOW)
    superseded = DecisionSuperseded(decision_id=OLD, superseded_by=NEW, superseded_at=NOW)
    spec.given([recorded()]).when(supersede).then([superseded])
    spec.given([recorded(), superseded]).when(supersede).then([])
    other = SupersedeDecision(decision_id=OLD, superseded_by=UUID(int=9), now=NOW)
    spec.given([recorded(), superseded]).when(other).then_raises(Conflict, match="already")


def test_superseding_an_unknown_decision_is_not_found() -> None:
    supersede = SupersedeDecision(decision_id=OLD, superseded_by=NEW, now=NOW)
    spec.given([]).when(supersede).then_raises(NotFound)
