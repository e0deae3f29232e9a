"""The audit-log projection: every event becomes one entry, queryable by subject."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg

from sextant_kit.database import Connection
from sextant_kit.envelope import IncomingEvent


class AuditProjection:
    tables: Sequence[str] = ("audit_log",)

    def __init__(self, topics: Sequence[str]) -> None:
        self.topics = topics
        # "sextant.feedback.events.v1" -> "feedback_audit_log": a consumer group per service
        context = topics[0].split(".")[1] if topics and topics[0].count(".") >= 2 else "all"
        self.name = f"{context}_audit_log"

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        rows = []
        for event in events:
            meta = event.metadata()
            rows.append(
                (
                    event.id,
                    meta.tenant_id,
                    meta.workspace_id,
                    event.subject or "",
                    event.extensions.get("streamtype"),
                    event.type,
                    event.source,
                    meta.actor,
                    meta.correlation_id,
                    meta.causation_id,
                    event.time or datetime.now(UTC),
                    json.dumps(event.data),
                )
            )
        await conn.executemany(
            "INSERT INTO audit_log (event_id, tenant_id, workspace_id, subject, entity_type,"
            " event_type, source, actor, correlation_id, causation_id, occurred_at, data)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)"
            " ON CONFLICT (event_id) DO NOTHING",
            rows,
        )


async def audit_entries(
    pool: asyncpg.Pool, tenant_id: str, subject: str, *, limit: int = 100
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT event_id, workspace_id, subject, entity_type, event_type, source, actor,"
        " correlation_id, causation_id, occurred_at, data::text AS data FROM audit_log"
        " WHERE tenant_id = $1 AND subject = $2 ORDER BY occurred_at, event_id LIMIT $3",
        tenant_id,
        subject,
        limit,
    )
    return [
        {
            "event_id": str(r["event_id"]),
            "workspace_id": r["workspace_id"],
            "subject": r["subject"],
            "entity_type": r["entity_type"],
            "event_type": r["event_type"],
            "source": r["source"],
            "actor": r["actor"],
            "correlation_id": r["correlation_id"],
            "causation_id": r["causation_id"],
            "occurred_at": r["occurred_at"].isoformat(),
            "data": json.loads(r["data"]),
        }
        for r in rows
    ]
