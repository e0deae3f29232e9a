"""Projections: Kafka -> PostgreSQL read models with an exactly-once effect.

Each batch is one PostgreSQL transaction holding the read-model changes, the ids of the
events applied and the next offset per partition. On (re)assignment the consumer seeks to
the offsets stored there, so Kafka's own committed offsets are only advisory. A record that
cannot be decoded or applied goes to ``<topic>.dlq`` with the reason in its headers, is
counted, and the partition moves on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage, Topic
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from sextant_kit import envelope, telemetry
from sextant_kit.database import Connection
from sextant_kit.envelope import IncomingEvent
from sextant_kit.eventstore import NO_EVENTS_PROMISE
from sextant_kit.metrics import Metrics

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.OperatorInterventionError,
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
)
"""Errors that say nothing about the message: the batch is retried, never dead-lettered."""


class Projection(Protocol):
    """A read model built from events. ``apply`` runs inside the batch's transaction.

    A projection may also define ``async apply_many(conn, events)``; the runner then hands
    it whole batches (in order), which lets it write many rows per statement.

    A projection that reads only some of its topics' event types may define
    ``consumes(ce_type) -> bool`` (see :meth:`EventRegistry.consumer_of`). The runner
    passes over the records it returns ``False`` for, by their ``ce_type`` header: not
    decoded, claimed or applied, only moved past. A batch of nothing else is one
    statement that stores the offsets past it, with no transaction around it.

    The batch's transaction holds :data:`~sextant_kit.eventstore.NO_EVENTS_PROMISE`, so
    ``conn`` must never be used to append events (a projection that appends does so
    through the event store, in the store's own transactions).
    """

    name: str
    topics: Sequence[str]
    tables: Sequence[str]

    async def apply(self, conn: Connection, event: IncomingEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class DeadLetter:
    record: ConsumerRecord[Any, Any]
    reason: str
    error: str
    event_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Decoded:
    """A batch as read: its records, the events among them in order, and the records that
    are not valid events (dead letters unless the batch was applied before)."""

    records: Sequence[ConsumerRecord[Any, Any]]
    events: list[tuple[ConsumerRecord[Any, Any], IncomingEvent]]
    invalid: list[DeadLetter]


class DeadLetterSink(Protocol):
    async def send(self, letters: Sequence[DeadLetter]) -> None: ...


COMMIT_INTERVAL = 5.0
"""Seconds between commits of a projector's consumed offsets to Kafka (advisory only)."""

DECODE_SLICE = 250
"""Records decoded between two turns of the event loop (a few milliseconds of work)."""

CREDENTIAL_HEADERS = frozenset({"authorization"})
"""Never copied into a dead letter: a DLQ topic is read by operators, not by the producer."""


class KafkaDeadLetters:
    """Publishes to ``<topic>.dlq`` keeping key, value and headers (credentials dropped),
    adding the reason."""

    def __init__(self, broker: KafkaBroker, projection: str, metrics: Metrics | None) -> None:
        self._broker = broker
        self._projection = projection
        self._metrics = metrics

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters:
            rec = letter.record
            headers = {
                k: v.decode(errors="replace")
                for k, v in (rec.headers or ())
                if k.lower() not in CREDENTIAL_HEADERS
            }
            headers.update(
                {
                    "sextant_dlq_reason": letter.reason,
                    "sextant_dlq_error": letter.error[:2000],
                    "sextant_dlq_projection": self._projection,
                    "sextant_dlq_topic": rec.topic,
                    "sextant_dlq_partition": str(rec.partition),
                    "sextant_dlq_offset": str(rec.offset),
                }
            )
            await self._broker.publish(
                rec.value if rec.value is not None else b"",
                f"{rec.topic}.dlq",
                key=rec.key,
                headers=headers,
            )
            if self._metrics is not None:
                self._metrics.dead_letters.labels(rec.topic, letter.reason).inc()


_LOCK_CLAIM_AND_MOVE = f"""
WITH promise AS MATERIALIZED (
    -- The batch appends no events: readers of the event store need not wait for it.
    SELECT {NO_EVENTS_PROMISE}
), stored AS (
    -- FOR UPDATE: a second consumer of the same partition (during a rebalance) waits here
    -- and then sees the offsets this batch stored, instead of applying twice.
    SELECT topic, partition, next_offset FROM projection_checkpoints
    WHERE projection = $1
      AND (topic, partition) IN (SELECT * FROM unnest($2::text[], $3::int[]))
    FOR UPDATE
), claimed AS (
    INSERT INTO projection_applied_events (projection, event_id)
    SELECT $1, e.event_id
    FROM unnest($4::uuid[], $5::text[], $6::int[], $7::bigint[])
         AS e(event_id, topic, partition, record_offset)
    LEFT JOIN stored s USING (topic, partition)
    WHERE e.record_offset >= coalesce(s.next_offset, 0)
    ON CONFLICT DO NOTHING
    RETURNING event_id
), moved AS (
    -- Past the whole batch (what fails in it is dead-lettered, not retried). Joined to
    -- ``stored`` so that each row is locked and read there before it is updated here.
    INSERT INTO projection_checkpoints (projection, topic, partition, next_offset, event_time)
    SELECT $1, x.topic, x.partition, x.next_offset, $9
    FROM unnest($2::text[], $3::int[], $8::bigint[]) AS x(topic, partition, next_offset)
    LEFT JOIN stored s USING (topic, partition)
    ON CONFLICT (projection, topic, partition) DO UPDATE SET
        next_offset = greatest(projection_checkpoints.next_offset, excluded.next_offset),
        event_time = greatest(excluded.event_time, projection_checkpoints.event_time),
        updated_at = now()
)
SELECT topic, partition, next_offset, NULL::uuid AS event_id FROM stored
UNION ALL
SELECT NULL, NULL, NULL, event_id FROM claimed
UNION ALL
SELECT NULL, NULL, NULL, NULL FROM promise
"""
"""One round trip for a batch's bookkeeping: lock its partitions' stored offsets (returned
as they were), claim the ids of the events at or after them, and store the offsets past
the batch. All of it commits with the read-model changes, or none of it."""


class _BatchFailed(Exception):
    """An event of the batch failed to apply: the batch is applied again, one by one."""


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        pool: asyncpg.Pool,
        dead_letters: DeadLetterSink,
        *,
        metrics: Metrics | None = None,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self.projection = projection
        self._pool = pool
        self._dead_letters = dead_letters
        self._metrics = metrics
        self._tracer = tracer or trace.get_tracer("sextant.projection")
        self._consumes: Callable[[str], bool] | None = getattr(projection, "consumes", None)

    @property
    def name(self) -> str:
        return self.projection.name

    async def stored_offsets(self) -> dict[TopicPartition, int]:
        rows = await self._pool.fetch(
            "SELECT topic, partition, next_offset FROM projection_checkpoints"
            " WHERE projection = $1",
            self.name,
        )
        return {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}

    async def decode(self, records: Sequence[ConsumerRecord[Any, Any]]) -> Decoded:
        """Decode a batch outside any transaction, in slices: between them the event loop
        serves whatever else shares the process (HTTP requests, a batch being written)."""
        events: list[tuple[ConsumerRecord[Any, Any], IncomingEvent]] = []
        invalid: list[DeadLetter] = []
        for start in range(0, len(records), DECODE_SLICE):
            if start:
                await asyncio.sleep(0)
            for record in records[start : start + DECODE_SLICE]:
                if self._passes_over(record):
                    continue
                try:
                    events.append((record, envelope.decode(record.headers or (), record.value)))
                except envelope.EnvelopeError as error:
                    invalid.append(DeadLetter(record, "invalid-envelope", str(error)))
        return Decoded(records, events, invalid)

    def _passes_over(self, record: ConsumerRecord[Any, Any]) -> bool:
        """Whether ``record`` is an event type the projection does not consume. A record
        without a readable ``ce_type`` is decoded (and dead-lettered) as usual."""
        if self._consumes is None:
            return False
        for name, raw in record.headers or ():
            if name == "ce_type":
                try:
                    return not self._consumes(raw.decode())
                except UnicodeDecodeError:
                    return False
        return False

    async def handle(self, records: Sequence[ConsumerRecord[Any, Any]]) -> None:
        """Apply one batch. Raises only on transient errors (the caller retries the batch)."""
        await self.apply(await self.decode(records))

    async def apply(self, batch: Decoded) -> None:
        """Apply a decoded batch in one transaction; records already applied are skipped.

        The batch is applied in one go. Should one of its events fail, that transaction is
        rolled back and the batch applied again in a new one, event by event under
        savepoints, so only the events that fail are dead-lettered.
        """
        if not batch.records:
            return
        if not batch.events and not batch.invalid:  # all passed over: only move past them
            async with self._pool.acquire() as conn:
                await self._lock_claim_and_move(conn, batch)
            return
        try:
            todo, failed, skipped = await self._apply_in_transaction(batch, one_by_one=False)
        except _BatchFailed:
            todo, failed, skipped = await self._apply_in_transaction(batch, one_by_one=True)
        if self._metrics is not None:
            self._metrics.projected.labels(self.name).inc(len(todo) - len(failed))
            if skipped:
                self._metrics.projection_duplicates.labels(self.name).inc(skipped)
            if todo and todo[-1][1].time is not None:
                age = (datetime.now(UTC) - todo[-1][1].time).total_seconds()
                self._metrics.projection_lag_seconds.labels(self.name).set(max(age, 0.0))

    async def _apply_in_transaction(
        self, batch: Decoded, *, one_by_one: bool
    ) -> tuple[list[tuple[ConsumerRecord[Any, Any], IncomingEvent]], list[DeadLetter], int]:
        """Returns the events to apply, those of them that failed, and the duplicates."""
        async with self._pool.acquire() as conn, conn.transaction():
            offsets, new_ids = await self._lock_claim_and_move(conn, batch)

            def fresh(r: ConsumerRecord[Any, Any]) -> bool:
                return bool(r.offset >= offsets.get((r.topic, r.partition), 0))

            decoded = [(r, e) for r, e in batch.events if fresh(r)]
            dead = [d for d in batch.invalid if fresh(d.record)]
            todo = []
            for record, event in decoded:  # a batch can hold both copies of a republished event
                if event.id in new_ids:
                    new_ids.discard(event.id)
                    todo.append((record, event))
            failed: list[DeadLetter] = []
            if one_by_one:
                failed = await self._apply_one_by_one(conn, todo)
            elif todo:
                try:
                    await self._apply_batch(conn, todo)
                except TRANSIENT_ERRORS:
                    raise
                except Exception as error:
                    raise _BatchFailed from error
            if failed:  # not applied, so a re-drive from the DLQ must not count as a duplicate
                await conn.execute(
                    "DELETE FROM projection_applied_events"
                    " WHERE projection = $1 AND event_id = ANY($2::uuid[])",
                    self.name,
                    [d.event_id for d in failed],
                )
            dead += failed
            if dead:
                await self._dead_letters.send(dead)
        return todo, failed, len(decoded) - len(todo)

    async def _lock_claim_and_move(
        self, conn: Connection, batch: Decoded
    ) -> tuple[dict[tuple[str, int], int], set[UUID]]:
        """Lock the batch's partitions' stored offsets, claim the ids of the events at or
        after them and store the offsets past the batch, in one round trip. Returns the
        offsets as they were and the ids newly claimed (an id already there was applied
        before: a republished copy)."""
        past: dict[tuple[str, int], int] = {}
        for r in batch.records:
            key = (r.topic, r.partition)
            past[key] = max(past.get(key, 0), r.offset + 1)
        parts = sorted(past)
        events = batch.events
        rows = await conn.fetch(
            _LOCK_CLAIM_AND_MOVE,
            self.name,
            [p[0] for p in parts],
            [p[1] for p in parts],
            [e.id for _, e in events],
            [r.topic for r, _ in events],
            [r.partition for r, _ in events],
            [r.offset for r, _ in events],
            [past[p] for p in parts],
            max((e.time for _, e in events if e.time is not None), default=None),
        )
        offsets = {(r["topic"], r["partition"]): r["next_offset"] for r in rows if r["topic"]}
        return offsets, {r["event_id"] for r in rows if r["event_id"] is not None}

    async def _apply_one_by_one(
        self, conn: Connection, todo: list[tuple[ConsumerRecord[Any, Any], IncomingEvent]]
    ) -> list[DeadLetter]:
        """Apply each event under a savepoint: a failure undoes only that event."""
        dead: list[DeadLetter] = []
        for item in todo:
            try:
                async with conn.transaction():
                    await self._apply_batch(conn, [item])
            except TRANSIENT_ERRORS:
                raise
            except Exception as error:
                dead.append(self._dead(item, error))
        return dead

    async def _apply_batch(
        self, conn: Connection, todo: list[tuple[ConsumerRecord[Any, Any], IncomingEvent]]
    ) -> None:
        # One span per batch: the parent is the event's own trace when the batch holds one
        # event; otherwise every event's trace is linked (OpenTelemetry's batch pattern).
        contexts = [
            trace.get_current_span(
                telemetry.context_from(e.traceparent, e.tracestate)
            ).get_span_context()
            for _, e in todo
        ]
        parent = (
            telemetry.context_from(todo[0][1].traceparent, todo[0][1].tracestate)
            if len(todo) == 1
            else None
        )
        links = [trace.Link(c) for c in contexts[:128] if c.is_valid] if len(todo) > 1 else []
        with self._tracer.start_as_current_span(
            f"{todo[0][0].topic} process",
            context=parent,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": todo[0][0].topic,
                "messaging.batch.message_count": len(todo),
                "sextant.projection": self.name,
            },
        ):
            events = [event for _, event in todo]
            apply_many = getattr(self.projection, "apply_many", None)
            if apply_many is not None:
                await apply_many(conn, events)
            else:
                for event in events:
                    await self.projection.apply(conn, event)

    def _dead(
        self, item: tuple[ConsumerRecord[Any, Any], IncomingEvent], error: Exception
    ) -> DeadLetter:
        record, event = item
        log.warning(
            "projection %s: event %s (%s) dead-lettered: %s", self.name, event.id, event.type, error
        )
        return DeadLetter(record, "apply-failed", f"{type(error).__name__}: {error}", event.id)

    async def reset(self) -> None:
        """Forget everything this projection built, so it replays from the start."""
        async with self._pool.acquire() as conn, conn.transaction():
            for table in self.projection.tables:
                await conn.execute(f'TRUNCATE "{table}"')
            await conn.execute(
                "DELETE FROM projection_checkpoints WHERE projection = $1", self.name
            )
            await conn.execute(
                "DELETE FROM projection_applied_events WHERE projection = $1", self.name
            )


