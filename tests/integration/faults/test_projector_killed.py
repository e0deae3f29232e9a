"""The projector SIGKILLed while a batch's transaction is open, then restarted."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import prepare

from tests.integration.faults.feedback import (
    HEADERS,
    PROJECTIONS,
    FeedbackProcess,
    assert_each_event_applied_once,
    running,
    wait_until_projected,
)

# A server of its own starts, stops and starts again: more than the default per-test timeout.
pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.timeout(300)]

ITEMS = 2000
BATCH = 100


async def test_projector_killed_mid_batch_applies_each_event_once(
    settings: Settings, tmp_path: Path
) -> None:
    mine = settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}_projkill",
            "topic_prefix": settings.topic_prefix.rstrip(".") + "-projkill.",
            "projection_batch_size": BATCH,
        }
    )
    await prepare(definition, mine)
    with running(mine, tmp_path, "api", "relay") as processes:
        async with httpx.AsyncClient(base_url=processes["api"].base_url, timeout=60) as http:
            for b in range(ITEMS // 500):
                items = [
                    {"text": f"item {b}-{i}", "source": "survey", "external_id": f"{b}-{i}"}
                    for i in range(500)
                ]
                response = await http.post(
                    "/v1/workspaces/ws-kill/feedback/batch", json={"items": items}, headers=HEADERS
                )
                assert response.status_code == 200, response.text
                assert response.json()["summary"] == {"created": 500}
        await _wait_relayed(mine, ITEMS, within=60)

    database = mine.dsn(mine.database("feedback"))
    for attempt in range(2):  # killed twice, at different points of the stream
        projector = FeedbackProcess("projector", mine, tmp_path / f"projector-{attempt}.log")
        projector.start()
        try:
            await _kill_during_a_batch(projector, database, total=ITEMS)
        finally:
            projector.stop()

    with running(mine, tmp_path, "projector"):
        await wait_until_projected(mine, ITEMS, within=90)
        assert await assert_each_event_applied_once(mine) == ITEMS


async def _wait_relayed(settings: Settings, expected: int, *, within: float) -> None:
    conn = await asyncpg.connect(settings.dsn(settings.database("feedback")))
    try:
        deadline = time.monotonic() + within
        while True:
            published = await conn.fetchval(
                "SELECT count(*) FROM events e, relay_checkpoints c"
                " WHERE (e.transaction_id, e.position) <= (c.transaction_id, c.position)"
            )
            if published >= expected:
                return
            assert time.monotonic() < deadline, f"{published} of {expected} relayed"
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def _kill_during_a_batch(projector: FeedbackProcess, database: str, *, total: int) -> None:
    """SIGKILL the projector the moment one of its transactions is open mid-stream: some
    events applied, not all, and a batch (read-model rows, applied ids, offsets) in flight."""
    conn = await asyncpg.connect(database)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            projector.check_alive()
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                "   AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
                "   AND state <> 'idle') AS open,"
                " (SELECT count(*) FROM projection_applied_events"
                "   WHERE projection = ANY($1::text[])) AS applied",
                list(PROJECTIONS),
            )
            assert row is not None
            fully = total * len(PROJECTIONS)
            if row["open"] > 0 and 0 < row["applied"] < fully - 2 * BATCH:
                projector.kill()
                break
        else:
            raise AssertionError(f"no batch in flight seen:\n{projector.tail()}")
        # the batch that was open rolled back; the work left is for the restarted projector
        applied = await conn.fetchval(
            "SELECT count(*) FROM projection_applied_events WHERE projection = ANY($1::text[])",
            list(PROJECTIONS),
        )
        assert applied < total * len(PROJECTIONS)
    finally:
        await conn.close()
