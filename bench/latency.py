"""Command latency over HTTP at a fixed 300 commands/s, and freshness under that load.

The all-in-one platform process serves ``POST /v1/workspaces/{ws}/feedback``. Baselines,
measured in the same run at the same rate: ``GET /healthz`` of the same server (the HTTP
stack with no work behind it), and for freshness the poller's own floor (rows inserted
straight into a table, found by the same poller).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import asyncpg

from bench import load
from bench.common import bench_settings, cleanup
from bench.freshness import Watcher
from bench.running import RunningPlatform, start_all_in_one
from bench.stats import Figure, summary_ms

RATE = 300.0
SECONDS = 60.0
BASELINE_SECONDS = 15.0
CAPACITY_CLIENTS = 16
CAPACITY_SECONDS = 10.0
BELOW_CAPACITY = 0.5
"""The second open-loop run goes at this share of the measured capacity: latency unqueued."""
BELOW_SECONDS = 30.0
TENANT = "bench-latency"
HEADERS = {"X-Sextant-Tenant": TENANT, "X-Sextant-Actor": "pm.bench"}
POLLER_SETTINGS = {"plan_cache_mode": "force_custom_plan"}
"""The freshness poller's lookups are planned for each list of ids it asks about. With the
generic plan asyncpg's prepared statement settles on, a poll took 1.8 ms of the server's
time on average, against 0.5 to 0.8 ms planned each time (``pg_stat_statements``, 200
commands/s for 30 s): at 100 to 200 polls a second, time the platform under test lost."""


def feedback_command(url: str, i: int) -> load.Request:
    return load.Request(
        "POST",
        f"{url}/v1/workspaces/ws-{i % 20}/feedback",
        {"text": f"Bulk edit for roadmap items, request {i}", "source": "sales_call"},
        HEADERS,
        "feedback",
    )


async def command_load(
    platform: RunningPlatform, rate: float, seconds: float
) -> tuple[list[load.Outcome], Watcher]:
    conn = await asyncpg.connect(
        platform.settings.dsn(platform.settings.database("feedback")),
        server_settings=POLLER_SETTINGS,
    )

    async def visible(ids: list[uuid.UUID]) -> Iterable[uuid.UUID]:
        rows = await conn.fetch(
            "SELECT feedback_id FROM feedback_inbox WHERE tenant_id = $1"
            " AND feedback_id = ANY($2::uuid[])",
            TENANT,
            ids,
        )
        return [r["feedback_id"] for r in rows]

    watcher = Watcher(visible)

    async def accepted(outcome: load.Outcome) -> None:
        if outcome.ok and outcome.body is not None:
            watcher.accepted(uuid.UUID(outcome.body["id"]), outcome.done_at)

    stop = asyncio.Event()
    polling = asyncio.create_task(watcher.run(stop))
    url = platform.api_urls["feedback"]
    try:
        async with load.client() as client:
            outcomes = await load.open_loop(
                client, rate, seconds, lambda i: feedback_command(url, i), accepted
            )
        stop.set()
        await polling
    finally:
        polling.cancel()
        await conn.close()
    return outcomes, watcher


async def capacity(url: str) -> dict[str, float]:
    """Closed-loop throughput of commands and of ``/healthz``: where the server saturates."""
    async with load.client() as client:
        commands, _ = await load.closed_loop(
            client, CAPACITY_CLIENTS, CAPACITY_SECONDS, lambda i: feedback_command(url, i)
        )
        health, _ = await load.closed_loop(
            client,
            CAPACITY_CLIENTS,
            CAPACITY_SECONDS,
            lambda _: load.Request("GET", f"{url}/healthz"),
        )
    return {"commands_per_s": round(commands, 1), "healthz_per_s": round(health, 1)}


async def settle(platform: RunningPlatform, within: float = 120) -> None:
    """Wait until every stored event is in the inbox: no backlog carried into a measurement."""
    conn = await asyncpg.connect(platform.settings.dsn(platform.settings.database("feedback")))
    try:
        deadline = time.perf_counter() + within
        while time.perf_counter() < deadline:
            behind = await conn.fetchval(
                "SELECT (SELECT count(*) FROM events) - (SELECT count(*) FROM feedback_inbox)"
            )
            if behind <= 0:
                return
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def health_baseline(url: str, rate: float, seconds: float) -> list[load.Outcome]:
    async with load.client() as client:
        return await load.open_loop(
            client, rate, seconds, lambda _: load.Request("GET", f"{url}/healthz", label="health")
        )


async def poll_floor(dsn: str, rate: float, seconds: float) -> list[float]:
    """Insert rows at ``rate`` and find them with the same poller: the harness's own lag."""
    writer = await asyncpg.connect(dsn)
    reader = await asyncpg.connect(dsn, server_settings=POLLER_SETTINGS)
    try:
        await writer.execute("CREATE TABLE bench_poll_floor (id uuid PRIMARY KEY)")

        async def visible(ids: list[uuid.UUID]) -> Iterable[uuid.UUID]:
            rows = await reader.fetch(
                "SELECT id FROM bench_poll_floor WHERE id = ANY($1::uuid[])", ids
            )
            return [r["id"] for r in rows]

        watcher, stop = Watcher(visible), asyncio.Event()
        polling = asyncio.create_task(watcher.run(stop))
        start = time.perf_counter()
        for i in range(round(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            ident = uuid.uuid4()
            await writer.execute("INSERT INTO bench_poll_floor VALUES ($1)", ident)
            watcher.accepted(ident, time.perf_counter())
        stop.set()
        await polling
        return watcher.lags
    finally:
        await writer.execute("DROP TABLE IF EXISTS bench_poll_floor")
        await writer.close()
        await reader.close()


def figures(
    commands: dict[str, Any],
    health: dict[str, Any],
    fresh: dict[str, Any],
    floor: dict[str, Any],
    most: dict[str, float],
    below: dict[str, Any],
) -> list[Figure]:
    got, base = commands["latency_from_due"], health["latency_from_due"]
    label = f"HTTP command latency at {RATE:.0f}/s"
    calm, calm_fresh = below["commands"]["latency_from_due"], below["freshness"]
    calm_label = f"at {below['rate']:.0f}/s ({BELOW_CAPACITY:.0%} of capacity)"
    return [
        Figure(
            f"HTTP command capacity ({CAPACITY_CLIENTS} closed-loop clients)",
            most["commands_per_s"],
            "commands/s",
            "GET /healthz, same way",
            most["healthz_per_s"],
            f">= {RATE:.0f}/s (the latency test's rate)",
            most["commands_per_s"] >= RATE,
        ),
        Figure(f"{label}, p50", got["p50_ms"], "ms", "GET /healthz", base["p50_ms"]),
        Figure(
            f"{label}, p99",
            got["p99_ms"],
            "ms",
            "GET /healthz",
            base["p99_ms"],
            "< 15 ms",
            got["p99_ms"] < 15,
        ),
        Figure(f"{label}, p99.9", got["p99_9_ms"], "ms", "GET /healthz", base["p99_9_ms"]),
        Figure(
            f"HTTP command errors at {RATE:.0f}/s",
            commands["errors"],
            "requests",
            "GET /healthz",
            health["errors"],
            "0",
            commands["errors"] == 0,
        ),
        Figure(
            "freshness (accepted -> in read model), p50",
            fresh["p50_ms"],
            "ms",
            "poller floor",
            floor["p50_ms"],
        ),
        Figure(
            "freshness (accepted -> in read model), p99",
            fresh["p99_ms"],
            "ms",
            "poller floor",
            floor["p99_ms"],
            "< 100 ms",
            fresh["p99_ms"] < 100,
        ),
        Figure(
            f"HTTP command latency {calm_label}, p50",
            calm["p50_ms"],
            "ms",
            "GET /healthz",
            base["p50_ms"],
        ),
        Figure(
            f"HTTP command latency {calm_label}, p99",
            calm["p99_ms"],
            "ms",
            "GET /healthz",
            base["p99_ms"],
            "< 15 ms",
            calm["p99_ms"] < 15,
        ),
        Figure(
            f"freshness {calm_label}, p99",
            calm_fresh["p99_ms"],
            "ms",
            "poller floor",
            floor["p99_ms"],
            "< 100 ms",
            calm_fresh["p99_ms"] < 100,
        ),
    ]


async def run(rate: float = RATE, seconds: float = SECONDS) -> dict[str, Any]:
    settings = bench_settings()
    log_dir = Path(tempfile.mkdtemp(prefix="sextant-bench-latency-"))
    platform = await start_all_in_one(settings, log_dir)
    try:
        url = platform.api_urls["feedback"]
        await command_load(platform, 100, 5)  # warm up: connections, caches, topics
        await settle(platform)
        health = load.summarise(
            await health_baseline(url, rate, BASELINE_SECONDS), BASELINE_SECONDS
        )
        floor = summary_ms(
            await poll_floor(settings.dsn(settings.database("feedback")), rate, BASELINE_SECONDS)
        )
        most = await capacity(url)
        await settle(platform)
        calm_rate = round(most["commands_per_s"] * BELOW_CAPACITY)
        calm_outcomes, calm_watcher = await command_load(platform, calm_rate, BELOW_SECONDS)
        below = {
            "rate": calm_rate,
            "seconds": BELOW_SECONDS,
            "commands": load.summarise(calm_outcomes, BELOW_SECONDS),
            "freshness": summary_ms(calm_watcher.lags),
        }
        await settle(platform)
        outcomes, watcher = await command_load(platform, rate, seconds)
        commands = load.summarise(outcomes, seconds)
        fresh = {**summary_ms(watcher.lags), "never_visible": watcher.unseen}
        platform.processes[0].sample()
    finally:
        platform.stop()
        await cleanup(settings)
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "name": f"HTTP command latency and freshness at {rate:.0f} commands/s for {seconds:.0f} s",
        "figures": [f.as_dict() for f in figures(commands, health, fresh, floor, most, below)],
        "commands": commands,
        "capacity": most,
        "below_capacity": below,
        "healthz_baseline": health,
        "freshness": fresh,
        "poller_floor": floor,
        "platform_rss_mb": platform.processes[0].peak_rss_mb,
    }
