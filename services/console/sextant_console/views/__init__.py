"""The console's pages, one router per area."""

from fastapi import APIRouter

from sextant_console.views import (
    audit,
    direction,
    discovery,
    feedback,
    home,
    research,
    review,
    roadmaps,
    strategy,
    versions,
)

PAGES: tuple[APIRouter, ...] = (
    home.router,
    roadmaps.router,
    versions.router,
    discovery.router,
    research.router,
    feedback.router,
    strategy.router,
    direction.router,
    review.router,
    audit.router,
)

__all__ = ["PAGES"]
