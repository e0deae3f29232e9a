"""``make soak``: 10 minutes at 200 commands/s across every service, memory sampled.

Every service runs as its own api, relay and projector process (17 in all: the query
service, which writes no events, has no relay), as in a deployment. The resident memory of
each is read from /proc every few seconds. Growth is judged on the second half of the run,
after caches and pools have filled: memory that keeps climbing there is what "unbounded"
looks like. Once the load stops, every projection of every service must apply what is
left, with nothing dead-lettered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sextant_kit.runner import run_event_loop

from bench import commands, load
from bench.common import bench_settings, cleanup, ensure_infra
from bench.run import machine, write_results
from bench.running import RunningPlatform, start_per_role
from bench.stats import Figure, summary_ms

TENANT = "bench-soak"
SAMPLE_EVERY = 5.0
GROWTH_LIMIT = 0.10
"""Largest second-half growth of any process taken as levelled off (10 %)."""
DRAIN_WITHIN = 300.0
"""Seconds the projections are given, once the load stops, to apply what is left."""


async def setup(platform: RunningPlatform) -> list[tuple[str, str]]:
    roadmaps: list[tuple[str, str]] = []
    async with load.client() as client:
        for request in commands.setup_requests(platform.api_urls, TENANT):
            outcome = await load.send(client, request, time.perf_counter())
            if not outcome.ok:
                raise RuntimeError(f"setup {request.url}: {outcome.error}")
            if request.url.endswith("/roadmaps") and outcome.body is not None:
                roadmaps.append((request.url.split("/")[-2], outcome.body["id"]))
    return roadmaps


async def drain(platform: RunningPlatform, within: float = DRAIN_WITHIN) -> dict[str, Any]:
    """Wait until every projection of every service has applied every event, as each
    service's lag endpoint reports it; what is still behind (or dead-lettered) then."""
    started = time.perf_counter()
    headers = commands.headers(TENANT)
    async with httpx.AsyncClient(timeout=30, headers=headers) as client:
        while True:
            behind: dict[str, int] = {}
            dead: dict[str, int] = {}
            for service, url in platform.api_urls.items():
                response = await client.get(f"{url}/v1/{service}/projections")
                response.raise_for_status()
                for row in response.json()["projections"]:
                    name = f"{service}/{row['projection']}"
                    behind[name], dead[name] = row["events_behind"], row["dead_letters"]
            waited = time.perf_counter() - started
            if not any(behind.values()) or waited > within:
                break
            await asyncio.sleep(2)
    return {
        "seconds": round(waited, 1),
        "events_behind": {k: v for k, v in behind.items() if v},
        "dead_letters": {k: v for k, v in dead.items() if v},
        "projections": len(behind),
    }


async def sample(platform: RunningPlatform, stop: asyncio.Event) -> list[dict[str, Any]]:
    started, series = time.perf_counter(), []
    while not stop.is_set():
        row: dict[str, Any] = {"t": round(time.perf_counter() - started, 1)}
        for p in platform.processes:
            p.sample()
            row[p.name] = round(p.samples[-1], 1) if p.samples else None
            if p.popen.poll() is not None:
                row[p.name] = None
        series.append(row)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
    return series


def growth(
    series: list[dict[str, Any]], names: list[str], load_seconds: float
) -> dict[str, dict[str, float]]:
    """Per process: memory at 1/4, 1/2 and the end of the load, and second-half growth.

    Samples taken after the load (while late requests drain) are left out.
    """
    out = {}
    for name in names:
        values = [
            row[name] for row in series if row.get(name) is not None and row["t"] <= load_seconds
        ]
        if len(values) < 4:
            continue
        quarter, half, end = values[len(values) // 4], values[len(values) // 2], values[-1]
        out[name] = {
            "rss_quarter_mb": quarter,
            "rss_half_mb": half,
            "rss_end_mb": end,
            "peak_mb": max(values),
            "second_half_growth": round((end - half) / half, 3),
        }
    return out


async def soak(minutes: float, rate: float) -> dict[str, Any]:
    settings = bench_settings()
    log_dir = Path(tempfile.mkdtemp(prefix="sextant-soak-"))
    platform = await start_per_role(settings, log_dir)
    try:
        roadmaps = await setup(platform)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample(platform, stop))  # t = 0 when the load starts
        seconds = minutes * 60
        async with load.client() as client:
            outcomes = await load.open_loop(
                client, rate, seconds, commands.mixed(platform.api_urls, TENANT, roadmaps)
            )
        stop.set()
        series = await sampler
        drained = await drain(platform)
        exited = {p.name: p.popen.returncode for p in platform.processes if p.popen.poll()}
    except BaseException:
        print(f"soak failed; process logs in {log_dir}", file=sys.stderr)
        raise
    finally:
        platform.stop()
        await cleanup(settings)
    names = [p.name for p in platform.processes]
    per_process = growth(series, names, seconds)
    worst = max(per_process.items(), key=lambda kv: kv[1]["second_half_growth"])
    summary = load.summarise(outcomes, seconds)
    by_service = {
        label: {
            "requests": sum(1 for o in outcomes if o.label == label),
            "errors": sum(1 for o in outcomes if o.label == label and not o.ok),
            **summary_ms([o.latency for o in outcomes if o.label == label and o.ok]),
        }
        for label in Counter(o.label for o in outcomes)
    }
    figures = [
        Figure(
            f"soak: largest second-half RSS growth ({worst[0]})",
            worst[1]["second_half_growth"] * 100,
            "%",
            target=f"< {GROWTH_LIMIT:.0%} (levelled off)",
            met=worst[1]["second_half_growth"] < GROWTH_LIMIT,
        ),
        Figure(
            f"soak: command errors of {summary['requests']:,}"
            f" (besides {summary['conflicts_409']} version conflicts, 409)",
            summary["errors"],
            "requests",
            target="0",
            met=summary["errors"] == 0 and not exited,
        ),
        Figure(
            f"soak: events not applied by the {drained['projections']} projections"
            f" {drained['seconds']:g} s after the load (dead letters included)",
            sum(drained["events_behind"].values()) + sum(drained["dead_letters"].values()),
            "events",
            target="0",
            met=not drained["events_behind"] and not drained["dead_letters"],
        ),
    ]
    shutil.rmtree(log_dir, ignore_errors=True)
    return {
        "name": f"soak: {minutes:g} min at {rate:g} commands/s across all services",
        "figures": [f.as_dict() for f in figures],
        "commands": summary,
        "by_service": by_service,
        "processes_exited": exited,
        "projections_after_the_load": drained,
        "memory_by_process": per_process,
        "memory_series_mb": series[:: max(1, len(series) // 40)],
    }


async def main(minutes: float, rate: float) -> None:
    ensure_infra()
    started = datetime.now(UTC)
    result = await soak(minutes, rate)
    result["wall_seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    report = {
        "date": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "results": {"soak": result},
    }
    print(json.dumps(result["figures"], indent=2), file=sys.stderr)
    write_results(f"{started:%Y-%m-%d}-soak-{rate:g}-per-s", report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make soak")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    run_event_loop(main(args.minutes, args.rate))
