"""Zero-downtime rebuild: build a projection's new version beside the one serving, then switch.

1. The projection's tables are created empty in a schema of their own (``rebuild_<name>``),
   with their own checkpoint and dedupe tables, and the projection replays every event of
   its topics into them from the beginning, on a connection whose ``search_path`` puts that
   schema first. Queries and the live projector go on using the tables in ``public``.
   The replay runs in worker processes, each given a share of the partitions (one
   partition's records stay in order, in one process), because decoding and applying
   events is Python's work and one process uses one core; the rebuild's own process then
   replays what arrived meanwhile.
2. Once it is nearly caught up, the live projection's checkpoint rows are locked (its
   projector waits at its next batch), the new version applies up to the live offsets,
   and in the same transaction the live tables move out and the new ones move into
   ``public`` under the same names, indexes renamed back and row-level security
   reapplied. The live checkpoints and dedupe rows stay valid: both versions have now
   applied the same records. Where the live projector was behind the replay (stopped, or
   lagging), the new version has applied more, so the live checkpoints move up to it and
   its claims are added to the live ones: the live projector does not apply those records
   again. Queries wait at most for that transaction, then read the new tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import math
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from sextant_kit.database import Connection, create_pool
from sextant_kit.eventstore import NO_EVENTS_PROMISE
from sextant_kit.progress import Progress
from sextant_kit.projection import DeadLetter, ProjectionRunner
from sextant_kit.service import Runtime, ServiceDefinition, open_runtime
from sextant_kit.settings import Settings
from sextant_kit.tenancy import guard_tenant_tables

BOOKKEEPING = ("projection_checkpoints", "projection_applied_events")
_SECONDARY = (
    "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition"
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
    " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
    " WHERE n.nspname = $1 AND t.relname = $2 AND NOT x.indisunique"
)
_INDEX_MEMORY = "256MB"
"""``maintenance_work_mem`` while the deferred indexes are built."""


@dataclass(frozen=True)
class RebuildReport:
    projection: str
    events: int
    seconds: float
    dead_letters: int
    replay_seconds: float
    """Catching up from the beginning, beside the live version."""
    index_seconds: float
    """Building the secondary indexes deferred during the replay."""
    workers: int
    """Processes the replay ran in (1: the rebuild's own)."""
    paused_seconds: float
    """The switch's transaction. The live projector waits for all of it; queries of the
    projection's tables wait for its last part (from the table lock to the commit), so at
    most this long."""

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Counted:
    """Failures during a rebuild were dead-lettered when the live version first met them."""

    def __init__(self) -> None:
        self.count = 0

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        self.count += len(letters)


class _Advancing(Protocol):
    def advance(self, count: int = 1) -> None: ...


async def rebuild_beside(
    rt: Runtime,
    name: str,
    *,
    show_progress: bool = True,
    batch: int = 2000,
    workers: int | None = None,
) -> RebuildReport:
    """Rebuild projection ``name`` of ``rt`` while the current version keeps serving.

    ``workers``: replay processes; by default one per partition, at most two per core the
    process may use and as many as its memory limit leaves room for.
    """
    live = _live(rt, name)
    tables = list(live.projection.tables)
    if not tables:
        raise SystemExit(f"projection {name} keeps no tables of its own; nothing to rebuild")
    shadow = _identifier(f"rebuild_{name}")
    async with _alone(rt, name):
        return await _rebuild(rt, live, tables, shadow, show_progress, batch, workers)


@contextlib.asynccontextmanager
async def _alone(rt: Runtime, name: str) -> AsyncIterator[None]:
    """Held while projection ``name`` is rebuilt: a second rebuild of it (which would drop
    the first one's tables as they are written, and switch a part of them in) is refused.
    The lock is the session's, so a rebuild that dies lets go of it."""
    key = f"sextant rebuild {rt.database} {name}"
    async with rt.pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", key):
            raise SystemExit(
                f"a rebuild of {name} is already running; wait for it to end (its progress"
                " bar says how far it is), or stop it and run this again"
            )
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", key)


async def _rebuild(
    rt: Runtime,
    live: ProjectionRunner,
    tables: list[str],
    shadow: str,
    show_progress: bool,
    batch: int,
    workers: int | None,
) -> RebuildReport:
    name = live.name
    async with rt.pool.acquire() as conn:
        deferred = await _create_shadow(conn, shadow, [*tables, *BOOKKEEPING])
    started = time.monotonic()
    async with _replaying(rt, live, shadow) as (consumer, runner, dead):
        topics = [rt.settings.topic(t) for t in live.projection.topics]
        tps = await _partitions(consumer, topics)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        progress = Progress(
            f"rebuild {name}",
            sum(ends.values()),
            unit="events",
            stream=None if show_progress else io.StringIO(),
        )
        processes = _worker_count(rt.definition, len(tps), workers)
        applied = 0
        if processes > 1:
            reached = await _replay_in_workers(rt, name, shadow, tps, processes, progress, batch)
            applied, dead.count = reached.applied, reached.dead_letters
            for tp, offset in reached.positions.items():
                consumer.seek(tp, offset)
        applied += await _catch_up(consumer, runner, tps, progress, batch)  # what came meanwhile
        replayed = time.monotonic()
        await _build_indexes(rt.pool, deferred)
        indexed = time.monotonic()
        async with rt.pool.acquire() as conn:
            async with conn.transaction():
                live_offsets = await _pause_live(conn, name, tps)
                applied += await _apply_until(consumer, runner, live_offsets, progress, batch)
                positions = {tp: await consumer.position(tp) for tp in tps}
                await _hand_over_where_ahead(conn, name, shadow, live_offsets, positions)
                await _switch(conn, shadow, tables)
            switched = time.monotonic()
        progress.finish()
    async with rt.pool.acquire() as conn:
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")
        await conn.execute(f"DROP SCHEMA IF EXISTS {_retired(shadow)} CASCADE")
    return RebuildReport(
        name,
        applied,
        time.monotonic() - started,
        dead.count,
        replay_seconds=replayed - started,
        workers=processes,
        index_seconds=indexed - replayed,
        paused_seconds=switched - indexed,
    )


def _live(rt: Runtime, name: str) -> ProjectionRunner:
    runners = {r.name: r for r in rt.projection_runners()}
    if name not in runners:
        raise SystemExit(
            f"unknown projection {name!r}; choose one of: {', '.join(sorted(runners))}"
        )
    return runners[name]


@contextlib.asynccontextmanager
async def _replaying(
    rt: Runtime, live: ProjectionRunner, shadow: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, ProjectionRunner, _Counted]]:
    """A consumer of no group, and a runner of the live projection that writes to the
    tables in ``shadow``: what replays, in the rebuild's process and in each worker."""
    pool = await create_pool(
        rt.settings,
        rt.database,
        size=2,
        # An interrupted rebuild starts over, so its commits need not wait for the disk;
        # the switch commits on the live pool, which flushes everything before it.
        server_settings={"search_path": f"{shadow}, public", "synchronous_commit": "off"},
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=rt.settings.kafka_bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    dead = _Counted()
    try:
        await consumer.start()
        yield consumer, ProjectionRunner(live.projection, pool, dead), dead
    finally:
        await consumer.stop()
        await pool.close()


_CGROUP = Path("/sys/fs/cgroup")
_WORKER_MEMORY = 200 * 1024 * 1024
"""What a replay worker may take: about 130 MB resident was measured (batches of 2,000)."""


def _worker_count(definition: ServiceDefinition, partitions: int, asked: int | None) -> int:
    if definition.module is None:  # a worker could not find the projection
        return 1
    if asked is None:  # two per core (shares of uneven size even out), as many as fit
        asked = min(2 * usable_cores(), spare_memory() // _WORKER_MEMORY)
    return max(1, min(asked, partitions))


def usable_cores(cgroup: Path = _CGROUP) -> int:
    """The cores this process may use: those it may run on, and no more than its cgroup's
    CPU limit (a Kubernetes pod's ``resources.limits.cpu``, rounded up) allows."""
    cores = len(os.sched_getaffinity(0))
    try:
        quota, period = (cgroup / "cpu.max").read_text().split()
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2 limit to read
        pass
    return cores


def spare_memory(cgroup: Path = _CGROUP, meminfo: Path = Path("/proc/meminfo")) -> int:
    """Bytes the cgroup's memory limit (a pod's ``resources.limits.memory``, shared by
    every process in it) leaves unused; without a limit, the machine's available memory."""
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            return max(0, int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):  # no cgroup v2 limit to read
        pass
    with contextlib.suppress(OSError, ValueError):
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):  # free, and page cache it can take back
                return int(line.split()[1]) * 1024
    return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class _Reached:
    """What a replay worker applied, and the position it reached on each of its partitions."""

    applied: int
    dead_letters: int
    positions: dict[TopicPartition, int]


async def _replay_in_workers(
    rt: Runtime,
    name: str,
    shadow: str,
    tps: Sequence[TopicPartition],
    workers: int,
    progress: _Advancing,
    batch: int,
) -> _Reached:
    """Replay ``tps`` from the beginning in ``workers`` processes, each with a share of the
    partitions (``python -m sextant_kit.rebuild_worker``, see :func:`replay_share`)."""
    assert rt.definition.module is not None
    env = {**os.environ, **rt.settings.as_environment()}
    running: list[asyncio.subprocess.Process] = []
    try:
        for share in (tps[i::workers] for i in range(workers)):
            running.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "sextant_kit.rebuild_worker",
                    rt.definition.module,
                    name,
                    shadow,
                    str(batch),
                    *(f"{tp.topic}:{tp.partition}" for tp in share),
                    stdin=asyncio.subprocess.PIPE,  # its end of file ends the worker
                    stdout=asyncio.subprocess.PIPE,
                    env=env,
                )
            )
        follows = [asyncio.create_task(_follow(worker, progress)) for worker in running]
        try:
            reached = await asyncio.gather(*follows)
        finally:
            for follow in follows:
                follow.cancel()
    finally:
        for worker in running:  # one failed (or the rebuild was cancelled): stop the others
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    return _Reached(
        sum(r.applied for r in reached),
        sum(r.dead_letters for r in reached),
        {tp: offset for r in reached for tp, offset in r.positions.items()},
    )