_FORGET = """
DELETE FROM projection_applied_events WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM projection_applied_events WHERE applied_at < now() - $1::interval LIMIT $2))
"""


async def forget_applied(pool: asyncpg.Pool, older_than: timedelta, *, chunk: int = 10_000) -> int:
    """Delete dedupe ids applied longer than ``older_than`` ago, ``chunk`` rows per short
    transaction (a projector's batch never waits long behind it). Returns how many went.

    Offsets stored with each batch already keep a redelivered record from being applied
    twice; the ids only catch a duplicate the relay republished at a later offset, which
    happens within seconds of the original.
    """
    forgotten = 0
    while True:
        status = await pool.execute(_FORGET, older_than, chunk)
        deleted = int(status.split()[-1])
        forgotten += deleted
        if deleted < chunk:
            return forgotten


async def keep_forgetting(pool: asyncpg.Pool, older_than: timedelta, every: float = 900) -> None:
    """:func:`forget_applied` every ``every`` seconds until cancelled."""
    while True:
        try:
            forgotten = await forget_applied(pool, older_than)
            if forgotten:
                log.info("forgot %d applied event ids older than %s", forgotten, older_than)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the next round retries; pruning must not stop a projector
            log.warning("pruning applied event ids failed: %s", error)
        await asyncio.sleep(every)


