"""The AsyncAPI 3.0 document of every topic: what each service publishes and accepts.

Built from ``SERVICES``: each context's ``sextant.<context>.events.v1`` with one message per
event type (payloads are the checked-in JSON Schemas), the inbound topics a service
consumes (its ``extra_topics``), and the ``.dlq`` twin of each. Every message is a
CloudEvent in Kafka binary mode, so its attributes are documented as message headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sextant_feedback.events import INBOUND_TOPIC as FEEDBACK_INBOUND
from sextant_feedback.inbound import SUBMITTED, SubmittedFeedback
from sextant_kit.kafka import MAX_RECORD_BYTES
from sextant_kit.registry import EventRegistry, parse_ce_type
from sextant_kit.service import ServiceDefinition

ASYNCAPI_VERSION = "3.0.0"
DOCUMENT_VERSION = "1.0.0"


@dataclass(frozen=True)
class InboundContract:
    """A topic other platforms write to, and the one CloudEvents type it accepts."""

    topic: str
    ce_type: str
    model: type[BaseModel]
    summary: str

    @property
    def schema_path(self) -> str:
        context, name, version = parse_ce_type(self.ce_type)
        return f"{context}/inbound/{name}.v{version}.json"


INBOUND: Sequence[InboundContract] = (
    InboundContract(
        FEEDBACK_INBOUND,
        SUBMITTED,
        SubmittedFeedback,
        "Feedback from another platform; ingested once per (source, external_id), "
        "or per CloudEvents id when it has no external_id.",
    ),
)


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


CLOUDEVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 attributes in Kafka binary mode, plus W3C trace context.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "content-type"],
    "properties": {
        "ce_specversion": _string("CloudEvents version.", const="1.0"),
        "ce_id": _string("Event id; consumers deduplicate on it.", format="uuid"),
        "ce_source": _string("/sextant/<context>"),
        "ce_type": _string("io.sextant.<context>.<EventName>.v<N>"),
        "ce_subject": _string("Aggregate (stream) id; also the record key."),
        "ce_time": _string("When the event was recorded.", format="date-time"),
        "content-type": _string("Media type of the value.", const="application/json"),
        "ce_tenantid": _string("Organisation (tenant) the event belongs to."),
        "ce_workspaceid": _string("Workspace (product team), when the event has one."),
        "ce_actor": _string("Who caused the event."),
        "ce_correlationid": _string("Correlation id of the request that caused it."),
        "ce_causationid": _string("Id of the message that caused it, if any."),
        "ce_streamtype": _string("Aggregate type."),
        "ce_streamversion": _string(
            "Version of the aggregate after this event.", pattern="^[0-9]+$"
        ),
        "ce_position": _string("Global position in the service's event store.", pattern="^[0-9]+$"),
        "traceparent": _string("W3C trace context of the producing span."),
        "tracestate": _string("W3C trace state."),
    },
}

REQUIRED_EXTENSIONS = (
    "ce_subject",
    "ce_time",
    "ce_tenantid",
    "ce_actor",
    "ce_correlationid",
    "ce_streamtype",
    "ce_streamversion",
    "ce_position",
)
"""What the relay always sets on an outbound event (the others only when they apply)."""

DEAD_LETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The original record's headers (kept as they were) plus why it failed.",
    "required": ["sextant_dlq_reason", "sextant_dlq_topic"],
    "properties": {
        "sextant_dlq_reason": _string("Why it failed.", enum=["invalid-envelope", "apply-failed"]),
        "sextant_dlq_error": _string("The error, at most 2000 characters."),
        "sextant_dlq_projection": _string("Consumer that gave up on the record."),
        "sextant_dlq_topic": _string("Topic the record came from."),
        "sextant_dlq_partition": _string("Its partition.", pattern="^[0-9]+$"),
        "sextant_dlq_offset": _string("Its offset.", pattern="^[0-9]+$"),
        "correlation_id": _string(
            "The dead letter's own id, set by the client that published it; unrelated to the"
            " original (whose ce_id and ce_correlationid are kept)."
        ),
    },
}


PRODUCER_HEADERS: dict[str, Any] = {
    "authorization": _string(
        "Bearer <service token> of the producing platform (sextant token create"
        " --scope-action write): its tenant must be ce_tenantid, and it must write to the"
        " payload's workspace. Never kept in a dead letter."
    ),
    "ce_actor": _string("Not read: the actor recorded is the token's subject."),
    "ce_time": _string(
        "When the feedback was received, unless the payload's received_at says; RFC 3339"
        " with its offset.",
        format="date-time",
    ),
}
"""What an inbound message's producer sends beyond the CloudEvents attributes, or differently."""


def _channel_id(topic: str) -> str:
    """``sextant.feedback.inbound.v1.dlq`` -> ``feedbackInboundV1Dlq``."""
    words = topic.removeprefix("sextant.").split(".")
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _headers(
    ce_type: str, source: str | None, required: Sequence[str], own: dict[str, Any]
) -> dict[str, Any]:
    specific: dict[str, Any] = {"ce_type": {"const": ce_type}, **own}
    if source is not None:
        specific["ce_source"] = {"const": source}
    return {
        "type": "object",
        "allOf": [
            {"$ref": "#/components/schemas/CloudEventHeaders"},
            {"properties": specific, "required": list(required)},
        ],
    }