async def _follow(worker: asyncio.subprocess.Process, progress: _Advancing) -> _Reached:
    """Count a worker's batches as it reports them; its last line says where it got to."""
    assert worker.stdout is not None
    reached = None
    async for line in worker.stdout:
        kind, _, rest = line.decode().partition(" ")
        if kind == "applied":
            progress.advance(int(rest))
        elif kind == "reached":
            report = json.loads(rest)
            reached = _Reached(
                report["applied"],
                report["dead_letters"],
                {TopicPartition(t, p): offset for t, p, offset in report["positions"]},
            )
    code = await worker.wait()
    if code != 0 or reached is None:
        raise RuntimeError(
            f"a replay worker of the rebuild stopped with exit code {code} (its error is above)."
            " Nothing was switched and the serving version is untouched; once the cause is"
            " fixed, run the rebuild again (it starts over)."
        )
    return reached


class _Reporting:
    """A worker's progress: each applied batch's size, a line each, for the rebuild."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def advance(self, count: int = 1) -> None:
        self._out.write(f"applied {count}\n")
        self._out.flush()


async def replay_share(
    definition: ServiceDefinition,
    settings: Settings,
    name: str,
    shadow: str,
    tps: Sequence[TopicPartition],
    batch: int,
    out: TextIO,
) -> None:
    """A replay worker: replay ``tps`` from the beginning into ``shadow`` until nearly
    caught up, reporting on ``out`` each batch applied and, last, the positions reached."""
    async with (
        open_runtime(definition, settings) as rt,
        _replaying(rt, _live(rt, name), shadow) as (consumer, runner, dead),
    ):
        consumer.assign(list(tps))
        await consumer.seek_to_beginning(*tps)
        applied = await _catch_up(consumer, runner, tps, _Reporting(out), batch)
        positions = [[tp.topic, tp.partition, await consumer.position(tp)] for tp in tps]
    report = {"applied": applied, "dead_letters": dead.count, "positions": positions}
    out.write(f"reached {json.dumps(report)}\n")
    out.flush()


def _identifier(text: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", text.lower())[:60]


def _retired(shadow: str) -> str:
    return f"{shadow}_retired"


async def _create_shadow(conn: Connection, shadow: str, tables: Sequence[str]) -> list[str]:
    """Empty copies of ``tables``; returns the definitions of the secondary indexes, which
    are dropped until the replay is nearly done (unique ones stay: upserts need them)."""
    deferred = []
    async with conn.transaction():
        await conn.execute(f"DROP SCHEMA IF EXISTS {shadow} CASCADE")  # an interrupted rebuild
        await conn.execute(f"DROP SCHEMA IF EXISTS {_retired(shadow)} CASCADE")
        await conn.execute(f"CREATE SCHEMA {shadow}")
        for table in tables:
            kind = "UNLOGGED TABLE" if table in BOOKKEEPING else "TABLE"  # dropped afterwards
            like = f"LIKE public.{table} INCLUDING ALL"
            await conn.execute(f"CREATE {kind} {shadow}.{table} ({like})")
            for index in await conn.fetch(_SECONDARY, shadow, table):
                if table not in BOOKKEEPING:  # those are dropped after the switch, unindexed
                    deferred.append(index["definition"])
                await conn.execute(f"DROP INDEX {shadow}.{index['name']}")
    return deferred


async def _build_indexes(pool: asyncpg.Pool, definitions: Sequence[str]) -> None:
    """Build the deferred indexes once over the loaded rows (far cheaper than row by row),
    two at a time, each with room to sort in memory."""
    queue = list(definitions)

    async def builder() -> None:
        async with pool.acquire() as conn:
            while queue:
                definition = queue.pop()
                async with conn.transaction():  # the setting ends with the transaction
                    # Seconds long: without the promise the relay would wait for it.
                    await conn.execute(
                        f"SET LOCAL maintenance_work_mem = '{_INDEX_MEMORY}';"
                        f" SELECT {NO_EVENTS_PROMISE}"
                    )
                    await conn.execute(definition)

    await asyncio.gather(*(builder() for _ in range(min(2, len(queue)))))


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """Partition ids, once the consumer has fetched the topics' metadata."""
    await consumer.end_offsets([TopicPartition(t, 0) for t in topics])
    return [
        TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())
    ]


