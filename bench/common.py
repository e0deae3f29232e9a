"""What every benchmark shares: isolated settings, process control, memory readings."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from sextant_kit import Settings

ROOT = Path(__file__).resolve().parent.parent


def _reachable(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def ensure_infra() -> None:
    """Start the local Kafka and PostgreSQL unless servers already answer on their ports.

    Servers started by another checkout (or shared with other people) are used as they are.
    """
    defaults = Settings()
    postgres = defaults.postgres_url.split("@", 1)[1].split("/", 1)[0]
    if not (_reachable(postgres) and _reachable(defaults.kafka_bootstrap)):
        subprocess.run([str(ROOT / "scripts/infra/up.sh")], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bench_settings() -> Settings:
    run = uuid.uuid4().hex[:6]
    return Settings(database_prefix=f"bench_{run}", topic_prefix=f"bench-{run}.", auth_mode="dev")


def env_for(settings: Settings) -> dict[str, str]:
    return {**os.environ, **settings.as_environment(), "SEXTANT_LOG_LEVEL": "WARNING"}


_TICKS = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``): the difference over a
    run shows what the servers (PostgreSQL, Kafka) used beside the processes measured."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, stat.readline().split()[1:9]
        )
    return (user + nice + system + irq + softirq + steal) / _TICKS


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _cpu_ticks(pid: int) -> int:
    """User and system time of the process and of the children it has waited for."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()  # after the command name
    return sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime


@dataclass
class Process:
    """A child process whose resident memory and CPU time are sampled while it runs."""

    popen: subprocess.Popen[bytes]
    name: str
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    """User and system time used up to the last sample: where a run's CPU budget went."""
    samples: list[float] = field(default_factory=list)

    def sample(self) -> None:
        """Memory and CPU time of the process with its children (a rebuild's replay
        workers): their resident memory together, and their CPU time, ended ones included."""
        pid = self.popen.pid
        try:
            children = _children(pid)
            ticks = _cpu_ticks(pid)
        except (FileNotFoundError, ProcessLookupError):  # it ended: the last sample stands
            return
        for child in children:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                ticks += _cpu_ticks(child)
        mb = _rss_mb(pid) + sum(_rss_mb(child) for child in children)
        self.samples.append(mb)
        self.peak_rss_mb = max(self.peak_rss_mb, mb)
        self.cpu_seconds = ticks / _TICKS

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def spawn(
    args: Sequence[str],
    settings: Settings,
    name: str,
    *,
    log: Path | None = None,
    **extra_env: str,
) -> Process:
    """Start ``python args``; its output goes to ``log`` (a pipe nobody drains can fill up
    and stall a long-running child, so long runs must pass a file)."""
    output = log.open("ab") if log is not None else None
    popen = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**env_for(settings), **extra_env},
        stdout=subprocess.DEVNULL if output is None else output,
        stderr=subprocess.PIPE if output is None else subprocess.STDOUT,
    )
    if output is not None:
        output.close()
    return Process(popen, name)


async def sample_until_done(processes: Sequence[Process], done: asyncio.Event) -> None:
    while not done.is_set():
        for p in processes:
            p.sample()
        await asyncio.sleep(0.2)


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def cleanup(settings: Settings) -> None:
    conn = await asyncpg.connect(settings.postgres_url)
    try:
        for row in await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1",
            f"{settings.database_prefix}%",
        ):
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        # Twice: a topic that a stopping process was still creating can outlive the first pass.
        for _ in range(2):
            topics = [t for t in await admin.list_topics() if t.startswith(settings.topic_prefix)]
            if topics:
                await admin.delete_topics(topics)
            await asyncio.sleep(2)
    finally:
        await admin.close()


class Stopwatch:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started
