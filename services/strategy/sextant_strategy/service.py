"""The strategy service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_strategy.api import routers
from sextant_strategy.events import registry
from sextant_strategy.projections import (
    DecisionLog,
    ObjectiveTree,
    StrategyDocuments,
    StrategyReviews,
)

definition = ServiceDefinition(
    context="strategy",
    module=__name__,
    title="Sextant strategy",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("strategy", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        ObjectiveTree(),
        StrategyDocuments(),
        DecisionLog(),
        StrategyReviews(),
        AuditProjection(
            [registry.topic], parts=registry.audit_parts(), clears=registry.audit_clears()
        ),
    ],
)
