"""The roadmap service in one process, its projections consuming, and an HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare
from sextant_roadmap.service import definition


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as rt:
        rt.subscribe_projections()
        await rt.broker.start()
        yield rt


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=runtime.http_app(with_routes=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
        yield client


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body
