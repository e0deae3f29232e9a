"""The discovery service in one process, with its projections subscribed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sextant_discovery.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.support import topic_is_known


@pytest.fixture(scope="module")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    await topic_is_known(settings, settings.topic(definition.registry.topic))
    await topic_is_known(settings, settings.topic("sextant.feedback.events.v1"))
    async with open_runtime(definition, settings) as rt:
        rt.subscribe_projections()
        await rt.broker.start()
        yield rt


@pytest.fixture(scope="module")
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=runtime.http_app(with_routes=True))
    async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
        yield client


@pytest.fixture(scope="module")
async def feedback(settings: Settings) -> AsyncIterator[tuple[Runtime, httpx.AsyncClient]]:
    """The feedback service in the same process: its links become discovery evidence."""
    from sextant_feedback.service import definition as feedback_definition

    await prepare(feedback_definition, settings)
    async with open_runtime(feedback_definition, settings) as rt:
        transport = httpx.ASGITransport(app=rt.http_app(with_routes=True))
        async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
            yield rt, client
