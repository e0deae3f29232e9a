"""Which events of another context a read model reads, and how it reads them.

The query service subscribes to whole domain topics, and each topic carries every fact of
its context: personas, scoring formulas, reviews and many more that other read models
need and these do not. So an event type a projection does not consume is passed over on
purpose (by its name, before its payload is even parsed: the runner does not even claim
it), not dead-lettered: it is not wrong, only someone else's. An event type it does
consume is decoded strictly with the owning context's registry, so a malformed payload,
an unknown version, or a record on the topic that claims to be from another context
raises, and the runner dead-letters it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, cast

from sextant_kit import Event, EventRegistry, IncomingEvent
from sextant_kit.registry import UnknownEventType, parse_ce_type

F = TypeVar("F", bound=Event)


@dataclass(frozen=True)
class Consumes(Generic[F]):
    """The event types ``models`` (together the union ``F``) of ``registry``'s context."""

    registry: EventRegistry
    models: Sequence[type[Event]]
    _names: frozenset[str] = field(init=False)
    consumes: Callable[[str], bool] = field(init=False, repr=False, compare=False)
    """``False`` for the context's other event types: the runner passes them over without
    decoding, claiming or applying them (:meth:`EventRegistry.consumer_of`)."""

    def __post_init__(self) -> None:
        names = frozenset(m.event_type for m in self.models)
        known = {m.event_type for m in self.registry.models()}
        unknown = sorted(names - known)
        if unknown:
            raise ValueError(f"{self.registry.context} has no event type(s) {unknown}")
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "consumes", self.registry.consumer_of(self.models))

    @property
    def topic(self) -> str:
        return self.registry.topic

    def decode(self, event: IncomingEvent) -> F | None:
        """The typed fact, or ``None`` for an event type this read model does not use."""
        context, name, version = parse_ce_type(event.type)
        if context != self.registry.context:
            raise UnknownEventType(f"{event.type} does not belong on {self.registry.topic}")
        if name not in self._names:
            return None
        return cast(F, self.registry.decode(name, version, event.data))
