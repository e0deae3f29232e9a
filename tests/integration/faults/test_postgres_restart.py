"""PostgreSQL stopped and restarted under load: 503s while it is down, nothing half-written,
and every process resumes without anyone touching it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from sextant_feedback.events import registry
from sextant_feedback.service import definition
from sextant_kit import NewEvent, PostgresEventStore, Relay, Settings
from sextant_kit.database import CORE_MIGRATIONS, create_pool, migrate
from sextant_kit.http import PROBLEM_JSON
from sextant_kit.kafka import TopicSpec, ensure_topics
from sextant_kit.relay import KafkaSink
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
from tests.integration.kit_support import META, append_things, read_topic
from tests.support import eventually

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


async def test_the_relay_listens_again_after_a_restart(
    settings: Settings, own_postgres: OwnPostgres
) -> None:
    """With a poll interval far longer than the test, only NOTIFY can wake the relay: an
    event appended after the restart goes out promptly only if it reconnected by itself."""
    mine = settings.model_copy(update={"postgres_url": own_postgres.url})
    database = mine.database("relay_restart")
    await migrate(mine, database, CORE_MIGRATIONS)
    topic = mine.topic(f"relay-restart-{uuid.uuid4().hex[:8]}.events.v1")
    await ensure_topics(mine, [TopicSpec(topic, 1)])
    pool = await create_pool(mine, database)
    store = PostgresEventStore(pool)
    sink = KafkaSink(mine.kafka_bootstrap, client_id="fault-relay")
    relay = Relay(store, sink, registry, topic=topic, dsn=mine.dsn(database), poll_interval=60)
    running_relay = asyncio.create_task(relay.run())
    try:
        await append_things(store, streams=1, per_stream=1)
        await _published(mine, topic, 1)  # woken by NOTIFY: the poll is 60 s away

        await asyncio.to_thread(own_postgres.stop)
        await asyncio.to_thread(own_postgres.start)
        await eventually(lambda: _appended(store), within=30)
        await _published(mine, topic, 2)
    finally:
        running_relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running_relay
        await relay.close()
        await pool.close()


async def _appended(store: PostgresEventStore) -> None:
    """One more event, once the pool can reach the server again."""
    try:
        await store.append(
            "after-restart",
            "thing",
            [NewEvent(uuid.uuid4(), "FeedbackReceived", 1, {"n": 1})],
            META,
            expected_version=0,
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise AssertionError(f"not reachable yet: {error!r}") from error


async def _published(settings: Settings, topic: str, count: int) -> None:
    records = await read_topic(settings.kafka_bootstrap, topic, count, timeout_ms=10_000)
    assert len(records) == count, f"{len(records)} of {count} published within 10 s"
