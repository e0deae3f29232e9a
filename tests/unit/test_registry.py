from typing import Any

import pytest
from pydantic import ValidationError
from sextant_kit import Event, EventRegistry
from sextant_kit.registry import InvalidEventPayload, UnknownEventType, parse_ce_type


class ThingRenamed(Event):
    event_type = "ThingRenamed"
    schema_version = 2

    thing_id: str
    title: str


def upcast_v1(payload: dict[str, Any]) -> dict[str, Any]:
    return {"thing_id": payload["id"], "title": payload["name"]}


registry = EventRegistry("things", [ThingRenamed], {("ThingRenamed", 1): upcast_v1})


def test_current_version_decodes() -> None:
    event = registry.decode("ThingRenamed", 2, {"thing_id": "t", "title": "x"})
    assert event == ThingRenamed(thing_id="t", title="x")


def test_old_version_is_upcast() -> None:
    assert registry.decode("ThingRenamed", 1, {"id": "t", "name": "x"}) == ThingRenamed(
        thing_id="t", title="x"
    )


def test_unknown_type_and_newer_version_are_refused() -> None:
    with pytest.raises(UnknownEventType):
        registry.decode("Nope", 1, {})
    with pytest.raises(UnknownEventType, match="newer"):
        registry.decode("ThingRenamed", 3, {})


def test_invalid_payload_names_the_field() -> None:
    with pytest.raises(InvalidEventPayload, match="title"):
        registry.decode("ThingRenamed", 2, {"thing_id": "t"})


def test_ce_type_round_trip() -> None:
    assert parse_ce_type(registry.ce_type("ThingRenamed", 2)) == ("things", "ThingRenamed", 2)
    with pytest.raises(UnknownEventType):
        parse_ce_type("com.example.Thing")


class ThingArchived(Event):
    event_type = "ThingArchived"
    schema_version = 1

    thing_id: str


def test_a_read_model_consumes_what_it_uses_and_passes_over_its_context_s_other_types() -> None:
    consumes = EventRegistry("things", [ThingRenamed, ThingArchived]).consumer_of([ThingRenamed])
    assert consumes("io.sextant.things.ThingRenamed.v2")
    assert consumes("io.sextant.things.ThingRenamed.v1")  # an old version is upcast
    assert not consumes("io.sextant.things.ThingArchived.v1")
    assert not consumes("io.sextant.things.ThingArchived.v7")  # someone else's, any version
    # Not passed over, so the read model applies them or dead-letters them as it does now:
    assert consumes("io.sextant.things.ThingInvented.v1")  # a type this context lacks
    assert consumes("io.sextant.other.ThingArchived.v1")  # another context's
    assert consumes("com.example.thing")


def test_a_read_model_cannot_name_a_type_its_context_does_not_have() -> None:
    with pytest.raises(UnknownEventType, match="ThingArchived"):
        registry.consumer_of([ThingArchived])


class ThingMeasured(Event):
    event_type = "ThingMeasured"

    value: float


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_an_event_cannot_hold_a_number_json_cannot(value: float) -> None:
    """The store writes JSON: NaN or infinity would be kept as null, and the aggregate's
    stream could not be decoded again; the event is refused when it is made instead."""
    with pytest.raises(ValidationError, match="finite number"):
        ThingMeasured(value=value)
    assert ThingMeasured(value=1e308).value == 1e308
