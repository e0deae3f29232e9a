"""Sextant's event-sourcing kit: deciders, the PostgreSQL event store, the relay to Kafka,
projections, CloudEvents envelopes, telemetry and the HTTP conventions every service shares."""

from sextant_kit.application import CommandHandler, Idempotency
from sextant_kit.decider import Decider
from sextant_kit.envelope import EnvelopeError, IncomingEvent, KafkaRecord
from sextant_kit.errors import (
    ConcurrencyError,
    ConfigurationError,
    Conflict,
    DomainError,
    IdempotencyKeyReused,
    InvalidCursor,
    NotFound,
    SextantError,
)
from sextant_kit.events import Command, CommandContext, Event, EventMetadata, RecordedEvent
from sextant_kit.eventstore import (
    NO_STREAM,
    START,
    AppendResult,
    GlobalPosition,
    NewEvent,
    NewStream,
    PostgresEventStore,
)
from sextant_kit.projection import Projection, ProjectionRunner
from sextant_kit.registry import EventRegistry
from sextant_kit.relay import Relay
from sextant_kit.settings import Settings

__all__ = [
    "NO_STREAM",
    "START",
    "AppendResult",
    "Command",
    "CommandContext",
    "CommandHandler",
    "ConcurrencyError",
    "ConfigurationError",
    "Conflict",
    "Decider",
    "DomainError",
    "EnvelopeError",
    "Event",
    "EventMetadata",
    "EventRegistry",
    "GlobalPosition",
    "Idempotency",
    "IdempotencyKeyReused",
    "IncomingEvent",
    "InvalidCursor",
    "KafkaRecord",
    "NewEvent",
    "NewStream",
    "NotFound",
    "PostgresEventStore",
    "Projection",
    "ProjectionRunner",
    "RecordedEvent",
    "Relay",
    "Settings",
    "SextantError",
]
