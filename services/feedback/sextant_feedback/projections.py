"""Read models of the feedback context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection
from sextant_kit.registry import parse_ce_type

from sextant_feedback.domain import FeedbackEvent, FeedbackReceived
from sextant_feedback.events import registry


def decode(event: IncomingEvent) -> FeedbackEvent:
    _, name, version = parse_ce_type(event.type)
    decoded = registry.decode(name, version, event.data)
    assert isinstance(decoded, FeedbackReceived)
    return decoded


class FeedbackInbox:
    """Every feedback item of a workspace, newest first."""

    name = "feedback_inbox"
    tables: Sequence[str] = ("feedback_inbox",)
    topics: Sequence[str] = (registry.topic,)

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        tenant_id = event.metadata().tenant_id
        version = event.stream_version or 0
        fact = decode(event)
        match fact:
            case FeedbackReceived():
                await conn.execute(
                    "INSERT INTO feedback_inbox (tenant_id, feedback_id, workspace_id, text,"
                    " source, external_id, customer_ref, received_at, version)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                    " ON CONFLICT (tenant_id, feedback_id) DO NOTHING",
                    tenant_id,
                    fact.feedback_id,
                    fact.workspace_id,
                    fact.text,
                    fact.source.value,
                    fact.external_id,
                    fact.customer_ref,
                    fact.received_at,
                    version,
                )
            case _:
                assert_never(fact)
