"""The roadmap's state, folded from its events by a pure ``evolve``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    RoadmapCreated,
    RoadmapEvent,
    RoadmapPublished,
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


@dataclass(frozen=True, slots=True)
class Roadmap:
    roadmap_id: UUID | None = None
    tenant_id: str = ""
    workspace_id: str = ""
    name: str = ""
    scope: Scope = "workspace"
    workspaces: tuple[str, ...] = ()
    items: dict[UUID, Item] = field(default_factory=dict)
    order: tuple[UUID, ...] = ()
    versions: int = 0

    @property
    def exists(self) -> bool:
        return self.roadmap_id is not None

    def with_item(self, item: Item) -> Roadmap:
        return replace(self, items={**self.items, item.item_id: item})


def initial_state() -> Roadmap:
    return Roadmap()


def evolve(state: Roadmap, event: RoadmapEvent) -> Roadmap:
    match event:
        case RoadmapCreated():
            return Roadmap(
                roadmap_id=event.roadmap_id,
                tenant_id=event.tenant_id,
                workspace_id=event.workspace_id,
                name=event.name,
                scope=event.scope,
                workspaces=tuple(event.workspaces),
            )
        case ItemAdded():
            item = Item(
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
            added = state.with_item(item)
            return replace(added, order=(*state.order, event.item_id))
        case ItemDetailsChanged():
            return _change(
                state,
                event.item_id,
                title=event.title,
                description=event.description,
                owner=event.owner,
                team=event.team,
                objective_ids=tuple(event.objective_ids),
                opportunity_ids=tuple(event.opportunity_ids),
            )
        case ItemStatusChanged():
            return _change(state, event.item_id, status=event.to_status)
        case ItemScored():
            scores = dict(state.items[event.item_id].scores)
            scores[event.model] = Score(event.model, event.score, dict(event.inputs))
            return _change(state, event.item_id, scores=scores)
        case ItemsReordered():
            return replace(state, order=tuple(event.order))
        case ItemScheduled():
            return _change(
                state, event.item_id, horizon=event.to_horizon, timeframe=event.to_timeframe
            )
        case DependencyAdded():
            deps = {
                **state.items[event.item_id].depends_on,
                event.depends_on_item_id: event.depends_on_roadmap_id,
            }
            return _change(state, event.item_id, depends_on=deps)
        case DependencyRemoved():
            deps = dict(state.items[event.item_id].depends_on)
            deps.pop(event.depends_on_item_id, None)
            return _change(state, event.item_id, depends_on=deps)
        case RoadmapPublished():
            return replace(state, versions=event.version)
        case ItemCommittedToDelivery():
            return _change(state, event.item_id, committed_to=event.tracker.value)
        case DeliveryStatusRecorded():
            return _change(state, event.item_id, delivery_state=event.state)
        case _:
            assert_never(event)


def _change(state: Roadmap, item_id: UUID, **changes: object) -> Roadmap:
    return state.with_item(replace(state.items[item_id], **changes))  # type: ignore[arg-type]
