"""The feedback slice as a user drives it: HTTP in, Kafka out, read models back."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.integration.kit_support import read_topic
from tests.support import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
async def http(platform: Platform) -> Any:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=10) as client:
        yield client


async def event_count(platform: Platform) -> int:
    conn = await asyncpg.connect(platform.settings.dsn(platform.settings.database("feedback")))
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
        return count
    finally:
        await conn.close()


async def audit_of(http: httpx.AsyncClient, subject: str, count: int) -> list[dict[str, Any]]:
    """The audit entries of ``subject`` once the audit projection has ``count`` of them."""
    entries: list[dict[str, Any]] = []

    async def projected() -> None:
        body = (await http.get("/v1/feedback/audit", params={"subject": subject})).json()
        assert len(body["items"]) >= count
        entries[:] = body["items"]

    await eventually(projected)
    return entries


async def wait_for_item(http: httpx.AsyncClient, workspace: str, item: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    async def visible() -> None:
        response = await http.get(f"/v1/workspaces/{workspace}/feedback/{item}")
        assert response.status_code == 200, response.text
        found.update(response.json())

    await eventually(visible)
    return found


async def test_feedback_flows_from_http_through_kafka_to_the_read_models(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    workspace = f"ws-{uuid.uuid4().hex[:8]}"
    response = await http.post(
        f"/v1/workspaces/{workspace}/feedback",
        json={
            "text": "Bulk edit for roadmap items",
            "source": "sales_call",
            "customer_ref": "acme-corp",
        },
        headers={"X-Sextant-Actor": "pm.ana", "X-Correlation-Id": "walkthrough-1"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    item = body["id"]
    assert body["created"] is True
    assert body["consistency_token"].startswith("feedback:")
    assert response.headers["location"].endswith(item)

    got = await wait_for_item(http, workspace, item)
    assert got["text"] == "Bulk edit for roadmap items"
    assert got["source"] == "sales_call"
    assert got["customer_ref"] == "acme-corp"

    entries = await audit_of(http, item, 1)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["actor"] == "pm.ana"
    assert entry["correlation_id"] == "walkthrough-1"
    assert entry["event_type"] == "io.sextant.feedback.FeedbackReceived.v1"
    assert entry["workspace_id"] == workspace

    topic = platform.settings.topic("sextant.feedback.events.v1")
    records = await read_topic(platform.settings.kafka_bootstrap, topic, 10_000, timeout_ms=3000)
    mine = [r for r in records if r.key == item.encode()]
    assert len(mine) == 1
    assert dict(mine[0].headers)["ce_type"] == b"io.sextant.feedback.FeedbackReceived.v1"


async def test_the_same_external_id_twice_is_one_item(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    workspace = f"ws-{uuid.uuid4().hex[:8]}"
    payload = {"text": "CSV export breaks", "source": "support_ticket", "external_id": "ZD-1"}
    first = await http.post(f"/v1/workspaces/{workspace}/feedback", json=payload)
    before = await event_count(platform)
    second = await http.post(f"/v1/workspaces/{workspace}/feedback", json=payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["created"] is False
    assert await event_count(platform) == before
    resent = await http.post(
        f"/v1/workspaces/{workspace}/feedback", json={**payload, "text": "edited upstream"}
    )
    assert resent.status_code == 200  # re-sending is harmless, whatever changed upstream
    assert await event_count(platform) == before
    await wait_for_item(http, workspace, first.json()["id"])
    assert len(await audit_of(http, first.json()["id"], 1)) == 1


async def test_an_idempotency_key_replays_the_first_answer(http: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    payload = {"text": "Slack integration", "source": "community"}
    first = await http.post("/v1/workspaces/ws-idem/feedback", json=payload, headers=headers)
    again = await http.post("/v1/workspaces/ws-idem/feedback", json=payload, headers=headers)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["positions"] == first.json()["positions"]


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/v1/workspaces/ws/feedback", {"source": "survey"}, "body.text"),
        ("/v1/workspaces/ws/feedback", {"text": "  ", "source": "survey"}, "body.text"),
        ("/v1/workspaces/ws/feedback", {"text": "x", "source": "pigeon"}, "body.source"),
        ("/v1/workspaces/ws/feedback", {"text": "x", "source": "survey", "votes": 3}, "body.votes"),
        ("/v1/workspaces/ws/feedback", {"text": "x" * 20_001, "source": "survey"}, "body.text"),
        (
            "/v1/workspaces/bad%20ws/feedback",
            {"text": "x", "source": "survey"},
            "path.workspace_id",
        ),
    ],
)
async def test_invalid_input_gets_422_naming_the_field_and_writes_nothing(
    http: httpx.AsyncClient, platform: Platform, path: str, payload: dict[str, Any], field: str
) -> None:
    before = await event_count(platform)
    response = await http.post(path, json=payload)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert field in [e["field"] for e in problem["errors"]]
    assert field in problem["detail"]
    await asyncio.sleep(0)
    assert await event_count(platform) == before


async def test_unknown_items_are_404_problems(http: httpx.AsyncClient) -> None:
    response = await http.get(f"/v1/workspaces/ws/feedback/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    malformed = await http.get("/v1/workspaces/ws/feedback/not-a-uuid")
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "path.feedback_id"


async def test_a_stakeholder_may_not_record_feedback(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/v1/workspaces/ws/feedback",
        json={"text": "x", "source": "email"},
        headers={"X-Sextant-Role": "stakeholder"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    contributor = await http.post(
        "/v1/workspaces/ws/feedback",
        json={"text": "x", "source": "email"},
        headers={"X-Sextant-Role": "contributor"},
    )
    assert contributor.status_code == 201


async def test_bodies_over_the_limit_are_413_naming_it(http: httpx.AsyncClient) -> None:
    huge = b'{"items": [' + b'{"text": "' + b"x" * (9 * 1024 * 1024) + b'", "source": "email"}]}'
    declared = await http.post(
        "/v1/workspaces/ws/feedback/batch",
        content=huge,
        headers={"content-type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["limit_bytes"] == 8 * 1024 * 1024

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(huge), 1024 * 1024):
            yield huge[i : i + 1024 * 1024]

    streamed = await http.post(
        "/v1/workspaces/ws/feedback/batch",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert streamed.status_code == 413
    assert "8,388,608 bytes" in streamed.json()["detail"]
