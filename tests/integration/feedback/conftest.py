"""The feedback service running in this process: HTTP via ASGI, relay on demand,
projections consuming from the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.support import eventually


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as runtime:
        runtime.subscribe_projections()
        await runtime.broker.start()
        yield runtime


@pytest.fixture(scope="module")
async def http(rt: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=rt.http_app(with_routes=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
        yield client


Check = Callable[[], Awaitable[None]]


@pytest.fixture
def settle(rt: Runtime) -> Callable[[Check], Awaitable[None]]:
    """Publish what the store holds, then wait until ``check`` passes."""

    async def run(check: Check) -> None:
        relay = rt.relay()

        async def published_and_checked() -> None:
            await relay.publish_batch()
            await check()

        await eventually(published_and_checked, within=60)

    return run


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def register_customers(http: httpx.AsyncClient, *accounts: tuple[str, str, str]) -> None:
    """Customer accounts, each as (ref, annual revenue, segment), named by their ref."""
    for ref, revenue, segment in accounts:
        body = {"ref": ref, "name": ref, "segment": segment, "annual_revenue": revenue}
        await ok(await http.post("/v1/customers", json=body), 201)
