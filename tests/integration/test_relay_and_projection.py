"""The relay and the projection runner on the real broker and server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event
from sextant_feedback.events import registry
from sextant_kit import (
    START,
    NewEvent,
    NewStream,
    PostgresEventStore,
    ProjectionRunner,
    RecordedEvent,
    Relay,
    Settings,
)
from sextant_kit.database import Connection
from sextant_kit.envelope import IncomingEvent, encode
from sextant_kit.errors import EventTooLarge
from sextant_kit.eventstore import MAX_EVENT_BYTES
from sextant_kit.kafka import TopicSpec, build_broker, ensure_topics, topics_for
from sextant_kit.metrics import Metrics
from sextant_kit.projection import DeadLetter, KafkaDeadLetters, subscribe
from sextant_kit.relay import KafkaSink

from tests.integration.kit_support import META, ThingsSeen, append_things, read_topic
from tests.support import eventually

pytestmark = pytest.mark.integration

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
async def topic(settings: Settings, unique: str) -> str:
    name = settings.topic(f"kit-{unique}.events.v1")
    await ensure_topics(settings, [TopicSpec(name, 3), TopicSpec(f"{name}.dlq", 1)])
    return name


@pytest.fixture
def store(pool: asyncpg.Pool) -> PostgresEventStore:
    return PostgresEventStore(pool)


def make_relay(store: PostgresEventStore, dsn: str, topic: str, bootstrap: str) -> Relay:
    return Relay(
        store, KafkaSink(bootstrap, client_id="test-relay"), registry, topic=topic, dsn=dsn
    )


async def publish_all(
    store: PostgresEventStore, dsn: str, topic: str, bootstrap: str, expected: int
) -> None:
    """Publish until ``expected`` events went out (other transactions on the server can
    briefly hold back what a reader may take)."""
    relay = make_relay(store, dsn, topic, bootstrap)
    published = 0

    async def all_out() -> None:
        nonlocal published
        published += await relay.publish_batch()
        assert published >= expected

    try:
        await eventually(all_out)
        assert published == expected
    finally:
        await relay.close()


@pytest.fixture
def dsn(settings: Settings, kit_database: str) -> str:
    return settings.dsn(kit_database)


async def run_projector(
    settings: Settings, pool: asyncpg.Pool, topic: str, metrics: Metrics, expected_rows: int
) -> None:
    broker = build_broker(settings, client_id="test-projector")
    runner = ProjectionRunner(
        ThingsSeen(topic), pool, KafkaDeadLetters(broker, "things_seen", metrics), metrics=metrics
    )
    subscribe(broker, runner, [topic], batch_size=50, group_prefix=f"{topic}.")
    await broker.start()
    try:

        async def all_rows() -> None:
            assert await pool.fetchval("SELECT count(*) FROM things_seen") == expected_rows

        await eventually(all_rows)
    finally:
        await broker.stop()


async def test_relay_publishes_cloudevents_that_the_official_sdk_reads(
    settings: Settings, store: PostgresEventStore, dsn: str, topic: str
) -> None:
    traced = META.model_copy(
        update={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    )
    ids = await append_things(store, streams=4, per_stream=5)
    await store.append("traced", "thing", [_event({"n": 0})], traced, expected_version=0)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 21)
    relay = make_relay(store, dsn, topic, settings.kafka_bootstrap)
    try:
        assert await relay.publish_batch() == 0
        assert await relay.checkpoint() == await store.head()
    finally:
        await relay.close()

    records = await read_topic(settings.kafka_bootstrap, topic, 21)
    assert len(records) == 21
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:
        headers = dict(record.headers)
        event = read_cloudevent(record)
        assert event.get_specversion() == "1.0"
        assert event.get_source() == "/sextant/feedback"
        assert event.get_type() == "io.sextant.feedback.FeedbackReceived.v1"
        assert event.get_subject() == record.key.decode()
        assert event.get_time() is not None
        assert event.get_datacontenttype() == "application/json"
        assert event.get_extension("tenantid") == "acme"
        assert event.get_extension("workspaceid") == "ws-1"
        assert event.get_extension("actor") == "ana"
        assert event.get_extension("correlationid") == "corr-1"
        assert event.get_extension("causationid") == "cause-1"
        assert event.get_extension("streamtype") == "thing"
        assert int(event.get_extension("position")) > 0
        assert event.get_data() == json.loads(record.value)
        versions[event.get_subject() or ""].append(int(event.get_extension("streamversion")))
        if event.get_subject() == "traced":
            # the relay's publish span continues the command's trace
            trace_id = headers["traceparent"].decode().split("-")[1]
            assert trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert {read_cloudevent(r).get_id() for r in records} >= set(ids)
    for stream, got in versions.items():
        assert got == sorted(got), f"{stream} out of order"


async def test_a_big_event_flows_whole_and_one_too_big_is_refused_unwritten(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, unique: str
) -> None:
    """Events of megabytes (a published version of a long roadmap) go through the relay and
    the projector, on topics made as the services make theirs (the broker's default takes
    1 MB); one bigger than an event may be is refused when appended, nothing written,
    rather than holding every event after it back in the relay."""
    logical = "sextant." + "".join(chr(ord("a") + int(c, 16)) for c in unique) + ".events.v1"
    await ensure_topics(settings, topics_for(settings, [logical]))
    topic = settings.topic(logical)
    await ThingsSeen.create_table(pool)
    await store.append(
        "big", "thing", [_event({"n": 1, "text": "x" * 3_000_000})], META, expected_version=0
    )
    too_big = _event({"n": 3, "text": "x" * MAX_EVENT_BYTES})
    with pytest.raises(EventTooLarge, match=r"FeedbackReceived would hold 8\.4 MB of data"):
        await store.append("big", "thing", [_event({"n": 2}), too_big], META, expected_version=1)
    with pytest.raises(EventTooLarge):
        await store.create_streams([NewStream("imported", "thing", too_big, META)])
    assert [e.event_id for e in await store.read_all(START, limit=10)] == [
        e.event_id for e in await store.read_stream("big")
    ]  # the one event that fits, and nothing of the others
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 1)
    await run_projector(settings, pool, topic, Metrics(), expected_rows=1)


def _event(payload: dict[str, object]) -> NewEvent:
    return NewEvent(uuid.uuid4(), "FeedbackReceived", 1, payload)


def read_cloudevent(record: ConsumerRecord[Any, Any]) -> BaseCloudEvent:
    """Decode with the official CloudEvents SDK, as a subscribing platform would."""
    message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    return from_binary_event(message)


async def test_relay_killed_between_publish_and_mark_still_applies_each_event_once(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=5, per_stream=10)
    crashed = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "tests.integration.crashing_relay",
            dsn,
            settings.kafka_bootstrap,
            topic,
        ],
        cwd=ROOT,
        timeout=60,
        capture_output=True,
    )
    assert crashed.returncode == -9, crashed.stderr.decode()[-2000:]
    relay_checkpoint = await pool.fetchval("SELECT count(*) FROM relay_checkpoints")
    assert relay_checkpoint == 0, "the crashed relay must not have marked progress"

    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 50)
    assert len(await read_topic(settings.kafka_bootstrap, topic, 100)) == 100  # each twice

    metrics = Metrics()
    await run_projector(settings, pool, topic, metrics, expected_rows=50)
    assert metrics.projection_duplicates.labels("things_seen")._value.get() == 50
    assert metrics.dead_letters._metrics == {}


async def test_the_relay_lag_grows_while_the_broker_is_out_of_reach(
    store: PostgresEventStore, dsn: str, topic: str
) -> None:
    await append_things(store, streams=1, per_stream=1)
    metrics = Metrics()
    nowhere = KafkaSink("127.0.0.1:1", client_id="test-relay-nowhere")
    relay = Relay(store, nowhere, registry, topic=topic, dsn=dsn, metrics=metrics)
    lags: list[float] = []
    for _ in range(2):
        await asyncio.sleep(0.6)
        with pytest.raises(Exception):  # noqa: B017, PT011 (the broker's errors have no common base)
            await relay.publish_batch()
        lag = metrics.registry.get_sample_value("sextant_relay_lag_seconds", {"topic": topic})
        lags.append(-1.0 if lag is None else lag)
    assert 0.6 <= lags[0] < lags[1], lags


async def test_poison_messages_go_to_the_dlq_and_the_rest_flows(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=1, per_stream=3)
    await store.append("thing-p", "thing", [_event({"poison": True})], META, expected_version=0)
    await append_things_after(store)
    good: list[RecordedEvent] = []

    async def all_visible() -> None:
        good[:] = await store.read_all(START, limit=100)
        assert len(good) == 5

    await eventually(all_visible)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for i, event in enumerate(good):
            record = encode(event, registry)
            await producer.send_and_wait(topic, record.value, key=b"k", headers=record.headers)
            if i == 1:  # garbage in the middle of the partition
                await producer.send_and_wait(
                    topic, b"not json", key=b"k", headers=record.headers[:1]
                )
                await producer.send_and_wait(topic, b"{oops", key=b"k", headers=record.headers)
    finally:
        await producer.stop()

    metrics = Metrics()
    await run_projector(settings, pool, topic, metrics, expected_rows=len(good) - 1)
    # The poison event is not counted as applied: re-driven from the DLQ, it would apply.
    applied = await pool.fetchval(
        "SELECT count(*) FROM projection_applied_events WHERE projection = 'things_seen'"
    )
    assert applied == len(good) - 1
    dead = await read_topic(settings.kafka_bootstrap, f"{topic}.dlq", 3)
    reasons = sorted(dict(r.headers)["sextant_dlq_reason"].decode() for r in dead)
    assert reasons == ["apply-failed", "invalid-envelope", "invalid-envelope"]
    errors = " ".join(dict(r.headers)["sextant_dlq_error"].decode() for r in dead)
    assert "poison" in errors
    assert "missing CloudEvents header" in errors
    assert "not JSON" in errors


async def append_things_after(store: PostgresEventStore) -> None:
    await store.append("thing-after", "thing", [_event({"n": 7})], META, expected_version=0)


async def test_the_same_batch_delivered_twice_is_applied_once(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=2, per_stream=5)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 10)
    broker = build_broker(settings, client_id="test-dlq")
    await broker.start()
    try:
        records = await read_topic(settings.kafka_bootstrap, topic, 10)
        metrics = Metrics()
        runner = ProjectionRunner(
            ThingsSeen(topic),
            pool,
            KafkaDeadLetters(broker, "things_seen", metrics),
            metrics=metrics,
        )
        await runner.handle(records)
        await runner.handle(records)
        await runner.handle(list(reversed(records)))
    finally:
        await broker.stop()
    assert await pool.fetchval("SELECT count(*) FROM things_seen") == 10
    stored = await runner.stored_offsets()
    assert sum(stored.values()) == 10  # next offset per partition, all partitions together


LINKED = registry.ce_type("FeedbackLinked", 1)


class _LinkedThingsSeen(ThingsSeen):
    """Consumes only the topic's FeedbackLinked events."""

    name = "linked_things_seen"

    def consumes(self, ce_type: str) -> bool:
        return ce_type == LINKED


