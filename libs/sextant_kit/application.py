"""The command side of a service: load a stream, decide, append."""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from weakref import WeakValueDictionary

from sextant_kit.decider import Decider
from sextant_kit.errors import ConcurrencyError, Conflict
from sextant_kit.events import Command, Event, EventMetadata, RecordedEvent
from sextant_kit.eventstore import NO_STREAM, AppendResult, NewEvent, PostgresEventStore
from sextant_kit.ids import uuid7
from sextant_kit.registry import EventRegistry

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")


def ensure_stream_type(recorded: Sequence[RecordedEvent], stream_type: str) -> None:
    """Ids can come from clients: one id must never mix two aggregates' events (409)."""
    if recorded and recorded[0].stream_type != stream_type:
        raise Conflict(
            f"{recorded[0].stream_id} already identifies a {recorded[0].stream_type}, "
            f"not a {stream_type}; use another id",
            code="id-taken",
        )


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A client's idempotency key and a fingerprint of the request it came with."""

    key: str
    request_hash: str

    @classmethod
    def of(cls, key: str | None, *parts: str) -> Idempotency | None:
        if key is None:
            return None
        return cls(key, hashlib.sha256("\n".join(parts).encode()).hexdigest())


DECIDE_ATTEMPTS = 10
"""How often a command without the caller's expected version is decided again when other
writers keep appending to its stream between its read and its append (then a 409)."""

STATES_KEPT = 2048
"""Aggregate states a handler keeps between commands (least recently used go first)."""


@dataclass(frozen=True, slots=True)
class _Loaded(Generic[S]):
    state: S
    version: int
    tenant_id: str | None


