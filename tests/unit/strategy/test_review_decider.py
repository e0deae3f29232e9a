from datetime import UTC, datetime
from uuid import UUID

from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.errors import Forbidden
from sextant_kit.testing import DeciderSpecification
from sextant_strategy.domain.common import quarter_period
from sextant_strategy.domain.objective_events import Level
from sextant_strategy.domain.review import (
    ApproveStrategy,
    CommentOnStrategy,
    DraftStrategy,
    RequestChanges,
    ReviseStrategy,
    StrategyApproved,
    StrategyChangesRequested,
    StrategyCommented,
    StrategyDrafted,
    StrategyRevised,
    StrategySubmittedForReview,
    SubmitStrategy,
)
from sextant_strategy.domain.review_rules import strategy_decider
from sextant_strategy.domain.snapshot import ObjectiveSnapshot, StrategySnapshot, VisionSnapshot

spec = DeciderSpecification(strategy_decider)
NOW = datetime(2026, 7, 10, tzinfo=UTC)
S = UUID("00000000-0000-4000-8000-000000000001")
OBJ = UUID("00000000-0000-4000-8000-000000000002")
Q3 = quarter_period("2026-Q3")

DRAFTED = StrategyDrafted(
    strategy_id=S,
    workspace_id="ws",
    title="H2 strategy",
    period=Q3,
    objective_ids=(OBJ,),
    concept_id=None,
    drafted_at=NOW,
)
SUBMITTED = StrategySubmittedForReview(
    strategy_id=S,
    version=1,
    reviewers=("cpo.bea", "cto.cy"),
    submitted_by="pm.ana",
    submitted_at=NOW,
)
VISION = VisionSnapshot(revision=1, vision="Pay anywhere", mission="Ship", revised_at=NOW)
OBJECTIVE = ObjectiveSnapshot(
    objective_id=OBJ,
    workspace_id="ws",
    level=Level.TEAM,
    title="Faster checkout",
    owner="pm.ana",
    period=Q3,
    parent_id=None,
    key_results=(),
    progress=None,
    status=None,
    outcome=None,
)
SNAPSHOT = StrategySnapshot(
    title="H2 strategy", period=Q3, vision=VISION, objectives=(OBJECTIVE,), concept=None
)


def approve(actor: str = "cpo.bea", snapshot: StrategySnapshot = SNAPSHOT) -> ApproveStrategy:
    return ApproveStrategy(strategy_id=S, snapshot=snapshot, now=NOW, actor=actor)


def approved(version: int = 1) -> StrategyApproved:
    return StrategyApproved(
        strategy_id=S,
        version=version,
        approved_by="cpo.bea",
        comment=None,
        approved_at=NOW,
        snapshot=SNAPSHOT,
    )


def submit() -> SubmitStrategy:
    return SubmitStrategy(
        strategy_id=S, reviewers=("cpo.bea", "cto.cy", "cpo.bea"), now=NOW, actor="pm.ana"
    )


def revise() -> ReviseStrategy:
    return ReviseStrategy(
        strategy_id=S, title="H2 strategy", period=Q3, objective_ids=(OBJ,), now=NOW
    )


def test_a_strategy_is_drafted() -> None:
    command = DraftStrategy(
        strategy_id=S,
        workspace_id="ws",
        title="H2 strategy",
        period=Q3,
        objective_ids=(OBJ,),
        now=NOW,
    )
    spec.given([]).when(command).then([DRAFTED])
    spec.given([DRAFTED]).when(command).then_raises(Conflict)


def test_submitting_names_the_reviewers_once_each() -> None:
    spec.given([DRAFTED]).when(submit()).then([SUBMITTED])


def test_a_strategy_without_objectives_cannot_go_to_review() -> None:
    empty = StrategyDrafted(**{**DRAFTED.model_dump(), "objective_ids": ()})
    # A 409 on the strategy's state: the submission's body has no objectives to name.
    error = spec.given([empty]).when(submit()).then_raises(Conflict, match="objective_ids first")
    assert isinstance(error, Conflict)
    assert (error.code, error.field) == ("strategy-has-no-objectives", None)


def test_a_strategy_in_review_cannot_be_submitted_again_or_revised() -> None:
    spec.given([DRAFTED, SUBMITTED]).when(submit()).then_raises(Conflict, match="in_review")
    spec.given([DRAFTED, SUBMITTED]).when(revise()).then_raises(Conflict, match="revised")


