"""Given-when-then for opportunities and their solutions."""

from datetime import UTC, datetime
from uuid import UUID

from sextant_discovery.domain.opportunity import opportunity_decider
from sextant_discovery.domain.opportunity_events import (
    AddExperimentEvidence,
    DecideOpportunity,
    EvaluateOpportunity,
    ExperimentEvidenceAdded,
    OpenOpportunity,
    OpportunityDecided,
    OpportunityEvaluated,
    OpportunityEvent,
    OpportunityOpened,
    OpportunityRestated,
    Outcome,
    ProposeSolution,
    RestateOpportunity,
    ReviseSolution,
    SelectSolution,
    SolutionProposed,
    SolutionRevised,
    SolutionSelected,
    Verdict,
)
from sextant_discovery.domain.problem import ProblemStatus
from sextant_discovery.domain.scoring import ScoreInputs, score
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification

NOW = datetime(2026, 3, 1, tzinfo=UTC)
OPP = UUID("00000000-0000-4000-8000-000000000001")
PROBLEM = UUID("00000000-0000-4000-8000-0000000000aa")
FOUND_LATER = UUID("00000000-0000-4000-8000-0000000000ab")
SOLUTION = UUID("00000000-0000-4000-8000-0000000000bb")
EXPERIMENT = UUID("00000000-0000-4000-8000-0000000000cc")
INPUTS = ScoreInputs(
    reach=1000,
    pain_severity=4,
    frequency=3,
    willingness_to_pay=3,
    alternatives_strength=2,
    strategic_fit=5,
)
spec = DeciderSpecification(opportunity_decider)


def open_(**overrides: object) -> OpenOpportunity:
    fields: dict[str, object] = {
        "opportunity_id": OPP,
        "workspace_id": "ws",
        "title": "Instant invoices",
        "problem_ids": (PROBLEM,),
        "problem_statuses": {PROBLEM: ProblemStatus.OPEN},
        "actor": "ana",
        "now": NOW,
    }
    fields.update(overrides)
    return OpenOpportunity.model_validate(fields)


OPENED = OpportunityOpened(
    opportunity_id=OPP,
    workspace_id="ws",
    title="Instant invoices",
    description=None,
    problem_ids=(PROBLEM,),
    opened_by="ana",
    opened_at=NOW,
)


def evaluated(n: int = 1) -> OpportunityEvaluated:
    result = score(INPUTS)
    return OpportunityEvaluated(
        opportunity_id=OPP,
        evaluation=n,
        inputs=INPUTS,
        score=result.total,
        breakdown=result.breakdown,
        note=None,
        evaluated_by="ana",
        evaluated_at=NOW,
    )


def decided(verdict: Verdict) -> OpportunityDecided:
    return OpportunityDecided(
        opportunity_id=OPP, verdict=verdict, rationale="why", decided_by="ana", decided_at=NOW
    )


EVALUATE = EvaluateOpportunity(opportunity_id=OPP, inputs=INPUTS, actor="ana", now=NOW)
PROPOSE = ProposeSolution(
    opportunity_id=OPP,
    solution_id=SOLUTION,
    title="Invoice from a photo",
    value=4,
    effort=2,
    confidence=3,
    actor="ana",
    now=NOW,
)
PROPOSED = SolutionProposed(
    opportunity_id=OPP,
    solution_id=SOLUTION,
    title="Invoice from a photo",
    description=None,
    value=4,
    effort=2,
    confidence=3,
    proposed_by="ana",
    proposed_at=NOW,
)


def test_an_opportunity_opens_from_existing_open_problems_once() -> None:
    spec.given([]).when(open_()).then([OPENED])
    spec.given([OPENED]).when(open_()).then_raises(Conflict)


def test_an_opportunity_needs_problems_that_exist_are_open_and_named_once() -> None:
    spec.given([]).when(open_(problem_statuses={})).then_raises(NotFound, match="problem")
    closed = open_(problem_statuses={PROBLEM: ProblemStatus.CLOSED})
    spec.given([]).when(closed).then_raises(DomainError, match="closed")
    twice = open_(problem_ids=(PROBLEM, PROBLEM))
    spec.given([]).when(twice).then_raises(DomainError, match="twice")


def restate(**overrides: object) -> RestateOpportunity:
    fields: dict[str, object] = {
        "opportunity_id": OPP,
        "title": "Instant invoices",
        "problem_ids": (PROBLEM,),
        "problem_statuses": {PROBLEM: ProblemStatus.OPEN},
        "actor": "bo",
        "now": NOW,
    }
    fields.update(overrides)
    return RestateOpportunity.model_validate(fields)


def test_a_restated_opportunity_records_every_field_as_it_now_stands() -> None:
    wider = restate(
        title="Invoices in seconds",
        description="From a photo or a template",
        problem_ids=(PROBLEM, FOUND_LATER),
        problem_statuses={PROBLEM: ProblemStatus.OPEN, FOUND_LATER: ProblemStatus.OPEN},
        note="the interviews",
    )
    restated = OpportunityRestated(
        opportunity_id=OPP,
        title="Invoices in seconds",
        description="From a photo or a template",
        problem_ids=(PROBLEM, FOUND_LATER),
        note="the interviews",
        restated_by="bo",
        restated_at=NOW,
    )
    spec.given([OPENED]).when(wider).then([restated])
    spec.given([OPENED, restated]).when(wider).then([])  # as it stands: nothing recorded
    spec.given([OPENED]).when(restate(note="no change")).then([])


