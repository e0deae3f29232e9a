"""Vision, product concept and milestone rules."""

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification
from sextant_strategy.domain.concept import (
    ConceptDrafted,
    ConceptLinkedToOpportunity,
    ConceptRevised,
    ConceptUnlinkedFromOpportunity,
    DraftConcept,
    LinkOpportunity,
    ReviseConcept,
    UnlinkOpportunity,
    concept_decider,
)
from sextant_strategy.domain.milestone import (
    MilestoneMoved,
    MilestonePlanned,
    MilestoneReached,
    MilestoneRestated,
    MoveMilestone,
    PlanMilestone,
    ReachMilestone,
    RestateMilestone,
    milestone_decider,
    standing,
)
from sextant_strategy.domain.vision import ReviseVision, VisionRevised, vision_decider

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ID = UUID("00000000-0000-4000-8000-000000000001")
OPP = UUID("00000000-0000-4000-8000-0000000000aa")

# Vision --------------------------------------------------------------------------------

visions = DeciderSpecification(vision_decider)


def revise(vision: str, mission: str = "Help teams ship") -> ReviseVision:
    return ReviseVision(
        vision_id=ID, workspace_id="ws", vision=vision, mission=mission, now=NOW, actor="ana"
    )


def revised(revision: int, vision: str, mission: str = "Help teams ship") -> VisionRevised:
    return VisionRevised(
        vision_id=ID,
        workspace_id="ws",
        revision=revision,
        vision=vision,
        mission=mission,
        note=None,
        revised_at=NOW,
        revised_by="ana",
    )


def test_the_first_vision_statement_is_revision_one() -> None:
    visions.given([]).when(revise("Payments anywhere")).then([revised(1, "Payments anywhere")])


def test_each_revision_is_numbered_after_the_last() -> None:
    visions.given([revised(1, "A")]).when(revise("B")).then([revised(2, "B")])


def test_the_same_statement_again_is_not_a_revision() -> None:
    visions.given([revised(1, "A")]).when(revise("A")).then([])


# Concept -------------------------------------------------------------------------------

concepts = DeciderSpecification(concept_decider)
CONTENT = {
    "name": "One-click checkout",
    "problem": "Buyers abandon long checkouts",
    "personas": ("busy buyer",),
    "value_proposition": "Pay in one click",
    "differentiators": ("no account needed",),
}
DRAFTED = ConceptDrafted(concept_id=ID, workspace_id="ws", drafted_at=NOW, **CONTENT)


def test_a_concept_is_drafted() -> None:
    command = DraftConcept(concept_id=ID, workspace_id="ws", now=NOW, **CONTENT)
    concepts.given([]).when(command).then([DRAFTED])


def test_drafting_an_existing_concept_is_a_conflict() -> None:
    command = DraftConcept(concept_id=ID, workspace_id="ws", now=NOW, **CONTENT)
    concepts.given([DRAFTED]).when(command).then_raises(Conflict)


def test_a_revision_is_recorded_only_when_something_changed() -> None:
    same = ReviseConcept(concept_id=ID, now=NOW, **CONTENT)
    concepts.given([DRAFTED]).when(same).then([])
    changed = {**CONTENT, "value_proposition": "Pay with a glance"}
    concepts.given([DRAFTED]).when(ReviseConcept(concept_id=ID, now=NOW, **changed)).then(
        [ConceptRevised(concept_id=ID, revised_at=NOW, **changed)]
    )


def test_revising_an_unknown_concept_is_not_found() -> None:
    concepts.given([]).when(ReviseConcept(concept_id=ID, now=NOW, **CONTENT)).then_raises(NotFound)


def test_linking_an_opportunity_once() -> None:
    link = LinkOpportunity(concept_id=ID, opportunity_id=OPP)
    linked = ConceptLinkedToOpportunity(concept_id=ID, opportunity_id=OPP)
    concepts.given([DRAFTED]).when(link).then([linked])
    concepts.given([DRAFTED, linked]).when(link).then([])


def test_unlinking_needs_an_existing_link() -> None:
    unlink = UnlinkOpportunity(concept_id=ID, opportunity_id=OPP)
    linked = ConceptLinkedToOpportunity(concept_id=ID, opportunity_id=OPP)
    concepts.given([DRAFTED, linked]).when(unlink).then(
        [ConceptUnlinkedFromOpportunity(concept_id=ID, opportunity_id=OPP)]
    )
    concepts.given([DRAFTED]).when(unlink).then_raises(DomainError, match="not linked")


# Milestones ----------------------------------------------------------------------------

milestones = DeciderSpecification(milestone_decider)
PLANNED = MilestonePlanned(
    milestone_id=ID,
    workspace_id="ws",
    title="Beta",
    description=None,
    target_date=date(2026, 6, 1),
    objective_ids=(),
    planned_at=NOW,
)


def move(to: date) -> MoveMilestone:
    return MoveMilestone(milestone_id=ID, to_date=to, reason="vendor late", now=NOW, actor="ana")


