"""The first slice in one process: HTTP -> store -> relay -> Kafka -> projections -> query."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.support import eventually, publish_all

pytestmark = pytest.mark.integration


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def runtime(settings: Settings, spans: InMemorySpanExporter) -> AsyncIterator[Runtime]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    await prepare(definition, settings)
    async with open_runtime(definition, settings, tracer_provider=provider) as rt:
        rt.subscribe_projections()
        await rt.broker.start()
        yield rt


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    app = runtime.http_app(with_routes=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sextant") as client:
        yield client


async def test_one_trace_spans_http_append_kafka_and_projection(
    runtime: Runtime, client: httpx.AsyncClient, spans: InMemorySpanExporter, unique: str
) -> None:
    response = await client.post(
        f"/v1/workspaces/ws-{unique}/feedback",
        json={"text": "Dark mode please", "source": "survey"},
    )
    assert response.status_code == 201, response.text
    item = response.json()["id"]
    await publish_all(runtime)

    async def projected() -> None:
        got = await client.get(f"/v1/workspaces/ws-{unique}/feedback/{item}")
        assert got.status_code == 200

    await eventually(projected)

    finished = list(spans.get_finished_spans())
    server = next(
        s
        for s in finished
        if s.kind == SpanKind.SERVER and s.name == "POST /v1/workspaces/{workspace_id}/feedback"
    )
    trace_id = server.context.trace_id

    async def both_projections_traced() -> None:
        finished[:] = spans.get_finished_spans()
        # a projection batch of one event continues its trace; a larger batch links to it
        consumers = [
            s
            for s in finished
            if s.kind == SpanKind.CONSUMER
            and (
                s.context.trace_id == trace_id
                or any(link.context.trace_id == trace_id for link in s.links)
            )
        ]
        projections = {s.attributes["sextant.projection"] for s in consumers if s.attributes}
        assert projections == {"feedback_inbox", "feedback_audit_log"}

    await eventually(both_projections_traced)
    in_trace = [s for s in finished if s.context.trace_id == trace_id]
    names = {s.name for s in in_trace}
    assert "eventstore.append" in names
    assert f"{runtime.topic} publish" in names
    append = next(s for s in in_trace if s.name == "eventstore.append")
    assert append.parent is not None
    assert append.parent.span_id == server.context.span_id


async def test_metrics_and_health_endpoints(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"postgres": "ok", "kafka": "ok"}
    await client.post("/v1/workspaces/ws/feedback", json={"text": "x", "source": "email"})
    metrics = (await client.get("/metrics")).text
    assert "sextant_http_requests_total" in metrics
    # probes and scrapes are not counted: a not-ready 503 is no server error
    assert 'route="/readyz"' not in metrics
    assert 'route="unmatched"' not in metrics
    assert "sextant_eventstore_appends_total" in metrics


async def test_readiness_reports_a_database_that_is_gone(
    settings: Settings, runtime: Runtime
) -> None:
    await runtime.pool.close()
    app = runtime.http_app(with_routes=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sextant"
    ) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        assert "postgres" in ready.json()["checks"]
        assert (await client.get("/healthz")).status_code == 200
