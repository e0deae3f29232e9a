"""Tokens and personal data never reach the logs, whatever the caller sends.

The feedback service runs in JWT mode with every logger at DEBUG; the test sends valid,
expired and forged tokens, personal data in accepted and rejected bodies, and an inbound
Kafka message that is dead-lettered, then searches everything logged for them.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from aiokafka import AIOKafkaProducer
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.auth import jwks_of
from sextant_kit.logs import hold_payload_loggers
from sextant_kit.service import Runtime

from tests.integration.kit_support import read_topic
from tests.support import eventually, own_storage, running
from tests.unit.test_auth import EC_KEY, OTHER, token

pytestmark = pytest.mark.integration

EMAIL = "dana.private@example.org"
NAME = "Dana Privatperson"


@pytest.fixture(scope="module")
async def strict(settings: Settings) -> Settings:
    """JWT mode, and topics of its own: the dead-letter topic holds only this test's."""
    return own_storage(
        settings,
        "logs",
        auth_mode="jwt",
        jwt_jwks=jwks_of({"ec": EC_KEY.public_key()}),
        jwt_issuer="https://idp.example",
        jwt_audience="sextant",
    )


@pytest.fixture(scope="module")
async def rt(strict: Settings) -> AsyncIterator[Runtime]:
    async with running(definition, strict) as runtime:
        yield runtime


async def test_no_token_or_personal_data_is_logged(
    rt: Runtime, strict: Settings, caplog: pytest.LogCaptureFixture, unique: str
) -> None:
    caplog.set_level(logging.DEBUG)
    hold_payload_loggers()  # as every Sextant process does at start
    valid, expired, forged = token(), token(ttl=-3600), token(OTHER)
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as h:

        def auth(value: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {value}"}

        customer = {"ref": f"dana-{unique}", "name": NAME, "contact": EMAIL}
        assert (await h.post("/v1/customers", json=customer, headers=auth(valid))).is_success
        for bad in (expired, forged, "not-a-jwt"):
            assert (
                await h.get("/v1/feedback/audit?subject=x", headers=auth(bad))
            ).status_code == 401
        rejected = {**customer, "contact": EMAIL + ".not an address", "annual_revenue": -1}
        assert (
            await h.post("/v1/customers", json=rejected, headers=auth(valid))
        ).status_code == 422
        item = {"text": f"{NAME} <{EMAIL}> cannot export", "source": "email"}
        path = f"/v1/workspaces/ws-{unique}/feedback"
        assert (await h.post(path, json=item, headers=auth(valid))).is_success

        async def projected() -> None:
            await rt.relay().publish_batch()
            page = (await h.get(path, headers=auth(valid))).json()
            assert len(page["items"]) == 1

        await eventually(projected, within=30)

    # An inbound message from a producer with a valid token, whose body breaks a rule.
    topic = strict.topic("sextant.feedback.inbound.v1")
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(uuid.uuid4()),
        "ce_source": "/crm/bridge",
        "ce_type": "io.sextant.feedback.FeedbackSubmitted.v1",
        "ce_tenantid": "acme",
        "authorization": f"Bearer {valid}",
    }
    body = {"workspace_id": f"ws-{unique}", "text": EMAIL, "source": "no-such-channel"}
    producer = AIOKafkaProducer(bootstrap_servers=strict.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            topic,
            json.dumps(body).encode(),
            key=b"k",
            headers=[(k, v.encode()) for k, v in headers.items()],
        )
    finally:
        await producer.stop()
    (dead,) = await read_topic(strict.kafka_bootstrap, f"{topic}.dlq", 1)
    reason = dict(dead.headers)["sextant_dlq_error"].decode()
    assert "source" in reason
    assert EMAIL not in reason

    logged = caplog.text + "".join(json.dumps(r.args, default=str) for r in caplog.records)
    assert "dead-lettered" in logged  # the logs were captured at all
    for secret in (valid, expired, forged, EMAIL, NAME):
        assert secret not in logged
    assert jwt.get_unverified_header(valid)  # the tokens were real ones
