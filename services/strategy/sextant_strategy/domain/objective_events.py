"""The facts of the objective aggregate: objectives set, aligned, measured and closed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sextant_kit import Event

from sextant_strategy.domain.common import Period
from sextant_strategy.domain.progress import Direction, Status


class Level(StrEnum):
    ORGANISATION = "organisation"
    TEAM = "team"


class Outcome(StrEnum):
    ACHIEVED = "achieved"
    PARTIALLY_ACHIEVED = "partially_achieved"
    MISSED = "missed"
    ABANDONED = "abandoned"


# Events -------------------------------------------------------------------------------


class ObjectiveSet(Event):
    event_type = "ObjectiveSet"
    objective_id: UUID
    workspace_id: str | None
    level: Level
    title: str
    description: str | None
    owner: str
    period: Period
    parent_id: UUID | None
    set_at: datetime


class ObjectiveRestated(Event):
    """The objective's wording and owner as they now stand (its period, level and key
    results are its own events')."""

    event_type = "ObjectiveRestated"
    objective_id: UUID
    title: str
    description: str | None
    owner: str
    restated_at: datetime
    restated_by: str


class ObjectiveAligned(Event):
    event_type = "ObjectiveAligned"
    objective_id: UUID
    parent_id: UUID | None
    previous_parent_id: UUID | None


class KeyResultDefined(Event):
    event_type = "KeyResultDefined"
    audit_part = ("key_result_id",)
    objective_id: UUID
    key_result_id: UUID
    title: str
    baseline: float
    target: float
    unit: str
    direction: Direction


class KeyResultReworded(Event):
    """A key result's title as it now reads; its baseline, target and unit stay (check-ins
    are measured against them)."""

    event_type = "KeyResultReworded"
    audit_part = ("key_result_id",)
    objective_id: UUID
    key_result_id: UUID
    title: str


class KeyResultRetargeted(Event):
    """A key result's baseline and target as they now stand, with the reason they moved. Its
    progress and status are the latest check-in's value measured against them (none before
    its first check-in); earlier check-ins keep what they were measured against then."""

    event_type = "KeyResultRetargeted"
    audit_part = ("key_result_id",)
    objective_id: UUID
    key_result_id: UUID
    baseline: float
    target: float
    previous_baseline: float
    previous_target: float
    reason: str
    progress: float | None
    status: Status | None
    retargeted_at: datetime
    retargeted_by: str


class KeyResultProgressed(Event):
    event_type = "KeyResultProgressed"
    audit_part = ("key_result_id",)
    objective_id: UUID
    key_result_id: UUID
    value: float
    confidence: float
    comment: str | None
    progress: float
    status: Status
    checked_in_at: datetime
    checked_in_by: str


class ObjectiveClosed(Event):
    event_type = "ObjectiveClosed"
    objective_id: UUID
    outcome: Outcome
    note: str | None
    closed_at: datetime
    closed_by: str


class ObjectiveReopened(Event):
    """A closed objective open again, with why (closed too soon, or by mistake): it takes
    check-ins and changes again until closed once more."""

    event_type = "ObjectiveReopened"
    audit_clears = ("outcome", "note", "closed_at", "closed_by")
    objective_id: UUID
    previous_outcome: Outcome
    reason: str
    reopened_at: datetime
    reopened_by: str


ObjectiveEvent = (
    ObjectiveSet
    | ObjectiveRestated
    | ObjectiveAligned
    | KeyResultDefined
    | KeyResultReworded
    | KeyResultRetargeted
    | KeyResultProgressed
    | ObjectiveClosed
    | ObjectiveReopened
)
