"""The console's pages, one router per area."""

from fastapi import APIRouter

from sextant_console.views import (
    audit,
    concepts,
    customers,
    direction,
    discovery,
    duplicates,
    feedback,
    formulas,
    home,
    imports,
    item,
    people,
    persona,
    portfolio,
    problem,
    research,
    review,
    roadmaps,
    strategy,
    trends,
    versions,
)

PAGES: tuple[APIRouter, ...] = (
    home.router,
    roadmaps.router,
    formulas.router,
    item.router,
    versions.router,
    discovery.router,
    problem.router,
    research.router,
    persona.router,
    imports.router,
    # Before the feedback pages: their item's page would take these words for an item's id.
    trends.router,
    duplicates.router,
    feedback.router,
    customers.router,
    people.router,
    strategy.router,
    portfolio.router,
    direction.router,
    review.router,
    concepts.router,
    audit.router,
)

__all__ = ["PAGES"]
