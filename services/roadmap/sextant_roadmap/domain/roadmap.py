"""The Roadmap aggregate's rules: ``decide(command, state) -> events``."""

from __future__ import annotations

from typing import assert_never
from uuid import UUID

from sextant_kit import Conflict, Decider, DomainError, NotFound
from sextant_kit.errors import Forbidden

from sextant_roadmap.domain.commands import (
    AddDependency,
    AddItem,
    AddItems,
    ArchiveRoadmap,
    ChangeItemDetails,
    ChangeItemStatus,
    CommitToDelivery,
    CreateRoadmap,
    PublishVersion,
    RecordDeliveryStatus,
    RemoveDependency,
    RenameRoadmap,
    ReorderItems,
    RestoreRoadmap,
    RoadmapCommand,
    ScheduleItem,
    ScoreItem,
)
from sextant_roadmap.domain.events import (
    ItemStatus,
    ItemStatusChanged,
    RoadmapArchived,
    RoadmapCreated,
    RoadmapEvent,
    RoadmapRenamed,
    RoadmapRestored,
)
from sextant_roadmap.domain.links import (
    add_dependency,
    commit_to_delivery,
    publish,
    record_delivery_status,
    remove_dependency,
)
from sextant_roadmap.domain.rules import (
    add_item,
    add_items,
    change_details,
    reorder,
    schedule,
    score,
)
from sextant_roadmap.domain.state import Item, Roadmap, evolve, evolve_many, initial_state

TRANSITIONS: dict[ItemStatus, frozenset[ItemStatus]] = {
    ItemStatus.PROPOSED: frozenset({ItemStatus.PLANNED, ItemStatus.DROPPED}),
    ItemStatus.PLANNED: frozenset(
        {ItemStatus.IN_PROGRESS, ItemStatus.PROPOSED, ItemStatus.DROPPED}
    ),
    ItemStatus.IN_PROGRESS: frozenset({ItemStatus.RELEASED, ItemStatus.DROPPED}),
    ItemStatus.RELEASED: frozenset(),
    ItemStatus.DROPPED: frozenset({ItemStatus.PROPOSED}),
}
"""proposed -> planned -> in progress -> released; dropped from anywhere before release."""


def item_of(state: Roadmap, item_id: UUID) -> Item:
    item = state.items.get(item_id)
    if item is not None:
        return item
    raise NotFound(f"item {item_id} is not on roadmap {state.roadmap_id}")


_WHILE_ARCHIVED = (ArchiveRoadmap, RestoreRoadmap, RecordDeliveryStatus)
"""What an archived roadmap still takes: its delivery trackers keep reporting on work that
was handed off, and what is reported is kept."""


def decide(command: RoadmapCommand, state: Roadmap) -> list[RoadmapEvent]:
    elsewhere = (state.tenant_id, state.workspace_id) != (command.tenant_id, command.workspace_id)
    spanned = state.tenant_id == command.tenant_id and command.workspace_id in state.workspaces
    if not isinstance(command, CreateRoadmap) and state.exists and elsewhere and spanned:
        raise Conflict(  # it opens from every workspace it spans; it is changed from its own
            f"roadmap {command.roadmap_id} spans workspace {command.workspace_id} and belongs"
            f" to {state.workspace_id}: change it there",
            code="roadmap-elsewhere",
        )
    if not isinstance(command, CreateRoadmap) and (not state.exists or elsewhere):
        raise NotFound(
            f"roadmap {command.roadmap_id} does not exist in workspace {command.workspace_id}"
        )
    if state.archived and not isinstance(command, _WHILE_ARCHIVED):
        raise Conflict(
            f"roadmap {command.roadmap_id} is archived: restore it to change it",
            code="roadmap-archived",
        )
    for filed in _filed_under(command, state):
        if not command.may_change(filed):
            raise Forbidden(
                f"items of roadmap {command.roadmap_id} filed under workspace {filed} are"
                " changed and published by those who write there"
            )
    match command:
        case CreateRoadmap():
            return _create(command, state)
        case RenameRoadmap():
            return _rename(command, state)
        case ArchiveRoadmap():
            if state.archived:
                return []
            return [
                RoadmapArchived(
                    roadmap_id=command.roadmap_id, note=command.note, archived_at=command.at
                )
            ]
        case RestoreRoadmap():
            if not state.archived:
                return []
            return [RoadmapRestored(roadmap_id=command.roadmap_id, restored_at=command.at)]
        case AddItem():
            return add_item(command, state)
        case AddItems():
            return add_items(command, state)
        case ChangeItemDetails():
            return change_details(command, item_of(state, command.item_id))
        case ChangeItemStatus():
            return _change_status(command, item_of(state, command.item_id))
        case ScoreItem():
            return score(command, item_of(state, command.item_id))
        case ReorderItems():
            return reorder(command, state)
        case ScheduleItem():
            return schedule(command, item_of(state, command.item_id))
        case AddDependency():
            return add_dependency(command, state, item_of(state, command.item_id))
        case RemoveDependency():
            return remove_dependency(command, item_of(state, command.item_id))
        case PublishVersion():
            return publish(command, state)
        case CommitToDelivery():
            return commit_to_delivery(command, state, item_of(state, command.item_id))
        case RecordDeliveryStatus():
            return record_delivery_status(command, item_of(state, command.item_id))
        case _:
            assert_never(command)


