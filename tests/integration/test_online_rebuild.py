"""A projection rebuilt beside the serving one: queries answer throughout, writes go on,
and after the switch every event is applied exactly once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from sextant_feedback.projections import FeedbackViews
from sextant_feedback.service import definition
from sextant_kit import START, EventMetadata, IncomingEvent, NewEvent, PostgresEventStore, Settings
from sextant_kit.database import Connection
from sextant_kit.rebuild import _build_indexes, _partitions, rebuild_beside
from sextant_kit.service import Runtime

from tests.support import eventually, own_storage, publish_all, running

pytestmark = pytest.mark.integration

WS = "ws-rebuild"


@pytest.fixture
async def rt(settings: Settings, unique: str) -> AsyncIterator[Runtime]:
    async with running(definition, own_storage(settings, f"rb{unique}")) as runtime:
        yield runtime


async def inbox_size(http: httpx.AsyncClient) -> int:
    total, cursor = 0, None
    while True:
        params: dict[str, str | int] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = await http.get(f"/v1/workspaces/{WS}/feedback", params=params)
        assert answer.status_code == 200, answer.text
        total += len(answer.json()["items"])
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return total


async def index_names(rt: Runtime) -> set[str]:
    rows = await rt.pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1)",
        ["feedback_inbox", "customers"],
    )
    return {r["indexname"] for r in rows}


async def test_queries_answer_throughout_and_the_new_version_takes_over(rt: Runtime) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        batch = [{"text": f"before {i}", "source": "survey"} for i in range(600)]
        answer = await h.post(f"/v1/workspaces/{WS}/feedback/batch", json={"items": batch})
        assert answer.status_code == 200, answer.text

        async def projected(count: int) -> None:
            await rt.relay().publish_batch()
            assert await inbox_size(h) == count

        await eventually(lambda: projected(600), within=60)
        # A row no event explains: the rebuilt version must not have it.
        await rt.pool.execute(
            "INSERT INTO feedback_inbox (tenant_id, workspace_id, feedback_id, source, text,"
            " received_at, version) SELECT tenant_id, workspace_id, $1, source,"
            " 'not from an event', received_at, 1 FROM feedback_inbox LIMIT 1",
            uuid.uuid4(),
        )
        indexes = await index_names(rt)

        seen: list[int] = []
        writing_done = asyncio.Event()

        async def query_loop() -> None:
            while not writing_done.is_set():
                seen.append(await inbox_size(h))
                await asyncio.sleep(0.01)

        async def keep_writing() -> None:
            for i in range(40):
                item = {"text": f"during {i}", "source": "email"}
                assert (await h.post(f"/v1/workspaces/{WS}/feedback", json=item)).is_success
                await rt.relay().publish_batch()
                await asyncio.sleep(0.02)

        querying = asyncio.create_task(query_loop())
        writing = asyncio.create_task(keep_writing())
        report = await rebuild_beside(rt, "feedback_inbox", show_progress=False, batch=100)
        await writing
        writing_done.set()
        await querying

        assert report.events >= 600
        phases = (report.replay_seconds, report.index_seconds, report.paused_seconds)
        assert all(seconds > 0 for seconds in phases)
        assert sum(phases) <= report.seconds
        assert len(seen) > 5, "the query loop hardly ran during the rebuild"
        assert min(seen) >= 600  # never an empty or partial read model while rebuilding
        await eventually(lambda: projected(640), within=60)  # the stray row is gone

    texts = await rt.pool.fetch("SELECT text, count(*) AS n FROM feedback_inbox GROUP BY text")
    assert all(r["n"] == 1 for r in texts)  # every event applied exactly once
    assert await index_names(rt) == indexes
    secured = await rt.pool.fetchval(
        "SELECT relrowsecurity FROM pg_class WHERE oid = 'public.feedback_inbox'::regclass"
    )
    assert secured is True
    leftovers = await rt.pool.fetchval(
        "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild_%'"
    )
    assert leftovers == 0


async def receive_and_publish(rt: Runtime, texts: list[str]) -> None:
    """Feedback items through the API, their events published (no projector runs)."""
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        items = [{"text": text, "source": "survey"} for text in texts]
        answer = await h.post(f"/v1/workspaces/{WS}/feedback/batch", json={"items": items})
        assert answer.status_code == 200, answer.text
    await publish_all(rt)


async def every_record(rt: Runtime) -> list[ConsumerRecord[bytes, bytes]]:
    topic = rt.topic
    consumer = AIOKafkaConsumer(bootstrap_servers=rt.settings.kafka_bootstrap, group_id=None)
    await consumer.start()
    try:
        tps = await _partitions(consumer, [topic])
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while len(records) < sum(ends.values()):
            found = await consumer.getmany(timeout_ms=1000)
            records += [r for batch in found.values() for r in batch]
        return records
    finally:
        await consumer.stop()


@pytest.mark.parametrize("workers", [1, 2])
async def test_a_rebuild_past_a_stopped_projector_hands_the_live_bookkeeping_over(
    settings: Settings, unique: str, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live projector is stopped (here it never ran), so the replay applies past its
    offsets. The live offsets and claims move up to the new version's: once started, the
    live projector applies none of those events a second time."""
    mine = own_storage(settings, f"rs{workers}{unique}")
    async with running(definition, mine, projectors=False) as rt:
        await receive_and_publish(rt, [f"while stopped {i}" for i in range(60)])

        report = await rebuild_beside(
            rt, "feedback_inbox", show_progress=False, batch=7, workers=workers
        )

        # Replayed until less than a batch was left (the live projector's part, later on).
        assert 60 - 7 < report.events <= 60
        assert report.workers == workers
        assert await rt.pool.fetchval("SELECT count(*) FROM feedback_inbox") == report.events
        stored = await rt.pool.fetchval(
            "SELECT sum(next_offset) FROM projection_checkpoints WHERE projection = $1",
            "feedback_inbox",
        )
        claims = await rt.pool.fetchval(
            "SELECT count(*) FROM projection_applied_events WHERE projection = $1",
            "feedback_inbox",
        )
        assert stored == claims == report.events

        given: list[IncomingEvent] = []
        apply_many = FeedbackViews.apply_many

        async def counted(self: FeedbackViews, conn: Connection, events: Any) -> None:
            given.extend(events)
            await apply_many(self, conn, events)

        monkeypatch.setattr(FeedbackViews, "apply_many", counted)
        live = next(r for r in rt.projection_runners() if r.name == "feedback_inbox")
        await live.handle(await every_record(rt))  # the live projector, started afterwards
        assert len(given) == 60 - report.events  # only what the rebuild left to it
        texts = await rt.pool.fetch("SELECT text, count(*) AS n FROM feedback_inbox GROUP BY text")
        assert len(texts) == 60
        assert all(r["n"] == 1 for r in texts)


