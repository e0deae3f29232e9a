"""Insights, personas (every version) and competitors (features, status history)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never, get_args

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_discovery.domain.competitor import (
    CompetitorEvent,
    CompetitorProfiled,
    CompetitorStatusChanged,
    FeatureCompared,
)
from sextant_discovery.domain.insight import (
    InsightEvent,
    InsightRecorded,
    InsightReinstated,
    InsightRetired,
    InsightRevised,
    InsightTagged,
)
from sextant_discovery.domain.persona import (
    PersonaArchived,
    PersonaCreated,
    PersonaEvent,
    PersonaRestored,
    PersonaRevised,
)
from sextant_discovery.events import registry
from sextant_discovery.projections.decoding import decode, keep_stream_version

_MINE = (*get_args(InsightEvent), *get_args(PersonaEvent), *get_args(CompetitorEvent))


class ResearchCatalog:
    name = "discovery_research"
    tables: Sequence[str] = (
        "discovery_insights",
        "discovery_personas",
        "discovery_persona_versions",
        "discovery_competitors",
        "discovery_competitor_features",
        "discovery_competitor_statuses",
    )
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of(_MINE))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, _MINE):
            return  # another aggregate's event: other read models handle it
        tenant = event.tenant
        match fact:
            case InsightRecorded():
                await conn.execute(
                    "INSERT INTO discovery_insights (tenant_id, insight_id, workspace_id, title,"
                    " market, segment, source, summary, evidence_links, tags, recorded_by,"
                    " recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                    " ON CONFLICT DO NOTHING",
                    tenant,
                    fact.insight_id,
                    fact.workspace_id,
                    fact.title,
                    fact.market,
                    fact.segment,
                    fact.source,
                    fact.summary,
                    list(fact.evidence_links),
                    list(fact.tags),
                    fact.recorded_by,
                    fact.recorded_at,
                )
            case InsightRevised():
                await conn.execute(
                    "UPDATE discovery_insights SET title = $3, market = $4, segment = $5,"
                    " source = $6, summary = $7, evidence_links = $8"
                    " WHERE tenant_id = $1 AND insight_id = $2",
                    tenant,
                    fact.insight_id,
                    fact.title,
                    fact.market,
                    fact.segment,
                    fact.source,
                    fact.summary,
                    list(fact.evidence_links),
                )
            case InsightTagged():
                await conn.execute(
                    "UPDATE discovery_insights SET tags = $3 WHERE tenant_id = $1"
                    " AND insight_id = $2",
                    tenant,
                    fact.insight_id,
                    list(fact.tags),
                )
            case InsightRetired() | InsightReinstated():
                await conn.execute(
                    "UPDATE discovery_insights SET retired = $3 WHERE tenant_id = $1"
                    " AND insight_id = $2",
                    tenant,
                    fact.insight_id,
                    isinstance(fact, InsightRetired),
                )
            case PersonaCreated() | PersonaRevised():
                await self._persona(conn, tenant, fact)
            case PersonaArchived() | PersonaRestored():
                await conn.execute(
                    "UPDATE discovery_personas SET archived = $3 WHERE tenant_id = $1"
                    " AND persona_id = $2",
                    tenant,
                    fact.persona_id,
                    isinstance(fact, PersonaArchived),
                )
            case CompetitorProfiled():
                await conn.execute(
                    "INSERT INTO discovery_competitors (tenant_id, competitor_id, workspace_id,"
                    " name, revision, profile, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (tenant_id, competitor_id) DO UPDATE SET name = $4,"
                    " revision = $5, profile = $6, updated_at = $7"
                    " WHERE discovery_competitors.revision < $5",
                    tenant,
                    fact.competitor_id,
                    fact.workspace_id,
                    fact.profile.name,
                    fact.revision,
                    fact.profile.model_dump_json(),
                    fact.profiled_at,
                )
            case FeatureCompared():
                await conn.execute(
                    "INSERT INTO discovery_competitor_features (tenant_id, competitor_id, feature,"
                    " theirs, ours, note, compared_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (tenant_id, competitor_id, feature) DO UPDATE SET theirs = $4,"
                    " ours = $5, note = $6, compared_at = $7",
                    tenant,
                    fact.competitor_id,
                    fact.feature,
                    fact.theirs.value,
                    fact.ours.value,
                    fact.note,
                    fact.compared_at,
                )
            case CompetitorStatusChanged():
                await conn.execute(
                    "INSERT INTO discovery_competitor_statuses (tenant_id, event_id,"
                    " competitor_id, status, previous, reason, changed_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                    tenant,
                    event.id,
                    fact.competitor_id,
                    fact.status.value,
                    fact.previous.value,
                    fact.reason,
                    fact.changed_at,
                )
                await conn.execute(
                    "UPDATE discovery_competitors SET status = $3 WHERE tenant_id = $1"
                    " AND competitor_id = $2",
                    tenant,
                    fact.competitor_id,
                    fact.status.value,
                )
            case _:
                assert_never(fact)
        await keep_stream_version(conn, event)

    async def _persona(
        self, conn: Connection, tenant: str, fact: PersonaCreated | PersonaRevised
    ) -> None:
        profile = fact.profile.model_dump_json()
        if isinstance(fact, PersonaCreated):
            await conn.execute(
                "INSERT INTO discovery_personas (tenant_id, persona_id, workspace_id, name,"
                " version, profile, created_at) VALUES ($1, $2, $3, $4, 1, $5, $6)"
                " ON CONFLICT DO NOTHING",
                tenant,
                fact.persona_id,
                fact.workspace_id,
                fact.profile.name,
                profile,
                fact.created_at,
            )
            note, by, at = None, fact.created_by, fact.created_at
        else:
            await conn.execute(
                "UPDATE discovery_personas SET name = $3, version = $4, profile = $5"
                " WHERE tenant_id = $1 AND persona_id = $2 AND version < $4",
                tenant,
                fact.persona_id,
                fact.profile.name,
                fact.version,
                profile,
            )
            note, by, at = fact.note, fact.revised_by, fact.revised_at
        await conn.execute(
            "INSERT INTO discovery_persona_versions (tenant_id, persona_id, version, profile,"
            " note, written_by, written_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT DO NOTHING",
            tenant,
            fact.persona_id,
            fact.version,
            profile,
            note,
            by,
            at,
        )
