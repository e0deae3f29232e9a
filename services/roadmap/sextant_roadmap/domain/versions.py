"""What each audience sees of a roadmap when it is published as a version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sextant_kit.exports import spreadsheet_safe
from sextant_kit.numbers import plain

from sextant_roadmap.domain.events import Audience, ItemStatus, PublishedItem, RoadmapPublished
from sextant_roadmap.domain.state import Item, Roadmap

ALWAYS = ("item_id", "title", "type", "status", "horizon")
OPTIONAL = (
    "timeframe",
    "description",
    "owner",
    "team",
    "objective_ids",
    "opportunity_ids",
    "scores",
    "depends_on",
    "rank",
)


@dataclass(frozen=True, slots=True)
class Visibility:
    fields: frozenset[str]
    shows_dropped: bool


AUDIENCES: Mapping[Audience, Visibility] = {
    Audience.EXECUTIVES: Visibility(
        frozenset({"timeframe", "description", "owner", "team", "objective_ids", "scores", "rank"}),
        shows_dropped=True,
    ),
    Audience.SALES: Visibility(frozenset({"timeframe", "description"}), shows_dropped=False),
    Audience.ENGINEERING: Visibility(frozenset(OPTIONAL), shows_dropped=True),
    Audience.CUSTOMERS: Visibility(frozenset({"description"}), shows_dropped=False),
}
"""Customers see horizons but no dates (no promises); sales see no scores or owners."""


def visible_fields(audience: Audience) -> list[str]:
    return [*ALWAYS, *(f for f in OPTIONAL if f in AUDIENCES[audience].fields)]


def _full(item: Item, rank: int) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "title": item.title,
        "type": item.type,
        "status": item.status,
        "horizon": item.horizon,
        "timeframe": item.timeframe,
        "description": item.description,
        "owner": item.owner,
        "team": item.team,
        "objective_ids": list(item.objective_ids),
        "opportunity_ids": list(item.opportunity_ids),
        "scores": {m: s.value for m, s in sorted(item.scores.items())},
        "depends_on": sorted(item.depends_on, key=str),
        "rank": rank,
    }


def snapshot(state: Roadmap, audience: Audience) -> list[PublishedItem]:
    """The roadmap's items in manual order, with only the fields ``audience`` may see."""
    visibility = AUDIENCES[audience]
    out: list[PublishedItem] = []
    for rank, item_id in enumerate(state.order, start=1):
        item = state.items[item_id]
        if item.status is ItemStatus.DROPPED and not visibility.shows_dropped:
            continue
        full = _full(item, rank)
        shown = {k: v for k, v in full.items() if k in ALWAYS or k in visibility.fields}
        out.append(PublishedItem.model_validate(shown))
    return out


_TEXT_COLUMNS = {"title", "description", "owner", "team"}
"""Columns a person wrote: a spreadsheet must show them, never run them."""


def csv_rows(version: RoadmapPublished) -> list[list[str]]:
    """A published version as the rows of a spreadsheet: a header, then one row per item in
    the version's order, with only the columns its audience was shown. A timeframe is its
    label, first day and last day; lists are joined with ``;``; each score has a column
    (``score:<model>``)."""
    shown = set(version.fields)
    scores = sorted({m for i in version.items for m in (i.scores or {})})
    header = ["rank"] if "rank" in shown else []
    header += ["title", "type", "status", "horizon"]
    if "timeframe" in shown:
        header += ["timeframe", "start", "end"]
    header += [f for f in ("description", "owner", "team") if f in shown]
    header += [f for f in ("objective_ids", "opportunity_ids", "depends_on") if f in shown]
    header += [f"score:{m}" for m in scores] if "scores" in shown else []
    rows = [header]
    for item in version.items:
        values: dict[str, Any] = item.model_dump(mode="json")
        if item.timeframe is not None:
            frame = item.timeframe
            values |= {"timeframe": frame.label, "start": frame.start, "end": frame.end}
        for name in ("objective_ids", "opportunity_ids", "depends_on"):
            values[name] = ";".join(values.get(name) or [])
        for m in scores:
            score = (item.scores or {}).get(m)
            values[f"score:{m}"] = "" if score is None else plain(score)
        rows.append([_cell(name, values.get(name)) for name in header])
    return rows


def _cell(column: str, value: Any) -> str:
    text = "" if value is None else str(value)
    return spreadsheet_safe(text) if column in _TEXT_COLUMNS else text
