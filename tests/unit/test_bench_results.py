"""Benchmark results are written beside earlier ones of the same day, never over them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run


def test_a_second_run_on_the_same_day_gets_its_own_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "RESULTS", tmp_path)
    first = {"date": "2026-11-27T04:00:00+00:00", "machine": run.machine(), "results": {}}
    second = {**first, "date": "2026-11-27T05:00:00+00:00"}

    run.write_results("2026-11-27-append", first)
    run.write_results("2026-11-27-append", second)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2026-11-27-append-2.json",
        "2026-11-27-append-2.md",
        "2026-11-27-append.json",
        "2026-11-27-append.md",
    ]
    assert json.loads((tmp_path / "2026-11-27-append.json").read_text()) == first
    assert json.loads((tmp_path / "2026-11-27-append-2.json").read_text()) == second