def test_a_named_reviewer_approves_with_the_snapshot() -> None:
    spec.given([DRAFTED, SUBMITTED]).when(approve()).then([approved()])


def test_only_a_named_reviewer_may_approve() -> None:
    spec.given([DRAFTED, SUBMITTED]).when(approve("dev.dan")).then_raises(
        Forbidden, match="not a reviewer"
    )


def test_whoever_submits_a_strategy_does_not_review_it() -> None:
    own = SubmitStrategy(strategy_id=S, reviewers=("cpo.bea", "pm.ana"), now=NOW, actor="pm.ana")
    error = spec.given([DRAFTED]).when(own).then_raises(DomainError, match="cannot also review")
    assert isinstance(error, DomainError)
    assert error.field == "reviewers"
    # a version submitted before the rule, with its submitter among the reviewers
    named_self = SUBMITTED.model_copy(update={"reviewers": ("pm.ana", "cpo.bea")})
    spec.given([DRAFTED, named_self]).when(approve("pm.ana")).then_raises(
        Forbidden,
        match="pm.ana submitted version 1 and may not approve it; its reviewers are cpo.bea",
    )
    changes = RequestChanges(strategy_id=S, comment="more", now=NOW, actor="pm.ana")
    spec.given([DRAFTED, named_self]).when(changes).then_raises(Forbidden, match="submitted")


def test_only_a_strategy_in_review_can_be_approved() -> None:
    spec.given([DRAFTED]).when(approve()).then_raises(Conflict, match="in_review")
    spec.given([DRAFTED, SUBMITTED, approved()]).when(approve()).then_raises(Conflict)


def test_approval_needs_a_vision() -> None:
    snapshot = SNAPSHOT.model_copy(update={"vision": None})
    error = spec.given([DRAFTED, SUBMITTED]).when(approve(snapshot=snapshot)).then_raises(Conflict)
    assert isinstance(error, Conflict)
    assert (error.code, error.field) == ("workspace-has-no-vision", None)


def test_the_snapshot_must_hold_the_strategy_objectives() -> None:
    snapshot = SNAPSHOT.model_copy(update={"objectives": ()})
    spec.given([DRAFTED, SUBMITTED]).when(approve(snapshot=snapshot)).then_raises(
        DomainError, match="objectives"
    )


def test_a_reviewer_requests_changes_and_a_revision_makes_a_draft_again() -> None:
    request = RequestChanges(strategy_id=S, comment="Sharper KRs", now=NOW, actor="cto.cy")
    changes = StrategyChangesRequested(
        strategy_id=S, version=1, reviewer="cto.cy", comment="Sharper KRs", requested_at=NOW
    )
    spec.given([DRAFTED, SUBMITTED]).when(request).then([changes])
    spec.given([DRAFTED]).when(request).then_raises(Conflict)
    outsider = RequestChanges(strategy_id=S, comment="x", now=NOW, actor="someone")
    spec.given([DRAFTED, SUBMITTED]).when(outsider).then_raises(Forbidden)
    again = StrategyRevised(
        strategy_id=S,
        version=1,
        title="H2 strategy",
        period=Q3,
        objective_ids=(OBJ,),
        concept_id=None,
        revised_at=NOW,
    )
    spec.given([DRAFTED, SUBMITTED, changes]).when(revise()).then([again])
    spec.given([DRAFTED, SUBMITTED, changes]).when(submit()).then([SUBMITTED])


def test_revising_an_approved_strategy_starts_the_next_version() -> None:
    spec.given([DRAFTED, SUBMITTED, approved()]).when(revise()).then(
        [
            StrategyRevised(
                strategy_id=S,
                version=2,
                title="H2 strategy",
                period=Q3,
                objective_ids=(OBJ,),
                concept_id=None,
                revised_at=NOW,
            )
        ]
    )


def test_anyone_may_comment_on_an_existing_strategy() -> None:
    cid = UUID(int=5)
    command = CommentOnStrategy(strategy_id=S, comment_id=cid, text="Nice", now=NOW, actor="x")
    spec.given([DRAFTED]).when(command).then(
        [
            StrategyCommented(
                strategy_id=S,
                version=1,
                comment_id=cid,
                author="x",
                text="Nice",
                commented_at=NOW,
            )
        ]
    )
    spec.given([]).when(command).then_raises(NotFound)
