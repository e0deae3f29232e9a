"""The command side of a service: load a stream, decide, append."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

from sextant_kit.decider import Decider
from sextant_kit.errors import ConcurrencyError
from sextant_kit.events import Command, Event, EventMetadata
from sextant_kit.eventstore import AppendResult, NewEvent, PostgresEventStore
from sextant_kit.registry import EventRegistry

C = TypeVar("C", bound=Command)
E = TypeVar("E", bound=Event)
S = TypeVar("S")


class CommandHandler(Generic[C, E, S]):
    """Runs one aggregate type's decider against its stream in the store."""

    def __init__(
        self,
        store: PostgresEventStore,
        registry: EventRegistry,
        decider: Decider[C, E, S],
        *,
        stream_type: str,
        new_event_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self._store = store
        self._registry = registry
        self._decider = decider
        self._stream_type = stream_type
        self._new_event_id = new_event_id

    async def load(self, stream_id: str) -> tuple[S, int]:
        recorded = await self._store.read_stream(stream_id)
        events = [self._decode(r.event_type, r.schema_version, r.payload) for r in recorded]
        return self._decider.fold(events), len(recorded)

    def _decode(self, event_type: str, version: int, payload: dict[str, object]) -> E:
        return self._registry.decode(event_type, version, dict(payload))  # type: ignore[return-value]

    async def handle(
        self,
        stream_id: str,
        command: C,
        metadata: EventMetadata,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Decide ``command`` on the stream's current state and append what it decided.

        ``expected_version`` from the caller (an ``If-Match``) makes a stale command a
        conflict; without it the handler still appends only after the version it read.
        """
        request_hash = hashlib.sha256(
            f"{stream_id}\n{type(command).__name__}\n{command.model_dump_json()}".encode()
        ).hexdigest()
        if idempotency_key is not None:
            earlier = await self._store.earlier_result(
                metadata.tenant_id, idempotency_key, request_hash
            )
            if earlier is not None:
                return earlier
        state, version = await self.load(stream_id)
        if expected_version is not None and expected_version != version:
            raise ConcurrencyError(stream_id, expected_version, version)
        decided = self._decider.decide(command, state)
        if not decided:
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
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