def test_a_restated_opportunity_keeps_its_problems_but_adds_only_open_ones() -> None:
    # PROBLEM was closed since the opportunity was opened on it: it may stay.
    kept = restate(title="Faster invoices", problem_statuses={PROBLEM: ProblemStatus.CLOSED})
    spec.given([OPENED]).when(kept).then(
        [
            OpportunityRestated(
                opportunity_id=OPP,
                title="Faster invoices",
                description=None,
                problem_ids=(PROBLEM,),
                note=None,
                restated_by="bo",
                restated_at=NOW,
            )
        ]
    )
    merged = restate(
        problem_ids=(PROBLEM, FOUND_LATER),
        problem_statuses={PROBLEM: ProblemStatus.OPEN, FOUND_LATER: ProblemStatus.MERGED},
    )
    spec.given([OPENED]).when(merged).then_raises(DomainError, match="merged")
    elsewhere = restate(problem_ids=(PROBLEM, FOUND_LATER))
    spec.given([OPENED]).when(elsewhere).then_raises(NotFound, match=str(FOUND_LATER))
    twice = restate(problem_ids=(PROBLEM, PROBLEM))
    spec.given([OPENED]).when(twice).then_raises(DomainError, match="twice")
    spec.given([]).when(restate(title="x")).then_raises(NotFound)
    rejected: list[OpportunityEvent] = [OPENED, evaluated(), decided(Verdict.REJECT)]
    spec.given(rejected).when(restate(title="x")).then_raises(Conflict, match="rejected")


def test_every_evaluation_is_a_new_event_with_its_inputs_and_breakdown() -> None:
    spec.given([OPENED]).when(EVALUATE).then([evaluated(1)])
    spec.given([OPENED, evaluated(1)]).when(EVALUATE).then([evaluated(2)])
    spec.given([]).when(EVALUATE).then_raises(NotFound)


def test_a_decision_needs_an_evaluation_and_repeating_it_changes_nothing() -> None:
    pursue = DecideOpportunity(
        opportunity_id=OPP, verdict=Verdict.PURSUE, rationale="why", actor="ana", now=NOW
    )
    spec.given([OPENED]).when(pursue).then_raises(Conflict, match="evaluate")
    spec.given([OPENED, evaluated()]).when(pursue).then([decided(Verdict.PURSUE)])
    spec.given([OPENED, evaluated(), decided(Verdict.PURSUE)]).when(pursue).then([])
    park = pursue.model_copy(update={"verdict": Verdict.PARK})
    spec.given([OPENED, evaluated(), decided(Verdict.PURSUE)]).when(park).then(
        [decided(Verdict.PARK)]
    )


def test_a_rejected_opportunity_is_final() -> None:
    rejected: list[OpportunityEvent] = [OPENED, evaluated(), decided(Verdict.REJECT)]
    pursue = DecideOpportunity(
        opportunity_id=OPP, verdict=Verdict.PURSUE, rationale="why", actor="ana", now=NOW
    )
    spec.given(rejected).when(pursue).then_raises(Conflict, match="rejected")
    spec.given(rejected).when(EVALUATE).then_raises(Conflict, match="rejected")
    spec.given(rejected).when(PROPOSE).then_raises(Conflict, match="rejected")


def test_solutions_are_proposed_once_and_a_candidate_is_selected() -> None:
    spec.given([OPENED]).when(PROPOSE).then([PROPOSED])
    spec.given([OPENED, PROPOSED]).when(PROPOSE).then_raises(Conflict)
    select = SelectSolution(
        opportunity_id=OPP, solution_id=SOLUTION, rationale="cheapest", actor="ana", now=NOW
    )
    selected = SolutionSelected(
        opportunity_id=OPP,
        solution_id=SOLUTION,
        rationale="cheapest",
        selected_by="ana",
        selected_at=NOW,
    )
    spec.given([OPENED, PROPOSED]).when(select).then([selected])
    spec.given([OPENED, PROPOSED, selected]).when(select).then([])
    spec.given([OPENED]).when(select).then_raises(NotFound, match="candidate")


def test_a_concluded_experiment_becomes_evidence_once() -> None:
    add = AddExperimentEvidence(
        opportunity_id=OPP,
        experiment_id=EXPERIMENT,
        outcome=Outcome.VALIDATED,
        learnings="they pay",
        now=NOW,
    )
    added = ExperimentEvidenceAdded(
        opportunity_id=OPP,
        experiment_id=EXPERIMENT,
        outcome=Outcome.VALIDATED,
        learnings="they pay",
        added_at=NOW,
    )
    spec.given([OPENED]).when(add).then([added])
    spec.given([OPENED, added]).when(add).then([])
    spec.given([]).when(add).then_raises(NotFound)


def test_a_candidate_solution_is_revised_as_the_team_learns() -> None:
    revise = ReviseSolution(
        opportunity_id=OPP,
        solution_id=SOLUTION,
        title="Invoice from a photo",
        description="OCR on the phone",
        value=4,
        effort=4,
        confidence=2,
        actor="bo",
        now=NOW,
    )
    revised = SolutionRevised(
        opportunity_id=OPP,
        solution_id=SOLUTION,
        title="Invoice from a photo",
        description="OCR on the phone",
        value=4,
        effort=4,
        confidence=2,
        revised_by="bo",
        revised_at=NOW,
    )
    spec.given([OPENED, PROPOSED]).when(revise).then([revised])
    spec.given([OPENED, PROPOSED, revised]).when(revise).then([])  # as it stands
    as_proposed = revise.model_copy(update={"description": None, "effort": 2, "confidence": 3})
    spec.given([OPENED, PROPOSED]).when(as_proposed).then([])
    spec.given([OPENED]).when(revise).then_raises(NotFound, match="not a candidate")
    rejected: list[OpportunityEvent] = [OPENED, PROPOSED, evaluated(), decided(Verdict.REJECT)]
    spec.given(rejected).when(revise).then_raises(Conflict, match="rejected")
