from typing import Any

import pytest
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
