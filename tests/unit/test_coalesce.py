"""Coalesced background work: requests made while it runs become one more run."""

from __future__ import annotations

import asyncio

from sextant_kit.coalesce import Coalesced


async def test_requests_while_it_runs_become_one_more_run_after_it() -> None:
    started: list[int] = []
    release = asyncio.Event()

    async def action() -> bool:
        started.append(len(started))
        await release.wait()
        return True

    work = Coalesced(action)
    work.request()
    await asyncio.sleep(0)
    for _ in range(5):  # all while the first run is on its way
        work.request()
    release.set()
    await work.wait()
    assert started == [0, 1]
    work.request()  # idle again: runs at once
    await work.wait()
    assert started == [0, 1, 2]


async def test_a_run_that_gives_up_drops_the_runs_asked_for() -> None:
    runs = 0

    async def failing() -> bool:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0)
        return False

    work = Coalesced(failing)
    work.request()
    work.request()
    await work.wait()
    assert runs == 1
