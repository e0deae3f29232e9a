"""Opportunities: opened from problems, scored, decided, with candidate solutions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, assert_never
from uuid import UUID

from sextant_kit import Conflict, Decider, DomainError, NotFound

from sextant_discovery.domain.common import fields_of
from sextant_discovery.domain.opportunity_events import (
    AddExperimentEvidence,
    DecideOpportunity,
    EvaluateOpportunity,
    ExperimentEvidenceAdded,
    OpenOpportunity,
    OpportunityCommand,
    OpportunityDecided,
    OpportunityEvaluated,
    OpportunityEvent,
    OpportunityOpened,
    OpportunityRestated,
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
from sextant_discovery.domain.scoring import score


class OpportunityStatus(StrEnum):
    OPEN = "open"
    PURSUED = "pursued"
    PARKED = "parked"
    REJECTED = "rejected"


STATUS_OF = {
    Verdict.PURSUE: OpportunityStatus.PURSUED,
    Verdict.PARK: OpportunityStatus.PARKED,
    Verdict.REJECT: OpportunityStatus.REJECTED,
}


@dataclass(frozen=True, slots=True)
class Opportunity:
    workspace_id: str | None = None
    status: OpportunityStatus = OpportunityStatus.OPEN
    title: str = ""
    description: str | None = None
    problem_ids: tuple[UUID, ...] = ()
    evaluations: int = 0
    solutions: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    """Each candidate solution's wording and estimates as they now stand."""
    selected: UUID | None = None
    experiments: frozenset[UUID] = frozenset()

    @property
    def exists(self) -> bool:
        return self.workspace_id is not None


def initial_state() -> Opportunity:
    return Opportunity()


def evolve(state: Opportunity, event: OpportunityEvent) -> Opportunity:
    match event:
        case OpportunityOpened():
            return Opportunity(workspace_id=event.workspace_id, **fields_of(event, _FRAMING))
        case OpportunityRestated():
            return replace(state, **fields_of(event, _FRAMING))
        case OpportunityEvaluated():
            return replace(state, evaluations=event.evaluation)
        case OpportunityDecided():
            return replace(state, status=STATUS_OF[event.verdict])
        case SolutionProposed() | SolutionRevised():
            candidate = fields_of(event, _CANDIDATE)
            return replace(state, solutions={**state.solutions, event.solution_id: candidate})
        case SolutionSelected():
            return replace(state, selected=event.solution_id)
        case ExperimentEvidenceAdded():
            return replace(state, experiments=state.experiments | {event.experiment_id})
        case _:
            assert_never(event)


_FRAMING = ("title", "description", "problem_ids")
"""What opening an opportunity says of it and restating it may change."""


_CANDIDATE = ("title", "description", "value", "effort", "confidence")
"""What proposing a solution says of it and revising it may change."""


def _problems(
    problem_ids: tuple[UUID, ...],
    statuses: dict[UUID, ProblemStatus],
    kept: tuple[UUID, ...] = (),
) -> None:
    """Each problem named once, and each one not ``kept`` (already addressed) an open
    problem of the workspace."""
    if len(set(problem_ids)) != len(problem_ids):
        raise DomainError("the same problem is named twice", field="problem_ids")
    for problem_id in problem_ids:
        if problem_id in kept:
            continue
        status = statuses.get(problem_id)
        if status is None:
            raise NotFound(f"problem {problem_id} does not exist in this workspace")
        if status != ProblemStatus.OPEN:
            raise DomainError(
                f"problem {problem_id} is {status.value}; an opportunity addresses open problems",
                field="problem_ids",
            )


def _live(state: Opportunity, opportunity_id: UUID) -> None:
    """The opportunity exists and has not been rejected."""
    if not state.exists:
        raise NotFound(f"opportunity {opportunity_id} does not exist")
    if state.status == OpportunityStatus.REJECTED:
        raise Conflict(
            f"opportunity {opportunity_id} was rejected; open a new opportunity instead",
            code="opportunity-rejected",
        )


