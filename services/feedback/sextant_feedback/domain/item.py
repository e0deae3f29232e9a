"""A feedback item: received from a channel, classified, voted for, linked, merged and,
when merged by mistake, separated again; or told apart from an item alike in words (and,
told so by mistake, not any more).

Personal fields (``text``, ``author``, ``attendees``) arrive already sealed when the item
is attributed to a customer: the domain treats them as opaque strings, so erasing the
customer's key erases them everywhere the events travel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Literal, TypeVar, assert_never
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sextant_kit import Command, Event

from sextant_feedback.domain.channels import (
    Channel,
    DistinctTags,
    LinkTarget,
    Reason,
    Tag,
    distinct,
)
from sextant_feedback.domain.identity import customer_id_for

K = TypeVar("K")


class Vote(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    voter: str
    customer_id: UUID | None = None
    customer_ref: str | None = None


def customer_vote(tenant_id: str, customer_ref: str) -> Vote:
    """A vote on behalf of a customer account: one per account on an item."""
    return Vote(
        voter=f"customer:{customer_ref}",
        customer_id=customer_id_for(tenant_id, customer_ref),
        customer_ref=customer_ref,
    )


class Link(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target_type: LinkTarget
    target_id: str


# Events -------------------------------------------------------------------------------


class FeedbackReceived(Event):
    event_type = "FeedbackReceived"

    feedback_id: UUID
    workspace_id: str
    source: Channel
    external_id: str | None = None
    text: str
    author: str | None = None
    attendees: list[str] = Field(default_factory=list)
    sealed: bool = False
    """True when text, author and attendees are sealed with the customer's key."""
    customer_id: UUID | None = None
    customer_ref: str | None = None
    tags: DistinctTags = Field(default_factory=list)
    sentiment: float = Field(ge=-1, le=1)
    received_at: datetime


class FeedbackClassified(Event):
    event_type = "FeedbackClassified"

    feedback_id: UUID
    workspace_id: str
    tags_added: list[str] = Field(default_factory=list)
    tags_removed: list[str] = Field(default_factory=list)
    themes_added: list[str] = Field(default_factory=list)
    themes_removed: list[str] = Field(default_factory=list)
    classified_at: datetime


class FeedbackVoted(Event):
    event_type = "FeedbackVoted"
    audit_part = ("vote.voter",)
    audit_clears = ("withdrawn_at",)  # a vote cast again after it was taken back

    feedback_id: UUID
    workspace_id: str
    vote: Vote
    voted_at: datetime


class FeedbackVoteWithdrawn(Event):
    """A vote taken back: by the one who cast it, or on behalf of the customer it was for."""

    event_type = "FeedbackVoteWithdrawn"
    audit_part = ("voter",)
    audit_clears = ("vote", "voted_at")

    feedback_id: UUID
    workspace_id: str
    voter: str
    withdrawn_at: datetime


class FeedbackLinked(Event):
    """Other contexts count this as evidence for the target."""

    event_type = "FeedbackLinked"
    audit_part = ("target_type", "target_id")

    feedback_id: UUID
    workspace_id: str
    target_type: LinkTarget
    target_id: str
    customer_ref: str | None = None
    linked_at: datetime


class FeedbackUnlinked(Event):
    event_type = "FeedbackUnlinked"
    audit_part = ("target_type", "target_id")

    feedback_id: UUID
    workspace_id: str
    target_type: LinkTarget
    target_id: str
    unlinked_at: datetime


class FeedbackMerged(Event):
    """This item was a duplicate: ``into_id`` counts its votes (copied there, as
    FeedbackAbsorbed; they stay recorded here too) and holds its links. ``links`` are those
    it had (unlinked from it just before), which ``into_id`` absorbs; events written before
    the field came carry none."""

    event_type = "FeedbackMerged"

    feedback_id: UUID
    workspace_id: str
    into_id: UUID
    merged_at: datetime
    links: list[Link] = Field(default_factory=list)


