"""The query service as the kit runs it.

It owns no aggregates and writes no events: its registry is empty, so its event store
stays empty and its relay has nothing to publish (the kit gives every service both; an
idle relay costs one connection). Everything it serves comes from the domain topics
below, which it reads but does not own — including one audit history of every event of
every context (``/v1/query/audit``), hash-chained per workspace like each service's own.
"""

from __future__ import annotations

from pathlib import Path

from sextant_discovery.events import registry as discovery_events
from sextant_feedback.events import registry as feedback_events
from sextant_identity.events import registry as identity_events
from sextant_kit import EventRegistry
from sextant_kit.audit import AuditProjection
from sextant_kit.database import AUDIT_MIGRATIONS, migrations_in
from sextant_kit.service import ServiceDefinition
from sextant_roadmap.events import registry as roadmap_events
from sextant_strategy.events import registry as strategy_events

from sextant_query.api import routers
from sextant_query.projections import Discovery, FeedbackEvidence, Objectives, RoadmapItems
from sextant_query.projections.discovery import DISCOVERY
from sextant_query.projections.feedback import FEEDBACK
from sextant_query.projections.objectives import STRATEGY
from sextant_query.projections.roadmap import ROADMAP

registry = EventRegistry("query", [])
IDENTITY = "sextant.identity.events.v1"
DOMAIN_TOPICS = (IDENTITY, STRATEGY.topic, ROADMAP.topic, DISCOVERY.topic, FEEDBACK.topic)
CONTEXTS = (identity_events, strategy_events, roadmap_events, discovery_events, feedback_events)
"""The domain contexts' event registries, whose events the audit history reads."""
AUDIT_PARTS = {
    ce_type: fields for events in CONTEXTS for ce_type, fields in events.audit_parts().items()
}
AUDIT_CLEARS = {
    ce_type: fields for events in CONTEXTS for ce_type, fields in events.audit_clears().items()
}

definition = ServiceDefinition(
    context="query",
    module=__name__,
    title="Sextant query",
    registry=registry,
    migrations=[*AUDIT_MIGRATIONS, *migrations_in("query", Path(__file__).parent / "sql")],
    routers=routers,
    projections=lambda rt: [
        Objectives(),
        RoadmapItems(),
        Discovery(),
        FeedbackEvidence(),
        AuditProjection(
            DOMAIN_TOPICS, name="all_audit_log", parts=AUDIT_PARTS, clears=AUDIT_CLEARS
        ),
    ],
    extra_topics=DOMAIN_TOPICS,
)