def _filed_under(command: RoadmapCommand, state: Roadmap) -> set[str]:
    """The workspaces whose items ``command`` adds or changes."""
    match command:
        case AddItem():
            return {command.item_workspace_id or state.workspace_id}
        case AddItems():
            return {i.item_workspace_id or state.workspace_id for i in command.items}
        case ReorderItems():
            named = command.order
        case PublishVersion():  # a version shows them to its audience
            named = list(state.items)
        case (
            ChangeItemDetails()
            | ChangeItemStatus()
            | ScoreItem()
            | ScheduleItem()
            | AddDependency()
            | RemoveDependency()
            | CommitToDelivery()
            | RecordDeliveryStatus()
        ):
            named = [command.item_id]
        case _:
            return set()
    return {state.items[i].workspace_id for i in named if i in state.items}


def _create(command: CreateRoadmap, state: Roadmap) -> list[RoadmapEvent]:
    if state.exists:
        raise Conflict(f"roadmap {command.roadmap_id} already exists", code="roadmap-exists")
    spanned = sorted({command.workspace_id, *command.workspaces})
    if command.scope == "portfolio" and len(spanned) < 2:
        raise DomainError(
            "a portfolio roadmap spans at least one workspace besides its own; "
            "list them in workspaces",
            field="body.workspaces",
        )
    if command.scope == "workspace" and spanned != [command.workspace_id]:
        raise DomainError(
            "a workspace roadmap covers only its own workspace; use scope 'portfolio' "
            "to span several",
            field="body.workspaces",
        )
    return [
        RoadmapCreated(
            roadmap_id=command.roadmap_id,
            tenant_id=command.tenant_id,
            workspace_id=command.workspace_id,
            name=command.name,
            description=command.description,
            scope=command.scope,
            workspaces=spanned,
            created_at=command.at,
        )
    ]


def _rename(command: RenameRoadmap, state: Roadmap) -> list[RoadmapEvent]:
    name = state.name if command.name is None else command.name
    description = state.description if command.description is None else command.description
    if (name, description) == (state.name, state.description):
        return []
    return [
        RoadmapRenamed(
            roadmap_id=command.roadmap_id,
            name=name,
            description=description,
            renamed_at=command.at,
        )
    ]


def _change_status(command: ChangeItemStatus, item: Item) -> list[RoadmapEvent]:
    if command.to is item.status:
        return []
    allowed = TRANSITIONS[item.status]
    if command.to not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none, it is final"
        raise Conflict(
            f"item {item.item_id} is {item.status.value} and cannot move to "
            f"{command.to.value}; from {item.status.value} it can move to: {options}",
            code="transition-not-allowed",
        )
    return [
        ItemStatusChanged(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            from_status=item.status,
            to_status=command.to,
            reason=command.reason,
            changed_at=command.at,
        )
    ]


roadmap_decider: Decider[RoadmapCommand, RoadmapEvent, Roadmap] = Decider(
    initial_state, decide, evolve, evolve_many
)
