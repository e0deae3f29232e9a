"""Periods counted back from a moment, as trends read them: days, weeks or months of 30
days, the latest ending at the moment, so it is as long as the others and a rise is never
a half-counted week against a whole one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from sextant_kit.errors import DomainError

V = TypeVar("V")

Period = Literal["day", "week", "month"]
PERIODS: dict[Period, timedelta] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
}
"""How long each period is."""


def window(end: datetime, length: timedelta, count: int) -> list[tuple[datetime, datetime]]:
    """The ``count`` periods of ``length`` ending at ``end``, oldest first."""
    try:
        end - length * count
    except OverflowError:
        raise DomainError(
            f"{count} periods of {length.days} days before {end.isoformat()} begin before"
            " the year 1; give a later until",
            field="query.until",
        ) from None
    return [(end - length * (count - n), end - length * (count - n - 1)) for n in range(count)]


def periods_ago(received_at: str, end: str, length: str, last: str) -> str:
    """SQL: how many periods before the latest one ``received_at`` falls in (0 for the
    latest), given the window's ``end``, the period's ``length`` in seconds and the
    ``last`` index: each a SQL expression or parameter. A period holds its start, not its
    end, so an item received at the end of one period is counted in the next."""
    return (
        f"least({last}::int, ceil(extract(epoch FROM {end}::timestamptz - {received_at})"
        f" / {length}::float8)::int - 1)"
    )


def series(found: Iterable[tuple[int, V]], count: int, empty: V) -> list[V]:
    """A value per period, oldest first, from pairs of (periods ago, value): 0 ago is the
    latest period; ``empty`` for a period with no item."""
    values = [empty] * count
    for ago, value in found:
        values[count - 1 - ago] = value
    return values


def trend(
    totals_json: str,
    labels_json: str,
    spans: list[tuple[datetime, datetime]],
    **totals: tuple[str, Any],
) -> dict[str, Any]:
    """A trends query's answer: its ``periods``; each of ``totals`` (the answer's name: a
    column of ``totals_json``, a list of rows each with its periods ``ago``, and the value
    of a period without items) as a value per period; and the labels of ``labels_json``,
    each with its ``counts`` (pairs of periods ago and items) as a count per period. All
    oldest first."""
    count = len(spans)
    rows = json.loads(totals_json)
    labels = json.loads(labels_json)
    for label in labels:
        label["counts"] = series(label["counts"], count, 0)
    return {
        "periods": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in spans],
        **{
            name: series(((r["ago"], r[column]) for r in rows), count, empty)
            for name, (column, empty) in totals.items()
        },
        "labels": labels,
    }