async def test_event_types_a_projection_does_not_consume_are_moved_past_unclaimed(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    await ThingsSeen.create_table(pool)
    linked = set()
    for n in range(9):  # in every partition, the events it passes over come first
        event_type = "FeedbackLinked" if n >= 6 else "FeedbackReceived"
        event = NewEvent(uuid.uuid4(), event_type, 1, {"n": n})
        await store.append(f"thing-{n}", "thing", [event], META, expected_version=0)
        if event_type == "FeedbackLinked":
            linked.add(event.event_id)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 9)
    records = await read_topic(settings.kafka_bootstrap, topic, 9)
    others = [r for r in records if dict(r.headers)["ce_type"] != LINKED.encode()]
    assert len(others) == 6
    broker = build_broker(settings, client_id="test-consumes")
    await broker.start()
    try:
        runner = ProjectionRunner(
            _LinkedThingsSeen(topic), pool, KafkaDeadLetters(broker, "linked", None)
        )
        await runner.handle(others)  # nothing it consumes: the offsets move, nothing else
        past: dict[tuple[str, int], int] = {}
        for r in others:
            past[(r.topic, r.partition)] = max(past.get((r.topic, r.partition), 0), r.offset + 1)
        assert {
            (tp.topic, tp.partition): o for tp, o in (await runner.stored_offsets()).items()
        } == past
        assert await pool.fetchval("SELECT count(*) FROM things_seen") == 0
        await runner.handle(records)
    finally:
        await broker.stop()
    applied = await pool.fetch("SELECT event_id FROM things_seen")
    assert {r["event_id"] for r in applied} == linked
    claimed = await pool.fetch(
        "SELECT event_id FROM projection_applied_events WHERE projection = $1",
        "linked_things_seen",
    )
    assert {r["event_id"] for r in claimed} == linked  # the others were never claimed
    assert sum((await runner.stored_offsets()).values()) == 9


