"""Given-when-then for the Roadmap aggregate's rules: creation, items, status, scores, order."""

from __future__ import annotations

import pytest
from sextant_kit import Conflict, DomainError, NotFound
from sextant_roadmap.domain import commands as c
from sextant_roadmap.domain import events as e
from sextant_roadmap.domain.roadmap import TRANSITIONS, decide, roadmap_decider
from sextant_roadmap.domain.state import evolve, initial_state

from tests.unit.roadmap.builders import (
    BASE,
    NOW,
    ROADMAP,
    A,
    B,
    C,
    X,
    added,
    command,
    created,
    depends,
    make,
    planned,
    spec,
    status,
)


def test_given_nothing_when_a_roadmap_is_created_then_it_exists() -> None:
    spec.given([]).when(command(c.CreateRoadmap, name="Payments")).then([created()])


def test_given_a_roadmap_when_created_again_then_conflict() -> None:
    spec.given([created()]).when(command(c.CreateRoadmap, name="Again")).then_raises(
        Conflict, match="already exists"
    )


def test_a_portfolio_roadmap_spans_several_workspaces() -> None:
    cmd = command(c.CreateRoadmap, name="Company", scope="portfolio", workspaces=["ws-2", "ws-1"])
    spec.given([]).when(cmd).then(
        [created(name="Company", scope="portfolio", workspaces=["ws-1", "ws-2"])]
    )


def test_a_portfolio_roadmap_of_one_workspace_is_rejected() -> None:
    cmd = command(c.CreateRoadmap, name="Company", scope="portfolio")
    error = spec.given([]).when(cmd).then_raises(DomainError, match="at least one workspace")
    assert isinstance(error, DomainError)
    assert error.field == "body.workspaces"


def test_a_workspace_roadmap_spanning_others_is_rejected() -> None:
    cmd = command(c.CreateRoadmap, name="Team", workspaces=["ws-2"])
    spec.given([]).when(cmd).then_raises(DomainError, match="use scope 'portfolio'")


def test_a_roadmap_is_renamed_and_redescribed_keeping_what_is_left_out() -> None:
    renamed = make(
        e.RoadmapRenamed,
        roadmap_id=ROADMAP,
        name="Payments FY27",
        description="",
        renamed_at=NOW,
    )
    spec.given([created()]).when(command(c.RenameRoadmap, name=" Payments FY27 ")).then([renamed])
    described = make(
        e.RoadmapRenamed,
        roadmap_id=ROADMAP,
        name="Payments FY27",
        description="Wallets first",
        renamed_at=NOW,
    )
    spec.given([created(), renamed]).when(
        command(c.RenameRoadmap, description="Wallets first")
    ).then([described])
    # As it stands, or naming nothing: nothing recorded.
    spec.given([created(), renamed]).when(command(c.RenameRoadmap, name="Payments FY27")).then([])
    spec.given([created()]).when(command(c.RenameRoadmap)).then([])
    spec.given([]).when(command(c.RenameRoadmap, name="x")).then_raises(NotFound)
    with pytest.raises(ValueError, match="name"):
        command(c.RenameRoadmap, name=" ")


def test_an_archived_roadmap_takes_no_changes_until_it_is_restored() -> None:
    archived = make(e.RoadmapArchived, roadmap_id=ROADMAP, note="FY26 is over", archived_at=NOW)
    spec.given(BASE).when(command(c.ArchiveRoadmap, note=" FY26 is over ")).then([archived])
    spec.given([*BASE, archived]).when(command(c.ArchiveRoadmap)).then([])  # already is
    add = command(c.AddItem, item_id=C, title="Cards", type="feature")
    spec.given([*BASE, archived]).when(add).then_raises(Conflict, match="archived: restore it")
    rename = command(c.RenameRoadmap, name="FY26")
    spec.given([*BASE, archived]).when(rename).then_raises(Conflict, match="archived")
    restored = make(e.RoadmapRestored, roadmap_id=ROADMAP, restored_at=NOW)
    spec.given([*BASE, archived]).when(command(c.RestoreRoadmap)).then([restored])
    spec.given(BASE).when(command(c.RestoreRoadmap)).then([])  # not archived
    [event] = spec.given([*BASE, archived, restored]).when(add)._run()
    assert isinstance(event, e.ItemAdded)
    spec.given([]).when(command(c.ArchiveRoadmap)).then_raises(NotFound)


