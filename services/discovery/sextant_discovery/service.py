"""The discovery service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_discovery.api import routers
from sextant_discovery.events import registry
from sextant_discovery.projections import (
    FEEDBACK_TOPIC,
    ExperimentLog,
    OpportunityScoreboard,
    ProblemEvidence,
    ResearchCatalog,
)

definition = ServiceDefinition(
    context="discovery",
    module=__name__,
    title="Sextant discovery",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("discovery", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        ResearchCatalog(),
        ProblemEvidence(),
        OpportunityScoreboard(),
        ExperimentLog(),
        AuditProjection(
            [registry.topic], parts=registry.audit_parts(), clears=registry.audit_clears()
        ),
    ],
    extra_topics=(FEEDBACK_TOPIC,),
)
