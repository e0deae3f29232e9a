"""Published versions (immutable snapshots) and each workspace's custom scoring formulas."""

from __future__ import annotations

from collections.abc import Sequence

from sextant_kit import IncomingEvent
from sextant_kit.database import Connection

from sextant_roadmap.domain.events import RoadmapPublished, ScoringFormulaDefined
from sextant_roadmap.events import decode, registry


class RoadmapVersions:
    """Every published version with its full snapshot, as the event carried it."""

    name = "roadmap_versions"
    tables: Sequence[str] = ("roadmap_versions",)
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of([RoadmapPublished]))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, RoadmapPublished):
            return  # the other events do not change a published version
        meta = event.metadata()
        await conn.execute(
            "INSERT INTO roadmap_versions (tenant_id, roadmap_id, version, workspace_id,"
            " audience, title, notes, published_at, published_by, item_count, snapshot)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)"
            " ON CONFLICT DO NOTHING",
            meta.tenant_id,
            fact.roadmap_id,
            fact.version,
            fact.workspace_id,
            fact.audience.value,
            fact.title,
            fact.notes,
            fact.published_at,
            meta.actor,
            len(fact.items),
            fact.model_dump_json(),
        )


class ScoringFormulas:
    """The current revision of each workspace's custom formulas."""

    name = "roadmap_scoring_formulas"
    tables: Sequence[str] = ("scoring_formulas",)
    topics: Sequence[str] = (registry.topic,)

    consumes = staticmethod(registry.consumer_of([ScoringFormulaDefined]))

    async def apply(self, conn: Connection, event: IncomingEvent) -> None:
        fact = decode(event)
        if not isinstance(fact, ScoringFormulaDefined):
            return  # only formula definitions belong here
        await conn.execute(
            "INSERT INTO scoring_formulas (tenant_id, workspace_id, name, expression, inputs,"
            " description, revision, defined_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (tenant_id, workspace_id, name) DO UPDATE SET"
            " expression = excluded.expression, inputs = excluded.inputs,"
            " description = excluded.description, revision = excluded.revision,"
            " defined_at = excluded.defined_at"
            " WHERE scoring_formulas.revision < excluded.revision",
            event.tenant,
            fact.workspace_id,
            fact.name,
            fact.expression,
            fact.inputs,
            fact.description,
            fact.revision,
            fact.defined_at,
        )
