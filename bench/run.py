"""``make bench``: run the benchmarks on the local Kafka and PostgreSQL and write
``bench/results/<date>.json`` plus a markdown summary beside it."""

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

from bench import feedback_import, projection_rebuild

BENCHMARKS: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
    "feedback_import": feedback_import.run,
    "projection_rebuild": projection_rebuild.run,
}
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(total_kb / 1024**2, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Sextant benchmarks, {report['date']}",
        "",
        f"Machine: {report['machine']['cpus']} cores, {report['machine']['memory_gib']} GiB, "
        f"Python {report['machine']['python']}.",
        "",
    ]
    for name, result in report["results"].items():
        lines += [f"## {result.get('name', name)}", ""]
        lines += [f"- {key}: {value}" for key, value in result.items() if key != "name"]
        lines.append("")
    return "\n".join(lines)


async def main(selected: list[str]) -> None:
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "results": {},
    }
    for name in selected:
        print(f"running {name} ...", file=sys.stderr)
        report["results"][name] = await BENCHMARKS[name]()
        print(json.dumps(report["results"][name], indent=2), file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d")
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(report))
    print(f"wrote {RESULTS / stem}.json and .md", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("benchmarks", nargs="*", default=list(BENCHMARKS), choices=list(BENCHMARKS))
    asyncio.run(main(parser.parse_args().benchmarks))