def _open(command: OpenOpportunity, state: Opportunity) -> list[OpportunityEvent]:
    if state.exists:
        raise Conflict(f"opportunity {command.opportunity_id} is already open")
    _problems(command.problem_ids, command.problem_statuses)
    return [
        OpportunityOpened(
            **command.model_dump(exclude={"kind", "now", "actor", "problem_statuses"}),
            opened_by=command.actor,
            opened_at=command.now,
        )
    ]


def decide(command: OpportunityCommand, state: Opportunity) -> list[OpportunityEvent]:
    match command:
        case OpenOpportunity():
            return _open(command, state)
        case RestateOpportunity():
            _live(state, command.opportunity_id)
            # A problem it addresses may stay, merged or closed since; new ones must be open.
            _problems(command.problem_ids, command.problem_statuses, kept=state.problem_ids)
            if fields_of(command, _FRAMING) == fields_of(state, _FRAMING):
                return []
            return [
                OpportunityRestated(
                    opportunity_id=command.opportunity_id,
                    **fields_of(command, _FRAMING),
                    note=command.note,
                    restated_by=command.actor,
                    restated_at=command.now,
                )
            ]
        case EvaluateOpportunity():
            _live(state, command.opportunity_id)
            result = score(command.inputs)
            return [
                OpportunityEvaluated(
                    opportunity_id=command.opportunity_id,
                    evaluation=state.evaluations + 1,
                    inputs=command.inputs,
                    score=result.total,
                    breakdown=result.breakdown,
                    note=command.note,
                    evaluated_by=command.actor,
                    evaluated_at=command.now,
                )
            ]
        case DecideOpportunity():
            _live(state, command.opportunity_id)
            if state.evaluations == 0:
                raise Conflict(
                    "evaluate the opportunity before deciding on it",
                    code="opportunity-not-evaluated",
                )
            if state.status == STATUS_OF[command.verdict]:
                return []
            return [
                OpportunityDecided(
                    opportunity_id=command.opportunity_id,
                    verdict=command.verdict,
                    rationale=command.rationale,
                    decided_by=command.actor,
                    decided_at=command.now,
                )
            ]
        case ProposeSolution():
            _live(state, command.opportunity_id)
            if command.solution_id in state.solutions:
                raise Conflict(f"solution {command.solution_id} is already proposed")
            return [
                SolutionProposed(
                    **command.model_dump(exclude={"kind", "now", "actor"}),
                    proposed_by=command.actor,
                    proposed_at=command.now,
                )
            ]
        case ReviseSolution():
            _live(state, command.opportunity_id)
            if command.solution_id not in state.solutions:
                raise NotFound(
                    f"solution {command.solution_id} is not a candidate for this opportunity"
                )
            candidate = fields_of(command, _CANDIDATE)
            if candidate == state.solutions[command.solution_id]:
                return []
            return [
                SolutionRevised(
                    opportunity_id=command.opportunity_id,
                    solution_id=command.solution_id,
                    **candidate,
                    revised_by=command.actor,
                    revised_at=command.now,
                )
            ]
        case SelectSolution():
            _live(state, command.opportunity_id)
            if command.solution_id not in state.solutions:
                raise NotFound(
                    f"solution {command.solution_id} is not a candidate for this opportunity"
                )
            if state.selected == command.solution_id:
                return []
            return [
                SolutionSelected(
                    opportunity_id=command.opportunity_id,
                    solution_id=command.solution_id,
                    rationale=command.rationale,
                    selected_by=command.actor,
                    selected_at=command.now,
                )
            ]
        case AddExperimentEvidence():
            if not state.exists:
                raise NotFound(f"opportunity {command.opportunity_id} does not exist")
            if command.experiment_id in state.experiments:
                return []
            return [
                ExperimentEvidenceAdded(
                    **command.model_dump(exclude={"kind", "now"}), added_at=command.now
                )
            ]
        case _:
            assert_never(command)


opportunity_decider: Decider[OpportunityCommand, OpportunityEvent, Opportunity] = Decider(
    initial_state, decide, evolve
)
