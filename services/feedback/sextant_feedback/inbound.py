"""The inbound topic ``sextant.feedback.inbound.v1``: internal platforms send feedback here.

Messages are CloudEvents (Kafka binary mode) of type
``io.sextant.feedback.FeedbackSubmitted.v1`` whose data is a feedback item plus its
``workspace_id``. Each valid message is ingested exactly once: the item's identity is
(source, external id), and a message without an ``external_id`` uses its CloudEvents id.

A producer proves who it is the way an HTTP caller does: an ``authorization`` header with
a service token (``Bearer <jwt>``; locally, in development mode, ``x-sextant-tenant`` and
``x-sextant-actor``). A message is accepted only for the token's own tenant (``ce_tenantid``)
and for a workspace the token may write to; the token's subject is the actor recorded on
the events. Anything else goes to ``sextant.feedback.inbound.v1.dlq`` with the reason (the
dead letter keeps the message, never the token).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from pydantic import Field, ValidationError
from sextant_kit import CommandContext, DomainError, IncomingEvent, PostgresEventStore
from sextant_kit.auth import Authenticator
from sextant_kit.authz import Access, Principal
from sextant_kit.database import Connection
from sextant_kit.storable import SentMoment

from sextant_feedback.events import INBOUND_TOPIC
from sextant_feedback.ingest import (
    RECEIVED,
    RECEIVED_AHEAD,
    FeedbackIn,
    Ingestor,
    Prepared,
    first_event,
)
from sextant_feedback.privacy import KeyRing

SUBMITTED = "io.sextant.feedback.FeedbackSubmitted.v1"


class SubmittedFeedback(FeedbackIn):
    workspace_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
    received_at: Annotated[SentMoment, RECEIVED] | None = None


class InvalidSubmission(ValueError):
    """Names what is wrong with an inbound message; the runner dead-letters it."""


class InboundFeedback:
    """Consumes the inbound topic; a 'projection' whose effect is appends to the store."""

    name = "feedback_inbound"
    tables: Sequence[str] = ()
    topics: Sequence[str] = (INBOUND_TOPIC,)

    def __init__(self, store: PostgresEventStore, producers: Authenticator) -> None:
        self._store = store
        self._producers = producers
        self._ingestor = Ingestor(KeyRing(store.pool))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        streams = []
        for event in events:
            item, ctx = submission(event, self._producers)
            meta = event.metadata(actor=ctx.actor).model_copy(
                update={"workspace_id": item.workspace_id, "causation_id": str(event.id)}
            )
            (prepared,) = await self._ingestor.prepare(
                [FeedbackIn(**item.model_dump(exclude={"workspace_id"}))],
                item.workspace_id,
                ctx,
                meta,
            )
            if not isinstance(prepared, Prepared):
                raise InvalidSubmission(prepared.detail)
            streams.append(first_event(prepared))
        # Appended in the store's own transaction: if this batch is redelivered, the same
        # (source, external id) streams already exist and nothing is appended twice.
        await self._store.create_streams(streams)


def submission(
    event: IncomingEvent, producers: Authenticator
) -> tuple[SubmittedFeedback, CommandContext]:
    """The feedback an inbound message submits, once its producer may submit it."""
    if event.type != SUBMITTED:
        raise InvalidSubmission(f"ce_type {event.type!r} is not {SUBMITTED}")
    producer = producer_of(event, producers)
    data = dict(event.data)
    if data.get("external_id") is None:  # absent or null: the message's own id
        data["external_id"] = str(event.id)
    try:
        item = SubmittedFeedback.model_validate(data)
    except ValidationError as error:
        # Field names and rules only: the values may be personal data, and the reason is
        # logged and travels in a dead letter's headers.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors(include_input=False)
        )
        raise InvalidSubmission(f"invalid field(s): {problems}") from None
    if not producer.may(Access.WRITE, item.workspace_id):
        raise InvalidSubmission(
            f"producer {producer.actor} may not submit to workspace {item.workspace_id}"
        )
    meta = event.metadata(actor=producer.actor)
    now = datetime.now(UTC)
    if event.time is not None and event.time > now + RECEIVED_AHEAD:
        # it stands for when the feedback was received, unless the data says
        raise InvalidSubmission(
            f"ce_time {event.time.isoformat()} has not come yet; give when it was sent"
        )
    ctx = CommandContext(
        tenant_id=meta.tenant_id,
        actor=producer.actor,
        now=event.time or now,
        correlation_id=meta.correlation_id,
        causation_id=str(event.id),
    )
    return item, ctx


def producer_of(event: IncomingEvent, producers: Authenticator) -> Principal:
    """The authenticated producer of ``event``, if it may send for the event's tenant."""
    if not event.tenant_id:
        raise InvalidSubmission("ce_tenantid is required")
    try:
        producer = producers.authenticate(event.transport)
    except DomainError as error:
        raise InvalidSubmission(f"the producer is not authenticated: {error.detail}") from None
    if producer.tenant_id != event.tenant_id:
        raise InvalidSubmission(
            f"producer {producer.actor} may not submit for tenant {event.tenant_id}"
        )
    return producer
