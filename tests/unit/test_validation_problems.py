"""A request that fails validation is a 422 naming each bad field once, and only those."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import httpx
from fastapi import APIRouter, Query
from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field
from sextant_kit.api import MOMENT, TEXT, decode_cursor, encode_cursor
from sextant_kit.auth import authenticator_from
from sextant_kit.http import create_http_app
from sextant_kit.metrics import Metrics
from sextant_kit.settings import Settings


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem_ids: Annotated[tuple[UUID, ...], Field(min_length=1, max_length=5)]


class MemberIn(BaseModel):
    member: Annotated[str, Field(min_length=1, pattern=r"^\S+$")]


def client() -> httpx.AsyncClient:
    router = APIRouter()

    @router.post("/links")
    async def link(body: LinkIn) -> dict[str, int]:
        return {"linked": len(body.problem_ids)}

    @router.get("/pages")
    async def pages(cursor: str | None = None) -> dict[str, object]:
        return {"after": decode_cursor(cursor, MOMENT, TEXT)}

    @router.post("/commands")
    async def command(raw: dict[str, object]) -> dict[str, int]:
        # A command built inside a handler from accepted input, as the services do.
        return {"linked": len(LinkIn.model_validate(raw).problem_ids)}

    @router.get("/tagged")
    async def tagged(
        limit: int = 10, tag: Annotated[list[str] | None, Query()] = None
    ) -> dict[str, object]:
        return {"limit": limit, "tags": tag or []}

    @router.delete("/members/{member}")
    async def revoke(member: str) -> dict[str, str]:
        # ... here from the path
        return {"member": MemberIn.model_validate({"member": member}).member}

    app = create_http_app(
        title="t",
        metrics=Metrics(),
        tracer=trace.get_tracer("test"),
        readiness={},
        authenticator=authenticator_from(Settings(auth_mode="dev")),
        routers=[router],
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_bad_items_of_a_list_are_named_without_calling_the_list_short() -> None:
    """Pydantic also reports a tuple whose items all failed as too short ("at least 1 item
    after validation, not 0"); the list had two items, so only their errors are given."""
    async with client() as http:
        for path in ("/links", "/commands"):
            answer = await http.post(path, json={"problem_ids": ["p-sso", "p-export"]})
            assert answer.status_code == 422
            fields = [(e["field"], e["type"]) for e in answer.json()["errors"]]
            assert fields == [
                ("body.problem_ids.0", "uuid_parsing"),
                ("body.problem_ids.1", "uuid_parsing"),
            ], path


async def test_a_list_that_is_short_or_long_is_still_named() -> None:
    async with client() as http:
        empty = await http.post("/links", json={"problem_ids": []})
        assert [e["type"] for e in empty.json()["errors"]] == ["too_short"]
        ids = [str(UUID(int=i)) for i in range(6)]
        long = await http.post("/links", json={"problem_ids": ids})
        assert [(e["field"], e["type"]) for e in long.json()["errors"]] == [
            ("body.problem_ids", "too_long")
        ]


async def test_a_cursor_the_api_did_not_give_is_named_as_such() -> None:
    async with client() as http:
        good = await http.get("/pages", params={"cursor": encode_cursor("2026-11-28", "x")})
        assert good.json() == {"after": ["2026-11-28", "x"]}
        for odd in ("zzz", encode_cursor("only one"), "W10="):
            bad = await http.get("/pages", params={"cursor": odd})
            assert bad.status_code == 422
            problem = bad.json()
            assert (problem["type"], problem["title"]) == (
                "https://sextant.dev/problems/invalid-cursor",
                "Invalid cursor",
            )
            assert problem["errors"][0]["field"] == "query.cursor"
            assert "without it" in problem["detail"]


async def test_what_cannot_be_read_is_named_where_it_came_from() -> None:
    async with client() as http:
        member = await http.delete("/members/%20")  # checked by the command, from the path
        assert [e["field"] for e in member.json()["errors"]] == ["path.member"]
        cut = await http.post(
            "/links", content=b'{"problem_ids": ["a"]', headers={"content-type": "application/json"}
        )
        assert cut.status_code == 422
        [error] = cut.json()["errors"]
        assert error["field"] == "body"
        assert error["message"].startswith("JSON decode error: ")
        assert error["message"].endswith(" at character 21")
        latin = await http.post(
            "/links",
            content='{"problem_ids": ["café"]}'.encode("latin-1"),
            headers={"content-type": "application/json"},
        )
        assert (latin.status_code, latin.json()["errors"][0]["type"]) == (422, "body_not_utf8")
        digits = "9" * 5000
        huge = await http.post(
            "/links",
            content=f'{{"problem_ids": [{digits}]}}'.encode(),
            headers={"content-type": "application/json"},
        )
        assert (huge.status_code, huge.json()["errors"][0]["field"]) == (
            422,
            "body.problem_ids.0",
        )


async def test_a_single_valued_query_parameter_given_twice_is_refused() -> None:
    async with client() as http:
        twice = await http.get("/tagged", params=[("limit", "999999"), ("limit", "1")])
        assert twice.status_code == 422
        assert twice.json()["errors"][0]["field"] == "query.limit"
        assert twice.json()["title"] == "Invalid request"
        listed = await http.get("/tagged", params=[("tag", "a"), ("tag", "b"), ("limit", "2")])
        assert listed.json() == {"limit": 2, "tags": ["a", "b"]}
