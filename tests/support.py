"""Helpers for tests that wait on asynchronous effects."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


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
