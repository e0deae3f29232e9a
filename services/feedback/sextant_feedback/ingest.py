"""Turning incoming feedback into commands: validation, identity, sentiment and sealing.

Every channel (HTTP, batch, file import, the inbound Kafka topic, meeting notes) goes
through here, so (source, external id) means the same item everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from sextant_kit import CommandContext, Conflict, EventMetadata, NewEvent, NewStream
from sextant_kit.ids import uuid7
from sextant_kit.inputs import Body
from sextant_kit.storable import UNSTORABLE, UNSTORABLE_TYPE, Moment, not_ahead, unstorable

from sextant_feedback.domain import (
    Channel,
    CustomerRef,
    ExternalId,
    ReceiveFeedback,
    Tag,
    Text,
    customer_id_for,
    feedback_decider,
    feedback_id_for,
    sentiment,
)
from sextant_feedback.domain.channels import Person
from sextant_feedback.privacy import KeyRing, seal

STREAM_TYPE = "feedback"
MAX_BATCH = 1000
RECEIVED_AHEAD = timedelta(days=1)


RECEIVED = not_ahead(RECEIVED_AHEAD, "give when it was received")
Received = Annotated[Moment, RECEIVED]
"""When feedback was received (or a meeting held): a moment not still to come. One still to
come is a sender's mistake (often a time zone) that would sort the item above everything in
the inbox for good; a day of grace allows for zones."""


class FeedbackIn(Body):
    """One piece of feedback as a channel delivers it."""

    text: Text
    source: Channel
    external_id: ExternalId | None = None
    customer_ref: CustomerRef | None = None
    author: Person | None = None
    attendees: Annotated[list[Person], Field(max_length=100)] = Field(default=[])
    tags: Annotated[list[Tag], Field(max_length=50)] = Field(default=[])
    received_at: Received | None = None

    @field_validator("text", "external_id", "customer_ref", "author", "attendees", "tags")
    @classmethod
    def _storable(cls, value: str | list[str] | None) -> str | list[str] | None:
        """Files and the inbound topic bring text HTTP would have refused at the door: a NUL
        would fail the whole batch it is written in."""
        for text in [value] if isinstance(value, str) else value or []:
            if unstorable(text):
                raise PydanticCustomError(UNSTORABLE_TYPE, UNSTORABLE)
        return value


@dataclass(frozen=True, slots=True)
class Prepared:
    command: ReceiveFeedback
    metadata: EventMetadata


class Ingestor:
    def __init__(self, keyring: KeyRing) -> None:
        self._keyring = keyring

    async def keys_of(self, items: Sequence[FeedbackIn], tenant_id: str) -> dict[uuid.UUID, bytes]:
        """The keys of the customers ``items`` name, made for those new; none for those
        erased."""
        subjects = _subjects(items, tenant_id).values()
        return await self._keyring.keys(tenant_id, subjects, create=True)

    async def prepare(
        self,
        items: Sequence[FeedbackIn],
        workspace_id: str,
        ctx: CommandContext,
        metadata: EventMetadata,
        keys: Mapping[uuid.UUID, bytes] | None = None,
        new_ids: Sequence[uuid.UUID] | None = None,
    ) -> list[Prepared | Conflict]:
        """Commands for ``items`` (personal fields sealed), or why an item cannot be taken;
        ``keys``, when the caller read them already (``keys_of``); ``new_ids``, one per item,
        the ids of those that name no external id (fresh ones without)."""
        subjects = _subjects(items, ctx.tenant_id)
        if keys is None:
            keys = await self.keys_of(items, ctx.tenant_id)
        out: list[Prepared | Conflict] = []
        for n, item in enumerate(items):
            customer_id = subjects.get(item.customer_ref or "")
            if customer_id is not None and customer_id not in keys:
                out.append(
                    Conflict(
                        f"customer {item.customer_ref} was erased on request; "
                        "feedback can no longer be attributed to them",
                        code="customer-erased",
                    )
                )
                continue
            key = keys.get(customer_id) if customer_id else None

            def protect(
                value: str, key: bytes | None = key, subject: uuid.UUID | None = customer_id
            ) -> str:
                return seal(key, subject, value) if key and subject else value

            feedback_id = (
                feedback_id_for(ctx.tenant_id, workspace_id, item.source, item.external_id)
                if item.external_id is not None
                else (new_ids[n] if new_ids is not None else uuid.uuid4())
            )
            command = ReceiveFeedback(
                feedback_id=feedback_id,
                workspace_id=workspace_id,
                source=item.source,
                external_id=item.external_id,
                text=protect(item.text),
                author=protect(item.author) if item.author else None,
                attendees=[protect(a) for a in item.attendees],
                sealed=key is not None,
                customer_id=customer_id,
                customer_ref=item.customer_ref,
                tags=item.tags,
                sentiment=sentiment(item.text),
                received_at=item.received_at or ctx.now,
            )
            out.append(Prepared(command, metadata))
        return out


def _subjects(items: Sequence[FeedbackIn], tenant_id: str) -> dict[str, uuid.UUID]:
    """The customer accounts ``items`` name, by reference."""
    refs = {i.customer_ref for i in items if i.customer_ref}
    return {ref: customer_id_for(tenant_id, ref) for ref in refs}


def first_event(prepared: Prepared) -> NewStream:
    """The FeedbackReceived that starts an item's stream (deciding on an empty state)."""
    (event,) = feedback_decider.decide(prepared.command, feedback_decider.initial_state())
    return NewStream(
        str(prepared.command.feedback_id),
        STREAM_TYPE,
        NewEvent(uuid7(), event.event_type, event.schema_version, event.model_dump(mode="json")),
        prepared.metadata,
    )
