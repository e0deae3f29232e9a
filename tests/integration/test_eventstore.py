"""The event store's contract, on the real PostgreSQL server."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict

import asyncpg
import pytest
from sextant_kit import (
    NO_STREAM,
    START,
    ConcurrencyError,
    EventMetadata,
    GlobalPosition,
    IdempotencyKeyReused,
    NewEvent,
    PostgresEventStore,
    RecordedEvent,
)
from sextant_kit.eventstore import NO_EVENTS_PROMISE
from sextant_kit.settings import Settings

from tests.support import eventually

pytestmark = pytest.mark.integration

META = EventMetadata(tenant_id="acme", actor="ana", correlation_id="c-1", workspace_id="ws")


def new(n: int = 1, kind: str = "ThingHappened") -> list[NewEvent]:
    return [NewEvent(uuid.uuid4(), kind, 1, {"n": i}) for i in range(n)]


@pytest.fixture
def store(pool: asyncpg.Pool) -> PostgresEventStore:
    return PostgresEventStore(pool)


async def test_append_and_read_a_stream(store: PostgresEventStore) -> None:
    first = await store.append("s-1", "thing", new(2), META, expected_version=NO_STREAM)
    second = await store.append("s-1", "thing", new(1), META, expected_version=2)
    assert (first.stream_version, second.stream_version) == (2, 3)
    events = await store.read_stream("s-1")
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [e.payload for e in events] == [{"n": 0}, {"n": 1}, {"n": 0}]
    assert events[0].metadata == META
    assert list(first.positions) == [events[0].position, events[1].position]


@pytest.mark.parametrize("expected", [NO_STREAM, 1, 3])
async def test_wrong_expected_version_is_a_conflict_and_writes_nothing(
    store: PostgresEventStore, expected: int
) -> None:
    await store.append("s-2", "thing", new(2), META, expected_version=NO_STREAM)
    with pytest.raises(ConcurrencyError) as raised:
        await store.append("s-2", "thing", new(1), META, expected_version=expected)
    assert (raised.value.expected, raised.value.actual) == (expected, 2)
    assert len(await store.read_stream("s-2")) == 2


@pytest.mark.parametrize("expected", [NO_STREAM, 3])
async def test_a_conflict_leaves_the_key_for_the_retry(
    store: PostgresEventStore, expected: int
) -> None:
    """The key is claimed in the append's statement: a conflict (the stream past the expected
    version, or short of it) must not keep it, or the corrected retry would be answered as a
    repeat of an append that never happened."""
    await store.append("s-2k", "thing", new(1), META, expected_version=NO_STREAM)
    key = {"idempotency_key": f"k-conflict-{expected}", "request_hash": "h"}
    with pytest.raises(ConcurrencyError):
        await store.append("s-2k", "thing", new(1), META, expected_version=expected, **key)
    actual = len(await store.read_stream("s-2k"))
    retried = await store.append("s-2k", "thing", new(1), META, expected_version=actual, **key)
    assert not retried.replayed
    assert retried.stream_version == actual + 1


async def test_racing_writers_on_one_stream_one_wins(store: PostgresEventStore) -> None:
    results = await asyncio.gather(
        *(store.append("s-3", "thing", new(1), META, expected_version=NO_STREAM) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, ConcurrencyError) for r in results if isinstance(r, BaseException))
    assert len(await store.read_stream("s-3")) == 1


async def test_idempotency_key_returns_the_first_result_and_writes_nothing(
    store: PostgresEventStore,
) -> None:
    first = await store.append(
        "s-4",
        "thing",
        new(1),
        META,
        expected_version=NO_STREAM,
        idempotency_key="k-1",
        request_hash="h",
    )
    again = await store.append(
        "s-4",
        "thing",
        new(1),
        META,
        expected_version=NO_STREAM,
        idempotency_key="k-1",
        request_hash="h",
    )
    assert again.replayed
    assert not first.replayed
    assert (again.positions, again.event_ids) == (first.positions, first.event_ids)
    assert len(await store.read_stream("s-4")) == 1
    assert await store.earlier_result("acme", "k-1", "h") == again


async def test_a_repeat_that_would_fit_the_stream_still_writes_nothing(
    store: PostgresEventStore,
) -> None:
    """Without an expected version the repeat's events would fit after the first's: the key,
    claimed in the same statement, turns it back."""
    key = {"idempotency_key": "k-1b", "request_hash": "h"}
    first = await store.append("s-4b", "thing", new(1), META, expected_version=None, **key)
    again = await store.append("s-4b", "thing", new(1), META, expected_version=None, **key)
    assert again.replayed
    assert (again.stream_version, again.positions) == (first.stream_version, first.positions)
    assert [e.event_id for e in await store.read_stream("s-4b")] == [
        uuid.UUID(i) for i in first.event_ids
    ]


async def race_on_one_key(
    store: PostgresEventStore, stream: str, meta: EventMetadata, key: str
) -> None:
    """Ten concurrent commands with one key: one append, and every one gets its answer."""
    results = await asyncio.gather(
        *(
            store.append(
                stream,
                "thing",
                new(1),
                meta,
                expected_version=None,
                idempotency_key=key,
                request_hash="h",
            )
            for _ in range(10)
        )
    )
    assert len({r.positions for r in results}) == 1
    assert len(await store.read_stream(stream)) == 1


async def test_concurrent_commands_with_one_key_append_once(store: PostgresEventStore) -> None:
    for round_ in range(10):  # the losers may trip on the key or on the stream's version
        await race_on_one_key(store, f"s-5-{round_}", META, f"k-2-{round_}")


async def test_an_empty_key_is_still_a_key(store: PostgresEventStore) -> None:
    """The HTTP layer refuses an empty Idempotency-Key; the store, called directly, must
    still treat "" as a key (it once treated it as none and failed the race's losers)."""
    for round_ in range(5):
        meta = META.model_copy(update={"tenant_id": f"empty-key-{round_}-{uuid.uuid4()}"})
        await race_on_one_key(store, f"s-5e-{round_}", meta, "")


async def test_a_key_reused_for_another_command_is_refused(store: PostgresEventStore) -> None:
    await store.append(
        "s-6",
        "thing",
        new(1),
        META,
        expected_version=NO_STREAM,
        idempotency_key="k-3",
        request_hash="h1",
    )
    with pytest.raises(IdempotencyKeyReused):
        await store.append(
            "s-7",
            "thing",
            new(1),
            META,
            expected_version=NO_STREAM,
            idempotency_key="k-3",
            request_hash="h2",
        )
    assert await store.read_stream("s-7") == []


async def test_keys_are_per_tenant(store: PostgresEventStore) -> None:
    other = META.model_copy(update={"tenant_id": "globex"})
    a = await store.append(
        "s-8",
        "thing",
        new(1),
        META,
        expected_version=None,
        idempotency_key="same",
        request_hash="h",
    )
    b = await store.append(
        "s-9",
        "thing",
        new(1),
        other,
        expected_version=None,
        idempotency_key="same",
        request_hash="h",
    )
    assert not a.replayed
    assert not b.replayed


async def test_a_reader_never_passes_an_event_that_commits_later(
    store: PostgresEventStore, pool: asyncpg.Pool
) -> None:
    """The classic gap: B commits while A (with the lower position) is still open."""
    await store.append("before", "thing", new(1), META, expected_version=None)
    seen: list[RecordedEvent] = []

    async def visible() -> None:  # transactions elsewhere on the server can hold xmin back
        seen[:] = await store.read_all(START)
        assert seen

    await eventually(visible)
    after = GlobalPosition(seen[-1].transaction_id, seen[-1].position)

    slow = await pool.acquire()
    tx = slow.transaction()
    await tx.start()
    await slow.execute(
        "INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type,"
        " schema_version, tenant_id, payload, metadata)"
        " VALUES ($1, 'slow', 'thing', 1, 'ThingHappened', 1, 'acme', '{}', $2::jsonb)",
        uuid.uuid4(),
        META.model_dump_json(),
    )
    try:
        await store.append("fast", "thing", new(1), META, expected_version=None)
        assert await store.read_all(after) == [], "read past an open transaction"
        assert await store.held_back(after), "the committed event is not reported as held back"
    finally:
        await tx.commit()
        await pool.release(slow)

    async def both_in_commit_order() -> None:
        streams = [e.stream_id for e in await store.read_all(after)]
        assert streams == ["slow", "fast"]
        assert not await store.held_back(after)

    await eventually(both_in_commit_order)


async def test_a_transaction_open_in_another_database_does_not_hold_readers_back(
    store: PostgresEventStore, settings: Settings
) -> None:
    """Only transactions of this database can still write its events."""
    elsewhere = await asyncpg.connect(settings.postgres_url)  # the server's own database
    assert await elsewhere.fetchval("SELECT current_database()") != await store.pool.fetchval(
        "SELECT current_database()"
    )
    tx = elsewhere.transaction()
    await tx.start()
    try:
        await elsewhere.fetchval("SELECT pg_current_xact_id()")  # it holds an id from now on
        appended = await store.append("meanwhile", "thing", new(1), META, expected_version=None)

        async def readable() -> None:  # while that transaction stays open
            assert appended.positions[0] in [e.position for e in await store.read_all(START)]
            assert not await store.held_back(START)

        await eventually(readable)
    finally:
        await tx.rollback()
        await elsewhere.close()


@pytest.mark.parametrize("promised", [True, False], ids=["promised", "not-promised"])
async def test_only_a_transaction_that_promised_no_events_lets_readers_past(
    store: PostgresEventStore, promised: bool
) -> None:
    """An open transaction of this database holds readers back unless it promised to append
    no events (as a projector's batch does)."""
    async with store.pool.acquire() as other:
        tx = other.transaction()
        await tx.start()
        try:
            if promised:
                await other.execute(f"SELECT {NO_EVENTS_PROMISE}")
            await other.fetchval("SELECT pg_current_xact_id()")  # it holds an id from now on
            appended = await store.append("meanwhile", "thing", new(1), META, expected_version=None)

            async def as_promised() -> None:
                readable = appended.positions[0] in [e.position for e in await store.read_all()]
                assert (readable, await store.held_back(START)) == (promised, not promised)

            await eventually(as_promised)
        finally:
            await tx.rollback()
    assert appended.positions[0] in [e.position for e in await store.read_all()]


async def test_sixteen_writers_and_a_follower_see_every_event_once_in_order(
    store: PostgresEventStore,
) -> None:
    writers, appends_each = 16, 150
    streams = [f"c-{i}" for i in range(40)]
    written: list[uuid.UUID] = []
    done = asyncio.Event()

    async def writer(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(appends_each):
            batch = new(rng.randint(1, 3))
            while True:
                try:
                    await store.append(
                        rng.choice(streams), "thing", batch, META, expected_version=None
                    )
                    break
                except ConcurrencyError:
                    continue
            written.extend(e.event_id for e in batch)

    seen: list[uuid.UUID] = []
    versions: dict[str, list[int]] = defaultdict(list)

    async def follower() -> None:
        position = START
        deadline = None
        while True:
            finished = done.is_set()
            batch = await store.read_all(position, limit=200)
            for event in batch:
                seen.append(event.event_id)
                versions[event.stream_id].append(event.stream_version)
            if batch:
                position = GlobalPosition(batch[-1].transaction_id, batch[-1].position)
                continue
            if finished:
                # A transaction elsewhere on the server may still hold back what readers
                # see; once every writer is done, read on until all is seen or time is up.
                deadline = deadline or asyncio.get_running_loop().time() + 30
                if len(seen) >= len(written) or asyncio.get_running_loop().time() > deadline:
                    return
            await asyncio.sleep(0.005)

    reader = asyncio.create_task(follower())
    await asyncio.gather(*(writer(i) for i in range(writers)))
    done.set()
    await reader

    assert len(written) >= writers * appends_each
    assert len(seen) == len(set(seen)), "an event was read twice"
    assert set(seen) == set(written), f"{len(set(written) - set(seen))} events were skipped"
    for stream, got in versions.items():
        assert got == list(range(1, len(got) + 1)), f"{stream} out of order"


async def test_create_streams_starts_new_streams_and_skips_existing_ones(
    store: PostgresEventStore,
) -> None:
    from sextant_kit import NewStream

    await store.append("old", "thing", new(1), META, expected_version=NO_STREAM)
    batch = [NewStream(sid, "thing", new(1)[0], META) for sid in ("old", "a", "b", "a")]
    created = await store.create_streams(batch)
    assert set(created) == {"a", "b"}
    assert await store.create_streams(batch) == {}
    assert [len(await store.read_stream(s)) for s in ("old", "a", "b")] == [1, 1, 1]
