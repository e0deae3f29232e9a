"""Given-when-then for problems."""

from datetime import UTC, datetime
from uuid import UUID

from sextant_discovery.domain.problem import (
    AttachInsight,
    CloseProblem,
    IdentifyProblem,
    InsightAttached,
    MergeProblem,
    ProblemClosed,
    ProblemIdentified,
    ProblemMerged,
    ProblemReopened,
    ProblemRestated,
    ProblemStatus,
    ProblemUnmerged,
    ReopenProblem,
    RestateProblem,
    UnmergeProblem,
    problem_decider,
)
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification

NOW = datetime(2026, 3, 1, tzinfo=UTC)
P = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
PERSONA = UUID("00000000-0000-4000-8000-0000000000aa")
NEWCOMER = UUID("00000000-0000-4000-8000-0000000000ab")
INSIGHT = UUID("00000000-0000-4000-8000-0000000000bb")
spec = DeciderSpecification(problem_decider)


def identify(**overrides: object) -> IdentifyProblem:
    fields: dict[str, object] = {
        "problem_id": P,
        "workspace_id": "ws",
        "title": "Invoices take too long",
        "statement": "SMB owners spend hours on invoices",
        "persona_ids": (PERSONA,),
        "severity": 4,
        "frequency": 5,
        "known_personas": frozenset({PERSONA}),
        "actor": "ana",
        "now": NOW,
    }
    fields.update(overrides)
    return IdentifyProblem.model_validate(fields)


IDENTIFIED = ProblemIdentified(
    problem_id=P,
    workspace_id="ws",
    title="Invoices take too long",
    statement="SMB owners spend hours on invoices",
    persona_ids=(PERSONA,),
    severity=4,
    frequency=5,
    identified_by="ana",
    identified_at=NOW,
)
CLOSED = ProblemClosed(problem_id=P, reason="solved", closed_at=NOW)


def test_a_problem_is_identified_once() -> None:
    spec.given([]).when(identify()).then([IDENTIFIED])
    spec.given([IDENTIFIED]).when(identify()).then_raises(Conflict)


def test_affected_personas_must_exist_and_be_named_once() -> None:
    unknown = identify(known_personas=frozenset())
    spec.given([]).when(unknown).then_raises(DomainError, match="archived or never created here")
    twice = identify(persona_ids=(PERSONA, PERSONA))
    spec.given([]).when(twice).then_raises(DomainError, match="twice")


def restate(**overrides: object) -> RestateProblem:
    fields: dict[str, object] = {
        "problem_id": P,
        "title": IDENTIFIED.title,
        "statement": IDENTIFIED.statement,
        "persona_ids": IDENTIFIED.persona_ids,
        "severity": IDENTIFIED.severity,
        "frequency": IDENTIFIED.frequency,
        "actor": "bo",
        "now": NOW,
    }
    fields.update(overrides)
    return RestateProblem.model_validate(fields)


def test_a_restated_problem_records_every_field_as_it_now_stands() -> None:
    sharper = restate(
        statement="SMB owners lose a day a month to invoices",
        severity=5,
        persona_ids=(PERSONA, NEWCOMER),
        known_personas=frozenset({NEWCOMER}),
        note="the interviews",
    )
    restated = ProblemRestated(
        problem_id=P,
        title="Invoices take too long",
        statement="SMB owners lose a day a month to invoices",
        persona_ids=(PERSONA, NEWCOMER),
        severity=5,
        frequency=5,
        note="the interviews",
        restated_by="bo",
        restated_at=NOW,
    )
    spec.given([IDENTIFIED]).when(sharper).then([restated])
    # Sent again, or as it already stands, it records nothing.
    spec.given([IDENTIFIED, restated]).when(sharper).then([])
    spec.given([IDENTIFIED]).when(restate(note="no change")).then([])


def test_a_restated_problem_keeps_its_personas_but_names_only_current_new_ones() -> None:
    # PERSONA is not current any more (archived since it was named, say): it may stay.
    kept = restate(severity=2, known_personas=frozenset())
    spec.given([IDENTIFIED]).when(kept).then(
        [
            ProblemRestated(
                **IDENTIFIED.model_dump(include={"problem_id", "title", "statement"}),
                persona_ids=(PERSONA,),
                severity=2,
                frequency=5,
                note=None,
                restated_by="bo",
                restated_at=NOW,
            )
        ]
    )
    newcomer = restate(persona_ids=(PERSONA, NEWCOMER))
    spec.given([IDENTIFIED]).when(newcomer).then_raises(DomainError, match="archived or never")
    twice = restate(persona_ids=(PERSONA, PERSONA))
    spec.given([IDENTIFIED]).when(twice).then_raises(DomainError, match="twice")


