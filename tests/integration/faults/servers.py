"""A Kafka broker and a PostgreSQL cluster that belong to one fault test alone.

Started with the same scripts as the shared servers (scripts/infra), on their own ports and
state directories, so a test can stop and restart them without disturbing the servers that
every other test (and every other engineer on the machine) is using.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support import ROOT

INFRA = ROOT / "scripts" / "infra"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run(script: str, command: str, env: dict[str, str], *, timeout: float = 180) -> None:
    done = subprocess.run(
        [str(INFRA / script), command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{script} {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@dataclass(frozen=True)
class OwnKafka:
    """A single-node KRaft broker on free ports, its data under ``state``."""

    state: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            "SEXTANT_STATE": str(self.state),
            "SEXTANT_KAFKA_PORT": str(self.port),
            "SEXTANT_KAFKA_CONTROLLER_PORT": str(self.controller_port),
        }

    def start(self) -> None:
        _run("kafka.sh", "up", self._env())

    def stop(self) -> None:
        """A clean shutdown (SIGTERM, as an operator's restart sends); data is kept."""
        _run("kafka.sh", "down", self._env())

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.state, ignore_errors=True)


@dataclass(frozen=True)
class OwnPostgres:
    """A throwaway Debian cluster (fsync off) named ``cluster`` on a free port."""

    state: Path
    cluster: str
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://sextant:sextant@127.0.0.1:{self.port}/sextant"

    def _env(self) -> dict[str, str]:
        return {
            "SEXTANT_STATE": str(self.state),
            "SEXTANT_PG_CLUSTER": self.cluster,
            "SEXTANT_PG_PORT": str(self.port),
            "SEXTANT_PG_FAST": "1",
        }

    def start(self) -> None:
        _run("postgres.sh", "up", self._env())

    def stop(self) -> None:
        """``pg_ctlcluster stop -m fast``: sessions are ended, open transactions roll back."""
        _run("postgres.sh", "down", self._env())

    def destroy(self) -> None:
        try:
            _run("postgres.sh", "drop", self._env())
        finally:
            shutil.rmtree(self.state, ignore_errors=True)
