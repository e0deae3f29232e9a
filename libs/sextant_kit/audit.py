"""The audit-log projection: every event becomes one entry, queryable by subject."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query

from sextant_kit.authz import Access
from sextant_kit.database import Connection
from sextant_kit.envelope import IncomingEvent
from sextant_kit.http import Caller, requires


class AuditProjection:
    tables: Sequence[str] = ("audit_log", "audit_chain_heads")

    def __init__(self, topics: Sequence[str]) -> None:
        self.topics = topics
        # "sextant.feedback.events.v1" -> "feedback_audit_log": a consumer group per service
        context = topics[0].split(".")[1] if topics and topics[0].count(".") >= 2 else "all"
        self.name = f"{context}_audit_log"

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        entries = [_entry(event) for event in events]
        heads = await _lock_heads(conn, {(e.tenant_id, e.workspace_key) for e in entries})
        rows = []
        for entry in entries:
            seq, previous = heads[(entry.tenant_id, entry.workspace_key)]
            digest = chain_hash(previous, entry.canonical())
            heads[(entry.tenant_id, entry.workspace_key)] = (seq + 1, digest)
            rows.append((*entry.row(), seq + 1, previous, digest))
        await conn.executemany(
            "INSERT INTO audit_log (event_id, tenant_id, workspace_id, subject, entity_type,"
            " event_type, source, actor, correlation_id, causation_id, occurred_at, data,"
            " chain_seq, prev_hash, hash)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15)",
            rows,
        )
        await conn.executemany(
            "INSERT INTO audit_chain_heads (tenant_id, workspace_key, seq, hash)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, workspace_key)"
            " DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            [(t, w, seq, digest) for (t, w), (seq, digest) in heads.items()],
        )


GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class _Entry:
    event_id: UUID
    tenant_id: str
    workspace_id: str | None
    subject: str
    entity_type: str | None
    event_type: str
    source: str
    actor: str
    correlation_id: str | None
    causation_id: str | None
    occurred_at: datetime
    data: Any

    @property
    def workspace_key(self) -> str:
        return self.workspace_id or ""

    def row(self) -> tuple[Any, ...]:
        return (
            self.event_id,
            self.tenant_id,
            self.workspace_id,
            self.subject,
            self.entity_type,
            self.event_type,
            self.source,
            self.actor,
            self.correlation_id,
            self.causation_id,
            self.occurred_at,
            json.dumps(self.data),
        )

    def canonical(self) -> str:
        """The entry as hashed: every column, in a form PostgreSQL gives back unchanged."""
        return json.dumps(
            [
                str(self.event_id),
                self.tenant_id,
                self.workspace_id,
                self.subject,
                self.entity_type,
                self.event_type,
                self.source,
                self.actor,
                self.correlation_id,
                self.causation_id,
                self.occurred_at.astimezone(UTC).isoformat(),
                self.data,
            ],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )


def _entry(event: IncomingEvent) -> _Entry:
    meta = event.metadata()
    return _Entry(
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
        event.data,
    )


def chain_hash(previous: str, canonical: str) -> str:
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


async def _lock_heads(
    conn: Connection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, str]]:
    ordered = sorted(keys)  # one lock order for every batch: no deadlocks between consumers
    await conn.executemany(
        "INSERT INTO audit_chain_heads (tenant_id, workspace_key, seq, hash)"
        " VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING",
        [(t, w, GENESIS) for t, w in ordered],
    )
    rows = await conn.fetch(
        "SELECT tenant_id, workspace_key, seq, hash FROM audit_chain_heads"
        " WHERE (tenant_id, workspace_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
        " ORDER BY tenant_id, workspace_key FOR UPDATE",
        [t for t, _ in ordered],
        [w for _, w in ordered],
    )
    return {(r["tenant_id"], r["workspace_key"]): (r["seq"], r["hash"]) for r in rows}


@dataclass(frozen=True, slots=True)
class ChainReport:
    tenant_id: str
    workspace_id: str | None
    entries: int
    intact: bool
    first_broken_seq: int | None = None
    first_broken_event: str | None = None
    reason: str | None = None


async def verify_chain(
    pool: asyncpg.Pool,
    tenant_id: str,
    workspace_id: str | None,
    *,
    progress: Callable[[int], None] | None = None,
) -> ChainReport:
    """Recompute the chain from the first entry; report the first link that does not hold.

    Streams the entries with a server-side cursor, so memory stays flat for any length.
    """
    expected_previous = GENESIS
    count = 0
    async with pool.acquire() as conn, conn.transaction():
        cursor = conn.cursor(
            "SELECT event_id, tenant_id, workspace_id, subject, entity_type, event_type, source,"
            " actor, correlation_id, causation_id, occurred_at, data::text AS data, chain_seq,"
            " prev_hash, hash FROM audit_log"
            " WHERE tenant_id = $1 AND coalesce(workspace_id, '') = $2 ORDER BY chain_seq",
            tenant_id,
            workspace_id or "",
            prefetch=2000,
        )
        async for r in cursor:
            count += 1
            entry = _Entry(
                r["event_id"],
                r["tenant_id"],
                r["workspace_id"],
                r["subject"],
                r["entity_type"],
                r["event_type"],
                r["source"],
                r["actor"],
                r["correlation_id"],
                r["causation_id"],
                r["occurred_at"],
                json.loads(r["data"]),
            )
            reason = None
            if r["chain_seq"] != count:
                reason = f"entry {count} carries sequence number {r['chain_seq']} (one is missing)"
            elif r["prev_hash"] != expected_previous:
                reason = "its previous-hash does not match the entry before it"
            elif chain_hash(expected_previous, entry.canonical()) != r["hash"]:
                reason = "its content does not match its hash (the entry was altered)"
            if reason is not None:
                return ChainReport(
                    tenant_id,
                    workspace_id,
                    count,
                    False,
                    r["chain_seq"],
                    str(r["event_id"]),
                    reason,
                )
            expected_previous = r["hash"]
            if progress is not None and count % 10_000 == 0:
                progress(count)
    return ChainReport(tenant_id, workspace_id, count, True)


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


Reader = Annotated[Caller, Depends(requires(Access.READ))]


def audit_router(context: str, pool: asyncpg.Pool) -> APIRouter:
    """``/v1/<context>/audit``: a service's audit entries, and the verification of its chains."""
    api = APIRouter(prefix=f"/v1/{context}/audit", tags=["audit"])

    @api.get("")
    async def entries(
        who: Reader,
        subject: Annotated[str, Query(min_length=1, max_length=200)],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        return {
            "subject": subject,
            "entries": await audit_entries(pool, who.tenant_id, subject, limit=limit),
        }

    @api.get("/verify")
    async def verify(
        who: Reader,
        workspace_id: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    ) -> dict[str, Any]:
        """Recompute the hash chain of a workspace (or of organisation-level entries)."""
        report = await verify_chain(pool, who.tenant_id, workspace_id)
        return asdict(report)

    return api
