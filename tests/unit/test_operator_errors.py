"""How an operator's command ends when something outside it goes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sextant_kit.settings import Settings


def test_an_output_whose_reader_left_ends_the_command_quietly() -> None:
    """`sextant tail ... | head -1`: the pipe closes, and that is no PostgreSQL outage."""
    script = (
        "from sextant_kit.runner import operator_errors\n"
        "from sextant_kit.settings import Settings\n"
        "with operator_errors(Settings(), interrupted='-'):\n"
        "    for n in range(100_000):\n"
        "        print('line', n)\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None
    assert reader.stderr is not None
    assert reader.stdout.readline() == b"line 0\n"
    reader.stdout.close()  # as head does
    with reader.stderr:
        assert (reader.wait(timeout=30), reader.stderr.read()) == (0, b"")


def test_settings_that_cannot_be_are_named_not_traced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEXTANT_POOL_MAX_SIZE", "1")
    with pytest.raises(SystemExit, match=r"SEXTANT_POOL_MAX_SIZE \(1\) is below"):
        Settings.from_environment()
    monkeypatch.setenv("SEXTANT_POOL_MAX_SIZE", "many")
    with pytest.raises(SystemExit, match="error: SEXTANT_POOL_MAX_SIZE: Input should be"):
        Settings.from_environment()
