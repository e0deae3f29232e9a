"""Competitive analysis on real Postgres and Kafka: profiles, feature comparison, status."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.discovery.support import event_count, ok, publish
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_a_competitor_is_profiled_compared_and_followed(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    base = f"/v1/workspaces/ws-{unique}/competitors/{uuid.uuid4()}"
    before = await event_count(runtime)
    for website in ("javascript:alert(1)", "rival.example", "ftp://rival.example"):
        bad = await client.put(base, json={"name": "Rival", "website": website})
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.website")
    assert await event_count(runtime) == before
    profile = {"name": "Rival", "website": "https://rival.example", "strengths": ["price"]}
    key = {"Idempotency-Key": f"rival-{unique}"}
    made = await ok(await client.put(base, json=profile, headers=key), 201)
    # sent again under its key: answered as the first time, 201 and all
    assert await ok(await client.put(base, json=profile, headers=key), 201) == made
    revised = {**profile, "weaknesses": ["support"]}
    await ok(await client.put(base, json=revised, headers={"If-Match": "1"}), 200)
    stale = await client.put(base, json=profile, headers={"If-Match": "1"})
    assert stale.status_code == 409
    # Another organisation naming the same id gets nothing of it and writes nothing to it.
    elsewhere = {"X-Sextant-Tenant": f"other-{unique}", "X-Sextant-Role": "admin"}
    taken = await client.put(base, json={"name": "Theirs"}, headers=elsewhere)
    assert (taken.status_code, taken.json()["type"].rsplit("/")[-1]) == (409, "id-taken")
    assert (await client.get(base, headers=elsewhere)).status_code == 404
    await ok(await client.put(base, json=revised, headers={"If-Match": "2"}), 200)
    for feature, theirs in (("SSO", "full"), ("Audit log", "none")):
        body = {"feature": feature, "theirs": theirs, "ours": "partial"}
        await ok(await client.post(f"{base}/features", json=body), 200)
    await ok(await client.post(f"{base}/status", json={"status": "defunct"}), 200)
    revived = await client.post(f"{base}/status", json={"status": "active"})
    assert revived.status_code == 422
    await publish(runtime)

    async def projected() -> None:
        got: dict[str, Any] = (await client.get(base)).json()
        assert got.get("name") == "Rival"
        assert got["profile"]["website"] == "https://rival.example"
        assert got["profile"]["weaknesses"] == ["support"]
        assert [(f["feature"], f["theirs"]) for f in got["features"]] == [
            ("Audit log", "none"),
            ("SSO", "full"),
        ]
        assert [s["status"] for s in got["status_history"]] == ["defunct"]

    await eventually(projected)


async def test_the_landscape_lists_competitors_and_personas_by_name_page_by_page(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"/v1/workspaces/ws-{unique}"
    for name in ("Cobalt", "Acme", "Birch"):
        await ok(await client.put(f"{ws}/competitors/{uuid.uuid4()}", json={"name": name}))
    for name, segment in (("Owner", "smb"), ("Admin", "enterprise"), ("Analyst", "smb")):
        body = {"name": name, "segment": segment}
        persona = await ok(await client.post(f"{ws}/personas", json=body))
    await ok(await client.post(f"{ws}/personas/{persona['id']}/archive"), 200)
    await publish(runtime)

    async def listed() -> None:
        first = (await client.get(f"{ws}/competitors", params={"limit": 2})).json()
        assert [c["name"] for c in first["items"]] == ["Acme", "Birch"]
        rest = await client.get(
            f"{ws}/competitors", params={"limit": 2, "cursor": first["next_cursor"]}
        )
        assert [c["name"] for c in rest.json()["items"]] == ["Cobalt"]
        assert rest.json()["next_cursor"] is None
        personas = (await client.get(f"{ws}/personas")).json()["items"]
        assert [p["name"] for p in personas] == ["Admin", "Owner"]  # Analyst is archived
        smb = await client.get(
            f"{ws}/personas", params={"segment": "smb", "include_archived": True}
        )
        assert [p["name"] for p in smb.json()["items"]] == ["Analyst", "Owner"]
        archived = await client.get(f"{ws}/personas", params={"archived": True})
        assert [p["name"] for p in archived.json()["items"]] == ["Analyst"]

    await eventually(listed)
    # Analyst was archived too soon: restored, it is listed and revised again
    await ok(await client.post(f"{ws}/personas/{persona['id']}/restore"), 200)
    revised = {"profile": {"name": "Lead analyst", "segment": "enterprise"}, "note": "moved up"}
    await ok(await client.put(f"{ws}/personas/{persona['id']}", json=revised), 200)
    await publish(runtime)

    async def restored() -> None:
        current = (await client.get(f"{ws}/personas")).json()["items"]
        assert [(p["name"], p["version"]) for p in current] == [
            ("Admin", 1),
            ("Lead analyst", 2),
            ("Owner", 1),
        ]
        archived = await client.get(f"{ws}/personas", params={"archived": True})
        assert archived.json()["items"] == []
        first = await client.get(f"{ws}/personas/{persona['id']}", params={"version": 1})
        assert (first.json()["name"], first.json()["profile"]["segment"]) == ("Analyst", "smb")

    await eventually(restored)
    huge = await client.get(f"{ws}/personas/{persona['id']}", params={"version": 2**31})
    assert (huge.status_code, huge.json()["errors"][0]["field"]) == (422, "query.version")
    acme = (await client.get(f"{ws}/competitors")).json()["items"][0]
    base = f"{ws}/competitors/{acme['competitor_id']}"
    body = {"feature": "SSO", "theirs": "full", "ours": "partial"}
    await ok(await client.post(f"{base}/features", json=body), 200)
    await ok(await client.post(f"{base}/status", json={"status": "acquired"}), 200)
    await publish(runtime)

    async def compared() -> None:
        got = (await client.get(f"{ws}/competitors", params={"status": "acquired"})).json()
        assert [c["name"] for c in got["items"]] == ["Acme"]
        only = got["items"][0]
        assert [(f["feature"], f["theirs"], f["ours"]) for f in only["features"]] == [
            ("SSO", "full", "partial")
        ]

    await eventually(compared)
    bad = await client.get(f"{ws}/competitors", params={"status": "thriving"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.status")
