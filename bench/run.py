"""``make bench``: run the benchmarks on the local Kafka and PostgreSQL and write
``bench/results/<date>.json`` plus a markdown summary beside it.

``make bench ONLY=append,ceilings`` runs some of them; ``make soak`` is separate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sextant_kit.runner import run_event_loop

from bench import append, ceilings, feedback_import, growth, latency, projection_rebuild
from bench.common import ensure_infra
from bench.report import markdown
from bench.stats import Figure

BENCHMARKS: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
    "append": append.run,
    "latency": latency.run,
    "ceilings": ceilings.run,
    "feedback_import": feedback_import.run,
    "projection_rebuild": projection_rebuild.run,
    "console_render": lambda: __import__("bench.console_render", fromlist=["run"]).run(),
    # Last: its 14 GB fill leaves the server checkpointing for a while.
    "growth": growth.run,
}
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    with open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), ""
        )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(total_kb / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _figure(results: dict[str, Any], scenario: str, name: str) -> float | None:
    for f in results.get(scenario, {}).get("figures", []):
        if f["figure"] == name:
            value: float = f["value"]
            return value
    return None


def against_ceilings(results: dict[str, Any]) -> list[Figure]:
    """The best append rate against bare COPY, the import against Kafka's own producer."""
    copy = _figure(results, "ceilings", "ceiling: bare COPY into PostgreSQL")
    kafka = _figure(
        results, "ceilings", "ceiling: Kafka ProducerPerformance (acks=all, idempotent)"
    )
    appended = _figure(results, "append", "append, batch 100, 16 writers")
    imported = _figure(results, "feedback_import", "feedback import, end to end")
    shares = []
    if copy and appended:
        shares.append(
            Figure("append, batch 100, 16 writers", appended, "events/s", "bare COPY", copy)
        )
    if kafka and imported:
        shares.append(
            Figure("feedback import, end to end", imported, "items/s", "Kafka producer tool", kafka)
        )
    return shares


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
    shares = against_ceilings(report["results"])
    if shares:
        report["results"]["share_of_ceilings"] = {
            "name": "Sextant as a share of the ceilings (same run)",
            "figures": [f.as_dict() for f in shares],
        }
    stem = datetime.now(UTC).strftime("%Y-%m-%d")
    if set(names) != set(BENCHMARKS):
        stem += "-" + "-".join(names)
    write_results(stem, report)


def write_results(stem: str, report: dict[str, Any]) -> None:
    """``<stem>.json`` and ``.md`` in ``bench/results``; a later run of the same scenarios
    on the same day becomes ``<stem>-2``, ``-3``, ..., never overwriting an earlier one."""
    RESULTS.mkdir(exist_ok=True)
    free, n = stem, 1
    while (RESULTS / f"{free}.json").exists() or (RESULTS / f"{free}.md").exists():
        n += 1
        free = f"{stem}-{n}"
    (RESULTS / f"{free}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{free}.md").write_text(markdown(report))
    print(f"wrote {RESULTS / free}.json and .md", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("benchmarks", nargs="*", help=f"any of {', '.join(BENCHMARKS)}")
    # On uvloop, as every Sextant process runs: the append path is measured on the loop it
    # runs on in production, and the load generators cost less of the machine.
    run_event_loop(main(selected(parser.parse_args().benchmarks)))
