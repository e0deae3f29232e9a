"""Rebuild of a projection from 1,000,000 events in Kafka into PostgreSQL.

The feedback topic is filled with ``FeedbackReceived`` events (CloudEvents, exactly as the
relay writes them), then:

- baseline: a bare aiokafka consumer reads the whole topic and writes nothing;
- figure: ``python -m sextant_feedback rebuild feedback_inbox`` rebuilds the inbox beside
  the (empty) serving version and switches, in its own process; its memory and CPU time
  are sampled together with its replay workers'.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sextant_feedback.events import registry
from sextant_feedback.service import definition
from sextant_kit import Settings, envelope
from sextant_kit.events import EventMetadata, RecordedEvent
from sextant_kit.ids import uuid7
from sextant_kit.service import prepare

from bench.common import ROOT, Process, bench_settings, cleanup, env_for, machine_busy_seconds
from bench.stats import Figure

WORDS = (
    "export",
    "sso",
    "saml",
    "dashboard",
    "slow",
    "search",
    "mobile",
    "billing",
    "invoice",
    "audit",
)


def record(i: int, tenant: str, started: datetime) -> envelope.KafkaRecord:
    rng = random.Random(i)
    feedback_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bench/{i}")
    at = started + timedelta(milliseconds=i)
    event = RecordedEvent(
        event_id=uuid7(),
        stream_id=str(feedback_id),
        stream_type="feedback",
        stream_version=1,
        position=i + 1,
        transaction_id=i + 1,
        event_type="FeedbackReceived",
        schema_version=1,
        payload={
            "feedback_id": str(feedback_id),
            "workspace_id": f"ws-{i % 20}",
            "source": "survey",
            "external_id": f"bench-{i}",
            "text": " ".join(rng.choices(WORDS, k=12)),
            "tags": [rng.choice(WORDS)],
            "sentiment": round(rng.uniform(-1, 1), 3),
            "received_at": at.isoformat(),
        },
        metadata=EventMetadata(
            tenant_id=tenant,
            actor="bench",
            workspace_id=f"ws-{i % 20}",
            correlation_id=str(feedback_id),
        ),
        recorded_at=at,
    )
    return envelope.encode(event, registry)


async def fill(settings: Settings, events: int) -> float:
    """Write ``events`` records to the feedback topic; returns the seconds it took."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        linger_ms=20,
        max_batch_size=1024 * 1024,
        compression_type=None,
        acks=1,
    )
    await producer.start()
    started = time.perf_counter()
    now = datetime.now(UTC)
    topic = settings.topic(registry.topic)
    try:
        pending = []
        for i in range(events):
            rec = record(i, "bench", now)
            pending.append(await producer.send(topic, rec.value, key=rec.key, headers=rec.headers))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
                print(f"  filled {i + 1:,}/{events:,}", file=sys.stderr)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def bare_consumer(settings: Settings, events: int) -> float:
    """Events per second a consumer that writes nothing reads the same topic at."""
    topic = settings.topic(registry.topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    try:
        await consumer.end_offsets([TopicPartition(topic, 0)])
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        started = time.perf_counter()
        seen = 0
        while seen < events:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(records) for records in batch.values())
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Rebuilt:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    """CPU time of the rebuild process and its replay workers."""
    busy_seconds: float
    """CPU time of the whole machine meanwhile (the rest is PostgreSQL and Kafka)."""
    summary: str


def rebuild_in_process(settings: Settings) -> Rebuilt:
    """Runs the rebuild command, sampling its memory and CPU time."""
    busy_before = machine_busy_seconds()
    started = time.perf_counter()
    child = Process(
        subprocess.Popen(
            [sys.executable, "-m", "sextant_feedback", "rebuild", "feedback_inbox"],
            cwd=ROOT,
            env=env_for(settings),
            stdout=subprocess.PIPE,
        ),
        "rebuild",
    )
    while child.popen.poll() is None:
        child.sample()
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    busy = machine_busy_seconds() - busy_before
    out = child.popen.stdout.read().decode() if child.popen.stdout else ""
    if child.popen.returncode != 0:
        raise RuntimeError(f"rebuild failed ({child.popen.returncode}): {out}")
    summary = out.strip().splitlines()[-1]
    return Rebuilt(seconds, child.peak_rss_mb, child.cpu_seconds, busy, summary)


async def run(events: int = 1_000_000) -> dict[str, Any]:
    settings = bench_settings()
    try:
        await prepare(definition, settings)
        fill_seconds = await fill(settings, events)
        baseline = await bare_consumer(settings, events)
        rebuilt = await asyncio.to_thread(rebuild_in_process, settings)
        rate = events / rebuilt.seconds
        figure = Figure(
            "projection rebuild",
            rate,
            "events/s",
            "bare aiokafka consumer, no writes",
            baseline,
            ">= 50,000 events/s",
            rate >= 50_000,
        )
        return {
            "name": "projection rebuild",
            "figures": [figure.as_dict()],
            "events": events,
            "events_per_second": round(rate),
            "seconds": round(rebuilt.seconds, 1),
            "peak_rss_mb": round(rebuilt.peak_rss_mb),
            "cpu_seconds": {
                "rebuild and its replay workers": round(rebuilt.cpu_seconds, 1),
                "servers and the rest": round(rebuilt.busy_seconds - rebuilt.cpu_seconds, 1),
            },
            "summary": rebuilt.summary,
            "baseline": "bare aiokafka consumer, no writes",
            "baseline_events_per_second": round(baseline),
            "ratio": round(rate / baseline, 3),
            "target_events_per_second": 50_000,
            "target_met": rate >= 50_000,
            "fill_seconds": round(fill_seconds, 1),
        }
    finally:
        await cleanup(settings)
