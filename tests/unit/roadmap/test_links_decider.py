"""Given-when-then for scheduling, dependencies, publishing, delivery handoff and formulas."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sextant_kit import Conflict, DomainError, NotFound
from sextant_kit.testing import DeciderSpecification
from sextant_roadmap.domain import commands as c
from sextant_roadmap.domain import events as e
from sextant_roadmap.domain.formula import FormulaError
from sextant_roadmap.domain.formulas import formulas_decider
from sextant_roadmap.domain.schedule import Horizon, month, quarter

from tests.unit.roadmap.builders import (
    BASE,
    NOW,
    OTHER_ROADMAP,
    ROADMAP,
    A,
    B,
    X,
    command,
    depends,
    planned,
    spec,
    status,
)


def scheduled(
    horizon: str, timeframe: object = None, before: tuple[object, object] = (None, None)
) -> e.ItemScheduled:
    return e.ItemScheduled.model_validate(
        {
            "roadmap_id": ROADMAP,
            "item_id": A,
            "from_horizon": before[0],
            "from_timeframe": before[1],
            "to_horizon": horizon,
            "to_timeframe": timeframe,
            "reason": "capacity",
            "scheduled_at": NOW,
        }
    )


# Scheduling ---------------------------------------------------------------------------


def test_scheduling_into_a_horizon_and_quarter_records_from_and_to() -> None:
    cmd = command(
        c.ScheduleItem,
        item_id=A,
        horizon="now",
        timeframe={"kind": "quarter", "value": "2026-Q3"},
        reason="capacity",
    )
    spec.given(BASE).when(cmd).then([scheduled("now", quarter("2026-Q3"))])


def test_moving_records_where_the_item_was_and_why() -> None:
    given = [*BASE, scheduled("now", quarter("2026-Q3"))]
    cmd = command(
        c.ScheduleItem,
        item_id=A,
        horizon="next",
        timeframe={"kind": "month", "value": "2026-11"},
        reason="capacity",
    )
    spec.given(given).when(cmd).then(
        [scheduled("next", month("2026-11"), before=(Horizon.NOW, quarter("2026-Q3")))]
    )


def test_explicit_dates_are_a_timeframe() -> None:
    cmd = command(
        c.ScheduleItem,
        item_id=A,
        horizon="later",
        timeframe={"kind": "dates", "start": "2027-01-10", "end": "2027-02-20"},
        reason="capacity",
    )
    [event] = spec.given(BASE).when(cmd)._run()
    assert isinstance(event, e.ItemScheduled)
    assert event.to_timeframe is not None
    assert (event.to_timeframe.start, event.to_timeframe.end) == (
        date(2027, 1, 10),
        date(2027, 2, 20),
    )


@pytest.mark.parametrize(
    ("timeframe", "field"),
    [
        ({"kind": "quarter"}, "body.timeframe.value"),
        ({"kind": "quarter", "value": "2026-Q9"}, "body.timeframe.value"),
        ({"kind": "month", "value": "July"}, "body.timeframe.value"),
        ({"kind": "dates", "start": "2027-01-10"}, "body.timeframe.end"),
        ({"kind": "dates", "start": "2027-01-10", "end": "2027-01-01"}, "body.timeframe.end"),
    ],
)
def test_a_malformed_timeframe_is_rejected_naming_the_field(
    timeframe: dict[str, str], field: str
) -> None:
    cmd = command(c.ScheduleItem, item_id=A, horizon="now", timeframe=timeframe)
    error = spec.given(BASE).when(cmd).then_raises(DomainError)
    assert isinstance(error, DomainError)
    assert error.field == field


def test_the_same_schedule_again_changes_nothing() -> None:
    given = [*BASE, scheduled("now")]
    spec.given(given).when(command(c.ScheduleItem, item_id=A, horizon="now")).then([])


def test_a_released_item_is_not_scheduled() -> None:
    given = [
        *BASE,
        status(A, "proposed", "planned"),
        status(A, "planned", "in_progress"),
        status(A, "in_progress", "released"),
    ]
    cmd = command(c.ScheduleItem, item_id=A, horizon="later")
    spec.given(given).when(cmd).then_raises(Conflict, match="no longer be scheduled")


# Dependencies -------------------------------------------------------------------------


def add_dep(item: object, on: object, **fields: object) -> c.AddDependency:
    return command(
        c.AddDependency,
        item_id=item,
        depends_on_roadmap_id=fields.pop("roadmap", ROADMAP),
        depends_on_item_id=on,
        depends_on_workspace_id="ws-1",
        **fields,
    )


def test_an_item_can_depend_on_another() -> None:
    spec.given(BASE).when(add_dep(A, B)).then([depends(A, B)])


def test_a_dependency_on_a_missing_item_is_not_found() -> None:
    spec.given(BASE).when(add_dep(A, X)).then_raises(NotFound, match=str(X))
    other = add_dep(A, X, roadmap=OTHER_ROADMAP, depends_on_exists=False)
    spec.given(BASE).when(other).then_raises(NotFound)


def test_a_direct_cycle_is_rejected_naming_it() -> None:
    spec.given([*BASE, depends(B, A)]).when(add_dep(A, B)).then_raises(
        Conflict, match=f"closes the cycle 'Wallet' ({A}) -> 'Ledger' ({B}) -> 'Wallet' ({A})"
    )


def test_a_cycle_through_another_workspace_is_rejected() -> None:
    # A -> X (on another roadmap) and X -> B there; B -> A would close A -> X -> B -> A.
    given = [*BASE, depends(A, X, roadmap=OTHER_ROADMAP)]
    graph = [{"item_id": X, "depends_on": B}]
    error = spec.given(given).when(add_dep(B, A, graph=graph)).then_raises(Conflict)
    assert f"'Ledger' ({B}) -> 'Wallet' ({A}) -> {X} -> 'Ledger' ({B})" in str(error)
    # the other roadmap's item by its title, when the caller may read it
    titled = add_dep(B, A, graph=graph, titles={X: "Payments API"})
    error = spec.given(given).when(titled).then_raises(Conflict)
    assert f"-> 'Payments API' ({X}) ->" in str(error)


def test_an_item_cannot_depend_on_itself() -> None:
    spec.given(BASE).when(add_dep(A, A)).then_raises(Conflict, match="cycle")


def test_a_dependency_across_roadmaps_is_recorded() -> None:
    cmd = add_dep(A, X, roadmap=OTHER_ROADMAP)
    spec.given(BASE).when(cmd).then([depends(A, X, roadmap=OTHER_ROADMAP)])


def test_the_same_dependency_again_changes_nothing_and_removal_needs_one() -> None:
    spec.given([*BASE, depends(A, B)]).when(add_dep(A, B)).then([])
    remove = command(c.RemoveDependency, item_id=A, depends_on_item_id=B)
    spec.given([*BASE, depends(A, B)]).when(remove).then(
        [e.DependencyRemoved(roadmap_id=ROADMAP, item_id=A, depends_on_item_id=B, removed_at=NOW)]
    )
    spec.given(BASE).when(remove).then_raises(NotFound, match="does not depend")


# Publishing ---------------------------------------------------------------------------


def publish(audience: str) -> c.PublishVersion:
    return command(c.PublishVersion, audience=audience, title="Q3 plan")


def test_publishing_numbers_versions_and_carries_the_snapshot() -> None:
    [v1] = spec.given(BASE).when(publish("engineering"))._run()
    assert isinstance(v1, e.RoadmapPublished)
    assert v1.version == 1
    assert [i.title for i in v1.items] == ["Wallet", "Ledger"]
    assert v1.items[0].rank == 1
    [v2] = spec.given([*BASE, v1]).when(publish("sales"))._run()
    assert isinstance(v2, e.RoadmapPublished)
    assert v2.version == 2


def test_each_audience_sees_only_its_fields() -> None:
    given = [*BASE, depends(A, B)]
    [eng] = spec.given(given).when(publish("engineering"))._run()
    [cust] = spec.given(given).when(publish("customers"))._run()
    assert isinstance(eng, e.RoadmapPublished)
    assert isinstance(cust, e.RoadmapPublished)
    assert eng.items[0].depends_on == [B]
    assert cust.items[0].depends_on is None
    assert cust.items[0].timeframe is None
    assert "owner" not in cust.fields
    assert "scores" in eng.fields


def test_customers_and_sales_do_not_see_dropped_items() -> None:
    given = [*BASE, status(B, "proposed", "dropped")]
    [cust] = spec.given(given).when(publish("customers"))._run()
    [execs] = spec.given(given).when(publish("executives"))._run()
    assert isinstance(cust, e.RoadmapPublished)
    assert isinstance(execs, e.RoadmapPublished)
    assert [i.title for i in cust.items] == ["Wallet"]
    assert [i.title for i in execs.items] == ["Wallet", "Ledger"]


def test_an_empty_roadmap_is_not_published() -> None:
    spec.given(BASE[:1]).when(publish("sales")).then_raises(Conflict, match="nothing")


# Delivery handoff ---------------------------------------------------------------------


def commit() -> c.CommitToDelivery:
    return command(c.CommitToDelivery, item_id=A, tracker="jira", project_key="PAY")


def test_committing_a_planned_item_carries_what_a_tracker_needs() -> None:
    given = [*BASE, *planned(A), depends(A, B)]
    [event] = spec.given(given).when(commit())._run()
    assert isinstance(event, e.ItemCommittedToDelivery)
    assert (event.tracker, event.project_key, event.title) == ("jira", "PAY", "Wallet")
    assert event.depends_on == [B]
    assert event.workspace_id == "ws-1"


def test_a_proposed_item_is_not_committed() -> None:
    spec.given(BASE).when(commit()).then_raises(Conflict, match="only planned or in-progress")


def test_an_item_is_committed_once() -> None:
    [event] = spec.given([*BASE, *planned(A)]).when(commit())._run()
    spec.given([*BASE, *planned(A), event]).when(commit()).then_raises(
        Conflict, match="already committed to jira"
    )


def test_delivery_status_comes_back_from_the_tracker() -> None:
    [event] = spec.given([*BASE, *planned(A)]).when(commit())._run()
    report = command(
        c.RecordDeliveryStatus,
        item_id=A,
        tracker="jira",
        external_key="PAY-7",
        external_status="In Review",
        state="in_progress",
    )
    recorded = e.DeliveryStatusRecorded(
        roadmap_id=ROADMAP,
        item_id=A,
        tracker=e.Tracker.JIRA,
        external_key="PAY-7",
        external_status="In Review",
        state=e.DeliveryState.IN_PROGRESS,
        reported_at=NOW,
    )
    started = e.ItemStatusChanged(
        roadmap_id=ROADMAP,
        item_id=A,
        from_status=e.ItemStatus.PLANNED,
        to_status=e.ItemStatus.IN_PROGRESS,
        reason="jira PAY-7 is In Review",
        changed_at=NOW,
    )
    # work started in the tracker moves a planned item to in progress ...
    spec.given([*BASE, *planned(A), event]).when(report).then([recorded, started])
    # ... once; and a finished ticket does not release it: that stays the PM's call
    spec.given([*BASE, *planned(A), event, recorded, started]).when(report).then([recorded])
    done = report.model_copy(update={"state": e.DeliveryState.DONE, "external_status": "Done"})
    spec.given([*BASE, *planned(A), event]).when(done).then(
        [recorded.model_copy(update={"state": e.DeliveryState.DONE, "external_status": "Done"})]
    )
    other = report.model_copy(update={"tracker": e.Tracker.AZURE_DEVOPS})
    spec.given([*BASE, *planned(A), event]).when(other).then_raises(
        DomainError, match="committed to jira"
    )
    spec.given(BASE).when(report).then_raises(Conflict, match="never committed")
    # the tracker still reports on work handed off from a roadmap archived since
    archived = e.RoadmapArchived(roadmap_id=ROADMAP, archived_at=NOW)
    spec.given([*BASE, *planned(A), event, archived]).when(report).then([recorded, started])


def test_a_tracker_report_overtaken_by_a_newer_one_is_passed_over() -> None:
    [event] = spec.given([*BASE, *planned(A)]).when(commit())._run()
    earlier, later = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    done = command(
        c.RecordDeliveryStatus,
        item_id=A,
        tracker="jira",
        external_key="PAY-7",
        external_status="Done",
        state="done",
        changed_at=later,
    )
    [finished] = spec.given([*BASE, *planned(A), event]).when(done)._run()
    assert isinstance(finished, e.DeliveryStatusRecorded)
    assert finished.changed_at == later
    given = [*BASE, *planned(A), event, finished]
    started = done.model_copy(
        update={"state": e.DeliveryState.IN_PROGRESS, "external_status": "In Progress"}
    )
    # the ticket's start, sent before its end but arriving after it, changes nothing
    spec.given(given).when(started.model_copy(update={"changed_at": earlier})).then([])
    # a report at the same time or later is recorded (the planned item moves on), and so is
    # one that gives no time
    again, _ = spec.given(given).when(started.model_copy(update={"changed_at": later}))._run()
    assert isinstance(again, e.DeliveryStatusRecorded)
    untimed, moved = spec.given(given).when(started.model_copy(update={"changed_at": None}))._run()
    assert isinstance(untimed, e.DeliveryStatusRecorded)
    # ... which leaves the tracker's latest time as it was
    spec.given([*given, untimed, moved]).when(
        started.model_copy(update={"changed_at": earlier})
    ).then([])


# Workspace formulas -------------------------------------------------------------------

formulas = DeciderSpecification(formulas_decider)


def define(name: str, expression: str) -> c.DefineScoringFormula:
    return c.DefineScoringFormula(workspace_id="ws-1", name=name, expression=expression, at=NOW)


def defined(
    name: str, expression: str, inputs: list[str], revision: int = 1
) -> e.ScoringFormulaDefined:
    return e.ScoringFormulaDefined(
        workspace_id="ws-1",
        name=name,
        expression=expression,
        inputs=inputs,
        revision=revision,
        defined_at=NOW,
    )


def test_a_formula_is_defined_with_the_inputs_it_reads() -> None:
    formulas.given([]).when(define("weighted", "v * 2 / e")).then(
        [defined("weighted", "v * 2 / e", ["e", "v"])]
    )


def test_redefining_a_formula_is_a_new_revision() -> None:
    first = defined("weighted", "v / e", ["e", "v"])
    formulas.given([first]).when(define("weighted", "v * 2 / e")).then(
        [defined("weighted", "v * 2 / e", ["e", "v"], revision=2)]
    )
    formulas.given([first]).when(define("weighted", "v / e")).then([])


def test_a_malformed_formula_is_rejected_with_its_column() -> None:
    error = formulas.given([]).when(define("weighted", "v * (2 + e")).then_raises(FormulaError)
    assert isinstance(error, FormulaError)
    assert (error.field, error.column) == ("body.expression", 11)
    assert "formula 'weighted'" in error.detail


def test_built_in_names_and_constant_formulas_are_rejected() -> None:
    formulas.given([]).when(define("rice", "a")).then_raises(DomainError, match="built-in")
    formulas.given([]).when(define("flat", "2 * 3")).then_raises(DomainError, match="no inputs")