class FeedbackAbsorbed(Event):
    """This item took over a duplicate's votes (its links follow as FeedbackLinked).
    ``links`` are those the duplicate brought, including any this item had already, so
    that separating the two later takes back only what came with it; events written
    before the field came carry none (their links then stay when separated)."""

    event_type = "FeedbackAbsorbed"

    feedback_id: UUID
    workspace_id: str
    duplicate_id: UUID
    votes: list[Vote] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    absorbed_at: datetime


class FeedbackUnmerged(Event):
    """This item was merged into ``from_id`` by mistake and stands on its own again; the
    links it gave up come back to it (as FeedbackLinked, just after). Its votes stayed
    recorded on it all along; the item it was merged into stops counting them
    (FeedbackReleased there)."""

    event_type = "FeedbackUnmerged"

    feedback_id: UUID
    workspace_id: str
    from_id: UUID
    reason: str
    unmerged_at: datetime


class FeedbackReleased(Event):
    """This item gave back a duplicate it had absorbed: the votes and links that came
    only with it left just before (as FeedbackVoteWithdrawn and FeedbackUnlinked)."""

    event_type = "FeedbackReleased"

    feedback_id: UUID
    workspace_id: str
    duplicate_id: UUID
    reason: str
    released_at: datetime


class FeedbackToldApart(Event):
    """A team found this item is not the same request as ``other_id``, though their words
    are alike: the likely duplicates no longer offer to merge them."""

    event_type = "FeedbackToldApart"
    audit_part = ("other_id",)

    feedback_id: UUID
    workspace_id: str
    other_id: UUID
    told_apart_at: datetime


class FeedbackToldApartWithdrawn(Event):
    """Told apart from ``other_id`` by mistake: the two may be offered as likely
    duplicates again."""

    event_type = "FeedbackToldApartWithdrawn"
    audit_part = ("other_id",)

    feedback_id: UUID
    workspace_id: str
    other_id: UUID
    withdrawn_at: datetime


FeedbackEvent = (
    FeedbackReceived
    | FeedbackClassified
    | FeedbackVoted
    | FeedbackVoteWithdrawn
    | FeedbackLinked
    | FeedbackUnlinked
    | FeedbackMerged
    | FeedbackAbsorbed
    | FeedbackUnmerged
    | FeedbackReleased
    | FeedbackToldApart
    | FeedbackToldApartWithdrawn
)

# Commands -----------------------------------------------------------------------------


class ReceiveFeedback(Command):
    kind: Literal["receive"] = "receive"
    feedback_id: UUID
    workspace_id: str
    source: Channel
    external_id: str | None = None
    text: str
    author: str | None = None
    attendees: list[str] = Field(default_factory=list)
    sealed: bool = False
    customer_id: UUID | None = None
    customer_ref: str | None = None
    tags: Annotated[list[Tag], AfterValidator(distinct)] = Field(
        default_factory=list, max_length=50
    )
    sentiment: float = Field(ge=-1, le=1)
    received_at: datetime


class ClassifyFeedback(Command):
    kind: Literal["classify"] = "classify"
    add_tags: list[Tag] = Field(default_factory=list, max_length=50)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=50)
    add_themes: list[Tag] = Field(default_factory=list, max_length=20)
    remove_themes: list[Tag] = Field(default_factory=list, max_length=20)
    at: datetime


class TriageFeedback(Command):
    """Tags, themes and a link at once: one item's share of a team triaging many."""

    kind: Literal["triage"] = "triage"
    add_tags: list[Tag] = Field(default_factory=list, max_length=50)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=50)
    add_themes: list[Tag] = Field(default_factory=list, max_length=20)
    remove_themes: list[Tag] = Field(default_factory=list, max_length=20)
    link: Link | None = None
    at: datetime

    def classification(self) -> ClassifyFeedback:
        """Its tags and themes, as classifying the item alone would change them."""
        return ClassifyFeedback(**self.model_dump(exclude={"kind", "link"}))


