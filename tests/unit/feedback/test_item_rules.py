"""Given-when-then for every rule of a feedback item."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from sextant_feedback.domain import (
    AbsorbDuplicate,
    Channel,
    ClassifyFeedback,
    FeedbackAbsorbed,
    FeedbackClassified,
    FeedbackEvent,
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
    LinkTarget,
    MarkAsDuplicate,
    ReceiveFeedback,
    ReleaseDuplicate,
    SeparateDuplicate,
    TellApart,
    TriageFeedback,
    UnlinkFeedback,
    Vote,
    VoteForFeedback,
    WithdrawTellingApart,
    WithdrawVote,
    customer_vote,
    feedback_decider,
    feedback_id_for,
)
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification

spec = DeciderSpecification(feedback_decider)
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ITEM = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
PROBLEM = Link(target_type=LinkTarget.PROBLEM, target_id="p-1")
OPPORTUNITY = Link(target_type=LinkTarget.OPPORTUNITY, target_id="o-1")


def receive(**overrides: object) -> ReceiveFeedback:
    fields: dict[str, object] = {
        "feedback_id": ITEM,
        "workspace_id": "ws",
        "text": "Export to CSV times out",
        "source": Channel.SUPPORT_TICKET,
        "external_id": "T-1",
        "customer_ref": "acme",
        "sentiment": -0.4,
        "received_at": NOW,
    }
    fields.update(overrides)
    return ReceiveFeedback.model_validate(fields)


def received(**overrides: object) -> FeedbackReceived:
    return FeedbackReceived(**receive(**overrides).model_dump(exclude={"kind"}))


def linked(link: Link = PROBLEM, item: UUID = ITEM) -> FeedbackLinked:
    return FeedbackLinked(
        feedback_id=item,
        workspace_id="ws",
        target_type=link.target_type,
        target_id=link.target_id,
        customer_ref="acme",
        linked_at=NOW,
    )


def test_new_feedback_is_received() -> None:
    spec.given([]).when(receive()).then([received()])


def test_the_same_item_again_changes_nothing() -> None:
    spec.given([received()]).when(receive(text="re-sent")).then([])


def test_commands_on_an_unknown_item_are_not_found() -> None:
    spec.given([]).when(VoteForFeedback(vote=Vote(voter="ana"), at=NOW)).then_raises(NotFound)


def test_classifying_adds_and_removes_only_what_changes() -> None:
    cmd = ClassifyFeedback(
        add_tags=["Export", "csv"], remove_tags=["nope"], add_themes=["reporting"], at=NOW
    )
    spec.given([received(tags=["csv"])]).when(cmd).then(
        [
            FeedbackClassified(
                feedback_id=ITEM,
                workspace_id="ws",
                tags_added=["export"],
                themes_added=["reporting"],
                classified_at=NOW,
            )
        ]
    )
    spec.given([received(tags=["csv"])]).when(ClassifyFeedback(add_tags=["csv"], at=NOW)).then([])


def test_at_most_fifty_tags() -> None:
    many = [f"t{i}" for i in range(50)]
    spec.given([received(tags=many)]).when(
        ClassifyFeedback(add_tags=["one-more"], at=NOW)
    ).then_raises(DomainError, match="at most 50")


def test_one_vote_per_voter() -> None:
    vote = Vote(voter="customer:acme", customer_ref="acme")
    voted = FeedbackVoted(feedback_id=ITEM, workspace_id="ws", vote=vote, voted_at=NOW)
    spec.given([received()]).when(VoteForFeedback(vote=vote, at=NOW)).then([voted])
    spec.given([received(), voted]).when(VoteForFeedback(vote=vote, at=NOW)).then([])


def test_a_vote_is_withdrawn_and_may_be_cast_again() -> None:
    vote = Vote(voter="customer:acme", customer_ref="acme")
    voted = FeedbackVoted(feedback_id=ITEM, workspace_id="ws", vote=vote, voted_at=NOW)
    withdraw = WithdrawVote(voter="customer:acme", at=NOW)
    withdrawn = FeedbackVoteWithdrawn(
        feedback_id=ITEM, workspace_id="ws", voter="customer:acme", withdrawn_at=NOW
    )
    spec.given([received(), voted]).when(withdraw).then([withdrawn])
    spec.given([received(), voted, withdrawn]).when(VoteForFeedback(vote=vote, at=NOW)).then(
        [voted]
    )
    error = spec.given([received(), voted, withdrawn]).when(withdraw).then_raises(DomainError)
    assert isinstance(error, DomainError)
    assert (error.field, error.code) == ("on_behalf_of", "not-voted")
    other = WithdrawVote(voter="ana", at=NOW)  # another voter's vote stays
    own = spec.given([received(), voted]).when(other).then_raises(DomainError, match="ana has no")
    assert isinstance(own, DomainError)
    assert own.field is None  # one's own vote is named by nothing the caller sent
    merged = FeedbackMerged(feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW)
    spec.given([received(), voted, merged]).when(withdraw).then_raises(Conflict, match="merged")


def test_linking_is_idempotent_and_carries_the_customer() -> None:
    spec.given([received()]).when(LinkFeedback(link=PROBLEM, at=NOW)).then([linked()])
    spec.given([received(), linked()]).when(LinkFeedback(link=PROBLEM, at=NOW)).then([])


def test_unlinking_what_is_not_linked_names_the_field() -> None:
    error = (
        spec.given([received()]).when(UnlinkFeedback(link=PROBLEM, at=NOW)).then_raises(DomainError)
    )
    assert isinstance(error, DomainError)
    assert error.field == "target_id"
    spec.given([received(), linked()]).when(UnlinkFeedback(link=PROBLEM, at=NOW)).then(
        [
            FeedbackUnlinked(
                feedback_id=ITEM,
                workspace_id="ws",
                target_type=LinkTarget.PROBLEM,
                target_id="p-1",
                unlinked_at=NOW,
            )
        ]
    )


def test_the_duplicate_gives_up_its_links_and_points_at_the_survivor() -> None:
    spec.given([received(), linked()]).when(MarkAsDuplicate(into_id=OTHER, at=NOW)).then(
        [
            FeedbackUnlinked(
                feedback_id=ITEM,
                workspace_id="ws",
                target_type=LinkTarget.PROBLEM,
                target_id="p-1",
                unlinked_at=NOW,
            ),
            FeedbackMerged(
                feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW, links=[PROBLEM]
            ),
        ]
    )


def test_a_merged_item_remembers_the_links_it_gave_up() -> None:
    """So a merge that stopped before the survivor absorbed it can be finished."""
    d = feedback_decider
    state = d.initial_state()
    state = d.evolve(d.evolve(state, received()), linked())
    for event in d.decide(MarkAsDuplicate(into_id=OTHER, at=NOW), state):
        state = d.evolve(state, event)
    assert (state.merged_into, state.links, state.moved_links) == (OTHER, frozenset(), (PROBLEM,))


def test_an_item_cannot_be_merged_into_itself() -> None:
    spec.given([received()]).when(MarkAsDuplicate(into_id=ITEM, at=NOW)).then_raises(
        DomainError, match="itself"
    )


def test_the_survivor_takes_votes_and_only_new_links() -> None:
    vote = Vote(voter="ana")
    cmd = AbsorbDuplicate(duplicate_id=OTHER, votes=[vote], links=[PROBLEM, OPPORTUNITY], at=NOW)
    spec.given([received(), linked()]).when(cmd).then(
        [
            FeedbackAbsorbed(
                feedback_id=ITEM,
                workspace_id="ws",
                duplicate_id=OTHER,
                votes=[vote],
                links=[PROBLEM, OPPORTUNITY],
                absorbed_at=NOW,
            ),
            linked(OPPORTUNITY),
        ]
    )


def test_the_duplicates_customer_votes_for_the_survivor_unless_it_is_the_survivors_own() -> None:
    ana, globex = Vote(voter="ana"), customer_vote("t", "globex")
    absorbed = FeedbackAbsorbed(
        feedback_id=ITEM,
        workspace_id="ws",
        duplicate_id=OTHER,
        votes=[ana, globex],
        absorbed_at=NOW,
    )
    cmd = AbsorbDuplicate(duplicate_id=OTHER, votes=[ana], links=[], customer_vote=globex, at=NOW)
    spec.given([received()]).when(cmd).then([absorbed])
    # the survivor's own customer (acme) asked already; a vote it cast moves only once
    for votes in ([ana], [ana, customer_vote("t", "acme")]):
        own = AbsorbDuplicate(
            duplicate_id=OTHER,
            votes=votes,
            links=[],
            customer_vote=customer_vote("t", "acme"),
            at=NOW,
        )
        spec.given([received()]).when(own).then([absorbed.model_copy(update={"votes": votes})])
    assert (
        globex.customer_id
        == customer_vote("t", "globex").customer_id
        != (customer_vote("other-tenant", "globex").customer_id)
    )


def test_absorbing_the_same_duplicate_twice_changes_nothing() -> None:
    absorbed = FeedbackAbsorbed(
        feedback_id=ITEM, workspace_id="ws", duplicate_id=OTHER, absorbed_at=NOW
    )
    cmd = AbsorbDuplicate(duplicate_id=OTHER, votes=[], links=[], at=NOW)
    spec.given([received(), absorbed]).when(cmd).then([])


def test_a_merged_item_accepts_no_more_changes() -> None:
    merged = FeedbackMerged(feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW)
    spec.given([received(), merged]).when(LinkFeedback(link=PROBLEM, at=NOW)).then_raises(
        Conflict, match="merged into"
    )


def test_an_item_merged_by_mistake_is_separated_and_gets_its_links_back() -> None:
    unlinked = FeedbackUnlinked(
        feedback_id=ITEM, workspace_id="ws", target_type="problem", target_id="p-1", unlinked_at=NOW
    )
    merged = FeedbackMerged(
        feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW, links=[PROBLEM]
    )
    separate = SeparateDuplicate(reason="  not the same ask ", at=NOW)
    unmerged = FeedbackUnmerged(
        feedback_id=ITEM,
        workspace_id="ws",
        from_id=OTHER,
        reason="not the same ask",
        unmerged_at=NOW,
    )
    history: list[FeedbackEvent] = [received(), linked(), unlinked, merged]
    spec.given(history).when(separate).then([unmerged, linked()])
    alone: list[FeedbackEvent] = [*history, unmerged, linked()]
    state = feedback_decider.fold(alone)
    assert (state.merged_into, state.links, state.unmerged_from) == (
        None,
        frozenset({PROBLEM}),
        OTHER,
    )
    # standing alone, it takes changes again, and is not separated twice
    spec.given(alone).when(LinkFeedback(link=OPPORTUNITY, at=NOW)).then([linked(OPPORTUNITY)])
    spec.given([received()]).when(separate).then_raises(Conflict, match="not merged")
    with pytest.raises(ValueError, match="reason"):
        SeparateDuplicate(reason=" ", at=NOW)


THIRD = UUID("00000000-0000-4000-8000-000000000003")


def absorbed(duplicate: UUID, votes: list[Vote], links: list[Link]) -> FeedbackAbsorbed:
    return FeedbackAbsorbed(
        feedback_id=ITEM,
        workspace_id="ws",
        duplicate_id=duplicate,
        votes=votes,
        links=links,
        absorbed_at=NOW,
    )


def test_releasing_a_duplicate_takes_back_only_what_came_with_it_alone() -> None:
    """A vote or link the item had itself, or that another duplicate brought too, stays;
    one withdrawn meanwhile is not withdrawn again."""
    bo, ana, cy = Vote(voter="bo"), Vote(voter="ana"), Vote(voter="cy")
    history: list[FeedbackEvent] = [
        received(),
        FeedbackVoted(feedback_id=ITEM, workspace_id="ws", vote=bo, voted_at=NOW),
        linked(),
        absorbed(OTHER, [bo, ana, cy], [PROBLEM, OPPORTUNITY]),
        linked(OPPORTUNITY),
        absorbed(THIRD, [ana], []),
        FeedbackVoteWithdrawn(feedback_id=ITEM, workspace_id="ws", voter="cy", withdrawn_at=NOW),
    ]
    release = ReleaseDuplicate(duplicate_id=OTHER, reason="different ask", at=NOW)
    unlinked = FeedbackUnlinked(
        feedback_id=ITEM,
        workspace_id="ws",
        target_type="opportunity",
        target_id="o-1",
        unlinked_at=NOW,
    )
    released = FeedbackReleased(
        feedback_id=ITEM,
        workspace_id="ws",
        duplicate_id=OTHER,
        reason="different ask",
        released_at=NOW,
    )
    spec.given(history).when(release).then([unlinked, released])
    after: list[FeedbackEvent] = [*history, unlinked, released]
    spec.given(after).when(release).then([])  # released already
    # ana's vote stayed for THIRD; it leaves with THIRD
    withdrawn = FeedbackVoteWithdrawn(
        feedback_id=ITEM, workspace_id="ws", voter="ana", withdrawn_at=NOW
    )
    release_third = release.model_copy(update={"duplicate_id": THIRD})
    spec.given(after).when(release_third).then(
        [withdrawn, released.model_copy(update={"duplicate_id": THIRD})]
    )
    state = feedback_decider.fold(after)
    assert ([v.voter for v in state.votes], state.links) == (["bo", "ana"], frozenset({PROBLEM}))


def test_a_vote_or_link_made_again_on_the_survivor_is_its_own_and_stays_when_released() -> None:
    """After a merge someone votes, or links, on the item kept as the duplicate had: that is
    recorded, as the item's own, and an unmerge no longer takes it away."""
    bo = Vote(voter="bo")
    history: list[FeedbackEvent] = [
        received(),
        absorbed(OTHER, [bo], [PROBLEM]),
        linked(),  # the link the duplicate brought
    ]
    vote = VoteForFeedback(vote=bo, at=NOW)
    again = FeedbackVoted(feedback_id=ITEM, workspace_id="ws", vote=bo, voted_at=NOW)
    spec.given(history).when(vote).then([again])
    link = LinkFeedback(link=PROBLEM, at=NOW)
    spec.given(history).when(link).then([linked()])
    claimed = [*history, again, linked()]
    spec.given(claimed).when(vote).then([])  # its own now: nothing more
    spec.given(claimed).when(link).then([])
    release = ReleaseDuplicate(duplicate_id=OTHER, reason="different ask", at=NOW)
    (only,) = feedback_decider.decide(release, feedback_decider.fold(claimed))
    assert isinstance(only, FeedbackReleased)  # no vote withdrawn, no link taken back
    state = feedback_decider.fold([*claimed, only])
    assert ([v.voter for v in state.votes], state.links) == (["bo"], frozenset({PROBLEM}))


