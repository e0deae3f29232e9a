"""Decoding incoming CloudEvents into the context's own event types."""

from __future__ import annotations

from sextant_kit import Event, IncomingEvent
from sextant_kit.database import Connection
from sextant_kit.registry import parse_ce_type

from sextant_discovery.events import registry


def decode(event: IncomingEvent) -> Event:
    """The typed event; an unknown type or bad payload raises (and is dead-lettered)."""
    _, name, version = parse_ce_type(event.type)
    return registry.decode(name, version, event.data)


VERSIONED = {
    "problem": ("discovery_problems", "problem_id"),
    "opportunity": ("discovery_opportunities", "opportunity_id"),
    "experiment": ("discovery_experiments", "experiment_id"),
    "insight": ("discovery_insights", "insight_id"),
    "persona": ("discovery_personas", "persona_id"),
    "competitor": ("discovery_competitors", "competitor_id"),
}
"""Each kind of stream's row, by its stream type."""


async def keep_stream_version(conn: Connection, event: IncomingEvent) -> None:
    """The event's stream version on its stream's row (after the event is applied to it):
    what an If-Match names."""
    found = VERSIONED.get(str(event.extensions.get("streamtype")))
    if found is None or event.stream_version is None or event.subject is None:
        return
    table, key = found
    await conn.execute(
        f"UPDATE {table} SET stream_version = $3"
        f" WHERE tenant_id = $1 AND {key} = $2::uuid AND stream_version < $3",
        event.tenant,
        event.subject,
        event.stream_version,
    )
