"""Helpers for driving the strategy API in tests."""

from __future__ import annotations

from typing import Any

import httpx
from sextant_kit.service import Runtime

from tests.support import publish_all


async def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def publish(rt: Runtime) -> None:
    """Move committed events to Kafka now instead of waiting for the relay loop."""
    await publish_all(rt)


async def event_count(rt: Runtime) -> int:
    count: int = await rt.pool.fetchval("SELECT count(*) FROM events")
    return count
