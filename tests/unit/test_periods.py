"""Periods counted back from a moment, and a trends query's answer read into them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sextant_kit import DomainError
from sextant_kit.periods import series, trend, window

END = datetime(2026, 6, 16, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_periods_run_back_from_the_end_each_as_long_as_the_others() -> None:
    spans = window(END, WEEK, 3)
    assert spans == [
        (datetime(2026, 5, 26, tzinfo=UTC), datetime(2026, 6, 2, tzinfo=UTC)),
        (datetime(2026, 6, 2, tzinfo=UTC), datetime(2026, 6, 9, tzinfo=UTC)),
        (datetime(2026, 6, 9, tzinfo=UTC), END),
    ]


def test_periods_reaching_back_before_the_year_1_name_until() -> None:
    early = datetime(1, 2, 1, tzinfo=UTC)
    assert window(early, WEEK, 4)[0][0] == datetime(1, 1, 4, tzinfo=UTC)
    with pytest.raises(DomainError, match="give a later until") as raised:
        window(early, WEEK, 8)
    assert raised.value.field == "query.until"


def test_a_value_per_period_oldest_first_and_the_empty_value_where_none_came() -> None:
    assert series([(0, 5), (2, 1)], 4, 0) == [0, 1, 0, 5]
    assert series([], 2, None) == [None, None]


def test_a_trend_reads_the_totals_and_each_labels_counts_per_period() -> None:
    totals = [{"ago": 0, "items": 4, "mean": 0.5}, {"ago": 2, "items": 1, "mean": -1}]
    labels = [{"name": "sso", "counts": [[0, 3], [2, 1]]}]
    answer = trend(
        json.dumps(totals),
        json.dumps(labels),
        window(END, WEEK, 3),
        total=("items", 0),
        sentiment=("mean", None),
    )
    assert answer["periods"][-1] == {
        "start": "2026-06-09T00:00:00+00:00",
        "end": "2026-06-16T00:00:00+00:00",
    }
    assert (answer["total"], answer["sentiment"]) == ([1, 0, 4], [-1, None, 0.5])
    assert answer["labels"] == [{"name": "sso", "counts": [1, 0, 3]}]
