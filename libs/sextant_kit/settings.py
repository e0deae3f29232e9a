"""Typed settings shared by every service process, read from ``SEXTANT_*`` variables."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEXTANT_", extra="ignore")

    postgres_url: str = "postgresql://sextant:sextant@127.0.0.1:5432/sextant"
    """A server login; each service uses its own database on that server."""
    database_prefix: str = "sextant"
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    """Prepended to every topic name; lets test runs share a broker without colliding."""
    topic_replicas: int = Field(default=1, ge=1)
    """Replicas of a topic the processes make when it is missing (1 for one local broker; a
    cluster's three, as the Helm chart sets, so that no topic of record lives on one disk)."""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    pool_min_size: int = Field(default=2, ge=1)
    pool_max_size: int = Field(default=20, ge=1)
    relay_poll_interval: float = Field(default=1.0, gt=0)
    relay_batch_size: int = Field(default=1000, ge=1)
    projection_batch_size: int = Field(default=500, ge=1)
    applied_events_retention_hours: float = Field(default=168, gt=0)
    """How long projections remember which event ids they applied (their defence against a
    republished duplicate, which arrives within seconds); older ids are pruned."""
    log_level: str = "INFO"
    consistency_wait_seconds: float = Field(default=2.0, gt=0, le=60)
    """How long a read carrying a consistency token waits for the projections."""
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    auth_mode: Literal["jwt", "dev"] = "jwt"
    """``jwt``: bearer tokens verified against the identity provider's keys (the default);
    ``dev``: identity from X-Sextant-* headers, for a developer's machine and tests only."""
    jwt_issuer: str = "https://sextant.local"
    jwt_audience: str = "sextant"
    jwt_jwks: str | None = None
    jwt_jwks_file: str | None = None

    @model_validator(mode="after")
    def _pool_fits(self) -> Settings:
        if self.pool_max_size < self.pool_min_size:
            raise ValueError(
                f"SEXTANT_POOL_MAX_SIZE ({self.pool_max_size}) is below SEXTANT_POOL_MIN_SIZE"
                f" ({self.pool_min_size}): a pool holds at least its minimum"
            )
        return self

    @classmethod
    def from_environment(cls) -> Settings:
        """The process's settings, or its end naming each variable that is wrong (rather
        than a traceback)."""
        try:
            return cls()
        except ValidationError as error:
            wrong = "; ".join(
                f"SEXTANT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                if e["loc"]
                else e["msg"].removeprefix("Value error, ")
                for e in error.errors()
            )
            raise SystemExit(f"error: {wrong}") from None

    @property
    def applied_events_retention(self) -> timedelta:
        return timedelta(hours=self.applied_events_retention_hours)

    def as_environment(self) -> dict[str, str]:
        """These settings as ``SEXTANT_*`` variables, for the processes this one starts."""
        return {
            f"SEXTANT_{name.upper()}": str(value)
            for name, value in self.model_dump().items()
            if value is not None
        }

    def database(self, context: str) -> str:
        return f"{self.database_prefix}_{context}"

    def dsn(self, database: str) -> str:
        parts = urlsplit(self.postgres_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"