async def test_reset_replays_the_projection_from_the_start(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=3, per_stream=4)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 12)
    metrics = Metrics()
    await run_projector(settings, pool, topic, metrics, expected_rows=12)
    broker = build_broker(settings, client_id="test-reset")
    runner = ProjectionRunner(ThingsSeen(topic), pool, KafkaDeadLetters(broker, "x", None))
    await runner.reset()
    assert await pool.fetchval("SELECT count(*) FROM things_seen") == 0
    await run_projector(settings, pool, topic, metrics, expected_rows=12)


class _AssignmentsCounted(ProjectionRunner):
    """Counts the consumer group's assignments: each one reads the stored offsets once."""

    assignments = 0

    async def stored_offsets(self) -> dict[TopicPartition, int]:
        self.assignments += 1
        return await super().stored_offsets()


async def test_a_projector_of_many_idle_partitions_new_to_it_stays_in_its_group(
    settings: Settings,
    store: PostgresEventStore,
    dsn: str,
    pool: asyncpg.Pool,
    unique: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Partitions without stored offsets were sought one at a time, each waiting for the
    # fetcher's round (half a second on an idle topic) while no heartbeat went out: 24 of
    # them kept the member past its 10 s session timeout. Expelled three seconds later, it
    # joined again, sought again and was expelled again, consuming for three seconds in 15.
    topic = settings.topic(f"kit-{unique}-wide.events.v1")
    await ensure_topics(settings, [TopicSpec(topic, 24), TopicSpec(f"{topic}.dlq", 1)])
    await ThingsSeen.create_table(pool)
    broker = build_broker(settings, client_id="test-wide")
    runner = _AssignmentsCounted(ThingsSeen(topic), pool, KafkaDeadLetters(broker, "wide", None))
    subscribe(broker, runner, [topic], batch_size=50, group_prefix=f"{topic}.")
    await broker.start()
    try:

        async def assigned() -> None:
            assert runner.assignments >= 1

        await eventually(assigned)
        await asyncio.sleep(18)  # the topic stays idle past the expulsion's rejoin
        assert runner.assignments == 1
        await append_things(store, streams=1, per_stream=1)
        await publish_all(store, dsn, topic, settings.kafka_bootstrap, 1)

        async def applied() -> None:
            assert await pool.fetchval("SELECT count(*) FROM things_seen") == 1

        await eventually(applied)
    finally:
        await broker.stop()
    # Nor a warning on the way: no heartbeat refused, no topic it would not create.
    warned = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and r.name in ("aiokafka.consumer.group_coordinator", "sextant.kafka.test-wide")
    ]
    assert warned == []


