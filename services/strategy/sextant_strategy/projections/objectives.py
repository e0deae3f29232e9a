"""The objective tree: objectives, key results and check-ins, with computed progress."""

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
from sextant_strategy.projections.decoding import decode

_MINE = get_args(ObjectiveEvent)


class ObjectiveTree:
    name = "strategy_objective_tree"
    tables: Sequence[str] = (
        "strategy_objectives",
        "strategy_key_results",
        "strategy_check_ins",
        "strategy_key_result_retargets",
    )
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        version = event.stream_version or 0
        await self._apply(conn, tenant, version, event, fact)
        await conn.execute(
            "UPDATE strategy_objectives SET version = greatest(version, $3)"
            " WHERE tenant_id = $1 AND objective_id = $2",
            tenant,
            fact.objective_id,
            version,
        )

    async def _apply(
        self,
        conn: Connection,
        tenant: str,
        version: int,
        event: IncomingEvent,
        fact: ObjectiveEvent,
    ) -> None:
        match fact:
            case ObjectiveSet():
                await conn.execute(
                    "INSERT INTO strategy_objectives (tenant_id, objective_id, workspace_id,"
                    " level, title, description, owner, period_label, period_start, period_end,"
                    " parent_id, set_at, version)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    " ON CONFLICT (tenant_id, objective_id) DO NOTHING",
                    tenant,
                    fact.objective_id,
                    fact.workspace_id,
                    fact.level.value,
                    fact.title,
                    fact.description,
                    fact.owner,
                    fact.period.label,
                    fact.period.start,
                    fact.period.end,
                    fact.parent_id,
                    fact.set_at,
                    version,
                )
            case ObjectiveRestated():
                await conn.execute(
                    "UPDATE strategy_objectives SET title = $3, description = $4, owner = $5"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    fact.objective_id,
                    fact.title,
                    fact.description,
                    fact.owner,
                )
            case ObjectiveAligned():
                await conn.execute(
                    "UPDATE strategy_objectives SET parent_id = $3"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    fact.objective_id,
                    fact.parent_id,
                )
            case KeyResultDefined():
                await conn.execute(
                    "INSERT INTO strategy_key_results (tenant_id, key_result_id, objective_id,"
                    " title, baseline, target, unit, direction, defined_order)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                    " ON CONFLICT (tenant_id, key_result_id) DO NOTHING",
                    tenant,
                    fact.key_result_id,
                    fact.objective_id,
                    fact.title,
                    fact.baseline,
                    fact.target,
                    fact.unit,
                    fact.direction.value,
                    version,
                )
                await _recompute(conn, tenant, fact)
            case KeyResultReworded():
                await conn.execute(
                    "UPDATE strategy_key_results SET title = $3"
                    " WHERE tenant_id = $1 AND key_result_id = $2",
                    tenant,
                    fact.key_result_id,
                    fact.title,
                )
            case KeyResultRetargeted():
                await conn.execute(
                    "INSERT INTO strategy_key_result_retargets (tenant_id, event_id,"
                    " objective_id, key_result_id, from_baseline, from_target, to_baseline,"
                    " to_target, reason, retargeted_at, retargeted_by)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    " ON CONFLICT (tenant_id, event_id) DO NOTHING",
                    tenant,
                    event.id,
                    fact.objective_id,
                    fact.key_result_id,
                    fact.previous_baseline,
                    fact.previous_target,
                    fact.baseline,
                    fact.target,
                    fact.reason,
                    fact.retargeted_at,
                    fact.retargeted_by,
                )
                # The latest check-in measured again (none yet: nothing to measure); the
                # check-ins themselves keep what they were measured against.
                await conn.execute(
                    "UPDATE strategy_key_results SET baseline = $3, target = $4,"
                    " progress = coalesce($5, progress), status = coalesce($6, status)"
                    " WHERE tenant_id = $1 AND key_result_id = $2",
                    tenant,
                    fact.key_result_id,
                    fact.baseline,
                    fact.target,
                    fact.progress,
                    fact.status.value if fact.status else None,
                )
                await _recompute(conn, tenant, fact)
            case KeyResultProgressed():
                await _check_in(conn, tenant, event, fact)
                await _recompute(conn, tenant, fact)
            case ObjectiveClosed():
                await conn.execute(
                    "UPDATE strategy_objectives SET outcome = $3, closed_at = $4"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    fact.objective_id,
                    fact.outcome.value,
                    fact.closed_at,
                )
            case ObjectiveReopened():
                await conn.execute(
                    "UPDATE strategy_objectives SET outcome = NULL, closed_at = NULL"
                    " WHERE tenant_id = $1 AND objective_id = $2",
                    tenant,
                    fact.objective_id,
                )
            case _:
                assert_never(fact)


async def _check_in(
    conn: Connection, tenant: str, event: IncomingEvent, fact: KeyResultProgressed
) -> None:
    await conn.execute(
        "INSERT INTO strategy_check_ins (tenant_id, event_id, objective_id, key_result_id,"
        " value, confidence, comment, progress, status, checked_in_at, checked_in_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        " ON CONFLICT (tenant_id, event_id) DO NOTHING",
        tenant,
        event.id,
        fact.objective_id,
        fact.key_result_id,
        fact.value,
        fact.confidence,
        fact.comment,
        fact.progress,
        fact.status.value,
        fact.checked_in_at,
        fact.checked_in_by,
    )
    await conn.execute(
        "UPDATE strategy_key_results SET current = $3, progress = $4, confidence = $5,"
        " status = $6, checked_in_at = $7"
        " WHERE tenant_id = $1 AND key_result_id = $2"
        " AND (checked_in_at IS NULL OR checked_in_at <= $7)",
        tenant,
        fact.key_result_id,
        fact.value,
        fact.progress,
        fact.confidence,
        fact.status.value,
        fact.checked_in_at,
    )


async def _recompute(
    conn: Connection,
    tenant: str,
    fact: KeyResultDefined | KeyResultRetargeted | KeyResultProgressed,
) -> None:
    """An objective's progress and status from its key results (see ``domain.progress``)."""
    rows = await conn.fetch(
        "SELECT progress, status FROM strategy_key_results"
        " WHERE tenant_id = $1 AND objective_id = $2",
        tenant,
        fact.objective_id,
    )
    progress = objective_progress([r["progress"] for r in rows])
    status = worst([Status(r["status"]) if r["status"] else None for r in rows])
    await conn.execute(
        "UPDATE strategy_objectives SET progress = $3, status = $4"
        " WHERE tenant_id = $1 AND objective_id = $2",
        tenant,
        fact.objective_id,
        progress,
        status.value if status else None,
    )
