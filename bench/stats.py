"""Percentiles and the figure format every scenario reports: value, baseline, ratio, target."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method; NaN for no values.

    Nearest rank never invents a value that was not observed, so a p99.9 of 18,000
    samples is the 18th-slowest one, not an interpolation.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    # round() first: 99.9 / 100 * 1000 is 999.0000000000001 in binary floating point.
    rank = max(1, math.ceil(round(q / 100 * len(ordered), 9)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p99, p99.9 and max of latencies given in seconds, in milliseconds."""
    return {
        "count": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 2),
        "p99_ms": round(percentile(seconds, 99) * 1000, 2),
        "p99_9_ms": round(percentile(seconds, 99.9) * 1000, 2),
        "max_ms": round(max(seconds, default=math.nan) * 1000, 2),
    }


@dataclass(frozen=True)
class Figure:
    """One measured number with the baseline measured in the same run."""

    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    target: str | None = None
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or self.baseline_value == 0:
            return None
        return self.value / self.baseline_value

    def as_dict(self) -> dict[str, Any]:
        ratio, base = self.ratio, self.baseline_value
        return {
            "figure": self.name,
            "value": round(self.value, 2),
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_value": None if base is None else round(base, 2),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": self.target,
            "met": self.met,
        }
