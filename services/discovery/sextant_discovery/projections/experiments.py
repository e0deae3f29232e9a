"""The experiment log: each experiment with its observations and conclusion."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_discovery.domain.experiment import (
    ExperimentConcluded,
    ExperimentDesigned,
    ExperimentEvent,
    ExperimentRedesigned,
    ExperimentStarted,
    ObservationRecorded,
)
from sextant_discovery.events import registry
from sextant_discovery.projections.decoding import decode, keep_stream_version

_MINE = get_args(ExperimentEvent)


class ExperimentLog:
    name = "discovery_experiment_log"
    tables: Sequence[str] = ("discovery_experiments", "discovery_observations")
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        match fact:
            case ExperimentDesigned():
                await conn.execute(
                    "INSERT INTO discovery_experiments (tenant_id, experiment_id, workspace_id,"
                    " opportunity_id, solution_id, hypothesis, metric, unit, direction,"
                    " threshold, designed_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.experiment_id,
                    fact.workspace_id,
                    fact.opportunity_id,
                    fact.solution_id,
                    fact.hypothesis,
                    fact.metric,
                    fact.unit.value,
                    fact.direction.value,
                    fact.threshold,
                    fact.designed_at,
                )
            case ExperimentRedesigned():
                await conn.execute(
                    "UPDATE discovery_experiments SET solution_id = $3, hypothesis = $4,"
                    " metric = $5, unit = $6, direction = $7, threshold = $8"
                    " WHERE tenant_id = $1 AND experiment_id = $2",
                    tenant,
                    fact.experiment_id,
                    fact.solution_id,
                    fact.hypothesis,
                    fact.metric,
                    fact.unit.value,
                    fact.direction.value,
                    fact.threshold,
                )
            case ExperimentStarted():
                await conn.execute(
                    "UPDATE discovery_experiments SET status = 'running', started_at = $3"
                    " WHERE tenant_id = $1 AND experiment_id = $2 AND status = 'designed'",
                    tenant,
                    fact.experiment_id,
                    fact.started_at,
                )
            case ObservationRecorded():
                await conn.execute(
                    "INSERT INTO discovery_observations (tenant_id, event_id, experiment_id,"
                    " value, note, observed_at) VALUES ($1, $2, $3, $4, $5, $6)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    event.id,
                    fact.experiment_id,
                    fact.value,
                    fact.note,
                    fact.observed_at,
                )
            case ExperimentConcluded():
                await conn.execute(
                    "UPDATE discovery_experiments SET status = 'concluded', outcome = $3,"
                    " learnings = $4, concluded_at = $5"
                    " WHERE tenant_id = $1 AND experiment_id = $2",
                    tenant,
                    fact.experiment_id,
                    fact.outcome.value,
                    fact.learnings,
                    fact.concluded_at,
                )
            case _:
                assert_never(fact)
        await keep_stream_version(conn, event)
