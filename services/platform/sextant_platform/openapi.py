"""Each service's OpenAPI document, built from its routers without connecting to anything."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
from opentelemetry.trace import NoOpTracerProvider
from sextant_kit import kafka
from sextant_kit.eventstore import PostgresEventStore
from sextant_kit.metrics import Metrics
from sextant_kit.service import Runtime, ServiceDefinition
from sextant_kit.settings import Settings


def offline_runtime(definition: ServiceDefinition) -> Runtime:
    """A runtime whose pool is never opened and whose broker is never started.

    Routers only keep references to the pool, store and broker while they are built, so
    this is enough to compose the HTTP app and ask it for its OpenAPI document.
    """
    settings = Settings.model_construct(auth_mode="dev")  # no keys needed to describe the API
    metrics = Metrics()
    # create_pool without await builds the Pool object; it connects only when awaited. Given
    # a loop of its own, closed at once, it leaves none open behind it (without one it would
    # make the thread's, whose sockets then wait for the garbage collector).
    loop = asyncio.new_event_loop()
    pool = asyncpg.create_pool(
        settings.dsn(settings.database(definition.context)), min_size=0, loop=loop
    )
    loop.close()
    store = PostgresEventStore(pool, metrics=metrics)
    broker = kafka.build_broker(settings, client_id=f"sextant-{definition.context}-openapi")
    return Runtime(definition, settings, pool, store, broker, metrics, NoOpTracerProvider())


def openapi_document(definition: ServiceDefinition) -> dict[str, Any]:
    app = offline_runtime(definition).http_app(with_routes=True)
    return app.openapi()