def test_links_absorbed_before_they_were_recorded_stay_when_released() -> None:
    """An absorb recorded without the links it brought: they count as the item's own."""
    history: list[FeedbackEvent] = [received(), absorbed(OTHER, [], []), linked(OPPORTUNITY)]
    release = ReleaseDuplicate(duplicate_id=OTHER, reason="different ask", at=NOW)
    (only,) = feedback_decider.decide(release, feedback_decider.fold(history))
    assert isinstance(only, FeedbackReleased)


def test_triage_tags_and_links_in_one_decision_and_repeats_change_nothing() -> None:
    triage = TriageFeedback(add_tags=["sso"], remove_tags=["csv"], link=OPPORTUNITY, at=NOW)
    classified = FeedbackClassified(
        feedback_id=ITEM,
        workspace_id="ws",
        tags_added=["sso"],
        tags_removed=[],
        themes_added=[],
        themes_removed=[],
        classified_at=NOW,
    )
    spec.given([received()]).when(triage).then([classified, linked(OPPORTUNITY)])
    spec.given([received(), classified, linked(OPPORTUNITY)]).when(triage).then([])
    link_only = TriageFeedback(link=PROBLEM, at=NOW)
    spec.given([received(), linked()]).when(link_only).then([])
    merged = FeedbackMerged(feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW)
    spec.given([received(), merged]).when(triage).then_raises(Conflict, match="merged into")


