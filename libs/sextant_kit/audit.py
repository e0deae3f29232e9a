"""The audit-log projection: every event becomes one entry with its field-level changes,
chained per workspace so that any edit of a stored entry is found."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson

from sextant_kit.database import Connection
from sextant_kit.envelope import IncomingEvent
from sextant_kit.tenancy import TenantReads


class AuditProjection:
    tables: Sequence[str] = ("audit_log", "audit_chain_heads", "audit_entity_state")

    def __init__(self, topics: Sequence[str], *, name: str | None = None) -> None:
        self.topics = topics
        # "sextant.feedback.events.v1" -> "feedback_audit_log": a consumer group per service
        context = topics[0].split(".")[1] if topics and topics[0].count(".") >= 2 else "all"
        self.name = name or f"{context}_audit_log"

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        entries = [_entry(event) for event in events]
        entries = await _with_changes(conn, entries)
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
            " changes, chain_seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
            " $10, $11, $12::jsonb, $13::jsonb, $14, $15, $16)",
            rows,
        )
        await conn.executemany(
            "INSERT INTO audit_chain_heads (tenant_id, workspace_key, seq, hash)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, workspace_key)"
            " DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            [(t, w, seq, digest) for (t, w), (seq, digest) in heads.items()],
        )


GENESIS = "0" * 64


def _json(value: Any) -> str:
    """JSON for a jsonb column (the hashed form is :meth:`_Entry.canonical`, kept apart)."""
    return orjson.dumps(value).decode()


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
    changes: list[dict[str, Any]] | None = None
    """``[{"field", "before", "after"}]``; None on entries written before changes existed."""

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
            _json(self.data),
            _json(self.changes) if self.changes is not None else None,
        )

    def canonical(self) -> str:
        """The entry as hashed: every column, in a form PostgreSQL gives back unchanged."""
        changes = [] if self.changes is None else [self.changes]
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
                *changes,
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


def field_changes(before: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields ``data`` sets to a value other than the entity's previous one."""
    return [
        {"field": name, "before": before.get(name), "after": value}
        for name, value in data.items()
        if name not in before or before[name] != value
    ]


async def _with_changes(conn: Connection, entries: list[_Entry]) -> list[_Entry]:
    """Each entry with its changes against the state its entity had before it; the state
    of every entity touched moves forward in the same transaction."""
    keys = sorted({(e.tenant_id, e.subject) for e in entries})
    rows = await conn.fetch(
        "SELECT tenant_id, subject, state::text AS state FROM audit_entity_state"
        " WHERE (tenant_id, subject) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
        " ORDER BY tenant_id, subject FOR UPDATE",
        [t for t, _ in keys],
        [s for _, s in keys],
    )
    states = {(r["tenant_id"], r["subject"]): orjson.loads(r["state"]) for r in rows}
    out = []
    for entry in entries:
        state = states.setdefault((entry.tenant_id, entry.subject), {})
        data = entry.data if isinstance(entry.data, dict) else {}
        out.append(replace(entry, changes=field_changes(state, data)))
        state.update(data)
    await conn.executemany(
        "INSERT INTO audit_entity_state (tenant_id, subject, state) VALUES ($1, $2, $3::jsonb)"
        " ON CONFLICT (tenant_id, subject) DO UPDATE SET state = excluded.state",
        [(t, s, _json(state)) for (t, s), state in states.items()],
    )
    return out


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
    reads: TenantReads,
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
    async with reads.connection(tenant_id) as conn:
        cursor = conn.cursor(
            "SELECT event_id, tenant_id, workspace_id, subject, entity_type, event_type, source,"
            " actor, correlation_id, causation_id, occurred_at, data::text AS data,"
            " changes::text AS changes, chain_seq, prev_hash, hash FROM audit_log"
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
                json.loads(r["changes"]) if r["changes"] is not None else None,
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
