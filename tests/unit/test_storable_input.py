"""What no request may bring in: text PostgreSQL cannot store, and numbers JSON does not
have, refused at the door with 422 naming the field; moments it cannot store, refused by
their type."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from pydantic import TypeAdapter, ValidationError
from sextant_kit.http import StorableTextMiddleware
from sextant_kit.storable import Moment
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"got": (await request.body()).decode()})


@pytest.fixture
async def client() -> httpx.AsyncClient:
    app = StorableTextMiddleware(Starlette(routes=[Route("/x", echo, methods=["POST"])]))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-2.5E+999"])
async def test_nan_and_infinity_are_refused_naming_the_field(
    client: httpx.AsyncClient, token: str
) -> None:
    body = '{"inputs": {"reach": 1, "impact": TOKEN}, "items": [1, 2]}'.replace("TOKEN", token)
    answer = await client.post("/x", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert (error["field"], error["type"]) == ("body.inputs.impact", "finite_number")
    assert "send a finite number" in answer.json()["detail"]


async def test_unstorable_text_is_refused_and_sound_bodies_pass(client: httpx.AsyncClient) -> None:
    nul = await client.post("/x", content='{"items": ["ok", "a\\u0000b"]}')
    assert nul.status_code == 422
    assert nul.json()["errors"][0] == {
        "field": "body.items.1",
        "message": "text cannot contain NUL or unpaired surrogate characters",
        "type": "string_unstorable",
    }
    sound = '{"value": 1e308, "text": "NaN and Infinity as words"}'
    passed = await client.post("/x", content=sound)
    assert (passed.status_code, passed.json()["got"]) == (200, sound)


async def test_json_nested_too_deeply_to_read_is_a_422(client: httpx.AsyncClient) -> None:
    deep = '{"tags": ' + "[" * 5000 + "]" * 5000 + "}"
    answer = await client.post("/x", content=deep)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["type"] == "json_too_deep"


def test_a_moment_is_one_utc_has_and_without_a_zone_is_in_utc() -> None:
    moments = TypeAdapter(Moment)
    assert moments.validate_python("2026-03-01T10:00:00") == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert moments.validate_python("0001-01-01T00:00:00-05:00").year == 1
    for no_utc_time in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"):
        with pytest.raises(ValidationError, match="has no time in UTC in the years 1 to 9999"):
            moments.validate_python(no_utc_time)


def test_a_moment_given_as_a_number_is_refused_not_guessed() -> None:
    moments = TypeAdapter(Moment)
    for number in (1700000000, 1700000000.5, "1700000000", " -5 ", "+1700000000", "1.7e9"):
        with pytest.raises(ValidationError, match="give a date and time as RFC 3339 text"):
            moments.validate_python(number)
