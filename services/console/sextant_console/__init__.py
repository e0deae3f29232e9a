"""Sextant's web console: server-rendered pages over the services' HTTP APIs."""

from sextant_console.app import create_app
from sextant_console.settings import ConsoleSettings

__all__ = ["ConsoleSettings", "create_app"]
