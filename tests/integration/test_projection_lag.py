"""Projection lag in events and seconds: over HTTP and as Prometheus gauges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime

from tests.support import eventually, own_storage, running

pytestmark = pytest.mark.integration


@pytest.fixture
async def rt(settings: Settings, unique: str) -> AsyncIterator[Runtime]:
    """A feedback service of its own whose projector has not started."""
    async with running(definition, own_storage(settings, f"lag{unique}"), projectors=False) as r:
        yield r


def lag_of(answer: httpx.Response, projection: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["projections"]
    (row,) = [r for r in rows if r["projection"] == projection]
    return row


async def test_lag_is_reported_while_behind_and_clears_when_caught_up(rt: Runtime) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        for i in range(5):
            item = {"text": f"waiting {i}", "source": "email"}
            assert (await h.post("/v1/workspaces/ws/feedback", json=item)).status_code == 201

        async def published() -> None:
            await rt.relay().publish_batch()
            assert (
                lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")["events_behind"]
                == 5
            )

        await eventually(published, within=30)
        await asyncio.sleep(1.2)
        behind = lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")
        assert behind["seconds_behind"] >= 1.0
        assert behind["dead_letters"] == 0
        metrics = (await h.get("/metrics")).text
        assert 'sextant_projection_lag_events{projection="feedback_inbox"} 5.0' in metrics

        rt.subscribe_projections()
        await rt.broker.start()

        async def caught_up() -> None:
            row = lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")
            assert (row["events_behind"], row["seconds_behind"]) == (0, 0.0)

        await eventually(caught_up, within=60)
        metrics = (await h.get("/metrics")).text
        assert 'sextant_projection_lag_events{projection="feedback_inbox"} 0.0' in metrics
        assert 'sextant_projection_lag_seconds{projection="feedback_inbox"} 0.0' in metrics
