"""CloudEvents 1.0 in Kafka binary mode: attributes in ``ce_*`` headers, the payload as value.

Extensions carry what subscribers need to attribute and order an event: ``tenantid``,
``workspaceid``, ``actor``, ``correlationid``, ``causationid``, ``streamtype``,
``streamversion`` and ``position`` (the event's place in its service's store). The W3C
``traceparent`` header continues the trace of the command that produced the event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from sextant_kit.events import EventMetadata, RecordedEvent
from sextant_kit.registry import EventRegistry
from sextant_kit.storable import in_utc

CONTENT_TYPE = "application/json"
SPEC_VERSION = "1.0"

_REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type")
_CORE = frozenset({*_REQUIRED, "ce_subject", "ce_time"})
_OWN = frozenset({"content-type", "traceparent", "tracestate"})


class EnvelopeError(ValueError):
    """A Kafka record that is not a valid Sextant CloudEvent; the text names the problem."""


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """A CloudEvent read from Kafka, its payload still untyped JSON."""

    id: UUID
    source: str
    type: str
    subject: str | None
    time: datetime | None
    data: dict[str, Any]
    extensions: dict[str, str]
    traceparent: str | None
    tracestate: str | None
    transport: Mapping[str, str] = field(default_factory=dict)
    """Headers outside the envelope, such as the producer's ``authorization``."""

    @property
    def tenant_id(self) -> str | None:
        return self.extensions.get("tenantid")

    @property
    def tenant(self) -> str:
        """The tenant, which every event must name (a projection's rows are keyed by it)."""
        tenant = self.extensions.get("tenantid")
        if tenant is None:
            raise EnvelopeError("ce_tenantid is a required extension")
        return tenant

    @property
    def position(self) -> int | None:
        raw = self.extensions.get("position")
        return int(raw) if raw is not None else None

    @property
    def stream_version(self) -> int | None:
        raw = self.extensions.get("streamversion")
        return int(raw) if raw is not None else None

    def metadata(self, *, actor: str | None = None) -> EventMetadata:
        """The event's metadata; ``actor`` overrides ``ce_actor`` (an authenticated producer)."""
        ext = self.extensions
        actor = actor or ext.get("actor")
        if "tenantid" not in ext or actor is None:
            raise EnvelopeError("ce_tenantid and ce_actor are required extensions")
        return EventMetadata(
            tenant_id=ext["tenantid"],
            actor=actor,
            correlation_id=ext.get("correlationid", str(self.id)),
            causation_id=ext.get("causationid"),
            workspace_id=ext.get("workspaceid"),
            traceparent=self.traceparent,
            tracestate=self.tracestate,
        )


def encode(
    event: RecordedEvent,
    registry: EventRegistry,
    *,
    traceparent: str | None = None,
    tracestate: str | None = None,
) -> KafkaRecord:
    meta = event.metadata
    attributes: dict[str, str | None] = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(event.event_id),
        "ce_source": registry.source,
        "ce_type": registry.ce_type(event.event_type, event.schema_version),
        "ce_subject": event.stream_id,
        "ce_time": event.recorded_at.isoformat(),
        "content-type": CONTENT_TYPE,
        "ce_tenantid": meta.tenant_id,
        "ce_workspaceid": meta.workspace_id,
        "ce_actor": meta.actor,
        "ce_correlationid": meta.correlation_id,
        "ce_causationid": meta.causation_id,
        "ce_streamtype": event.stream_type,
        "ce_streamversion": str(event.stream_version),
        "ce_position": str(event.position),
        "traceparent": traceparent or meta.traceparent,
        "tracestate": tracestate or meta.tracestate,
    }
    headers = [(k, v.encode()) for k, v in attributes.items() if v is not None]
    value = orjson.dumps(event.payload)
    return KafkaRecord(key=event.stream_id.encode(), value=value, headers=headers)


def decode(headers: Iterable[tuple[str, bytes]], value: bytes | None) -> IncomingEvent:
    """Parse and validate one record; raises :class:`EnvelopeError` naming what is wrong."""
    attrs: dict[str, str] = {}  # the core attributes and the envelope's own headers
    extensions: dict[str, str] = {}
    transport: dict[str, str] = {}
    try:
        for name, raw in headers:  # one pass: every projection decodes every record
            text = raw.decode()
            if name in _CORE or name in _OWN:
                attrs[name] = text
            elif name.startswith("ce_"):
                extensions[name[3:]] = text
            else:
                transport[name] = text
    except UnicodeDecodeError as error:
        raise EnvelopeError(f"a header is not UTF-8: {error}") from None
    missing = [name for name in _REQUIRED if not attrs.get(name)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents header(s): {', '.join(missing)}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise EnvelopeError(f"ce_specversion {attrs['ce_specversion']!r} is not 1.0")
    content_type = attrs.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise EnvelopeError(f"content-type {content_type!r} is not application/json")
    try:
        event_id = UUID(attrs["ce_id"])
    except ValueError:
        raise EnvelopeError(f"ce_id {attrs['ce_id']!r} is not a UUID") from None
    return IncomingEvent(
        id=event_id,
        source=attrs["ce_source"],
        type=attrs["ce_type"],
        subject=attrs.get("ce_subject"),
        time=_parse_time(attrs.get("ce_time")),
        data=_parse_data(value),
        extensions=extensions,
        traceparent=attrs.get("traceparent"),
        tracestate=attrs.get("tracestate"),
        transport=transport,
    )


_RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")


def _parse_time(raw: str | None) -> datetime | None:
    """``ce_time``: RFC 3339, so with its offset (a time without one, a bare date or the
    basic format, which Python would read, is refused), and a time UTC has."""
    if raw is None:
        return None
    try:
        if not _RFC3339.fullmatch(raw):
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw)
        in_utc(moment)  # an OverflowError on 1 January of the year 1, east of UTC
    except (ValueError, OverflowError):
        raise EnvelopeError(
            f"ce_time {raw!r} is not an RFC 3339 timestamp with its offset in years 1 to 9999"
        ) from None
    return moment


def _parse_data(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise EnvelopeError("the record has no value (tombstone); expected a JSON object")
    try:
        data = orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise EnvelopeError(f"value is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise EnvelopeError("value must be a JSON object")
    return data


def header_map(headers: Iterable[tuple[str, bytes]]) -> Mapping[str, str]:
    return {k: v.decode(errors="replace") for k, v in headers}