def test_given_no_roadmap_when_an_item_is_added_then_not_found() -> None:
    cmd = command(c.AddItem, item_id=A, title="Wallet", type="feature")
    spec.given([]).when(cmd).then_raises(NotFound, match="does not exist")


def test_another_tenant_cannot_reach_the_roadmap() -> None:
    cmd = command(c.AddItem, item_id=A, title="Wallet", type="feature", tenant_id="evil")
    spec.given([created()]).when(cmd).then_raises(NotFound)


def test_another_workspace_cannot_reach_the_roadmap() -> None:
    cmd = command(c.AddItem, item_id=A, title="Wallet", type="feature", workspace_id="ws-9")
    spec.given([created()]).when(cmd).then_raises(NotFound, match="workspace ws-9")


def test_given_a_roadmap_when_an_item_is_added_then_it_is_proposed() -> None:
    cmd = command(
        c.AddItem, item_id=A, title="Wallet", type="feature", objective_ids=["o2", "o1", "o2"]
    )
    spec.given([created()]).when(cmd).then([added(A, "Wallet", objective_ids=["o1", "o2"])])
    state = evolve(evolve(initial_state(), created()), added())
    assert state.items[A].status is e.ItemStatus.PROPOSED


def test_the_same_item_id_twice_is_a_conflict() -> None:
    cmd = command(c.AddItem, item_id=A, title="Wallet", type="feature")
    spec.given(BASE).when(cmd).then_raises(Conflict, match="already on this roadmap")


def test_a_portfolio_item_belongs_to_a_spanned_workspace() -> None:
    portfolio = created(scope="portfolio", workspaces=["ws-1", "ws-2"])
    ok = command(c.AddItem, item_id=A, title="W", type="epic", item_workspace_id="ws-2")
    spec.given([portfolio]).when(ok).then([added(A, "W", type="epic", item_workspace_id="ws-2")])
    bad = command(c.AddItem, item_id=A, title="W", type="epic", item_workspace_id="ws-3")
    error = spec.given([portfolio]).when(bad).then_raises(DomainError, match="not one this")
    assert isinstance(error, DomainError)
    assert error.field == "body.item_workspace_id"


def test_unknown_items_are_not_found() -> None:
    cmd = command(c.ChangeItemStatus, item_id=X, to="planned")
    spec.given(BASE).when(cmd).then_raises(NotFound, match=f"item {X}")


def test_changing_details_names_what_changed() -> None:
    cmd = command(c.ChangeItemDetails, item_id=A, title="Digital wallet", owner="ana")
    spec.given(BASE).when(cmd).then(
        [
            e.ItemDetailsChanged(
                roadmap_id=ROADMAP,
                item_id=A,
                changed=["title", "owner"],
                title="Digital wallet",
                description="",
                owner="ana",
                team=None,
                objective_ids=[],
                opportunity_ids=[],
                changed_at=NOW,
            )
        ]
    )
    same = command(c.ChangeItemDetails, item_id=A, title="Wallet")
    spec.given(BASE).when(same).then([])


# Status lifecycle -----------------------------------------------------------------------

ALLOWED = [(a, b) for a, targets in TRANSITIONS.items() for b in targets]
FORBIDDEN = [
    (a, b) for a in e.ItemStatus for b in e.ItemStatus if a != b and b not in TRANSITIONS[a]
]
PATH_TO = {
    e.ItemStatus.PROPOSED: [],
    e.ItemStatus.PLANNED: [("proposed", "planned")],
    e.ItemStatus.IN_PROGRESS: [("proposed", "planned"), ("planned", "in_progress")],
    e.ItemStatus.RELEASED: [
        ("proposed", "planned"),
        ("planned", "in_progress"),
        ("in_progress", "released"),
    ],
    e.ItemStatus.DROPPED: [("proposed", "dropped")],
}


def at(state: e.ItemStatus) -> list[e.RoadmapEvent]:
    return [*BASE, *(status(A, x, y) for x, y in PATH_TO[state])]


@pytest.mark.parametrize(("before", "after"), ALLOWED)
def test_given_an_item_when_an_allowed_transition_then_status_changes(
    before: e.ItemStatus, after: e.ItemStatus
) -> None:
    cmd = command(c.ChangeItemStatus, item_id=A, to=after, reason="why")
    expected = status(A, before, after).model_copy(update={"reason": "why"})
    spec.given(at(before)).when(cmd).then([expected])


