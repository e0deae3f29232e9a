"""What a feedback item decides, given its state: the rules of receiving, classifying,
voting, linking, merging, separating and telling apart (and taking that back)."""

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
    FeedbackReleased,
    FeedbackToldApart,
    FeedbackToldApartWithdrawn,
    FeedbackUnlinked,
    FeedbackUnmerged,
    FeedbackVoted,
    FeedbackVoteWithdrawn,
    Link,
    LinkFeedback,
    MarkAsDuplicate,
    ReceiveFeedback,
    ReleaseDuplicate,
    SeparateDuplicate,
    TellApart,
    TriageFeedback,
    UnlinkFeedback,
    VoteForFeedback,
    WithdrawTellingApart,
    WithdrawVote,
    evolve,
    initial_state,
    only_from,
)

MAX_TAGS = 50

# Decisions ----------------------------------------------------------------------------

Decision = list[FeedbackEvent]
ItemCommand = (
    ReceiveFeedback
    | ClassifyFeedback
    | TriageFeedback
    | VoteForFeedback
    | WithdrawVote
    | LinkFeedback
    | UnlinkFeedback
    | MarkAsDuplicate
    | AbsorbDuplicate
    | SeparateDuplicate
    | ReleaseDuplicate
    | TellApart
    | WithdrawTellingApart
)


def decide(command: ItemCommand, state: FeedbackItem) -> Decision:
    if isinstance(command, ReceiveFeedback):
        return _receive(command, state)
    if not state.exists or state.feedback_id is None:
        raise NotFound("no such feedback item")
    if isinstance(command, SeparateDuplicate):
        return _separate(command, state, state.feedback_id)
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
        case TriageFeedback():
            triaged = _classify(command.classification(), state, item, ws)
            link = command.link
            if link is not None and not state.owns_link(link):
                triaged.append(_linked(item, ws, link, state.customer_ref, command.at))
            return triaged
        case VoteForFeedback():
            if state.owns_vote(command.vote.voter):
                return []
            return [
                FeedbackVoted(
                    feedback_id=item, workspace_id=ws, vote=command.vote, voted_at=command.at
                )
            ]
        case WithdrawVote():
            if not state.voted(command.voter):
                for_customer = command.voter.startswith("customer:")  # else one's own vote
                raise DomainError(
                    f"{command.voter} has no vote on feedback {item}",
                    field="on_behalf_of" if for_customer else None,
                    code="not-voted",
                )
            return [
                FeedbackVoteWithdrawn(
                    feedback_id=item, workspace_id=ws, voter=command.voter, withdrawn_at=command.at
                )
            ]
        case LinkFeedback():
            if state.owns_link(command.link):
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
            return [_unlinked(item, ws, command.link, command.at)]
        case MarkAsDuplicate():
            return _mark_duplicate(command, state, item, ws)
        case AbsorbDuplicate():
            return _absorb(command, state, item, ws)
        case ReleaseDuplicate():
            return _release(command, state, item, ws)
        case TellApart():
            if command.other_id == item:
                raise DomainError("an item is always the same as itself", field="other_id")
            if command.other_id in state.told_apart:
                return []
            return [
                FeedbackToldApart(
                    feedback_id=item,
                    workspace_id=ws,
                    other_id=command.other_id,
                    told_apart_at=command.at,
                )
            ]
        case WithdrawTellingApart():
            if command.other_id not in state.told_apart:
                raise DomainError(
                    f"feedback {item} was not told apart from {command.other_id}",
                    field="other_id",
                    code="not-told-apart",
                )
            return [
                FeedbackToldApartWithdrawn(
                    feedback_id=item,
                    workspace_id=ws,
                    other_id=command.other_id,
                    withdrawn_at=command.at,
                )
            ]
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
    unlinks: Decision = [_unlinked(item, ws, link, command.at) for link in links]
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
            links=list(command.links),
            absorbed_at=command.at,
        ),
        *(_linked(item, ws, link, state.customer_ref, command.at) for link in new_links),
    ]


def _separate(command: SeparateDuplicate, state: FeedbackItem, item: UUID) -> Decision:
    if state.merged_into is None:
        raise Conflict(f"feedback {item} is not merged into another item", code="not-merged")
    ws = state.workspace_id
    return [
        FeedbackUnmerged(
            feedback_id=item,
            workspace_id=ws,
            from_id=state.merged_into,
            reason=command.reason,
            unmerged_at=command.at,
        ),
        *(_linked(item, ws, link, state.customer_ref, command.at) for link in state.moved_links),
    ]


def _release(command: ReleaseDuplicate, state: FeedbackItem, item: UUID, ws: str) -> Decision:
    """Give back what came only with the duplicate: a vote or link this item had as well,
    or that another duplicate brought too, stays."""
    duplicate = command.duplicate_id
    if duplicate not in state.absorbed:
        return []  # released already, or never absorbed
    withdrawn: Decision = [
        FeedbackVoteWithdrawn(
            feedback_id=item, workspace_id=ws, voter=voter, withdrawn_at=command.at
        )
        for voter in only_from(state.vote_sources, duplicate)
    ]
    unlinked: Decision = [
        _unlinked(item, ws, link, command.at) for link in only_from(state.link_sources, duplicate)
    ]
    released = FeedbackReleased(
        feedback_id=item,
        workspace_id=ws,
        duplicate_id=duplicate,
        reason=command.reason,
        released_at=command.at,
    )
    return [*withdrawn, *unlinked, released]


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


def _unlinked(item: UUID, ws: str, link: Link, at: datetime) -> FeedbackUnlinked:
    return FeedbackUnlinked(
        feedback_id=item,
        workspace_id=ws,
        target_type=link.target_type,
        target_id=link.target_id,
        unlinked_at=at,
    )


feedback_decider: Decider[
    ItemCommand,
    FeedbackEvent,
    FeedbackItem,
] = Decider(initial_state, decide, evolve)
