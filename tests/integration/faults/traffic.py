"""A steady stream of commands over HTTP for as long as a fault lasts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from tests.integration.faults.feedback import Outcome, send_feedback


@dataclass
class Traffic:
    """``workers`` clients, each sending one feedback command after another (``interval``
    apart) until stopped, noting when each was sent, so a test can tell what happened while
    a server was down. Several at once, so a fault finds commands in the middle of their
    transactions."""

    http: httpx.AsyncClient
    workspace: str
    workers: int = 4
    interval: float = 0.02
    outcomes: list[tuple[float, Outcome]] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Future[list[None]] | None = None

    async def __aenter__(self) -> Traffic:
        self._task = asyncio.gather(*(self._run(w) for w in range(self.workers)))
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop sending (idempotent); the command in flight completes first."""
        self._stop.set()
        if self._task is not None:
            await self._task

    async def _run(self, worker: int) -> None:
        n = worker
        while not self._stop.is_set():
            sent = time.monotonic()
            try:
                outcome = await send_feedback(self.http, self.workspace, n)
                self.outcomes.append((sent, outcome))
            except httpx.HTTPError as error:
                self.errors.append((sent, repr(error)))
            n += self.workers
            await asyncio.sleep(self.interval)

    def between(self, start: float, end: float) -> list[Outcome]:
        return [o for sent, o in self.outcomes if start <= sent <= end]

    def statuses(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, outcome in self.outcomes:
            counts[outcome.statuses[0]] = counts.get(outcome.statuses[0], 0) + 1
        return counts
