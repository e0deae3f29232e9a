"""Event-store appends: Sextant's real path against two baselines measured in the same run.

- Sextant: ``PostgresEventStore.append`` with an expected version, an idempotency key,
  metadata and the NOTIFY after commit; writers are asyncio tasks sharing one pool.
- ``eventsourcing``: the library's PostgreSQL application recorder (see
  ``eventsourcing_baseline``).
- Bare insert: the same rows inserted with one asyncpg statement per transaction into a
  table with no constraint, index or check.

Every combination of batch size (1, 100) and writers (1, 16) runs for the same time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sextant_kit import Settings
from sextant_kit.database import CORE_MIGRATIONS, create_pool, migrate
from sextant_kit.eventstore import PostgresEventStore

from bench import eventsourcing_baseline, rows
from bench.common import bench_settings, cleanup
from bench.stats import Figure

BATCHES = (1, 100)
WRITERS = (1, 16)
SECONDS = 8.0

_BARE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_bare_events (
    event_id uuid, stream_id text, stream_type text, stream_version integer,
    event_type text, schema_version integer, tenant_id text, payload jsonb, metadata jsonb
)
"""
_BARE_INSERT = """
INSERT INTO bench_bare_events
SELECT e.event_id, $1, $2, e.version, e.event_type, 1, $3, e.payload::jsonb, $4::jsonb
FROM unnest($5::uuid[], $6::int[], $7::text[], $8::text[])
     AS e(event_id, version, event_type, payload)
"""

Writer = Callable[[rows.StreamCursor, int, int], Awaitable[None]]


async def timed_writers(writer: Writer, batch: int, writers: int, seconds: float) -> float:
    """Events per second that ``writers`` concurrent tasks append in ``seconds``."""
    run = uuid.uuid4().hex[:6]
    deadline = time.perf_counter() + seconds

    async def loop(w: int) -> int:
        cursor, written = rows.StreamCursor(f"bench-{run}-w{w}"), 0
        while time.perf_counter() < deadline:
            cursor.make_room(batch)
            await writer(cursor, batch, written)
            cursor.version += batch
            written += batch
        return written

    started = time.perf_counter()
    total = sum(await asyncio.gather(*(loop(w) for w in range(writers))))
    return total / (time.perf_counter() - started)


def sextant_writer(store: PostgresEventStore) -> Writer:
    async def append(cursor: rows.StreamCursor, batch: int, first: int) -> None:
        await store.append(
            cursor.stream_id,
            rows.STREAM_TYPE,
            rows.new_events(batch, first),
            rows.metadata(),
            expected_version=cursor.version,
            idempotency_key=uuid.uuid4().hex,
            request_hash="bench",
        )

    return append


def bare_writer(pool: asyncpg.Pool) -> Writer:
    async def insert(cursor: rows.StreamCursor, batch: int, first: int) -> None:
        events = rows.new_events(batch, first)
        await pool.execute(
            _BARE_INSERT,
            cursor.stream_id,
            rows.STREAM_TYPE,
            rows.TENANT,
            rows.metadata().model_dump_json(),
            [e.event_id for e in events],
            [cursor.version + i + 1 for i in range(batch)],
            [e.event_type for e in events],
            [rows.json_payload(e) for e in events],
        )

    return insert


def figures_for(batch: int, writers: int, rates: dict[str, float]) -> list[Figure]:
    label = f"append, batch {batch}, {writers} writer{'s' if writers > 1 else ''}"
    sextant, es, bare = rates["sextant"], rates["eventsourcing"], rates["bare_insert"]
    vs_es_target, vs_es_met = None, None
    if batch == 1 and writers == 16:
        vs_es_target, vs_es_met = ">= 8x eventsourcing", sextant >= 8 * es
    if batch == 100 and writers == 16:
        vs_es_target, vs_es_met = ">= 60,000 events/s", sextant >= 60_000
    return [
        Figure(label, sextant, "events/s", "eventsourcing", es, vs_es_target, vs_es_met),
        Figure(
            label,
            sextant,
            "events/s",
            "bare asyncpg insert",
            bare,
            "within 1.5x of bare insert",
            sextant * 1.5 >= bare,
        ),
    ]


async def measure(settings: Settings, database: str, seconds: float) -> list[Figure]:
    dsn = settings.dsn(database)
    # Sextant's own pool, for its path and the bare insert alike.
    pool = await create_pool(settings, database, size=max(WRITERS))
    try:
        await pool.execute(_BARE_TABLE)
        store = PostgresEventStore(pool)
        systems: dict[str, Callable[[int, int, float], Awaitable[float]]] = {
            "sextant": lambda b, w, s: timed_writers(sextant_writer(store), b, w, s),
            "eventsourcing": lambda b, w, s: asyncio.to_thread(
                eventsourcing_baseline.append_rate, dsn, b, w, s
            ),
            "bare_insert": lambda b, w, s: timed_writers(bare_writer(pool), b, w, s),
        }
        for rate in systems.values():  # warm up: connections, prepared statements, tables
            await rate(1, 1, 1.0)
        figures: list[Figure] = []
        for batch in BATCHES:
            for writers in WRITERS:
                rates = {}
                for name, rate in systems.items():
                    rates[name] = await rate(batch, writers, seconds)
                figures += figures_for(batch, writers, rates)
        return figures
    finally:
        await pool.close()


async def run(seconds: float = SECONDS) -> dict[str, Any]:
    settings = bench_settings()
    database = settings.database("append")
    try:
        await migrate(settings, database, CORE_MIGRATIONS)
        figures = await measure(settings, database, seconds)
    finally:
        await cleanup(settings)
    return {
        "name": "event-store append throughput",
        "seconds_per_measurement": seconds,
        "figures": [f.as_dict() for f in figures],
    }
