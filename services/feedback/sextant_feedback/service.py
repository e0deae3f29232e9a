"""The feedback service as the kit runs it."""

from __future__ import annotations

from pathlib import Path

from sextant_kit.audit import AuditProjection
from sextant_kit.auth import authenticator_from
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition

from sextant_feedback.api import routers
from sextant_feedback.events import INBOUND_TOPIC, registry
from sextant_feedback.inbound import InboundFeedback
from sextant_feedback.projections import FeedbackViews

definition = ServiceDefinition(
    context="feedback",
    module=__name__,
    title="Sextant feedback",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("feedback", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        FeedbackViews(),
        AuditProjection(
            [registry.topic], parts=registry.audit_parts(), clears=registry.audit_clears()
        ),
        InboundFeedback(rt.store, authenticator_from(rt.settings)),
    ],
    extra_topics=[INBOUND_TOPIC],
)
