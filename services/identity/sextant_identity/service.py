"""The identity service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_identity.api import routers
from sextant_identity.events import registry
from sextant_identity.projections import Directory

definition = ServiceDefinition(
    context="identity",
    module=__name__,
    title="Sextant identity",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("identity", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        Directory(),
        AuditProjection(
            [registry.topic], parts=registry.audit_parts(), clears=registry.audit_clears()
        ),
    ],
)