async def test_the_projector_handles_its_batches_without_a_worker_thread(
    settings: Settings,
    store: PostgresEventStore,
    dsn: str,
    pool: asyncpg.Pool,
    topic: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A hop through a worker thread per batch waits for the GIL behind the busy event loop.
    hops: list[Any] = []
    through_a_thread = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(func)
        return await through_a_thread(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=3, per_stream=4)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 12)
    await run_projector(settings, pool, topic, Metrics(), expected_rows=12)
    assert hops == []


class _Stalling(ThingsSeen):
    """Applies its batch, then keeps the batch's transaction open until released."""

    def __init__(self, topic: str) -> None:
        super().__init__(topic)
        self.inside = asyncio.Event()
        self.release = asyncio.Event()

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await super().apply(conn, event)
        self.inside.set()
        await self.release.wait()


class _Letters:
    def __init__(self) -> None:
        self.sent: list[DeadLetter] = []

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        self.sent.extend(letters)


async def test_a_projector_batch_still_open_does_not_hold_the_relay_back(
    settings: Settings, store: PostgresEventStore, dsn: str, pool: asyncpg.Pool, topic: str
) -> None:
    """A projector's batch promises to append no events, so events committed while it runs
    are readable at once (before, the relay waited for the batch to end)."""
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=1, per_stream=1)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 1)
    records = await read_topic(settings.kafka_bootstrap, topic, 1)
    projection, letters = _Stalling(topic), _Letters()
    batch = asyncio.create_task(ProjectionRunner(projection, pool, letters).handle(records))
    try:
        await asyncio.wait_for(projection.inside.wait(), 20)
        later = _event({"n": 1})
        await store.append("later", "thing", [later], META, expected_version=None)

        async def readable_meanwhile() -> None:
            assert later.event_id in [e.event_id for e in await store.read_all()]
            assert not await store.held_back(START)

        await eventually(readable_meanwhile)
        assert not batch.done()  # the batch's transaction was open all along
    finally:
        projection.release.set()
        await batch
    assert letters.sent == []
    assert await pool.fetchval("SELECT count(*) FROM things_seen") == 1


