"""The opportunity scoreboard: latest score with its breakdown, every evaluation, and the
candidate solutions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_discovery.domain.opportunity import STATUS_OF
from sextant_discovery.domain.opportunity_events import (
    ExperimentEvidenceAdded,
    OpportunityDecided,
    OpportunityEvaluated,
    OpportunityEvent,
    OpportunityOpened,
    OpportunityRestated,
    Outcome,
    SolutionProposed,
    SolutionRevised,
    SolutionSelected,
)
from sextant_discovery.events import registry
from sextant_discovery.projections.decoding import decode, keep_stream_version

_MINE = get_args(OpportunityEvent)


class OpportunityScoreboard:
    name = "discovery_scoreboard"
    tables: Sequence[str] = (
        "discovery_opportunities",
        "discovery_evaluations",
        "discovery_solutions",
    )
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        match fact:
            case OpportunityOpened():
                await conn.execute(
                    "INSERT INTO discovery_opportunities (tenant_id, opportunity_id,"
                    " workspace_id, title, description, problem_ids, opened_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.opportunity_id,
                    fact.workspace_id,
                    fact.title,
                    fact.description,
                    list(fact.problem_ids),
                    fact.opened_at,
                )
            case OpportunityRestated():
                await conn.execute(
                    "UPDATE discovery_opportunities SET title = $3, description = $4,"
                    " problem_ids = $5 WHERE tenant_id = $1 AND opportunity_id = $2",
                    tenant,
                    fact.opportunity_id,
                    fact.title,
                    fact.description,
                    list(fact.problem_ids),
                )
            case OpportunityEvaluated():
                inputs = fact.inputs.model_dump_json()
                breakdown = json.dumps(fact.breakdown)
                await conn.execute(
                    "INSERT INTO discovery_evaluations (tenant_id, opportunity_id, evaluation,"
                    " inputs, score, breakdown, note, evaluated_by, evaluated_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.opportunity_id,
                    fact.evaluation,
                    inputs,
                    fact.score,
                    breakdown,
                    fact.note,
                    fact.evaluated_by,
                    fact.evaluated_at,
                )
                await conn.execute(
                    "UPDATE discovery_opportunities SET score = $3, inputs = $4, breakdown = $5,"
                    " evaluations = $6 WHERE tenant_id = $1 AND opportunity_id = $2"
                    " AND evaluations < $6",
                    tenant,
                    fact.opportunity_id,
                    fact.score,
                    inputs,
                    breakdown,
                    fact.evaluation,
                )
            case OpportunityDecided():
                await conn.execute(
                    "UPDATE discovery_opportunities SET status = $3, rationale = $4"
                    " WHERE tenant_id = $1 AND opportunity_id = $2",
                    tenant,
                    fact.opportunity_id,
                    STATUS_OF[fact.verdict].value,
                    fact.rationale,
                )
            case SolutionProposed():
                await conn.execute(
                    "INSERT INTO discovery_solutions (tenant_id, solution_id, opportunity_id,"
                    " title, description, value, effort, confidence, proposed_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.solution_id,
                    fact.opportunity_id,
                    fact.title,
                    fact.description,
                    fact.value,
                    fact.effort,
                    fact.confidence,
                    fact.proposed_at,
                )
            case SolutionRevised():
                await conn.execute(
                    "UPDATE discovery_solutions SET title = $3, description = $4, value = $5,"
                    " effort = $6, confidence = $7 WHERE tenant_id = $1 AND solution_id = $2",
                    tenant,
                    fact.solution_id,
                    fact.title,
                    fact.description,
                    fact.value,
                    fact.effort,
                    fact.confidence,
                )
            case SolutionSelected():
                await conn.execute(
                    "UPDATE discovery_solutions SET selected = (solution_id = $3)"
                    " WHERE tenant_id = $1 AND opportunity_id = $2",
                    tenant,
                    fact.opportunity_id,
                    fact.solution_id,
                )
                await conn.execute(
                    "UPDATE discovery_opportunities SET selected_solution = $3"
                    " WHERE tenant_id = $1 AND opportunity_id = $2",
                    tenant,
                    fact.opportunity_id,
                    fact.solution_id,
                )
            case ExperimentEvidenceAdded():
                await conn.execute(
                    "UPDATE discovery_opportunities SET experiments = experiments + 1,"
                    " validated = validated + $3, invalidated = invalidated + $4"
                    " WHERE tenant_id = $1 AND opportunity_id = $2",
                    tenant,
                    fact.opportunity_id,
                    int(fact.outcome == Outcome.VALIDATED),
                    int(fact.outcome == Outcome.INVALIDATED),
                )
            case _:
                assert_never(fact)
        await keep_stream_version(conn, event)
