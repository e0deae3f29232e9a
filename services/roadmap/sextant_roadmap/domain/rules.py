"""Rules for items on a roadmap: adding, changing, scoring, ordering and scheduling them."""

from __future__ import annotations

from sextant_kit import Conflict, DomainError

from sextant_roadmap.domain import schedule as timing
from sextant_roadmap.domain import scoring
from sextant_roadmap.domain.commands import (
    AddItem,
    AddItems,
    ChangeItemDetails,
    ReorderItems,
    ScheduleItem,
    ScoreItem,
    TimeframeIn,
)
from sextant_roadmap.domain.events import (
    ItemAdded,
    ItemDetailsChanged,
    ItemScheduled,
    ItemScored,
    ItemsReordered,
    ItemStatus,
    RoadmapEvent,
)
from sextant_roadmap.domain.state import Item, Roadmap

CLOSED = frozenset({ItemStatus.RELEASED, ItemStatus.DROPPED})


def add_item(command: AddItem, state: Roadmap) -> list[RoadmapEvent]:
    if command.item_id in state.items:
        raise Conflict(f"item {command.item_id} is already on this roadmap", code="item-exists")
    workspace = command.item_workspace_id or state.workspace_id
    if workspace not in state.workspaces:
        raise DomainError(
            f"workspace {workspace} is not one this roadmap spans ({', '.join(state.workspaces)})",
            field="body.item_workspace_id",
        )
    return [
        ItemAdded(
            roadmap_id=command.roadmap_id,
            item_id=command.item_id,
            item_workspace_id=workspace,
            title=command.title,
            description=command.description,
            type=command.type,
            owner=command.owner,
            team=command.team,
            objective_ids=sorted(set(command.objective_ids)),
            opportunity_ids=sorted(set(command.opportunity_ids)),
            added_at=command.at,
        )
    ]


def add_items(command: AddItems, state: Roadmap) -> list[RoadmapEvent]:
    """Each item as ``add_item`` adds it, then scheduled when the batch names a horizon (a
    timeframe needs one); a bad item refuses the batch, naming it and its field."""
    ids = [n.item_id for n in command.items]
    if len(set(ids)) != len(ids):
        raise DomainError("the batch names an item more than once", field="body.items")
    on = {k: getattr(command, k) for k in ("roadmap_id", "tenant_id", "workspace_id", "at")}
    events: list[RoadmapEvent] = []
    for n, new in enumerate(command.items):
        fields = new.model_dump(exclude={"horizon", "timeframe"})
        try:
            events += add_item(AddItem(**on, **fields), state)
            if new.horizon is None and new.timeframe is not None:
                raise DomainError(
                    "a timeframe needs a horizon: now, next or later", field="horizon"
                )
            if new.horizon is not None:
                item = Item(
                    item_id=new.item_id,
                    workspace_id=new.item_workspace_id or state.workspace_id,
                    title=new.title,
                    description=new.description,
                    type=new.type,
                )
                step = ScheduleItem(**on, item_id=new.item_id, horizon=new.horizon)
                events += schedule(step.model_copy(update={"timeframe": new.timeframe}), item)
        except Conflict as error:
            raise Conflict(f"items[{n}]: {error.detail}", code=error.code) from None
        except DomainError as error:
            named = (error.field or "").removeprefix("body.")  # a field of the item
            where = f"body.items.{n}" + (f".{named}" if named else "")
            raise DomainError(f"items[{n}]: {error.detail}", field=where, code=error.code) from None
    return events