@pytest.mark.parametrize(("before", "after"), FORBIDDEN)
def test_given_an_item_when_a_forbidden_transition_then_conflict(
    before: e.ItemStatus, after: e.ItemStatus
) -> None:
    cmd = command(c.ChangeItemStatus, item_id=A, to=after)
    spec.given(at(before)).when(cmd).then_raises(
        Conflict, match=f"is {before.value} and cannot move to {after.value}"
    )


def test_the_lifecycle_is_the_one_the_issue_names() -> None:
    assert e.ItemStatus.PLANNED in TRANSITIONS[e.ItemStatus.PROPOSED]
    assert e.ItemStatus.IN_PROGRESS in TRANSITIONS[e.ItemStatus.PLANNED]
    assert e.ItemStatus.RELEASED in TRANSITIONS[e.ItemStatus.IN_PROGRESS]
    assert TRANSITIONS[e.ItemStatus.RELEASED] == frozenset()
    assert e.ItemStatus.RELEASED not in TRANSITIONS[e.ItemStatus.PROPOSED]


def test_the_same_status_again_changes_nothing() -> None:
    spec.given(BASE).when(command(c.ChangeItemStatus, item_id=A, to="proposed")).then([])


# Scores -------------------------------------------------------------------------------

RICE = {"reach": 100, "impact": 2, "confidence": 50, "effort": 1}


def scored(score: float, previous: float | None = None, **inputs: float) -> e.ItemScored:
    return e.ItemScored(
        roadmap_id=ROADMAP,
        item_id=A,
        model="rice",
        formula="reach * impact * (confidence / 100) / effort",
        inputs={**RICE, **inputs},
        score=score,
        previous_score=previous,
        scored_at=NOW,
    )


def test_scoring_keeps_the_inputs_and_the_formula() -> None:
    spec.given(BASE).when(command(c.ScoreItem, item_id=A, model="rice", inputs=RICE)).then(
        [scored(100)]
    )


def test_rescoring_is_an_event_carrying_the_previous_score() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="rice", inputs={**RICE, "reach": 300})
    spec.given([*BASE, scored(100)]).when(cmd).then([scored(300, 100, reach=300)])


def test_the_same_score_again_changes_nothing() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="rice", inputs=RICE)
    spec.given([*BASE, scored(100)]).when(cmd).then([])


def test_a_custom_model_scores_with_the_workspace_formula() -> None:
    cmd = command(
        c.ScoreItem, item_id=A, model="weighted", inputs={"v": 3, "e": 2}, formula="v * 2 / e"
    )
    spec.given(BASE).when(cmd).then(
        [
            e.ItemScored(
                roadmap_id=ROADMAP,
                item_id=A,
                model="weighted",
                formula="v * 2 / e",
                inputs={"v": 3, "e": 2},
                score=3,
                scored_at=NOW,
            )
        ]
    )


def test_an_unknown_model_is_rejected_naming_the_field() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="magic", inputs={"a": 1})
    error = spec.given(BASE).when(cmd).then_raises(DomainError, match="no scoring model 'magic'")
    assert isinstance(error, DomainError)
    assert error.field == "body.model"


def test_a_custom_formula_dividing_by_zero_is_rejected() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="r", inputs={"v": 1, "e": 0}, formula="v / e")
    spec.given(BASE).when(cmd).then_raises(DomainError, match="division by zero")


def test_a_built_in_cannot_take_a_formula() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="rice", inputs=RICE, formula="reach")
    spec.given(BASE).when(cmd).then_raises(DomainError, match="built-in")


def test_closed_items_are_not_scored() -> None:
    cmd = command(c.ScoreItem, item_id=A, model="rice", inputs=RICE)
    spec.given(at(e.ItemStatus.DROPPED)).when(cmd).then_raises(Conflict, match="dropped")


# Manual order -------------------------------------------------------------------------


def test_reordering_puts_the_named_items_first() -> None:
    given = [*BASE, added(C, "Cards")]
    spec.given(given).when(command(c.ReorderItems, order=[C])).then(
        [e.ItemsReordered(roadmap_id=ROADMAP, order=[C, A, B], reordered_at=NOW)]
    )


def test_the_same_order_changes_nothing() -> None:
    spec.given(BASE).when(command(c.ReorderItems, order=[A, B])).then([])


