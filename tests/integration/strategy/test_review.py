"""A strategy through review; the approved version stays as it was when approved."""

from __future__ import annotations

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.strategy.support import ok, publish
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_an_approved_version_is_an_immutable_snapshot(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"/v1/workspaces/ws-{unique}"
    await ok(await client.put(f"{ws}/vision", json={"vision": "Pay anywhere", "mission": "Ship"}))
    objective = (
        await ok(
            await client.post(
                f"{ws}/objectives",
                json={"title": "Faster checkout", "period": {"quarter": "2026-Q3"}},
            )
        )
    )["id"]
    strategy = (
        await ok(
            await client.post(
                f"{ws}/strategies",
                json={
                    "title": "H2",
                    "period": {"quarter": "2026-Q3"},
                    "objective_ids": [objective],
                },
            )
        )
    )["id"]
    early = await client.post(f"{ws}/strategies/{strategy}/approve", json={})
    assert early.status_code == 409
    own = await client.post(
        f"{ws}/strategies/{strategy}/submit",
        json={"reviewers": ["cpo.bea", "pm.ann"]},
        headers={"X-Sextant-Actor": "pm.ann"},
    )
    assert (own.status_code, own.json()["errors"][0]["field"]) == (422, "body.reviewers")
    await ok(
        await client.post(f"{ws}/strategies/{strategy}/submit", json={"reviewers": ["cpo.bea"]}),
        200,
    )
    outsider = await client.post(
        f"{ws}/strategies/{strategy}/approve", json={}, headers={"X-Sextant-Actor": "pm.ana"}
    )
    assert outsider.status_code == 403
    assert "not a reviewer" in outsider.json()["detail"]
    no_decide = await client.post(
        f"{ws}/strategies/{strategy}/approve",
        json={},
        headers={"X-Sextant-Actor": "cpo.bea", "X-Sextant-Role": "product_owner"},
    )
    assert no_decide.status_code == 403
    reviewer = {"X-Sextant-Actor": "cpo.bea"}
    await ok(
        await client.post(
            f"{ws}/strategies/{strategy}/comments", json={"text": "Looks right"}, headers=reviewer
        )
    )
    await ok(
        await client.post(f"{ws}/strategies/{strategy}/approve", json={}, headers=reviewer), 200
    )
    # Later changes do not touch the approved version.
    await ok(
        await client.put(f"{ws}/vision", json={"vision": "Pay with a glance", "mission": "Ship"})
    )
    await ok(
        await client.post(f"{ws}/objectives/{objective}/close", json={"outcome": "achieved"}), 200
    )
    await publish(runtime)

    async def approved() -> None:
        got = (await client.get(f"{ws}/strategies/{strategy}")).json()
        assert got.get("status") == "approved"
        assert [v["version"] for v in got["approved_versions"]] == [1]
        assert [c["kind"] for c in got["comments"]] == ["comment", "approval"]
        vision = (await client.get(f"{ws}/vision")).json()
        assert vision.get("revision") == 2

    await eventually(approved, within=60)
    version = (await client.get(f"{ws}/strategies/{strategy}/versions/1")).json()
    snapshot = version["snapshot"]
    assert snapshot["vision"]["vision"] == "Pay anywhere"
    assert snapshot["objectives"][0]["outcome"] is None
    now = (await client.get(f"{ws}/strategy")).json()
    assert now["vision"]["vision"] == "Pay with a glance"
    assert [a["strategy_id"] for a in now["approved"]] == [strategy]
    assert now["approved"][0]["snapshot"]["vision"]["vision"] == "Pay anywhere"
    before = (await client.get(f"{ws}/strategy", params={"as_of": "2001-01-01"})).json()
    assert (before["vision"], before["approved"]) == (None, [])
    missing = await client.get(f"{ws}/strategies/{strategy}/versions/2")
    assert missing.status_code == 404