def _message(
    name: str,
    summary: str,
    ce_type: str,
    payload: str,
    *,
    source: str | None = None,
    required: Sequence[str] = (),
    headers: dict[str, Any] | None = None,
    key: str = "Aggregate id.",
) -> dict[str, Any]:
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "headers": _headers(ce_type, source, required, headers or {}),
        "payload": {"$ref": f"./{payload}"},
        "correlationId": {"$ref": "#/components/correlationIds/correlationId"},
        "bindings": {"kafka": {"key": {"type": "string", "description": key}}},
        "x-cloudevents-type": ce_type,
    }


def _events(registry: EventRegistry) -> dict[str, dict[str, Any]]:
    messages: dict[str, dict[str, Any]] = {}
    for model in registry.models():
        ce_type = registry.ce_type(model.event_type, model.schema_version)
        doc = (model.__doc__ or "").strip().splitlines()
        messages[ce_type] = _message(
            model.event_type,
            doc[0] if doc else f"{model.event_type} in {registry.context}.",
            ce_type,
            f"{registry.context}/{model.event_type}.v{model.schema_version}.json",
            source=registry.source,
            required=REQUIRED_EXTENSIONS,
        )
    return messages


def _ref(*parts: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(p.replace("/", "~1") for p in parts)}


def asyncapi_document(services: Sequence[ServiceDefinition]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    inbound = {contract.topic: contract for contract in INBOUND}

    def add(topic: str, description: str, keys: list[str], action: str, summary: str) -> str:
        cid = _channel_id(topic)
        channels[cid] = {
            "address": topic,
            "description": description,
            "messages": {
                key.replace(".", "_"): _ref("components", "messages", key) for key in keys
            },
        }
        operations[f"{action}{cid[:1].upper()}{cid[1:]}"] = {
            "action": action,
            "summary": summary,
            "channel": _ref("channels", cid),
            "messages": [_ref("channels", cid, "messages", key.replace(".", "_")) for key in keys],
        }
        return cid

    owned = {s.registry.topic for s in services}
    for service in services:
        registry = service.registry
        events = _events(registry)
        messages.update(events)
        context = service.context
        add(
            registry.topic,
            f"Every event of the {context} context, keyed by aggregate id (per-aggregate order)."
            f" Records are up to {MAX_RECORD_BYTES:,} bytes (max.message.bytes): a published"
            " roadmap version carries every item of its roadmap.",
            list(events),
            "send",
            f"The {context} relay publishes each committed event at least once.",
        )
        add(
            f"{registry.topic}.dlq",
            f"Records of {registry.topic} that a consumer could not decode or apply.",
            ["DeadLetter"],
            "send",
            f"{context} projectors dead-letter what they cannot handle.",
        )
        for topic in service.extra_topics:
            if topic in owned:
                continue  # another service's events topic, documented with its events
            contract = inbound.get(topic)
            if contract is None:
                key = "CloudEvent"
                summary = f"Messages the {context} service consumes."
                messages[key] = {
                    "name": "CloudEvent",
                    "contentType": "application/json",
                    "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                    "payload": {"type": "object"},
                }
            else:
                key = contract.ce_type
                messages[key] = _message(
                    parse_ce_type(contract.ce_type)[1],
                    contract.summary,
                    contract.ce_type,
                    contract.schema_path,
                    required=("ce_tenantid", "authorization"),
                    headers=PRODUCER_HEADERS,
                    key="Not read: (source, external_id) identifies the item. Keying by them"
                    " keeps one item's messages in order.",
                )
                summary = contract.summary
            add(
                topic,
                f"Inbound: other platforms send messages here for {context}.",
                [key],
                "receive",
                summary,
            )
            add(
                f"{topic}.dlq",
                f"Messages of {topic} that were invalid or failed, with the reason.",
                ["DeadLetter"],
                "send",
                f"The {context} service dead-letters what it cannot ingest.",
            )
    messages["DeadLetter"] = {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "The original key, value and headers, with the failure in sextant_dlq_*.",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "The original record's value, unchanged (any bytes)."},
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Sextant events",
            "version": DOCUMENT_VERSION,
            "description": (
                "Every change in Sextant is a domain event on Kafka. Values are JSON; the "
                "CloudEvents 1.0 attributes travel in `ce_*` headers (Kafka binary mode); "
                "`traceparent` continues the producing trace. A breaking change to an event "
                "is a new version (`.v2` in `ce_type`), never an edit of `.v1`."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "The platform's Kafka cluster (set per environment).",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                "CloudEventHeaders": CLOUDEVENT_HEADERS,
                "DeadLetterHeaders": DEAD_LETTER_HEADERS,
            },
            "correlationIds": {
                "correlationId": {
                    "description": "Correlation id of the originating request.",
                    "location": "$message.header#/ce_correlationid",
                }
            },
        },
    }


def inbound_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of inbound payloads, keyed by their path under ``schemas/``."""
    out: dict[str, dict[str, Any]] = {}
    for contract in INBOUND:
        out[contract.schema_path] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://sextant.dev/schemas/{contract.ce_type}.json",
            "x-cloudevents-type": contract.ce_type,
            "x-kafka-topic": contract.topic,
            **contract.model.model_json_schema(mode="validation"),
        }
    return out
