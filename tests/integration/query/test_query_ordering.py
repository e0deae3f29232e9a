"""The query projections under the conditions of real topics: links that arrive before what
they link to, event types they do not read, and events they cannot read."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sextant_discovery.domain.opportunity_events import OpportunityOpened
from sextant_discovery.events import registry as discovery
from sextant_feedback.domain import FeedbackLinked, FeedbackReceived
from sextant_feedback.domain.channels import Channel, LinkTarget
from sextant_feedback.events import registry as feedback
from sextant_kit import Event, EventMetadata, EventRegistry, RecordedEvent, Settings, envelope
from sextant_kit.envelope import KafkaRecord
from sextant_roadmap.domain.events import ItemAdded, ItemType, RoadmapCreated
from sextant_roadmap.events import registry as roadmap
from sextant_strategy.domain.common import Period
from sextant_strategy.domain.objective_events import Level, ObjectiveSet
from sextant_strategy.events import registry as strategy

from tests.integration.kit_support import read_topic
from tests.integration.query.conftest import Platform
from tests.support import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
WITHIN = 150
"""Seconds to wait for the projections: generous, as the machine is shared with other runs."""

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def record(
    registry: EventRegistry,
    stream: uuid.UUID,
    tenant: str,
    workspace: str,
    event: Event | None = None,
    *,
    event_type: str = "",
    payload: dict[str, Any] | None = None,
) -> KafkaRecord:
    """``event`` as its context's relay would publish it (or a raw type and payload)."""
    recorded = RecordedEvent(
        event_id=uuid.uuid4(),
        stream_id=str(stream),
        stream_type="test",
        stream_version=1,
        position=1,
        transaction_id=1,
        event_type=event.event_type if event else event_type,
        schema_version=1,
        payload=event.model_dump(mode="json") if event else payload or {},
        metadata=EventMetadata(
            tenant_id=tenant, actor="tester", correlation_id="c", workspace_id=workspace
        ),
        recorded_at=NOW,
    )
    return envelope.encode(recorded, registry)


def event_id(rec: KafkaRecord) -> str:
    return dict(rec.headers)["ce_id"].decode()


async def send(settings: Settings, registry: EventRegistry, *records: KafkaRecord) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:
        for rec in records:
            await producer.send_and_wait(
                settings.topic(registry.topic), rec.value, key=rec.key, headers=rec.headers
            )
    finally:
        await producer.stop()