class VoteForFeedback(Command):
    kind: Literal["vote"] = "vote"
    vote: Vote
    at: datetime


class WithdrawVote(Command):
    kind: Literal["withdraw-vote"] = "withdraw-vote"
    voter: str
    at: datetime


class LinkFeedback(Command):
    kind: Literal["link"] = "link"
    link: Link
    at: datetime


class UnlinkFeedback(Command):
    kind: Literal["unlink"] = "unlink"
    link: Link
    at: datetime


class MarkAsDuplicate(Command):
    """Sent to the duplicate after its target absorbed it."""

    kind: Literal["mark-duplicate"] = "mark-duplicate"
    into_id: UUID
    at: datetime


class AbsorbDuplicate(Command):
    """Sent to the item that stays; carries the duplicate's votes and links."""

    kind: Literal["absorb"] = "absorb"
    duplicate_id: UUID
    votes: list[Vote]
    links: list[Link]
    customer_vote: Vote | None = None
    """The duplicate's own customer asked too: a vote on its behalf, unless it is the
    customer of the item that stays."""
    at: datetime


class SeparateDuplicate(Command):
    """Sent to an item merged by mistake: it stands on its own again."""

    kind: Literal["separate"] = "separate"
    reason: Reason
    at: datetime


class ReleaseDuplicate(Command):
    """Sent to the item a duplicate was merged into, once the duplicate is separated."""

    kind: Literal["release"] = "release"
    duplicate_id: UUID
    reason: Reason
    at: datetime


class TellApart(Command):
    """This item is not the same request as ``other_id``."""

    kind: Literal["tell-apart"] = "tell-apart"
    other_id: UUID
    at: datetime


class WithdrawTellingApart(Command):
    """This item was told apart from ``other_id`` by mistake."""

    kind: Literal["withdraw-telling-apart"] = "withdraw-telling-apart"
    other_id: UUID
    at: datetime


FeedbackCommand = Annotated[
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
    | WithdrawTellingApart,
    Field(discriminator="kind"),
]

# State --------------------------------------------------------------------------------


OWN: frozenset[UUID | None] = frozenset({None})
"""The sources of a vote or link made on the item itself."""


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    feedback_id: UUID | None = None
    workspace_id: str = ""
    customer_ref: str | None = None
    tags: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    votes: tuple[Vote, ...] = ()
    links: frozenset[Link] = frozenset()
    absorbed: frozenset[UUID] = frozenset()
    vote_sources: Mapping[str, frozenset[UUID | None]] = field(default_factory=dict)
    """Whom each voter's vote is here for: ``None`` for this item itself, and each
    duplicate absorbed that brought it. A vote leaves with the last of them."""
    link_sources: Mapping[Link, frozenset[UUID | None]] = field(default_factory=dict)
    """The same for links."""
    merged_into: UUID | None = None
    moved_links: tuple[Link, ...] = ()
    """The links it had when it was merged (they move to ``merged_into``)."""
    unmerged_from: UUID | None = None
    """The item it was last separated from: where a retry of the unmerge finishes the
    release, if the first stopped before it."""
    told_apart: frozenset[UUID] = frozenset()
    """The items a team said this one is not the same as."""

    @property
    def exists(self) -> bool:
        return self.feedback_id is not None

    def voted(self, voter: str) -> bool:
        return any(v.voter == voter for v in self.votes)

    def owns_vote(self, voter: str) -> bool:
        """Whether ``voter``'s vote is this item's own, not only one a duplicate brought
        (which an unmerge takes back)."""
        return self.voted(voter) and None in self.vote_sources.get(voter, OWN)

    def owns_link(self, link: Link) -> bool:
        """The same for a link."""
        return link in self.links and None in self.link_sources.get(link, OWN)


def initial_state() -> FeedbackItem:
    return FeedbackItem()