async def _catch_up(
    consumer: AIOKafkaConsumer,
    runner: ProjectionRunner,
    tps: Sequence[TopicPartition],
    progress: _Advancing,
    batch: int,
) -> int:
    """Replay until less than a batch remains (the end keeps moving), which is applied
    while the live projector is paused.

    Two batches are in hand at a time: while the database applies one, the next is fetched
    and decoded, so Python and PostgreSQL work side by side.
    """
    applied = 0
    writing: tuple[asyncio.Task[None], int] | None = None

    async def settle() -> None:
        nonlocal applied, writing
        if writing is not None:
            task, count = writing
            writing = None
            await task
            applied += count
            progress.advance(count)

    ends = await consumer.end_offsets(list(tps))
    try:
        while True:
            positions = {tp: await consumer.position(tp) for tp in tps}
            if sum(ends[tp] - positions[tp] for tp in tps) < batch:
                ends = await consumer.end_offsets(list(tps))  # the end moved meanwhile?
                if sum(ends[tp] - positions[tp] for tp in tps) < batch:
                    await settle()
                    return applied
            records = await _fetch(consumer, batch)
            decoded = await runner.decode(records)  # meanwhile the last batch is written
            await settle()
            writing = (asyncio.create_task(runner.apply(decoded)), len(records))
    finally:
        if writing is not None and not writing[0].done():  # failed or cancelled meanwhile
            writing[0].cancel()
            with contextlib.suppress(BaseException):
                await writing[0]