async def test_links_that_arrive_first_resolve_when_their_targets_arrive(
    platform: Platform, settings: Settings, unique: str
) -> None:
    tenant, ws = f"t-{unique}", f"ws-{unique}"
    h = {"X-Sextant-Tenant": tenant, "X-Sextant-Role": "admin"}
    q = platform.query
    fb, opp, objective = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rm, item = uuid.uuid4(), uuid.uuid4()
    await send(
        settings,
        feedback,
        record(
            feedback,
            fb,
            tenant,
            ws,
            FeedbackReceived(
                feedback_id=fb,
                workspace_id=ws,
                source=Channel.EMAIL,
                text="please",
                sentiment=0.0,
                received_at=NOW,
            ),
        ),
        record(
            feedback,
            fb,
            tenant,
            ws,
            FeedbackLinked(
                feedback_id=fb,
                workspace_id=ws,
                target_type=LinkTarget.OPPORTUNITY,
                target_id=str(opp),
                linked_at=NOW,
            ),
        ),
    )
    created = RoadmapCreated(
        roadmap_id=rm, tenant_id=tenant, workspace_id=ws, name="R", workspaces=[ws], created_at=NOW
    )
    added = ItemAdded(
        roadmap_id=rm,
        item_id=item,
        item_workspace_id=ws,
        title="Wallet",
        type=ItemType.FEATURE,
        objective_ids=[str(objective)],
        opportunity_ids=[str(opp)],
        added_at=NOW,
    )
    on_roadmap = [record(roadmap, rm, tenant, ws, fact) for fact in (created, added)]
    await send(settings, roadmap, *on_roadmap)

    async def dangling() -> None:
        up = await q.get(f"/v1/query/feedback/{fb}/trace", headers=h)
        assert up.status_code == 200, up.text
        body = up.json()
        assert body["opportunities"] == []  # not seen yet: the link stays a bare id
        assert [i["item_id"] for i in body["roadmap_items"]] == [str(item)]
        assert body["roadmap_items"][0]["objective_ids"] == [str(objective)]
        assert body["objectives"] == []

    await eventually(dangling, within=WITHIN)
    missing = await q.get(f"/v1/query/objectives/{objective}/trace", headers=h)
    assert missing.status_code == 404

    period = Period(label="2026-Q3", start=date(2026, 7, 1), end=date(2026, 9, 30))
    goal = ObjectiveSet(
        objective_id=objective,
        workspace_id=ws,
        level=Level.TEAM,
        title="Convert",
        description=None,
        owner="pm",
        period=period,
        parent_id=None,
        set_at=NOW,
    )
    opened = OpportunityOpened(
        opportunity_id=opp,
        workspace_id=ws,
        title="Instant invoices",
        description=None,
        problem_ids=(),
        opened_by="pm",
        opened_at=NOW,
    )
    await send(settings, strategy, record(strategy, objective, tenant, ws, goal))
    await send(settings, discovery, record(discovery, opp, tenant, ws, opened))

    async def resolved() -> None:
        down = await q.get(f"/v1/query/objectives/{objective}/trace", headers=h)
        assert down.status_code == 200, down.text
        body = down.json()
        assert [i["item_id"] for i in body["roadmap_items"]] == [str(item)]
        assert [o["opportunity_id"] for o in body["opportunities"]] == [str(opp)]
        assert body["opportunities"][0]["evidence"]["feedback_items"] == 1
        assert [f["feedback_id"] for f in body["feedback"]["items"]] == [str(fb)]
        up = (await q.get(f"/v1/query/feedback/{fb}/trace", headers=h)).json()
        assert [o["objective_id"] for o in up["objectives"]] == [str(objective)]

    await eventually(resolved, within=WITHIN)


async def test_unread_event_types_are_passed_over_and_unreadable_ones_dead_lettered(
    platform: Platform, settings: Settings, unique: str
) -> None:
    tenant, ws = f"t-{unique}", f"ws-{unique}"
    stream = uuid.uuid4()
    unread = record(
        strategy, stream, tenant, ws, event_type="ObjectiveRenamed", payload={"title": "x"}
    )
    broken = record(
        strategy,
        stream,
        tenant,
        ws,
        event_type="ObjectiveSet",
        payload={"objective_id": str(stream), "workspace_id": ws},
    )
    await send(settings, strategy, unread, broken)
    pool = platform.runtimes["query"].pool
    dlq = settings.topic(f"{strategy.topic}.dlq")

    async def dead_lettered() -> None:
        dead = await read_topic(settings.kafka_bootstrap, dlq, 1, timeout_ms=2000)
        letters = {dict(r.headers)["ce_id"].decode(): dict(r.headers) for r in dead}
        assert event_id(unread) not in letters
        letter = letters[event_id(broken)]
        assert letter["sextant_dlq_projection"] == b"query_objectives"
        assert letter["sextant_dlq_reason"] == b"apply-failed"
        assert b"ObjectiveSet" in letter["sextant_dlq_error"]
        claimed = await pool.fetch(
            "SELECT event_id::text FROM projection_applied_events"
            " WHERE projection = 'query_objectives' AND event_id = ANY($1::uuid[])",
            [event_id(unread), event_id(broken)],
        )
        # passed over on purpose, so applied; the dead letter is released for a re-drive
        assert [r["event_id"] for r in claimed] == [event_id(unread)]

    await eventually(dead_lettered, within=WITHIN)
    rows = await pool.fetchval("SELECT count(*) FROM query_objectives WHERE tenant_id = $1", tenant)
    assert rows == 0
