"""Pure functions: prioritisation models, dependency cycles, timeframes and schedule flags."""

from __future__ import annotations

from datetime import date

import pytest
from sextant_kit import DomainError
from sextant_roadmap.domain import scoring
from sextant_roadmap.domain.graph import adjacency, find_cycle
from sextant_roadmap.domain.schedule import (
    Horizon,
    Slot,
    dates,
    month,
    quarter,
    schedule_flags,
)


@pytest.mark.parametrize(
    ("model", "inputs", "expected"),
    [
        ("rice", {"reach": 1000, "impact": 2, "confidence": 80, "effort": 4}, 400),
        ("ice", {"impact": 8, "confidence": 5, "ease": 3}, 120),
        (
            "wsjf",
            {"business_value": 8, "time_criticality": 5, "risk_reduction": 3, "job_size": 4},
            4,
        ),
        ("value_effort", {"value": 9, "effort": 3}, 3),
    ],
)
def test_built_in_models_compute_their_scores(
    model: str, inputs: dict[str, float], expected: float
) -> None:
    assert scoring.score_built_in(model, inputs) == pytest.approx(expected)


def test_a_missing_input_is_named() -> None:
    with pytest.raises(DomainError, match="needs input\\(s\\) effort") as raised:
        scoring.score_built_in("value_effort", {"value": 1}, field="body.inputs")
    assert raised.value.field == "body.inputs.effort"


def test_an_input_the_model_does_not_read_is_named() -> None:
    with pytest.raises(DomainError, match="does not read reach") as raised:
        scoring.score_built_in("value_effort", {"value": 1, "effort": 1, "reach": 3})
    assert raised.value.field == "inputs.reach"


def test_an_input_out_of_range_is_rejected() -> None:
    with pytest.raises(DomainError, match="ice input impact must be between 1 and 10"):
        scoring.score_built_in("ice", {"impact": 11, "confidence": 5, "ease": 3})
    with pytest.raises(DomainError, match="effort must be between"):
        scoring.score_built_in("rice", {"reach": 1, "impact": 1, "confidence": 50, "effort": 0})


def test_a_custom_formula_scores_over_exactly_its_inputs() -> None:
    expression = "(value * 2 + urgency) / max(effort, 1)"
    assert (
        scoring.score_custom("weighted", expression, {"value": 5, "urgency": 2, "effort": 3}) == 4
    )
    with pytest.raises(DomainError, match="needs input\\(s\\) urgency"):
        scoring.score_custom("weighted", expression, {"value": 5, "effort": 3})


def test_a_custom_formula_dividing_by_zero_is_a_422() -> None:
    with pytest.raises(DomainError, match="division by zero") as raised:
        scoring.score_custom("ratio", "value / effort", {"value": 1, "effort": 0})
    assert raised.value.status == 422


# Dependencies -------------------------------------------------------------------------


def test_given_a_chain_when_the_last_depends_on_the_first_then_the_cycle_is_named() -> None:
    graph = adjacency([("b", "c"), ("c", "a")])
    assert find_cycle(graph, "a", "b") == ["a", "b", "c", "a"]


def test_given_no_path_back_then_there_is_no_cycle() -> None:
    graph = adjacency([("b", "c"), ("x", "a")])
    assert find_cycle(graph, "a", "b") is None


def test_an_item_depending_on_itself_is_a_cycle() -> None:
    assert find_cycle({}, "a", "a") == ["a", "a"]


def test_a_diamond_is_not_a_cycle() -> None:
    graph = adjacency([("b", "d"), ("c", "d"), ("a", "c")])
    assert find_cycle(graph, "a", "b") is None


def test_a_graph_with_an_unrelated_cycle_terminates() -> None:
    graph = adjacency([("b", "c"), ("c", "b")])
    assert find_cycle(graph, "a", "b") is None


# Timeframes and flags -----------------------------------------------------------------


def test_timeframes_resolve_to_dates() -> None:
    q = quarter("2026-Q1")
    assert (q.start, q.end) == (date(2026, 1, 1), date(2026, 3, 31))
    m = month("2028-02")
    assert (m.start, m.end) == (date(2028, 2, 1), date(2028, 2, 29))
    d = dates(date(2026, 5, 1), date(2026, 5, 20))
    assert d.label == "2026-05-01..2026-05-20"


@pytest.mark.parametrize("bad", ["2026-Q5", "Q3 2026", "2026Q3", "0000-Q1"])
def test_a_malformed_quarter_is_rejected(bad: str) -> None:
    with pytest.raises(DomainError, match="is not like 2026-Q3"):
        quarter(bad)


def test_a_malformed_month_and_backwards_dates_are_rejected() -> None:
    assert (month("0001-01").start, quarter("9999-Q4").end) == (date(1, 1, 1), date(9999, 12, 31))
    for bad in ("2026-13", "0000-12"):
        with pytest.raises(DomainError, match="is not like 2026-07"):
            month(bad)
    with pytest.raises(DomainError, match="before it starts") as raised:
        dates(date(2026, 5, 2), date(2026, 5, 1))
    assert raised.value.field == "timeframe.end"


def test_given_an_item_in_now_that_depends_on_one_in_later_then_it_is_flagged() -> None:
    slots = {"a": Slot(Horizon.NOW), "b": Slot(Horizon.LATER)}
    [flag] = schedule_flags(slots, [("a", "b")])
    assert (flag.item_id, flag.depends_on) == ("a", "b")
    assert "is in now, before the item it depends on (later)" in flag.reason


def test_given_dates_an_item_starting_before_its_dependency_is_flagged() -> None:
    q3 = quarter("2026-Q3")
    q4 = quarter("2026-Q4")
    slots = {
        "a": Slot(Horizon.LATER, q3.start, q3.end),
        "b": Slot(Horizon.NOW, q4.start, q4.end),
    }
    [flag] = schedule_flags(slots, [("a", "b")])
    assert "starts 2026-07-01, before 2026-10-01" in flag.reason


def test_items_in_order_are_not_flagged() -> None:
    slots = {"a": Slot(Horizon.NEXT), "b": Slot(Horizon.NOW), "c": Slot(Horizon.NEXT)}
    assert schedule_flags(slots, [("a", "b"), ("a", "c")]) == []


def test_a_scheduled_item_depending_on_an_unscheduled_one_is_flagged() -> None:
    slots = {"a": Slot(Horizon.NOW), "b": Slot(None)}
    [flag] = schedule_flags(slots, [("a", "b")])
    assert "not scheduled" in flag.reason
    assert schedule_flags({"a": Slot(None)}, [("a", "b")]) == []


def test_an_item_that_depends_on_a_dropped_one_is_flagged() -> None:
    q4 = quarter("2026-Q4")
    slots = {
        "a": Slot(Horizon.LATER, q4.start, q4.end),
        "b": Slot(Horizon.NOW, q4.start, q4.end, dropped=True),
        "c": Slot(Horizon.NOW, dropped=True),
    }
    [flag] = schedule_flags(slots, [("a", "b"), ("c", "a")])
    assert (flag.item_id, flag.depends_on) == ("a", "b")
    assert flag.reason == "depends on an item that was dropped"
