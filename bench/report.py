"""The markdown summary of a benchmark run: one table of every figure, then the details."""

from __future__ import annotations

import json
from typing import Any


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: ""}[value]


def figure_table(figures: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| figure | Sextant | unit | baseline (same run) | baseline | ratio | target | met |",
        "| --- | ---: | --- | --- | ---: | ---: | --- | --- |",
    ]
    for f in figures:
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}x"
        lines.append(
            f"| {f['figure']} | {_number(f['value'])} | {f['unit']} | {f['baseline'] or ''} "
            f"| {_number(f['baseline_value'])} | {ratio} | {f['target'] or ''} "
            f"| {_met(f['met'])} |"
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Sextant benchmarks, {report['date']}",
        "",
        f"Machine: {m['cpus']} cores ({m.get('cpu_model', '')}), {m['memory_gib']} GiB, "
        f"Python {m['python']}; PostgreSQL and Kafka on the same machine, shared with "
        "other work, so figures are noisy.",
        "",
    ]
    every = [f for r in report["results"].values() for f in r.get("figures", [])]
    if every:
        lines += ["## Summary", "", *figure_table(every), ""]
    for name, result in report["results"].items():
        lines += [f"## {result.get('name', name)}", ""]
        for key, value in result.items():
            if key in ("name", "figures"):
                continue
            shown = json.dumps(value) if isinstance(value, dict | list) else _number(value)
            lines.append(f"- {key}: {shown}")
        lines.append("")
    return "\n".join(lines)
