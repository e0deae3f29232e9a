"""The benchmark harness's arithmetic: percentiles by nearest rank, ratios to baselines."""

from __future__ import annotations

import math

import pytest

from bench.stats import Figure, percentile, summary_ms


def test_nearest_rank_percentiles_are_observed_values() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 99.9) == 100
    assert percentile(values, 0) == 1
    assert percentile(list(reversed(values)), 50) == 50


def test_percentile_of_nothing_is_nan_and_out_of_range_is_an_error() -> None:
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_summary_is_in_milliseconds() -> None:
    summary = summary_ms([0.001] * 999 + [0.5])
    assert summary["p50_ms"] == 1.0
    assert summary["p99_9_ms"] == 1.0
    assert summary["max_ms"] == 500.0
    assert summary["count"] == 1000


def test_a_figure_reports_its_ratio_to_the_baseline() -> None:
    figure = Figure("append", 900.0, "events/s", "eventsourcing", 100.0, ">= 8x", True)
    assert figure.as_dict()["ratio"] == 9.0
    assert Figure("ceiling", 5.0, "rows/s").as_dict()["ratio"] is None
