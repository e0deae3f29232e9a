"""Helpers for tests that wait on asynchronous effects."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from sextant_kit import Settings

ROOT = Path(__file__).resolve().parent.parent


async def eventually(
    check: Callable[[], Awaitable[None]], *, within: float = 20.0, interval: float = 0.1
) -> None:
    """Await ``check()`` until it stops raising AssertionError, or fail with its last error."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await check()
            return
        except AssertionError:
            if loop.time() > deadline:
                raise
        await asyncio.sleep(interval)


async def run_cli(settings: Settings, *args: str, within: float = 120) -> tuple[int, str, str]:
    """``sextant ARGS`` in its own process against ``settings``: exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sextant_platform.cli",
        *args,
        cwd=ROOT,
        env={**os.environ, **settings.as_environment()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), within)
    return process.returncode or 0, out.decode(), err.decode()
