"""The inbound topic ``sextant.feedback.inbound.v1``: internal platforms send feedback here.

Messages are CloudEvents (Kafka binary mode) of type
``io.sextant.feedback.FeedbackSubmitted.v1`` whose data is a feedback item plus its
``workspace_id``. Each valid message is ingested exactly once: the item's identity is
(source, external id), and a message without an ``external_id`` uses its CloudEvents id.
Anything else goes to ``sextant.feedback.inbound.v1.dlq`` with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError
from sextant_kit import CommandContext, IncomingEvent, PostgresEventStore
from sextant_kit.database import Connection

from sextant_feedback.events import INBOUND_TOPIC
from sextant_feedback.ingest import FeedbackIn, Ingestor, Prepared, first_event
from sextant_feedback.privacy import KeyRing

SUBMITTED = "io.sextant.feedback.FeedbackSubmitted.v1"


class SubmittedFeedback(FeedbackIn):
    model_config = ConfigDict(extra="forbid")

    workspace_id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class InvalidSubmission(ValueError):
    """Names what is wrong with an inbound message; the runner dead-letters it."""


class InboundFeedback:
    """Consumes the inbound topic; a 'projection' whose effect is appends to the store."""

    name = "feedback_inbound"
    tables: Sequence[str] = ()
    topics: Sequence[str] = (INBOUND_TOPIC,)

    def __init__(self, store: PostgresEventStore) -> None:
        self._store = store
        self._ingestor = Ingestor(KeyRing(store.pool))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        await self.apply_many(conn, [event])

    async def apply_many(self, conn: Connection, events: Sequence[IncomingEvent]) -> None:
        streams = []
        for event in events:
            item, ctx = self._validate(event)
            meta = event.metadata().model_copy(
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

    def _validate(self, event: IncomingEvent) -> tuple[SubmittedFeedback, CommandContext]:
        if event.type != SUBMITTED:
            raise InvalidSubmission(f"ce_type {event.type!r} is not {SUBMITTED}")
        if not event.tenant_id or not event.extensions.get("actor"):
            raise InvalidSubmission("ce_tenantid and ce_actor are required")
        data = dict(event.data)
        data.setdefault("external_id", str(event.id))
        try:
            item = SubmittedFeedback.model_validate(data)
        except ValidationError as error:
            fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
            raise InvalidSubmission(f"invalid field(s): {fields}: {error}") from None
        meta = event.metadata()
        ctx = CommandContext(
            tenant_id=meta.tenant_id,
            actor=meta.actor,
            now=event.time or datetime.now(UTC),
            correlation_id=meta.correlation_id,
            causation_id=str(event.id),
        )
        return item, ctx
