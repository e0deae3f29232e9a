"""The opportunity aggregate's events and commands (its solutions are part of it)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Event

from sextant_discovery.domain.common import Scale, ShortText, Text, Title
from sextant_discovery.domain.problem import ProblemStatus
from sextant_discovery.domain.scoring import ScoreInputs


class Verdict(StrEnum):
    PURSUE = "pursue"
    PARK = "park"
    REJECT = "reject"


class Outcome(StrEnum):
    VALIDATED = "validated"
    INVALIDATED = "invalidated"
    INCONCLUSIVE = "inconclusive"


class OpportunityOpened(Event):
    event_type = "OpportunityOpened"
    opportunity_id: UUID
    workspace_id: str
    title: str
    description: str | None
    problem_ids: tuple[UUID, ...]
    opened_by: str
    opened_at: datetime


class OpportunityRestated(Event):
    """The opportunity as the team now frames it: its title, description and the problems it
    addresses (every field as it now stands; ``note`` says why)."""

    event_type = "OpportunityRestated"
    opportunity_id: UUID
    title: str
    description: str | None
    problem_ids: tuple[UUID, ...]
    note: str | None
    restated_by: str
    restated_at: datetime


class OpportunityEvaluated(Event):
    """One evaluation; a re-evaluation is another event, earlier ones stay."""

    event_type = "OpportunityEvaluated"
    opportunity_id: UUID
    evaluation: int
    inputs: ScoreInputs
    score: float
    breakdown: dict[str, float]
    note: str | None
    evaluated_by: str
    evaluated_at: datetime


class OpportunityDecided(Event):
    event_type = "OpportunityDecided"
    opportunity_id: UUID
    verdict: Verdict
    rationale: str
    decided_by: str
    decided_at: datetime


class SolutionProposed(Event):
    event_type = "SolutionProposed"
    audit_part = ("solution_id",)
    opportunity_id: UUID
    solution_id: UUID
    title: str
    description: str | None
    value: int
    effort: int
    confidence: int
    proposed_by: str
    proposed_at: datetime


class SolutionRevised(Event):
    """A candidate solution as the team now sees it: its wording and its estimates of value,
    effort and confidence (every field as it now stands)."""

    event_type = "SolutionRevised"
    audit_part = ("solution_id",)
    opportunity_id: UUID
    solution_id: UUID
    title: str
    description: str | None
    value: int
    effort: int
    confidence: int
    revised_by: str
    revised_at: datetime


class SolutionSelected(Event):
    event_type = "SolutionSelected"
    audit_part = ("solution_id",)
    opportunity_id: UUID
    solution_id: UUID
    rationale: str
    selected_by: str
    selected_at: datetime


class ExperimentEvidenceAdded(Event):
    """A concluded experiment's result, now evidence for (or against) the opportunity."""

    event_type = "ExperimentEvidenceAdded"
    audit_part = ("experiment_id",)
    opportunity_id: UUID
    experiment_id: UUID
    outcome: Outcome
    learnings: str
    added_at: datetime


OpportunityEvent = (
    OpportunityOpened
    | OpportunityRestated
    | OpportunityEvaluated
    | OpportunityDecided
    | SolutionProposed
    | SolutionRevised
    | SolutionSelected
    | ExperimentEvidenceAdded
)


class OpenOpportunity(Command):
    kind: Literal["open"] = "open"
    opportunity_id: UUID
    workspace_id: str
    title: Title
    description: Text | None = None
    problem_ids: Annotated[tuple[UUID, ...], Field(min_length=1, max_length=50)]
    problem_statuses: dict[UUID, ProblemStatus]
    """Fact from the API: the status of each named problem found in the workspace."""
    actor: str
    now: datetime


class RestateOpportunity(Command):
    kind: Literal["restate"] = "restate"
    opportunity_id: UUID
    title: Title
    description: Text | None = None
    problem_ids: Annotated[tuple[UUID, ...], Field(min_length=1, max_length=50)]
    problem_statuses: dict[UUID, ProblemStatus]
    """Fact from the API: the status of each named problem found in the workspace."""
    note: ShortText | None = None
    actor: str
    now: datetime


class EvaluateOpportunity(Command):
    kind: Literal["evaluate"] = "evaluate"
    opportunity_id: UUID
    inputs: ScoreInputs
    note: ShortText | None = None
    actor: str
    now: datetime


class DecideOpportunity(Command):
    kind: Literal["decide"] = "decide"
    opportunity_id: UUID
    verdict: Verdict
    rationale: Text
    actor: str
    now: datetime


class _Candidate(Command):
    """A candidate solution as a command states it, proposed or revised."""

    opportunity_id: UUID
    solution_id: UUID
    title: Title
    description: Text | None = None
    value: Scale
    effort: Scale
    confidence: Scale
    actor: str
    now: datetime


class ProposeSolution(_Candidate):
    kind: Literal["propose"] = "propose"


class ReviseSolution(_Candidate):
    kind: Literal["revise"] = "revise"


class SelectSolution(Command):
    kind: Literal["select"] = "select"
    opportunity_id: UUID
    solution_id: UUID
    rationale: Text
    actor: str
    now: datetime


class AddExperimentEvidence(Command):
    kind: Literal["evidence"] = "evidence"
    opportunity_id: UUID
    experiment_id: UUID
    outcome: Outcome
    learnings: Text
    now: datetime


OpportunityCommand = (
    OpenOpportunity
    | RestateOpportunity
    | EvaluateOpportunity
    | DecideOpportunity
    | ProposeSolution
    | ReviseSolution
    | SelectSolution
    | AddExperimentEvidence
)