async def test_building_the_deferred_indexes_does_not_hold_the_relay_back(
    pool: asyncpg.Pool,
) -> None:
    """An index build takes seconds on a large table, in a transaction of the service's
    database: events committed meanwhile are readable at once (before, the relay waited)."""
    store = PostgresEventStore(pool)
    await pool.execute(
        "CREATE TABLE slow_rows (n integer);"
        " INSERT INTO slow_rows SELECT generate_series(1, 6);"
        " CREATE FUNCTION slowly(n integer) RETURNS integer IMMUTABLE LANGUAGE plpgsql"
        " AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN n; END $$"
    )
    building = asyncio.create_task(
        _build_indexes(pool, ["CREATE INDEX slow_rows_slowly ON slow_rows (slowly(n))"])
    )

    async def build_started() -> None:
        assert await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query LIKE 'CREATE INDEX slow_rows_slowly%' AND backend_xid IS NOT NULL"
        )

    try:
        await eventually(build_started)
        meta = EventMetadata(tenant_id="acme", actor="ana", correlation_id="c", workspace_id=WS)
        event = NewEvent(uuid.uuid4(), "ThingHappened", 1, {})
        await store.append("meanwhile", "thing", [event], meta, expected_version=None)

        async def readable_meanwhile() -> None:
            assert event.event_id in [e.event_id for e in await store.read_all()]
            assert not await store.held_back(START)

        await eventually(readable_meanwhile)
        assert not building.done()
    finally:
        await building


async def test_a_failed_replay_worker_stops_the_rebuild_and_the_serving_version_stays(
    settings: Settings, unique: str
) -> None:
    """A worker that cannot replay (here it is sent to another service's module) ends the
    rebuild with an error that says what happened and what to do; nothing is switched."""
    lost = replace(definition, module="sextant_identity.service")
    async with running(lost, own_storage(settings, f"rf{unique}"), projectors=False) as rt:
        await receive_and_publish(rt, [f"kept {i}" for i in range(20)])
        live = next(r for r in rt.projection_runners() if r.name == "feedback_inbox")
        await live.handle(await every_record(rt))
        await rt.pool.execute(  # a row no event explains: a switched version would lack it
            "INSERT INTO feedback_inbox (tenant_id, workspace_id, feedback_id, source, text,"
            " received_at, version) SELECT tenant_id, workspace_id, $1, source, 'stray',"
            " received_at, 1 FROM feedback_inbox LIMIT 1",
            uuid.uuid4(),
        )

        with pytest.raises(RuntimeError, match=r"replay worker.*run the rebuild again"):
            await rebuild_beside(rt, "feedback_inbox", show_progress=False, workers=2)

        assert await rt.pool.fetchval("SELECT count(*) FROM feedback_inbox") == 21


async def test_a_second_rebuild_of_a_projection_being_rebuilt_is_refused(
    settings: Settings, unique: str
) -> None:
    """It would drop the first one's tables as they are written, and a part of them would be
    switched in; it is refused, saying why. (The first holds the lock a rebuild takes, here
    from the test's own session, as another process's rebuild would.)"""
    async with running(definition, own_storage(settings, f"r2{unique}"), projectors=False) as rt:
        await receive_and_publish(rt, [f"item {i}" for i in range(30)])
        key = f"sextant rebuild {rt.database} feedback_inbox"
        async with rt.pool.acquire() as first:
            assert await first.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key)
            with pytest.raises(SystemExit, match="a rebuild of feedback_inbox is already running"):
                await rebuild_beside(rt, "feedback_inbox", show_progress=False, workers=1)
            assert await rt.pool.fetchval("SELECT count(*) FROM feedback_inbox") == 0
            await first.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)
        done = await rebuild_beside(rt, "feedback_inbox", show_progress=False, batch=5, workers=1)
        assert done.events > 0
        await rebuild_beside(rt, "feedback_inbox", show_progress=False, workers=1)  # let go
