"""HTTP commands and queries of the strategy context."""

from __future__ import annotations

from fastapi import APIRouter
from sextant_kit.service import Runtime

from sextant_strategy.api.concepts import concept_router
from sextant_strategy.api.decisions import decision_router
from sextant_strategy.api.milestones import milestone_router
from sextant_strategy.api.objective_queries import tree_router
from sextant_strategy.api.objectives import objective_routes
from sextant_strategy.api.review_queries import review_query_router
from sextant_strategy.api.reviews import review_router
from sextant_strategy.api.vision import vision_router


def routers(rt: Runtime) -> list[APIRouter]:
    return [
        vision_router(rt),
        objective_routes(rt, team=False),
        objective_routes(rt, team=True),
        tree_router(rt),
        concept_router(rt),
        milestone_router(rt),
        decision_router(rt),
        review_router(rt),
        review_query_router(rt),
    ]


__all__ = ["routers"]
