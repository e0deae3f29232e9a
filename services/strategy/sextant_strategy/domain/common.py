"""Field types and value objects that several strategy aggregates share."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid5

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints
from pydantic_core import PydanticCustomError
from sextant_kit import DomainError

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ClearableText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
"""Text in a change: empty clears it."""
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Actor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Unit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Quarter = Annotated[str, StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]


def _a_period(label: str) -> str:
    """A label some period could have: a quarter of the years 1 to 9998, or a range of two
    real days, the first not after the second."""
    if "Q" in label:
        if not 1 <= int(label[:4]) <= 9998:
            raise PydanticCustomError("period", "a quarter's year is 0001 to 9998")
        return label
    try:
        start, end = (date.fromisoformat(day) for day in label.split(".."))
    except ValueError:
        raise PydanticCustomError(
            "period", "{label} names a day no calendar has", {"label": label}
        ) from None
    if end < start:
        raise PydanticCustomError("period", "the range ends before it starts")
    return label


PeriodLabel = Annotated[
    str,
    StringConstraints(pattern=r"^\d{4}-Q[1-4]$|^\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2}$"),
    AfterValidator(_a_period),
]
"""A period as :class:`Period` labels it: a quarter, or a custom range ``start..end``."""


def restated(
    current: BaseModel, command: BaseModel, names: tuple[str, ...]
) -> dict[str, Any] | None:
    """``names`` as ``current`` has them with what ``command`` gives (a field it leaves out
    stays; an empty description clears it), or None when that changes nothing: what a
    restatement records."""
    before = {name: getattr(current, name) for name in names}
    after = {**before, **command.model_dump(include=set(names), exclude_none=True)}
    if "description" in after:
        after["description"] = after["description"] or None
    return None if after == before else after


STRATEGY_NAMESPACE = UUID("3f1d0a52-8a7e-4b8e-9d5c-2c1f6b0e9a41")


class Period(BaseModel):
    """A planning period: a calendar quarter or a custom range, both ends inclusive."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    start: date
    end: date


def quarter_period(quarter: str) -> Period:
    """``2026-Q3`` -> 1 July 2026 to 30 September 2026."""
    year, q = int(quarter[:4]), int(quarter[-1])
    if not 1 <= year <= 9998:
        raise DomainError(
            f"quarter {quarter!r}: the year must be 0001 to 9998", field="period.quarter"
        )
    start = date(year, 3 * (q - 1) + 1, 1)
    following = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period(label=quarter, start=start, end=following - timedelta(days=1))


def custom_period(start: date, end: date) -> Period:
    return Period(label=f"{start.isoformat()}..{end.isoformat()}", start=start, end=end)


def check_period(period: Period) -> None:
    """A period must end on or after the day it starts."""
    if period.end < period.start:
        raise DomainError(
            f"the period ends ({period.end}) before it starts ({period.start}); "
            "give an end date on or after the start date",
            field="period.end",
        )


def check_come(day: date, now: datetime, *, what: str, field: str) -> None:
    """``day`` has come: today or earlier, with a day's grace because the caller's today
    may already be tomorrow in UTC."""
    if day > now.date() + timedelta(days=1):
        raise DomainError(
            f"{what} on {day}, a day that has not come yet; record it on the day", field=field
        )


def vision_id_for(tenant_id: str, workspace_id: str) -> UUID:
    """Each workspace has exactly one vision stream."""
    return uuid5(STRATEGY_NAMESPACE, f"vision\n{tenant_id}\n{workspace_id}")
