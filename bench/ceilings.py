"""The ceilings, for the record: what this machine allows without Sextant in the way.

- A bare ``COPY`` of event-shaped rows into a table with no index or constraint.
- Kafka's own ``ProducerPerformance`` tool (from the broker's jars) sending records of
  an event's size with the relay's settings (acks=all, idempotent) to a topic with the
  events topics' partition count.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sextant_kit import Settings
from sextant_kit.ids import uuid7

from bench import rows
from bench.common import ROOT, Stopwatch, bench_settings, cleanup
from bench.stats import Figure

COPY_ROWS = 500_000
KAFKA_RECORDS = 1_000_000
RECORD_BYTES = 400
"""About one event: its JSON payload plus the CloudEvents headers."""
PARTITIONS = 3

_PERF_LINE = re.compile(
    r"(?P<records>\d+) records sent, (?P<rate>[\d.]+) records/sec \((?P<mb>[\d.]+) MB/sec\), "
    r"(?P<avg>[\d.]+) ms avg latency, (?P<max>[\d.]+) ms max latency"
    r"(?:, (?P<p50>\d+) ms 50th, (?P<p95>\d+) ms 95th, (?P<p99>\d+) ms 99th)?"
)


async def copy_rate(settings: Settings) -> float:
    meta = rows.metadata().model_dump_json()
    records = [
        (
            uuid7(),
            f"s-{n // 10}",
            rows.STREAM_TYPE,
            n % 10 + 1,
            rows.EVENT_TYPE,
            1,
            rows.TENANT,
            json.dumps(rows.payload(n)),
            meta,
        )
        for n in range(COPY_ROWS)
    ]
    database = settings.database("ceiling")
    admin = await asyncpg.connect(settings.postgres_url)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    conn = await asyncpg.connect(settings.dsn(database))
    try:
        await conn.execute(
            "CREATE TABLE bare_events (event_id uuid, stream_id text, stream_type text,"
            " stream_version integer, event_type text, schema_version integer,"
            " tenant_id text, payload jsonb, metadata jsonb)"
        )
        watch = Stopwatch()
        await conn.copy_records_to_table("bare_events", records=records)
        return COPY_ROWS / watch.seconds
    finally:
        await conn.close()


async def producer_performance(settings: Settings) -> dict[str, float]:
    topic = settings.topic("ceiling")
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    process = await asyncio.create_subprocess_exec(
        str(ROOT / "scripts/infra/kafka.sh"),
        "tool",
        "org.apache.kafka.tools.ProducerPerformance",
        "--topic", topic,
        "--num-records", str(KAFKA_RECORDS),
        "--record-size", str(RECORD_BYTES),
        "--throughput", "-1",
        "--producer-props", f"bootstrap.servers={settings.kafka_bootstrap}", "acks=all",
        "enable.idempotence=true",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    text = output.decode()
    matches = list(_PERF_LINE.finditer(text))
    if process.returncode != 0 or not matches:
        raise RuntimeError(f"ProducerPerformance failed:\n{text[-2000:]}")
    final = matches[-1]
    return {k: float(v) for k, v in final.groupdict().items() if v is not None}


async def run() -> dict[str, Any]:
    settings = bench_settings()
    try:
        copy = await copy_rate(settings)
        kafka = await producer_performance(settings)
    finally:
        await cleanup(settings)
    return {
        "name": "ceilings of this machine (no Sextant code involved)",
        "figures": [
            Figure("ceiling: bare COPY into PostgreSQL", copy, "rows/s").as_dict(),
            Figure(
                "ceiling: Kafka ProducerPerformance (acks=all, idempotent)",
                kafka["rate"],
                "records/s",
            ).as_dict(),
        ],
        "copy_rows": COPY_ROWS,
        "kafka": {"records": KAFKA_RECORDS, "record_bytes": RECORD_BYTES, **kafka},
    }
