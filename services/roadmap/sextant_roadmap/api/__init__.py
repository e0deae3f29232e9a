"""The roadmap service's HTTP API."""

from __future__ import annotations

from fastapi import APIRouter
from sextant_kit.service import Runtime

from sextant_roadmap.api import commands, handoff, queries, versions
from sextant_roadmap.api.sender import Sender


def routers(rt: Runtime) -> list[APIRouter]:
    sender = Sender(rt)
    return [
        commands.router(sender),
        handoff.router(rt, sender),
        queries.router(rt),
        versions.router(rt),
    ]
