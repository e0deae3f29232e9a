"""The query service beside the four domain services it reads, all in one process.

The domain services take commands over HTTP and their relays publish to the session's
topics; the query service's projections consume those topics, as in production. One
platform serves the whole session: restarting the query service per module would make its
consumer groups rejoin, which on a loaded machine can take longer than a test waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from sextant_discovery.service import definition as discovery
from sextant_feedback.service import definition as feedback
from sextant_kit import Settings
from sextant_kit.service import Runtime, ServiceDefinition, open_runtime, prepare
from sextant_query.service import definition as query
from sextant_roadmap.service import definition as roadmap
from sextant_strategy.service import definition as strategy

from tests.support import publish_all, topic_is_known

WRITERS: tuple[ServiceDefinition, ...] = (strategy, roadmap, discovery, feedback)


@dataclass
class Platform:
    """HTTP clients of the services, and the runtimes whose relays the tests drive."""

    runtimes: dict[str, Runtime]
    clients: dict[str, httpx.AsyncClient]

    async def publish(self) -> None:
        """Move every committed event to Kafka now instead of waiting for the relay loops."""
        for definition in WRITERS:
            await publish_all(self.runtimes[definition.context])

    @property
    def query(self) -> httpx.AsyncClient:
        return self.clients["query"]


@pytest.fixture(scope="session")
async def platform(settings: Settings) -> AsyncIterator[Platform]:
    async with AsyncExitStack() as stack:
        runtimes: dict[str, Runtime] = {}
        clients: dict[str, httpx.AsyncClient] = {}
        for definition in (*WRITERS, query):
            await prepare(definition, settings)
        for topic in query.extra_topics:
            await topic_is_known(settings, settings.topic(topic))
        for definition in (*WRITERS, query):
            rt = await stack.enter_async_context(open_runtime(definition, settings))
            if definition is query:  # the domain services' own read models are not needed
                rt.subscribe_projections()
            await rt.broker.start()
            transport = httpx.ASGITransport(app=rt.http_app(with_routes=True))
            clients[definition.context] = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://sextant", timeout=30)
            )
            runtimes[definition.context] = rt
        yield Platform(runtimes, clients)
