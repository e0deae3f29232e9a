"""HTTP commands and queries of the discovery context."""

from __future__ import annotations

from fastapi import APIRouter
from sextant_kit.service import Runtime

from sextant_discovery.api.experiments import experiment_router
from sextant_discovery.api.opportunities import opportunity_router
from sextant_discovery.api.problems import problem_router
from sextant_discovery.api.research import research_router


def routers(rt: Runtime) -> list[APIRouter]:
    return [
        research_router(rt),
        problem_router(rt),
        opportunity_router(rt),
        experiment_router(rt),
    ]


__all__ = ["routers"]
