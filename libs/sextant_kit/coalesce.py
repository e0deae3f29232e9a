"""Background work that coalesces: asked again while it runs, it runs once more after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Coalesced:
    """Runs ``action`` in a task of its own when :meth:`request` is called, without making
    the caller wait. Requests made while it runs ask for one more run, after it (and
    ``spacing`` seconds later), so every request is followed by a run that starts after it.
    ``action`` returns False to give up the runs still asked for (it failed and said so).
    """

    def __init__(self, action: Callable[[], Awaitable[bool]], *, spacing: float = 0.0) -> None:
        self._action = action
        self._spacing = spacing
        self._task: asyncio.Task[None] | None = None
        self._again = False

    def request(self) -> None:
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def wait(self) -> None:
        """Until the run on its way (and any asked for meanwhile) has finished."""
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while True:
            self._again = False
            if not await self._action() or not self._again:
                return
            if self._spacing:
                await asyncio.sleep(self._spacing)
