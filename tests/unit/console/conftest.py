"""The console app against a fake API, for every page test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sextant_console import ConsoleSettings, create_app

from tests.unit.console.support import FakeApi


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
async def client(api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ConsoleSettings(api_url="http://api.test"), transport=httpx.MockTransport(api))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://console.test"
        ) as test_client,
    ):
        yield test_client
