"""Horizons, dated timeframes, and the check that an item is not planned before its dependencies."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sextant_kit import DomainError


class Horizon(StrEnum):
    NOW = "now"
    NEXT = "next"
    LATER = "later"


HORIZON_ORDER = {Horizon.NOW: 0, Horizon.NEXT: 1, Horizon.LATER: 2}


class Timeframe(BaseModel):
    """A resolved timeframe: always has both dates, whatever the caller gave."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["quarter", "month", "dates"]
    label: str
    start: date
    end: date


_YEAR = r"(?!0000)(\d{4})"  # 0001 to 9999, as dates have them
_QUARTER = re.compile(rf"^{_YEAR}-Q([1-4])$")
_MONTH = re.compile(rf"^{_YEAR}-(0[1-9]|1[0-2])$")


def quarter(label: str, *, field: str = "timeframe.quarter") -> Timeframe:
    found = _QUARTER.match(label)
    if found is None:
        raise DomainError(
            f"quarter {label!r} is not like 2026-Q3 (years 0001 to 9999)", field=field
        )
    year, q = int(found[1]), int(found[2])
    first = 3 * (q - 1) + 1
    last = first + 2
    return Timeframe(
        kind="quarter",
        label=label,
        start=date(year, first, 1),
        end=date(year, last, calendar.monthrange(year, last)[1]),
    )


def month(label: str, *, field: str = "timeframe.month") -> Timeframe:
    found = _MONTH.match(label)
    if found is None:
        raise DomainError(f"month {label!r} is not like 2026-07 (years 0001 to 9999)", field=field)
    year, m = int(found[1]), int(found[2])
    return Timeframe(
        kind="month",
        label=label,
        start=date(year, m, 1),
        end=date(year, m, calendar.monthrange(year, m)[1]),
    )


def dates(start: date, end: date, *, field: str = "timeframe.end") -> Timeframe:
    if end < start:
        raise DomainError(f"timeframe ends {end} before it starts {start}", field=field)
    label = f"{start.isoformat()}..{end.isoformat()}"
    return Timeframe(kind="dates", label=label, start=start, end=end)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where an item sits in time, as the dependency check needs it."""

    horizon: Horizon | None
    start: date | None = None
    end: date | None = None
    dropped: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleFlag:
    item_id: str
    depends_on: str
    reason: str


def flag(item_id: str, item: Slot, dep_id: str, dep: Slot) -> ScheduleFlag | None:
    """Whether ``item`` is scheduled before ``dep``, the item it depends on, or on an
    item that was dropped (so it waits for what will not come)."""
    if item.horizon is None or item.dropped:
        return None
    if dep.dropped:
        return ScheduleFlag(item_id, dep_id, "depends on an item that was dropped")
    if dep.horizon is None:
        return ScheduleFlag(item_id, dep_id, "depends on an item that is not scheduled")
    if item.start is not None and dep.start is not None:
        if item.start < dep.start:
            return ScheduleFlag(
                item_id,
                dep_id,
                f"starts {item.start.isoformat()}, before {dep.start.isoformat()} "
                "when the item it depends on starts",
            )
        return None
    if HORIZON_ORDER[item.horizon] < HORIZON_ORDER[dep.horizon]:
        return ScheduleFlag(
            item_id,
            dep_id,
            f"is in {item.horizon.value}, before the item it depends on ({dep.horizon.value})",
        )
    return None


def schedule_flags(
    slots: Mapping[str, Slot], edges: Iterable[tuple[str, str]]
) -> list[ScheduleFlag]:
    """Every dependency edge ``(item, depends_on)`` whose item is planned too early."""
    flags: list[ScheduleFlag] = []
    for item_id, dep_id in edges:
        if item_id not in slots:
            continue
        dep = slots.get(dep_id, Slot(None))
        found = flag(item_id, slots[item_id], dep_id, dep)
        if found is not None:
            flags.append(found)
    return flags