class CommandHandler(Generic[C, E, S]):
    """Runs one aggregate type's decider against its stream in the store."""

    def __init__(
        self,
        store: PostgresEventStore,
        registry: EventRegistry,
        decider: Decider[C, E, S],
        *,
        stream_type: str,
        new_event_id: Callable[[], uuid.UUID] = uuid7,
    ) -> None:
        self._store = store
        self._registry = registry
        self._decider = decider
        self._stream_type = stream_type
        self._new_event_id = new_event_id
        self._states: OrderedDict[str, _Loaded[S]] = OrderedDict()
        self._turns: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    async def load(self, stream_id: str) -> tuple[S, int]:
        """The stream's state and version. A stream of another type under the same id is a
        409: ids can come from clients, and one id must never mix two aggregates' events."""
        loaded = await self.load_owned(stream_id)
        return loaded.state, loaded.version

    async def load_for(self, stream_id: str, tenant_id: str) -> tuple[S, int]:
        """The stream's state and version as ``tenant_id`` sees it: another organisation's
        stream looks exactly like a missing one."""
        loaded = await self.load_owned(stream_id)
        if loaded.tenant_id not in (None, tenant_id):
            return self._decider.initial_state(), 0
        return loaded.state, loaded.version

    async def load_owned(self, stream_id: str) -> _Loaded[S]:
        """The stream's state, version and owning tenant (None for a new stream).

        States of recently used streams are kept (events never change, and deciders' states
        are immutable), so a command on a long-lived aggregate reads and folds only the
        events since, not its whole history.
        """
        known = self._states.get(stream_id)
        after = known.version if known else 0
        recorded = await self._store.read_stream(stream_id, after_version=after)
        ensure_stream_type(recorded, self._stream_type)
        if not recorded and known is not None:
            self._states.move_to_end(stream_id)
            return known
        events = [self._decode(r.event_type, r.schema_version, r.payload) for r in recorded]
        loaded = _Loaded(
            self._decider.fold(events, known.state if known else None),
            after + len(recorded),
            known.tenant_id if known else (recorded[0].metadata.tenant_id if recorded else None),
        )
        if loaded.version:
            self._states[stream_id] = loaded
            self._states.move_to_end(stream_id)
            while len(self._states) > STATES_KEPT:
                self._states.popitem(last=False)
        return loaded

    def _decode(self, event_type: str, version: int, payload: dict[str, object]) -> E:
        return self._registry.decode(event_type, version, dict(payload))  # type: ignore[return-value]

    async def handle(
        self,
        stream_id: str,
        command: C,
        metadata: EventMetadata,
        *,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> AppendResult:
        """Decide ``command`` on the stream's current state and append what it decided.

        ``expected_version`` from the caller (an ``If-Match``) makes a stale command a
        conflict. Without it the handler still appends only after the version it read, and
        when another writer appended in between, it decides again on the state with their
        events (its rules check the command anew), up to ``DECIDE_ATTEMPTS`` times: two
        people changing one roadmap at once both succeed, or get the rule they broke.
        A request seen before under the same idempotency key gets the first result back,
        even where the first request created the stream under an id of its own. A stream
        another organisation's events began is a 409 (ids can come from clients): nothing
        is decided on it, or appended to it.
        """
        # Commands on one stream in this process take turns; other processes' writes are
        # met by deciding again.
        turn = self._turns.get(stream_id)
        if turn is None:
            turn = self._turns[stream_id] = asyncio.Lock()
        async with turn:
            return await self._handle(stream_id, command, metadata, expected_version, idempotency)

    async def _handle(
        self,
        stream_id: str,
        command: C,
        metadata: EventMetadata,
        expected_version: int | None,
        idempotency: Idempotency | None,
    ) -> AppendResult:
        for attempt in range(1, DECIDE_ATTEMPTS + 1):
            earlier = await self._earlier(metadata, idempotency)
            if earlier is not None:
                return earlier
            loaded = await self.load_owned(stream_id)
            if loaded.tenant_id not in (None, metadata.tenant_id):
                raise Conflict(f"{stream_id} is taken; use another id", code="id-taken")
            state, version = loaded.state, loaded.version
            if expected_version is not None and expected_version != version:
                raise ConcurrencyError(stream_id, expected_version, version)
            try:
                return await self._decide_and_append(
                    stream_id, command, metadata, state, version, idempotency
                )
            except ConcurrencyError:
                if expected_version is not None or attempt == DECIDE_ATTEMPTS:
                    raise
                # Jittered, growing pauses (up to about 2 s in all), so writers that keep
                # meeting on one stream spread out rather than meet again.
                await asyncio.sleep(random.uniform(0, 0.002 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    async def create(
        self,
        stream_id: str,
        command: C,
        metadata: EventMetadata,
        *,
        idempotency: Idempotency | None = None,
    ) -> AppendResult:
        """Handle a command that most likely starts its stream, without reading it first.

        Decides on the initial state and appends as the stream's first events; if the
        stream exists after all (a client sent the same item again), the append conflicts
        and the command is handled as usual. For a new stream that is one round trip to
        PostgreSQL instead of two.
        """
        earlier = await self._earlier(metadata, idempotency)
        if earlier is not None:
            return earlier
        try:
            return await self._decide_and_append(
                stream_id, command, metadata, self._decider.fold([]), NO_STREAM, idempotency
            )
        except ConcurrencyError:
            return await self.handle(stream_id, command, metadata, idempotency=idempotency)

    async def _earlier(
        self, metadata: EventMetadata, idempotency: Idempotency | None
    ) -> AppendResult | None:
        if idempotency is None:
            return None
        return await self._store.earlier_result(
            metadata.tenant_id, idempotency.key, idempotency.request_hash
        )

    async def _decide_and_append(
        self,
        stream_id: str,
        command: C,
        metadata: EventMetadata,
        state: S,
        version: int,
        idempotency: Idempotency | None,
    ) -> AppendResult:
        decided = self._decider.decide(command, state)
        if not decided:
            if idempotency is not None:  # kept, so another request under it is refused
                return await self._store.remember(
                    metadata.tenant_id,
                    idempotency.key,
                    idempotency.request_hash,
                    stream_id,
                    version,
                )
            return AppendResult(stream_id, version, (), (), replayed=True)
        new = [
            NewEvent(
                self._new_event_id(), e.event_type, e.schema_version, e.model_dump(mode="json")
            )
            for e in decided
        ]
        return await self._store.append(
            stream_id,
            self._stream_type,
            new,
            metadata,
            expected_version=version,
            idempotency_key=idempotency.key if idempotency else None,
            request_hash=idempotency.request_hash if idempotency else "",
        )
