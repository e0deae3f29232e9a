"""Decoding incoming CloudEvents into the context's own event types."""

from __future__ import annotations

from sextant_kit import Event, IncomingEvent
from sextant_kit.registry import parse_ce_type

from sextant_discovery.events import registry


def decode(event: IncomingEvent) -> Event:
    """The typed event; an unknown type or bad payload raises (and is dead-lettered)."""
    _, name, version = parse_ce_type(event.type)
    return registry.decode(name, version, event.data)