async def _pause_live(
    conn: Connection, name: str, tps: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    """Lock the live version's checkpoints (its projector waits) and return its offsets.
    The switch's transaction promises to append no events: the relay need not wait for it."""
    await conn.execute(f"SELECT {NO_EVENTS_PROMISE}")
    await conn.executemany(
        "INSERT INTO projection_checkpoints (projection, topic, partition, next_offset)"
        " VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING",
        [(name, tp.topic, tp.partition) for tp in tps],
    )
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM projection_checkpoints"
        " WHERE projection = $1 ORDER BY topic, partition FOR UPDATE",
        name,
    )
    return {TopicPartition(r["topic"], r["partition"]): r["next_offset"] for r in rows}


async def _apply_until(
    consumer: AIOKafkaConsumer,
    runner: ProjectionRunner,
    until: dict[TopicPartition, int],
    progress: _Advancing,
    batch: int,
) -> int:
    """Apply the records below ``until`` on the partitions not yet there; the new version
    then holds at least what the live one holds."""
    applied = 0
    behind = {tp: end for tp, end in until.items() if await consumer.position(tp) < end}
    consumer.pause(*(tp for tp in until if tp not in behind))  # ahead: nothing to fetch
    while True:
        remaining = [tp for tp, end in behind.items() if await consumer.position(tp) < end]
        if not remaining:
            return applied
        records = [r for r in await _fetch(consumer, batch) if r.offset < behind[_tp(r)]]
        for tp, end in behind.items():  # do not leave a partition positioned past the target
            if await consumer.position(tp) > end:
                consumer.seek(tp, end)
        await runner.handle(records)
        applied += len(records)
        progress.advance(len(records))


