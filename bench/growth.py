"""Append latency as the store grows: p99 of real appends at 1 M and at 20 M events.

The store is filled server-side (``INSERT ... SELECT generate_series``) with rows shaped
like real ones: ten events per stream, one idempotency key per stream, event ids of UUID
version 7 as the application writes them (event ``n`` at millisecond ``n`` of a span that
ends before the measured appends start). The fill drops the secondary indexes and builds
them again afterwards (the same definitions as the migration), then vacuums and analyses,
so both sizes are measured in the same state. The
measured appends go through ``PostgresEventStore.append`` one at a time, each to a
different existing stream with its expected version and a new idempotency key.

Baseline, in the same run: the p99 at 1 M events.
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from typing import Any

import asyncpg
from sextant_kit import Settings
from sextant_kit.database import CORE_MIGRATIONS, create_pool, migrate
from sextant_kit.eventstore import PostgresEventStore
from sextant_kit.progress import Progress

from bench import rows
from bench.common import bench_settings, cleanup
from bench.stats import Figure, summary_ms

SIZES = (1_000_000, 20_000_000)
SAMPLES = 3000
WARM_UP = 300
CHUNK = 1_000_000
PER_STREAM = 10

_FILL = """
INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type,
                    schema_version, tenant_id, payload, metadata)
SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
           placing substring(int8send($3::bigint + n) from 3) from 1 for 6), 52, 1), 53, 1),
           'hex')::uuid,
       'fill-' || (n / 10), 'FeedbackItem', n % 10 + 1, 'FeedbackReceived',
       1, 'bench-tenant',
       jsonb_build_object(
           'item_id', 'fb-' || n, 'workspace_id', 'ws-bench',
           'text', 'Bulk edit for roadmap items would save our PMs an hour every sprint planning',
           'source', 'sales_call', 'customer_ref', 'account-' || (n % 500),
           'external_id', 'ext-' || n, 'received_at', '2026-11-26T12:00:00+00:00'),
       jsonb_build_object(
           'tenant_id', 'bench-tenant', 'actor', 'pm.bench', 'correlation_id', md5(n::text),
           'causation_id', null, 'workspace_id', 'ws-bench', 'traceparent', null,
           'tracestate', null)
FROM generate_series($1::bigint, $2::bigint - 1) AS n
"""
_FILL_KEYS = """
INSERT INTO idempotency_keys (tenant_id, key, request_hash, result)
SELECT 'bench-tenant', md5('key' || s), 'fill', '{}'::jsonb
FROM generate_series($1::bigint, $2::bigint - 1) AS s
"""
_DROP = [
    "ALTER TABLE events DROP CONSTRAINT events_event_id_key",
    "ALTER TABLE events DROP CONSTRAINT events_stream_version_key",
    "DROP INDEX events_global_order",
]
_CREATE = [
    "ALTER TABLE events ADD CONSTRAINT events_event_id_key UNIQUE (event_id)",
    "ALTER TABLE events ADD CONSTRAINT events_stream_version_key"
    " UNIQUE (stream_id, stream_version)",
    "CREATE INDEX events_global_order ON events (transaction_id, position)",
]


async def fill(dsn: str, start: int, end: int) -> dict[str, float]:
    """Grow the store from ``start`` to ``end`` events; seconds spent loading and indexing."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        loading = time.perf_counter()
        first_millisecond = time.time_ns() // 1_000_000 - SIZES[-1] - 60_000
        for statement in _DROP:
            await conn.execute(statement)
        progress = Progress(f"  fill to {end:,}", end - start, unit="events", every=30)
        for first in range(start, end, CHUNK):
            last = min(first + CHUNK, end)
            await conn.execute(_FILL, first, last, first_millisecond)
            await conn.execute(_FILL_KEYS, first // PER_STREAM, last // PER_STREAM)
            progress.advance(last - first)
        progress.finish()
        indexing = time.perf_counter()
        for number, statement in enumerate(_CREATE, 1):
            print(f"  index {number} of {len(_CREATE)}: {statement}", file=sys.stderr)
            await conn.execute(statement)
        vacuuming = time.perf_counter()
        print("  vacuum and analyse", file=sys.stderr)
        await conn.execute("VACUUM (ANALYZE) events")
        await conn.execute("VACUUM (ANALYZE) idempotency_keys")
        done = time.perf_counter()
    finally:
        await conn.close()
    return {
        "load_s": round(indexing - loading, 1),
        "index_s": round(vacuuming - indexing, 1),
        "vacuum_s": round(done - vacuuming, 1),
    }


async def append_latencies(
    store: PostgresEventStore, size: int, versions: dict[int, int]
) -> list[float]:
    """Appends to distinct random existing streams, one at a time; seconds each.

    ``versions`` holds the streams appended to before (at a smaller size).
    """
    streams = random.Random(size).sample(range(size // PER_STREAM), WARM_UP + SAMPLES)
    latencies = []
    for n, stream in enumerate(streams):
        version = versions.get(stream, PER_STREAM)
        started = time.perf_counter()
        await store.append(
            f"fill-{stream}",
            rows.STREAM_TYPE,
            rows.new_events(1, n),
            rows.metadata(),
            expected_version=version,
            idempotency_key=uuid.uuid4().hex,
            request_hash="bench",
        )
        if n >= WARM_UP:
            latencies.append(time.perf_counter() - started)
        versions[stream] = version + 1
    return latencies


async def measure(settings: Settings, database: str, sizes: tuple[int, ...]) -> dict[str, Any]:
    dsn = settings.dsn(database)
    pool = await create_pool(settings, database, size=2)
    store = PostgresEventStore(pool)
    out: dict[str, Any] = {}
    try:
        filled, versions = 0, dict[int, int]()
        for size in sizes:
            timings = await fill(dsn, filled, size)
            filled = size
            print(f"  {WARM_UP + SAMPLES:,} appends at {size:,} events", file=sys.stderr)
            latencies = await append_latencies(store, size, versions)
            table_mb = await pool.fetchval("SELECT pg_total_relation_size('events') / 1048576")
            out[f"{size:_}"] = {"fill": timings, "table_mb": table_mb, **summary_ms(latencies)}
    finally:
        await pool.close()
    return out


async def run(sizes: tuple[int, ...] = SIZES) -> dict[str, Any]:
    settings = bench_settings()
    database = settings.database("growth")
    try:
        await migrate(settings, database, CORE_MIGRATIONS)
        by_size = await measure(settings, database, sizes)
    finally:
        await cleanup(settings)
    small, large = (by_size[f"{s:_}"] for s in (sizes[0], sizes[-1]))
    figure = Figure(
        f"append p99 latency at {sizes[-1]:,} events",
        large["p99_ms"],
        "ms",
        f"p99 at {sizes[0]:,} events",
        small["p99_ms"],
        "< 1.5x growth",
        large["p99_ms"] < 1.5 * small["p99_ms"],
    )
    return {
        "name": "append latency growth with store size (1 writer, batch 1)",
        "figures": [figure.as_dict()],
        "samples_per_size": SAMPLES,
        "by_size": by_size,
    }
