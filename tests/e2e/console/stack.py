"""The platform in JWT mode and the console, each in its own process, as an operator runs
them: for the console's browser tests and its render benchmark."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sextant_kit import Settings
from sextant_kit.auth import jwks_of, mint
from sextant_kit.authz import Role

from tests.e2e.processes import free_port, platform, started

__all__ = ["Issuer", "console", "platform"]

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


@contextmanager
def console(api_url: str, log_dir: Path) -> Iterator[str]:
    """``python -m sextant_console`` on a free port against ``api_url``; yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["-m", "sextant_console", "--port", str(port), "--api", api_url]
    with started(args, dict(os.environ), log_dir / "console.log", f"{base}/login", 60):
        yield base
