"""A strategy (vision, objectives and concept for a period) through review and approval.

draft → in review (named reviewers) → approved | changes requested. Revising a strategy
with changes requested makes it a draft again; revising an approved one starts the next
version as a draft, and the approved versions stay as they were, in their events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, assert_never
from uuid import UUID

from pydantic import Field
from sextant_kit import Command, Event

from sextant_strategy.domain.common import Actor, Period, ShortText, Text, Title
from sextant_strategy.domain.snapshot import StrategySnapshot


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"


class StrategyDrafted(Event):
    event_type = "StrategyDrafted"
    strategy_id: UUID
    workspace_id: str
    title: str
    period: Period
    objective_ids: tuple[UUID, ...]
    concept_id: UUID | None
    drafted_at: datetime


class StrategyRevised(Event):
    event_type = "StrategyRevised"
    strategy_id: UUID
    version: int
    title: str
    period: Period
    objective_ids: tuple[UUID, ...]
    concept_id: UUID | None
    revised_at: datetime


class StrategySubmittedForReview(Event):
    event_type = "StrategySubmittedForReview"
    strategy_id: UUID
    version: int
    reviewers: tuple[str, ...]
    submitted_by: str
    submitted_at: datetime


class StrategyCommented(Event):
    event_type = "StrategyCommented"
    audit_part = ("comment_id",)
    strategy_id: UUID
    version: int
    comment_id: UUID
    author: str
    text: str
    commented_at: datetime


class StrategyChangesRequested(Event):
    event_type = "StrategyChangesRequested"
    strategy_id: UUID
    version: int
    reviewer: str
    comment: str
    requested_at: datetime


class StrategyApproved(Event):
    """The version as approved; ``snapshot`` holds its parts as they were at that moment."""

    event_type = "StrategyApproved"
    strategy_id: UUID
    version: int
    approved_by: str
    comment: str | None
    approved_at: datetime
    snapshot: StrategySnapshot


StrategyEvent = (
    StrategyDrafted
    | StrategyRevised
    | StrategySubmittedForReview
    | StrategyCommented
    | StrategyChangesRequested
    | StrategyApproved
)

ObjectiveIds = Annotated[tuple[UUID, ...], Field(max_length=50)]


class DraftStrategy(Command):
    kind: Literal["draft"] = "draft"
    strategy_id: UUID
    workspace_id: str
    title: Title
    period: Period
    objective_ids: ObjectiveIds = ()
    concept_id: UUID | None = None
    now: datetime


class ReviseStrategy(Command):
    kind: Literal["revise"] = "revise"
    strategy_id: UUID
    title: Title
    period: Period
    objective_ids: ObjectiveIds = ()
    concept_id: UUID | None = None
    now: datetime


class SubmitStrategy(Command):
    kind: Literal["submit"] = "submit"
    strategy_id: UUID
    reviewers: Annotated[tuple[Actor, ...], Field(min_length=1, max_length=20)]
    now: datetime
    actor: Actor


class CommentOnStrategy(Command):
    kind: Literal["comment"] = "comment"
    strategy_id: UUID
    comment_id: UUID
    text: Text
    now: datetime
    actor: Actor


class RequestChanges(Command):
    kind: Literal["request_changes"] = "request_changes"
    strategy_id: UUID
    comment: Text
    now: datetime
    actor: Actor


class ApproveStrategy(Command):
    kind: Literal["approve"] = "approve"
    strategy_id: UUID
    comment: ShortText | None = None
    snapshot: StrategySnapshot
    """Built by the caller from the current vision, objectives and concept streams."""
    now: datetime
    actor: Actor


StrategyCommand = (
    DraftStrategy
    | ReviseStrategy
    | SubmitStrategy
    | CommentOnStrategy
    | RequestChanges
    | ApproveStrategy
)


@dataclass(frozen=True, slots=True)
class Strategy:
    drafted: StrategyDrafted | None = None
    version: int = 1
    status: ReviewStatus = ReviewStatus.DRAFT
    title: str = ""
    period: Period | None = None
    objective_ids: tuple[UUID, ...] = ()
    concept_id: UUID | None = None
    reviewers: tuple[str, ...] = ()
    submitted_by: str | None = None

    @property
    def exists(self) -> bool:
        return self.drafted is not None

    @property
    def workspace_id(self) -> str | None:
        return self.drafted.workspace_id if self.drafted else None


def initial_state() -> Strategy:
    return Strategy()


def evolve(state: Strategy, event: StrategyEvent) -> Strategy:
    match event:
        case StrategyDrafted():
            return Strategy(
                drafted=event,
                title=event.title,
                period=event.period,
                objective_ids=event.objective_ids,
                concept_id=event.concept_id,
            )
        case StrategyRevised():
            return replace(
                state,
                version=event.version,
                status=ReviewStatus.DRAFT,
                title=event.title,
                period=event.period,
                objective_ids=event.objective_ids,
                concept_id=event.concept_id,
            )
        case StrategySubmittedForReview():
            return replace(
                state,
                status=ReviewStatus.IN_REVIEW,
                reviewers=event.reviewers,
                submitted_by=event.submitted_by,
            )
        case StrategyCommented():
            return state
        case StrategyChangesRequested():
            return replace(state, status=ReviewStatus.CHANGES_REQUESTED)
        case StrategyApproved():
            return replace(state, status=ReviewStatus.APPROVED)
        case _:
            assert_never(event)