async def _hand_over_where_ahead(
    conn: Connection,
    name: str,
    shadow: str,
    live: dict[TopicPartition, int],
    reached: dict[TopicPartition, int],
) -> None:
    """Where the new version applied past the live offsets, move them up to it, and add its
    claims to the live ones (a copy of one of those events published later is then still
    known as applied)."""
    ahead = [(tp, offset) for tp, offset in reached.items() if offset > live[tp]]
    if not ahead:
        return
    await conn.execute(
        "INSERT INTO public.projection_applied_events (projection, event_id, applied_at)"
        f" SELECT projection, event_id, applied_at FROM {shadow}.projection_applied_events"
        " ORDER BY event_id ON CONFLICT DO NOTHING"  # in key order: a third faster
    )
    await conn.executemany(
        "UPDATE public.projection_checkpoints SET next_offset = $4, updated_at = now()"
        " WHERE projection = $1 AND topic = $2 AND partition = $3",
        [(name, tp.topic, tp.partition, offset) for tp, offset in ahead],
    )


def _tp(record: ConsumerRecord[bytes, bytes]) -> TopicPartition:
    return TopicPartition(record.topic, record.partition)


async def _fetch(consumer: AIOKafkaConsumer, batch: int) -> list[ConsumerRecord[bytes, bytes]]:
    """Up to ``batch`` records (fewer when the topic runs dry): one transaction's worth."""
    out: list[ConsumerRecord[bytes, bytes]] = []
    for _ in range(20):
        found = await consumer.getmany(timeout_ms=100, max_records=batch - len(out))
        got = [r for records in found.values() for r in records]  # each partition in order
        out += got
        if not got or len(out) >= batch:
            break
    return out


async def _switch(conn: Connection, shadow: str, tables: Sequence[str]) -> None:
    """Move the live tables out and the rebuilt ones in, under the same names."""
    retired = _retired(shadow)
    await conn.execute(f"CREATE SCHEMA {retired}")
    await conn.execute(
        f"LOCK TABLE {', '.join(f'public.{t}' for t in tables)} IN ACCESS EXCLUSIVE MODE"
    )
    for table in tables:
        names = await _index_names(conn, "public", table)
        await conn.execute(f"ALTER TABLE public.{table} SET SCHEMA {retired}")
        await conn.execute(f"ALTER TABLE {shadow}.{table} SET SCHEMA public")
        for definition, index in (await _index_names(conn, "public", table)).items():
            old = names.get(definition)
            if old is not None and old != index:  # index names are per schema: old is free
                await conn.execute(f"ALTER INDEX public.{index} RENAME TO {old}")
    await guard_tenant_tables(conn)


async def _index_names(conn: Connection, schema: str, table: str) -> dict[str, str]:
    """``{definition without its name and schema: index name}`` of a table's indexes."""
    rows = await conn.fetch(
        "SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition"
        " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = $1 AND t.relname = $2",
        schema,
        table,
    )
    out = {}
    for r in rows:
        definition = r["definition"].replace(f" {r['name']} ON ", " ON ", 1)
        out[re.sub(r" ON \S+\.", " ON ", definition, count=1)] = r["name"]
    return out
