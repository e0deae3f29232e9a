"""PostgreSQL stopped and restarted under load: 503s while it is down, nothing half-written,
and every process resumes without anyone touching it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.http import PROBLEM_JSON
from sextant_kit.service import prepare

from tests.integration.faults.feedback import (
    assert_each_event_applied_once,
    running,
    send_feedback,
    store_events,
    wait_until_projected,
)
from tests.integration.faults.servers import OwnPostgres
from tests.integration.faults.traffic import Traffic

# A server of its own starts, stops and starts again: more than the default per-test timeout.
pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]


async def test_postgres_restart_answers_503_then_recovers_with_each_event_applied_once(
    settings: Settings, own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    mine = settings.model_copy(
        update={
            "postgres_url": own_postgres.url,
            "topic_prefix": settings.topic_prefix.rstrip(".") + "-pgfault.",
        }
    )
    await prepare(definition, mine)
    with running(mine, tmp_path, "api", "relay", "projector") as processes:
        api = processes["api"]
        async with (
            httpx.AsyncClient(base_url=api.base_url, timeout=10) as http,
            Traffic(http, "ws-pg") as traffic,
        ):
            await asyncio.sleep(2)
            await wait_until_projected(mine, len(traffic.outcomes) // 2, within=30)

            await asyncio.to_thread(own_postgres.stop)
            stopped_at = time.monotonic()
            await asyncio.sleep(3)
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.headers["content-type"] == PROBLEM_JSON
            assert "postgres" in ready.json()["checks"]
            refused = await http.post(
                "/v1/workspaces/ws-pg/feedback",
                json={"text": "while down", "source": "survey"},
                headers={"X-Sextant-Tenant": "faults", "Idempotency-Key": "probe"},
            )
            assert refused.status_code == 503, refused.text
            assert refused.headers["content-type"] == PROBLEM_JSON
            assert int(refused.headers["retry-after"]) > 0
            assert refused.json()["type"] == "https://sextant.dev/problems/unavailable"
            started_at = time.monotonic()
            await asyncio.to_thread(own_postgres.start)
            await _until_ready(http, within=30)
            await asyncio.sleep(2)
            await traffic.stop()

            assert traffic.errors == [], traffic.errors[:3]
            statuses = traffic.statuses()
            assert set(statuses) <= {201, 503}, statuses  # refused clearly, never a 500
            while_down = traffic.between(stopped_at, started_at)
            assert len(while_down) > 10
            assert all(o.statuses == [503] for o in while_down)
            assert statuses[201] > len(while_down)

            # The client retries what was refused, with the same Idempotency-Key: each
            # command then exists exactly once (a refused one wrote nothing, or its first
            # result comes back).
            outcomes = [o for _, o in traffic.outcomes]
            for outcome in outcomes:
                if outcome.statuses[0] != 201:
                    n = int(outcome.key.rsplit("-", 1)[1])
                    await send_feedback(http, "ws-pg", n, outcome)
                    assert outcome.statuses[-1] in (200, 201), outcome
            items = [o.item for o in outcomes]
            assert None not in items
            assert len(set(items)) == len(items)

            for process in processes.values():
                process.check_alive()  # nobody restarted anything but the database
            events = await store_events(mine)
            assert len(events) == len(outcomes)  # no partial or doubled writes
            await wait_until_projected(mine, len(events), within=60)
            assert await assert_each_event_applied_once(mine) == len(events)


async def _until_ready(http: httpx.AsyncClient, *, within: float) -> None:
    deadline = time.monotonic() + within
    while (await http.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, "the API did not become ready again"
        await asyncio.sleep(0.2)
