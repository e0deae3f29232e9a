"""The strategy flow as users drive it over HTTP: cascade, check in, review and approve."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.integration.kit_support import read_topic
from tests.support import eventually

pytestmark = pytest.mark.e2e

PM = {"X-Sextant-Actor": "pm.ana", "X-Sextant-Role": "product_manager"}
CPO = {"X-Sextant-Actor": "cpo.bea", "X-Sextant-Role": "product_manager"}


@pytest.fixture
async def http(platform: Platform) -> Any:
    tenant = {"X-Sextant-Tenant": f"acme-{uuid.uuid4().hex[:8]}"}
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=10, headers=tenant) as c:
        yield c


async def created(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_cascade_check_in_and_approve_a_strategy(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    q3 = {"quarter": "2026-Q3"}
    org = await created(
        await http.post(
            "/v1/organisation/objectives",
            json={"title": "Grow net revenue", "period": q3, "owner": "cpo.bea"},
            headers=CPO,
        )
    )
    teams = {}
    for ws, title in (("payments", "Convert more buyers"), ("growth", "Keep more buyers")):
        objective = await created(
            await http.post(
                f"/v1/workspaces/{ws}/objectives",
                json={"title": title, "period": q3, "parent_id": org["id"]},
                headers=PM,
            )
        )
        kr = await created(
            await http.post(
                f"/v1/workspaces/{ws}/objectives/{objective['id']}/key-results",
                json={
                    "title": title,
                    "baseline": 0,
                    "target": 10,
                    "unit": "pp",
                    "direction": "increase",
                },
                headers=PM,
            )
        )
        await created(
            await http.post(
                f"/v1/workspaces/{ws}/objectives/{objective['id']}/key-results/"
                f"{kr['key_result_id']}/check-ins",
                json={
                    "value": 5 if ws == "payments" else 3,
                    "confidence": 0.8,
                    "comment": "first check-in",
                },
                headers=PM,
            )
        )
        teams[ws] = objective["id"]

    await created(
        await http.put(
            "/v1/workspaces/payments/vision",
            json={"vision": "Anyone can pay anywhere", "mission": "Remove every step"},
            headers=PM,
        )
    )
    strategy = await created(
        await http.post(
            "/v1/workspaces/payments/strategies",
            json={"title": "Payments H2", "period": q3, "objective_ids": [teams["payments"]]},
            headers=PM,
        )
    )
    base = f"/v1/workspaces/payments/strategies/{strategy['id']}"
    await created(
        await http.post(f"{base}/submit", json={"reviewers": ["cpo.bea"]}, headers=PM), 200
    )
    await created(
        await http.post(f"{base}/request-changes", json={"text": "Name the KR owner"}, headers=CPO),
        200,
    )
    await created(
        await http.put(
            base,
            json={"title": "Payments H2", "period": q3, "objective_ids": [teams["payments"]]},
            headers=PM,
        ),
        200,
    )
    await created(
        await http.post(f"{base}/submit", json={"reviewers": ["cpo.bea"]}, headers=PM), 200
    )
    approval = await created(
        await http.post(f"{base}/approve", json={"comment": "Go"}, headers=CPO), 200
    )

    async def tree_rolled_up() -> None:
        tree = (await http.get("/v1/organisation/objective-tree", headers=PM)).json()
        assert len(tree["items"]) == 1, tree
        root = tree["items"][0]
        assert root["objective_id"] == org["id"]
        assert {c["objective_id"] for c in root["children"]} == set(teams.values())
        assert root["rolled_up_progress"] == pytest.approx((0.5 + 0.3) / 2)

    await eventually(tree_rolled_up, within=60)

    async def approved() -> None:
        got = (await http.get(base, headers=PM)).json()
        assert got.get("status") == "approved"
        assert [v["version"] for v in got["approved_versions"]] == [1]

    await eventually(approved, within=60)
    version = (await http.get(f"{base}/versions/1", headers=PM)).json()
    snapshot = version["snapshot"]
    assert snapshot["vision"]["vision"] == "Anyone can pay anywhere"
    assert snapshot["objectives"][0]["parent_id"] == org["id"]
    assert snapshot["objectives"][0]["progress"] == pytest.approx(0.5)
    assert version["approved_by"] == "cpo.bea"

    topic = platform.settings.topic("sextant.strategy.events.v1")
    records = await read_topic(platform.settings.kafka_bootstrap, topic, 10_000, timeout_ms=3000)
    types = {dict(r.headers)["ce_type"] for r in records if r.key == strategy["id"].encode()}
    assert b"io.sextant.strategy.StrategyApproved.v1" in types
    assert b"io.sextant.strategy.StrategyChangesRequested.v1" in types
    progressed = [
        r
        for r in records
        if r.key == teams["growth"].encode()
        and dict(r.headers)["ce_type"] == b"io.sextant.strategy.KeyResultProgressed.v1"
    ]
    assert len(progressed) == 1
    assert approval["consistency_token"].startswith("strategy:")
