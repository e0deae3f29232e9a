"""Vision revisions, product concepts and the timeline of milestones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_strategy.domain.concept import (
    ConceptDrafted,
    ConceptEvent,
    ConceptLinkedToOpportunity,
    ConceptRevised,
    ConceptUnlinkedFromOpportunity,
)
from sextant_strategy.domain.milestone import (
    MilestoneEvent,
    MilestoneMoved,
    MilestonePlanned,
    MilestoneReached,
    MilestoneRestated,
)
from sextant_strategy.domain.vision import VisionRevised
from sextant_strategy.events import registry
from sextant_strategy.projections.decoding import decode

_MINE = (VisionRevised, *get_args(ConceptEvent), *get_args(MilestoneEvent))
DocumentEvent = VisionRevised | ConceptEvent | MilestoneEvent


class StrategyDocuments:
    name = "strategy_documents"
    tables: Sequence[str] = (
        "strategy_vision_revisions",
        "strategy_concepts",
        "strategy_milestones",
        "strategy_milestone_moves",
    )
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        await self._apply(conn, event, fact)

    async def _apply(self, conn: Connection, event: IncomingEvent, fact: DocumentEvent) -> None:
        tenant = event.tenant
        version = event.stream_version or 0
        match fact:
            case VisionRevised():
                await conn.execute(
                    "INSERT INTO strategy_vision_revisions (tenant_id, workspace_id, revision,"
                    " vision_id, vision, mission, note, revised_at, revised_by)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.workspace_id,
                    fact.revision,
                    fact.vision_id,
                    fact.vision,
                    fact.mission,
                    fact.note,
                    fact.revised_at,
                    fact.revised_by,
                )
            case ConceptDrafted():
                await conn.execute(
                    "INSERT INTO strategy_concepts (tenant_id, concept_id, workspace_id, name,"
                    " problem, personas, value_proposition, differentiators, drafted_at, version)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.concept_id,
                    fact.workspace_id,
                    fact.name,
                    fact.problem,
                    list(fact.personas),
                    fact.value_proposition,
                    list(fact.differentiators),
                    fact.drafted_at,
                    version,
                )
            case ConceptRevised():
                await conn.execute(
                    "UPDATE strategy_concepts SET name = $3, problem = $4, personas = $5,"
                    " value_proposition = $6, differentiators = $7, version = $8"
                    " WHERE tenant_id = $1 AND concept_id = $2",
                    tenant,
                    fact.concept_id,
                    fact.name,
                    fact.problem,
                    list(fact.personas),
                    fact.value_proposition,
                    list(fact.differentiators),
                    version,
                )
            case ConceptLinkedToOpportunity() | ConceptUnlinkedFromOpportunity():
                linked = isinstance(fact, ConceptLinkedToOpportunity)
                await conn.execute(
                    "UPDATE strategy_concepts SET opportunity_ids = CASE WHEN $4"
                    " THEN array_append(array_remove(opportunity_ids, $3), $3)"
                    " ELSE array_remove(opportunity_ids, $3) END, version = $5"
                    " WHERE tenant_id = $1 AND concept_id = $2",
                    tenant,
                    fact.concept_id,
                    fact.opportunity_id,
                    linked,
                    version,
                )
            case MilestonePlanned() | MilestoneRestated() | MilestoneMoved() | MilestoneReached():
                await _milestone(conn, tenant, version, event, fact)
            case _:
                assert_never(fact)


async def _milestone(
    conn: Connection, tenant: str, version: int, event: IncomingEvent, fact: MilestoneEvent
) -> None:
    match fact:
        case MilestonePlanned():
            await conn.execute(
                "INSERT INTO strategy_milestones (tenant_id, milestone_id, workspace_id, title,"
                " description, target_date, original_date, objective_ids, planned_at, version)"
                " VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                tenant,
                fact.milestone_id,
                fact.workspace_id,
                fact.title,
                fact.description,
                fact.target_date,
                list(fact.objective_ids),
                fact.planned_at,
                version,
            )
        case MilestoneRestated():
            await conn.execute(
                "UPDATE strategy_milestones SET title = $3, description = $4,"
                " objective_ids = $5, version = $6"
                " WHERE tenant_id = $1 AND milestone_id = $2 AND version < $6",
                tenant,
                fact.milestone_id,
                fact.title,
                fact.description,
                list(fact.objective_ids),
                version,
            )
        case MilestoneMoved():
            await conn.execute(
                "INSERT INTO strategy_milestone_moves (tenant_id, event_id, milestone_id,"
                " from_date, to_date, reason, moved_at, moved_by)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                tenant,
                event.id,
                fact.milestone_id,
                fact.from_date,
                fact.to_date,
                fact.reason,
                fact.moved_at,
                fact.moved_by,
            )
            await conn.execute(
                "UPDATE strategy_milestones SET target_date = $3, version = $4"
                " WHERE tenant_id = $1 AND milestone_id = $2 AND version < $4",
                tenant,
                fact.milestone_id,
                fact.to_date,
                version,
            )
        case MilestoneReached():
            await conn.execute(
                "UPDATE strategy_milestones SET reached_on = $3, version = $4"
                " WHERE tenant_id = $1 AND milestone_id = $2",
                tenant,
                fact.milestone_id,
                fact.reached_on,
                version,
            )
        case _:
            assert_never(fact)
