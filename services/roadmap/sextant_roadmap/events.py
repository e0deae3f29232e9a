"""The roadmap context's event registry: its wire names, versions and topic."""

from __future__ import annotations

from sextant_kit import EventRegistry, IncomingEvent
from sextant_kit.registry import parse_ce_type

from sextant_roadmap.domain.events import (
    DeliveryStatusRecorded,
    DependencyAdded,
    DependencyRemoved,
    FormulaEvent,
    ItemAdded,
    ItemCommittedToDelivery,
    ItemDetailsChanged,
    ItemScheduled,
    ItemScored,
    ItemsReordered,
    ItemStatusChanged,
    RoadmapArchived,
    RoadmapCreated,
    RoadmapEvent,
    RoadmapPublished,
    RoadmapRenamed,
    RoadmapRestored,
    ScoringFormulaDefined,
)

registry = EventRegistry(
    "roadmap",
    [
        RoadmapCreated,
        ItemAdded,
        ItemDetailsChanged,
        ItemStatusChanged,
        ItemScored,
        ItemsReordered,
        ItemScheduled,
        DependencyAdded,
        DependencyRemoved,
        RoadmapPublished,
        ItemCommittedToDelivery,
        DeliveryStatusRecorded,
        RoadmapRenamed,
        RoadmapArchived,
        RoadmapRestored,
        ScoringFormulaDefined,
    ],
)

ROADMAP_STREAM = "roadmap"
FORMULAS_STREAM = "scoring_formulas"


def formulas_stream_id(tenant_id: str, workspace_id: str) -> str:
    """One formulas stream per workspace; tenant in the id keeps tenants apart."""
    return f"scoring-formulas:{tenant_id}:{workspace_id}"


def decode(event: IncomingEvent) -> RoadmapEvent | FormulaEvent:
    _, name, version = parse_ce_type(event.type)
    return registry.decode(name, version, event.data)  # type: ignore[return-value]