def test_only_an_open_problem_is_restated() -> None:
    spec.given([]).when(restate(severity=1)).then_raises(NotFound)
    spec.given([IDENTIFIED, CLOSED]).when(restate(severity=1)).then_raises(Conflict, match="closed")
    merged = ProblemMerged(problem_id=P, into=OTHER, merged_at=NOW)
    spec.given([IDENTIFIED, merged]).when(restate(severity=1)).then_raises(Conflict, match="merged")


def test_insights_are_attached_once_and_never_retired_ones() -> None:
    attach = AttachInsight(problem_id=P, insight_id=INSIGHT, now=NOW)
    attached = InsightAttached(problem_id=P, insight_id=INSIGHT, note=None, attached_at=NOW)
    spec.given([IDENTIFIED]).when(attach).then([attached])
    spec.given([IDENTIFIED, attached]).when(attach).then([])
    retired = attach.model_copy(update={"insight_retired": True})
    spec.given([IDENTIFIED]).when(retired).then_raises(DomainError, match="retired")
    spec.given([]).when(attach).then_raises(NotFound)
    spec.given([IDENTIFIED, CLOSED]).when(attach).then_raises(Conflict, match="closed")


def test_a_duplicate_merges_into_another_open_problem() -> None:
    merge = MergeProblem(problem_id=P, into=OTHER, target_status=ProblemStatus.OPEN, now=NOW)
    merged = ProblemMerged(problem_id=P, into=OTHER, merged_at=NOW)
    spec.given([IDENTIFIED]).when(merge).then([merged])
    spec.given([IDENTIFIED, merged]).when(merge).then_raises(Conflict, match="merged")
    itself = merge.model_copy(update={"into": P})
    spec.given([IDENTIFIED]).when(itself).then_raises(DomainError, match="itself")
    closed_target = merge.model_copy(update={"target_status": ProblemStatus.CLOSED})
    spec.given([IDENTIFIED]).when(closed_target).then_raises(Conflict, match="merge into")


def test_closing_is_idempotent_and_needs_an_open_problem() -> None:
    close = CloseProblem(problem_id=P, reason="solved", now=NOW)
    spec.given([IDENTIFIED]).when(close).then([CLOSED])
    spec.given([IDENTIFIED, CLOSED]).when(close).then([])
    spec.given([]).when(close).then_raises(NotFound)
    merged = ProblemMerged(problem_id=P, into=OTHER, merged_at=NOW)
    spec.given([IDENTIFIED, merged]).when(close).then_raises(Conflict)


def test_a_closed_problem_reopens_with_a_reason_and_changes_again() -> None:
    reopen = ReopenProblem(problem_id=P, reason="it came back in Q3", actor="pm.cy", now=NOW)
    reopened = ProblemReopened(
        problem_id=P, reason="it came back in Q3", reopened_by="pm.cy", reopened_at=NOW
    )
    spec.given([IDENTIFIED, CLOSED]).when(reopen).then([reopened])
    spec.given([IDENTIFIED]).when(reopen).then_raises(Conflict, match="only a closed")
    merged = ProblemMerged(problem_id=P, into=OTHER, merged_at=NOW)
    spec.given([IDENTIFIED, merged]).when(reopen).then_raises(Conflict, match="is merged")
    spec.given([]).when(reopen).then_raises(NotFound)
    close = CloseProblem(problem_id=P, reason="solved again", now=NOW)
    [closed_again] = problem_decider.decide(
        close, problem_decider.fold([IDENTIFIED, CLOSED, reopened])
    )
    assert isinstance(closed_again, ProblemClosed)


def test_a_problem_merged_by_mistake_is_unmerged_with_a_reason_and_changes_again() -> None:
    unmerge = UnmergeProblem(problem_id=P, reason=" refunds, not checkout ", actor="pm.cy", now=NOW)
    merged = ProblemMerged(problem_id=P, into=OTHER, merged_at=NOW)
    unmerged = ProblemUnmerged(
        problem_id=P,
        from_problem=OTHER,
        reason="refunds, not checkout",
        unmerged_by="pm.cy",
        unmerged_at=NOW,
    )
    spec.given([IDENTIFIED, merged]).when(unmerge).then([unmerged])
    spec.given([IDENTIFIED]).when(unmerge).then_raises(Conflict, match="not merged")
    spec.given([IDENTIFIED, merged, unmerged]).when(unmerge).then_raises(Conflict)
    spec.given([]).when(unmerge).then_raises(NotFound)
    state = problem_decider.fold([IDENTIFIED, merged, unmerged])
    assert (state.status, state.merged_into) == (ProblemStatus.OPEN, None)
    close = CloseProblem(problem_id=P, reason="solved", now=NOW)
    spec.given([IDENTIFIED, merged, unmerged]).when(close).then([CLOSED])