@pytest.mark.parametrize("stored_before", [False, True], ids=["new-partitions", "stored"])
async def test_two_consumers_given_the_same_batch_apply_each_event_once(
    settings: Settings,
    store: PostgresEventStore,
    dsn: str,
    pool: asyncpg.Pool,
    topic: str,
    stored_before: bool,
) -> None:
    """During a rebalance two consumers can hold the same records: the second waits for the
    first's transaction and then applies nothing again, with or without stored offsets."""
    await ThingsSeen.create_table(pool)
    await append_things(store, streams=3, per_stream=4)
    await publish_all(store, dsn, topic, settings.kafka_bootstrap, 12)
    records = await read_topic(settings.kafka_bootstrap, topic, 12)
    letters = _Letters()
    if stored_before:  # every partition has a stored offset row to lock
        first = {r.partition: r for r in sorted(records, key=lambda r: -r.offset)}
        await ProjectionRunner(ThingsSeen(topic), pool, letters).handle(list(first.values()))
    stalling = _Stalling(topic)
    one = asyncio.create_task(ProjectionRunner(stalling, pool, letters).handle(records))
    try:
        await asyncio.wait_for(stalling.inside.wait(), 20)
        other = asyncio.create_task(
            ProjectionRunner(ThingsSeen(topic), pool, letters).handle(records)
        )
        await asyncio.sleep(0.3)
        assert not other.done()  # waiting for the first consumer's transaction
    finally:
        stalling.release.set()
    await asyncio.gather(one, other)
    assert letters.sent == []
    assert await pool.fetchval("SELECT count(*) FROM things_seen") == 12
    stored = await ProjectionRunner(ThingsSeen(topic), pool, letters).stored_offsets()
    assert sum(stored.values()) == 12


async def test_the_running_relay_marks_its_progress_behind_it(
    settings: Settings, store: PostgresEventStore, dsn: str, topic: str
) -> None:
    """The running relay marks progress while it reads on; by the time it stops, its
    checkpoint is where it got to, and a fresh relay publishes nothing twice."""
    relay = make_relay(store, dsn, topic, settings.kafka_bootstrap)
    running = asyncio.create_task(relay.run())
    try:
        for n in range(4):  # one at a time: several batches, several marks
            await store.append(f"one-{n}", "thing", [_event({"n": n})], META, expected_version=0)
            await asyncio.sleep(0.05)

        async def marked() -> None:
            assert await relay.checkpoint() == await store.head()

        await eventually(marked)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await relay.close()
    again = make_relay(store, dsn, topic, settings.kafka_bootstrap)
    try:
        assert await again.publish_batch() == 0
    finally:
        await again.close()
    assert len(await read_topic(settings.kafka_bootstrap, topic, 5, timeout_ms=3000)) == 4
