"""Rules that reach beyond one item: dependencies, published versions and delivery handoff."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from sextant_kit import Conflict, DomainError, NotFound

from sextant_roadmap.domain.commands import (
    AddDependency,
    CommitToDelivery,
    PublishVersion,
    RecordDeliveryStatus,
    RemoveDependency,
)
from sextant_roadmap.domain.events import (
    DeliveryState,
    DeliveryStatusRecorded,
    DependencyAdded,
    DependencyRemoved,
    ItemCommittedToDelivery,
    ItemStatus,
    ItemStatusChanged,
    RoadmapEvent,
    RoadmapPublished,
)
from sextant_roadmap.domain.graph import adjacency, find_cycle
from sextant_roadmap.domain.state import Item, Roadmap
from sextant_roadmap.domain.versions import snapshot, visible_fields

COMMITTABLE = frozenset({ItemStatus.PLANNED, ItemStatus.IN_PROGRESS})


def _label(state: Roadmap, titles: Mapping[UUID, str], node: str) -> str:
    """An item as a cycle's message names it: by its title where the caller reads it (this
    roadmap's own items, and ``titles``, those the caller reads elsewhere), else by id."""
    item = state.items.get(UUID(node))
    own = item is not None and item.workspace_id == state.workspace_id
    title = item.title if item is not None and own else titles.get(UUID(node))
    return f"{title!r} ({node})" if title is not None else node


def add_dependency(command: AddDependency, state: Roadmap, item: Item) -> list[RoadmapEvent]:
    target = command.depends_on_item_id
    same_roadmap = command.depends_on_roadmap_id == state.roadmap_id
    if (same_roadmap and target not in state.items) or not command.depends_on_exists:
        raise NotFound(f"item {target} is not on roadmap {command.depends_on_roadmap_id}")
    if target in item.depends_on:
        return []
    own = {str(i.item_id) for i in state.items.values()}
    # This roadmap's own edges come from its state; the rest of the graph from the command.
    edges = [
        (str(e.item_id), str(e.depends_on)) for e in command.graph if str(e.item_id) not in own
    ]
    edges += [(str(i.item_id), str(d)) for i in state.items.values() for d in i.depends_on]
    cycle = find_cycle(adjacency(edges), str(item.item_id), str(target))
    if cycle is not None:
        path = " -> ".join(_label(state, command.titles, n) for n in cycle)
        raise Conflict(
            f"{item.title!r} cannot depend on {_label(state, command.titles, str(target))}:"
            f" that closes the cycle {path}",
            code="dependency-cycle",
        )
    return [
        DependencyAdded(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            depends_on_roadmap_id=command.depends_on_roadmap_id,
            depends_on_item_id=target,
            depends_on_workspace_id=command.depends_on_workspace_id,
            added_at=command.at,
        )
    ]


def remove_dependency(command: RemoveDependency, item: Item) -> list[RoadmapEvent]:
    if command.depends_on_item_id not in item.depends_on:
        raise NotFound(f"item {item.item_id} does not depend on {command.depends_on_item_id}")
    return [
        DependencyRemoved(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            depends_on_item_id=command.depends_on_item_id,
            removed_at=command.at,
        )
    ]


def publish(command: PublishVersion, state: Roadmap) -> list[RoadmapEvent]:
    items = snapshot(state, command.audience)
    if not items:
        raise Conflict(
            f"roadmap {state.roadmap_id} has nothing {command.audience.value} may see; "
            "add items before publishing",
            code="nothing-to-publish",
        )
    return [
        RoadmapPublished(
            roadmap_id=command.roadmap_id,
            workspace_id=state.workspace_id,
            version=state.versions + 1,
            audience=command.audience,
            title=command.title,
            notes=command.notes,
            fields=visible_fields(command.audience),
            items=items,
            published_at=command.at,
        )
    ]


def commit_to_delivery(command: CommitToDelivery, state: Roadmap, item: Item) -> list[RoadmapEvent]:
    if item.status not in COMMITTABLE:
        raise Conflict(
            f"item {item.item_id} is {item.status.value}; only planned or in-progress items "
            "are committed to delivery",
            code="not-committable",
        )
    if item.committed_to is not None:
        raise Conflict(
            f"item {item.item_id} was already committed to {item.committed_to}",
            code="already-committed",
        )
    return [
        ItemCommittedToDelivery(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            workspace_id=item.workspace_id,
            tracker=command.tracker,
            project_key=command.project_key,
            title=item.title,
            description=item.description,
            type=item.type,
            owner=item.owner,
            team=item.team,
            objective_ids=list(item.objective_ids),
            opportunity_ids=list(item.opportunity_ids),
            horizon=item.horizon,
            timeframe=item.timeframe,
            scores={m: s.value for m, s in sorted(item.scores.items())},
            depends_on=sorted(item.depends_on, key=str),
            committed_at=command.at,
        )
    ]


def record_delivery_status(command: RecordDeliveryStatus, item: Item) -> list[RoadmapEvent]:
    if item.committed_to is None:
        raise Conflict(
            f"item {item.item_id} was never committed to delivery; commit it first",
            code="not-committed",
        )
    if command.tracker.value != item.committed_to:
        raise DomainError(
            f"item {item.item_id} was committed to {item.committed_to}, "
            f"not {command.tracker.value}",
            field="body.tracker",
        )
    last = item.delivery_changed_at
    if command.changed_at is not None and last is not None and command.changed_at < last:
        return []  # a report overtaken by a newer one, arriving late
    recorded: list[RoadmapEvent] = [
        DeliveryStatusRecorded(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            tracker=command.tracker,
            external_key=command.external_key,
            external_status=command.external_status,
            state=command.state,
            url=command.url,
            reported_at=command.at,
            changed_at=command.changed_at,
        )
    ]
    if command.state is DeliveryState.IN_PROGRESS and item.status is ItemStatus.PLANNED:
        # Work has started, so the roadmap says so too; releasing stays the PM's decision.
        recorded.append(
            ItemStatusChanged(
                roadmap_id=command.roadmap_id,
                item_id=item.item_id,
                from_status=ItemStatus.PLANNED,
                to_status=ItemStatus.IN_PROGRESS,
                reason=f"{command.tracker.value} {command.external_key} is "
                f"{command.external_status}",
                changed_at=command.at,
            )
        )
    return recorded
