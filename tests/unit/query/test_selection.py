"""Which events a query projection reads off a domain topic, and how strictly."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sextant_kit import IncomingEvent
from sextant_kit.registry import InvalidEventPayload, UnknownEventType
from sextant_query.projections.objectives import STRATEGY
from sextant_query.projections.selection import Consumes
from sextant_roadmap.domain.events import ItemAdded
from sextant_strategy.domain.objective_events import ObjectiveClosed
from sextant_strategy.events import registry


def incoming(ce_type: str, data: dict[str, Any]) -> IncomingEvent:
    return IncomingEvent(
        id=uuid.uuid4(),
        source="/sextant/strategy",
        type=ce_type,
        subject=None,
        time=None,
        data=data,
        extensions={"tenantid": "t", "actor": "a"},
        traceparent=None,
        tracestate=None,
    )


CLOSED = {
    "objective_id": str(uuid.uuid4()),
    "outcome": "achieved",
    "note": None,
    "closed_at": "2026-09-30T12:00:00+00:00",
    "closed_by": "pm",
}


def test_a_consumed_event_is_decoded_into_its_model() -> None:
    fact = STRATEGY.decode(incoming("io.sextant.strategy.ObjectiveClosed.v1", CLOSED))
    assert isinstance(fact, ObjectiveClosed)


def test_event_types_the_read_model_does_not_use_are_passed_over_unparsed() -> None:
    assert STRATEGY.decode(incoming("io.sextant.strategy.VisionRevised.v1", {})) is None
    assert STRATEGY.decode(incoming("io.sextant.strategy.SomethingNew.v1", {"x": 1})) is None


def test_a_malformed_consumed_event_raises_so_the_runner_dead_letters_it() -> None:
    with pytest.raises(InvalidEventPayload):
        STRATEGY.decode(incoming("io.sextant.strategy.ObjectiveClosed.v1", {"outcome": "won"}))


def test_a_version_the_reader_does_not_know_raises() -> None:
    with pytest.raises(UnknownEventType):
        STRATEGY.decode(incoming("io.sextant.strategy.ObjectiveClosed.v2", CLOSED))


def test_another_contexts_event_on_the_topic_raises() -> None:
    with pytest.raises(UnknownEventType):
        STRATEGY.decode(incoming("io.sextant.roadmap.ItemAdded.v1", {}))
    with pytest.raises(UnknownEventType):
        STRATEGY.decode(incoming("not a cloudevents type", {}))


def test_a_read_model_cannot_claim_an_event_type_its_context_does_not_have() -> None:
    with pytest.raises(ValueError, match="ItemAdded"):
        Consumes[ItemAdded](registry, (ItemAdded,))
