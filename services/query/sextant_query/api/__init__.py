"""HTTP queries of the cross-context read models."""

from __future__ import annotations

from fastapi import APIRouter
from sextant_kit.service import Runtime

from sextant_query.api.opportunities import opportunities_router
from sextant_query.api.portfolio import portfolio_router
from sextant_query.api.trace import trace_router
from sextant_query.api.trends import trends_router


def routers(rt: Runtime) -> list[APIRouter]:
    return [portfolio_router(rt), opportunities_router(rt), trends_router(rt), trace_router(rt)]


__all__ = ["routers"]
