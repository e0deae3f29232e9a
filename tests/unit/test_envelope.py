from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sextant_feedback.events import registry
from sextant_kit import EventMetadata, RecordedEvent
from sextant_kit.envelope import EnvelopeError, decode, encode


def recorded() -> RecordedEvent:
    return RecordedEvent(
        event_id=uuid4(),
        stream_id="feedback-1",
        stream_type="feedback",
        stream_version=3,
        position=17,
        transaction_id=900,
        event_type="FeedbackReceived",
        schema_version=1,
        payload={"text": "hi"},
        metadata=EventMetadata(
            tenant_id="acme", actor="ana", correlation_id="c-1", workspace_id="ws-1"
        ),
        recorded_at=datetime(2026, 11, 26, 12, tzinfo=UTC),
    )


def test_encode_then_decode_keeps_every_attribute() -> None:
    event = recorded()
    record = encode(event, registry, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    assert record.key == b"feedback-1"
    back = decode(record.headers, record.value)
    assert back.id == event.event_id
    assert back.type == "io.sextant.feedback.FeedbackReceived.v1"
    assert back.source == "/sextant/feedback"
    assert back.subject == "feedback-1"
    assert back.time == event.recorded_at
    assert back.data == {"text": "hi"}
    assert back.stream_version == 3
    assert back.position == 17
    meta = back.metadata()
    assert (meta.tenant_id, meta.actor, meta.correlation_id, meta.workspace_id) == (
        "acme",
        "ana",
        "c-1",
        "ws-1",
    )
    assert back.traceparent is not None


@pytest.mark.parametrize(
    ("drop", "value", "message"),
    [
        ("ce_type", b"{}", "ce_type"),
        ("ce_id", b"{}", "ce_id"),
        (None, b"not json", "not JSON"),
        (None, b"[1]", "JSON object"),
        (None, None, "tombstone"),
    ],
)
def test_decode_names_what_is_wrong(drop: str | None, value: bytes | None, message: str) -> None:
    headers = [(k, v) for k, v in encode(recorded(), registry).headers if k != drop]
    with pytest.raises(EnvelopeError, match=message):
        decode(headers, value)


def test_bad_id_and_version_are_rejected() -> None:
    headers = dict(encode(recorded(), registry).headers)
    with pytest.raises(EnvelopeError, match="UUID"):
        decode(list({**headers, "ce_id": b"nope"}.items()), b"{}")
    with pytest.raises(EnvelopeError, match="specversion"):
        decode(list({**headers, "ce_specversion": b"0.3"}.items()), b"{}")


@pytest.mark.parametrize(
    "time",
    [
        "2026-11-29T10:00:00",  # no offset
        "2026-11-29",  # a day
        "20261129T100000+00:00",  # the basic format
        "0001-01-01T00:00:00+05:00",  # no time in UTC
    ],
)
def test_a_time_that_is_not_rfc_3339_is_refused(time: str) -> None:
    headers = dict(encode(recorded(), registry).headers)
    with pytest.raises(EnvelopeError, match="ce_time"):
        decode(list({**headers, "ce_time": time.encode()}.items()), b"{}")
    sent = "2026-11-29t10:00:00.25Z"
    at = decode(list({**headers, "ce_time": sent.encode()}.items()), b"{}").time
    assert at == datetime(2026, 11, 29, 10, 0, 0, 250000, tzinfo=UTC)
