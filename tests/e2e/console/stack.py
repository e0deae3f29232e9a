"""The platform in JWT mode and the console, each in its own process, as an operator runs
them: for the console's browser tests and its render benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sextant_kit import Settings
from sextant_kit.auth import jwks_of, mint
from sextant_kit.authz import Role

ROOT = Path(__file__).resolve().parents[3]
KID = "console-test"


@dataclass(frozen=True)
class Issuer:
    """A throwaway identity provider: one ES256 key, and tokens signed with it."""

    private_pem: str
    jwks: str

    @classmethod
    def new(cls) -> Issuer:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return cls(pem, jwks_of({KID: key.public_key()}))

    def settings(self, base: Settings) -> Settings:
        return base.model_copy(update={"auth_mode": "jwt", "jwt_jwks": self.jwks})

    def token(
        self,
        settings: Settings,
        subject: str,
        tenant: str,
        *,
        role: Role | None = None,
        workspaces: Mapping[str, Role] | None = None,
        ttl: int = 3600,
    ) -> str:
        return mint(
            self.private_pem,
            kid=KID,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            subject=subject,
            tenant=tenant,
            role=role,
            workspaces=workspaces,
            ttl=ttl,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _process(
    args: list[str], env: Mapping[str, str], log_path: Path, ready_url: str, within: float
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(ready_url, process, log_path, within)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args!r} exited with {process.returncode}:\n"
                + log_path.read_text()[-4000:]
            )
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {within} s:\n{log_path.read_text()[-4000:]}")


@contextmanager
def platform(settings: Settings, log_dir: Path, **extra_env: str) -> Iterator[str]:
    """``python -m sextant_platform all`` on a free port; yields its base URL."""
    port = free_port()
    mine = settings.model_copy(update={"http_port": port})
    env = {**os.environ, **mine.as_environment(), **extra_env}
    base = f"http://127.0.0.1:{port}"
    with _process(
        ["-m", "sextant_platform", "all"], env, log_dir / "platform.log", f"{base}/readyz", 120
    ):
        yield base


@contextmanager
def console(api_url: str, log_dir: Path) -> Iterator[str]:
    """``python -m sextant_console`` on a free port against ``api_url``; yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["-m", "sextant_console", "--port", str(port), "--api", api_url]
    with _process(args, dict(os.environ), log_dir / "console.log", f"{base}/login", 60):
        yield base