def change_details(command: ChangeItemDetails, item: Item) -> list[RoadmapEvent]:
    after = {
        "title": command.title if command.title is not None else item.title,
        "description": item.description if command.description is None else command.description,
        "owner": command.owner if command.owner is not None else item.owner,
        "team": command.team if command.team is not None else item.team,
        "objective_ids": sorted(set(command.objective_ids))
        if command.objective_ids is not None
        else list(item.objective_ids),
        "opportunity_ids": sorted(set(command.opportunity_ids))
        if command.opportunity_ids is not None
        else list(item.opportunity_ids),
    }
    before = {
        "title": item.title,
        "description": item.description,
        "owner": item.owner,
        "team": item.team,
        "objective_ids": list(item.objective_ids),
        "opportunity_ids": list(item.opportunity_ids),
    }
    changed = [k for k in after if after[k] != before[k]]
    if not changed:
        return []
    return [
        ItemDetailsChanged.model_validate(
            {
                "roadmap_id": command.roadmap_id,
                "item_id": item.item_id,
                "changed": changed,
                "changed_at": command.at,
                **after,
            }
        )
    ]


def score(command: ScoreItem, item: Item) -> list[RoadmapEvent]:
    if item.status in CLOSED:
        raise Conflict(
            f"item {item.item_id} is {item.status.value}; only open items are scored",
            code="item-closed",
        )
    if command.model in scoring.BUILT_IN:
        if command.formula is not None:
            raise DomainError(
                f"{command.model} is a built-in model; its formula cannot be replaced",
                field="body.formula",
            )
        expression = scoring.BUILT_IN[command.model].expression
        value = scoring.score_built_in(command.model, command.inputs, field="body.inputs")
    elif command.formula is not None:
        expression = command.formula
        value = scoring.score_custom(
            command.model, command.formula, command.inputs, field="body.inputs"
        )
    else:
        raise DomainError(
            f"no scoring model {command.model!r}: use rice, ice, wsjf, value_effort or a "
            "formula defined in this workspace",
            field="body.model",
        )
    previous = item.scores.get(command.model)
    if previous is not None and previous.value == value and previous.inputs == command.inputs:
        return []
    return [
        ItemScored(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            model=command.model,
            formula=expression,
            inputs=dict(command.inputs),
            score=value,
            previous_score=previous.value if previous else None,
            scored_at=command.at,
        )
    ]


def reorder(command: ReorderItems, state: Roadmap) -> list[RoadmapEvent]:
    if len(set(command.order)) != len(command.order):
        raise DomainError("the order names an item more than once", field="body.order")
    unknown = [str(i) for i in command.order if i not in state.items]
    if unknown:
        raise DomainError(f"not on this roadmap: {', '.join(unknown)}", field="body.order")
    listed = set(command.order)
    order = [*command.order, *(i for i in state.order if i not in listed)]
    if tuple(order) == state.order:
        return []
    return [ItemsReordered(roadmap_id=command.roadmap_id, order=order, reordered_at=command.at)]


def resolve(timeframe: TimeframeIn) -> timing.Timeframe:
    if timeframe.kind == "dates":
        if timeframe.start is None or timeframe.end is None:
            missing = "start" if timeframe.start is None else "end"
            raise DomainError(
                "a dates timeframe needs start and end", field=f"body.timeframe.{missing}"
            )
        return timing.dates(timeframe.start, timeframe.end, field="body.timeframe.end")
    if timeframe.value is None:
        raise DomainError(
            f"a {timeframe.kind} timeframe needs a value like "
            f"{'2026-Q3' if timeframe.kind == 'quarter' else '2026-07'}",
            field="body.timeframe.value",
        )
    if timeframe.kind == "quarter":
        return timing.quarter(timeframe.value, field="body.timeframe.value")
    return timing.month(timeframe.value, field="body.timeframe.value")


def schedule(command: ScheduleItem, item: Item) -> list[RoadmapEvent]:
    if item.status in CLOSED:
        raise Conflict(
            f"item {item.item_id} is {item.status.value}; it can no longer be scheduled",
            code="item-closed",
        )
    timeframe = resolve(command.timeframe) if command.timeframe is not None else None
    if (command.horizon, timeframe) == (item.horizon, item.timeframe):
        return []
    return [
        ItemScheduled(
            roadmap_id=command.roadmap_id,
            item_id=item.item_id,
            from_horizon=item.horizon,
            from_timeframe=item.timeframe,
            to_horizon=command.horizon,
            to_timeframe=timeframe,
            reason=command.reason,
            scheduled_at=command.at,
        )
    ]
