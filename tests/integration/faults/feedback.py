"""The feedback service as operators run it (api, relay and projector as separate processes),
commands sent over HTTP, and the exactly-once check on its read models."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import asyncpg
import httpx
from sextant_feedback.events import registry
from sextant_kit import Settings

from tests.integration.faults.servers import free_port
from tests.integration.kit_support import read_topic
from tests.support import ROOT

Role = Literal["api", "relay", "projector"]
PROJECTIONS = ("feedback_inbox", "feedback_audit_log")
"""The projections of the feedback events topic (the inbound one has its own topic)."""
HEADERS = {"X-Sextant-Tenant": "faults", "X-Sextant-Actor": "pm.fault"}


@dataclass
class FeedbackProcess:
    """``python -m sextant_feedback <role>`` in its own process, its output in ``log``."""

    role: Role
    settings: Settings
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, **self.settings.as_environment(), "SEXTANT_HTTP_PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sextant_feedback", self.role],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.role} not ready in {within:.0f}s:\n{self.tail()}")

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"{self.role} exited with {self.process.returncode}:\n{self.tail()}"
            )

    def kill(self) -> None:
        """SIGKILL: no handler runs, no transaction commits, nothing is flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@contextmanager
def running(settings: Settings, logs: Path, *roles: Role) -> Iterator[dict[Role, FeedbackProcess]]:
    """Start ``roles`` (each its own process), wait until each is ready; stop them after."""
    processes = {role: FeedbackProcess(role, settings, logs / f"{role}.log") for role in roles}
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            process.wait_ready()
        yield processes
    finally:
        for process in processes.values():
            process.stop()


@dataclass
class Outcome:
    """What one command got back: the status of each attempt, the item it created."""

    key: str
    statuses: list[int] = field(default_factory=list)
    item: str | None = None


async def send_feedback(
    http: httpx.AsyncClient, workspace: str, n: int, outcome: Outcome | None = None
) -> Outcome:
    """One command with its own Idempotency-Key; a retry passes the same ``outcome``."""
    outcome = outcome or Outcome(key=f"fault-{workspace}-{n}")
    response = await http.post(
        f"/v1/workspaces/{workspace}/feedback",
        json={"text": f"fault test feedback {n}", "source": "support_ticket"},
        headers={**HEADERS, "Idempotency-Key": outcome.key},
    )
    outcome.statuses.append(response.status_code)
    if response.status_code in (200, 201):
        outcome.item = response.json()["id"]
    return outcome


async def store_events(settings: Settings) -> list[str]:
    """Every event id in the feedback event store."""
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        rows = await conn.fetch("SELECT event_id FROM events ORDER BY position")
        return [str(r["event_id"]) for r in rows]
    finally:
        await conn.close()


async def wait_until_projected(settings: Settings, expected: int, *, within: float) -> None:
    """Until every feedback projection has applied ``expected`` events."""
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        deadline = time.monotonic() + within
        while True:
            counts = {
                r["projection"]: r["n"]
                for r in await conn.fetch(
                    "SELECT projection, count(*) AS n FROM projection_applied_events"
                    " WHERE projection = ANY($1::text[]) GROUP BY projection",
                    list(PROJECTIONS),
                )
            }
            if all(counts.get(p, 0) >= expected for p in PROJECTIONS):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"projected {counts} of {expected} within {within:.0f}s")
            await asyncio.sleep(0.3)
    finally:
        await conn.close()


async def assert_each_event_applied_once(settings: Settings) -> int:
    """Every event in the store is in each read model exactly once, and nothing else is.

    Evidence: the ids each projection applied equal the store's ids; the inbox has one row
    per item at stream version 1 (each item got exactly one event); the audit log has one
    entry per event and each workspace's hash chain runs 1..n with no gap and no repeat
    (an event applied twice would have taken a second sequence number); the DLQ is empty,
    so nothing was refused either. Returns the number of events.
    """
    events = await store_events(settings)
    assert len(events) == len(set(events))
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        for projection in PROJECTIONS:
            applied = await conn.fetch(
                "SELECT event_id FROM projection_applied_events WHERE projection = $1",
                projection,
            )
            assert sorted(str(r["event_id"]) for r in applied) == sorted(events), projection
        audit = await conn.fetch("SELECT event_id FROM audit_log")
        assert sorted(str(r["event_id"]) for r in audit) == sorted(events)
        chains = await conn.fetch(
            "SELECT tenant_id, workspace_id, count(*) AS n, min(chain_seq) AS lo,"
            " max(chain_seq) AS hi, count(DISTINCT chain_seq) AS distinct_seq"
            " FROM audit_log GROUP BY tenant_id, workspace_id"
        )
        for chain in chains:
            assert (chain["lo"], chain["hi"], chain["distinct_seq"]) == (1, chain["n"], chain["n"])
        items = await conn.fetch("SELECT feedback_id, version FROM feedback_inbox")
        streams = await conn.fetch("SELECT DISTINCT stream_id FROM events")
        assert sorted(str(r["feedback_id"]) for r in items) == sorted(
            r["stream_id"] for r in streams
        )
        assert {r["version"] for r in items} <= {1}
    finally:
        await conn.close()
    topic = settings.topic(registry.topic)
    dead = await read_topic(settings.kafka_bootstrap, f"{topic}.dlq", 1, timeout_ms=2000)
    assert dead == [], [dict(r.headers) for r in dead]
    return len(events)
