"""What each audience sees of a roadmap when it is published as a version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sextant_roadmap.domain.events import Audience, ItemStatus, PublishedItem
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
