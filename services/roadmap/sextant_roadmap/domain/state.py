"""The roadmap's state, folded from its events by a pure ``evolve``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import assert_never
from uuid import UUID

from sextant_roadmap.domain.events import (
    DeliveryState,
    DeliveryStatusRecorded,
    DependencyAdded,
    DependencyRemoved,
    ItemAdded,
    ItemCommittedToDelivery,
    ItemDetailsChanged,
    ItemScheduled,
    ItemScored,
    ItemsReordered,
    ItemStatus,
    ItemStatusChanged,
    ItemType,
    RoadmapArchived,
    RoadmapCreated,
    RoadmapEvent,
    RoadmapPublished,
    RoadmapRenamed,
    RoadmapRestored,
    Scope,
)
from sextant_roadmap.domain.schedule import Horizon, Timeframe


@dataclass(frozen=True, slots=True)
class Score:
    model: str
    value: float
    inputs: dict[str, float]


@dataclass(frozen=True, slots=True)
class Item:
    item_id: UUID
    workspace_id: str
    title: str
    description: str
    type: ItemType
    owner: str | None = None
    team: str | None = None
    objective_ids: tuple[str, ...] = ()
    opportunity_ids: tuple[str, ...] = ()
    status: ItemStatus = ItemStatus.PROPOSED
    horizon: Horizon | None = None
    timeframe: Timeframe | None = None
    scores: dict[str, Score] = field(default_factory=dict)
    depends_on: dict[UUID, UUID] = field(default_factory=dict)
    """Item id -> the roadmap it lives on."""
    committed_to: str | None = None
    delivery_state: DeliveryState | None = None
    delivery_changed_at: datetime | None = None
    """The tracker's time of its latest report that gave one."""


@dataclass(frozen=True, slots=True)
class Roadmap:
    roadmap_id: UUID | None = None
    tenant_id: str = ""
    workspace_id: str = ""
    name: str = ""
    description: str = ""
    scope: Scope = "workspace"
    workspaces: tuple[str, ...] = ()
    items: dict[UUID, Item] = field(default_factory=dict)
    order: tuple[UUID, ...] = ()
    versions: int = 0
    archived: bool = False

    @property
    def exists(self) -> bool:
        return self.roadmap_id is not None


def initial_state() -> Roadmap:
    return Roadmap()


def evolve(state: Roadmap, event: RoadmapEvent) -> Roadmap:
    return evolve_many(state, [event])


def evolve_many(state: Roadmap, events: Iterable[RoadmapEvent]) -> Roadmap:
    """``state`` after ``events``, as ``evolve`` one at a time would make it, in time linear
    in the events: the items and their order are copied once and changed in place, where
    each ``evolve`` copies them all (a roadmap of 9,000 items' events took 0.85 s to fold
    one at a time). ``state`` itself is left as it was: states are kept and shared."""
    folding = _Folding(state)
    for event in events:
        folding.apply(event)
    return folding.state()


class _Folding:
    """A roadmap part-way through a fold: its own copy of the items and their order."""

    __slots__ = ("items", "order", "roadmap")

    def __init__(self, roadmap: Roadmap) -> None:
        self.roadmap = roadmap
        self.items = dict(roadmap.items)
        self.order = list(roadmap.order)

    def state(self) -> Roadmap:
        return replace(self.roadmap, items=self.items, order=tuple(self.order))

    def change(self, item_id: UUID, **changes: object) -> None:
        self.items[item_id] = replace(self.items[item_id], **changes)  # type: ignore[arg-type]

    def apply(self, event: RoadmapEvent) -> None:
        match event:
            case RoadmapCreated():
                self.roadmap = Roadmap(
                    roadmap_id=event.roadmap_id,
                    tenant_id=event.tenant_id,
                    workspace_id=event.workspace_id,
                    name=event.name,
                    description=event.description,
                    scope=event.scope,
                    workspaces=tuple(event.workspaces),
                )
                self.items, self.order = {}, []
            case RoadmapRenamed():
                self.roadmap = replace(self.roadmap, name=event.name, description=event.description)
            case RoadmapArchived():
                self.roadmap = replace(self.roadmap, archived=True)
            case RoadmapRestored():
                self.roadmap = replace(self.roadmap, archived=False)
            case ItemAdded():
                self.items[event.item_id] = Item(
                    item_id=event.item_id,
                    workspace_id=event.item_workspace_id,
                    title=event.title,
                    description=event.description,
                    type=event.type,
                    owner=event.owner,
                    team=event.team,
                    objective_ids=tuple(event.objective_ids),
                    opportunity_ids=tuple(event.opportunity_ids),
                )
                self.order.append(event.item_id)
            case ItemDetailsChanged():
                self.change(
                    event.item_id,
                    title=event.title,
                    description=event.description,
                    owner=event.owner,
                    team=event.team,
                    objective_ids=tuple(event.objective_ids),
                    opportunity_ids=tuple(event.opportunity_ids),
                )
            case ItemStatusChanged():
                self.change(event.item_id, status=event.to_status)
            case ItemScored():
                scores = dict(self.items[event.item_id].scores)
                scores[event.model] = Score(event.model, event.score, dict(event.inputs))
                self.change(event.item_id, scores=scores)
            case ItemsReordered():
                self.order = list(event.order)
            case ItemScheduled():
                self.change(event.item_id, horizon=event.to_horizon, timeframe=event.to_timeframe)
            case DependencyAdded():
                deps = {
                    **self.items[event.item_id].depends_on,
                    event.depends_on_item_id: event.depends_on_roadmap_id,
                }
                self.change(event.item_id, depends_on=deps)
            case DependencyRemoved():
                deps = dict(self.items[event.item_id].depends_on)
                deps.pop(event.depends_on_item_id, None)
                self.change(event.item_id, depends_on=deps)
            case RoadmapPublished():
                self.roadmap = replace(self.roadmap, versions=event.version)
            case ItemCommittedToDelivery():
                self.change(event.item_id, committed_to=event.tracker.value)
            case DeliveryStatusRecorded():
                changed_at = event.changed_at or self.items[event.item_id].delivery_changed_at
                self.change(
                    event.item_id, delivery_state=event.state, delivery_changed_at=changed_at
                )
            case _:
                assert_never(event)
