"""HTTP commands and queries of the feedback context."""

from __future__ import annotations

from fastapi import APIRouter
from sextant_kit.service import Runtime

from sextant_feedback.api.customers import customers_router
from sextant_feedback.api.duplicates import duplicates_router
from sextant_feedback.api.imports import imports_router
from sextant_feedback.api.items import items_router
from sextant_feedback.api.queries import queries_router
from sextant_feedback.api.trends import trends_router


def routers(rt: Runtime) -> list[APIRouter]:
    return [
        items_router(rt),
        imports_router(rt),
        customers_router(rt),
        # Before the queries': their item route would take these words for an item's id.
        trends_router(rt),
        duplicates_router(rt),
        queries_router(rt),
    ]