class _SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ProjectionRunner, consumer: Callable[[], AIOKafkaConsumer]) -> None:
        self._runner = runner
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        return None

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        """Resume each partition where the read model's own offsets say, the others from
        the start. The partitions without offsets are sought in one call: each call waits
        for the fetcher's round (up to half a second), and no heartbeat goes out meanwhile,
        so one call per partition kept a consumer of many new partitions (15 for the query
        service's audit log) past its session timeout and out of its group, again and
        again."""
        stored = await self._runner.stored_offsets()
        consumer = self._consumer()
        for tp in assigned & stored.keys():
            consumer.seek(tp, stored[tp])
        if fresh := assigned - stored.keys():
            await consumer.seek_to_beginning(*fresh)


async def _the_message(message: KafkaMessage) -> KafkaMessage:
    """The handler's argument is the message itself: the runner decodes CloudEvents itself,
    so a bad record can be dead-lettered.

    It comes as the body rather than through faststream's ``Context`` field because
    fast_depends resolves such a field (its ``use`` is synchronous) in anyio's worker
    threads: once per batch the message went through a thread and back, and while the event
    loop held the GIL that thread waited up to the switch interval (5 ms) for it. The
    handler clears the message's cache of its body, which would otherwise be a reference
    cycle holding the whole batch until a full garbage collection.
    """
    return message


