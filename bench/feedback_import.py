"""Bulk import end to end: a generated file -> event store -> Kafka -> inbox read model.

Baseline in the same run: a plain ``COPY`` of the same rows into a bare table on the same
server. The relay and the projector run as their own processes, as in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import prepare

from bench.common import (
    Process,
    Stopwatch,
    bench_settings,
    cleanup,
    machine_busy_seconds,
    sample_until_done,
    spawn,
)
from bench.stats import Figure

WORDS = [
    "roadmap",
    "export",
    "csv",
    "slow",
    "timeline",
    "sso",
    "okta",
    "jira",
    "integration",
    "dashboard",
    "filter",
    "bulk",
    "edit",
    "permissions",
    "audit",
    "report",
    "mobile",
    "offline",
    "search",
    "notification",
    "api",
    "rate",
    "limit",
    "sprint",
    "planning",
    "priority",
    "customer",
    "onboarding",
    "billing",
    "invoice",
    "dark",
    "mode",
    "accessibility",
]
SOURCES = ["support_ticket", "sales_call", "survey", "app_store", "community", "email"]


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w") as out:
        for i in range(count):
            row: dict[str, Any] = {
                "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24))),
                "source": SOURCES[i % len(SOURCES)],
                "external_id": f"ext-{i}",
            }
            if i % 3 == 0:
                row["customer_ref"] = f"account-{i % 500}"
            out.write(json.dumps(row) + "\n")


async def copy_baseline(settings: Settings, path: Path) -> float:
    """Rows per second of a bare COPY of the same rows (no checks, no events, no Kafka)."""
    rows = []
    with path.open() as handle:
        for line in handle:
            item = json.loads(line)
            rows.append(
                (item["external_id"], item["source"], item["text"], item.get("customer_ref"))
            )
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        await conn.execute(
            "CREATE TABLE bench_bare_feedback (external_id text, source text, text text,"
            " customer_ref text)"
        )
        watch = Stopwatch()
        await conn.copy_records_to_table("bench_bare_feedback", records=rows)
        return len(rows) / watch.seconds
    finally:
        await conn.execute("DROP TABLE IF EXISTS bench_bare_feedback")
        await conn.close()


async def wait_for_inbox(settings: Settings, workspace: str, count: int, within: float) -> None:
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            seen = await conn.fetchval(
                "SELECT count(*) FROM feedback_inbox WHERE workspace_id = $1", workspace
            )
            if seen >= count:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"only {seen:,} of {count:,} items reached the inbox")
            await asyncio.sleep(0.25)
    finally:
        await conn.close()


async def import_once(items: int) -> dict[str, Any]:
    settings = bench_settings()
    await prepare(definition, settings)
    workdir = Path(tempfile.mkdtemp(prefix="sextant-bench-"))
    path = workdir / "feedback.jsonl"
    generate(path, items)
    processes: list[Process] = []
    try:
        relay = spawn(["-m", "sextant_feedback", "relay", "--port", "0"], settings, "relay")
        projector = spawn(
            ["-m", "sextant_feedback", "projector", "--port", "0"],
            settings,
            "projector",
            SEXTANT_PROJECTION_BATCH_SIZE="2000",
        )
        processes += [relay, projector]
        await asyncio.sleep(3)  # consumer groups joined, relay listening
        done = asyncio.Event()
        for p in processes:
            p.sample()
        started_cpu = {p.name: p.cpu_seconds for p in processes}
        busy_before = machine_busy_seconds()
        watch = Stopwatch()
        importer = spawn(
            [
                "-m",
                "sextant_feedback",
                "import",
                str(path),
                "--workspace",
                "bench",
                "--batch-size",
                "1000",
            ],
            settings,
            "import",
        )
        processes.append(importer)
        sampler = asyncio.create_task(sample_until_done(processes, done))
        code = await asyncio.to_thread(importer.popen.wait)
        if code != 0:
            raise RuntimeError(
                importer.popen.stderr.read().decode()[-2000:]
                if importer.popen.stderr
                else "import failed"
            )
        imported_at = watch.seconds
        await wait_for_inbox(settings, "bench", items, within=600)
        total = watch.seconds
        busy = machine_busy_seconds() - busy_before
        done.set()
        await sampler
        copy_rate = await copy_baseline(settings, path)
    finally:
        for p in processes:
            p.stop()
        await cleanup(settings)
        path.unlink(missing_ok=True)
        os.rmdir(workdir)
    rate = items / total
    figure = Figure(
        "feedback import, end to end",
        rate,
        "items/s",
        "plain COPY of the same rows",
        copy_rate,
        ">= 20,000 items/s",
        rate >= 20_000,
    )
    return {
        "name": "feedback bulk import, end to end (file -> store -> Kafka -> inbox)",
        "figures": [figure.as_dict()],
        "items": items,
        "seconds": round(total, 2),
        "items_per_s": round(rate),
        "store_only_items_per_s": round(items / imported_at),
        "peak_rss_mb": {p.name: round(p.peak_rss_mb, 1) for p in processes},
        # Where the two cores went: each process, and everything else (PostgreSQL, Kafka).
        "cpu_seconds": {
            **(
                cpu := {
                    p.name: round(p.cpu_seconds - started_cpu.get(p.name, 0), 1) for p in processes
                }
            ),
            "servers and the rest": round(busy - sum(cpu.values()), 1),
        },
        "cpu_microseconds_per_item": round(busy / items * 1e6),
    }


async def run(sizes: tuple[int, ...] = (50_000, 200_000)) -> dict[str, Any]:
    """The figure at the largest size, and peak memory at each size: flat memory means the
    peaks stay the same while the file grows."""
    runs = [await import_once(items) for items in sizes]
    largest = runs[-1]
    peaks = {str(r["items"]): r["peak_rss_mb"] for r in runs}
    growth = {
        name: round(largest["peak_rss_mb"][name] / runs[0]["peak_rss_mb"][name], 2)
        for name in largest["peak_rss_mb"]
    }
    return {
        **largest,
        "peak_rss_mb_by_items": peaks,
        f"peak_rss_growth_{sizes[-1] // sizes[0]}x_items": growth,
        "items_per_s_by_items": {str(r["items"]): r["items_per_s"] for r in runs},
    }
