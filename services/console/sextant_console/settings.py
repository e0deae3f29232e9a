"""The console's settings, read from ``SEXTANT_CONSOLE_*`` variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SEXTANT_CONSOLE_", extra="ignore")

    api_url: str = "http://127.0.0.1:8000"
    """Where the services' HTTP APIs answer (the all-in-one process, or a gateway)."""
    host: str = "127.0.0.1"
    port: int = 8080
    page_size: int = Field(default=50, ge=1, le=200)
    """How many items a list renders at once."""
    board_size: int = Field(default=25, ge=1, le=200)
    """How many items each board column renders at first (``?show=`` asks for more)."""
    api_timeout: float = Field(default=10.0, gt=0)
    secure_cookies: bool = False
    """Mark the session cookie Secure (always behind HTTPS; plain requests set it too when
    the console itself is served over https)."""
