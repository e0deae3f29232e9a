"""The feedback service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_feedback.api import router
from sextant_feedback.events import registry
from sextant_feedback.projections import FeedbackInbox

definition = ServiceDefinition(
    context="feedback",
    title="Sextant feedback",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("feedback", Path(__file__).parent / "sql")],
    routers=lambda rt: [router(rt)],
    projections=lambda rt: [FeedbackInbox(), AuditProjection([registry.topic])],
)
