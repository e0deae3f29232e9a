"""The events every append benchmark writes: the same payload and metadata for every store."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sextant_kit.events import EventMetadata
from sextant_kit.eventstore import NewEvent
from sextant_kit.ids import uuid7

STREAM_TYPE = "FeedbackItem"
EVENT_TYPE = "FeedbackReceived"
TENANT = "bench-tenant"
STREAM_LENGTH = 100
"""Writers start a new stream once theirs holds this many events."""


def payload(n: int) -> dict[str, Any]:
    """A feedback item about the size of a real one (about 300 bytes of JSON)."""
    return {
        "item_id": f"fb-{n}",
        "workspace_id": "ws-bench",
        "text": "Bulk edit for roadmap items would save our PMs an hour every sprint planning",
        "source": "sales_call",
        "customer_ref": f"account-{n % 500}",
        "external_id": f"ext-{n}",
        "received_at": "2026-11-26T12:00:00+00:00",
    }


def metadata() -> EventMetadata:
    return EventMetadata(
        tenant_id=TENANT,
        actor="pm.bench",
        correlation_id=uuid.uuid4().hex,
        workspace_id="ws-bench",
    )


def new_events(count: int, first: int) -> list[NewEvent]:
    return [NewEvent(uuid7(), EVENT_TYPE, 1, payload(first + i)) for i in range(count)]


def stored_state(event: NewEvent, meta: EventMetadata) -> bytes:
    """What a store without a metadata column keeps: payload and metadata in one document."""
    return json.dumps({"payload": event.payload, "metadata": meta.model_dump()}).encode()


@dataclass
class StreamCursor:
    """One writer's current stream and its version, starting a new stream when full."""

    writer: str
    number: int = 0
    version: int = 0

    @property
    def stream_id(self) -> str:
        return f"{self.writer}-{self.number}"

    def make_room(self, batch: int) -> None:
        if self.version + batch > STREAM_LENGTH:
            self.number += 1
            self.version = 0


def json_payload(event: NewEvent) -> str:
    return json.dumps(event.payload)