def evolve(state: FeedbackItem, event: FeedbackEvent) -> FeedbackItem:
    match event:
        case FeedbackReceived():
            return FeedbackItem(
                feedback_id=event.feedback_id,
                workspace_id=event.workspace_id,
                customer_ref=event.customer_ref,
                tags=frozenset(event.tags),
            )
        case FeedbackClassified():
            return replace(
                state,
                tags=(state.tags | set(event.tags_added)) - set(event.tags_removed),
                themes=(state.themes | set(event.themes_added)) - set(event.themes_removed),
            )
        case FeedbackVoted():
            voter = event.vote.voter
            if state.voted(voter):  # cast here on a vote a duplicate brought: now its own too
                own = state.vote_sources.get(voter, OWN) | OWN
                return replace(state, vote_sources={**state.vote_sources, voter: own})
            return replace(
                state,
                votes=(*state.votes, event.vote),
                vote_sources={**state.vote_sources, voter: OWN},
            )
        case FeedbackVoteWithdrawn():
            return replace(
                state,
                votes=tuple(v for v in state.votes if v.voter != event.voter),
                vote_sources=_without(state.vote_sources, {event.voter}),
            )
        case FeedbackLinked():
            link = Link(**_link_of(event))
            if link in state.links:  # made here on a link a duplicate brought: its own too
                sources = state.link_sources.get(link, OWN) | OWN
            else:  # a link an absorbed duplicate brought has its source already
                sources = state.link_sources.get(link, OWN)
            return replace(
                state,
                links=state.links | {link},
                link_sources={**state.link_sources, link: sources},
            )
        case FeedbackUnlinked():
            link = Link(**_link_of(event))
            return replace(
                state,
                links=state.links - {link},
                link_sources=_without(state.link_sources, {link}),
            )
        case FeedbackMerged():
            return replace(
                state, merged_into=event.into_id, moved_links=tuple(event.links), unmerged_from=None
            )
        case FeedbackUnmerged():
            return replace(state, merged_into=None, moved_links=(), unmerged_from=event.from_id)
        case FeedbackAbsorbed():
            known = {v.voter for v in state.votes}
            moved = tuple(v for v in event.votes if v.voter not in known)
            return replace(
                state,
                votes=(*state.votes, *moved),
                absorbed=state.absorbed | {event.duplicate_id},
                vote_sources=_with_source(
                    state.vote_sources, [v.voter for v in event.votes], event.duplicate_id
                ),
                link_sources=_with_source(state.link_sources, event.links, event.duplicate_id),
            )
        case FeedbackToldApart():
            return replace(state, told_apart=state.told_apart | {event.other_id})
        case FeedbackToldApartWithdrawn():
            return replace(state, told_apart=state.told_apart - {event.other_id})
        case FeedbackReleased():
            gone = event.duplicate_id
            return replace(
                state,
                absorbed=state.absorbed - {gone},
                vote_sources={k: s - {gone} for k, s in state.vote_sources.items()},
                link_sources={k: s - {gone} for k, s in state.link_sources.items()},
            )
        case _:
            assert_never(event)


def only_from(sources: Mapping[K, frozenset[UUID | None]], duplicate: UUID) -> list[K]:
    """The votes or links that came with ``duplicate`` alone, in their order."""
    return [k for k, s in sources.items() if s == {duplicate}]


def _with_source(
    sources: Mapping[K, frozenset[UUID | None]], keys: Iterable[K], duplicate: UUID
) -> dict[K, frozenset[UUID | None]]:
    out = dict(sources)
    for key in keys:
        out[key] = out.get(key, frozenset()) | {duplicate}
    return out


def _without(
    sources: Mapping[K, frozenset[UUID | None]], keys: set[K]
) -> dict[K, frozenset[UUID | None]]:
    return {k: s for k, s in sources.items() if k not in keys}


def _link_of(event: FeedbackLinked | FeedbackUnlinked) -> dict[str, str]:
    return {"target_type": event.target_type, "target_id": event.target_id}
