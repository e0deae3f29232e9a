"""Freshness: how long after a command was accepted its effect is visible in a read model.

One poller queries the read model for every id still pending, every few milliseconds, in
one statement; the moment a row shows up is the moment it became visible (within the
poll interval, which the baseline measures).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable

FindVisible = Callable[[list[uuid.UUID]], Awaitable[Iterable[uuid.UUID]]]

POLL_INTERVAL = 0.005


class Watcher:
    def __init__(self, find_visible: FindVisible) -> None:
        self._find = find_visible
        self._pending: dict[uuid.UUID, float] = {}
        self.lags: list[float] = []
        self.unseen = 0

    def accepted(self, ident: uuid.UUID, at: float) -> None:
        self._pending[ident] = at

    async def run(self, stop: asyncio.Event, drain_seconds: float = 30.0) -> None:
        """Poll until ``stop`` is set and nothing is pending (or the drain time is up)."""
        drain_deadline: float | None = None
        while True:
            if stop.is_set():
                if not self._pending:
                    return
                drain_deadline = drain_deadline or time.perf_counter() + drain_seconds
                if time.perf_counter() > drain_deadline:
                    self.unseen = len(self._pending)
                    return
            if self._pending:
                seen = await self._find(list(self._pending))
                now = time.perf_counter()
                for ident in seen:
                    accepted = self._pending.pop(ident, None)
                    if accepted is not None:
                        self.lags.append(now - accepted)
            await asyncio.sleep(POLL_INTERVAL)
