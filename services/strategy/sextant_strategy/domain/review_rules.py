"""The rules of the strategy review: who may move a strategy from which state to which."""

from __future__ import annotations

from typing import assert_never
from uuid import UUID

from sextant_kit import Conflict, Decider, DomainError, NotFound
from sextant_kit.errors import Forbidden

from sextant_strategy.domain.common import check_period
from sextant_strategy.domain.review import (
    ApproveStrategy,
    CommentOnStrategy,
    DraftStrategy,
    RequestChanges,
    ReviewStatus,
    ReviseStrategy,
    Strategy,
    StrategyApproved,
    StrategyChangesRequested,
    StrategyCommand,
    StrategyCommented,
    StrategyDrafted,
    StrategyEvent,
    StrategyRevised,
    StrategySubmittedForReview,
    SubmitStrategy,
    evolve,
    initial_state,
)


def _existing(state: Strategy, strategy_id: UUID) -> Strategy:
    if not state.exists:
        raise NotFound(f"strategy {strategy_id} does not exist")
    return state


def _in_status(state: Strategy, allowed: set[ReviewStatus], action: str) -> None:
    if state.status not in allowed:
        wanted = " or ".join(sorted(s.value for s in allowed))
        raise Conflict(
            f"a strategy can be {action} only when {wanted}; "
            f"version {state.version} is {state.status.value}",
            code="strategy-review-state",
        )


def _named_reviewer(state: Strategy, actor: str, action: str) -> None:
    if actor == state.submitted_by:
        raise Forbidden(
            f"{actor} submitted version {state.version} and may not {action} it; "
            f"its reviewers are {', '.join(r for r in state.reviewers if r != actor) or 'none'}"
        )
    if actor not in state.reviewers:
        raise Forbidden(
            f"{actor} is not a reviewer of version {state.version} and may not {action} it; "
            f"its reviewers are {', '.join(state.reviewers)}"
        )


def decide(command: StrategyCommand, state: Strategy) -> list[StrategyEvent]:
    match command:
        case DraftStrategy():
            if state.exists:
                raise Conflict(f"strategy {command.strategy_id} already exists")
            check_period(command.period)
            return [
                StrategyDrafted(
                    **command.model_dump(exclude={"kind", "now"}), drafted_at=command.now
                )
            ]
        case ReviseStrategy():
            _existing(state, command.strategy_id)
            _in_status(
                state,
                {ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED, ReviewStatus.APPROVED},
                "revised",
            )
            check_period(command.period)
            version = state.version + 1 if state.status is ReviewStatus.APPROVED else state.version
            return [
                StrategyRevised(
                    **command.model_dump(exclude={"kind", "now"}),
                    version=version,
                    revised_at=command.now,
                )
            ]
        case SubmitStrategy():
            _existing(state, command.strategy_id)
            _in_status(state, {ReviewStatus.DRAFT, ReviewStatus.CHANGES_REQUESTED}, "submitted")
            if not state.objective_ids:
                raise Conflict(
                    "a strategy needs at least one objective before it goes to review; "
                    "revise it with its objective_ids first",
                    code="strategy-has-no-objectives",
                )
            if command.actor in command.reviewers:
                raise DomainError(
                    f"{command.actor} submits this strategy and cannot also review it; "
                    "name someone else to approve it",
                    field="reviewers",
                )
            reviewers = tuple(dict.fromkeys(command.reviewers))
            return [
                StrategySubmittedForReview(
                    strategy_id=command.strategy_id,
                    version=state.version,
                    reviewers=reviewers,
                    submitted_by=command.actor,
                    submitted_at=command.now,
                )
            ]
        case CommentOnStrategy():
            _existing(state, command.strategy_id)
            return [
                StrategyCommented(
                    strategy_id=command.strategy_id,
                    version=state.version,
                    comment_id=command.comment_id,
                    author=command.actor,
                    text=command.text,
                    commented_at=command.now,
                )
            ]
        case RequestChanges():
            _existing(state, command.strategy_id)
            _in_status(state, {ReviewStatus.IN_REVIEW}, "sent back with changes requested")
            _named_reviewer(state, command.actor, "request changes to")
            return [
                StrategyChangesRequested(
                    strategy_id=command.strategy_id,
                    version=state.version,
                    reviewer=command.actor,
                    comment=command.comment,
                    requested_at=command.now,
                )
            ]
        case ApproveStrategy():
            return _approve(command, state)
        case _:
            assert_never(command)


def _approve(command: ApproveStrategy, state: Strategy) -> list[StrategyEvent]:
    _existing(state, command.strategy_id)
    _in_status(state, {ReviewStatus.IN_REVIEW}, "approved")
    _named_reviewer(state, command.actor, "approve")
    snapshot = command.snapshot
    if snapshot.vision is None:
        raise Conflict(
            "the workspace has no vision yet; state the vision (PUT .../vision) before "
            "approving its strategy",
            code="workspace-has-no-vision",
        )
    if tuple(o.objective_id for o in snapshot.objectives) != state.objective_ids:
        raise DomainError(
            "the snapshot's objectives are not the strategy's objectives", field="objective_ids"
        )
    if snapshot.concept is not None and snapshot.concept.concept_id != state.concept_id:
        raise DomainError(
            "the snapshot's concept is not the strategy's concept", field="concept_id"
        )
    return [
        StrategyApproved(
            strategy_id=command.strategy_id,
            version=state.version,
            approved_by=command.actor,
            comment=command.comment,
            approved_at=command.now,
            snapshot=snapshot,
        )
    ]


strategy_decider: Decider[StrategyCommand, StrategyEvent, Strategy] = Decider(
    initial_state, decide, evolve
)
