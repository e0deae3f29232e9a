"""The operator CLI against the real broker and server."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.auth import BearerTokens
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.integration.kit_support import read_topic
from tests.support import eventually, publish_all, run_cli

pytestmark = pytest.mark.integration


async def sextant(settings: Settings, *args: str) -> str:
    code, out, err = await run_cli(settings, *args)
    assert code == 0, err[-3000:]
    return out


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as runtime:
        runtime.subscribe_projections()
        await runtime.broker.start()
        yield runtime


async def test_tail_republish_and_lag(rt: Runtime, settings: Settings, unique: str) -> None:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x"
    ) as http:
        for i in range(3):
            response = await http.post(
                f"/v1/workspaces/ws-{unique}/feedback", json={"text": f"cli {i}", "source": "email"}
            )
            assert response.status_code == 201
    await publish_all(rt)
    out = await sextant(
        settings, "tail", "sextant.feedback.events.v1", "--from-beginning", "--limit", "10000000"
    )
    mine = [json.loads(line) for line in out.splitlines() if f"ws-{unique}" in line]
    assert len(mine) == 3
    assert mine[0]["type"] == "io.sextant.feedback.FeedbackReceived.v1"

    head = (await rt.store.head()).position
    first = max(1, head - 9)
    await sextant(
        settings,
        "republish",
        "feedback",
        "--from",
        str(first),
        "--to",
        str(head),
        "--topic",
        f"replay-{unique}",
    )
    copied = await read_topic(
        settings.kafka_bootstrap, settings.topic(f"replay-{unique}"), 11, timeout_ms=5000
    )
    assert sorted(int(dict(r.headers)["ce_position"]) for r in copied) == list(
        range(first, head + 1)
    )
    # a range the store does not hold is refused, naming what it holds
    past = await run_cli(settings, "republish", "feedback", "--from", str(head + 1))
    assert past[0] == 1
    assert f"nothing to republish from {head + 1:,} to {head:,}" in past[2]
    assert f"holds positions 1..{head:,}" in past[2]

    async def caught_up() -> None:
        report = await sextant(settings, "lag", "--service", "feedback")
        inbox = next(line for line in report.splitlines() if "feedback_inbox" in line)
        assert inbox.split()[2] == "0", report

    await eventually(caught_up, within=30)


async def test_dead_letters_are_listed_and_redriven(
    rt: Runtime, settings: Settings, unique: str
) -> None:
    topic = settings.topic("sextant.feedback.inbound.v1")
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    ce_id = str(uuid.uuid4())
    try:
        await producer.send_and_wait(
            topic,
            b'{"text": "no workspace", "source": "email"}',
            headers=[
                ("ce_specversion", b"1.0"),
                ("ce_id", ce_id.encode()),
                ("ce_source", b"/crm"),
                ("ce_type", b"io.sextant.feedback.FeedbackSubmitted.v1"),
                ("ce_tenantid", b"local"),
                ("ce_actor", b"service:crm"),
            ],
        )
    finally:
        await producer.stop()

    async def dead_lettered() -> None:
        listed = await sextant(settings, "dlq", "list", "sextant.feedback.inbound.v1")
        assert ce_id in listed

    await eventually(dead_lettered, within=30)
    listed = [
        json.loads(x)
        for x in (
            await sextant(settings, "dlq", "list", "sextant.feedback.inbound.v1")
        ).splitlines()
    ]
    code, _, summary = await run_cli(settings, "dlq", "list", "sextant.feedback.inbound.v1")
    assert code == 0, summary
    assert f"{len(listed)} dead letter(s) listed from {topic}.dlq" in summary
    letter = next(x for x in listed if x["ce_id"] == ce_id)
    assert "workspace_id" in letter["sextant_dlq_error"]
    # a dead letter keeps no token: the producer's is sent with it again
    await sextant(settings, "dlq", "redrive", "sextant.feedback.inbound.v1", "--token", "t0ken")
    back = await read_topic(settings.kafka_bootstrap, topic, 100, timeout_ms=3000)
    copies = [r for r in back if dict(r.headers).get("ce_id") == ce_id.encode()]
    assert len(copies) == 2
    assert not any(k.startswith("sextant_dlq") for r in copies for k, _ in r.headers)
    # the copies may lie in two partitions: the one re-driven is the one with the token
    assert sorted(dict(r.headers).get("authorization", b"") for r in copies) == [
        b"",
        b"Bearer t0ken",
    ]


async def test_tokens_minted_by_the_cli_are_accepted(settings: Settings, tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    jwks = await sextant(settings, "token", "keys", "--private-key", str(key), "--kid", "k1")
    token = (
        await sextant(
            settings,
            "token",
            "create",
            "--private-key",
            str(key),
            "--kid",
            "k1",
            "--tenant",
            "acme",
            "--subject",
            "service:crm-sync",
            "--role",
            "contributor",
            "--scope-workspace",
            "mobile",
            "--scope-action",
            "write",
        )
    ).strip()
    verifier = BearerTokens(
        jwt.PyJWKSet.from_json(jwks), settings.jwt_issuer, settings.jwt_audience
    )
    who = verifier.authenticate({"authorization": f"Bearer {token}"})
    assert (who.tenant_id, who.actor) == ("acme", "service:crm-sync")
    assert who.workspaces == frozenset({"mobile"})
    # the signing key is never replaced unasked, and odd arguments are named, not raised
    code, _, err = await run_cli(settings, "token", "keys", "--private-key", str(key))
    assert (code, "exists" in err, "--force" in err) == (1, True, True), err
    made = "token", "create", "--tenant", "acme", "--subject", "ana"
    for odd, said in [
        (("--workspace-role", "ws1"), "is not WS=ROLE with a role of: admin"),
        (("--workspace-role", "ws1=boss"), "is not WS=ROLE"),
        (("--ttl", "-5"), "is not a number of seconds above 0"),
        (("--ttl", "99999999999"), "longer than a year (31622400): a token cannot be revoked"),
        (("--private-key", str(tmp_path / "none.pem")), "cannot read"),
        (("--private-key", __file__), "is not an unencrypted PEM private key"),
    ]:
        code, _, err = await run_cli(settings, *made, *odd)
        assert code in (1, 2), err
        assert said in err, err
        assert "Traceback" not in err, err


async def test_a_server_out_of_reach_is_named_with_the_setting_to_check(
    settings: Settings, unique: str
) -> None:
    nowhere = settings.model_copy(
        update={"postgres_url": "postgresql://sextant:sextant@127.0.0.1:1/sextant"}
    )
    code, _, err = await run_cli(nowhere, "audit", "verify", "feedback", "--tenant", unique)
    assert code == 1, err
    assert "error: PostgreSQL is out of reach at 127.0.0.1:1 (SEXTANT_POSTGRES_URL)" in err
    no_kafka = settings.model_copy(update={"kafka_bootstrap": "127.0.0.1:1"})
    code, _, err = await run_cli(no_kafka, "lag")
    assert code == 1, err
    assert "error: Kafka is out of reach at 127.0.0.1:1 (SEXTANT_KAFKA_BOOTSTRAP)" in err
    code, _, err = await run_cli(settings, "lag", "--service", "nope")
    assert code == 1, err
    assert err.strip() == (
        "unknown service 'nope'; choose from identity, feedback, discovery, strategy, roadmap,"
        " query"
    )
