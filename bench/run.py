"""``make bench``: run the benchmarks on the local Kafka and PostgreSQL and write
``bench/results/<date>.json`` plus a markdown summary beside it.

``make bench ONLY=append,ceilings`` runs some of them; ``make soak`` is separate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import append, ceilings, feedback_import, growth, latency
from bench.common import ensure_infra
from bench.report import markdown

BENCHMARKS: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
    "append": append.run,
    "latency": latency.run,
    "growth": growth.run,
    "ceilings": ceilings.run,
    "feedback_import": feedback_import.run,
    "projection_rebuild": projection_rebuild.run,
}
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kb / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def selected(names: list[str]) -> list[str]:
    wanted = [n.strip() for name in names for n in name.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    return wanted or list(BENCHMARKS)


async def main(names: list[str]) -> None:
    ensure_infra()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "results": {},
    }
    for name in names:
        print(f"running {name} ...", file=sys.stderr)
        started = datetime.now(UTC)
        result = await BENCHMARKS[name]()
        result["wall_seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
        report["results"][name] = result
        print(json.dumps(result, indent=2), file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d")
    if set(names) != set(BENCHMARKS):
        stem += "-" + "-".join(names)
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(report))
    print(f"wrote {RESULTS / stem}.json and .md", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("benchmarks", nargs="*", help=f"any of {', '.join(BENCHMARKS)}")
    asyncio.run(main(selected(parser.parse_args().benchmarks)))
