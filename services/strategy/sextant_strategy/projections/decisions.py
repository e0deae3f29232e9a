"""The decision log, with an index from each linked entity to its decisions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_strategy.domain.decision import DecisionEvent, DecisionRecorded, DecisionSuperseded
from sextant_strategy.events import registry
from sextant_strategy.projections.decoding import decode

_MINE = get_args(DecisionEvent)


class DecisionLog:
    name = "strategy_decision_log"
    tables: Sequence[str] = ("strategy_decisions", "strategy_decision_links")
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        match fact:
            case DecisionRecorded():
                await conn.execute(
                    "INSERT INTO strategy_decisions (tenant_id, decision_id, workspace_id, title,"
                    " context, options, decision, rationale, evidence, decided_by, decided_on,"
                    " supersedes, recorded_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, $10, $11, $12, $13)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.decision_id,
                    fact.workspace_id,
                    fact.title,
                    fact.context,
                    json.dumps([o.model_dump(mode="json") for o in fact.options]),
                    fact.decision,
                    fact.rationale,
                    json.dumps([e.model_dump(mode="json") for e in fact.evidence]),
                    fact.decided_by,
                    fact.decided_on,
                    fact.supersedes,
                    fact.recorded_at,
                )
                await conn.executemany(
                    "INSERT INTO strategy_decision_links (tenant_id, entity_kind, entity_id,"
                    " decision_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    [(tenant, e.kind.value, e.id, fact.decision_id) for e in fact.evidence],
                )
            case DecisionSuperseded():
                await conn.execute(
                    "UPDATE strategy_decisions SET superseded_by = $3"
                    " WHERE tenant_id = $1 AND decision_id = $2",
                    tenant,
                    fact.decision_id,
                    fact.superseded_by,
                )
            case _:
                assert_never(fact)
