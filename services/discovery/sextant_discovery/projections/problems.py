"""The problem evidence view: problems, attached insights and linked feedback.

Feedback links arrive from the feedback context (``sextant.feedback.events.v1``); this
projection reads only ``FeedbackLinked`` and ``FeedbackUnlinked`` from that topic, by
their ce_type, and passes over the feedback context's other event types.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import assert_never, get_args
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_discovery.domain.problem import (
    InsightAttached,
    ProblemClosed,
    ProblemEvent,
    ProblemIdentified,
    ProblemMerged,
    ProblemReopened,
    ProblemRestated,
    ProblemUnmerged,
)
from sextant_discovery.events import registry
from sextant_discovery.projections.decoding import decode, keep_stream_version

FEEDBACK_TOPIC = "sextant.feedback.events.v1"
FEEDBACK_LINKED = "io.sextant.feedback.FeedbackLinked.v1"
FEEDBACK_UNLINKED = "io.sextant.feedback.FeedbackUnlinked.v1"
_MINE = get_args(ProblemEvent)
_CONSUMES = registry.consumer_of(_MINE)


class FeedbackLink(BaseModel):
    """What discovery reads of the feedback context's link events (its consumer contract)."""

    model_config = ConfigDict(extra="ignore")
    feedback_id: UUID
    workspace_id: str
    target_type: str
    target_id: str
    linked_at: datetime | None = None


class ProblemEvidence:
    name = "discovery_problem_evidence"
    tables: Sequence[str] = (
        "discovery_problems",
        "discovery_problem_insights",
        "discovery_feedback_links",
    )
    topics: Sequence[str] = (registry.topic, FEEDBACK_TOPIC)

    def consumes(self, ce_type: str) -> bool:
        if ce_type.startswith("io.sextant.feedback."):
            return ce_type in (FEEDBACK_LINKED, FEEDBACK_UNLINKED)
        return _CONSUMES(ce_type)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        if event.type.startswith("io.sextant.feedback."):
            await self._feedback(conn, event)
            return
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        match fact:
            case ProblemIdentified():
                await conn.execute(
                    "INSERT INTO discovery_problems (tenant_id, problem_id, workspace_id, title,"
                    " statement, persona_ids, severity, frequency, identified_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.problem_id,
                    fact.workspace_id,
                    fact.title,
                    fact.statement,
                    list(fact.persona_ids),
                    fact.severity,
                    fact.frequency,
                    fact.identified_at,
                )
            case ProblemRestated():
                await conn.execute(
                    "UPDATE discovery_problems SET title = $3, statement = $4, persona_ids = $5,"
                    " severity = $6, frequency = $7 WHERE tenant_id = $1 AND problem_id = $2",
                    tenant,
                    fact.problem_id,
                    fact.title,
                    fact.statement,
                    list(fact.persona_ids),
                    fact.severity,
                    fact.frequency,
                )
            case InsightAttached():
                await conn.execute(
                    "INSERT INTO discovery_problem_insights (tenant_id, problem_id, insight_id,"
                    " note, attached_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    tenant,
                    fact.problem_id,
                    fact.insight_id,
                    fact.note,
                    fact.attached_at,
                )
            case ProblemMerged():
                await conn.execute(
                    "UPDATE discovery_problems SET status = 'merged', merged_into = $3"
                    " WHERE tenant_id = $1 AND problem_id = $2",
                    tenant,
                    fact.problem_id,
                    fact.into,
                )
            case ProblemClosed():
                await conn.execute(
                    "UPDATE discovery_problems SET status = 'closed', close_reason = $3"
                    " WHERE tenant_id = $1 AND problem_id = $2",
                    tenant,
                    fact.problem_id,
                    fact.reason,
                )
            case ProblemReopened() | ProblemUnmerged():
                await conn.execute(
                    "UPDATE discovery_problems"
                    " SET status = 'open', close_reason = NULL, merged_into = NULL"
                    " WHERE tenant_id = $1 AND problem_id = $2",
                    tenant,
                    fact.problem_id,
                )
            case _:
                assert_never(fact)
        await keep_stream_version(conn, event)

    async def _feedback(self, conn: Connection, event: IncomingEvent) -> None:
        if event.type not in (FEEDBACK_LINKED, FEEDBACK_UNLINKED):
            return  # received, classified, voted, merged...: not evidence for discovery
        link = FeedbackLink.model_validate(event.data)
        tenant = event.tenant
        if event.type == FEEDBACK_LINKED:
            await conn.execute(
                "INSERT INTO discovery_feedback_links (tenant_id, workspace_id, target_type,"
                " target_id, feedback_id, linked_at) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT DO NOTHING",
                tenant,
                link.workspace_id,
                link.target_type,
                link.target_id,
                link.feedback_id,
                link.linked_at or event.time,
            )
        else:
            await conn.execute(
                "DELETE FROM discovery_feedback_links WHERE tenant_id = $1 AND target_type = $2"
                " AND target_id = $3 AND feedback_id = $4",
                tenant,
                link.target_type,
                link.target_id,
                link.feedback_id,
            )