async def _headers_as_they_came(
    records: tuple[ConsumerRecord[Any, Any], ...],
    original: Callable[[tuple[ConsumerRecord[Any, Any], ...]], Awaitable[Any]],
) -> Any:
    """faststream decodes every header of a batch as UTF-8 before the handler runs: a record
    with a header that is not (another platform's, on the inbound topic) failed its whole
    batch there, neither applied nor nacked, and the consumer went on past it. Such a batch
    is made from its headers read leniently; the handler still reads the records as they
    came, so the envelope dead-letters the one with the bad header and applies the rest."""
    try:
        return await original(records)
    except UnicodeDecodeError:
        lenient = tuple(
            replace(r, headers=[(k, v.decode(errors="replace").encode()) for k, v in r.headers])
            for r in records
        )
        message = await original(lenient)
        message.raw_message = records
        return message


def subscribe(
    broker: KafkaBroker,
    runner: ProjectionRunner,
    topics: Sequence[str],
    *,
    batch_size: int,
    group_prefix: str = "",
) -> None:
    """Register the runner on ``broker`` as consumer group ``<prefix>sextant.<projection>``."""
    holder: dict[str, Any] = {}
    # MANUAL: the handler says what happens to each batch. One that failed (the database is
    # down, the DLQ cannot be written) is nacked: the consumer rewinds to its first record
    # and fetches it again (moving past it, later batches would store offsets beyond it and
    # those events would never reach the read model). Applied batches are committed to Kafka
    # at most every COMMIT_INTERVAL: those offsets only inform Kafka's own lag tools (the
    # consumer resumes from the offsets stored in PostgreSQL), and a commit per batch cost
    # a broker round trip before the next fetch.
    subscriber = broker.subscriber(
        *(Topic(topic, declare=False) for topic in topics),
        group_id=f"{group_prefix}sextant.{runner.name}",
        batch=True,
        max_records=batch_size,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_the_message,
        parser=_headers_as_they_came,
        listener=_SeekToStoredOffsets(runner, lambda: holder["subscriber"].consumer),
    )
    holder["subscriber"] = subscriber
    _wait_without_napping(subscriber, batch_size)
    backoff = _Backoff()
    committed_at = 0.0

    @subscriber
    async def handle(message: Any) -> None:  # KafkaMessage: see _the_message
        nonlocal committed_at
        message.clear_cache()  # the body cached is the message itself: a cycle to free
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        try:
            await runner.handle(records)
        except Exception as error:
            delay = backoff.next()
            log.warning(
                "projection %s: batch of %d not applied (%r); redelivered in %.1fs",
                runner.name,
                len(records),
                error,
                delay,
            )
            await asyncio.sleep(delay)  # not a hot loop while the database is away
            await message.nack()
            return
        backoff.reset()
        if time.monotonic() - committed_at >= COMMIT_INTERVAL:
            committed_at = time.monotonic()
            try:
                await message.ack()
            except KafkaError as error:  # during a rebalance, say; the next commit covers it
                log.info("projection %s: offsets not committed to Kafka: %r", runner.name, error)


def _wait_without_napping(subscriber: Any, max_records: int, wait_ms: int = 1000) -> None:
    """Make the batch subscriber wait for records the way a lone consumer would.

    faststream's batch subscriber sleeps for its whole wait again after a wait that found
    nothing, deaf to records arriving meanwhile: an idle projector took the next event up
    to 200 ms late (50 ms on average), and read-your-writes waited with it. Fetching is
    all it needs to do; an empty wait just returns to the consume loop, which asks again.
    """

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[ConsumerRecord[Any, Any], ...]:
        found = await consumer.getmany(timeout_ms=wait_ms, max_records=max_records)
        return tuple(chain.from_iterable(found.values()))

    subscriber.get_msg = get_msg


class _Backoff:
    """Doubling delays between retries of a failing batch, reset by the first success."""

    def __init__(self, first: float = 0.1, most: float = 5.0) -> None:
        self._first = first
        self._most = most
        self._delay = first

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self._most)
        return delay

    def reset(self) -> None:
        self._delay = self._first
