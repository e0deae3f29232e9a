"""Objectives and their progress, from the strategy context's events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection
from sextant_strategy.domain.objective_events import (
    KeyResultDefined,
    KeyResultProgressed,
    KeyResultRetargeted,
    KeyResultReworded,
    ObjectiveAligned,
    ObjectiveClosed,
    ObjectiveEvent,
    ObjectiveReopened,
    ObjectiveRestated,
    ObjectiveSet,
)
from sextant_strategy.domain.progress import Status, objective_progress, worst
from sextant_strategy.events import registry

from sextant_query.projections.selection import Consumes

STRATEGY = Consumes[ObjectiveEvent](registry, get_args(ObjectiveEvent))


class Objectives:
    name = "query_objectives"
    tables: Sequence[str] = ("query_objectives", "query_key_results")
    topics: Sequence[str] = (STRATEGY.topic,)

    consumes = staticmethod(STRATEGY.consumes)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = STRATEGY.decode(event)
        if fact is None:
            return
        tenant = event.tenant
        match fact:
            case ObjectiveSet():
                await conn.execute(
                    "INSERT INTO query_objectives (tenant_id, objective_id, workspace_id, level,"
                    " title, owner, period_label, period_start, period_end, parent_id, set_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    " ON CONFLICT (tenant_id, objective_id) DO UPDATE SET"
                    " workspace_id = excluded.workspace_id, level = excluded.level,"
                    " title = excluded.title, owner = excluded.owner,"
                    " period_label = excluded.period_label, period_start = excluded.period_start,"
                    " period_end = excluded.period_end, set_at = excluded.set_at",
                    tenant,
                    str(fact.objective_id),
                    fact.workspace_id,
                    fact.level.value,
                    fact.title,
                    fact.owner,
                    fact.period.label,
                    fact.period.start,
                    fact.period.end,
                    str(fact.parent_id) if fact.parent_id else None,
                    fact.set_at,
                )
            case ObjectiveRestated():
                await conn.execute(
                    "UPDATE query_objectives SET title = $3, owner = $4"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    str(fact.objective_id),
                    fact.title,
                    fact.owner,
                )
            case ObjectiveAligned():
                await conn.execute(
                    "UPDATE query_objectives SET parent_id = $3"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    str(fact.objective_id),
                    str(fact.parent_id) if fact.parent_id else None,
                )
            case KeyResultDefined():
                await conn.execute(
                    "INSERT INTO query_key_results (tenant_id, key_result_id, objective_id, title)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, key_result_id)"
                    " DO UPDATE SET title = excluded.title",
                    tenant,
                    str(fact.key_result_id),
                    str(fact.objective_id),
                    fact.title,
                )
                await _recompute(conn, tenant, str(fact.objective_id))
            case KeyResultReworded():
                await conn.execute(
                    "UPDATE query_key_results SET title = $3"
                    " WHERE tenant_id = $1 AND key_result_id = $2",
                    tenant,
                    str(fact.key_result_id),
                    fact.title,
                )
            case KeyResultRetargeted():
                if fact.progress is not None and fact.status is not None:
                    await conn.execute(
                        "UPDATE query_key_results SET progress = $3, status = $4"
                        " WHERE tenant_id = $1 AND key_result_id = $2",
                        tenant,
                        str(fact.key_result_id),
                        fact.progress,
                        fact.status.value,
                    )
                    await _recompute(conn, tenant, str(fact.objective_id))
            case KeyResultProgressed():
                await conn.execute(
                    "UPDATE query_key_results SET progress = $3, status = $4, checked_in_at = $5,"
                    " confidence = $6 WHERE tenant_id = $1 AND key_result_id = $2"
                    " AND (checked_in_at IS NULL OR checked_in_at <= $5)",
                    tenant,
                    str(fact.key_result_id),
                    fact.progress,
                    fact.status.value,
                    fact.checked_in_at,
                    fact.confidence,
                )
                await _recompute(conn, tenant, str(fact.objective_id))
            case ObjectiveClosed():
                await conn.execute(
                    "UPDATE query_objectives SET outcome = $3, closed_at = $4"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    str(fact.objective_id),
                    fact.outcome.value,
                    fact.closed_at,
                )
            case ObjectiveReopened():
                await conn.execute(
                    "UPDATE query_objectives SET outcome = NULL, closed_at = NULL"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    str(fact.objective_id),
                )
            case _:
                assert_never(fact)


async def _recompute(conn: Connection, tenant: str, objective_id: str) -> None:
    """Progress and status by the strategy context's own rules (``domain.progress``), so
    the portfolio and the objective tree never disagree."""
    rows = await conn.fetch(
        "SELECT progress, status FROM query_key_results WHERE tenant_id = $1 AND objective_id = $2",
        tenant,
        objective_id,
    )
    progress = objective_progress([r["progress"] or 0.0 for r in rows])
    status = worst([Status(r["status"]) if r["status"] else None for r in rows])
    await conn.execute(
        "UPDATE query_objectives SET progress = $3, status = $4"
        " WHERE tenant_id = $1 AND objective_id = $2",
        tenant,
        objective_id,
        progress,
        status.value if status else None,
    )
