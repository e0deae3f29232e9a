"""Base classes for commands, events and their metadata."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """An immutable fact, named in the past tense.

    Subclasses set ``event_type`` (the wire name, without context or version) and may set
    ``schema_version`` when a breaking change made a new version. A float that is NaN or
    infinite is refused when the event is made: JSON cannot hold it, the store would keep
    ``null``, and the aggregate could not be read again.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    audit_part: ClassVar[tuple[str, ...]] = ()
    """The fields naming the part of its entity the event is about (a roadmap's item, a
    workspace's member; ``vote.voter`` reaches into a field): the audit history keeps each
    part's values apart, so adding a second item shows its own values, not the first's as
    "before". A part goes by the last name of each field, so a vote's ``vote.voter`` and its
    withdrawal's ``voter`` name one part."""
    audit_clears: ClassVar[tuple[str, ...]] = ()
    """The fields of its entity (or part) the event leaves empty, as an undoing event does (a
    role revoked, an objective reopened), and those that are its own rather than a change of
    an earlier one: the audit history compares them with nothing after it. An event's
    ``reason`` and ``note`` are always its own (``registry.OWN_WORDS``)."""


class Command(BaseModel):
    """An intention, named in the imperative; validated at the edge."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CommandContext(BaseModel):
    """What a decider may not invent itself: time, ids and who is asking."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    actor: str
    now: datetime
    correlation_id: str
    causation_id: str | None = None


class EventMetadata(BaseModel):
    """Metadata stored beside each event and carried as CloudEvents extensions."""

    model_config = ConfigDict(frozen=True)

    tenant_id: str
    actor: str
    correlation_id: str
    causation_id: str | None = None
    workspace_id: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None

    @classmethod
    def from_context(
        cls, ctx: CommandContext, *, workspace_id: str | None, traceparent: str | None = None
    ) -> EventMetadata:
        return cls(
            tenant_id=ctx.tenant_id,
            actor=ctx.actor,
            correlation_id=ctx.correlation_id,
            causation_id=ctx.causation_id,
            workspace_id=workspace_id,
            traceparent=traceparent,
        )


class RecordedEvent(BaseModel):
    """An event as the store recorded it: payload still raw JSON, so unknown types survive."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    stream_id: str
    stream_type: str
    stream_version: int
    position: int
    transaction_id: int
    event_type: str
    schema_version: int
    payload: dict[str, Any]
    metadata: EventMetadata
    recorded_at: datetime = Field()
