"""Open-loop load: requests start on a fixed schedule, whatever the server's pace.

A closed loop (send, wait, send) slows down with the server and hides its stalls
(coordinated omission). Here request ``i`` is due at ``start + i / rate``; its latency is
counted from when it was due, so a stall shows in every request it delayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.stats import summary_ms


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    label: str = ""


@dataclass
class Outcome:
    due: float
    """``time.perf_counter()`` when the request was due."""
    latency: float
    """Due -> response received, in seconds."""
    service_time: float
    """Sent -> response received (what a closed-loop tool would report)."""
    status: int | None
    label: str
    body: dict[str, Any] | None = None
    error: str | None = None
    done_at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def send(client: aiohttp.ClientSession, request: Request, due: float) -> Outcome:
    sent = time.perf_counter()
    try:
        async with client.request(
            request.method, request.url, json=request.json, headers=request.headers
        ) as response:
            text = await response.text()
            status = response.status
            is_json = response.content_type == "application/json"
    except (aiohttp.ClientError, TimeoutError) as failure:
        now = time.perf_counter()
        return Outcome(due, now - due, now - sent, None, request.label, error=repr(failure))
    now = time.perf_counter()
    body: dict[str, Any] | None = None
    if is_json and text:
        parsed = json.loads(text)
        body = parsed if isinstance(parsed, dict) else None
    problem = None if 200 <= status < 300 else f"HTTP {status}: {text[:200]}"
    return Outcome(due, now - due, now - sent, status, request.label, body, problem, now)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause this process's garbage collector while it measures.

    The outcomes of a run pile up here, and each full collection then walks them all: 80 to
    125 ms in which no response is read and no request sent, counted against the server.
    Reference counting still frees almost everything; what is left is collected after.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


async def open_loop(
    client: aiohttp.ClientSession,
    rate: float,
    seconds: float,
    make: Callable[[int], Request],
    on_outcome: Callable[[Outcome], Awaitable[None]] | None = None,
) -> list[Outcome]:
    """Send ``make(i)`` at ``rate`` per second for ``seconds``; every outcome, in order."""
    count = round(rate * seconds)
    start = time.perf_counter() + 0.2

    async def one(i: int, due: float) -> Outcome:
        outcome = await send(client, make(i), due)
        if on_outcome is not None:
            await on_outcome(outcome)
        return outcome

    tasks: list[asyncio.Task[Outcome]] = []
    with collector_paused():
        for i in range(count):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, due)))
        return list(await asyncio.gather(*tasks))


def summarise(outcomes: list[Outcome], seconds: float) -> dict[str, Any]:
    ok = [o for o in outcomes if o.ok]
    errors = Counter((o.error or "")[:120] for o in outcomes if not o.ok and o.status != 409)
    return {
        "requests": len(outcomes),
        "achieved_rate_per_s": round(len(outcomes) / seconds, 1),
        "errors": sum(errors.values()),
        "conflicts_409": sum(1 for o in outcomes if o.status == 409),
        "error_kinds": dict(errors.most_common(5)),
        "latency_from_due": summary_ms([o.latency for o in ok]),
        "service_time": summary_ms([o.service_time for o in ok]),
    }


def client(limit: int = 256) -> aiohttp.ClientSession:
    """A keep-alive session; aiohttp rather than httpx, whose pool costs O(connections) per
    request and cannot keep up with a few hundred requests a second on two cores."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit),
        timeout=aiohttp.ClientTimeout(total=30),
    )


async def closed_loop(
    client: aiohttp.ClientSession, clients: int, seconds: float, make: Callable[[int], Request]
) -> tuple[float, list[Outcome]]:
    """``clients`` senders, each sending its next request when the last one is answered:
    the most the server completes per second. Successful requests per second, outcomes."""
    deadline = time.perf_counter() + seconds
    counter = iter(range(10**9))

    async def sender() -> list[Outcome]:
        mine = []
        while time.perf_counter() < deadline:
            mine.append(await send(client, make(next(counter)), time.perf_counter()))
        return mine

    started = time.perf_counter()
    with collector_paused():
        outcomes = [
            o for batch in await asyncio.gather(*(sender() for _ in range(clients))) for o in batch
        ]
    elapsed = time.perf_counter() - started
    return sum(1 for o in outcomes if o.ok) / elapsed, outcomes
