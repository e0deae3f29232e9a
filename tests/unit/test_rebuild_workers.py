"""How many processes a rebuild replays in: a share of the partitions each, within the
cores the process may use (a pod's CPU limit included)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sextant_feedback.service import definition
from sextant_kit import rebuild
from sextant_kit.rebuild import _worker_count, spare_memory, usable_cores
from sextant_kit.rebuild_worker import ORPHANED
from sextant_kit.runner import rebuild_parser


def test_a_cgroup_cpu_limit_bounds_the_cores(tmp_path: Path) -> None:
    affinity = len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("100000 100000\n")  # limits.cpu: 1
    assert usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("50000 100000\n")  # limits.cpu: 500m still gets one
    assert usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cores(tmp_path) == affinity
    assert usable_cores(tmp_path / "absent") == affinity


def test_a_cgroup_memory_limit_bounds_the_spare_memory(tmp_path: Path) -> None:
    mib = 1024 * 1024
    (tmp_path / "memory.max").write_text(f"{512 * mib}\n")  # limits.memory: 512Mi
    (tmp_path / "memory.current").write_text(f"{300 * mib}\n")
    assert spare_memory(tmp_path) == 212 * mib
    (tmp_path / "memory.current").write_text(f"{600 * mib}\n")
    assert spare_memory(tmp_path) == 0
    (tmp_path / "memory.max").write_text("max\n")
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 24000000 kB\nMemFree: 1000 kB\nMemAvailable: 2048 kB\n")
    assert spare_memory(tmp_path, meminfo) == 2 * mib  # the machine's, cache it can reclaim too


def test_workers_are_bounded_by_partitions_and_asked_for() -> None:
    assert _worker_count(definition, partitions=3, asked=8) == 3
    assert _worker_count(definition, partitions=12, asked=2) == 2
    assert _worker_count(definition, partitions=3, asked=0) == 1
    assert 1 <= _worker_count(definition, partitions=64, asked=None) <= 2 * usable_cores()


def test_the_default_fits_the_memory_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rebuild, "usable_cores", lambda: 4)
    monkeypatch.setattr(rebuild, "spare_memory", lambda: 450 * 1024 * 1024)
    assert _worker_count(definition, partitions=12, asked=None) == 2
    monkeypatch.setattr(rebuild, "spare_memory", lambda: 0)  # in this process, then
    assert _worker_count(definition, partitions=12, asked=None) == 1


def test_a_definition_no_worker_can_import_replays_in_its_own_process() -> None:
    assert _worker_count(replace(definition, module=None), partitions=3, asked=3) == 1


def test_a_replay_worker_ends_when_its_rebuild_does() -> None:
    """Its standard input is the rebuild's pipe: at its end (the rebuild finished, failed
    or was killed outright), the worker ends too instead of replaying on alone."""
    with subprocess.Popen(
        [
            *(sys.executable, "-m", "sextant_kit.rebuild_worker", "sextant_feedback.service"),
            *("feedback_inbox", "rebuild_feedback_inbox", "100", "sextant.feedback.events.v1:0"),
        ],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as worker:
        assert worker.stdin is not None
        assert worker.stderr is not None
        worker.stdin.close()  # as when the rebuild's process is gone
        assert worker.wait(timeout=60) == ORPHANED
        assert b"the rebuild that started this replay worker has ended" in worker.stderr.read()


@pytest.mark.parametrize("workers", ["0", "-2", "two"])
def test_the_rebuild_refuses_a_worker_count_below_one_naming_the_option(
    workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    rebuild_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["rebuild", "--workers", workers])
    assert f"argument --workers: {workers!r} is not a whole number of processes" in (
        capsys.readouterr().err
    )


def test_the_rebuild_takes_a_worker_count() -> None:
    parser = argparse.ArgumentParser()
    rebuild_parser(parser.add_subparsers(dest="command"))
    assert parser.parse_args(["rebuild", "--workers", "3"]).workers == 3
