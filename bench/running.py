"""The platform started as an operator starts it: one ``all`` process, or one per role."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
from sextant_kit import Settings

from bench.common import ROOT, Process, env_for, free_port, spawn

SERVICES = ("identity", "feedback", "discovery", "strategy", "roadmap", "query")
ROLES = ("api", "relay", "projector")
ROLES_OF = {"query": ("api", "projector")}
"""The query service writes no events, so it runs no relay (as the Helm chart deploys it)."""


@dataclass
class RunningPlatform:
    settings: Settings
    processes: list[Process]
    api_urls: dict[str, str]
    """Base URL of each service's API (all the same for the all-in-one process)."""
    log_dir: Path

    def stop(self) -> None:
        for p in self.processes:
            p.stop()


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def wait_ready(url: str, process: Process, log: Path, within: float = 120) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with httpx.AsyncClient(timeout=2) as client:
        while loop.time() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{_tail(log)}")
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{process.name} not ready in {within} s:\n{_tail(log)}")


def migrate(settings: Settings, log: Path) -> None:
    """Databases, tables and topics first, so that processes starting together never race."""
    with log.open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", "sextant_platform", "migrate"],
            cwd=ROOT,
            env=env_for(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )


async def start_all_in_one(settings: Settings, log_dir: Path) -> RunningPlatform:
    port = free_port()
    mine = settings.model_copy(update={"http_port": port})
    log = log_dir / "platform.log"
    migrate(mine, log)
    process = spawn(["-m", "sextant_platform", "all"], mine, "all", log=log)
    url = f"http://127.0.0.1:{port}"
    running = RunningPlatform(mine, [process], dict.fromkeys(SERVICES, url), log_dir)
    try:
        await wait_ready(url, process, log)
    except BaseException:
        running.stop()
        raise
    return running


async def start_per_role(settings: Settings, log_dir: Path) -> RunningPlatform:
    """Every service's api, relay and projector as its own process (17 in all)."""
    migrate(settings, log_dir / "migrate.log")
    running = RunningPlatform(settings, [], {}, log_dir)
    waits = []
    try:
        for service in SERVICES:
            for role in ROLES_OF.get(service, ROLES):
                port = free_port()
                name = f"{service}-{role}"
                log = log_dir / f"{name}.log"
                mine = settings.model_copy(update={"http_port": port})
                process = spawn(
                    ["-m", "sextant_platform", "--service", service, role], mine, name, log=log
                )
                running.processes.append(process)
                url = f"http://127.0.0.1:{port}"
                if role == "api":
                    running.api_urls[service] = url
                waits.append(wait_ready(url, process, log))
        await asyncio.gather(*waits)
    except BaseException:
        running.stop()
        raise
    return running
