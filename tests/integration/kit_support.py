"""A small projection and helpers for the kit's integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from sextant_kit import EventMetadata, IncomingEvent, NewEvent, PostgresEventStore
from sextant_kit.database import Connection

META = EventMetadata(
    tenant_id="acme",
    actor="ana",
    correlation_id="corr-1",
    causation_id="cause-1",
    workspace_id="ws-1",
)


class ThingsSeen:
    """Inserts one row per event with no conflict handling: applying twice would fail."""

    name = "things_seen"
    tables: Sequence[str] = ("things_seen",)

    def __init__(self, topic: str) -> None:
        self.topics: Sequence[str] = (topic,)

    @staticmethod
    async def create_table(pool: asyncpg.Pool) -> None:
        await pool.execute(
            "CREATE TABLE IF NOT EXISTS things_seen ("
            " event_id uuid PRIMARY KEY, stream_id text NOT NULL, n integer NOT NULL)"
        )

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        if event.data.get("poison"):
            raise ValueError("this payload is poison")
        await conn.execute(
            "INSERT INTO things_seen (event_id, stream_id, n) VALUES ($1, $2, $3)",
            event.id,
            event.subject,
            event.data["n"],
        )


async def append_things(store: PostgresEventStore, streams: int, per_stream: int) -> list[str]:
    ids: list[str] = []
    for s in range(streams):
        for n in range(per_stream):
            event = NewEvent(uuid.uuid4(), "FeedbackReceived", 1, {"n": n})
            await store.append(f"thing-{s}", "thing", [event], META, expected_version=n)
            ids.append(str(event.event_id))
    return ids


async def read_topic(
    bootstrap: str, topic: str, count: int, *, timeout_ms: int = 20_000
) -> list[ConsumerRecord[Any, Any]]:
    """Read ``count`` records from the beginning of ``topic`` (fewer if it times out)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    got: list[ConsumerRecord[Any, Any]] = []
    try:
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_ms / 1000
        while len(got) < count and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                got.extend(records)
    finally:
        await consumer.stop()
    return got
