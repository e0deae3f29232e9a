"""Processes the end-to-end tests start as a user starts them: on a free port, ready once
their URL answers, stopped with SIGTERM (then killed if they linger)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
from sextant_kit import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def started(
    args: list[str], env: Mapping[str, str], log_path: Path, ready_url: str, within: float
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(ready_url, process, log_path, within)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args!r} exited with {process.returncode}:\n"
                + log_path.read_text()[-4000:]
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {within} s:\n{log_path.read_text()[-4000:]}")


@contextmanager
def platform(settings: Settings, log_dir: Path, **extra_env: str) -> Iterator[str]:
    """``python -m sextant_platform all`` on a free port; yields its base URL."""
    port = free_port()
    mine = settings.model_copy(update={"http_port": port})
    env = {**os.environ, **mine.as_environment(), **extra_env}
    base = f"http://127.0.0.1:{port}"
    with started(
        ["-m", "sextant_platform", "all"], env, log_dir / "platform.log", f"{base}/readyz", 120
    ):
        yield base
