"""Projections forget the ids of events they applied long ago, and nothing else changes:
recent ids stay (duplicates are still caught), and an old consistency token still reads
as reached once its ids are gone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.consistency import Token
from sextant_kit.projection import forget_applied
from sextant_kit.service import Runtime

from tests.support import eventually, own_storage, publish_all, running

pytestmark = pytest.mark.integration

WEEK = timedelta(days=7)


@pytest.fixture
async def rt(settings: Settings, unique: str) -> AsyncIterator[Runtime]:
    async with running(definition, own_storage(settings, f"ret{unique}")) as runtime:
        yield runtime


async def test_old_ids_are_forgotten_in_chunks_and_recent_ones_kept(rt: Runtime) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        items = [{"text": f"item {i}", "source": "survey"} for i in range(10)]
        answer = await h.post("/v1/workspaces/ws/feedback/batch", json={"items": items})
        assert answer.status_code == 200, answer.text
        token = Token.parse(answer.json()["consistency_token"])
    await publish_all(rt)
    source = rt.consistency_source()

    async def applied() -> None:
        assert await source.caught_up(token.position)

    await eventually(applied, within=60)
    ids = await rt.pool.fetch(
        "SELECT projection, event_id FROM projection_applied_events ORDER BY event_id"
    )
    old = ids[: len(ids) // 2]
    await rt.pool.execute(
        "UPDATE projection_applied_events SET applied_at = now() - interval '8 days'"
        " WHERE (projection, event_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))",
        [r["projection"] for r in old],
        [r["event_id"] for r in old],
    )

    assert await forget_applied(rt.pool, WEEK, chunk=3) == len(old)  # several chunks

    kept = await rt.pool.fetch("SELECT projection, event_id FROM projection_applied_events")
    assert {(r["projection"], r["event_id"]) for r in kept} == {
        (r["projection"], r["event_id"]) for r in ids[len(old) :]
    }
    assert await forget_applied(rt.pool, WEEK) == 0


async def test_a_token_older_than_the_retention_reads_as_reached(rt: Runtime) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        answer = await h.post("/v1/workspaces/ws/feedback", json={"text": "x", "source": "email"})
        token = Token.parse(answer.json()["consistency_token"])
    source = rt.consistency_source()
    # Never published, so never applied: within the retention the token is not reached...
    assert await source.caught_up(token.position) is False
    # ...but once the command is older than the retention its ids may have been forgotten,
    # so a missing id no longer means "not applied yet".
    forgetful = replace(source, retention=timedelta(microseconds=1))
    assert await forgetful.caught_up(token.position) is True
