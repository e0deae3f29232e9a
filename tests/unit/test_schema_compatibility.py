"""The compatibility rules for published event schemas, on real pydantic models."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel
from sextant_platform import SERVICES
from sextant_platform.compat import breaking_changes
from sextant_platform.schemas import ROOT, documents, incompatible


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class V1(BaseModel):
    id: str
    count: int
    colour: Colour
    note: str | None = None


def test_adding_an_optional_field_or_widening_is_compatible() -> None:
    class Added(V1):
        extra: str | None = None

    class Widened(BaseModel):
        id: str
        count: float
        colour: Colour
        note: str | None = None

    assert breaking_changes(V1.model_json_schema(), Added.model_json_schema()) == []
    assert breaking_changes(V1.model_json_schema(), Widened.model_json_schema()) == []


def test_removing_requiring_retyping_or_narrowing_breaks() -> None:
    class Removed(BaseModel):
        id: str
        colour: Colour

    class Required(V1):
        must: str

    class Retyped(BaseModel):
        id: int
        count: int
        colour: Colour

    class Narrow(StrEnum):
        RED = "red"

    class Narrowed(BaseModel):
        id: str
        count: int
        colour: Narrow

    old = V1.model_json_schema()
    assert breaking_changes(old, Removed.model_json_schema()) == ["count: removed", "note: removed"]
    assert breaking_changes(old, Required.model_json_schema()) == [
        "must: now required (events written before lack it)"
    ]
    assert any("id: type changed" in p for p in breaking_changes(old, Retyped.model_json_schema()))
    assert breaking_changes(old, Narrowed.model_json_schema())[-1] == (
        "colour: enum values removed: blue"
    )


def test_the_published_schemas_are_not_broken_by_the_models() -> None:
    assert incompatible(ROOT / "schemas", documents(SERVICES)) == {}
