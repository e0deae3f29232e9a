"""The strategy service in one process, with its projections subscribed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare
from sextant_strategy.service import definition

from tests.support import topic_is_known


@pytest.fixture(scope="module")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    await topic_is_known(settings, settings.topic(definition.registry.topic))
    async with open_runtime(definition, settings) as rt:
        rt.subscribe_projections()
        await rt.broker.start()
        yield rt


@pytest.fixture(scope="module")
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=runtime.http_app(with_routes=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
        yield client
