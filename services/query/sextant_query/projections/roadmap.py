"""Roadmap items with their status and the objectives and opportunities they serve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection
from sextant_roadmap.domain.events import (
    DeliveryStatusRecorded,
    ItemAdded,
    ItemDetailsChanged,
    ItemScheduled,
    ItemStatusChanged,
    RoadmapArchived,
    RoadmapCreated,
    RoadmapRenamed,
    RoadmapRestored,
)
from sextant_roadmap.events import registry

from sextant_query.projections.selection import Consumes

RoadmapFact = (
    RoadmapCreated
    | RoadmapRenamed
    | RoadmapArchived
    | RoadmapRestored
    | ItemAdded
    | ItemDetailsChanged
    | ItemStatusChanged
    | ItemScheduled
    | DeliveryStatusRecorded
)
ROADMAP = Consumes[RoadmapFact](
    registry,
    (
        RoadmapCreated,
        RoadmapRenamed,
        RoadmapArchived,
        RoadmapRestored,
        ItemAdded,
        ItemDetailsChanged,
        ItemStatusChanged,
        ItemScheduled,
        DeliveryStatusRecorded,
    ),
)
_ITEM = " WHERE tenant_id = $1 AND item_id = $2"


class RoadmapItems:
    name = "query_roadmap_items"
    tables: Sequence[str] = ("query_roadmaps", "query_roadmap_items")
    topics: Sequence[str] = (ROADMAP.topic,)

    consumes = staticmethod(ROADMAP.consumes)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = ROADMAP.decode(event)
        if fact is None:
            return
        tenant = event.tenant
        match fact:
            case RoadmapCreated():
                await conn.execute(
                    "INSERT INTO query_roadmaps (tenant_id, roadmap_id, workspace_id, name)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, roadmap_id)"
                    " DO UPDATE SET workspace_id = excluded.workspace_id, name = excluded.name",
                    tenant,
                    str(fact.roadmap_id),
                    fact.workspace_id,
                    fact.name,
                )
            case RoadmapRenamed():
                await conn.execute(
                    "UPDATE query_roadmaps SET name = $3 WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    str(fact.roadmap_id),
                    fact.name,
                )
            case RoadmapArchived() | RoadmapRestored():
                await conn.execute(
                    "UPDATE query_roadmaps SET archived_at = $3"
                    " WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    str(fact.roadmap_id),
                    fact.archived_at if isinstance(fact, RoadmapArchived) else None,
                )
            case ItemAdded():
                await conn.execute(
                    "INSERT INTO query_roadmap_items (tenant_id, item_id, roadmap_id,"
                    " workspace_id, title, type, objective_ids, opportunity_ids, added_at,"
                    " updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"
                    " ON CONFLICT (tenant_id, item_id) DO UPDATE SET"
                    " roadmap_id = excluded.roadmap_id, workspace_id = excluded.workspace_id,"
                    " title = excluded.title, type = excluded.type,"
                    " objective_ids = excluded.objective_ids,"
                    " opportunity_ids = excluded.opportunity_ids, added_at = excluded.added_at",
                    tenant,
                    str(fact.item_id),
                    str(fact.roadmap_id),
                    fact.item_workspace_id,
                    fact.title,
                    fact.type.value,
                    fact.objective_ids,
                    fact.opportunity_ids,
                    fact.added_at,
                )
            case ItemDetailsChanged():
                await conn.execute(
                    "UPDATE query_roadmap_items SET title = $3, objective_ids = $4,"
                    " opportunity_ids = $5, updated_at = $6" + _ITEM,
                    tenant,
                    str(fact.item_id),
                    fact.title,
                    fact.objective_ids,
                    fact.opportunity_ids,
                    fact.changed_at,
                )
            case ItemStatusChanged():
                await conn.execute(
                    "UPDATE query_roadmap_items SET status = $3, updated_at = $4" + _ITEM,
                    tenant,
                    str(fact.item_id),
                    fact.to_status.value,
                    fact.changed_at,
                )
            case ItemScheduled():
                await conn.execute(
                    "UPDATE query_roadmap_items SET horizon = $3, timeframe = $4,"
                    " updated_at = $5" + _ITEM,
                    tenant,
                    str(fact.item_id),
                    fact.to_horizon.value,
                    fact.to_timeframe.label if fact.to_timeframe else None,
                    fact.scheduled_at,
                )
            case DeliveryStatusRecorded():
                await conn.execute(
                    "UPDATE query_roadmap_items SET delivery_state = $3, updated_at = $4" + _ITEM,
                    tenant,
                    str(fact.item_id),
                    fact.state.value,
                    fact.reported_at,
                )
            case _:
                assert_never(fact)
