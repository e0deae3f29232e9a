"""The outbox relay: moves committed events from the store to Kafka, at least once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from sextant_kit import envelope, telemetry
from sextant_kit.coalesce import Coalesced
from sextant_kit.eventstore import NOTIFY_CHANNEL, START, GlobalPosition, PostgresEventStore
from sextant_kit.kafka import MAX_RECORD_BYTES
from sextant_kit.metrics import Metrics
from sextant_kit.registry import EventRegistry

log = logging.getLogger(__name__)


HELD_BACK_PAUSE = 0.002
"""First pause before reading again while committed events wait behind an open transaction."""
HELD_BACK_MOST = 0.05
"""The pause doubles while they stay held back, up to this."""


class KafkaSink:
    """The relay's producer: idempotent, ``acks=all``, keyed by aggregate id.

    Plain aiokafka rather than the faststream broker: the relay only ever produces, and at
    bulk rates faststream's per-message publish machinery costs as much as the send itself.
    """

    def __init__(self, bootstrap: str, *, client_id: str) -> None:
        self._bootstrap = bootstrap
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                enable_idempotence=True,
                acks="all",
                linger_ms=5,
                max_batch_size=512 * 1024,
                max_request_size=MAX_RECORD_BYTES,
            )
            try:
                await producer.start()
            except BaseException:
                await producer.stop()  # its connections and tasks, not left to the next try
                raise
            self._producer = producer

    async def stop(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def send(self, topic: str, record: envelope.KafkaRecord) -> asyncio.Future[Any]:
        await self.start()
        assert self._producer is not None
        future: asyncio.Future[Any] = await self._producer.send(
            topic, record.value, key=record.key, headers=record.headers
        )
        return future


class Relay:
    """Publishes the store's events in global order and marks progress after the broker acks.

    Wakes on NOTIFY over a dedicated connection; polls as well, so a lost notification only
    delays, never strands, an event. Events that committed while an older transaction was
    still open (a projector's batch in the same database, say) are not safe to read
    yet: no NOTIFY follows that transaction's end, so the relay looks again after a few
    milliseconds, doubling the pause up to 50 ms while they stay held back.
    Crashing between publish and mark republishes the same events: consumers deduplicate
    by event id.
    """

    def __init__(
        self,
        store: PostgresEventStore,
        sink: KafkaSink,
        registry: EventRegistry,
        *,
        topic: str,
        dsn: str,
        name: str = "kafka",
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        metrics: Metrics | None = None,
        tracer: trace.Tracer | None = None,
    ) -> None:
        self._store = store
        self._sink = sink
        self._registry = registry
        self._topic = topic
        self._dsn = dsn
        self._name = name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._metrics = metrics
        self._tracer = tracer or trace.get_tracer("sextant.relay")
        self._wake = asyncio.Event()
        self._position: GlobalPosition | None = None
        """Where the last batch ended: read from the checkpoint once, then kept here (one
        relay per service writes that checkpoint)."""
        self._held_pause = HELD_BACK_PAUSE
        self._marker = Coalesced(self._mark_latest)

    async def checkpoint(self) -> GlobalPosition:
        row = await self._store.pool.fetchrow(
            "SELECT transaction_id::text::bigint AS t, position FROM relay_checkpoints "
            "WHERE name = $1",
            self._name,
        )
        return START if row is None else GlobalPosition(row["t"], row["position"])

    async def _mark(self, position: GlobalPosition) -> None:
        await self._store.pool.execute(
            "INSERT INTO relay_checkpoints (name, transaction_id, position) "
            "VALUES ($1, $2::text::xid8, $3) ON CONFLICT (name) DO UPDATE "
            "SET transaction_id = excluded.transaction_id, position = excluded.position, "
            "updated_at = now()",
            self._name,
            str(position.transaction_id),
            position.position,
        )

    async def publish_batch(self, *, mark_behind: bool = False) -> int:
        """Publish the next batch after the checkpoint; return how many events went out.

        Progress is marked before this returns, or, with ``mark_behind`` (the running
        relay), by a task of its own while the next batch is read: that commit then costs
        the relay's cycle nothing. Killed before the mark, the relay publishes those events
        again, and consumers deduplicate them.
        """
        if self._position is None:
            self._position = await self.checkpoint()
        after = self._position
        events = await self._store.read_all(after, limit=self._batch_size)
        if not events:
            self._lagging(None)
            return 0
        # How long the oldest event waits, before it is sent: while the broker is away the
        # batch fails and is read again, so the lag keeps growing, as its alert expects.
        self._lagging(events[0].recorded_at)
        pending: list[asyncio.Future[Any]] = []
        for event in events:
            if event.metadata.traceparent is None:  # bulk ingestion: nothing to continue
                pending.append(
                    await self._sink.send(self._topic, envelope.encode(event, self._registry))
                )
                continue
            parent = telemetry.context_from(event.metadata.traceparent, event.metadata.tracestate)
            with self._tracer.start_as_current_span(
                f"{self._topic} publish",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": self._topic,
                    "messaging.message.id": str(event.event_id),
                },
            ):
                trace_headers: dict[str, str] = {}
                telemetry.inject_headers(trace_headers)
                record = envelope.encode(
                    event,
                    self._registry,
                    traceparent=trace_headers.get("traceparent"),
                    tracestate=trace_headers.get("tracestate"),
                )
                pending.append(await self._sink.send(self._topic, record))
        await asyncio.gather(*pending)
        last = events[-1]
        self._position = GlobalPosition(last.transaction_id, last.position)
        if mark_behind:
            self._marker.request()
        else:
            await self._mark(self._position)
        if self._metrics is not None:
            self._metrics.relay_published.labels(self._topic).inc(len(events))
        self._lagging(last.recorded_at)
        return len(events)

    def _lagging(self, oldest_waiting: datetime | None) -> None:
        """The relay's lag: the age of the oldest event not yet published (0 for none)."""
        if self._metrics is not None:
            age = (
                0.0
                if oldest_waiting is None
                else (datetime.now(UTC) - oldest_waiting).total_seconds()
            )
            self._metrics.relay_lag_seconds.labels(self._topic).set(max(age, 0.0))

    async def _mark_latest(self) -> bool:
        """Mark the latest position (a mark asked for while one is on its way writes the
        position reached by then)."""
        assert self._position is not None
        try:
            await self._mark(self._position)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            log.warning(
                "relay %s: progress not marked (%s); the next batch will", self._topic, error
            )
            return False
        return True

    async def close(self) -> None:
        await self._sink.stop()

    def wake(self) -> None:
        self._wake.set()

    async def _pause(self) -> float:
        """How long to wait for a NOTIFY before reading again."""
        if self._wake.is_set():  # one came while reading: read again now
            return 0.0
        if not await self._store.held_back(self._position or START):
            self._held_pause = HELD_BACK_PAUSE
            return self._poll_interval
        pause, self._held_pause = self._held_pause, min(self._held_pause * 2, HELD_BACK_MOST)
        return pause

    async def _listen(self) -> asyncpg.Connection:
        listener = await asyncpg.connect(self._dsn)
        await listener.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
        # Lost (the server restarted): wake now, so the loop reconnects instead of sleeping
        # a whole poll interval deaf to notifications.
        listener.add_termination_listener(lambda *_: self._wake.set())
        return listener

    async def run(self) -> None:
        """Publish until cancelled. Transient broker or database errors are retried; the
        NOTIFY connection is reopened when the server dropped it (a restart, a failover)."""
        listener: asyncpg.Connection | None = None
        backoff = 0.1
        try:
            while True:
                try:
                    if listener is None or listener.is_closed():
                        listener = await self._listen()
                    started = time.perf_counter()
                    self._wake.clear()  # a NOTIFY from now on means: read again
                    published = await self.publish_batch(mark_behind=True)
                    full = published >= self._batch_size
                    pause = 0.0 if full else await self._pause()
                    backoff = 0.1
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                    log.warning("relay %s: %s; retrying in %.1fs", self._topic, error, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                except Exception as error:  # the broker's errors have no common base here
                    log.warning(
                        "relay %s failed to publish: %r; retrying in %.1fs",
                        self._topic,
                        error,
                        backoff,
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                if full:
                    continue
                log.debug(
                    "relay %s: %d events in %.3fs",
                    self._topic,
                    published,
                    time.perf_counter() - started,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)
        finally:
            with contextlib.suppress(Exception):  # let the last mark land
                await self._marker.wait()
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()