def test_a_milestone_is_planned() -> None:
    command = PlanMilestone(
        milestone_id=ID, workspace_id="ws", title="Beta", target_date=date(2026, 6, 1), now=NOW
    )
    milestones.given([]).when(command).then([PLANNED])
    milestones.given([PLANNED]).when(command).then_raises(Conflict)


def test_moving_keeps_where_it_came_from_and_why() -> None:
    milestones.given([PLANNED]).when(move(date(2026, 7, 1))).then(
        [
            MilestoneMoved(
                milestone_id=ID,
                from_date=date(2026, 6, 1),
                to_date=date(2026, 7, 1),
                reason="vendor late",
                moved_at=NOW,
                moved_by="ana",
            )
        ]
    )


def test_moving_to_the_same_date_is_refused() -> None:
    error = milestones.given([PLANNED]).when(move(date(2026, 6, 1))).then_raises(DomainError)
    assert isinstance(error, DomainError)
    assert error.field == "target_date"


def test_a_reached_milestone_cannot_move_or_be_reached_again() -> None:
    reached = MilestoneReached(milestone_id=ID, reached_on=date(2026, 2, 27), reached_at=NOW)
    reach = ReachMilestone(milestone_id=ID, reached_on=date(2026, 2, 27), now=NOW)
    milestones.given([PLANNED]).when(reach).then([reached])
    milestones.given([PLANNED, reached]).when(move(date(2026, 7, 1))).then_raises(Conflict)
    milestones.given([PLANNED, reached]).when(reach).then_raises(Conflict)


def test_a_milestone_is_not_reached_on_a_day_still_to_come() -> None:
    ahead = ReachMilestone(milestone_id=ID, reached_on=NOW.date() + timedelta(days=2), now=NOW)
    error = milestones.given([PLANNED]).when(ahead).then_raises(DomainError, match="not come yet")
    assert isinstance(error, DomainError)
    assert error.field == "reached_on"
    today_east = ReachMilestone(milestone_id=ID, reached_on=NOW.date() + timedelta(days=1), now=NOW)
    [event] = milestones.given([PLANNED]).when(today_east)._run()
    assert isinstance(event, MilestoneReached)


def restate(**fields: object) -> RestateMilestone:
    return RestateMilestone.model_validate(
        {"milestone_id": ID, "now": NOW, "actor": "cy", **fields}
    )


def restated(**fields: object) -> MilestoneRestated:
    values: dict[str, object] = {
        "milestone_id": ID,
        "title": "Beta",
        "description": None,
        "objective_ids": (),
        "restated_at": NOW,
        "restated_by": "cy",
    }
    return MilestoneRestated.model_validate({**values, **fields})


def test_a_milestone_is_retitled_and_serves_other_objectives_keeping_what_is_left_out() -> None:
    goal = UUID("00000000-0000-4000-8000-0000000000aa")
    retitled = restated(title="Public beta", description="EU first")
    milestones.given([PLANNED]).when(restate(title="Public beta", description="EU first")).then(
        [retitled]
    )
    serving = restated(title="Public beta", description="EU first", objective_ids=(goal,))
    milestones.given([PLANNED, retitled]).when(restate(objective_ids=[goal])).then([serving])
    cleared = restated(title="Public beta", objective_ids=(goal,))
    milestones.given([PLANNED, retitled, serving]).when(restate(description="")).then([cleared])
    # As it stands, or naming nothing: nothing recorded; its date moves with a reason.
    milestones.given([PLANNED, retitled]).when(restate(title="Public beta")).then([])
    milestones.given([PLANNED]).when(restate()).then([])
    state = milestone_decider.fold(
        [
            PLANNED,
            retitled,
            move_event := MilestoneMoved(
                milestone_id=ID,
                from_date=date(2026, 6, 1),
                to_date=date(2026, 7, 1),
                reason="vendor late",
                moved_at=NOW,
                moved_by="ana",
            ),
        ]
    )
    assert (state.target_date, state.planned and state.planned.title) == (
        move_event.to_date,
        "Public beta",
    )


def test_a_reached_or_unknown_milestone_is_not_restated() -> None:
    reached = MilestoneReached(milestone_id=ID, reached_on=date(2026, 2, 27), reached_at=NOW)
    milestones.given([PLANNED, reached]).when(restate(title="x")).then_raises(
        Conflict, match="reached"
    )
    milestones.given([]).when(restate(title="x")).then_raises(NotFound)


def test_moving_an_unknown_milestone_is_not_found() -> None:
    milestones.given([]).when(move(date(2026, 7, 1))).then_raises(NotFound)


def test_a_milestone_stands_overdue_once_its_date_passes_unreached() -> None:
    target = date(2026, 7, 1)
    assert standing(target, None, date(2026, 7, 1)) == "upcoming"
    assert standing(target, None, date(2026, 7, 2)) == "overdue"
    assert standing(target, date(2026, 6, 30), date(2026, 8, 1)) == "reached"
    assert standing(target, date(2026, 7, 1), date(2026, 8, 1)) == "reached"
    assert standing(target, date(2026, 7, 3), date(2026, 8, 1)) == "reached_late"
