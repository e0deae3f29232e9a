"""What a feedback item decides, given its state: the rules of receiving, classifying,
voting, linking and merging."""

from __future__ import annotations

from datetime import datetime
from typing import assert_never
from uuid import UUID

from sextant_kit import Conflict, Decider, DomainError, NotFound

from sextant_feedback.domain.item import (
    AbsorbDuplicate,
    ClassifyFeedback,
    FeedbackAbsorbed,
    FeedbackClassified,
    FeedbackEvent,
    FeedbackItem,
    FeedbackLinked,
    FeedbackMerged,
    FeedbackReceived,
    FeedbackUnlinked,
    FeedbackVoted,
    FeedbackVoteWithdrawn,
    Link,
    LinkFeedback,
    MarkAsDuplicate,
    ReceiveFeedback,
    UnlinkFeedback,
    VoteForFeedback,
    WithdrawVote,
    evolve,
    initial_state,
)

MAX_TAGS = 50

# Decisions ----------------------------------------------------------------------------

Decision = list[FeedbackEvent]
ItemCommand = (
    ReceiveFeedback
    | ClassifyFeedback
    | VoteForFeedback
    | WithdrawVote
    | LinkFeedback
    | UnlinkFeedback
    | MarkAsDuplicate
    | AbsorbDuplicate
)


def decide(command: ItemCommand, state: FeedbackItem) -> Decision:
    if isinstance(command, ReceiveFeedback):
        return _receive(command, state)
    if not state.exists or state.feedback_id is None:
        raise NotFound("no such feedback item")
    if state.merged_into is not None:
        raise Conflict(
            f"feedback {state.feedback_id} was merged into {state.merged_into}; "
            "change that item instead",
            code="feedback-merged",
        )
    item, ws = state.feedback_id, state.workspace_id
    match command:
        case ClassifyFeedback():
            return _classify(command, state, item, ws)
        case VoteForFeedback():
            if state.voted(command.vote.voter):
                return []
            return [
                FeedbackVoted(
                    feedback_id=item, workspace_id=ws, vote=command.vote, voted_at=command.at
                )
            ]
        case WithdrawVote():
            if not state.voted(command.voter):
                raise DomainError(
                    f"{command.voter} has no vote on feedback {item}",
                    field="on_behalf_of",
                    code="not-voted",
                )
            return [
                FeedbackVoteWithdrawn(
                    feedback_id=item, workspace_id=ws, voter=command.voter, withdrawn_at=command.at
                )
            ]
        case LinkFeedback():
            if command.link in state.links:
                return []
            return [_linked(item, ws, command.link, state.customer_ref, command.at)]
        case UnlinkFeedback():
            if command.link not in state.links:
                raise DomainError(
                    f"feedback {item} is not linked to {command.link.target_type.value} "
                    f"{command.link.target_id}",
                    field="target_id",
                    code="not-linked",
                )
            return [
                FeedbackUnlinked(
                    feedback_id=item,
                    workspace_id=ws,
                    target_type=command.link.target_type,
                    target_id=command.link.target_id,
                    unlinked_at=command.at,
                )
            ]
        case MarkAsDuplicate():
            return _mark_duplicate(command, state, item, ws)
        case AbsorbDuplicate():
            return _absorb(command, state, item, ws)
        case _:
            assert_never(command)


def _receive(command: ReceiveFeedback, state: FeedbackItem) -> Decision:
    if state.exists:
        return []  # the same (source, external id) again: re-sending is harmless
    return [FeedbackReceived(**command.model_dump(exclude={"kind"}))]


def _classify(command: ClassifyFeedback, state: FeedbackItem, item: UUID, ws: str) -> Decision:
    added = sorted(set(command.add_tags) - state.tags)
    removed = sorted(set(command.remove_tags) & state.tags)
    themes_added = sorted(set(command.add_themes) - state.themes)
    themes_removed = sorted(set(command.remove_themes) & state.themes)
    if len((state.tags | set(added)) - set(removed)) > MAX_TAGS:
        raise DomainError(f"an item carries at most {MAX_TAGS} tags", field="add_tags")
    if not (added or removed or themes_added or themes_removed):
        return []
    return [
        FeedbackClassified(
            feedback_id=item,
            workspace_id=ws,
            tags_added=added,
            tags_removed=removed,
            themes_added=themes_added,
            themes_removed=themes_removed,
            classified_at=command.at,
        )
    ]


def _mark_duplicate(command: MarkAsDuplicate, state: FeedbackItem, item: UUID, ws: str) -> Decision:
    if command.into_id == item:
        raise DomainError("an item cannot be merged into itself", field="into_id")
    links = sorted(state.links, key=lambda lk: (lk.target_type, lk.target_id))
    unlinks: Decision = [
        FeedbackUnlinked(
            feedback_id=item,
            workspace_id=ws,
            target_type=link.target_type,
            target_id=link.target_id,
            unlinked_at=command.at,
        )
        for link in links
    ]
    return [
        *unlinks,
        FeedbackMerged(
            feedback_id=item,
            workspace_id=ws,
            into_id=command.into_id,
            merged_at=command.at,
            links=links,
        ),
    ]


def _absorb(command: AbsorbDuplicate, state: FeedbackItem, item: UUID, ws: str) -> Decision:
    if command.duplicate_id == item:
        raise DomainError("an item cannot be merged into itself", field="duplicate_id")
    if command.duplicate_id in state.absorbed:
        return []
    new_links = [link for link in command.links if link not in state.links]
    votes = list(command.votes)
    asked = command.customer_vote
    if (
        asked is not None
        and asked.customer_ref != state.customer_ref
        and all(v.voter != asked.voter for v in votes)
    ):
        votes.append(asked)
    return [
        FeedbackAbsorbed(
            feedback_id=item,
            workspace_id=ws,
            duplicate_id=command.duplicate_id,
            votes=votes,
            absorbed_at=command.at,
        ),
        *(_linked(item, ws, link, state.customer_ref, command.at) for link in new_links),
    ]


def _linked(
    item: UUID, ws: str, link: Link, customer_ref: str | None, at: datetime
) -> FeedbackLinked:
    return FeedbackLinked(
        feedback_id=item,
        workspace_id=ws,
        target_type=link.target_type,
        target_id=link.target_id,
        customer_ref=customer_ref,
        linked_at=at,
    )


feedback_decider: Decider[
    ItemCommand,
    FeedbackEvent,
    FeedbackItem,
] = Decider(initial_state, decide, evolve)
