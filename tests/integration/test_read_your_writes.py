"""A read that carries a command's consistency token sees that command's effects, or a 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.consistency import HEADER, Token
from sextant_kit.service import Runtime

from tests.support import running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    """Projections consume, but nothing is published until a test runs the relay."""
    quick = settings.model_copy(update={"consistency_wait_seconds": 3.0})
    async with running(definition, quick) as runtime:
        yield runtime


@pytest.fixture
async def http(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x", timeout=30
    ) as client:
        yield client


async def publish_soon(rt: Runtime) -> None:
    """Run the relay shortly after the read has started waiting, until the test stops it."""
    await asyncio.sleep(0.1)
    while True:
        await rt.relay().publish_batch()
        await asyncio.sleep(0.05)


async def test_a_read_with_the_token_waits_for_the_write(
    rt: Runtime, http: httpx.AsyncClient, unique: str
) -> None:
    inbox = f"/v1/workspaces/ws-{unique}/feedback"
    created = await http.post(inbox, json={"text": "Dark mode", "source": "email"})
    token = created.json()["consistency_token"]
    assert token.startswith("feedback:")

    # Nothing has been published yet: the read waits its bound, then says so.
    stale = await http.get(inbox, headers={HEADER: token})
    assert stale.status_code == 503
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.headers["Retry-After"] == "1"
    assert stale.json()["type"].endswith("/consistency-timeout")
    assert token in stale.json()["detail"]
    assert (await http.get(inbox)).json()["items"] == []  # without a token: answers at once

    publishing = asyncio.create_task(publish_soon(rt))
    fresh = await http.get(inbox, headers={HEADER: token})
    publishing.cancel()
    assert fresh.status_code == 200
    assert [i["text"] for i in fresh.json()["items"]] == ["Dark mode"]

    # The audit log is a projection of the same topic; the token covers it too.
    audited = await http.get(
        "/v1/feedback/audit", params={"subject": created.json()["id"]}, headers={HEADER: token}
    )
    assert len(audited.json()["items"]) == 1


async def test_the_token_of_a_batch_covers_every_item(
    rt: Runtime, http: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    items = [{"text": f"item {i}", "source": "survey"} for i in range(200)]
    batch = await http.post(f"/v1/workspaces/{ws}/feedback/batch", json={"items": items})
    assert batch.status_code == 200, batch.text
    token = batch.json()["consistency_token"]

    publishing = asyncio.create_task(publish_soon(rt))
    page = await http.get(
        f"/v1/workspaces/{ws}/feedback", params={"limit": 200}, headers={HEADER: token}
    )
    publishing.cancel()
    assert page.status_code == 200
    assert len(page.json()["items"]) == 200


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("yesterday", "must be a command's consistency_token"),
        (
            "roadmap:12",
            "names the roadmap context; this service answers for the commands of: feedback",
        ),
        ("feedback:999999999", "no event of feedback is at position 999999999"),
        ("feedback:9999999999999999999", "must be a command's consistency_token"),  # > bigint
    ],
)
async def test_a_token_that_names_nothing_here_is_a_clear_422(
    http: httpx.AsyncClient, token: str, says: str
) -> None:
    answer = await http.get("/v1/workspaces/ws-x/feedback", headers={HEADER: token})
    assert answer.status_code == 422
    assert says in answer.json()["detail"]
    assert answer.json()["errors"][0]["field"] == "header.X-Sextant-Consistency-Token"


async def test_commands_ignore_the_header(http: httpx.AsyncClient, unique: str) -> None:
    answer = await http.post(
        f"/v1/workspaces/ws-{unique}/feedback",
        json={"text": "Export to CSV", "source": "email"},
        headers={HEADER: "nonsense"},
    )
    assert answer.status_code == 201


async def test_a_read_waits_only_for_the_projections_that_consume_the_write(
    rt: Runtime, http: httpx.AsyncClient, unique: str
) -> None:
    created = await http.post(
        f"/v1/workspaces/ws-{unique}/feedback", json={"text": "Dark mode", "source": "email"}
    )
    token = Token.parse(created.json()["consistency_token"])
    source = rt.consistency_source()
    assert len(source.projections) >= 2
    assert await source.caught_up(token.position) is False  # not published: not applied

    def passes_over_it(ce_type: str) -> bool:
        return ce_type != "io.sextant.feedback.FeedbackReceived.v1"

    # A projection that passes over the event type never claims it: nothing to wait for.
    nobody = replace(source, projections=dict.fromkeys(source.projections, passes_over_it))
    assert await nobody.caught_up(token.position) is True
    first = next(iter(source.projections))
    one = replace(nobody, projections={**nobody.projections, first: None})
    assert await one.caught_up(token.position) is False
