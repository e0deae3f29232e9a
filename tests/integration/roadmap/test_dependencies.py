"""Dependencies across roadmaps and workspaces: added, flagged on the timeline, and refused
when they would close a cycle or reach a workspace the caller may not read."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import jwt
import pytest
from sextant_kit.service import Runtime

from tests.integration.roadmap.conftest import ok
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_a_dependency_across_workspaces_is_flagged_and_its_cycle_named(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    platform, checkout = f"platform-{unique}", f"checkout-{unique}"
    ids: dict[str, str] = {}
    for ws, title, quarter in [
        (platform, "Payments API", "2027-Q3"),
        (checkout, "One-click pay", "2027-Q1"),
    ]:
        base = f"/v1/workspaces/{ws}/roadmaps"
        rid = (await ok(await client.post(base, json={"name": ws}), 201))["id"]
        item = {"title": title, "type": "feature"}
        iid = (await ok(await client.post(f"{base}/{rid}/items", json=item), 201))["id"]
        when = {"horizon": "later", "timeframe": {"kind": "quarter", "value": quarter}}
        await ok(await client.post(f"{base}/{rid}/items/{iid}/schedule", json=when))
        ids[ws], ids[title] = rid, iid
    api = f"/v1/workspaces/{platform}/roadmaps/{ids[platform]}/items/{ids['Payments API']}"
    pay = f"/v1/workspaces/{checkout}/roadmaps/{ids[checkout]}/items/{ids['One-click pay']}"
    on_api = {"depends_on_item_id": ids["Payments API"], "depends_on_roadmap_id": ids[platform]}

    # a member of checkout alone may not depend on what platform plans (development mode
    # reads a token's claims without checking its signature)
    claims = {"sub": "ana", "sextant_tenant": "local", "sextant_workspaces": {checkout: "admin"}}
    token = jwt.encode(claims, "development-mode-checks-no-signature", algorithm="HS256")
    outsider = {"Authorization": f"Bearer {token}"}
    refused = await client.post(f"{pay}/dependencies", json=on_api, headers=outsider)
    assert refused.status_code == 403, refused.text

    await ok(await client.post(f"{pay}/dependencies", json=on_api), 201)
    timeline = f"/v1/workspaces/{checkout}/roadmaps/{ids[checkout]}/timeline"
    relay = runtime.relay()

    async def flagged(reason: str) -> None:
        await relay.publish_batch()
        [item] = (await ok(await client.get(timeline)))["items"]
        assert [f["reason"] for f in item["flags"]] == [reason]

    await eventually(
        lambda: flagged("starts 2027-01-01, before 2027-07-01 when the item it depends on starts"),
        within=60,
    )

    # the way back closes a cycle, named by both titles across the two roadmaps
    on_pay = {"depends_on_item_id": ids["One-click pay"], "depends_on_roadmap_id": ids[checkout]}
    cycle = await client.post(f"{api}/dependencies", json=on_pay)
    assert cycle.status_code == 409, cycle.text
    api_label = f"'Payments API' ({ids['Payments API']})"
    pay_label = f"'One-click pay' ({ids['One-click pay']})"
    assert cycle.json()["detail"] == (
        f"'Payments API' cannot depend on {pay_label}: that closes the cycle"
        f" {api_label} -> {pay_label} -> {api_label}"
    )

    await ok(await client.post(f"{api}/status", json={"to": "dropped", "reason": "bought in"}))
    await eventually(lambda: flagged("depends on an item that was dropped"), within=60)


async def test_no_cycle_closes_through_roadmaps_however_fast_or_at_once(
    client: httpx.AsyncClient, unique: str
) -> None:
    """The graph is read from the roadmaps' own streams, one dependency at a time, so
    neither a read model a moment behind nor two additions at once let a cycle through."""
    ws = f"ws-{unique}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    where: dict[str, tuple[str, str]] = {}
    for name in ("x", "y", "z", "p", "q"):
        rid = (await ok(await client.post(base, json={"name": name}), 201))["id"]
        item = {"title": f"item on {name}", "type": "feature"}
        where[name] = (
            rid,
            (await ok(await client.post(f"{base}/{rid}/items", json=item), 201))["id"],
        )

    def depend(on: str, of: str) -> Any:
        rid, iid = where[of]
        target = {"depends_on_item_id": where[on][1], "depends_on_roadmap_id": where[on][0]}
        return client.post(f"{base}/{rid}/items/{iid}/dependencies", json=target)

    await ok(await depend("y", "x"), 201)
    await ok(await depend("z", "y"), 201)
    closing = await depend("x", "z")  # at once after the others: no read model caught up
    assert closing.status_code == 409, closing.text
    both = await asyncio.gather(depend("q", "p"), depend("p", "q"))  # each alone is fine
    assert sorted(a.status_code for a in both) == [201, 409], [a.text for a in both]
