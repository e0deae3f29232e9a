"""The roadmap service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_roadmap.api import routers
from sextant_roadmap.events import registry
from sextant_roadmap.projections import RoadmapBoard, RoadmapVersions, ScoringFormulas

definition = ServiceDefinition(
    context="roadmap",
    module=__name__,
    title="Sextant roadmap",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("roadmap", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        RoadmapBoard(),
        RoadmapVersions(),
        ScoringFormulas(),
        AuditProjection(
            [registry.topic], parts=registry.audit_parts(), clears=registry.audit_clears()
        ),
    ],
)
