"""Immutable pictures of the strategy's parts, carried in the approval event."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from sextant_strategy.domain.common import Period
from sextant_strategy.domain.concept import Concept
from sextant_strategy.domain.objective import Objective
from sextant_strategy.domain.objective_events import Level, Outcome
from sextant_strategy.domain.progress import Direction, Status, objective_progress, worst
from sextant_strategy.domain.vision import Vision


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VisionSnapshot(_Frozen):
    revision: int
    vision: str
    mission: str
    revised_at: datetime


class KeyResultSnapshot(_Frozen):
    key_result_id: UUID
    title: str
    baseline: float
    target: float
    unit: str
    direction: Direction
    current: float | None
    progress: float
    confidence: float | None
    status: Status | None


class ObjectiveSnapshot(_Frozen):
    objective_id: UUID
    workspace_id: str | None
    level: Level
    title: str
    owner: str
    period: Period
    parent_id: UUID | None
    key_results: tuple[KeyResultSnapshot, ...]
    progress: float | None
    status: Status | None
    outcome: Outcome | None


class ConceptSnapshot(_Frozen):
    concept_id: UUID
    name: str
    problem: str
    personas: tuple[str, ...]
    value_proposition: str
    differentiators: tuple[str, ...]
    opportunity_ids: tuple[UUID, ...]


class StrategySnapshot(_Frozen):
    title: str
    period: Period
    vision: VisionSnapshot | None
    objectives: tuple[ObjectiveSnapshot, ...]
    concept: ConceptSnapshot | None


def vision_snapshot(state: Vision) -> VisionSnapshot | None:
    v = state.current
    if v is None:
        return None
    return VisionSnapshot(
        revision=v.revision, vision=v.vision, mission=v.mission, revised_at=v.revised_at
    )


def objective_snapshot(state: Objective) -> ObjectiveSnapshot:
    assert state.set is not None, "snapshot of an objective that does not exist"
    krs = tuple(
        KeyResultSnapshot(
            key_result_id=kr.definition.key_result_id,
            title=kr.definition.title,
            baseline=kr.definition.baseline,
            target=kr.definition.target,
            unit=kr.definition.unit,
            direction=kr.definition.direction,
            current=kr.latest.value if kr.latest else None,
            progress=kr.latest.progress if kr.latest else 0.0,
            confidence=kr.latest.confidence if kr.latest else None,
            status=kr.latest.status if kr.latest else None,
        )
        for kr in state.key_results.values()
    )
    s = state.set
    return ObjectiveSnapshot(
        objective_id=s.objective_id,
        workspace_id=s.workspace_id,
        level=s.level,
        title=s.title,
        owner=s.owner,
        period=s.period,
        parent_id=state.parent_id,
        key_results=krs,
        progress=objective_progress([k.progress for k in krs]),
        status=worst([k.status for k in krs]),
        outcome=state.closed.outcome if state.closed else None,
    )


def concept_snapshot(concept_id: UUID, state: Concept) -> ConceptSnapshot:
    assert state.body is not None, "snapshot of a concept that does not exist"
    b = state.body
    return ConceptSnapshot(
        concept_id=concept_id,
        name=b.name,
        problem=b.problem,
        personas=b.personas,
        value_proposition=b.value_proposition,
        differentiators=b.differentiators,
        opportunity_ids=tuple(sorted(state.opportunity_ids)),
    )
