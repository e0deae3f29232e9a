"""The Kafka broker stopped and restarted while commands keep arriving."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import prepare

from tests.integration.faults.feedback import (
    assert_each_event_applied_once,
    running,
    store_events,
    wait_until_projected,
)
from tests.integration.faults.servers import OwnKafka
from tests.integration.faults.traffic import Traffic

# A server of its own starts, stops and starts again: more than the default per-test timeout.
pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]


async def test_commands_succeed_while_kafka_is_down_and_events_flow_after(
    settings: Settings, own_kafka: OwnKafka, tmp_path: Path
) -> None:
    mine = settings.model_copy(
        update={
            "kafka_bootstrap": own_kafka.bootstrap,
            "database_prefix": f"{settings.database_prefix}_kafkafault",
        }
    )
    await prepare(definition, mine)
    with running(mine, tmp_path, "api", "relay", "projector") as processes:
        async with (
            httpx.AsyncClient(base_url=processes["api"].base_url, timeout=10) as http,
            Traffic(http, "ws-kafka") as traffic,
        ):
            await asyncio.sleep(2)
            await wait_until_projected(mine, len(traffic.outcomes) // 2, within=30)

            down_at = time.monotonic()
            await asyncio.to_thread(own_kafka.stop)
            stopped_at = time.monotonic()
            await asyncio.sleep(3)  # the broker is down: the event store takes the commands
            # the API stays ready (it needs only PostgreSQL), the relay does not
            ready = await http.get("/readyz")
            assert (ready.status_code, ready.json()["checks"]) == (200, {"postgres": "ok"})
            relay = await http.get(f"{processes['relay'].base_url}/readyz")
            assert relay.status_code == 503
            await asyncio.to_thread(own_kafka.start)
            up_at = time.monotonic()
            await asyncio.sleep(2)
            await traffic.stop()

            while_down = traffic.between(stopped_at, up_at)
            assert len(while_down) > 20, "too few commands arrived while the broker was down"
            assert traffic.errors == []
            assert traffic.statuses() == {201: len(traffic.outcomes)}
            assert len(traffic.between(down_at, up_at)) >= len(while_down)

            for process in processes.values():
                process.check_alive()
            events = await store_events(mine)
            assert len(events) == len(traffic.outcomes)  # one FeedbackReceived per command
            await wait_until_projected(mine, len(events), within=90)
            assert await assert_each_event_applied_once(mine) == len(events)
