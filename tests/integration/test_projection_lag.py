"""Projection lag in events and seconds: over HTTP and as Prometheus gauges."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import NewEvent, Settings
from sextant_kit.service import Runtime

from tests.integration.kit_support import META, read_topic
from tests.support import eventually, own_storage, publish_all, run_cli, running

pytestmark = pytest.mark.integration


@pytest.fixture
async def rt(settings: Settings, unique: str) -> AsyncIterator[Runtime]:
    """A feedback service of its own whose projector has not started."""
    async with running(definition, own_storage(settings, f"lag{unique}"), projectors=False) as r:
        yield r


def lag_of(answer: httpx.Response, projection: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["projections"]
    (row,) = [r for r in rows if r["projection"] == projection]
    return row


async def test_lag_is_reported_while_behind_and_clears_when_caught_up(rt: Runtime) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:
        for i in range(5):
            item = {"text": f"waiting {i}", "source": "email"}
            assert (await h.post("/v1/workspaces/ws/feedback", json=item)).status_code == 201

        async def published() -> None:
            await rt.relay().publish_batch()
            assert (
                lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")["events_behind"]
                == 5
            )

        await eventually(published, within=30)
        await asyncio.sleep(1.2)
        behind = lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")
        assert behind["seconds_behind"] >= 1.0
        assert behind["dead_letters"] == 0
        metrics = (await h.get("/metrics")).text
        assert 'sextant_projection_lag_events{projection="feedback_inbox"} 5.0' in metrics

        rt.subscribe_projections()
        await rt.broker.start()

        async def caught_up() -> None:
            row = lag_of(await h.get("/v1/feedback/projections"), "feedback_inbox")
            assert (row["events_behind"], row["seconds_behind"]) == (0, 0.0)

        await eventually(caught_up, within=60)
        metrics = (await h.get("/metrics")).text
        assert 'sextant_projection_lag_events{projection="feedback_inbox"} 0.0' in metrics
        assert 'sextant_projection_lag_seconds{projection="feedback_inbox"} 0.0' in metrics


async def test_dead_letters_wait_for_the_projection_that_sent_them_until_redriven(
    settings: Settings, unique: str
) -> None:
    """An event the inbox cannot apply (the audit log can) is the inbox's dead letter only;
    once ``sextant dlq redrive`` sent it back, the letter before that no longer waits."""
    own = own_storage(settings, f"dlq{unique}")
    broken = NewEvent(uuid.uuid4(), "FeedbackReceived", 1, {"text": "no source, no channel"})
    async with running(definition, own) as rt:
        await rt.store.append(f"fb-{unique}", "feedback_item", [broken], META, expected_version=0)
        await publish_all(rt)
        app = rt.http_app(with_routes=True)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as h:

            async def waiting(inbox: int, audit: int) -> None:
                answer = await h.get("/v1/feedback/projections")
                assert lag_of(answer, "feedback_inbox")["dead_letters"] == inbox
                assert lag_of(answer, "feedback_audit_log")["dead_letters"] == audit
                assert lag_of(answer, "feedback_audit_log")["events_behind"] == 0

            await eventually(lambda: waiting(inbox=1, audit=0), within=60)
            metrics = (await h.get("/metrics")).text
            assert 'sextant_dead_letters_waiting{projection="feedback_inbox"} 1.0' in metrics
            assert 'sextant_dead_letters_waiting{projection="feedback_audit_log"} 0.0' in metrics

            code, _, err = await run_cli(own, "dlq", "redrive", "sextant.feedback.events.v1")
            assert code == 0, err[-2000:]
            dlq = own.topic("sextant.feedback.events.v1.dlq")

            async def failed_again() -> None:
                # Still broken, so the inbox dead-letters it once more: two letters in the
                # topic, one of them waiting.
                assert len(await read_topic(own.kafka_bootstrap, dlq, 3, timeout_ms=1500)) == 2
                await waiting(inbox=1, audit=0)

            await eventually(failed_again, within=60)

            # The letter the inbox sent again is the next waiting one: sending back that one
            # letter, as ``dlq list`` names it, leaves none waiting.
            code, out, err = await run_cli(own, "dlq", "list", "sextant.feedback.events.v1")
            assert code == 0, err[-2000:]
            assert "2 dead letter(s) listed" in err
            assert "1 waiting" in err
            letters = [json.loads(line) for line in out.splitlines()]
            assert [x["waiting"] for x in letters] == [False, True]
            again = letters[1]["dlq_offset"]
            code, _, err = await run_cli(
                own, "dlq", "redrive", "sextant.feedback.events.v1", "--offset", str(again + 5)
            )
            assert code != 0
            assert f"no dead letter at offset {again + 5}" in err
            code, _, err = await run_cli(
                own, "dlq", "redrive", "sextant.feedback.events.v1", "--offset", str(again)
            )
            assert code == 0, err[-2000:]

            async def sent_back_and_failed_again() -> None:
                # Still broken, so a third letter waits; the one sent back waits no more.
                assert len(await read_topic(own.kafka_bootstrap, dlq, 4, timeout_ms=1500)) == 3
                await waiting(inbox=1, audit=0)

            await eventually(sent_back_and_failed_again, within=60)
            code, out, _ = await run_cli(own, "dlq", "list", "sextant.feedback.events.v1")
            assert [json.loads(line)["waiting"] for line in out.splitlines()] == [
                False,
                False,
                True,
            ]
            # Sending back a letter re-driven before says so (it is sent again).
            first = letters[0]["dlq_offset"]
            code, _, err = await run_cli(
                own, "dlq", "redrive", "sextant.feedback.events.v1", "--offset", str(first)
            )
            assert code == 0, err[-2000:]
            assert f"offset {first} had been re-driven before" in err