def test_reordering_unknown_or_repeated_items_is_rejected() -> None:
    spec.given(BASE).when(command(c.ReorderItems, order=[X])).then_raises(
        DomainError, match="not on this roadmap"
    )
    spec.given(BASE).when(command(c.ReorderItems, order=[A, A])).then_raises(
        DomainError, match="more than once"
    )


def test_a_batch_adds_each_item_and_schedules_those_with_a_horizon() -> None:
    cmd = command(
        c.AddItems,
        items=[
            {"item_id": A, "title": "Wallet", "type": "feature"},
            {
                "item_id": B,
                "title": "Carts",
                "type": "epic",
                "horizon": "next",
                "timeframe": {"kind": "quarter", "value": "2026-Q4"},
            },
        ],
    )
    events = decide(cmd, evolve(initial_state(), created()))
    assert [type(ev).__name__ for ev in events] == ["ItemAdded", "ItemAdded", "ItemScheduled"]
    scheduled = events[2]
    assert isinstance(scheduled, e.ItemScheduled)
    assert (scheduled.item_id, scheduled.to_horizon, scheduled.from_horizon) == (B, "next", None)
    assert scheduled.to_timeframe is not None
    assert scheduled.to_timeframe.label == "2026-Q4"


def test_a_batch_with_a_bad_item_adds_nothing_and_names_it() -> None:
    repeated = command(
        c.AddItems,
        items=[{"item_id": A, "title": "W", "type": "feature"}] * 2,
    )
    spec.given([created()]).when(repeated).then_raises(DomainError, match="more than once")
    existing = command(
        c.AddItems,
        items=[
            {"item_id": X, "title": "New", "type": "feature"},
            {"item_id": A, "title": "Old", "type": "feature"},
        ],
    )
    spec.given(BASE).when(existing).then_raises(Conflict, match=f"items[1]: item {A} is already")
    for odd, field in (
        ({"timeframe": {"kind": "quarter", "value": "2026-Q3"}}, "body.items.1.horizon"),
        (
            {"horizon": "now", "timeframe": {"kind": "quarter", "value": "2026-Q9"}},
            "body.items.1.timeframe.value",
        ),
    ):
        items = [
            {"item_id": X, "title": "Fine", "type": "feature"},
            {"item_id": C, "title": "Odd", "type": "feature", **odd},
        ]
        error = spec.given(BASE).when(command(c.AddItems, items=items)).then_raises(DomainError)
        assert isinstance(error, DomainError)
        assert (error.field, error.detail[:9]) == (field, "items[1]:")


def test_folding_many_events_at_once_leaves_the_state_it_started_from_as_it_was() -> None:
    """The decider folds a stream's events in one pass, changing its own copy of the items
    in place: the same state as evolving one event at a time, and the state it started
    from (kept and shared by the command handler) untouched."""
    start = roadmap_decider.fold([created(), added(A), added(B, "Ledger")])
    before = (dict(start.items), start.order)
    later: list[e.RoadmapEvent] = [
        added(C, "Refunds"),
        *planned(A),
        depends(B, on=A),
        make(e.ItemScheduled, roadmap_id=ROADMAP, item_id=B, to_horizon="next", scheduled_at=NOW),
        make(e.ItemsReordered, roadmap_id=ROADMAP, order=[C, A, B], reordered_at=NOW),
        make(
            e.DependencyRemoved,
            roadmap_id=ROADMAP,
            item_id=B,
            depends_on_item_id=A,
            removed_at=NOW,
        ),
    ]
    at_once = roadmap_decider.fold(later, start)
    one_by_one = start
    for event in later:
        one_by_one = evolve(one_by_one, event)
    assert at_once == one_by_one
    assert at_once.order == (C, A, B)
    assert (at_once.items[A].status, at_once.items[B].horizon) == ("planned", "next")
    assert at_once.items[B].depends_on == {}
    assert (dict(start.items), start.order) == before
    assert C not in start.items


def test_a_portfolio_roadmap_is_changed_from_its_own_workspace_not_one_it_spans() -> None:
    portfolio = created(workspaces=["ws-1", "ws-2"])
    elsewhere = command(c.AddItem, workspace_id="ws-2", item_id=X, title="New", type="feature")
    spec.given([portfolio]).when(elsewhere).then_raises(Conflict, match="belongs to ws-1")
    stranger = elsewhere.model_copy(update={"workspace_id": "ws-3"})
    spec.given([portfolio]).when(stranger).then_raises(NotFound)
