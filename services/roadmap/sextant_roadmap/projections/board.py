"""Roadmaps, their items, scores, dependencies and moves: the board, timeline and kanban."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import assert_never

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_roadmap.domain.events import (
    DeliveryStatusRecorded,
    DependencyAdded,
    DependencyRemoved,
    ItemAdded,
    ItemCommittedToDelivery,
    ItemDetailsChanged,
    ItemScheduled,
    ItemScored,
    ItemsReordered,
    ItemStatusChanged,
    RoadmapArchived,
    RoadmapCreated,
    RoadmapEvent,
    RoadmapPublished,
    RoadmapRenamed,
    RoadmapRestored,
    ScoringFormulaDefined,
)
from sextant_roadmap.events import decode, registry

_ITEM = " WHERE tenant_id = $1 AND item_id = $2"


class RoadmapBoard:
    name = "roadmap_board"
    tables: Sequence[str] = (
        "roadmaps",
        "roadmap_items",
        "roadmap_item_scores",
        "roadmap_dependencies",
        "roadmap_item_moves",
    )
    topics: Sequence[str] = (registry.topic,)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        meta = event.metadata()
        fact = decode(event)
        if isinstance(fact, ScoringFormulaDefined):
            return
        await self._apply(conn, meta.tenant_id, meta.actor, event, fact)
        if event.stream_version is not None:  # the version an If-Match names
            await conn.execute(
                "UPDATE roadmaps SET version = $3"
                " WHERE tenant_id = $1 AND roadmap_id = $2 AND version < $3",
                meta.tenant_id,
                fact.roadmap_id,
                event.stream_version,
            )

    async def _apply(
        self, conn: Connection, tenant: str, actor: str, raw: IncomingEvent, fact: RoadmapEvent
    ) -> None:
        match fact:
            case RoadmapCreated():
                await conn.execute(
                    "INSERT INTO roadmaps (tenant_id, roadmap_id, workspace_id, name, description,"
                    " scope, workspaces, created_at, version)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.roadmap_id,
                    fact.workspace_id,
                    fact.name,
                    fact.description,
                    fact.scope,
                    fact.workspaces,
                    fact.created_at,
                    raw.stream_version or 1,
                )
            case RoadmapRenamed():
                await conn.execute(
                    "UPDATE roadmaps SET name = $3, description = $4"
                    " WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    fact.roadmap_id,
                    fact.name,
                    fact.description,
                )
            case RoadmapArchived():
                await conn.execute(
                    "UPDATE roadmaps SET archived_at = $3, archived_note = $4"
                    " WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    fact.roadmap_id,
                    fact.archived_at,
                    fact.note,
                )
            case RoadmapRestored():
                await conn.execute(
                    "UPDATE roadmaps SET archived_at = NULL, archived_note = NULL"
                    " WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    fact.roadmap_id,
                )
            case ItemAdded():
                await conn.execute(
                    "INSERT INTO roadmap_items (tenant_id, item_id, roadmap_id, workspace_id,"
                    " item_workspace_id, title, description, type, owner, team, objective_ids,"
                    " opportunity_ids, rank, added_at, updated_at)"
                    " SELECT $1, $2, $3, r.workspace_id, $4, $5, $6, $7, $8, $9, $10, $11,"
                    "  (SELECT coalesce(max(rank), 0) + 1 FROM roadmap_items"
                    "   WHERE tenant_id = $1 AND roadmap_id = $3), $12, $12"
                    " FROM roadmaps r WHERE r.tenant_id = $1 AND r.roadmap_id = $3"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.item_id,
                    fact.roadmap_id,
                    fact.item_workspace_id,
                    fact.title,
                    fact.description,
                    fact.type.value,
                    fact.owner,
                    fact.team,
                    fact.objective_ids,
                    fact.opportunity_ids,
                    fact.added_at,
                )
            case ItemDetailsChanged():
                await conn.execute(
                    "UPDATE roadmap_items SET title = $3, description = $4, owner = $5, team = $6,"
                    " objective_ids = $7, opportunity_ids = $8, updated_at = $9" + _ITEM,
                    tenant,
                    fact.item_id,
                    fact.title,
                    fact.description,
                    fact.owner,
                    fact.team,
                    fact.objective_ids,
                    fact.opportunity_ids,
                    fact.changed_at,
                )
            case ItemStatusChanged():
                await conn.execute(
                    "UPDATE roadmap_items SET status = $3, updated_at = $4" + _ITEM,
                    tenant,
                    fact.item_id,
                    fact.to_status.value,
                    fact.changed_at,
                )
            case ItemScored():
                await conn.execute(
                    "INSERT INTO roadmap_item_scores (tenant_id, item_id, roadmap_id, model,"
                    " score, inputs, formula, scored_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8)"
                    " ON CONFLICT (tenant_id, item_id, model) DO UPDATE SET score = excluded.score,"
                    " inputs = excluded.inputs, formula = excluded.formula,"
                    " scored_at = excluded.scored_at",
                    tenant,
                    fact.item_id,
                    fact.roadmap_id,
                    fact.model,
                    fact.score,
                    json.dumps(fact.inputs),
                    fact.formula,
                    fact.scored_at,
                )
            case ItemsReordered():
                await conn.execute(
                    "UPDATE roadmap_items i SET rank = o.n FROM unnest($3::uuid[])"
                    " WITH ORDINALITY AS o(item_id, n)"
                    " WHERE i.tenant_id = $1 AND i.roadmap_id = $2 AND i.item_id = o.item_id",
                    tenant,
                    fact.roadmap_id,
                    fact.order,
                )
            case ItemScheduled():
                to = fact.to_timeframe
                await conn.execute(
                    "UPDATE roadmap_items SET horizon = $3, timeframe_kind = $4,"
                    " timeframe_label = $5, start_date = $6, end_date = $7, updated_at = $8"
                    + _ITEM,
                    tenant,
                    fact.item_id,
                    fact.to_horizon.value,
                    to.kind if to else None,
                    to.label if to else None,
                    to.start if to else None,
                    to.end if to else None,
                    fact.scheduled_at,
                )
                await conn.execute(
                    "INSERT INTO roadmap_item_moves (tenant_id, event_id, roadmap_id, item_id,"
                    " from_horizon, from_timeframe, to_horizon, to_timeframe, reason, actor,"
                    " moved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    raw.id,
                    fact.roadmap_id,
                    fact.item_id,
                    fact.from_horizon.value if fact.from_horizon else None,
                    fact.from_timeframe.label if fact.from_timeframe else None,
                    fact.to_horizon.value,
                    to.label if to else None,
                    fact.reason,
                    actor,
                    fact.scheduled_at,
                )
            case DependencyAdded():
                await conn.execute(
                    "INSERT INTO roadmap_dependencies (tenant_id, roadmap_id, item_id,"
                    " depends_on_roadmap_id, depends_on_item_id, depends_on_workspace_id)"
                    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.roadmap_id,
                    fact.item_id,
                    fact.depends_on_roadmap_id,
                    fact.depends_on_item_id,
                    fact.depends_on_workspace_id,
                )
            case DependencyRemoved():
                await conn.execute(
                    "DELETE FROM roadmap_dependencies" + _ITEM + " AND depends_on_item_id = $3",
                    tenant,
                    fact.item_id,
                    fact.depends_on_item_id,
                )
            case RoadmapPublished():
                await conn.execute(
                    "UPDATE roadmaps SET versions = greatest(versions, $3)"
                    " WHERE tenant_id = $1 AND roadmap_id = $2",
                    tenant,
                    fact.roadmap_id,
                    fact.version,
                )
            case ItemCommittedToDelivery():
                await conn.execute(
                    "UPDATE roadmap_items SET committed_to = $3, project_key = $4,"
                    " updated_at = $5" + _ITEM,
                    tenant,
                    fact.item_id,
                    fact.tracker.value,
                    fact.project_key,
                    fact.committed_at,
                )
            case DeliveryStatusRecorded():
                await conn.execute(
                    "UPDATE roadmap_items SET delivery_state = $3, delivery_status = $4,"
                    " delivery_key = $5, delivery_url = $6, updated_at = $7" + _ITEM,
                    tenant,
                    fact.item_id,
                    fact.state.value,
                    fact.external_status,
                    fact.external_key,
                    fact.url,
                    fact.reported_at,
                )
            case _:
                assert_never(fact)
