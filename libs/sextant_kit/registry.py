"""Each context's closed set of event types: wire names, versions, decoding and upcasting."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from sextant_kit.events import Event

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    pass


class InvalidEventPayload(ValueError):
    pass


OWN_WORDS = ("reason", "note")
"""Fields an event carries as its own words (why it was done): the audit history compares
them with nothing, so a status change's reason never reads as a change of a move's."""


@dataclass
class EventRegistry:
    """Maps ``(event_type, schema_version)`` to the pydantic model of one context.

    An old version is read through the upcasters registered for it, one version step at a
    time, so consumers only ever see the newest model.
    """

    context: str
    events: Iterable[type[Event]]
    upcasters: dict[tuple[str, int], Upcaster] = field(default_factory=dict)
    _by_type: dict[str, type[Event]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for model in self.events:
            if model.event_type in self._by_type:
                raise ValueError(f"event type {model.event_type} registered twice")
            self._by_type[model.event_type] = model

    @property
    def source(self) -> str:
        return f"/sextant/{self.context}"

    @property
    def topic(self) -> str:
        return f"sextant.{self.context}.events.v1"

    def models(self) -> list[type[Event]]:
        return list(self._by_type.values())

    def audit_parts(self) -> dict[str, tuple[str, ...]]:
        """The events about a part of their entity, by CloudEvents type without its version,
        and the fields naming the part (``Event.audit_part``)."""
        return {
            self.ce_type(m.event_type, m.schema_version).rsplit(".v", 1)[0]: m.audit_part
            for m in self.models()
            if m.audit_part
        }

    def audit_clears(self) -> dict[str, tuple[str, ...]]:
        """The events that leave fields of their entity empty, by CloudEvents type without
        its version, and those fields (``Event.audit_clears``, with the event's ``reason``
        and ``note``: an event's own words, never a change of another event's)."""
        found = {}
        for m in self.models():
            own = tuple(name for name in OWN_WORDS if name in m.model_fields)
            clears = tuple(dict.fromkeys(m.audit_clears + own))
            if clears:
                found[self.ce_type(m.event_type, m.schema_version).rsplit(".v", 1)[0]] = clears
        return found

    def ce_type(self, event_type: str, schema_version: int) -> str:
        return f"io.sextant.{self.context}.{event_type}.v{schema_version}"

    def model_for(self, event_type: str) -> type[Event]:
        try:
            return self._by_type[event_type]
        except KeyError:
            raise UnknownEventType(f"{self.context} has no event type {event_type!r}") from None

    def consumer_of(self, models: Iterable[type[Event]]) -> Callable[[str], bool]:
        """A read model's ``consumes`` when it uses ``models`` of this context.

        The context's other event types are passed over by their ce_type, whatever their
        version; anything else (another context's events, a type this context does not
        know) is handed to the read model, which applies it or raises and dead-letters it.
        """
        used = {m.event_type for m in models}
        for name in used:
            self.model_for(name)  # raises for a type this context does not have
        others = frozenset(self._by_type) - used

        def consumes(ce_type: str) -> bool:
            try:
                context, name, _ = parse_ce_type(ce_type)
            except UnknownEventType:
                return True
            return context != self.context or name not in others

        return consumes

    def decode(self, event_type: str, schema_version: int, payload: dict[str, Any]) -> Event:
        model = self.model_for(event_type)
        version = schema_version
        while version < model.schema_version:
            upcast = self.upcasters.get((event_type, version))
            if upcast is None:
                raise UnknownEventType(f"no upcaster for {event_type} v{version}")
            payload = upcast(payload)
            version += 1
        if version != model.schema_version:
            raise UnknownEventType(
                f"{event_type} v{schema_version} is newer than this reader "
                f"(v{model.schema_version})"
            )
        try:
            return model.model_validate(payload)
        except ValidationError as error:
            raise InvalidEventPayload(f"{event_type} v{schema_version}: {error}") from error


def parse_ce_type(ce_type: str) -> tuple[str, str, int]:
    """``io.sextant.<context>.<Name>.v<N>`` -> ``(context, Name, N)``."""
    parts = ce_type.split(".")
    if len(parts) != 5 or parts[:2] != ["io", "sextant"] or not parts[4].startswith("v"):
        raise UnknownEventType(f"ce_type {ce_type!r} is not io.sextant.<context>.<Name>.v<N>")
    try:
        version = int(parts[4][1:])
    except ValueError:
        raise UnknownEventType(f"ce_type {ce_type!r} has no numeric version") from None
    return parts[2], parts[3], version
