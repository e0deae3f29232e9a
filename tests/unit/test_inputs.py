"""External input's models: a number field takes a number (or its text), never ``true`` or
``false``, and every model a route reads its body with is such a model."""

from __future__ import annotations

import json
import typing
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError
from sextant_feedback.ingest import FeedbackIn
from sextant_kit.inputs import Body
from sextant_platform import SERVICES
from sextant_platform.openapi import offline_runtime


class Part(Body):
    share: float


class Sample(Body):
    count: int = 0
    amount: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    ratio: float | None = None
    values: list[int] = Field(default_factory=list)
    by_name: dict[str, float] = Field(default_factory=dict)
    parts: list[Part] = Field(default_factory=list)
    flag: bool = False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": True}, ("count",)),
        ({"amount": False}, ("amount",)),
        ({"ratio": True}, ("ratio",)),
        ({"values": [1, True]}, ("values", 1)),
        ({"by_name": {"a": False}}, ("by_name", "a")),
        ({"parts": [{"share": True}]}, ("parts", 0, "share")),
    ],
)
def test_a_truth_value_is_no_number(body: dict[str, Any], field: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as from_python:
        Sample.model_validate(body)
    with pytest.raises(ValidationError) as from_json:
        Sample.model_validate_json(json.dumps(body))
    for refused in (from_python, from_json):
        [error] = refused.value.errors()
        assert (error["loc"], error["type"]) == (field, "number_not_boolean")
        assert error["msg"] in (
            "Input should be a number, not true",
            "Input should be a number, not false",
        )


def test_numbers_and_their_text_still_pass_and_so_do_truth_values_where_asked_for() -> None:
    read = Sample.model_validate_json(
        '{"count": "3", "amount": "12.50", "ratio": 0.5, "values": [1, "2"],'
        ' "by_name": {"a": 1}, "parts": [{"share": "0.25"}], "flag": true}'
    )
    assert (read.count, read.amount, read.values, read.parts[0].share, read.flag) == (
        3,
        Decimal("12.50"),
        [1, 2],
        0.25,
        True,
    )
    with pytest.raises(ValidationError, match="extra"):
        Sample.model_validate({"unknown": 1})


def _models(annotation: Any, found: set[type[BaseModel]]) -> None:
    for argument in typing.get_args(annotation):
        _models(argument, found)
    if (
        isinstance(annotation, type)
        and issubclass(annotation, BaseModel)
        and annotation not in found
    ):
        found.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)


def _routes(router: Any) -> typing.Iterator[APIRoute]:
    for route in router.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # a router included in the app
            yield from _routes(route.original_router)


def test_every_model_a_body_is_read_with_is_an_input_model() -> None:
    found: set[type[BaseModel]] = {FeedbackIn}  # files and the inbound topic read it too
    for definition in SERVICES:
        for route in _routes(offline_runtime(definition).http_app(with_routes=True)):
            for parameter in route.dependant.body_params:
                _models(parameter.field_info.annotation, found)
    assert len(found) > 50
    assert sorted(m.__qualname__ for m in found if not issubclass(m, Body)) == []


class Dated(Body):
    on: date
    at: datetime | None = None


@pytest.mark.parametrize("number", [1800057600, "1800057600", "+1.7e9", "20261201", True])
def test_a_day_or_a_moment_given_as_a_number_is_refused(number: object) -> None:
    """Pydantic would read it as seconds since 1970: a guess at what the sender meant."""
    with pytest.raises(ValidationError, match="give a day as ISO 8601 text"):
        Dated.model_validate({"on": number})
    with pytest.raises(ValidationError, match="give a date and time as RFC 3339 text"):
        Dated.model_validate({"on": "2026-11-02", "at": number})
    written = Dated.model_validate({"on": "2026-11-02", "at": "2026-11-02T09:00:00Z"})
    assert (written.on, written.at) == (date(2026, 11, 2), datetime(2026, 11, 2, 9, tzinfo=UTC))
