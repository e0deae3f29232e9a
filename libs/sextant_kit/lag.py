"""How far each projection is behind its topics: events, seconds, and dead letters waiting.

Measured from outside the consumer groups: the topics' end offsets against the offsets
each projection committed to PostgreSQL with its read-model changes (so the figure is what
queries can see). Served three ways: ``GET /v1/<context>/projections``, Prometheus gauges
that the projector process refreshes, and ``sextant lag``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Depends

from sextant_kit.authz import Access
from sextant_kit.http import Caller, requires

if TYPE_CHECKING:
    from sextant_kit.service import Runtime
    from sextant_kit.settings import Settings

log = logging.getLogger(__name__)

# The consumer group ``sextant dlq redrive`` commits what it sent back for: a dead letter
# before its committed offset waits no longer.
REDRIVE_GROUP = "sextant.dlq-redrive"


def redrive_group(settings: Settings) -> str:
    """The re-drive group of a deployment (its topic prefix before the name)."""
    return f"{settings.topic_prefix}{REDRIVE_GROUP}"


# Dead letters read per dead-letter topic to tell whose they are; past it, the rest count
# for every projection of the topic (over-reported rather than missed).
DEAD_LETTERS_READ = 10_000


@dataclass(frozen=True)
class ProjectionLag:
    service: str
    projection: str
    events_behind: int
    seconds_behind: float
    dead_letters: int


class Probe:
    """Reads offsets and a few records from outside every consumer group."""

    def __init__(self, admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> None:
        self.admin = admin
        self.consumer = consumer

    async def partitions(self, topic: str) -> list[TopicPartition]:
        """The topic's partitions; none when the topic does not exist (yet)."""
        (found,) = await self.admin.describe_topics([topic])
        return [TopicPartition(topic, p["partition"]) for p in found["partitions"]]

    async def redriven(self, tps: list[TopicPartition], group: str) -> dict[TopicPartition, int]:
        """Per partition of a dead-letter topic, the offset before which the re-drive
        ``group`` sent every letter back (partitions it never committed are left out)."""
        found = await self.admin.list_consumer_group_offsets(group, partitions=tps)
        return {tp: found[tp].offset for tp in tps if tp in found and found[tp].offset >= 0}

    async def dead_letters(self, dlq: str, redrive_group: str) -> Counter[str | None]:
        """Dead letters in ``dlq`` not re-driven yet, by the projection that sent each
        (its ``sextant_dlq_projection`` header); ``None`` counts those not read."""
        waiting: Counter[str | None] = Counter()
        tps = await self.partitions(dlq)
        if not tps:
            return waiting
        ends = await self.consumer.end_offsets(tps)
        starts = await self.consumer.beginning_offsets(tps)
        redriven = await self.redriven(tps, redrive_group)
        at = {tp: max(starts[tp], redriven.get(tp, -1)) for tp in tps}
        left = {tp: at[tp] for tp in tps if at[tp] < ends[tp]}
        if not left:
            return waiting
        self.consumer.assign(list(left))
        for tp, offset in left.items():
            self.consumer.seek(tp, offset)
        read = idle = 0
        while left and read < DEAD_LETTERS_READ and idle < 5:
            batch = await self.consumer.getmany(timeout_ms=500, max_records=1000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                for record in records:
                    if tp in left and record.offset < ends[tp]:
                        sender = dict(record.headers or ()).get("sextant_dlq_projection", b"")
                        waiting[sender.decode(errors="replace")] += 1
                        read += 1
                        left[tp] = record.offset + 1
                if tp in left and left[tp] >= ends[tp]:
                    del left[tp]
        waiting[None] += sum(ends[tp] - offset for tp, offset in left.items())
        return waiting

    async def oldest_waiting(self, waiting: dict[TopicPartition, int]) -> float:
        """Seconds since the oldest record not applied yet was written (the first one
        waiting on each partition)."""
        if not waiting:
            return 0.0
        self.consumer.assign(list(waiting))
        for tp, offset in waiting.items():
            self.consumer.seek(tp, offset)
        first: dict[TopicPartition, int] = {}
        for _ in range(5):
            batch = await self.consumer.getmany(timeout_ms=500, max_records=100)
            for tp, records in batch.items():
                if records and tp not in first:
                    first[tp] = records[0].timestamp
            if len(first) == len(waiting):
                break
        if not first:
            return 0.0
        now_ms = datetime.now(UTC).timestamp() * 1000
        return max(0.0, (now_ms - min(first.values())) / 1000)


@asynccontextmanager
async def probe(bootstrap: str) -> AsyncIterator[Probe]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # made once the broker answered: one never started warns that it was left open
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            yield Probe(admin, consumer)
        finally:
            await consumer.stop()
    finally:
        await admin.close()


async def measure(rt: Runtime, kafka: Probe) -> list[ProjectionLag]:
    rows = []
    group = redrive_group(rt.settings)
    letters: dict[str, Counter[str | None]] = {}
    for runner in rt.projection_runners():
        stored = await runner.stored_offsets()
        behind = dead = 0
        waiting: dict[TopicPartition, int] = {}
        for logical in runner.projection.topics:
            topic = rt.settings.topic(logical)
            tps = await kafka.partitions(topic)
            for tp, end in (await kafka.consumer.end_offsets(tps) if tps else {}).items():
                if end > stored.get(tp, 0):
                    behind += end - stored.get(tp, 0)
                    waiting[tp] = stored.get(tp, 0)
            dlq = f"{topic}.dlq"
            if dlq not in letters:
                letters[dlq] = await kafka.dead_letters(dlq, group)
            dead += letters[dlq][runner.name] + letters[dlq][None]
        seconds = await kafka.oldest_waiting(waiting)
        rows.append(ProjectionLag(rt.context, runner.name, behind, round(seconds, 1), dead))
    return rows


def record(rt: Runtime, rows: Sequence[ProjectionLag]) -> None:
    for row in rows:
        rt.metrics.projection_lag_events.labels(row.projection).set(row.events_behind)
        rt.metrics.projection_lag_seconds.labels(row.projection).set(row.seconds_behind)
        rt.metrics.dead_letters_waiting.labels(row.projection).set(row.dead_letters)


async def watch(rt: Runtime, interval: float = 15.0) -> None:
    """Refresh the lag gauges every ``interval`` seconds until cancelled."""
    while True:
        try:
            async with probe(rt.settings.kafka_bootstrap) as kafka:
                record(rt, await measure(rt, kafka))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the next round retries; lag must not stop a projector
            log.warning("measuring projection lag of %s failed: %s", rt.context, error)
        await asyncio.sleep(interval)


def lag_router(rt: Runtime) -> APIRouter:
    api = APIRouter(prefix=f"/v1/{rt.context}", tags=["operations"])

    @api.get("/projections")
    async def projections(
        _: Annotated[Caller, Depends(requires(Access.READ))],
    ) -> dict[str, Any]:
        """Each projection's lag: events and seconds behind its topics, dead letters waiting."""
        async with probe(rt.settings.kafka_bootstrap) as kafka:
            rows = await measure(rt, kafka)
        record(rt, rows)
        return {"projections": [asdict(r) for r in rows]}

    return api