def test_tags_are_normalised_and_validated() -> None:
    assert receive(tags=["  CSV "]).tags == ["csv"]
    # each once: a tag given twice is one tag, also in an event recorded with a repeat
    assert receive(tags=["sso", "SSO", "csv", "sso"]).tags == ["sso", "csv"]
    stored = {**received().model_dump(mode="json"), "tags": ["sso", "sso"]}
    assert FeedbackReceived.model_validate(stored).tags == ["sso"]
    with pytest.raises(ValueError, match="tags"):
        receive(tags=["no<script>"])


def test_identity_comes_from_source_and_external_id() -> None:
    a = feedback_id_for("t", "ws", Channel.SURVEY, "42")
    assert a == feedback_id_for("t", "ws", Channel.SURVEY, "42")
    assert a != feedback_id_for("t", "ws", Channel.EMAIL, "42")
    assert a != feedback_id_for("t2", "ws", Channel.SURVEY, "42")


def test_an_item_is_told_apart_from_another_once_and_never_from_itself() -> None:
    told = FeedbackToldApart(feedback_id=ITEM, workspace_id="ws", other_id=OTHER, told_apart_at=NOW)
    spec.given([received()]).when(TellApart(other_id=OTHER, at=NOW)).then([told])
    spec.given([received(), told]).when(TellApart(other_id=OTHER, at=NOW)).then([])
    spec.given([received()]).when(TellApart(other_id=ITEM, at=NOW)).then_raises(DomainError)
    merged = FeedbackMerged(feedback_id=ITEM, workspace_id="ws", into_id=OTHER, merged_at=NOW)
    spec.given([received(), merged]).when(TellApart(other_id=OTHER, at=NOW)).then_raises(Conflict)


def test_telling_apart_is_taken_back_only_where_it_was_told() -> None:
    told = FeedbackToldApart(feedback_id=ITEM, workspace_id="ws", other_id=OTHER, told_apart_at=NOW)
    withdrawn = FeedbackToldApartWithdrawn(
        feedback_id=ITEM, workspace_id="ws", other_id=OTHER, withdrawn_at=NOW
    )
    withdraw = WithdrawTellingApart(other_id=OTHER, at=NOW)
    spec.given([received(), told]).when(withdraw).then([withdrawn])
    spec.given([received()]).when(withdraw).then_raises(DomainError)
    spec.given([received(), told, withdrawn]).when(withdraw).then_raises(DomainError)
    # told apart again after, it is recorded again
    again = TellApart(other_id=OTHER, at=NOW)
    spec.given([received(), told, withdrawn]).when(again).then([told])
